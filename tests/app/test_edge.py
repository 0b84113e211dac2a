"""The edge (survey_app/edge.py) and the contract (survey_app/contract.py): what a hostile or
clumsy client sends is refused with a 400, 413 or 422 naming the limit or the field, nothing
stored, never a 500. tests/postgres/test_edge.py runs this module against PostgreSQL, where a
NUL character used to reach the driver and answer 500.
"""
from __future__ import annotations

import json
import uuid

import pytest

from survey_app import contract
from survey_app.extensions import db
from survey_app.models import Answer, Kiosk, Response
from survey_app.services import kiosks

POST_ENDPOINTS = ["/api/v1/responses", "/api/v1/responses/batch", "/api/v1/kiosks/enroll",
                  "/api/v1/kiosks/heartbeat", "/api/v1/kiosks/unlock"]


def body(**overrides):
    payload = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
               "language": "fr", "answers": {"overall": 4, "met": True}}
    payload.update(overrides)
    return payload


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.execute(db.select(db.func.count(Response.id))).scalar_one(),
                db.session.execute(db.select(db.func.count(Answer.id))).scalar_one())


@pytest.fixture
def kiosk_token(app, client):
    with app.app_context():
        _kiosk, code = kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
    return client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]


def post(client, path, data, token=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post(path, data=data, content_type="application/json", headers=headers)


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_deep_nesting_is_refused_before_parsing_on_every_endpoint(client, kiosk_token, path):
    for hostile in ("[" * 100_000, '{"code": ' + "[" * 5000 + "]" * 5000 + "}", '{"a":' * 3000):
        response = post(client, path, hostile, kiosk_token)
        assert response.status_code == 400
        assert "32 levels" in response.get_json()["error"]


def test_nesting_within_the_limit_is_parsed(client, open_cycle):
    nested = json.dumps(body(answers={"comment": [[[["x"]]]]}))
    response = post(client, "/api/v1/responses", nested)
    assert response.status_code == 422 and "answers.comment" in response.get_json()["errors"]


def test_brackets_inside_strings_do_not_count_as_nesting(client, open_cycle):
    response = post(client, "/api/v1/responses", json.dumps(body(answers={"overall": 4, "met": True,
                                                                         "comment": "[{" * 100})))
    assert response.status_code == 201


@pytest.mark.parametrize("path", POST_ENDPOINTS)
def test_a_body_over_the_size_limit_is_413_naming_the_limit(app, client, kiosk_token, path):
    limit = app.config["MAX_CONTENT_LENGTH"]
    response = post(client, path, '{"x": "' + "a" * limit + '"}', kiosk_token)
    assert response.status_code == 413
    assert str(limit) in response.get_json()["error"]


@pytest.mark.parametrize("text", ["nope", "", "NaN", '{"backlog": Infinity}', "1e999", "9" * 5000, b"\xff\xfe"])
def test_malformed_json_is_400(client, kiosk_token, text):
    response = post(client, "/api/v1/kiosks/heartbeat", text, kiosk_token)
    assert response.status_code == 400 and response.get_json()["errors"]


@pytest.mark.parametrize("field, value", [("questionnaire", "x\u0000"), ("language", "fr\u0000"),
                                          ("answers", {"comment\u0000": "x"}), ("answers", {"comment": "a\u0000b"}),
                                          ("answers", {"comment": "\ud800"}), ("cycle", "\udfff")])
def test_nul_and_lone_surrogates_are_refused_in_json(app, client, open_cycle, field, value):
    response = post(client, "/api/v1/responses", json.dumps(body(**{field: value})))
    assert response.status_code == 400
    assert "character" in response.get_json()["error"]
    assert counts(app) == (0, 0)


def test_nul_is_refused_in_heartbeats(app, client, kiosk_token):
    assert post(client, "/api/v1/kiosks/heartbeat", json.dumps({"backlog": 1, "app_version": "1\u0000"}),
                kiosk_token).status_code == 400
    with app.app_context():
        assert db.session.execute(db.select(Kiosk.app_version)).scalar_one() is None


def test_in_a_batch_an_item_holding_nul_is_refused_alone_so_the_queue_moves_on(app, client, kiosk_token, open_cycle):
    items = [body(channel="kiosk"), body(channel="kiosk", answers={"overall": 4, "met": True, "comment": "a\u0000"}),
             body(channel="kiosk")]
    response = post(client, "/api/v1/responses/batch", json.dumps({"responses": items}), kiosk_token)
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201, 400, 201]
    assert results[1]["errors"] == {"answers.comment": "holds a refused character (NUL or an unpaired surrogate)"}
    assert results[1]["submission_id"] == items[1]["submission_id"]
    assert counts(app) == (2, 4)
    outside = json.dumps({"responses": [body(channel="kiosk")], "note\u0000": 1})
    assert post(client, "/api/v1/responses/batch", outside, kiosk_token).status_code == 400


