"""mean_ci on domains, calibrated (raked) designs, lonely PSUs and fpc-derived weights,
pinned to R's survey package.

Every reference value was printed by tests/analysis/data/design_reference.R (R 4.2.2,
survey 4.1-1) on the CSV files the tests read; the R call is written beside each value.
Designs used below, as built there:

    clus   <- read.csv("apiclus1_design.csv"); strat <- read.csv("apistrat_design.csv")
    dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus, fpc = ~fpc)
    dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
    tight  <- list(maxit = 1000, epsilon = 1e-13)   # rake() to convergence

Tolerance: 1e-10 relative (the formulas are exact; observed agreement is ~1e-15).
"""
import numpy as np
import pandas as pd
import pytest

from analysis import diff_means_ci_from_results, mean_ci, mean_ci_from_counts, rake

RTOL = 1e-10
POP_TYPES = {"E": 4421, "H": 755, "M": 1018}
POP_SCHWIDE = {"No": 1072, "Yes": 5122}


def close(result, mean, se):
    assert result.mean == pytest.approx(mean, rel=RTOL)
    assert result.se == pytest.approx(se, rel=RTOL)


@pytest.fixture(scope="module")
def rclus1(apiclus1_design):
    # rclus1 <- rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide), control = tight)
    # with pop.types = data.frame(stype = c("E","H","M"), Freq = c(4421, 755, 1018)) and
    # pop.schwide = data.frame(sch.wide = c("No","Yes"), Freq = c(1072, 5122)) (Lumley 2010, s. 7.3)
    c = apiclus1_design
    return rake(c, {"stype": POP_TYPES, "sch.wide": POP_SCHWIDE}, c.pw, tol=1e-14, max_iter=1000)


# ------------------------------------------------------------------------------ domains


def test_domain_of_a_cluster_design(apiclus1_design):
    c = apiclus1_design
    res = mean_ci(c.api00, c.pw, fpc=c.fpc, clusters=c.dnum, domain=c.stype == "E")
    # svymean(~api00, subset(dclus1, stype == "E")) -> 648.86805555555554, SE 22.362408893831891
    close(res, 648.86805555555554, 22.362408893831891)
    assert res.df == 14  # degf(subset(dclus1, stype == "E"))
    assert res.n == int((c.stype == "E").sum())


def test_domain_of_a_stratified_design(apistrat_design):
    s = apistrat_design
    res = mean_ci(s.api00, s.pw, s.stype, s.fpc, domain=s["sch.wide"] == "No")
    # svymean(~api00, subset(dstrat, sch.wide == "No")) -> 593.74685821458854, SE 18.619167505614321
    close(res, 593.74685821458854, 18.619167505614321)
    assert res.df == 45  # degf(subset(dstrat, sch.wide == "No"))


def test_domain_is_not_a_separate_sample(apistrat_design):
    s = apistrat_design
    inside = s["sch.wide"] == "No"
    domain = mean_ci(s.api00, s.pw, s.stype, s.fpc, domain=inside)
    dropped = mean_ci(s.api00[inside], s.pw[inside], s.stype[inside], s.fpc[inside])
    assert domain.mean == pytest.approx(dropped.mean, rel=1e-12)
    assert domain.se != pytest.approx(dropped.se, rel=1e-3)


def test_domain_in_a_generated_design(city_two_cycles):
    c = city_two_cycles[city_two_cycles.cycle == 2023]
    res = mean_ci(c.rating, strata=c.borough, fpc=c.N, domain=c.age == "65+")
    # svymean(~rating, subset(d23, age == "65+")) -> 4.0934878146224536, SE 0.1844890420185985
    close(res, 4.0934878146224536, 0.1844890420185985)


def test_not_applicable_answers_leave_the_domain_not_the_design(apistrat_design):
    s = apistrat_design
    values = s.api00.astype(object).where(s["sch.wide"] == "No", "na")
    res = mean_ci(values, s.pw, s.stype, s.fpc, domain=np.ones(len(s), dtype=bool))
    # the same as svymean(~api00, subset(dstrat, sch.wide == "No")): R's na.rm = TRUE
    close(res, 593.74685821458854, 18.619167505614321)
    assert res.n_na == int((s["sch.wide"] == "Yes").sum())


# ------------------------------------------------------------------- fpc without weights


