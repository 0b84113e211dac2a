import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import mean_ci, rake


def sample_frame(n=400, seed=11):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "age": rng.choice(["18-34", "35-64", "65+"], n, p=[0.2, 0.5, 0.3]),
        "district": rng.choice(["nord", "sud", "centre"], n, p=[0.5, 0.3, 0.2]),
        "rating": rng.integers(1, 6, n),
    })


AGE = {"18-34": 0.30, "35-64": 0.45, "65+": 0.25}
DISTRICT = {"nord": 40_000, "sud": 35_000, "centre": 25_000}


def test_margins_are_met():
    frame = sample_frame()
    res = rake(frame, {"age": AGE, "district": DISTRICT})
    assert res.converged and res.max_error <= 1e-6
    w = res.weights
    assert_allclose(w.sum(), 100_000, rtol=1e-6)
    assert_allclose(w.groupby(frame["district"]).sum()[list(DISTRICT)], list(DISTRICT.values()), rtol=1e-6)
    assert_allclose(w.groupby(frame["age"]).sum()[list(AGE)], [100_000 * v for v in AGE.values()], rtol=1e-6)
    assert res.iterations == len(res.history)
    assert res.deff_kish >= 1 and res.n_effective <= len(frame)


def test_single_margin_is_post_stratification():
    # Raking on one variable is post-stratification: w_i = d_i T_c / sum_{c} d_j.
    frame = sample_frame()
    d = np.random.default_rng(2).uniform(1, 3, len(frame))
    res = rake(frame, {"district": DISTRICT}, weights=d)
    sums = pd.Series(d).groupby(frame["district"]).sum()
    expected = d * frame["district"].map(DISTRICT).to_numpy() / frame["district"].map(sums).to_numpy()
    assert_allclose(res.weights.to_numpy(), expected, rtol=1e-12)
    assert res.iterations == 1


def test_ipf_preserves_cross_product_ratios():
    # Deming & Stephan (1940); Bishop, Fienberg & Holland (1975), ch. 3: iterative
    # proportional fitting keeps the odds ratios of the starting 2x2 table.
    frame = pd.DataFrame({"a": ["x"] * 30 + ["x"] * 10 + ["y"] * 20 + ["y"] * 40,
                          "b": ["u"] * 30 + ["v"] * 10 + ["u"] * 20 + ["v"] * 40})
    res = rake(frame, {"a": {"x": 500, "y": 500}, "b": {"u": 300, "v": 700}}, tol=1e-12, max_iter=1000)
    cell = res.weights.groupby([frame["a"], frame["b"]]).sum()
    odds = cell[("x", "u")] * cell[("y", "v")] / (cell[("x", "v")] * cell[("y", "u")])
    assert_allclose(odds, 30 * 40 / (10 * 20), rtol=1e-9)


def test_bounds_respected_or_reported():
    frame = sample_frame()
    res = rake(frame, {"age": AGE, "district": DISTRICT}, weights=np.full(len(frame), 250.0), bounds=(0.5, 2.0))
    lo, hi = res.factor_range
    assert lo >= 0.5 - 1e-12 and hi <= 2.0 + 1e-12
    assert res.converged
    with pytest.raises(ValueError, match="did not converge"):
        rake(frame, {"age": {"18-34": 0.7, "35-64": 0.2, "65+": 0.1}}, bounds=(0.9, 1.1))
    res = rake(frame, {"age": {"18-34": 0.7, "35-64": 0.2, "65+": 0.1}}, bounds=(0.9, 1.1), on_failure="return")
    assert not res.converged and res.max_error > 0.1


def test_raked_weights_feed_mean_ci():
    frame = sample_frame()
    res = rake(frame, {"age": AGE, "district": DISTRICT})
    m = mean_ci(frame["rating"], weights=res.weights)
    assert m.deff_kish == pytest.approx(res.deff_kish)


@pytest.mark.parametrize("margins, word", [
    ({"age": {"18-34": 0.3, "35-64": 0.7}}, "'65\\+' of 'age' has no population margin"),
    ({"age": dict(AGE, extra=0.0), "district": {"nord": 1, "sud": 1, "centre": 1, "ouest": 1}}, "'ouest'"),
    ({"age": AGE, "district": {"nord": 10, "sud": 10, "centre": 10}}, None),
    ({"age": AGE, "district": DISTRICT, "x": {}}, "non-empty"),
    ({"age": {"18-34": 10, "35-64": 10, "65+": 10}, "district": {"nord": 10, "sud": 10, "centre": 50}}, "disagree"),
    ({"age": {"18-34": -1, "35-64": 1, "65+": 1}}, "-1"),
    ({"nope": {"a": 1}}, "'nope'"),
])
def test_bad_margins(margins, word):
    frame = sample_frame()
    if word is None:  # shares and totals mixed but consistent with total: fine
        rake(frame, margins, total=30)
        return
    with pytest.raises(ValueError, match=word):
        rake(frame, margins)


def test_bad_weights_and_frame():
    frame = sample_frame(20)
    with pytest.raises(ValueError, match="> 0"):
        rake(frame, {"age": AGE}, weights=np.zeros(20))
    with pytest.raises(ValueError, match="length"):
        rake(frame, {"age": AGE}, weights=np.ones(3))
    with pytest.raises(ValueError, match="bounds"):
        rake(frame, {"age": AGE}, bounds=(2, 3))
    with pytest.raises(TypeError):
        rake([1, 2], {"age": AGE})