@pytest.mark.parametrize("path", ["/q/%00", "/q/comptoir%00", "/api/v1/questionnaires/%00", "/results/%00",
                                  "/results/?site=%00", "/api/v1/results/comptoir?site=%00",
                                  "/api/v1/questionnaires?x%00=1"])
def test_nul_is_refused_in_paths_and_query_strings(client, path):
    assert client.get(path).status_code == 400


def test_nul_is_refused_in_a_form_body_and_nothing_is_stored(app, client, open_cycle):
    page = client.get("/q/comptoir").get_data(as_text=True)
    hidden = page.split('name="submission_id"')[1].split('value="')[1].split('"')[0]
    response = client.post("/q/comptoir", data={"submission_id": hidden, "q_overall": "4", "q_comment": "a\x00b"})
    assert response.status_code == 400
    assert "contient un caractère qui ne peut pas être enregistré" in response.get_data(as_text=True)
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("extra", [{"q_comment": "fine", "q_wait_minutes": "3", "zz": "a\x00"},
                                   {"q_comment": "fine", "bad\x00name": "x"}])
def test_nul_is_refused_in_any_field_of_a_form_even_the_last_or_a_name(app, client, open_cycle, extra):
    page = client.get("/q/comptoir").get_data(as_text=True)
    hidden = page.split('name="submission_id"')[1].split('value="')[1].split('"')[0]
    response = client.post("/q/comptoir", data={"submission_id": hidden, "q_overall": "4", **extra})
    assert response.status_code == 400
    assert counts(app) == (0, 0)


@pytest.mark.parametrize("answers, field", [({"overall": 4, "met": True, "wait_minutes": 10**300}, "answers.wait_minutes"),
                                            ({"overall": 4, "met": True, "comment": "x" * 30000}, "answers.comment"),
                                            ({"overall": {"deep": 1}, "met": True}, "answers.overall")])
def test_answers_outside_the_schema_are_422_naming_the_field(app, client, open_cycle, answers, field):
    response = post(client, "/api/v1/responses", json.dumps(body(answers=answers)))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert counts(app) == (0, 0)


def test_envelope_errors_are_400_and_field_errors_422(client, kiosk_token):
    assert post(client, "/api/v1/responses", json.dumps(body(submission_id=7))).status_code == 400
    assert post(client, "/api/v1/responses", "[1, 2]").status_code == 400
    response = post(client, "/api/v1/kiosks/heartbeat", json.dumps({"backlog": -1}), kiosk_token)
    assert response.status_code == 422 and response.get_json()["errors"] == {"backlog": "must be at least 0"}
    response = post(client, "/api/v1/responses/batch", json.dumps({"responses": "all"}), kiosk_token)
    assert response.status_code == 400 and response.get_json()["errors"] == {"responses": "must be array"}


def test_the_openapi_document_is_built_from_the_schemas_the_endpoints_check(client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    schemas = document["components"]["schemas"]
    for name, checked in contract.BODIES.items():
        assert schemas[name] == checked.schema
    posts = {path for path, item in document["paths"].items() if "post" in item}
    assert posts == set(POST_ENDPOINTS)
    for path in posts:
        ref = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert ref.split("/")[-1] in schemas
        assert {"400", "413", "503"} <= set(document["paths"][path]["post"]["responses"])
