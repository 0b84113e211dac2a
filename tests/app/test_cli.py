"""The command line of design.md, through Flask's CLI runner."""
from __future__ import annotations


from survey_app.extensions import db
from survey_app.models import Answer, Questionnaire, QuestionnaireVersion, Response, User
from tests.helpers import DEFINITIONS


def test_questionnaires_check_accepts_good_files(runner):
    result = runner.invoke(args=["questionnaires", "check", str(DEFINITIONS)])
    assert result.exit_code == 0, result.output
    assert "comptoir" in result.output


def test_questionnaires_check_reports_every_error_and_exits_1(runner, tmp_path):
    bad = tmp_path / "permis.yaml"
    bad.write_text(
        (DEFINITIONS / "comptoir.yaml").read_text()
        .replace("max: 5\n      labels", "max: 1\n      labels")
        .replace("type: choice", "type: dropdown")
    )
    result = runner.invoke(args=["questionnaires", "check", str(bad)])
    assert result.exit_code == 1
    assert "permis.yaml: questions[0].scale.max" in result.output
    assert "permis.yaml: questions[3].type" in result.output


def test_questionnaires_sync_records_a_new_version_when_a_file_changes(app, runner, tmp_path):
    folder = tmp_path / "defs"
    folder.mkdir()
    source = (DEFINITIONS / "comptoir.yaml").read_text()
    (folder / "comptoir.yaml").write_text(source)
    app.config["QUESTIONNAIRES_DIR"] = str(folder)
    assert "unchanged" in runner.invoke(args=["questionnaires", "sync"]).output
    (folder / "comptoir.yaml").write_text(source.replace("Un commentaire?", "Un dernier commentaire?"))
    result = runner.invoke(args=["questionnaires", "sync"])
    assert "new version" in result.output and "comptoir" in result.output
    with app.app_context():
        row = db.session.get(Questionnaire, "comptoir")
        assert len(row.versions) == 2
        assert row.current_version.id == row.versions[-1].id


def test_unpublished_in_the_file_stays_hidden(app):
    with app.app_context():
        assert db.session.get(Questionnaire, "cache").published is False


def test_cycles_lifecycle(runner):
    assert runner.invoke(args=["cycles", "create", "A26", "--name", "Automne 2026"]).exit_code == 0
    assert runner.invoke(args=["cycles", "create", "A26", "--name", "x"]).exit_code == 1
    assert "A26 is open" in runner.invoke(args=["cycles", "open", "A26"]).output
    assert "A26 is closed" in runner.invoke(args=["cycles", "close", "A26"]).output
    listing = runner.invoke(args=["cycles", "list"]).output
    assert "A26" in listing and "closed" in listing and "Automne 2026" in listing
    refused = runner.invoke(args=["cycles", "close", "A26"])
    assert refused.exit_code == 1 and "cannot become closed" in refused.output


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = runner.invoke(args=["users", "create", "Eval@Example.org", "--role", "evaluator"],
                           input="a long enough secret\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.execute(db.select(User)).scalar_one()
    assert user.email == "eval@example.org" and user.role == "evaluator"
    short = runner.invoke(args=["users", "create", "x@example.org", "--role", "staff"], input="short\n")
    assert short.exit_code == 1 and "password" in short.output


def test_users_token_prints_the_token_alone_on_its_last_line(app, runner, client, open_cycle):
    runner.invoke(args=["users", "create", "staff@example.org", "--role", "staff"], input="a long enough secret\n")
    result = runner.invoke(args=["users", "token", "staff@example.org"])
    token = result.output.strip().splitlines()[-1]
    assert " " not in token and len(token) >= 40
    import uuid

    response = client.post(
        "/api/v1/responses",
        json={"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "paper",
              "answers": {"overall": 3}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 201


def test_demo_loads_a_declaration_two_cycles_and_responses(app, runner):
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        ids = set(db.session.execute(db.select(Questionnaire.id).where(Questionnaire.published)).scalars())
        responses = db.session.execute(db.select(db.func.count(Response.id))).scalar_one()
        per_cycle = dict(
            db.session.execute(
                db.select(Response.cycle_id, db.func.count()).group_by(Response.cycle_id)
            ).all()
        )
        answers = db.session.execute(db.select(db.func.count(Answer.id))).scalar_one()
    assert len(ids - {"comptoir"}) >= 6
    assert len(per_cycle) == 2 and min(per_cycle.values()) >= 500
    assert answers > responses * 5
    again = runner.invoke(args=["demo", "--if-empty"])
    assert "nothing loaded" in again.output


def test_version_definitions_are_stored_as_json(app):
    with app.app_context():
        version = db.session.execute(
            db.select(QuestionnaireVersion).where(QuestionnaireVersion.questionnaire_id == "comptoir")
        ).scalar_one()
    assert version.definition["id"] == "comptoir" and len(version.content_hash) >= 8
