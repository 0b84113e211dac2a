"""The template library: every file passes the checks, names its source, and carries the
dimension codes of its standard in French and English."""
from __future__ import annotations

import pytest
import questionnaires as qn

TEMPLATE_FILES = sorted(qn.TEMPLATES_DIR.glob("*.yaml"))
CMT_CORE = {"timeliness", "competence", "courtesy", "fairness", "outcome", "overall"}


def test_the_folder_loads_as_a_whole():
    loaded = qn.load_templates()
    assert {t.id for t in loaded} == {"modele-mesures-communes", "modele-outil-quebecois"}


@pytest.mark.parametrize("path", TEMPLATE_FILES, ids=lambda p: p.name)
def test_each_template_is_complete_in_both_languages_and_names_its_source(path):
    definition = qn.load_file(path)
    assert qn.missing_translations(definition, "en") == []
    assert definition.reference is not None and definition.reference.en
    assert "Source:" in path.read_text(encoding="utf-8")  # the YAML comment names it too
    assert definition.published is False  # a template is a starting point, never live
    assert definition.offers_follow_up


def test_the_cmt_template_has_the_core_dimensions():
    definition = qn.load_file(qn.TEMPLATES_DIR / "mesures-communes-omc.yaml")
    assert {q.dimension for q in definition.questions} >= CMT_CORE
    assert "Common Measurements Tool" in definition.reference.en


def test_the_quebec_template_has_the_perceived_quality_dimensions():
    definition = qn.load_file(qn.TEMPLATES_DIR / "outil-quebecois-de-mesure.yaml")
    dimensions = {q.dimension for q in definition.questions}
    assert {"respect", "confidentiality", "responsiveness", "reliability", "fairness", "simplicity",
            "access", "timeliness", "clarity", "overall"} <= dimensions
    assert "Outil québécois de mesure" in definition.reference.fr


def test_source_and_follow_up_round_trip_and_leave_other_versions_unchanged():
    definition = qn.load_file(qn.TEMPLATES_DIR / "mesures-communes-omc.yaml")
    again = qn.from_dict(definition.to_dict())
    assert again == definition and again.version == definition.version
    plain = {k: v for k, v in definition.to_dict().items() if k not in ("follow_up", "source")}
    assert "follow_up" not in qn.parse(plain).to_dict()


def test_follow_up_accepts_only_offer():
    data = qn.load_file(qn.TEMPLATES_DIR / "mesures-communes-omc.yaml").to_dict()
    data["follow_up"] = {"offer": True, "email_only": True}
    with pytest.raises(qn.DefinitionError) as caught:
        qn.parse(data, source="t.yaml")
    assert any(issue.path.startswith("follow_up") for issue in caught.value.errors)
