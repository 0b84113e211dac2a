import math

import numpy as np
import pytest
from numpy.testing import assert_allclose
from statsmodels.stats.proportion import proportion_confint

from analysis import (
    ConfidenceInterval,
    compare_proportions,
    cohen_h,
    diff_proportions_ci,
    proportion_ci,
)
from analysis.proportions import newcombe_arrays, score_test_arrays, wilson_arrays

# Newcombe RG (1998a), "Two-sided confidence intervals for the single proportion:
# comparison of seven methods", Stat Med 17:857-872, Table II (4 decimals).
NEWCOMBE_1998A = [
    # (x, n, method, low, high)
    (81, 263, "wald", 0.2522, 0.3638),
    (81, 263, "wilson", 0.2553, 0.3662),
    (81, 263, "clopper-pearson", 0.2527, 0.3676),
    (15, 148, "wald", 0.0527, 0.1500),
    (15, 148, "wilson", 0.0624, 0.1605),
    (15, 148, "clopper-pearson", 0.0578, 0.1617),
    (0, 20, "wilson", 0.0, 0.1611),
    (0, 20, "clopper-pearson", 0.0, 0.1684),
    (1, 29, "wilson", 0.0061, 0.1718),
    (1, 29, "clopper-pearson", 0.0009, 0.1776),
]


@pytest.mark.parametrize("x, n, method, low, high", NEWCOMBE_1998A)
def test_single_proportion_newcombe_1998a(x, n, method, low, high):
    ci = proportion_ci(x, n, method=method)
    assert_allclose(ci, (low, high), atol=5e-5)


# R package binom, binom.confint(x, n, tol = 1e-8), as pinned in statsmodels'
# stats/tests/results/results_proportion.py (res_binom).
R_BINOM = [
    (18, 20, "agresti-coull", 0.6867561125596077, 0.984343760998137),
    (18, 20, "clopper-pearson", 0.6830172859809176, 0.9876514728297052),
    (18, 20, "wilson", 0.6989663547715128, 0.972133518786232),
    (18, 20, "wald", 0.768521618913513, 1.0),  # binom: 1.031478381086487, truncated to 1
    (4, 20, "agresti-coull", 0.0749115102767071, 0.4217635845549845),
    (4, 20, "clopper-pearson", 0.05733399705003284, 0.436614002996668),
    (4, 20, "wilson", 0.0806576625797981, 0.4160174322518935),
    (4, 20, "wald", 0.0246954918846837, 0.3753045081153163),
    (4, 200, "agresti-coull", 0.005991954548218395, 0.0520995587739575),
    (4, 200, "clopper-pearson", 0.005475565879556443, 0.05041360908989634),
    (4, 200, "wilson", 0.00780442641634947, 0.05028708690582643),
    (4, 200, "wald", 0.000597346459104517, 0.0394026535408955),
]


@pytest.mark.parametrize("x, n, method, low, high", R_BINOM)
def test_single_proportion_r_binom(x, n, method, low, high):
    assert_allclose(proportion_ci(x, n, method=method), (low, high), rtol=1e-6)


@pytest.mark.parametrize("x, n", [(4, 20), (18, 20), (4, 200), (81, 263), (15, 148)])
def test_jeffreys_cross_check_statsmodels(x, n):
    # Cross-check (not a published pin): equal-tailed Jeffreys, Brown, Cai & DasGupta (2001).
    assert_allclose(proportion_ci(x, n, method="jeffreys"),
                    proportion_confint(x, n, method="jeffreys"), rtol=1e-10)


def test_jeffreys_boundary_rule_bcd_2001():
    # Brown, Cai & DasGupta (2001), p. 108: lower limit 0 at x = 0, upper limit 1 at x = n.
    low, high = proportion_ci(0, 20, method="jeffreys")
    assert low == 0.0 and 0 < high < 0.2
    low, high = proportion_ci(20, 20, method="jeffreys")
    assert high == 1.0 and 0.8 < low < 1


def test_returns_named_tuple():
    ci = proportion_ci(5, 10)
    assert isinstance(ci, ConfidenceInterval)
    assert ci.low == ci[0] and ci.high == ci[1]


# Newcombe RG (1998b), "Interval estimation for the difference between independent
# proportions: comparison of eleven methods", Stat Med 17:873-890, Table II, method 10
# (hybrid score without continuity correction). Examples (a), (b), (e)-(h).
NEWCOMBE_1998B = [
    (56, 70, 48, 80, 0.0524, 0.3339),
    (9, 10, 3, 10, 0.1705, 0.8090),
    (0, 10, 0, 20, -0.1611, 0.2775),
    (0, 10, 0, 10, -0.2775, 0.2775),
    (10, 10, 0, 20, 0.6791, 1.0000),
    (10, 10, 0, 10, 0.6075, 1.0000),
]


@pytest.mark.parametrize("x1, n1, x2, n2, low, high", NEWCOMBE_1998B)
def test_newcombe_hybrid_score_1998b(x1, n1, x2, n2, low, high):
    assert_allclose(diff_proportions_ci(x1, n1, x2, n2), (low, high), atol=5e-5)


def test_perondi_fagerland_2015():
    # Fagerland, Lydersen & Laake (2015), Stat Methods Med Res 24:224-254, Perondi et al.
    # (7/34 vs 1/34): Newcombe hybrid score 0.019 to 0.34 (as cited in statsmodels'
    # test_proportion.py::test_confint_2indep).
    assert_allclose(diff_proportions_ci(7, 34, 1, 34), (0.019, 0.340), atol=5e-4)


