"""Questionnaires in the console: validation exactly as `questionnaires check`, nothing stored
when invalid, preview, publish, history with diff and comparability warning, and the file
and web sources never silently overwriting each other."""
from __future__ import annotations

import io
import shutil

import questionnaires as qn
import pytest

from survey_app.extensions import db
from survey_app.models import AuditEvent, Questionnaire, QuestionnaireVersion
from tests.helpers import DEFINITIONS

VALID = (DEFINITIONS / "comptoir.yaml").read_text(encoding="utf-8")
NEW = VALID.replace("id: comptoir", "id: guichet").replace("code: C-90", "code: C-95")
# Three errors: a scale whose max is not above its min, an unknown question type, a missing text.
THREE_ERRORS = (NEW.replace("    scale: {min: 1, max: 5}\n", "    scale: {min: 5, max: 1}\n")
                .replace("type: multi_choice", "type: multiple")
                .replace('    text: {fr: "Combien de minutes avez-vous attendu?", en: "How many minutes did you wait?"}\n', ""))


def versions(app, questionnaire_id):
    with app.app_context():
        return db.session.execute(db.select(db.func.count(QuestionnaireVersion.id)).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id)).scalar()


def test_the_list_says_state_channels_version_and_source(admin):
    html = admin.get("/admin/questionnaires/").get_data(as_text=True)
    assert 'data-questionnaire="comptoir"' in html and 'data-questionnaire="cache"' in html
    assert "Publié" in html and "Non publié" in html
    assert "fichier comptoir.yaml" in html
    assert "version 1" in html


def test_a_definition_with_three_errors_shows_all_three_and_stores_nothing(app, admin):
    with pytest.raises(qn.DefinitionError) as check:
        qn.parse_yaml(THREE_ERRORS, source="guichet.yaml")
    expected = [str(issue) for issue in check.value.errors]
    assert len(expected) == 3
    response = admin.post("/admin/questionnaires/new", data={
        "upload": (io.BytesIO(THREE_ERRORS.encode()), "guichet.yaml")}, content_type="multipart/form-data")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    for line in expected:  # exactly as `questionnaires check` prints them
        assert line.replace('"', "&#34;") in html or line in html, line
    assert "questions[2].scale.max" in html and "questions[4].type" in html and "questions[5].text" in html
    assert "La définition contient 3 erreurs" in html
    assert "id: guichet" in html  # the uploaded text is kept in the editor to be fixed
    with app.app_context():
        assert db.session.get(Questionnaire, "guichet") is None
        assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action.like("questionnaire.%"))).first() is None


def test_the_command_reports_the_same_errors(tmp_path, runner):
    path = tmp_path / "guichet.yaml"
    path.write_text(THREE_ERRORS, encoding="utf-8")
    result = runner.invoke(args=["questionnaires", "check", str(path)])
    assert result.exit_code == 1
    with pytest.raises(qn.DefinitionError) as caught:
        qn.load_file(path)
    expected = [str(issue) for issue in caught.value.errors]
    for line in expected:
        assert line in result.output


def test_upload_preview_publish_and_the_citizens_see_it(app, admin, client, open_cycle):
    saved = admin.post("/admin/questionnaires/new", data={"definition": NEW})
    assert saved.status_code == 302 and saved.headers["Location"].endswith("/admin/questionnaires/guichet/preview")
    assert "/q/guichet" not in client.get("/").get_data(as_text=True)  # not published yet
    assert client.get("/q/guichet").status_code == 404
    french = admin.get("/admin/questionnaires/guichet/preview?language=fr").get_data(as_text=True)
    english = admin.get("/admin/questionnaires/guichet/preview?language=en").get_data(as_text=True)
    assert "Dans l'ensemble, êtes-vous satisfait du service reçu?" in french or "Dans l&#39;ensemble" in french
    assert "Overall, are you satisfied with the service you received?" in english and '<html lang="en">' in english
    # the preview cannot send answers anywhere
    assert 'action="/q/guichet"' not in french and "Envoyer mes réponses" not in french
    assert 'action="/admin/questionnaires/guichet/publish"' in french
    assert admin.post("/admin/questionnaires/guichet/publish").status_code == 302
    assert "/q/guichet" in client.get("/").get_data(as_text=True)
    with app.app_context():
        row = db.session.get(Questionnaire, "guichet")
        assert row.published and row.current_version.source_kind == "web"
        assert row.current_version.created_by.startswith("admin")
        actions = db.session.execute(db.select(AuditEvent.action).order_by(AuditEvent.id)).scalars().all()
    assert actions[-2:] == ["questionnaire.save", "questionnaire.publish"]
    assert admin.post("/admin/questionnaires/guichet/unpublish").status_code == 302
    assert "/q/guichet" not in client.get("/").get_data(as_text=True)


