import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analysis import frequency_table, mann_whitney_from_counts


def rows(n=500, seed=0):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "questionnaire": rng.choice(["C-01", "C-02"], n),
        "question": rng.choice(["q1", "q2", "q3"], n),
        "cycle": rng.choice(["2024", "2025"], n),
        "value": rng.integers(1, 6, n),
    })


def test_matches_groupby_size():
    df = rows()
    ours = frequency_table(df)
    ref = df.groupby(["questionnaire", "question", "cycle", "value"]).size().rename("count").reset_index()
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), ref, check_dtype=False)


def test_categoricals_and_na_marker():
    df = rows(200, 1)
    df["question"] = df["question"].astype("category")
    df["value"] = df["value"].astype(object)
    df.loc[[0, 5, 9], "value"] = "na"
    df.loc[[3], "value"] = None
    out = frequency_table(df, by=["question", "cycle"])
    assert out.loc[out["value"] == "na", "count"].sum() == 4
    assert out["count"].sum() == 200
    assert isinstance(out["question"].dtype, pd.CategoricalDtype)


def test_bad_rows():
    df = rows(10)
    bad = df.assign(value=df["value"].astype(float))
    bad.loc[0, "value"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        frequency_table(bad)
    bad = df.assign(value=df["value"].astype(object))
    bad.loc[0, "value"] = "five"
    with pytest.raises(TypeError, match="'five'"):
        frequency_table(bad)
    with pytest.raises(ValueError, match="missing labels"):
        frequency_table(df.assign(question=[None] + ["q1"] * 9))
    with pytest.raises(ValueError, match="empty"):
        frequency_table(df.iloc[:0])


def test_mann_whitney_matches_scipy_and_r():
    # R: wilcox.test(x, y, exact = FALSE, correct = TRUE) uses the same normal
    # approximation with tie correction as scipy's method="asymptotic".
    rng = np.random.default_rng(4)
    x = rng.integers(1, 6, 60)
    y = rng.integers(2, 6, 45)
    res = mann_whitney_from_counts(pd.Series(x).value_counts(), pd.Series(y).value_counts())
    ref = stats.mannwhitneyu(x, y, method="asymptotic")
    assert_allclose((res.statistic, res.pvalue), (ref.statistic, ref.pvalue), rtol=1e-12)
    assert_allclose(res.prob_superiority, ref.statistic / (60 * 45))


def test_mann_whitney_identical_constant_samples():
    res = mann_whitney_from_counts({3: 10}, {3: 4})
    assert res.pvalue == 1.0 and res.prob_superiority == 0.5
