import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analysis import (
    composite_index,
    composite_index_from_results,
    nps,
    nps_from_counts,
    percent_satisfied,
    percent_satisfied_from_counts,
    proportion_ci,
    satisfaction_index,
    satisfaction_index_from_counts,
)

ANSWERS = [5, 4, 4, 3, 5, 2, 4, 5, 1, 4, "na", 3, 4, None]
COUNTS = {1: 1, 2: 1, 3: 2, 4: 5, 5: 3, "na": 2}


def test_index_definition_and_t_interval():
    res = satisfaction_index(ANSWERS)
    x = np.array([a for a in ANSWERS if isinstance(a, int)], dtype=float)
    assert res.n == 12 and res.n_na == 2
    assert_allclose(res.estimate, (x.mean() - 1) / 4 * 100)
    assert_allclose(res.se, x.std(ddof=1) / math.sqrt(12) * 25)
    half = stats.t.isf(0.025, 11) * res.se
    assert_allclose(res.confidence_interval(), (res.estimate - half, res.estimate + half))


def test_index_from_counts_equals_rows():
    a = satisfaction_index(ANSWERS, confidence_level=0.9)
    b = satisfaction_index_from_counts(COUNTS, confidence_level=0.9)
    assert a == b
    c = satisfaction_index_from_counts(pd.Series(COUNTS), confidence_level=0.9)
    assert c == a


def test_index_other_scale_and_truncation():
    res = satisfaction_index([0, 10, 10, 10], scale=(0, 10))
    assert_allclose(res.estimate, 75.0)
    low, high = res.confidence_interval()
    assert high == 100.0 and 0 <= low < 75
    const = satisfaction_index([5, 5, 5])
    assert const.estimate == 100.0 and const.confidence_interval() == (100.0, 100.0)


def test_percent_satisfied_wilson():
    res = percent_satisfied(ANSWERS)
    assert res.count == 8 and res.n == 12 and res.n_na == 2
    assert_allclose(res.estimate, 100 * 8 / 12)
    lo, hi = proportion_ci(8, 12)
    assert_allclose(res.confidence_interval(), (100 * lo, 100 * hi))
    assert res == percent_satisfied_from_counts(COUNTS)
    top1 = percent_satisfied(ANSWERS, top=1)
    assert top1.count == 3
    cp = percent_satisfied(ANSWERS, method="clopper-pearson").confidence_interval()
    assert_allclose(cp, [100 * v for v in proportion_ci(8, 12, method="clopper-pearson")])


def test_percent_satisfied_extremes_do_not_fail():
    res = percent_satisfied([1, 1, 2])
    assert res.estimate == 0.0 and res.confidence_interval()[0] == 0.0
    res = percent_satisfied([5, 5, 4])
    assert res.estimate == 100.0 and res.confidence_interval()[1] == 100.0


def test_nps_adjusted_wald_rocks_2016():
    # Rocks (2016), The American Statistician 70:365-372; as described by Sauro & Lewis
    # (MeasuringU, "Confidence intervals for Net Promoter Scores"): add 3 to n and 3/4 to
    # promoters and detractors; SE from the variance of a difference of two proportions.
    scores = [10] * 30 + [9] * 20 + [8] * 15 + [7] * 10 + [6] * 10 + [3] * 10 + [0] * 5
    res = nps(scores)
    assert (res.promoters, res.passives, res.detractors, res.n) == (50, 25, 25, 100)
    assert_allclose(res.estimate, 25.0)
    pp, pd_ = 50.75 / 103, 25.75 / 103
    half = 1.959963984540054 * math.sqrt((pp + pd_ - (pp - pd_) ** 2) / 103)
    assert_allclose(res.confidence_interval(), (100 * (pp - pd_ - half), 100 * (pp - pd_ + half)))
    assert res == nps_from_counts(pd.Series(scores).value_counts())


def test_nps_extremes():
    res = nps([10, 10, 9])
    assert res.estimate == 100.0
    low, high = res.confidence_interval()
    assert high <= 100.0 and low < 100.0
    assert nps([0, 0, 1, "na"]).n_na == 1