def test_editing_keeps_the_current_version_until_published(app, admin, client, open_cycle):
    edit = admin.get("/admin/questionnaires/comptoir/edit").get_data(as_text=True)
    assert "# A test questionnaire with one question of every type" in edit  # the file itself, with its comments
    changed = VALID.replace("Le personnel a été courtois.", "Le personnel était aimable.").replace(
        "scale: {min: 1, max: 5}", "scale: {min: 0, max: 10}")
    assert admin.post("/admin/questionnaires/comptoir/edit", data={"definition": changed}).status_code == 302
    assert "Le personnel a été courtois." in client.get("/q/comptoir").get_data(as_text=True)  # still the old one
    detail = admin.get("/admin/questionnaires/comptoir").get_data(as_text=True)
    assert "Brouillon en attente de publication" in detail and "éditeur Web, par admin" in detail
    diff = admin.get("/admin/questionnaires/comptoir/diff").get_data(as_text=True)
    assert 'id="comparability-warning"' in diff
    assert 'data-change="wording"' in diff and 'data-change="scale"' in diff
    assert '<li class="diff-removed"><del>' in diff and "Le personnel a été courtois." in diff
    assert '<li class="diff-added"><ins>' in diff and "Le personnel était aimable." in diff
    admin.post("/admin/questionnaires/comptoir/publish")
    assert "Le personnel était aimable." in client.get("/q/comptoir").get_data(as_text=True)


def test_the_id_of_an_edited_questionnaire_cannot_change(app, admin):
    response = admin.post("/admin/questionnaires/comptoir/edit", data={"definition": NEW})
    assert response.status_code == 422 and "comptoir.yaml: id: must stay" in response.get_data(as_text=True)
    assert versions(app, "guichet") == 0


def test_a_diff_without_a_wording_or_scale_change_says_answers_stay_comparable(admin):
    admin.post("/admin/questionnaires/comptoir/edit",
               data={"definition": VALID.replace("Quelques questions sur votre visite.", "Quelques questions.")})
    diff = admin.get("/admin/questionnaires/comptoir/diff").get_data(as_text=True)
    assert 'id="comparability-warning"' not in diff and "les réponses restent comparables" in diff


@pytest.fixture
def folder_app(app, tmp_path):
    """The app reading its definition files from a folder the test may change."""
    folder = tmp_path / "definitions"
    shutil.copytree(DEFINITIONS, folder)
    app.config["QUESTIONNAIRES_DIR"] = str(folder)
    return app, folder


def test_sync_refuses_to_overwrite_a_browser_edit_unless_forced(folder_app, admin, runner):
    app, folder = folder_app
    admin.post("/admin/questionnaires/comptoir/edit",
               data={"definition": VALID.replace("Un commentaire?", "Un commentaire ou une idée?")})
    admin.post("/admin/questionnaires/comptoir/publish")
    (folder / "comptoir.yaml").write_text(VALID.replace("Un commentaire?", "Autre chose?"), encoding="utf-8")
    page = admin.get("/admin/questionnaires/comptoir").get_data(as_text=True)
    assert 'data-disk="differs"' in page and "--force" in page
    refused = runner.invoke(args=["questionnaires", "sync"])
    assert refused.exit_code == 1 and "refused" in refused.output and "comptoir" in refused.output
    with app.app_context():
        current = db.session.get(Questionnaire, "comptoir").current_version
        assert current.source_kind == "web" and "Un commentaire ou une idée?" in str(current.definition)
    forced = runner.invoke(args=["questionnaires", "sync", "--force"])
    assert forced.exit_code == 0, forced.output
    with app.app_context():
        current = db.session.get(Questionnaire, "comptoir").current_version
        assert current.source_kind == "file" and "Autre chose?" in str(current.definition)


def test_the_page_warns_when_a_file_changed_since_it_was_loaded(folder_app, admin):
    _app, folder = folder_app
    (folder / "comptoir.yaml").write_text(VALID.replace("Un commentaire?", "Autre chose?"), encoding="utf-8")
    assert 'data-disk="differs"' in admin.get("/admin/questionnaires/comptoir").get_data(as_text=True)
    assert "Le fichier sur disque diffère" in admin.get("/admin/questionnaires/").get_data(as_text=True)


def test_an_unpublish_in_the_browser_survives_a_sync_of_the_same_file(folder_app, admin, runner):
    app, _folder = folder_app
    admin.post("/admin/questionnaires/comptoir/unpublish")
    assert runner.invoke(args=["questionnaires", "sync"]).exit_code == 0
    with app.app_context():
        assert db.session.get(Questionnaire, "comptoir").published is False
