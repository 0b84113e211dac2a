"""diff_means_ci_from_results: two independent design-based means (e.g. raked cycles)."""
from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

import analysis


def test_unweighted_samples_give_welch_exactly():
    rng = np.random.default_rng(1)
    a = rng.integers(1, 6, 80).tolist()
    b = rng.integers(2, 6, 50).tolist()
    got = analysis.diff_means_ci_from_results(analysis.mean_ci(a), analysis.mean_ci(b))
    welch = analysis.diff_means_ci(a, b)
    assert got.estimate == pytest.approx(welch.estimate)
    assert got.se == pytest.approx(welch.se)
    assert got.df == pytest.approx(welch.df)
    assert got.pvalue == pytest.approx(welch.pvalue)
    assert tuple(got.confidence_interval()) == pytest.approx(tuple(welch.confidence_interval()))
    # and R's t.test(a, b)$p.value, through scipy
    assert got.pvalue == pytest.approx(stats.ttest_ind(a, b, equal_var=False).pvalue)


def test_weighted_samples_combine_the_design_standard_errors():
    rng = np.random.default_rng(2)
    a, wa = rng.integers(1, 6, 60), rng.uniform(0.5, 2, 60)
    b, wb = rng.integers(1, 6, 40), rng.uniform(0.5, 2, 40)
    ra, rb = analysis.mean_ci(a, weights=wa), analysis.mean_ci(b, weights=wb)
    got = analysis.diff_means_ci_from_results(ra, rb)
    se = np.hypot(ra.se, rb.se)
    df = se**4 / (ra.se**4 / ra.df + rb.se**4 / rb.df)
    assert got.estimate == pytest.approx(ra.mean - rb.mean)
    assert got.se == pytest.approx(se)
    assert got.df == pytest.approx(df)
    assert got.pvalue == pytest.approx(2 * stats.t.sf(abs(got.estimate / se), df))
    low, high = got.confidence_interval()
    assert high - low == pytest.approx(2 * stats.t.isf(0.025, df) * se)
    assert (got.n1, got.n2) == (60, 40)


def test_rejects_other_objects():
    with pytest.raises(TypeError):
        analysis.diff_means_ci_from_results(1.0, analysis.mean_ci([1, 2, 3]))
