"""JSON API v1 through the test client: every row of design.md's table for issue 2.

tests/postgres/test_api.py runs this same module against PostgreSQL.
"""
from __future__ import annotations

import threading
import uuid

import pytest

from survey_app.extensions import db
from survey_app.models import Answer, Response


def body(**overrides):
    payload = {
        "submission_id": str(uuid.uuid4()),
        "questionnaire": "comptoir",
        "channel": "online",
        "language": "fr",
        "answers": {"overall": 4, "met": True, "courtesy": 5, "contact": "counter",
                    "topics": ["permit", "tax"], "wait_minutes": 12, "comment": "Merci!"},
    }
    payload.update(overrides)
    return payload


def stored_count(app) -> int:
    with app.app_context():
        return db.session.execute(db.select(db.func.count(Response.id))).scalar_one()


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_healthz_is_503_when_the_database_is_unreachable(tmp_path):
    from tests.helpers import make_app

    broken = make_app(f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}")
    response = broken.test_client().get("/healthz")
    assert response.status_code == 503 and response.headers["Retry-After"]
    assert response.get_json() == {"status": "unavailable", "reason": "the database is unreachable"}


def test_lists_published_questionnaires_only(client):
    items = client.get("/api/v1/questionnaires").get_json()
    assert [item["id"] for item in items] == ["comptoir"]
    item = items[0]
    assert set(item) == {"id", "version", "commitment", "channels"}
    assert item["commitment"]["code"] == "C-90"
    assert item["commitment"]["title"]["fr"].startswith("Vous servir")
    assert item["channels"] == ["online", "kiosk", "paper", "phone"]


def test_shows_a_definition_with_its_questions(client):
    data = client.get("/api/v1/questionnaires/comptoir").get_json()
    assert data["id"] == "comptoir" and data["version"]
    questions = {q["id"]: q for q in data["questions"]}
    assert questions["overall"]["scale"]["min"] == 1 and questions["overall"]["scale"]["max"] == 5
    assert questions["overall"]["required"] is True and questions["overall"]["options"] is None
    assert questions["contact"]["scale"] is None
    assert [o["value"] for o in questions["contact"]["options"]] == ["counter", "phone"]
    assert questions["met"]["allow_na"] is True and questions["met"]["na_label"] is None
    assert questions["overall"]["text"]["en"].startswith("Overall")


@pytest.mark.parametrize("questionnaire_id", ["cache", "nope"])
def test_unknown_or_unpublished_definition_is_404(client, questionnaire_id):
    response = client.get(f"/api/v1/questionnaires/{questionnaire_id}")
    assert response.status_code == 404
    assert "error" in response.get_json()


def test_a_valid_response_is_stored_once_with_its_answers(app, client, open_cycle):
    payload = body()
    response = client.post("/api/v1/responses", json=payload)
    assert response.status_code == 201
    data = response.get_json()
    assert data["submission_id"] == payload["submission_id"] and data["receipt"]
    with app.app_context():
        stored = db.session.execute(db.select(Response)).scalar_one()
        assert stored.channel == "online" and stored.language == "fr"
        assert stored.cycle.code == "2026"
        answers = {a.question_id: a for a in stored.answers}
        assert answers["overall"].numeric_value == 4
        assert answers["comment"].text_value == "Merci!"
        assert set(answers) == {"overall", "met", "courtesy", "contact", "topics", "wait_minutes", "comment"}
        # Anonymity: nothing that identifies the visitor is kept.
        columns = {c.name for c in Response.__table__.columns}
        assert not columns & {"ip", "ip_address", "remote_addr", "user_agent", "submitted_at"}


def test_an_identical_replay_is_stored_once_and_answers_200(app, client, open_cycle):
    payload = body()
    first = client.post("/api/v1/responses", json=payload)
    again = client.post("/api/v1/responses", json=payload)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json() == first.get_json()
    assert stored_count(app) == 1


def test_the_same_id_with_other_answers_is_a_conflict_and_the_first_is_kept(app, client, open_cycle):
    payload = body()
    client.post("/api/v1/responses", json=payload)
    changed = {**payload, "answers": {**payload["answers"], "overall": 1}}
    response = client.post("/api/v1/responses", json=changed)
    assert response.status_code == 409
    assert "submission_id" in response.get_json()["errors"]
    with app.app_context():
        kept = db.session.execute(
            db.select(Answer.numeric_value).where(Answer.question_id == "overall")
        ).scalar_one()
    assert kept == 4


