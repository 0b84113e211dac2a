import inspect
import subprocess
import sys

import analysis


def test_pure_library_imports():
    code = (
        "import sys, analysis; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('flask', 'sqlalchemy', 'survey_app', 'questionnaires', 'flask_sqlalchemy')); "
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_public_names_exist_and_are_documented():
    for name in analysis.__all__:
        obj = getattr(analysis, name)
        if inspect.isfunction(obj) or inspect.isclass(obj):
            assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name


def test_contract_signatures():
    # design.md, "Python contract (import analysis)"
    sig = lambda f: list(inspect.signature(f).parameters)
    assert sig(analysis.proportion_ci)[:4] == ["count", "nobs", "confidence_level", "method"]
    assert sig(analysis.diff_proportions_ci)[:6] == ["count1", "nobs1", "count2", "nobs2", "confidence_level", "method"]
    assert sig(analysis.mean_ci) == [
        "values", "weights", "strata", "fpc", "confidence_level",
        "clusters", "calibration", "domain", "lonely_psu",
    ]
    assert sig(analysis.design_proportion_ci) == [
        "indicator", "weights", "strata", "fpc", "confidence_level",
        "clusters", "calibration", "domain", "method", "lonely_psu",
    ]
    assert inspect.signature(analysis.mean_ci).parameters["lonely_psu"].default == "fail"
    assert inspect.signature(analysis.design_proportion_ci).parameters["method"].default == "logit"
    assert sig(analysis.diff_means_ci)[:3] == ["a", "b", "confidence_level"]
    assert sig(analysis.satisfaction_index)[:2] == ["values", "scale"]
    assert sig(analysis.percent_satisfied)[:3] == ["values", "scale", "top"]
    assert sig(analysis.nps)[:1] == ["scores"]
    assert sig(analysis.cronbach_alpha)[:2] == ["items", "confidence_level"]
    assert sig(analysis.feldt_ci)[:3] == ["alpha", "n_items", "n_obs"]
    assert sig(analysis.adjust_pvalues)[:2] == ["pvalues", "method"]
    assert sig(analysis.sample_size)[:5] == ["margin", "confidence_level", "p", "population", "deff"]
    assert sig(analysis.margin_of_error)[:4] == ["n", "p", "population", "confidence_level"]
    assert sig(analysis.rake)[:2] == ["frame", "margins"]
    assert sig(analysis.suppress)[:2] == ["table", "min_n"]
    assert inspect.signature(analysis.suppress).parameters["min_n"].default == 10


def test_results_are_frozen():
    import dataclasses

    import pytest

    res = analysis.satisfaction_index([1, 2, 3])
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.estimate = 1.0
