"""Rate limits beyond sign-in: anonymous submissions per client (the form and the API count
together), every bearer token per token; 429 with Retry-After; limiter keys are HMACs, so no
address or token is kept in clear; SERVIR_RATELIMIT_ENABLED=false switches them off.
"""
from __future__ import annotations

import uuid

from survey_app.services import cycles, kiosks
from tests.app.test_survey import form_data
from tests.helpers import make_app


def body(**overrides):
    return {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "answers": {"overall": 4, "met": True},
            **overrides}


def limited_app(database_uri, **limits):
    app = make_app(database_uri, RATELIMIT_ENABLED=True, **limits)
    with app.app_context():
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")
    return app


def test_anonymous_submissions_are_limited_per_client_across_form_and_api(database_uri, app):
    limited = limited_app(database_uri, SUBMISSION_LIMIT_PER_CLIENT="3 per minute")
    client = limited.test_client()
    assert client.post("/api/v1/responses", json=body()).status_code == 201
    page = client.get("/q/comptoir").get_data(as_text=True)
    assert client.post("/q/comptoir", data=form_data(page, overall="5")).status_code == 302
    assert client.post("/api/v1/responses", json=body()).status_code == 201
    refused = client.post("/api/v1/responses", json=body())
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert refused.get_json()["error"]
    form = client.post("/q/comptoir", data=form_data(page, overall="5"))
    assert form.status_code == 429 and "Trop de tentatives" in form.get_data(as_text=True)
    other = limited.test_client()
    assert other.post("/api/v1/responses", json=body(), environ_base={"REMOTE_ADDR": "198.51.100.7"}).status_code == 201
    assert client.get("/q/comptoir").status_code == 200  # reading the form is not limited


def test_each_bearer_token_is_limited_on_its_own(database_uri, app):
    limited = limited_app(database_uri, TOKEN_LIMIT="3 per minute")
    client = limited.test_client()
    tokens = []
    with limited.app_context():
        for name in ("Comptoir 1", "Comptoir 2"):
            _kiosk, code = kiosks.create_kiosk(name, "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
            tokens.append(client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"])
    first = {"Authorization": f"Bearer {tokens[0]}"}
    assert client.get("/api/v1/kiosks/me", headers=first).status_code == 200
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=first).status_code == 204
    assert client.post("/api/v1/responses/batch", json={"responses": []}, headers=first).status_code == 200
    refused = client.post("/api/v1/kiosks/unlock", json={"pin": "0000"}, headers=first)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert client.get("/api/v1/kiosks/me", headers={"Authorization": f"Bearer {tokens[1]}"}).status_code == 200
    assert client.get("/api/v1/questionnaires").status_code == 200  # no token: not counted here
    keys = " ".join(map(str, _stored_keys(limited)))
    assert tokens[0] not in keys and "127.0.0.1" not in keys and "token:" in keys


def _stored_keys(app):
    storage = app.extensions["servir_limiter"].storage
    return list(getattr(storage, "events", {})) + list(getattr(storage, "storage", {}))


def test_no_limit_when_rate_limiting_is_switched_off(client, open_cycle):
    for _ in range(40):
        assert client.post("/api/v1/responses", json=body()).status_code == 201
