import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import driver_analysis, importance_performance


def frame(seed=0, n=400):
    rng = np.random.default_rng(seed)
    a = rng.normal(size=n)
    b = 0.6 * a + rng.normal(size=n)
    c = rng.normal(size=n)
    y = a + 0.5 * b + 0.2 * c + rng.normal(size=n)
    return pd.DataFrame({"overall": y, "timeliness": a, "courtesy": b, "access": c})


def test_shares_decompose_r_squared():
    df = frame()
    res = driver_analysis(df, "overall", ["timeliness", "courtesy", "access"])
    X = np.column_stack([np.ones(len(df)), df[["timeliness", "courtesy", "access"]]])
    beta, *_ = np.linalg.lstsq(X, df["overall"], rcond=None)
    resid = df["overall"] - X @ beta
    r2 = 1 - resid.var() / df["overall"].var()
    assert_allclose(res.r_squared, r2, rtol=1e-10)
    assert_allclose(res.table["lmg"].sum(), r2, rtol=1e-10)  # LMG: Shapley decomposition
    assert_allclose(res.table["relative_weight"].sum(), r2, rtol=1e-10)  # Johnson (2000)
    assert_allclose(res.table["share"].sum(), 100.0)
    assert res.table["rank"].tolist() == [1, 2, 3]


def test_lmg_two_predictors_closed_form():
    # LMG with two predictors (Lindeman, Merenda & Gold 1980; Grömping 2006, eq. 4):
    # lmg_1 = (r1^2 + (R^2 - r2^2)) / 2.
    df = frame(1)[["overall", "timeliness", "courtesy"]]
    res = driver_analysis(df, "overall", ["timeliness", "courtesy"])
    r = df.corr()["overall"]
    r2 = res.r_squared
    assert_allclose(res.table.loc["timeliness", "lmg"], (r["timeliness"] ** 2 + r2 - r["courtesy"] ** 2) / 2)


def test_uncorrelated_drivers_get_their_squared_correlation():
    # orthogonal, centred design columns (a 2^3 factorial)
    a = np.array([-1, 1, -1, 1, -1, 1, -1, 1], float)
    b = np.array([-1, -1, 1, 1, -1, -1, 1, 1], float)
    c = np.array([-1, -1, -1, -1, 1, 1, 1, 1], float)
    y = 2 * a + b + np.array([0.3, -0.1, 0.2, 0.5, -0.4, 0.1, -0.2, 0.0])
    res = driver_analysis(pd.DataFrame({"y": y, "a": a, "b": b, "c": c}), "y", ["a", "b", "c"])
    r = np.array([np.corrcoef(y, v)[0, 1] for v in (a, b, c)])
    assert_allclose(res.table["lmg"], r**2, atol=1e-12)
    assert_allclose(res.table["relative_weight"], r**2, atol=1e-12)
    assert_allclose(res.table["beta"], r, atol=1e-12)


def test_methods_and_missing():
    df = frame().astype(object)
    df.loc[0, "access"] = "na"
    res = driver_analysis(df, "overall", ["timeliness", "courtesy", "access"], method="relative_weights")
    assert res.n == 399 and res.method == "relative_weights"
    res = driver_analysis(frame(), "overall", ["timeliness", "courtesy", "access"], method="beta")
    assert res.table["rank"].iloc[0] == 1


def test_bad_input():
    df = frame()
    with pytest.raises(ValueError, match="at least 2"):
        driver_analysis(df, "overall", ["timeliness"])
    with pytest.raises(ValueError, match="'nope'"):
        driver_analysis(df, "overall", ["timeliness", "nope"])
    with pytest.raises(ValueError, match="collinear"):
        driver_analysis(df.assign(dup=df["timeliness"] * 2), "overall", ["timeliness", "dup"])
    with pytest.raises(ValueError, match="zero variance"):
        driver_analysis(df.assign(k=1.0), "overall", ["timeliness", "k"])


def test_importance_performance_quadrants():
    # Martilla & James (1977): quadrants around the grand means.
    out = importance_performance(
        {"délai": 40, "courtoisie": 10, "accès": 30, "compétence": 20},
        {"délai": 55, "courtoisie": 90, "accès": 80, "compétence": 60},
    )
    assert out.loc["délai", "quadrant"] == "concentrate here"
    assert out.loc["accès", "quadrant"] == "keep up the good work"
    assert out.loc["courtoisie", "quadrant"] == "possible overkill"
    assert out.loc["compétence", "quadrant"] == "low priority"
    fixed = importance_performance({"a": 1, "b": 2}, {"a": 70, "b": 50}, cut=(1.5, 60))
    assert fixed["quadrant"].tolist() == ["possible overkill", "concentrate here"]
    with pytest.raises(ValueError, match="same attributes"):
        importance_performance({"a": 1, "b": 2}, {"a": 1, "c": 2})
