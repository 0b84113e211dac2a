"""Property tests (hypothesis): intervals contain the estimate, widen with the
confidence level, and the frequency-table forms equal the raw forms."""
import math

import numpy as np
import pandas as pd
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from analysis import (
    compare_cycles,
    diff_means_ci,
    diff_means_ci_from_counts,
    diff_proportions_ci,
    feldt_ci,
    frequency_table,
    mean_ci,
    mean_ci_from_counts,
    nps,
    nps_from_counts,
    percent_satisfied,
    percent_satisfied_from_counts,
    proportion_ci,
    satisfaction_index,
    satisfaction_index_from_counts,
)

levels = st.floats(min_value=0.5, max_value=0.999)
ratings = st.lists(st.one_of(st.integers(1, 5), st.just("na")), min_size=2, max_size=60).filter(
    lambda xs: sum(x != "na" for x in xs) >= 2
)


@st.composite
def binomial(draw):
    n = draw(st.integers(1, 500))
    return draw(st.integers(0, n)), n


def counts_of(xs):
    return pd.Series(xs, dtype=object).value_counts().to_dict()


@given(binomial(), levels, levels)
def test_proportion_intervals_contain_estimate_and_nest(xn, l1, l2):
    x, n = xn
    lo_level, hi_level = sorted((l1, l2))
    for method in ("wilson", "clopper-pearson", "jeffreys", "wald", "agresti-coull"):
        a = proportion_ci(x, n, lo_level, method)
        b = proportion_ci(x, n, hi_level, method)
        assert 0.0 <= b.low <= b.high <= 1.0
        if method != "agresti-coull":  # its centre moves with the level
            assert b.low <= a.low + 1e-12 and a.high <= b.high + 1e-12
        if method in ("wilson", "clopper-pearson", "wald"):
            assert a.low - 1e-12 <= x / n <= a.high + 1e-12


@given(binomial(), binomial(), levels, levels)
def test_newcombe_finite_contains_difference_and_nests(a, b, l1, l2):
    lo_level, hi_level = sorted((l1, l2))
    d = a[0] / a[1] - b[0] / b[1]
    i1 = diff_proportions_ci(*a, *b, lo_level)
    i2 = diff_proportions_ci(*a, *b, hi_level)
    assert all(math.isfinite(v) for v in i1 + i2)
    assert i1.low - 1e-12 <= d <= i1.high + 1e-12
    assert i2.low <= i1.low + 1e-12 and i1.high <= i2.high + 1e-12
    for method in ("agresti-caffo", "wald"):
        lo, hi = diff_proportions_ci(*a, *b, hi_level, method)
        assert -1 <= lo <= hi <= 1


@given(ratings, levels)
def test_index_and_percent_frequency_form_equals_raw(xs, level):
    idx = satisfaction_index(xs, confidence_level=level)
    assert idx == satisfaction_index_from_counts(counts_of(xs), confidence_level=level)
    low, high = idx.confidence_interval()
    assert low - 1e-9 <= idx.estimate <= high + 1e-9
    wider = idx.confidence_interval(min(0.9999, level + (1 - level) / 2))
    assert wider.low <= low + 1e-12 and high <= wider.high + 1e-12
    pct = percent_satisfied(xs, confidence_level=level)
    assert pct == percent_satisfied_from_counts(counts_of(xs), confidence_level=level)
    plow, phigh = pct.confidence_interval()
    assert plow - 1e-9 <= pct.estimate <= phigh + 1e-9


@given(st.lists(st.integers(0, 10), min_size=1, max_size=80), levels, levels)
def test_nps_frequency_form_and_nesting(xs, l1, l2):
    res = nps(xs)
    assert res == nps_from_counts(counts_of(xs))
    a, b = sorted((l1, l2))
    ia, ib = res.confidence_interval(a), res.confidence_interval(b)
    assert -100 <= ib.low <= ia.low + 1e-9 and ia.high <= ib.high + 1e-9 <= 100 + 1e-9


@st.composite
def design(draw):
    n = draw(st.integers(6, 40))
    y = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    w = draw(st.lists(st.sampled_from([1.0, 1.5, 2.0, 4.0]), min_size=n, max_size=n))
    s = [i % 2 for i in range(n)]  # two strata, each >= 3 units
    return y, w, s


@given(design(), levels)
def test_mean_ci_frequency_form_equals_raw(d, level):
    y, w, s = d
    raw = mean_ci(y, weights=w, strata=s, confidence_level=level)
    table = pd.DataFrame({"value": y, "weight": w, "stratum": s}).groupby(
        ["value", "weight", "stratum"]).size().rename("count").reset_index()
    freq = mean_ci_from_counts(table, confidence_level=level)
    assert_allclose([freq.mean, freq.se, freq.df, freq.deff_kish], [raw.mean, raw.se, raw.df, raw.deff_kish],
                    rtol=1e-9, atol=1e-12)
    low, high = raw.confidence_interval()
    assert low <= raw.mean <= high


@given(st.lists(st.integers(1, 5), min_size=2, max_size=40), st.lists(st.integers(1, 5), min_size=2, max_size=40), levels)
def test_welch_frequency_form_equals_raw(a, b, level):
    raw = diff_means_ci(a, b, level)
    freq = diff_means_ci_from_counts(counts_of(a), counts_of(b), level)
    assert_allclose(freq.confidence_interval(), raw.confidence_interval(), rtol=1e-10, atol=1e-12)
    assert freq.pvalue == raw.pvalue or math.isclose(freq.pvalue, raw.pvalue, rel_tol=1e-10)
    low, high = raw.confidence_interval()
    assert low <= raw.estimate <= high


@given(st.floats(-2, 0.99), st.integers(2, 30), st.integers(2, 500), levels)
def test_feldt_contains_alpha(alpha, k, n, level):
    low, high = feldt_ci(alpha, k, n, level)
    assert low <= alpha <= high


@given(st.integers(0, 2**32 - 1))
def test_compare_cycles_frequency_form_equals_raw(seed):
    rng = np.random.default_rng(seed)
    n = int(rng.integers(20, 200))
    rows = pd.DataFrame({
        "question": rng.choice(["q1", "q2"], n),
        "cycle": rng.choice(["A", "B"], n),
        "value": rng.integers(1, 6, n).astype(object),
    })
    rows.loc[rng.random(n) < 0.1, "value"] = "na"
    assume(rows.groupby(["question", "cycle"]).size().size == 4)
    raw = compare_cycles(rows, "A", "B")
    freq = compare_cycles(frequency_table(rows), "A", "B")
    pd.testing.assert_frame_equal(raw, freq)
    ok = raw.dropna(subset=["index_diff_low"])
    assert (ok.index_diff_low <= ok.index_diff + 1e-9).all() and (ok.index_diff <= ok.index_diff_high + 1e-9).all()
    assert (raw.pct_diff_low <= raw.pct_diff + 1e-9).all() and (raw.pct_diff <= raw.pct_diff_high + 1e-9).all()