def test_ten_concurrent_replays_store_one_response(app, open_cycle):
    payload = body()
    statuses: list[int] = []
    barrier = threading.Barrier(10)

    def send():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/responses", json=payload).status_code)

    threads = [threading.Thread(target=send) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200] * 9 + [201]
    assert stored_count(app) == 1


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"overall": 6}, "answers.overall"),                      # outside the scale
        ({"overall": 0}, "answers.overall"),
        ({"overall": "4"}, "answers.overall"),                    # wrong type
        ({"overall": True}, "answers.overall"),                   # a boolean is not a rating
        ({"overall": 3.5}, "answers.overall"),
        ({"overall": "na"}, "answers.overall"),                   # "na" where not allowed
        ({"overall": 4, "colour": "blue"}, "answers.colour"),     # unknown question
        ({"met": True}, "answers.overall"),                       # required answer missing
        ({"overall": 4, "met": "yes"}, "answers.met"),
        ({"overall": 4, "contact": "email"}, "answers.contact"),  # not one of the options
        ({"overall": 4, "topics": ["permit", "moon"]}, "answers.topics"),
        ({"overall": 4, "topics": "permit"}, "answers.topics"),
        ({"overall": 4, "wait_minutes": 301}, "answers.wait_minutes"),
        ({"overall": 4, "wait_minutes": "ten"}, "answers.wait_minutes"),
        ({"overall": 4, "comment": "x" * 501}, "answers.comment"),
    ],
)
def test_invalid_answers_are_rejected_naming_the_field(app, client, open_cycle, answers, field):
    response = client.post("/api/v1/responses", json=body(answers=answers))
    assert response.status_code == 422
    data = response.get_json()
    assert field in data["errors"], data
    assert data["error"]
    assert stored_count(app) == 0


def test_every_error_is_reported_at_once(client, open_cycle):
    response = client.post(
        "/api/v1/responses",
        json=body(answers={"met": "maybe", "contact": "fax"}, language="de", channel="online"),
    )
    errors = response.get_json()["errors"]
    assert {"answers.overall", "answers.met", "answers.contact", "language"} <= set(errors)


def test_an_answer_hidden_by_its_condition_is_not_stored(app, client, open_cycle):
    answers = {"overall": 2, "met": True, "why_not": "long queue"}
    assert client.post("/api/v1/responses", json=body(answers=answers)).status_code == 201
    with app.app_context():
        ids = set(db.session.execute(db.select(Answer.question_id)).scalars())
    assert ids == {"overall", "met"}


def test_na_is_accepted_where_allowed_and_stored_as_na(app, client, open_cycle):
    answers = {"overall": 3, "courtesy": "na", "met": "na"}
    assert client.post("/api/v1/responses", json=body(answers=answers)).status_code == 201
    with app.app_context():
        rows = db.session.execute(db.select(Answer).where(Answer.question_id == "courtesy")).scalars().all()
    assert len(rows) == 1 and rows[0].is_na and rows[0].numeric_value is None


def test_no_open_cycle_is_rejected(app, client):
    response = client.post("/api/v1/responses", json=body())
    assert response.status_code == 422
    assert "cycle" in response.get_json()["errors"]
    assert stored_count(app) == 0


def test_a_closed_cycle_named_explicitly_is_rejected(app, client, open_cycle, runner):
    runner.invoke(args=["cycles", "create", "2025", "--name", "Old"])
    response = client.post("/api/v1/responses", json=body(cycle="2025"))
    assert response.status_code == 422
    assert response.get_json()["errors"]["cycle"] == "cycle '2025' is not open"
    assert client.post("/api/v1/responses", json=body(cycle="nope")).status_code == 422
    assert stored_count(app) == 0


def test_an_unknown_version_is_rejected(client, open_cycle):
    response = client.post("/api/v1/responses", json=body(version="0000"))
    assert response.status_code == 422
    assert "version" in response.get_json()["errors"]


