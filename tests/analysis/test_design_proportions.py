"""design_proportion_ci and the change of a design proportion between cycles, pinned to
R's ``svyciprop`` and ``svyglm`` (survey 4.1-1).

Reference values printed by tests/analysis/data/design_reference.R on the CSV files read
here; the designs (``dclus1_nw``, ``dstrat``, ``r23``, ``r24``, ``rboth``) are built there:

    dclus1_nw <- svydesign(id = ~dnum, fpc = ~fpc, data = clus)       # as in ?svyciprop
    dstrat    <- svydesign(id = ~1, strata = ~stype, weights = ~pw, data = strat, fpc = ~fpc)
    r23, r24  <- rake(svydesign(id = ~1, strata = ~borough, fpc = ~N, data = c23 / c24),
                      list(~age, ~sex), list(pop.age, pop.sex), control = tight)

Each value is ``c(p, sqrt(attr(ci, "var")), attr(ci, "ci"))`` of
``ci <- svyciprop(formula, design, method = m)``.

Tolerances: 1e-10 relative for the estimate, SE and the beta and mean intervals (exact
formulas); 1e-8 for logit intervals, whose R value comes from an iteratively fitted
``svyglm`` (R's IRLS stops at a relative deviance change of 1e-8, leaving the
coefficient about 1e-9 off).
"""
import pytest

from analysis import design_proportion_ci, diff_proportions_ci_from_results

RTOL = 1e-10
RTOL_LOGIT = 1e-8


def check(res, p, se, low, high):
    tol = RTOL_LOGIT if res.method == "logit" else RTOL
    assert res.proportion == pytest.approx(p, rel=tol)
    assert res.se == pytest.approx(se, rel=RTOL)
    lo, hi = res.confidence_interval()
    assert lo == pytest.approx(max(low, 0.0), rel=tol, abs=1e-300)
    assert hi == pytest.approx(min(high, 1.0), rel=tol)
    assert not res.zero_variance and res.interval_method == res.method


@pytest.mark.parametrize(
    "method, ref",
    [
        # svyciprop(~I(ell == 0), dclus1_nw, method = m); the ?svyciprop example (logit: 2.2 %, 0.2 %-17.8 %)
        ("logit", (0.021857923541617467, 0.022622450861133944, 0.0023046912985385075, 0.17774776651355736)),
        ("beta", (0.02185792349726776, 0.022622450861133944, 0.00021614683274315689, 0.13750776391498076)),
        # R's Wald interval starts at -0.0267: here clipped to 0
        ("mean", (0.02185792349726776, 0.022622450861133944, -0.026662407957766986, 0.070378254952302502)),
    ],
)
def test_svyciprop_cluster_design_with_fpc_weights(apiclus1_design, method, ref):
    c = apiclus1_design
    check(design_proportion_ci(c.ell == 0, fpc=c.fpc, clusters=c.dnum, method=method), *ref)


@pytest.mark.parametrize(
    "method, ref",
    [
        # svyciprop(~I(comp.imp == "Yes"), dstrat, method = m)
        ("logit", (0.65564901194397585, 0.033725495798288985, 0.5864671343203095, 0.71880640166721677)),
        ("beta", (0.65564901194397807, 0.033725495798288985, 0.58507548630489925, 0.72149350585400374)),
        ("mean", (0.65564901194397807, 0.033725495798288985, 0.58913966877638746, 0.72215835511156867)),
    ],
)
def test_svyciprop_stratified(apistrat_design, method, ref):
    s = apistrat_design
    res = design_proportion_ci(s["comp.imp"] == "Yes", s.pw, s.stype, s.fpc, method=method)
    check(res, *ref)
    assert res.df == 197


@pytest.mark.parametrize(
    "method, ref",
    [
        # svyciprop(~I(comp.imp == "Yes"), subset(dstrat, stype == "H"), method = m, level = 0.9)
        ("logit", (0.34000000000002889, 0.065393482925566612, 0.24014842034773104, 0.45643016985429674)),
        ("beta", (0.34000000000000002, 0.065393482925566612, 0.23212102392053538, 0.46200908165724641)),
        ("mean", (0.34000000000000002, 0.065393482925566612, 0.23036449782981627, 0.44963550217018372)),
    ],
)
def test_svyciprop_domain_at_90_percent(apistrat_design, method, ref):
    s = apistrat_design
    res = design_proportion_ci(
        s["comp.imp"] == "Yes", s.pw, s.stype, s.fpc, 0.9, domain=s.stype == "H", method=method
    )
    check(res, *ref)
    assert res.n_rows == 50  # nrow(subset(dstrat, stype == "H")), used by the beta interval


@pytest.mark.parametrize(
    "method, ref, ref_domain",
    [
        # svyciprop(~I(rating >= 4), r23, method = m) and
        # svyciprop(~I(rating >= 4), subset(r23, borough == "D"), method = m)
        ("logit", (0.53182345909053408, 0.04290411133013157, 0.4470136248415138, 0.61483368478148714),
         (0.56805197354013126, 0.11204365810727274, 0.33882440641651851, 0.77142106359521867)),
        ("beta", (0.53182345939714981, 0.04290411133013157, 0.44413748754255672, 0.6180853238662003),
         (0.56805197354016845, 0.11204365810727274, 0.31774998036218616, 0.79511907999953801)),
        ("mean", (0.53182345939714981, 0.04290411133013157, 0.44711539409965628, 0.61653152469464334),
         (0.56805197354016845, 0.11204365810727274, 0.33680522873302599, 0.79929871834731092)),
    ],
)
def test_svyciprop_raked(raked_city_cycles, method, ref, ref_domain):
    c, r23 = raked_city_cycles[2023]
    satisfied = c.rating >= 4
    check(design_proportion_ci(satisfied, strata=c.borough, fpc=c.N, calibration=r23, method=method), *ref)
    res = design_proportion_ci(
        satisfied, strata=c.borough, fpc=c.N, calibration=r23, domain=c.borough == "D", method=method
    )
    check(res, *ref_domain)
    assert res.n_rows == len(c)  # a raked design keeps every row: nrow(subset(r23, ...)) == 170


