"""The console starts a questionnaire from a template, and `questionnaires check` passes on the
template folder."""
from __future__ import annotations

import questionnaires as qn


def test_check_command_passes_on_the_template_folder(runner):
    result = runner.invoke(args=["questionnaires", "check", str(qn.TEMPLATES_DIR)])
    assert result.exit_code == 0, result.output
    assert "ok  modele-mesures-communes" in result.output and "ok  modele-outil-quebecois" in result.output


def test_new_questionnaire_page_lists_the_templates(admin):
    page = admin.get("/admin/questionnaires/new").get_data(as_text=True)
    assert "Partir d’un modèle" in page
    assert "/admin/questionnaires/new?template=mesures-communes-omc" in page
    assert "Outil québécois de mesure" in page and "Outil de mesures communes" in page


def test_choosing_a_template_prefills_the_editor_with_its_file(admin):
    page = admin.get("/admin/questionnaires/new?template=outil-quebecois-de-mesure").get_data(as_text=True)
    assert "id: modele-outil-quebecois" in page
    assert "Secrétariat du Conseil du trésor du Québec" in page  # the comments naming the source
    assert "dimension: confidentiality" in page


def test_saving_the_prefilled_template_gives_a_draft(admin):
    text = (qn.TEMPLATES_DIR / "mesures-communes-omc.yaml").read_text(encoding="utf-8")
    text = text.replace("id: modele-mesures-communes", "id: accueil-hotel-de-ville")
    response = admin.post("/admin/questionnaires/new", data={"definition": text})
    assert response.status_code == 302
    assert "/admin/questionnaires/accueil-hotel-de-ville" in response.headers["Location"]


def test_an_unknown_template_is_404_and_never_a_path(admin):
    assert admin.get("/admin/questionnaires/new?template=../demo/permis-simple").status_code == 404
    assert admin.get("/admin/questionnaires/new?template=nope").status_code == 404


def test_templates_are_for_admins(signed_in):
    assert signed_in("evaluator").get("/admin/questionnaires/new?template=mesures-communes-omc").status_code == 403
