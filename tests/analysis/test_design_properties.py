"""Property tests (hypothesis) of the design-based estimators: a domain that is the whole
sample is the full estimate, calibration to margins the sample already meets changes the
SE only by the residual term, intervals nest by confidence level, and proportion
intervals stay inside [0, 1] with a positive width."""
import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from analysis import design_proportion_ci, mean_ci, rake

levels = st.floats(min_value=0.5, max_value=0.999)


@st.composite
def designs(draw):
    """A stratified cluster sample: 1-3 strata of 2-4 PSUs of 1-4 respondents each."""
    strata, clusters = [], []
    for h in range(draw(st.integers(1, 3))):
        for k in range(draw(st.integers(2, 4))):
            size = draw(st.integers(1, 4))
            strata += [f"s{h}"] * size
            clusters += [f"s{h}-c{k}"] * size
    n = len(strata)
    weights = draw(st.lists(st.floats(0.5, 5.0), min_size=n, max_size=n))
    rating = draw(st.lists(st.integers(1, 5), min_size=n, max_size=n))
    domain = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return pd.DataFrame(
        {"stratum": strata, "psu": clusters, "w": weights, "rating": rating, "domain": domain}
    )


def design_args(d):
    return {"weights": d.w, "strata": d.stratum, "clusters": d.psu}


@given(designs())
def test_a_domain_that_is_the_whole_sample_is_the_full_estimate(d):
    full = mean_ci(d.rating, **design_args(d))
    whole = mean_ci(d.rating, **design_args(d), domain=np.ones(len(d), dtype=bool))
    assert whole.mean == pytest.approx(full.mean, rel=1e-12)
    assert whole.se == pytest.approx(full.se, rel=1e-9, abs=1e-12)
    assert whole.df == full.df and whole.n == full.n


@given(designs(), levels, levels)
def test_domain_intervals_nest_by_confidence_level(d, l1, l2):
    lo, hi = sorted((l1, l2))
    if d.domain.sum() < 2:
        d = d.assign(domain=True)
    res = mean_ci(d.rating, **design_args(d), domain=d.domain)
    assume(res.df >= 1)  # a domain with as many PSUs as strata has no t interval (R: NaN)
    a, b = res.confidence_interval(lo), res.confidence_interval(hi)
    assert b.low <= a.low <= res.mean <= a.high <= b.high


@given(designs(), levels, levels, st.sampled_from(["logit", "beta", "mean"]))
def test_proportion_intervals_in_unit_interval_positive_width_and_nested(d, l1, l2, method):
    lo, hi = sorted((l1, l2))
    if d.domain.sum() < 2:
        d = d.assign(domain=True)
    assume(mean_ci(d.rating, **design_args(d), domain=d.domain).df >= 1)
    res = design_proportion_ci(d.rating >= 4, **design_args(d), domain=d.domain, method=method)
    a, b = res.confidence_interval(lo), res.confidence_interval(hi)
    assert 0.0 <= b.low <= a.low <= a.high <= b.high <= 1.0
    assert a.high - a.low > 0
    assert a.low - 1e-12 <= res.proportion <= a.high + 1e-12


@given(designs(), st.sampled_from([0, 1]), st.sampled_from(["logit", "beta", "mean"]))
def test_zero_or_hundred_percent_never_gives_a_zero_width_interval(d, value, method):
    res = design_proportion_ci([value] * len(d), **design_args(d), method=method)
    low, high = res.confidence_interval()
    assert res.zero_variance and res.interval_method == "clopper-pearson"
    assert 0.0 <= low < high <= 1.0


@given(
    st.lists(st.tuples(st.sampled_from(["a", "b", "c"]), st.integers(1, 5)), min_size=4, max_size=80),
    st.floats(1.0, 50.0),
)
def test_calibration_to_margins_already_met_removes_only_the_residual_term(rows, weight):
    # An equal-weight sample raked to its own weighted counts: the weights do not move,
    # and the calibrated variance is the full variance less the part the margin explains,
    # V_cal = V - n/(n-1) sum_i (P z)_i^2 with P z the category means of z = w (y - ybar)/W.
    frame = pd.DataFrame(rows, columns=["group", "rating"])
    n = len(frame)
    base = np.full(n, weight)
    margins = {"group": frame.groupby("group").size().mul(weight).to_dict()}
    calibration = rake(frame, margins, base, tol=1e-12)
    np.testing.assert_allclose(calibration.weights, base, rtol=1e-12)
    fixed = mean_ci(frame.rating, base)
    calibrated = mean_ci(frame.rating, calibration=calibration)
    assert calibrated.mean == pytest.approx(fixed.mean, rel=1e-12)
    z = (frame.rating - fixed.mean) / n
    explained = n / (n - 1) * float((z.groupby(frame.group).transform("mean") ** 2).sum())
    assert calibrated.se**2 == pytest.approx(fixed.se**2 - explained, rel=1e-9, abs=1e-15)
    assert calibrated.se <= fixed.se + 1e-12