@pytest.mark.parametrize(
    "raw", [b"{not json", b"", b"[1, 2]", b'"text"'],
)
def test_malformed_bodies_are_400(app, client, open_cycle, raw):
    response = client.post("/api/v1/responses", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]
    assert stored_count(app) == 0


@pytest.mark.parametrize("submission_id", [None, "", "abc", 12, "123e4567-e89b-12d3-a456-42661417400"])
def test_a_missing_or_invalid_submission_id_is_400(client, open_cycle, submission_id):
    payload = body(submission_id=submission_id)
    response = client.post("/api/v1/responses", json=payload)
    assert response.status_code == 400
    assert "submission_id" in response.get_json()["errors"]


@pytest.mark.parametrize("questionnaire_id", ["nope", "cache"])
def test_an_unknown_questionnaire_is_404(app, client, open_cycle, questionnaire_id):
    response = client.post("/api/v1/responses", json=body(questionnaire=questionnaire_id))
    assert response.status_code == 404
    assert stored_count(app) == 0


def test_a_body_too_large_is_413(app, client, open_cycle):
    payload = body(answers={"overall": 4, "comment": "x" * (3 * 1024 * 1024)})
    response = client.post("/api/v1/responses", json=payload)
    assert response.status_code == 413
    assert "error" in response.get_json()
    assert stored_count(app) == 0


def test_paper_needs_a_staff_token(app, client, open_cycle, make_user):
    assert client.post("/api/v1/responses", json=body(channel="paper")).status_code == 401
    evaluator = make_user("eval@example.org", "evaluator")
    headers = {"Authorization": f"Bearer {evaluator}"}
    assert client.post("/api/v1/responses", json=body(channel="paper"), headers=headers).status_code == 403
    staff = make_user("staff@example.org", "staff")
    headers = {"Authorization": f"Bearer {staff}"}
    assert client.post("/api/v1/responses", json=body(channel="phone"), headers=headers).status_code == 201
    # A staff member is not a kiosk.
    assert client.post("/api/v1/responses", json=body(channel="kiosk"), headers=headers).status_code == 403
    assert stored_count(app) == 1


def test_an_invalid_token_is_refused_not_ignored(client, open_cycle):
    response = client.post("/api/v1/responses", json=body(), headers={"Authorization": "Bearer forged"})
    assert response.status_code == 401


def test_an_unknown_channel_is_422(client, open_cycle):
    response = client.post("/api/v1/responses", json=body(channel="fax"))
    assert response.status_code == 422
    assert "channel" in response.get_json()["errors"]


def test_batch_needs_credentials(client, open_cycle):
    assert client.post("/api/v1/responses/batch", json={"responses": [body()]}).status_code == 401


def test_batch_items_are_independent(app, client, open_cycle, staff_token):
    good = body(channel="paper")
    items = [good, body(answers={"overall": 9}), good, {"questionnaire": "comptoir"}, body(questionnaire="nope")]
    response = client.post(
        "/api/v1/responses/batch", json={"responses": items},
        headers={"Authorization": f"Bearer {staff_token}"},
    )
    assert response.status_code == 200
    data = response.get_json()
    assert [r["status"] for r in data["results"]] == [201, 422, 200, 400, 404]
    assert [r["index"] for r in data["results"]] == [0, 1, 2, 3, 4]
    assert "answers.overall" in data["results"][1]["errors"]
    assert data["results"][2]["receipt"] == data["results"][0]["receipt"]
    assert (data["stored"], data["failed"]) == (2, 3)
    assert stored_count(app) == 1


def test_batch_rejects_a_body_without_a_list(client, open_cycle, staff_token):
    headers = {"Authorization": f"Bearer {staff_token}"}
    assert client.post("/api/v1/responses/batch", json={"items": []}, headers=headers).status_code == 400


def test_batch_has_a_size_limit(app, client, open_cycle, staff_token):
    app.config["MAX_BATCH_SIZE"] = 3
    headers = {"Authorization": f"Bearer {staff_token}"}
    response = client.post("/api/v1/responses/batch", json={"responses": [body()] * 4}, headers=headers)
    assert response.status_code == 413
    assert stored_count(app) == 0
