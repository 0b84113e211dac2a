import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose

from analysis import alpha_by_dimension, cronbach_alpha, feldt_ci

ITEMS = pd.DataFrame({
    "a": [1, 2, 3, 4, 5, 3, 4, 2, 5, 4],
    "b": [2, 2, 3, 5, 5, 3, 4, 1, 4, 4],
    "c": [1, 3, 3, 4, 4, 2, 5, 2, 5, 5],
})


def test_feldt_psych_alpha_ci():
    # R psych 2.2.9: alpha.ci(0.8, 100, n.var = 10)
    #   95% confidence boundaries (Feldt): lower 0.7360485, alpha 0.8, upper 0.8536918
    assert_allclose(feldt_ci(0.8, 10, 100), (0.7360485, 0.8536918), atol=5e-8)


def test_cronbach_alpha_psych():
    # R psych 2.2.9: alpha(ITEMS)$total$raw_alpha = 0.9335820896, and its Feldt
    # boundaries 0.8054545, 0.9820564.
    res = cronbach_alpha(ITEMS)
    assert_allclose(res.alpha, 0.9335820896, atol=1e-10)
    assert_allclose(res.confidence_interval(), (0.8054545, 0.9820564), atol=5e-8)
    assert (res.n_items, res.n_obs, res.n_dropped) == (3, 10, 0)


def test_alpha_formula():
    X = ITEMS.to_numpy(float)
    k = X.shape[1]
    expected = k / (k - 1) * (1 - X.var(axis=0, ddof=1).sum() / X.sum(axis=1).var(ddof=1))
    assert_allclose(cronbach_alpha(X).alpha, expected)


def test_listwise_deletion_of_na():
    frame = ITEMS.astype(object).copy()
    frame.loc[0, "a"] = "na"
    frame.loc[3, "c"] = None
    res = cronbach_alpha(frame)
    assert res.n_obs == 8 and res.n_dropped == 2
    assert_allclose(res.alpha, cronbach_alpha(ITEMS.drop(index=[0, 3])).alpha)
    with_nan = ITEMS.astype(float)
    with_nan.loc[0, "a"] = np.nan
    assert cronbach_alpha(with_nan).n_obs == 9
    with pytest.raises(ValueError, match="nan"):
        cronbach_alpha(with_nan, missing="raise")


def test_by_dimension_skips_single_items():
    frame = ITEMS.assign(d=[1, 2, 3, 4, 5, 1, 2, 3, 4, 5])
    out = alpha_by_dimension(frame, {"x": ["a", "b", "c"], "y": ["d"]})
    assert list(out) == ["x"]


def test_interval_widens_with_level():
    lo90, hi90 = feldt_ci(0.7, 5, 50, 0.90)
    lo99, hi99 = feldt_ci(0.7, 5, 50, 0.99)
    assert lo99 < lo90 < 0.7 < hi90 < hi99


@pytest.mark.parametrize("args, word", [((1.0, 5, 50), "alpha"), ((0.7, 1, 50), "n_items"),
                                        ((0.7, 5, 1), "n_obs"), ((float("nan"), 5, 50), "alpha")])
def test_feldt_bad_input(args, word):
    with pytest.raises(ValueError, match=word):
        feldt_ci(*args)


def test_alpha_bad_input():
    with pytest.raises(ValueError, match="2 items"):
        cronbach_alpha(ITEMS[["a"]])
    with pytest.raises(ValueError, match="zero variance"):
        cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [3, 3, 3]}))
    with pytest.raises(ValueError, match="2-dimensional"):
        cronbach_alpha([1, 2, 3])
