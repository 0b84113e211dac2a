import math

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analysis import (
    cohen_d,
    diff_means_ci,
    diff_means_ci_from_counts,
    mean_ci,
    mean_ci_from_counts,
)

# R datasets::sleep, extra by group (Student 1908 / Cushny & Peebles).
SLEEP_1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0]
SLEEP_2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]


def test_welch_r_t_test_sleep():
    # R, example(t.test): t.test(extra ~ group, data = sleep) -- Welch Two Sample t-test:
    # t = -1.8608, df = 17.776, p-value = 0.07939,
    # 95 percent confidence interval: -3.3654832  0.2054832
    res = diff_means_ci(SLEEP_1, SLEEP_2)
    assert_allclose(res.statistic, -1.8608, atol=5e-5)
    assert_allclose(res.df, 17.776, atol=5e-4)
    assert_allclose(res.pvalue, 0.07939, atol=5e-6)
    assert_allclose(res.confidence_interval(), (-3.3654832, 0.2054832), atol=5e-8)
    assert_allclose(res.estimate, 0.75 - 2.33)


def test_welch_matches_scipy_and_counts_form():
    res = diff_means_ci(SLEEP_1, SLEEP_2, confidence_level=0.9)
    ref = stats.ttest_ind(SLEEP_1, SLEEP_2, equal_var=False)
    assert_allclose((res.statistic, res.pvalue), (ref.statistic, ref.pvalue), rtol=1e-12)
    assert_allclose(res.confidence_interval(), tuple(ref.confidence_interval(0.9)), rtol=1e-12)
    ca = pd.Series(SLEEP_1).value_counts()
    cb = pd.Series(SLEEP_2).value_counts()
    res2 = diff_means_ci_from_counts(ca, cb, confidence_level=0.9)
    assert_allclose(res2.confidence_interval(), res.confidence_interval(), rtol=1e-12)
    assert_allclose(res2.pvalue, res.pvalue, rtol=1e-12)


def test_welch_constant_samples_do_not_fail():
    res = diff_means_ci([5, 5, 5], [5, 5])
    assert res.statistic == 0.0 and res.pvalue == 1.0
    assert res.confidence_interval() == (0.0, 0.0)
    res = diff_means_ci([5, 5, 5], [4, 4])
    assert res.statistic == math.inf and res.pvalue == 0.0
    assert res.cohen_d == math.inf