def test_fpc_alone_gives_weights_n_h_over_n_h():
    y = [1, 2, 3, 4, 5, 5, 4, 3, 2, 4, 5, 5]
    h = ["a"] * 8 + ["b"] * 4
    res = mean_ci(y, strata=h, fpc=[40] * 8 + [400] * 4)
    # small <- data.frame(y = c(1,2,3,4,5,5,4,3,2,4,5,5), h = rep(c("a","b"), c(8,4)), N = rep(c(40,400), c(8,4)))
    # svymean(~y, svydesign(id = ~1, strata = ~h, fpc = ~N, data = small)) -> 3.9431818181818183, SE 0.6408814583708824
    close(res, 3.9431818181818183, 0.6408814583708824)
    assert res.mean != pytest.approx(np.mean(y))  # no longer the unweighted 3.58


def test_fpc_alone_in_a_frequency_table():
    table = pd.DataFrame(
        {"stratum": ["a", "a", "a", "a", "a", "b", "b", "b"], "value": [1, 2, 3, 4, 5, 2, 4, 5],
         "count": [1, 1, 2, 2, 2, 1, 1, 2]}
    )
    res = mean_ci_from_counts(table, fpc={"a": 40, "b": 400})
    # the `small` data above as a frequency table: 3.9431818181818183, SE 0.6408814583708824
    close(res, 3.9431818181818183, 0.6408814583708824)


def test_fpc_alone_in_a_clustered_frequency_table(apiclus1_design):
    c = apiclus1_design
    table = c.groupby(["dnum", "api00"]).size().rename("count").reset_index()
    table = table.rename(columns={"dnum": "cluster", "api00": "value"})
    # svymean(~api00, svydesign(id = ~dnum, fpc = ~fpc, data = clus)) -> 644.16939890710387, SE 23.542240693781043
    close(mean_ci_from_counts(table, fpc=757), 644.16939890710387, 23.542240693781043)


def test_fpc_alone_in_a_cluster_design(apiclus1_design):
    c = apiclus1_design
    res = mean_ci(c.api00, fpc=c.fpc, clusters=c.dnum)
    # svymean(~api00, svydesign(id = ~dnum, fpc = ~fpc, data = clus)) -> 644.16939890710387, SE 23.542240693781043
    close(res, 644.16939890710387, 23.542240693781043)


def test_fpc_alone_in_the_generated_city(city_two_cycles):
    c = city_two_cycles[city_two_cycles.cycle == 2023]
    # svymean(~rating, d23) -> 3.4925555555555556, SE 0.10543949872031673
    close(mean_ci(c.rating, strata=c.borough, fpc=c.N), 3.4925555555555556, 0.10543949872031673)


# ------------------------------------------------------------------------- lonely PSUs


@pytest.mark.parametrize(
    "option, se",
    [
        # options(survey.lonely.psu = option)
        # svymean(~api00, svydesign(id = ~dnum, strata = ~region, weights = ~pw, data = clus))
        ("adjust", 23.6100349280084),
        ("average", 27.257406761304924),
        ("certainty", 23.605606696575787),
        ("remove", 23.605606696575787),
    ],
)
def test_lonely_psu_options(apiclus1_design, option, se):
    c = apiclus1_design
    res = mean_ci(c.api00, c.pw, c.region, clusters=c.dnum, lonely_psu=option)
    close(res, 644.16939890710387, se)
    assert res.df == 15 - 4


def test_lonely_psu_fails_by_default_naming_the_stratum(apiclus1_design):
    c = apiclus1_design
    with pytest.raises(ValueError, match=r"'island' of strata has a single PSU.*lonely_psu='fail'"):
        mean_ci(c.api00, c.pw, c.region, clusters=c.dnum)
    with pytest.raises(ValueError, match="lonely_psu must be one of"):
        mean_ci(c.api00, c.pw, c.region, clusters=c.dnum, lonely_psu="drop")


# ---------------------------------------------------------------------------- calibration


def test_raked_cluster_design_lumley(apiclus1_design, rclus1):
    c = apiclus1_design
    res = mean_ci(c.api00, fpc=c.fpc, clusters=c.dnum, calibration=rclus1)
    # svymean(~api00, rclus1) -> 641.23032092682001, SE 23.703616887922493
    close(res, 641.23032092682001, 23.703616887922493)
    fixed = mean_ci(c.api00, rclus1.weights, fpc=c.fpc, clusters=c.dnum)
    assert fixed.se != pytest.approx(res.se, rel=1e-4)  # treating raked weights as fixed differs


def test_raked_with_r_default_control(apiclus1_design, rclus1):
    # R's rake() stops by default at a change < 1 in the counts (epsilon = 1, maxit = 10):
    # svymean(~api00, rake(dclus1, list(~stype, ~sch.wide), list(pop.types, pop.schwide)))
    # -> 641.23024686220879, SE 23.703641240237683; raked to convergence they agree to 1e-5.
    c = apiclus1_design
    res = mean_ci(c.api00, fpc=c.fpc, clusters=c.dnum, calibration=rclus1)
    assert res.mean == pytest.approx(641.23024686220879, rel=1e-5)
    assert res.se == pytest.approx(23.703641240237683, rel=1e-5)