def test_agresti_caffo_and_wald_propcis():
    # R package PropCIs: wald2ci(7, 34, 1, 34, 0.95, adjust="AC") and adjust="Wald", as
    # pinned in statsmodels' test_proportion.py::test_confint_2indep_propcis.
    assert_allclose(diff_proportions_ci(7, 34, 1, 34, method="agresti-caffo"),
                    (0.01161167, 0.32172166), atol=6e-7)
    assert_allclose(diff_proportions_ci(7, 34, 1, 34, method="wald"),
                    (0.02916942, 0.32377176), atol=6e-7)


@pytest.mark.parametrize("method", ["newcombe", "agresti-caffo", "wald"])
@pytest.mark.parametrize("cells", [(0, 10, 0, 10), (10, 10, 10, 10), (0, 10, 10, 10),
                                   (10, 10, 0, 10), (9, 10, 3, 10), (0, 1, 1, 1)])
def test_difference_never_fails_on_extreme_cells(method, cells):
    low, high = diff_proportions_ci(*cells, method=method)
    assert math.isfinite(low) and math.isfinite(high)
    assert -1.0 <= low <= high <= 1.0


def test_score_test_is_chi_square_without_correction():
    # Pearson chi-square of the 2x2 table equals z^2 of the pooled score test.
    from scipy.stats import chi2_contingency

    res = compare_proportions(56, 70, 48, 80)
    chi2, p, _, _ = chi2_contingency([[56, 14], [48, 32]], correction=False)
    assert_allclose(res.statistic**2, chi2, rtol=1e-12)
    assert_allclose(res.pvalue, p, rtol=1e-12)
    assert res.confidence_interval() == diff_proportions_ci(56, 70, 48, 80)
    assert res.confidence_interval(0.9) == diff_proportions_ci(56, 70, 48, 80, 0.9)


def test_score_test_degenerate_cells():
    res = compare_proportions(0, 10, 0, 15)
    assert res.statistic == 0.0 and res.pvalue == 1.0 and res.estimate == 0.0
    res = compare_proportions(10, 10, 15, 15)
    assert res.pvalue == 1.0


def test_cohen_h():
    # h = 2 asin(sqrt p1) - 2 asin(sqrt p2) (Cohen 1988, ch. 6); the same value is pinned
    # for statsmodels' proportion_effectsize(0.5, 0.4) in its test_proportion.py.
    assert_allclose(cohen_h(0.5, 0.4), 0.2013579207903309, rtol=1e-12)
    assert cohen_h(0.3, 0.3) == 0.0


def test_vectorised_forms_match_scalar():
    x1 = np.array([0, 3, 9, 10, 56])
    n1 = np.array([10, 10, 10, 10, 70])
    x2 = np.array([0, 7, 3, 0, 48])
    n2 = np.array([10, 12, 10, 20, 80])
    lo, hi = wilson_arrays(x1, n1, 0.9)
    nlo, nhi = newcombe_arrays(x1, n1, x2, n2, 0.9)
    _, p = score_test_arrays(x1, n1, x2, n2)
    for i in range(len(x1)):
        assert_allclose((lo[i], hi[i]), proportion_ci(x1[i], n1[i], 0.9), rtol=1e-14)
        assert_allclose((nlo[i], nhi[i]), diff_proportions_ci(x1[i], n1[i], x2[i], n2[i], 0.9), rtol=1e-14, atol=1e-15)
        assert_allclose(p[i], compare_proportions(x1[i], n1[i], x2[i], n2[i]).pvalue, rtol=1e-14)


@pytest.mark.parametrize("args, exc, word", [
    ((5, 0), ValueError, "nobs"),
    ((11, 10), ValueError, "exceeds"),
    ((-1, 10), ValueError, "count"),
    ((2.5, 10), ValueError, "2.5"),
    ((float("nan"), 10), ValueError, "nan"),
    (("3", 10), TypeError, "'3'"),
    ((True, 10), TypeError, "True"),
])
def test_bad_counts(args, exc, word):
    with pytest.raises(exc, match=word):
        proportion_ci(*args)


def test_bad_method_and_level():
    with pytest.raises(ValueError, match="'score'"):
        proportion_ci(3, 10, method="score")
    with pytest.raises(ValueError, match="confidence_level"):
        proportion_ci(3, 10, confidence_level=95)
    with pytest.raises(ValueError, match="'score'"):
        diff_proportions_ci(3, 10, 4, 10, method="score")
    with pytest.raises(ValueError, match="nobs2"):
        diff_proportions_ci(3, 10, 0, 0)


def test_scalar_forms_are_the_array_forms_on_one_value():
    # one formula each: the scalar functions return exactly the array forms' numbers
    from analysis.proportions import cohen_h_arrays

    for x1, n1, x2, n2 in ((0, 10, 0, 10), (3, 10, 7, 12), (56, 70, 48, 80), (10, 10, 0, 20)):
        lo, hi = wilson_arrays(x1, n1, 0.9)
        assert proportion_ci(x1, n1, 0.9) == (float(lo), float(hi))
        nlo, nhi = newcombe_arrays(x1, n1, x2, n2, 0.9)
        assert diff_proportions_ci(x1, n1, x2, n2, 0.9) == (float(nlo), float(nhi))
        z, p = score_test_arrays(x1, n1, x2, n2)
        result = compare_proportions(x1, n1, x2, n2)
        assert (result.statistic, result.pvalue) == (float(z), float(p))
        assert result.cohen_h == cohen_h(x1 / n1, x2 / n2) == float(cohen_h_arrays(x1 / n1, x2 / n2))