def test_cohen_d_pooled_sd():
    a, b = np.array(SLEEP_1), np.array(SLEEP_2)
    sp = math.sqrt(((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (len(a) + len(b) - 2))
    assert_allclose(cohen_d(10, a.mean(), a.var(ddof=1), 10, b.mean(), b.var(ddof=1)), (a.mean() - b.mean()) / sp)


def test_svymean_apistrat(apistrat):
    # R survey: dstrata <- svydesign(id=~1, strata=~stype, weights=~pw, data=apistrat, fpc=~fpc)
    # svymean(~api00, dstrata, deff=TRUE) printed by R survey 4.1-1: mean 662.29,
    # SE 9.4089, DEff 1.2045 (662.29 / 9.4089 is the value quoted in the package's
    # examples and Lumley's tutorials); degf(dstrata) = 197.
    res = mean_ci(apistrat.api00, weights=apistrat.pw, strata=apistrat.stype, fpc=apistrat.fpc)
    assert_allclose(res.mean, 662.29, atol=5e-3)
    assert_allclose(res.se, 9.4089, atol=5e-5)
    assert_allclose(res.deff, 1.2045, atol=5e-5)
    assert res.df == 197
    assert res.n == 200


def test_svymean_apiclus1(apiclus1):
    # R survey vignette "A survey analysis example" (survey.pdf):
    # dclus1 <- svydesign(id=~dnum, weights=~pw, data=apiclus1, fpc=~fpc)
    # svymean(~api00, dclus1): mean 644.17, SE 23.542.
    res = mean_ci(apiclus1.api00, weights=apiclus1.pw, clusters=apiclus1.dnum, fpc=apiclus1.fpc)
    assert_allclose(res.mean, 644.17, atol=5e-3)
    assert_allclose(res.se, 23.542, atol=5e-4)
    # Cross-check with survey 4.1-1: deff=TRUE gives DEff 9.3459; degf(dclus1) = 14;
    # confint(svymean(~api00, dclus1), df=degf(dclus1)) = 593.6763145, 694.6624834.
    assert_allclose(res.deff, 9.3459, atol=5e-5)
    assert res.df == 14
    assert_allclose(res.confidence_interval(), (593.6763145, 694.6624834), atol=1e-6)
    assert_allclose(res.deff_kish, 1.0)  # equal weights within a one-stage cluster sample


def test_fpc_forms_agree(apistrat):
    per_row = mean_ci(apistrat.api00, weights=apistrat.pw, strata=apistrat.stype, fpc=apistrat.fpc)
    sizes = apistrat.groupby("stype")["fpc"].first().to_dict()
    by_map = mean_ci(apistrat.api00, weights=apistrat.pw, strata=apistrat.stype, fpc=sizes)
    fractions = (apistrat.groupby("stype").size() / apistrat.groupby("stype")["fpc"].first()).to_dict()
    by_fraction = mean_ci(apistrat.api00, weights=apistrat.pw, strata=apistrat.stype, fpc=fractions)
    assert_allclose(by_map.se, per_row.se, rtol=1e-13)
    assert_allclose(by_fraction.se, per_row.se, rtol=1e-13)


def test_srs_reduces_to_textbook():
    x = np.array([3, 4, 5, 5, 2, 4, 4, 3, 5, 1], dtype=float)
    res = mean_ci(x)
    assert_allclose(res.se, x.std(ddof=1) / math.sqrt(len(x)))
    assert res.df == len(x) - 1 and res.deff == pytest.approx(1.0) and res.deff_kish == 1.0
    ref = stats.ttest_1samp(x, 0).confidence_interval(0.95)
    assert_allclose(res.confidence_interval(), (ref.low, ref.high), rtol=1e-12)
    # fpc: population of 40
    res_f = mean_ci(x, fpc=40)
    assert_allclose(res_f.se, res.se * math.sqrt(1 - 10 / 40))
    assert_allclose(res_f.deff, 1.0)  # simple random sampling without replacement
    assert_allclose(mean_ci(x, fpc=0.25).se, res_f.se)


def test_weights_are_not_frequency_weights():
    x = np.array([1, 2, 3, 4, 5, 4, 3, 5], dtype=float)
    w = np.array([1, 2, 1, 3, 1, 2, 2, 1], dtype=float)
    a = mean_ci(x, weights=w)
    b = mean_ci(x, weights=w * 1000)  # scaling sampling weights changes nothing
    assert_allclose((a.mean, a.se, a.deff, a.deff_kish), (b.mean, b.se, b.deff, b.deff_kish), rtol=1e-12)
    assert a.n == 8 and a.df == 7
    assert_allclose(a.n_effective, w.sum() ** 2 / (w**2).sum())


def test_na_answers_dropped_with_their_design_info():
    x = [1, "na", 3, 4, None, 5]
    w = [1.0, 99.0, 2.0, 1.0, 99.0, 2.0]
    s = ["a", "b", "a", "b", "a", "b"]
    res = mean_ci(x, weights=w, strata=s)
    ref = mean_ci([1, 3, 4, 5], weights=[1.0, 2.0, 1.0, 2.0], strata=["a", "a", "b", "b"])
    assert res.n_na == 2
    assert_allclose((res.mean, res.se), (ref.mean, ref.se))


def test_frequency_form_with_design_columns(apistrat):
    df = pd.DataFrame({"value": apistrat.api00, "weight": apistrat.pw, "stratum": apistrat.stype})
    table = df.groupby(["value", "weight", "stratum"]).size().rename("count").reset_index()
    sizes = apistrat.groupby("stype")["fpc"].first().to_dict()
    a = mean_ci_from_counts(table, fpc=sizes)
    b = mean_ci(apistrat.api00, weights=apistrat.pw, strata=apistrat.stype, fpc=apistrat.fpc)
    assert_allclose((a.mean, a.se, a.df, a.deff, a.deff_kish), (b.mean, b.se, b.df, b.deff, b.deff_kish), rtol=1e-12)


def test_frequency_form_with_clusters(apiclus1):
    df = pd.DataFrame({"value": apiclus1.api00, "weight": apiclus1.pw, "cluster": apiclus1.dnum})
    table = df.groupby(["cluster", "weight", "value"]).size().rename("count").reset_index()
    a = mean_ci_from_counts(table, fpc=757)
    b = mean_ci(apiclus1.api00, weights=apiclus1.pw, clusters=apiclus1.dnum, fpc=apiclus1.fpc)
    assert_allclose((a.mean, a.se, a.df, a.deff), (b.mean, b.se, b.df, b.deff), rtol=1e-12)


def test_frequency_form_mapping():
    res = mean_ci_from_counts({1: 2, 3: 1, 5: 3, "na": 4})
    ref = mean_ci([1, 1, 3, 5, 5, 5])
    assert res.n_na == 4
    assert_allclose((res.mean, res.se), (ref.mean, ref.se), rtol=1e-14)


@pytest.mark.parametrize("kwargs, exc, word", [
    (dict(values=[]), ValueError, "n=0"),
    (dict(values=[3]), ValueError, "n=1"),
    (dict(values=[1, 2, float("nan")]), ValueError, "nan"),
    (dict(values=[1, 2, 3], weights=[1, 0, 1]), ValueError, "0"),
    (dict(values=[1, 2, 3], weights=[1, -2, 1]), ValueError, "-2"),
    (dict(values=[1, 2, 3], weights=[1, 1]), ValueError, "length 2"),
    (dict(values=[1, 2, 3], strata=["a", "b"]), ValueError, "length 2"),
    (dict(values=[1, 2, 3, 4], strata=["a", "a", "a", "b"]), ValueError, "'b'"),
    (dict(values=[1, 2, 3], fpc=2), ValueError, "below the sample size"),
    (dict(values=[1, 2, "x"]), TypeError, "'x'"),
    (dict(values="123"), TypeError, "str"),
])
def test_bad_input(kwargs, exc, word):
    with pytest.raises(exc, match=word):
        mean_ci(**kwargs)


def test_welch_bad_input():
    with pytest.raises(ValueError, match="n=1"):
        diff_means_ci([1], [1, 2, 3])
    with pytest.raises(ValueError, match="nan"):
        diff_means_ci([1, 2, float("nan")], [1, 2, 3])
    with pytest.raises(ValueError, match="confidence_level"):
        diff_means_ci([1, 2], [1, 2], confidence_level=1.0)