def test_composite_per_respondent():
    frame = pd.DataFrame({
        "q1": [5, 4, 3, 2, 5, 4],
        "q2": [4, 4, "na", 2, 5, 3],
        "q3": [5, 3, 3, 1, 4, 4],
    })
    res = composite_index(frame, {"timeliness": ["q1", "q2"], "courtesy": ["q3"]}, weights={"timeliness": 3, "courtesy": 1})
    # respondent scores on 0-100
    t = np.array([(75 + 100) / 2 * 1, 75, 50, 25, 100, (75 + 50) / 2])
    c = np.array([100, 50, 50, 0, 75, 75])
    comp = 0.75 * t + 0.25 * c
    assert_allclose(res.estimate, comp.mean())
    assert_allclose(res.se, comp.std(ddof=1) / math.sqrt(6))
    assert res.weights == {"timeliness": 0.75, "courtesy": 0.25}
    assert res.n == 6 and res.method == "respondent"
    low, high = res.confidence_interval()
    assert low < res.estimate < high


def test_composite_from_results_is_conservative():
    rng = np.random.default_rng(3)
    base = rng.integers(1, 6, 200)
    q1 = np.clip(base + rng.integers(-1, 2, 200), 1, 5)
    q2 = np.clip(base + rng.integers(-1, 2, 200), 1, 5)
    frame = pd.DataFrame({"q1": q1, "q2": q2})
    exact = composite_index(frame, {"a": ["q1"], "b": ["q2"]})
    bound = composite_index_from_results({"a": satisfaction_index(q1), "b": satisfaction_index(q2)})
    assert_allclose(bound.estimate, exact.estimate)
    assert bound.se >= exact.se


def test_composite_bad_input():
    frame = pd.DataFrame({"q1": [1, 2, 3], "q2": [2, 3, 9]})
    with pytest.raises(ValueError, match="9"):
        composite_index(frame, {"a": ["q1", "q2"]})
    with pytest.raises(ValueError, match="'q9'"):
        composite_index(frame, {"a": ["q9"]})
    with pytest.raises(ValueError, match="weights"):
        composite_index(frame, {"a": ["q1"]}, weights={"a": 0})
    with pytest.raises(ValueError, match="nan"):
        composite_index(pd.DataFrame({"q1": [1.0, np.nan, 3.0]}), {"a": ["q1"]})
    ok = composite_index(pd.DataFrame({"q1": [1.0, np.nan, 3.0]}), {"a": ["q1"]}, missing="skip")
    assert ok.n == 2


@pytest.mark.parametrize("fn, args, exc, word", [
    (satisfaction_index, ([],), ValueError, "n=0"),
    (satisfaction_index, (["na", "na"],), ValueError, "n=0"),
    (satisfaction_index, ([1, 2, 6],), ValueError, "6"),
    (satisfaction_index, ([1, 2, 3.5],), ValueError, "3.5"),
    (satisfaction_index, ([1, 2, float("nan")],), ValueError, "nan"),
    (satisfaction_index, ([1, 2, "5"],), TypeError, "'5'"),
    (satisfaction_index, ([1, 2, 3], (5, 1)), ValueError, "scale"),
    (satisfaction_index_from_counts, ({1: 2, 7: 1},), ValueError, "7"),
    (satisfaction_index_from_counts, ({1: 2, 2: -1},), ValueError, "-1"),
    (satisfaction_index_from_counts, ({1: 2, 2: 1.5},), ValueError, "1.5"),
    (satisfaction_index_from_counts, ([1, 2],), TypeError, "mapping"),
    (percent_satisfied, ([1, 2, 3], (1, 5), 5), ValueError, "top=5"),
    (percent_satisfied, ([],), ValueError, "n=0"),
    (nps, ([1, 11],), ValueError, "11"),
    (nps, ([],), ValueError, "n=0"),
])
def test_bad_input(fn, args, exc, word):
    with pytest.raises(exc, match=word):
        fn(*args)
