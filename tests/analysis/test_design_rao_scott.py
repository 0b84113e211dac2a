"""Rao-Scott tests of a rating's whole distribution, pinned to R's ``svychisq``.

Reference values printed by tests/analysis/data/design_reference.R (survey 4.1-1) as
``c(t$statistic, t$parameter, t$p.value)`` of ``t <- svychisq(formula, design, statistic)``.
Designs: ``dclus1 <- svydesign(id = ~dnum, weights = ~pw, data = clus, fpc = ~fpc)``,
``dstrat <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)``,
``dboth <- svydesign(id = ~1, strata = ~stratum, fpc = ~N, data = city)`` (both cycles
stacked, stratum = paste(cycle, borough)) and ``rboth <- rake(dboth, list(~cycle_age,
~cycle_sex), list(pop.cage, pop.csex), control = tight)`` (the census margins per cycle).

Tolerance: 1e-10 relative (exact formulas; observed ~1e-15).
"""
import numpy as np
import pytest

from analysis import rake, rao_scott_test

RTOL = 1e-10


def check(res, statistic, df, ddf, pvalue):
    assert res.statistic == pytest.approx(statistic, rel=RTOL)
    assert res.df == pytest.approx(df, rel=RTOL)
    assert res.df_denominator == pytest.approx(ddf, rel=RTOL)
    assert res.pvalue == pytest.approx(pvalue, rel=RTOL)


@pytest.fixture(scope="module")
def city(city_two_cycles):
    c = city_two_cycles.copy()
    c["stratum"] = c.cycle.astype(str) + " " + c.borough
    c["cycle_age"] = c.cycle.astype(str) + " " + c.age
    c["cycle_sex"] = c.cycle.astype(str) + " " + c.sex
    return c


def test_change_of_the_rating_distribution_between_cycles(city):
    res = rao_scott_test(city.rating, city.cycle, strata=city.stratum, fpc=city.N)
    # svychisq(~rating + cycle, dboth, statistic = "F")
    check(res, 15.745593500496296, 3.9912857285803507, 1325.1068618886763, 1.4214368996001188e-12)
    assert res.kind == "F" and res.table.shape == (5, 2)
    assert res.table.to_numpy().sum() == pytest.approx(1.0)


def test_first_order_correction(city):
    res = rao_scott_test(city.rating, city.cycle, strata=city.stratum, fpc=city.N, statistic="Chisq")
    # svychisq(~rating + cycle, dboth, statistic = "Chisq"): X-squared = 72.927660384739269,
    # df = 4, p-value = 6.8441076929838545e-13 (R prints Pearson's X^2, tests X^2 / mean deff)
    assert res.pearson == pytest.approx(72.927660384739269, rel=RTOL)
    assert res.pvalue == pytest.approx(6.8441076929838545e-13, rel=RTOL)
    assert res.df == 4 and res.df_denominator == float("inf")
    assert res.statistic == pytest.approx(res.pearson / np.mean(res.design_effects), rel=1e-12)


def test_raked_stacked_cycles(city):
    census_age = {"18-34": 30000, "35-64": 48000, "65+": 22000}
    census_sex = {"F": 52000, "M": 48000}
    margins = {
        "cycle_age": {f"{c} {k}": v for c in (2023, 2024) for k, v in census_age.items()},
        "cycle_sex": {f"{c} {k}": v for c in (2023, 2024) for k, v in census_sex.items()},
    }
    base = (city.groupby("stratum").N.first() / city.groupby("stratum").size())[city.stratum].to_numpy()
    rboth = rake(city, margins, base, tol=1e-14, max_iter=1000)
    res = rao_scott_test(city.rating, city.cycle, strata=city.stratum, fpc=city.N, calibration=rboth)
    # svychisq(~rating + cycle, rboth, statistic = "F")
    check(res, 13.785348107684751, 3.9151199611054834, 1299.8198270870205, 7.8307492069292906e-11)


def test_published_example_cluster_design(apiclus1_design):
    c = apiclus1_design
    res = rao_scott_test(c["sch.wide"], c.stype, c.pw, fpc=c.fpc, clusters=c.dnum)
    # ?svychisq: svychisq(~sch.wide + stype, dclus1) -> F = 5.1934, ndf = 1.4946,
    # ddf = 20.925, p-value = 0.02175; to 17 digits:
    check(res, 5.1933695414748762, 1.494639777707456, 20.924956887904386, 0.021747462370796864)
    chisq = rao_scott_test(c["sch.wide"], c.stype, c.pw, fpc=c.fpc, clusters=c.dnum, statistic="Chisq")
    # svychisq(~sch.wide + stype, dclus1, statistic = "Chisq") -> X-squared = 11.940892080745339, p = 0.0055532633031132239
    assert chisq.pearson == pytest.approx(11.940892080745339, rel=RTOL)
    assert chisq.pvalue == pytest.approx(0.0055532633031132239, rel=RTOL)


def test_stratified_design(apistrat_design):
    s = apistrat_design
    res = rao_scott_test(s.stype, s["comp.imp"], s.pw, s.stype, s.fpc)
    # svychisq(~stype + comp.imp, dstrat, statistic = "F")
    check(res, 15.055814224518164, 1.8817799271637701, 370.71064565126272, 9.7182246804080257e-07)


def test_not_applicable_answers_are_left_out(city):
    rating = city.rating.astype(object).where(city.index % 7 != 0, "na")
    answered = rating != "na"
    a = rao_scott_test(rating, city.cycle, strata=city.stratum, fpc=city.N)
    b = rao_scott_test(city.rating[answered], city.cycle[answered], strata=city.stratum[answered], fpc=city.N[answered])
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12)


def test_bad_input(city):
    with pytest.raises(ValueError, match="statistic must be one of"):
        rao_scott_test(city.rating, city.cycle, statistic="Wald")
    with pytest.raises(ValueError, match="at least 2 categories"):
        rao_scott_test(city.rating, [1] * len(city))
    with pytest.raises(ValueError, match="group has length 3"):
        rao_scott_test(city.rating, [1, 2, 3])
    with pytest.raises(ValueError, match="single PSU"):
        rao_scott_test([1, 2, 1, 2], [1, 1, 2, 2], strata=["a", "b", "b", "b"])
