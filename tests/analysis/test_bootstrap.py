import numpy as np
import pytest
from numpy.testing import assert_allclose
from scipy import stats

from analysis import bootstrap_ci

DATA = [3, 4, 5, 5, 2, 4, 4, 3, 5, 1, 4, 4, 5, 2, 3]


def test_reproducible_with_generator_and_no_global_state():
    np.random.seed(123)
    before = np.random.get_state()[1].copy()
    a = bootstrap_ci(DATA, np.mean, n_resamples=999, rng=np.random.default_rng(42))
    b = bootstrap_ci(DATA, np.mean, n_resamples=999, rng=np.random.default_rng(42))
    c = bootstrap_ci(DATA, np.mean, n_resamples=999, rng=42)
    assert (a.low, a.high) == (b.low, b.high) == (c.low, c.high)
    assert (np.random.get_state()[1] == before).all()


def test_bca_matches_scipy():
    # BCa (Efron 1987) as implemented by scipy.stats.bootstrap, same generator stream.
    ours = bootstrap_ci(DATA, np.mean, n_resamples=2000, rng=np.random.default_rng(1))
    ref = stats.bootstrap((np.asarray(DATA, float),), np.mean, n_resamples=2000,
                          rng=np.random.default_rng(1), method="BCa")
    assert_allclose((ours.low, ours.high), tuple(ref.confidence_interval), rtol=1e-12)
    assert ours.method == "BCa"
    assert_allclose(ours.estimate, np.mean(DATA))
    assert ours.low < ours.estimate < ours.high


def test_bca_close_to_t_interval_for_a_mean():
    rng = np.random.default_rng(5)
    x = rng.normal(50, 10, 400)
    res = bootstrap_ci(x, np.mean, n_resamples=4000, rng=rng)
    t = stats.ttest_1samp(x, 0).confidence_interval()
    assert_allclose((res.low, res.high), (t.low, t.high), atol=0.25)


def test_other_level_reuses_resamples():
    res = bootstrap_ci(DATA, np.std, n_resamples=999, rng=3)
    lo90, hi90 = res.confidence_interval(0.90)
    assert res.low <= lo90 <= hi90 <= res.high


def test_two_samples_and_percentile():
    res = bootstrap_ci(([1, 2, 3, 4, 5], [2, 3, 4, 5, 6, 7]), lambda a, b: np.mean(a) - np.mean(b),
                       method="percentile", n_resamples=999, rng=0)
    assert res.method == "percentile" and res.low < -1.5 < res.high


def test_bad_input():
    with pytest.raises(ValueError, match="undefined"):
        bootstrap_ci([3, 3, 3, 3], np.mean, n_resamples=99, rng=0)
    with pytest.raises(TypeError, match="rng"):
        bootstrap_ci(DATA, np.mean, rng="seed")
    with pytest.raises(ValueError, match="method"):
        bootstrap_ci(DATA, np.mean, method="studentized")
    with pytest.raises(ValueError, match="nan"):
        bootstrap_ci([1, 2, float("nan")], np.mean)
    with pytest.raises(ValueError, match="at least 2"):
        bootstrap_ci([1], np.mean)