def test_raked_domain(apiclus1_design, rclus1):
    c = apiclus1_design
    res = mean_ci(c.api00, fpc=c.fpc, clusters=c.dnum, calibration=rclus1, domain=c.stype == "E")
    # svymean(~api00, subset(rclus1, stype == "E")) -> 647.44657922841645, SE 22.808412194097301
    close(res, 647.44657922841645, 22.808412194097301)


def test_raked_stratified_generated_design(raked_city_cycles):
    c, r23 = raked_city_cycles[2023]
    # svymean(~rating, r23) -> 3.3829311214789324, SE 0.10925792159840585
    close(mean_ci(c.rating, strata=c.borough, fpc=c.N, calibration=r23), 3.3829311214789324, 0.10925792159840585)
    # svymean(~rating, subset(r23, borough == "C")) -> 3.3857608875259082, SE 0.2006289527398179
    res = mean_ci(c.rating, strata=c.borough, fpc=c.N, calibration=r23, domain=c.borough == "C")
    close(res, 3.3857608875259082, 0.2006289527398179)


def test_change_of_raked_means_between_cycles(raked_city_cycles):
    c23, r23 = raked_city_cycles[2023]
    c24, r24 = raked_city_cycles[2024]
    a = mean_ci(c24.rating, strata=c24.borough, fpc=c24.N, calibration=r24)
    b = mean_ci(c23.rating, strata=c23.borough, fpc=c23.N, calibration=r23)
    # svymean(~rating, r24) -> 4.1941683466328081, SE 0.099622345598792655
    close(a, 4.1941683466328081, 0.099622345598792655)
    change = diff_means_ci_from_results(a, b)
    # both cycles in one design, strata cycle x borough, raked to cycle x age and cycle x sex:
    # coef/SE of factor(cycle)2024 in svyglm(rating ~ factor(cycle), rboth)
    # -> 0.81123722515387542, SE 0.14785771936090675
    assert change.estimate == pytest.approx(0.81123722515387542, rel=RTOL)
    assert change.se == pytest.approx(0.14785771936090675, rel=RTOL)


def test_calibration_must_be_the_raking_that_made_the_weights(apiclus1_design, rclus1):
    c = apiclus1_design
    with pytest.raises(ValueError, match="weights differ from calibration.weights"):
        mean_ci(c.api00, c.pw, fpc=c.fpc, clusters=c.dnum, calibration=rclus1)
    with pytest.raises(TypeError, match="calibration must be the RakeResult"):
        mean_ci(c.api00, fpc=c.fpc, clusters=c.dnum, calibration=c.pw)
    with pytest.raises(ValueError, match="calibration has 183 rows"):
        mean_ci(c.api00[:100], clusters=c.dnum[:100], calibration=rclus1)


def test_rake_result_carries_the_margins(rclus1, apiclus1_design):
    assert len(rclus1.margin_codes) == len(rclus1.margin_weights) == 2
    # after the last margin the weights are the final weights
    np.testing.assert_array_equal(rclus1.margin_weights[-1], rclus1.weights.to_numpy())
    assert np.bincount(rclus1.margin_codes[0]).tolist() == [
        int((apiclus1_design.stype == s).sum()) for s in POP_TYPES
    ]


# ---------------------------------------------------------------------------- bad input


def test_bad_design_input_names_the_argument(apiclus1_design):
    c = apiclus1_design
    with pytest.raises(ValueError, match="domain has length 3"):
        mean_ci(c.api00, c.pw, clusters=c.dnum, domain=[True, False, True])
    with pytest.raises(TypeError, match="domain must be a boolean mask"):
        mean_ci(c.api00, c.pw, clusters=c.dnum, domain=np.ones(len(c)))
    with pytest.raises(ValueError, match="weights must be finite"):
        mean_ci(c.api00, c.pw.where(c.index != 5, np.nan), clusters=c.dnum)
    with pytest.raises(ValueError, match="strata has length 2"):
        mean_ci(c.api00, c.pw, ["a", "b"])
    with pytest.raises(ValueError, match="clusters has length 2"):
        mean_ci(c.api00, c.pw, clusters=[1, 2])
    with pytest.raises(ValueError, match="needs at least 2 answers"):
        mean_ci(c.api00, c.pw, clusters=c.dnum, domain=pd.Series(c.index == 0))