def test_change_between_raked_cycles(raked_city_cycles):
    c23, r23 = raked_city_cycles[2023]
    c24, r24 = raked_city_cycles[2024]
    a = design_proportion_ci(c24.rating >= 4, strata=c24.borough, fpc=c24.N, calibration=r24)
    b = design_proportion_ci(c23.rating >= 4, strata=c23.borough, fpc=c23.N, calibration=r23)
    change = diff_proportions_ci_from_results(a, b)
    # coef/SE of factor(cycle)2024 in svyglm(I(rating >= 4) ~ factor(cycle), rboth), rboth the
    # stacked design (strata cycle x borough) raked to cycle x age and cycle x sex
    # -> 0.19799398858887238, SE 0.058672266897475067
    assert change.estimate == pytest.approx(0.19799398858887238, rel=RTOL)
    assert change.se == pytest.approx(0.058672266897475067, rel=RTOL)
    lo, hi = change.confidence_interval()
    assert lo < change.estimate < hi and change.pvalue < 0.01
    assert change.df == pytest.approx(
        change.se**4 / (a.se**4 / a.df + b.se**4 / b.df), rel=1e-12
    )  # Satterthwaite, as diff_means_ci_from_results


def test_change_between_unraked_cycles(city_two_cycles):
    city = city_two_cycles
    res = []
    for cycle in (2024, 2023):
        c = city[city.cycle == cycle]
        res.append(design_proportion_ci(c.rating >= 4, strata=c.borough, fpc=c.N))
    change = diff_proportions_ci_from_results(*res)
    # svyglm(I(rating >= 4) ~ factor(cycle), dboth), dboth <- svydesign(id = ~1,
    # strata = ~stratum, fpc = ~N, data = city): 0.22277777777777863, SE 0.054351805534512354
    assert change.estimate == pytest.approx(0.22277777777777863, rel=RTOL)
    assert change.se == pytest.approx(0.054351805534512354, rel=RTOL)


# ----------------------------------------------------------- 0 % and 100 %: never zero width


def test_all_satisfied_uses_clopper_pearson_at_n():
    res = design_proportion_ci([1] * 12, weights=[1.5] * 6 + [3.0] * 6, strata=["a"] * 6 + ["b"] * 6)
    assert res.proportion == 1.0 and res.se == 0.0
    assert res.zero_variance and res.interval_method == "clopper-pearson"
    lo, hi = res.confidence_interval()
    # Clopper-Pearson at 12/12: [(0.025)^(1/12), 1] = [0.7354, 1]
    assert lo == pytest.approx(0.025 ** (1 / 12), rel=1e-12) and hi == 1.0
    assert res.n_effective == 12


@pytest.mark.parametrize("method", ["logit", "beta", "mean"])
def test_none_satisfied_never_zero_width(method):
    res = design_proportion_ci([0] * 60, weights=[2.0] * 60, method=method)
    lo, hi = res.confidence_interval()
    assert lo == 0.0 and hi == pytest.approx(1 - 0.025 ** (1 / 60), rel=1e-12)


@pytest.mark.parametrize(
    "method, ref",
    [
        # one60 <- svydesign(id = ~1, data = data.frame(y = c(1, rep(0, 59))))
        # svyciprop(~I(y == 1), one60, method = m): the Wald [-1.1 %, 3.3 %] is gone
        ("logit", (0.016666666666666427, 0.016666666666666635, 0.0022102256387412284, 0.1147995157133786)),
        ("beta", (0.016666666666666666, 0.016666666666666635, 0.00039982565388621755, 0.090393556998008662)),
    ],
)
def test_one_satisfied_in_sixty(method, ref):
    check(design_proportion_ci([1] + [0] * 59, method=method), *ref)


def test_change_with_a_zero_variance_cycle_keeps_positive_width():
    a = design_proportion_ci([1] * 12)
    b = design_proportion_ci([1] * 10 + [0] * 2)
    lo, hi = diff_proportions_ci_from_results(a, b, method="newcombe").confidence_interval()
    assert -1 <= lo < a.proportion - b.proportion < hi <= 1


def test_bad_input():
    with pytest.raises(ValueError, match="indicator must hold 0/1"):
        design_proportion_ci([0, 1, 2])
    with pytest.raises(ValueError, match="method must be one of"):
        design_proportion_ci([0, 1, 1], method="wilson")
    with pytest.raises(ValueError, match="weights has length 2"):
        design_proportion_ci([0, 1, 1], weights=[1, 2])
    with pytest.raises(ValueError, match="weights must be finite"):
        design_proportion_ci([0, 1, 1], weights=[1, float("nan"), 2])
    with pytest.raises(ValueError, match="single PSU"):
        design_proportion_ci([0, 1, 1, 0], strata=["a", "b", "b", "b"])
    with pytest.raises(TypeError, match="DesignProportionResult"):
        diff_proportions_ci_from_results(design_proportion_ci([0, 1, 1]), 0.5)
