"""Kiosks through the test client and the CLI runner: enrollment, tokens, heartbeat, staff PIN,
the staff pages and their roles, partial responses, and `flask responses import`.

tests/postgres/test_kiosks.py runs this same module against PostgreSQL.
"""
from __future__ import annotations

import datetime as dt
import json
import threading
import uuid
from pathlib import Path

import pytest

from survey_app.auth import hash_token
from survey_app.extensions import db
from survey_app.models import Answer, AuditEvent, Kiosk, Response, utcnow
from survey_app.services import kiosk_pins, kiosks
from survey_app.views import kiosk as kiosk_views
from tests.helpers import PASSWORD


def answers(**overrides):
    base = {"overall": 4, "met": True, "courtesy": 5, "contact": "counter",
            "topics": ["permit"], "wait_minutes": 12, "comment": "Merci"}
    base.update(overrides)
    return base


def kiosk_payload(**overrides):
    payload = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir",
               "channel": "kiosk", "language": "fr", "answers": answers()}
    payload.update(overrides)
    return payload


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def new_kiosk(app):
    """Create a kiosk; returns (kiosk id, one-time code)."""
    def make(name="Comptoir 1", site="Ahuntsic", questionnaires=("comptoir",), pin="246813", **settings):
        with app.app_context():
            kiosk, code = kiosks.create_kiosk(name, site, questionnaires,
                                              kiosks.KioskSettings(**settings), pin)
            return kiosk.id, code
    return make


@pytest.fixture
def enrolled(client, new_kiosk):
    """An enrolled kiosk: (kiosk id, device token)."""
    kiosk_id, code = new_kiosk()
    response = client.post("/api/v1/kiosks/enroll", json={"code": code})
    assert response.status_code == 201
    return kiosk_id, response.get_json()["token"]


def kiosk_row(app, kiosk_id) -> Kiosk:
    with app.app_context():
        row = db.session.get(Kiosk, kiosk_id)
        db.session.expunge(row)
        return row


def responses(app, **where):
    with app.app_context():
        query = db.select(Response).filter_by(**where).order_by(Response.id)
        rows = list(db.session.execute(query).scalars())
        for row in rows:
            db.session.expunge(row)
        return rows


def login(client, email):
    client.post("/auth/login", data={"email": email, "password": PASSWORD})


# --- enrollment ---------------------------------------------------------------------------------

def test_cli_enroll_prints_the_one_time_code_last_and_stores_only_hashes(app, runner):
    result = runner.invoke(args=["kiosks", "enroll", "Comptoir des permis", "--site", "Ahuntsic",
                                 "--questionnaire", "comptoir", "--pin", "135790"])
    assert result.exit_code == 0, result.output
    code = result.output.split()[-1]
    assert len(kiosks.normalize_code(code)) == 12
    with app.app_context():
        kiosk = db.session.execute(db.select(Kiosk)).scalar_one()
        assert kiosk.name == "Comptoir des permis" and kiosk.site == "Ahuntsic"
        assert kiosk.questionnaire_ids == ["comptoir"]
        assert kiosk.enrollment_code_hash == hash_token(kiosks.normalize_code(code))
        assert kiosk.token_hash is None
        assert kiosk.staff_pin_hash.startswith("$argon2id$") and "135790" not in kiosk.staff_pin_hash
        assert kiosk_pins.verifier_accepts(kiosk.staff_pin_verifier, "135790")
        assert not kiosk_pins.verifier_accepts(kiosk.staff_pin_verifier, "135791")


def test_cli_enroll_generates_a_pin_when_none_is_given_and_checks_its_input(app, runner):
    result = runner.invoke(args=["kiosks", "enroll", "Tablette", "--site", "Biblio"])
    assert result.exit_code == 0, result.output
    pin = next(line.rsplit(" ", 1)[1] for line in result.output.splitlines() if "PIN" in line)
    with app.app_context():
        kiosk = db.session.execute(db.select(Kiosk)).scalar_one()
        assert kiosk.questionnaire_ids == []  # every kiosk questionnaire
        assert kiosk_pins.verifier_accepts(kiosk.staff_pin_verifier, pin)
    refused = runner.invoke(args=["kiosks", "enroll", "X", "--site", "Y", "--questionnaire", "cache",
                                  "--inactivity", "2"])
    assert refused.exit_code != 0
    assert "questionnaires" in refused.output and "inactivity_timeout_s" in refused.output


def test_enroll_exchanges_the_code_once_for_a_hashed_token(app, client, new_kiosk):
    kiosk_id, code = new_kiosk()
    # Typed on a tablet: lower case, spaces instead of dashes.
    response = client.post("/api/v1/kiosks/enroll", json={"code": code.lower().replace("-", " ")})
    assert response.status_code == 201
    body = response.get_json()
    assert {"token", "kiosk", "site", "questionnaires", "settings", "pin"} <= set(body)
    assert body["kiosk"] == {"id": kiosk_id, "name": "Comptoir 1"}
    assert body["site"] == "Ahuntsic" and body["questionnaires"] == ["comptoir"]
    assert body["settings"] == {"inactivity_timeout": 90, "keep_partial": False,
                                "min_interval": 10, "thanks_seconds": 8}
    row = kiosk_row(app, kiosk_id)
    assert row.token_hash == hash_token(body["token"]) and body["token"] not in row.token_hash
    assert row.enrollment_code_hash is None and row.enrolled_at is not None

    again = client.post("/api/v1/kiosks/enroll", json={"code": code})
    assert again.status_code == 403
    assert again.get_json()["errors"] == {"code": "unknown, expired or already used"}
    assert kiosk_row(app, kiosk_id).token_hash == hash_token(body["token"])


@pytest.mark.parametrize("body, errors", [({}, {"code": "is required"}), ({"code": 42}, {"code": "must be string"}),
                                          (None, {"": "malformed JSON"})])
def test_enroll_needs_a_code(client, body, errors):
    response = client.post("/api/v1/kiosks/enroll", data=json.dumps(body) if body is not None else "nope",
                           content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["errors"] == errors


def test_an_expired_or_revoked_code_is_refused(app, client, new_kiosk):
    expired_id, expired_code = new_kiosk(name="Vieille")
    revoked_id, revoked_code = new_kiosk(name="Volée")
    with app.app_context():
        db.session.get(Kiosk, expired_id).enrollment_expires_at = utcnow() - dt.timedelta(minutes=1)
        db.session.commit()
        kiosks.revoke_kiosk(revoked_id)
    for code in (expired_code, revoked_code, "AAAA-BBBB-CCCC"):
        assert client.post("/api/v1/kiosks/enroll", json={"code": code}).status_code == 403


def test_two_tablets_racing_with_one_code_get_one_token(app, new_kiosk):
    _kiosk_id, code = new_kiosk()
    statuses = []
    barrier = threading.Barrier(4)

    def attempt():
        client = app.test_client()
        barrier.wait()
        statuses.append(client.post("/api/v1/kiosks/enroll", json={"code": code}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 403, 403, 403]


# --- the device token ---------------------------------------------------------------------------

def test_heartbeat_records_contact_backlog_and_version(app, client, enrolled):
    kiosk_id, token = enrolled
    response = client.post("/api/v1/kiosks/heartbeat", json={"backlog": 7, "app_version": "0.1.0+abc"},
                           headers=bearer(token))
    assert response.status_code == 204 and response.data == b""
    row = kiosk_row(app, kiosk_id)
    assert row.backlog == 7 and row.app_version == "0.1.0+abc"
    assert utcnow() - row.last_seen_at < dt.timedelta(minutes=1)


@pytest.mark.parametrize("body,field", [({"backlog": -1}, "backlog"), ({"backlog": "3"}, "backlog"),
                                        ({"backlog": True}, "backlog"), ({"app_version": 3}, "app_version")])
def test_heartbeat_rejects_bad_figures(client, enrolled, body, field):
    response = client.post("/api/v1/kiosks/heartbeat", json=body, headers=bearer(enrolled[1]))
    assert response.status_code == 422
    assert field in response.get_json()["errors"]


def test_kiosk_requests_need_the_kiosk_token(client, enrolled, staff_token):
    for headers in ({}, bearer("not-a-token"), bearer(staff_token)):
        assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=headers).status_code == 401
        assert client.get("/api/v1/kiosks/me", headers=headers).status_code == 401


def test_kiosk_api_needs_no_session_and_no_csrf_token(app, database_uri, new_kiosk):
    from tests.helpers import make_app

    strict = make_app(database_uri, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    _kiosk_id, code = new_kiosk()
    response = client.post("/api/v1/kiosks/enroll", json={"code": code})
    assert response.status_code == 201
    token = response.get_json()["token"]
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=bearer(token)).status_code == 204
    with strict.app_context():
        db.engine.dispose()


def test_a_revoked_token_is_refused_everywhere(app, client, enrolled, open_cycle):
    kiosk_id, token = enrolled
    assert client.post("/api/v1/responses", json=kiosk_payload(), headers=bearer(token)).status_code == 201
    with app.app_context():
        kiosks.revoke_kiosk(kiosk_id, actor="test")
    assert client.post("/api/v1/responses", json=kiosk_payload(), headers=bearer(token)).status_code == 401
    batch = client.post("/api/v1/responses/batch", json={"responses": [kiosk_payload()]}, headers=bearer(token))
    assert batch.status_code == 401
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 1}, headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/kiosks/me", headers=bearer(token)).status_code == 401
    assert client.post("/api/v1/kiosks/unlock", json={"pin": "246813"}, headers=bearer(token)).status_code == 401
    assert len(responses(app)) == 1  # what was stored before stays


def test_me_gives_settings_and_an_offline_pin_verifier_never_the_argon2_hash(app, client, new_kiosk):
    kiosk_id, code = new_kiosk(inactivity_timeout_s=30, keep_partial=True, min_interval_s=0, thanks_seconds=4)
    token = client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    body = client.get("/api/v1/kiosks/me", headers=bearer(token)).get_json()
    assert body["settings"] == {"inactivity_timeout": 30, "keep_partial": True, "min_interval": 0,
                                "thanks_seconds": 4}
    offline = body["pin"]["offline"]
    assert offline["algorithm"] == "PBKDF2-SHA256" and offline["iterations"] == app.config["KIOSK_PIN_ITERATIONS"]
    assert kiosk_pins.verifier_accepts(offline, "246813")
    assert "argon2" not in json.dumps(body)
    assert kiosk_row(app, kiosk_id).last_seen_at is not None


def test_unlock_checks_the_staff_pin_and_audits_each_attempt(app, client, enrolled):
    kiosk_id, token = enrolled
    assert client.post("/api/v1/kiosks/unlock", json={"pin": "000000"}, headers=bearer(token)).status_code == 403
    assert client.post("/api/v1/kiosks/unlock", json={"pin": "246813"}, headers=bearer(token)).status_code == 204
    assert client.post("/api/v1/kiosks/unlock", json={}, headers=bearer(token)).status_code == 400
    with app.app_context():
        actions = [e.action for e in db.session.execute(
            db.select(AuditEvent).where(AuditEvent.actor == f"kiosk:{kiosk_id}").order_by(AuditEvent.id)).scalars()]
    assert actions == ["kiosk_enrolled", "kiosk_pin_failed", "kiosk_unlocked"]


def test_kiosk_responses_carry_the_kiosk_site_and_stay_within_its_questionnaires(app, client, new_kiosk, open_cycle):
    _id, code = new_kiosk(questionnaires=())  # every kiosk questionnaire
    token = client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    result = client.post("/api/v1/responses/batch", headers=bearer(token),
                         json={"responses": [kiosk_payload(), kiosk_payload(channel="paper")]}).get_json()
    assert [r["status"] for r in result["results"]] == [201, 403]
    (row,) = responses(app)
    assert row.channel == "kiosk" and row.site == "Ahuntsic" and row.partial is False


def test_a_kept_partial_response_skips_only_the_required_rule(app, client, enrolled, open_cycle):
    token = enrolled[1]
    partial = kiosk_payload(answers={"met": False, "courtesy": 2}, partial=True)
    assert client.post("/api/v1/responses", json=partial, headers=bearer(token)).status_code == 201
    # The same answers without the flag miss the required question.
    incomplete = kiosk_payload(answers={"met": False, "courtesy": 2})
    response = client.post("/api/v1/responses", json=incomplete, headers=bearer(token))
    assert response.status_code == 422 and "answers.overall" in response.get_json()["errors"]
    # Invalid answers are still refused, and only kiosks send partial responses.
    bad = kiosk_payload(answers={"courtesy": 9}, partial=True)
    assert client.post("/api/v1/responses", json=bad, headers=bearer(token)).status_code == 422
    online = kiosk_payload(channel="online", answers={"courtesy": 2}, partial=True)
    response = client.post("/api/v1/responses", json=online)
    assert response.status_code == 422 and "partial" in response.get_json()["errors"]
    assert client.post("/api/v1/responses", json=kiosk_payload(partial="yes"), headers=bearer(token)).status_code == 422
    # A replay is recognised; the same id claiming to be complete is a conflict.
    assert client.post("/api/v1/responses", json=partial, headers=bearer(token)).status_code == 200
    assert client.post("/api/v1/responses", json={**partial, "partial": False}, headers=bearer(token)).status_code == 409
    (row,) = responses(app)
    assert row.partial is True
    with app.app_context():
        stored = {a.question_id for a in db.session.execute(
            db.select(Answer).where(Answer.response_id == row.id)).scalars()}
    assert stored == {"met", "courtesy"}


def test_the_questionnaire_definition_tells_a_client_everything_it_checks(client):
    data = client.get("/api/v1/questionnaires/comptoir").get_json()
    questions = {q["id"]: q for q in data["questions"]}
    assert data["intro"]["en"] == "A few questions about your visit."
    assert questions["why_not"]["show_if"] == {"question": "met", "equals": False}
    assert (questions["wait_minutes"]["min"], questions["wait_minutes"]["max"]) == (0, 300)
    assert questions["comment"]["max_length"] == 500


# --- the kiosk page -------------------------------------------------------------------------------

def test_the_kiosk_page_carries_both_languages_and_offers_no_way_out(app, client):
    response = client.get("/kiosk/")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-cache"
    page = response.get_data(as_text=True)
    assert "<a " not in page  # no link to follow out of kiosk mode
    start = page.index('id="kiosk-strings">') + len('id="kiosk-strings">')
    strings = json.loads(page[start:page.index("</script>", start)])
    assert strings["fr"]["start"] == "Commencer" and strings["en"]["start"] == "Start"
    assert strings["fr"]["language_name"] == "Français" and strings["en"]["language_name"] == "English"
    assert set(strings["fr"]) == set(strings["en"])
    start = page.index('id="kiosk-settings">') + len('id="kiosk-settings">')
    settings = json.loads(page[start:page.index("</script>", start)])
    assert settings["urls"]["batch"] == "/api/v1/responses/batch"
    assert settings["urls"]["sw"] == "/kiosk/sw.js"
    assert client.get("/kiosk").status_code in (301, 308)


def test_the_service_worker_is_served_from_the_kiosk_scope_and_lists_existing_files(client):
    response = client.get("/kiosk/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    source = response.get_data(as_text=True)
    # Every module the page may import is cached for offline use (the offline reload test in
    # tests/browser/test_kiosk.py loads them all from the cache).
    static = Path(kiosk_views.KIOSK_STATIC)
    modules = sorted(p.relative_to(static).as_posix() for p in static.rglob("*.js") if p.name != "sw.js")
    assert {"app.js", "rules.js", "screens/question.js"} <= set(modules)
    for path in [f"../static/kiosk/{m}" for m in modules] + ["../static/kiosk/kiosk.css", "../static/kiosk/icon.svg"]:
        assert f'"{path}"' in source
        with client.get(path.replace("../", "/")) as asset:
            assert asset.status_code == 200
    manifest = client.get("/kiosk/manifest.webmanifest")
    assert manifest.status_code == 200 and manifest.get_json()["display"] == "fullscreen"


# --- staff pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("role,status", [("admin", 200), ("staff", 200), ("evaluator", 403)])
def test_kiosk_pages_are_for_admin_and_staff(client, make_user, role, status):
    make_user(f"{role}@example.org", role)
    login(client, f"{role}@example.org")
    assert client.get("/admin/kiosks/").status_code == status
    assert client.get("/admin/kiosks/new").status_code == status


def test_anonymous_visitors_are_sent_to_sign_in(client, new_kiosk):
    kiosk_id, _code = new_kiosk()
    for method, path in (("get", "/admin/kiosks/"), ("get", "/admin/kiosks/new"),
                         ("post", f"/admin/kiosks/{kiosk_id}/revoke"), ("post", f"/admin/kiosks/{kiosk_id}/code")):
        response = getattr(client, method)(path)
        assert response.status_code == 302 and "/auth/login" in response.location


def test_staff_create_a_kiosk_and_see_its_code_once(app, client, make_user):
    make_user("staff@example.org", "staff")
    login(client, "staff@example.org")
    response = client.post("/admin/kiosks/new", data={
        "name": "Comptoir 2", "site": "Rosemont", "questionnaires": ["comptoir"],
        "inactivity_timeout": "45", "keep_partial": "keep", "min_interval": "3",
        "thanks_seconds": "5", "pin": "975310", "pin_confirm": "975310",
    })
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    code = page.split('id="enrollment-code">')[1].split("<")[0]
    with app.app_context():
        kiosk = db.session.execute(db.select(Kiosk)).scalar_one()
        assert (kiosk.site, kiosk.inactivity_timeout_s, kiosk.keep_partial, kiosk.min_interval_s,
                kiosk.thanks_seconds) == ("Rosemont", 45, True, 3, 5)
        assert code not in json.dumps(kiosk.staff_pin_verifier) and kiosk.enrollment_code_hash != code
        events = [e.action for e in db.session.execute(db.select(AuditEvent)).scalars() if e.action.startswith("kiosk")]
        assert events == ["kiosk_created"]
    assert client.post("/api/v1/kiosks/enroll", json={"code": code}).status_code == 201
    listing = client.get("/admin/kiosks/").get_data(as_text=True)
    assert "Rosemont" in listing and "Comptoir 2" in listing and code not in listing


@pytest.mark.parametrize("change,field", [
    ({"pin": "12"}, "pin"), ({"pin": "24681", "pin_confirm": "24681"}, "pin"), ({"pin_confirm": "975311"}, "pin_confirm"), ({"pin": "", "pin_confirm": ""}, "pin"),
    ({"inactivity_timeout": "2"}, "inactivity_timeout"), ({"min_interval": "-1"}, "min_interval"),
    ({"name": ""}, "name"), ({"questionnaires": ["cache"]}, "questionnaires"),
])
def test_the_kiosk_form_reports_errors_and_saves_nothing(app, client, make_user, change, field):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    data = {"name": "Comptoir", "site": "Rosemont", "inactivity_timeout": "45", "keep_partial": "discard",
            "min_interval": "3", "thanks_seconds": "5", "pin": "975310", "pin_confirm": "975310", **change}
    response = client.post("/admin/kiosks/new", data=data)
    assert response.status_code == 422
    assert f'href="#{field}"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Kiosk.id))).scalar_one() == 0


def test_staff_change_settings_and_keep_the_pin_when_left_empty(app, client, make_user, enrolled):
    kiosk_id, token = enrolled
    make_user("staff@example.org", "staff")
    login(client, "staff@example.org")
    assert client.get(f"/admin/kiosks/{kiosk_id}").status_code == 200
    response = client.post(f"/admin/kiosks/{kiosk_id}", data={
        "name": "Comptoir 1", "site": "Ahuntsic", "questionnaires": [], "inactivity_timeout": "20",
        "keep_partial": "keep", "min_interval": "0", "thanks_seconds": "3", "pin": "", "pin_confirm": ""})
    assert response.status_code == 302
    settings = client.get("/api/v1/kiosks/me", headers=bearer(token)).get_json()
    assert settings["settings"] == {"inactivity_timeout": 20, "keep_partial": True, "min_interval": 0,
                                    "thanks_seconds": 3}
    assert kiosk_pins.verifier_accepts(settings["pin"]["offline"], "246813")
    assert client.get("/admin/kiosks/999").status_code == 404


def test_staff_revoke_a_kiosk_from_the_page(app, client, make_user, enrolled):
    kiosk_id, token = enrolled
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    response = client.post(f"/admin/kiosks/{kiosk_id}/revoke")
    assert response.status_code == 302
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=bearer(token)).status_code == 401
    listing = client.get("/admin/kiosks/").get_data(as_text=True)
    assert f'data-kiosk="{kiosk_id}" data-state="revoked"' in listing


def test_a_new_code_replaces_the_tablet_once_it_is_used(app, client, make_user, enrolled):
    kiosk_id, old_token = enrolled
    make_user("staff@example.org", "staff")
    login(client, "staff@example.org")
    page = client.post(f"/admin/kiosks/{kiosk_id}/code").get_data(as_text=True)
    code = page.split('id="enrollment-code">')[1].split("<")[0]
    # Until the new tablet enrolls, the old one keeps working.
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=bearer(old_token)).status_code == 204
    new_token = client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=bearer(old_token)).status_code == 401
    assert client.post("/api/v1/kiosks/heartbeat", json={"backlog": 0}, headers=bearer(new_token)).status_code == 204


def test_the_health_page_lists_kiosks_by_site_and_flags_silent_ones(app, client, make_user, new_kiosk):
    ids = {}
    for name, site in (("Permis 1", "Ahuntsic"), ("Accueil", "Verdun"), ("Permis 2", "Ahuntsic"), ("Neuve", "Verdun")):
        kiosk_id, code = new_kiosk(name=name, site=site)
        ids[name] = kiosk_id
        if name != "Neuve":
            token = client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
            client.post("/api/v1/kiosks/heartbeat", json={"backlog": 12 if name == "Permis 2" else 0},
                        headers=bearer(token))
    with app.app_context():
        db.session.get(Kiosk, ids["Permis 2"]).last_seen_at = utcnow() - dt.timedelta(hours=3)
        db.session.commit()
    make_user("staff@example.org", "staff")
    login(client, "staff@example.org")
    page = client.get("/admin/kiosks/").get_data(as_text=True)
    assert page.index("Ahuntsic") < page.index("Permis 1") < page.index("Permis 2") < page.index("Verdun")
    silent_row = page.split(f'data-kiosk="{ids["Permis 2"]}"')[1].split("</tr>")[0]
    assert 'data-silent="true"' in silent_row and "Silencieuse" in silent_row
    assert '<td class="number">12</td>' in silent_row
    fresh_row = page.split(f'data-kiosk="{ids["Permis 1"]}"')[1].split("</tr>")[0]
    assert "data-silent" not in fresh_row and "En contact" in fresh_row
    awaiting = page.split(f'data-kiosk="{ids["Neuve"]}"')[1].split("</tr>")[0]
    assert 'data-state="awaiting"' in awaiting and "data-silent" not in awaiting


def test_cli_lists_and_revokes_kiosks(app, runner, enrolled):
    kiosk_id, _token = enrolled
    listing = runner.invoke(args=["kiosks", "list"])
    assert listing.exit_code == 0 and "Ahuntsic" in listing.output and "active" in listing.output
    assert runner.invoke(args=["kiosks", "revoke", str(kiosk_id)]).exit_code == 0
    assert "revoked" in runner.invoke(args=["kiosks", "list"]).output
    assert runner.invoke(args=["kiosks", "revoke", "999"]).exit_code != 0


# --- `flask responses import` -------------------------------------------------------------------

def queue_file(tmp_path, kiosk_id, items, name="queue.json"):
    path = tmp_path / name
    path.write_text(json.dumps({
        "format": "servir-kiosk-queue", "version": 1,
        "kiosk": {"id": kiosk_id, "name": "Comptoir 1", "site": "Ahuntsic"},
        "exported_at": "2026-11-28T12:00:00Z", "responses": items, "rejected": [],
    }))
    return path


def test_a_saved_kiosk_queue_imports_once_whatever_the_route(app, client, runner, tmp_path, enrolled, open_cycle):
    kiosk_id, token = enrolled
    items = [kiosk_payload() for _ in range(3)] + [kiosk_payload(answers={"courtesy": 1}, partial=True)]
    # The tablet managed to send the first one before it broke.
    assert client.post("/api/v1/responses", json=items[0], headers=bearer(token)).status_code == 201
    path = queue_file(tmp_path, kiosk_id, items)
    with app.app_context():
        kiosks.revoke_kiosk(kiosk_id)  # the broken tablet was revoked: its file still counts
    result = runner.invoke(args=["responses", "import", str(path), "--questionnaire", "comptoir",
                                 "--cycle", open_cycle, "--channel", "paper", "--lang", "en"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[-1] == "3 stored, 1 already present, 0 rejected"
    assert "--channel paper ignored" in result.output
    again = runner.invoke(args=["responses", "import", str(path)])  # French by default, as a CSV's
    assert again.output.splitlines()[-1] == "0 enregistrées, 4 déjà présentes, 0 rejetées"
    rows = responses(app)
    assert len(rows) == 4
    assert {r.submission_id for r in rows} == {i["submission_id"] for i in items}
    assert {(r.channel, r.site) for r in rows} == {("kiosk", "Ahuntsic")}
    assert [r.partial for r in rows].count(True) == 1


def test_the_batch_endpoint_accepts_a_saved_queue_file_as_it_is(app, client, tmp_path, enrolled, open_cycle):
    kiosk_id, token = enrolled
    path = queue_file(tmp_path, kiosk_id, [kiosk_payload(), kiosk_payload()])
    sent = client.post("/api/v1/responses/batch", data=path.read_bytes(), headers=bearer(token),
                       content_type="application/json")
    assert sent.status_code == 200 and sent.get_json()["stored"] == 2
    replay = client.post("/api/v1/responses/batch", data=path.read_bytes(), headers=bearer(token),
                         content_type="application/json")
    assert [r["status"] for r in replay.get_json()["results"]] == [200, 200]
    assert len(responses(app)) == 2


def test_a_queue_file_is_checked_before_anything_is_stored(app, runner, tmp_path, enrolled, open_cycle):
    kiosk_id, _token = enrolled
    unknown = queue_file(tmp_path, 999, [kiosk_payload()], "unknown.json")
    result = runner.invoke(args=["responses", "import", str(unknown), "--lang", "en"])
    assert result.exit_code == 1 and "unknown.json: the file’s kiosk (999) is not known here" in result.output
    assert result.output.splitlines()[-1] == "nothing imported (1 problem(s))"
    french = runner.invoke(args=["responses", "import", str(unknown)])
    assert "unknown.json: le kiosque du fichier (999) n’est pas connu ici" in french.output
    wrong_cycle = queue_file(tmp_path, kiosk_id, [kiosk_payload()], "cycle.json")
    result = runner.invoke(args=["responses", "import", str(wrong_cycle), "--cycle", "1999", "--lang", "en"])
    assert result.exit_code == 1 and "go to the open cycle (2026), not 1999" in result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"responses": [')
    result = runner.invoke(args=["responses", "import", str(broken)])
    assert result.exit_code == 1 and "pas un fichier de file d’attente de kiosque" in result.output
    mixed = queue_file(tmp_path, kiosk_id, [kiosk_payload(), kiosk_payload(answers={"overall": 42})], "mixed.json")
    result = runner.invoke(args=["responses", "import", str(mixed), "--lang", "en"])
    assert result.exit_code == 1 and "response 2: 422" in result.output
    assert result.output.splitlines()[-1] == "1 stored, 0 already present, 1 rejected"
    assert len(responses(app)) == 1


CSV_TEXT = (
    "sheet,submission_id,overall,met,courtesy,contact,topics,wait_minutes,why_not,comment,language\n"
    "1,,5,oui,na,counter,permit|tax,\"12,5\",,Très bien,fr\n"
    "2,,2,no,1,phone,other,45,Trop de monde,,en\n"
    ",8d7f6c1e-3b2a-4c5d-9e8f-7a6b5c4d3e2f,4,,,,,,,,\n"
)


def test_a_csv_of_paper_responses_imports_once(app, runner, tmp_path, open_cycle):
    path = tmp_path / "papier.csv"
    path.write_text(CSV_TEXT, encoding="utf-8")
    args = ["responses", "import", str(path), "--questionnaire", "comptoir", "--cycle", open_cycle,
            "--channel", "paper", "--lang", "en"]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert "3 stored, 0 already present" in result.output
    assert "0 stored, 3 already present" in runner.invoke(args=args).output
    rows = responses(app)
    assert [r.channel for r in rows] == ["paper"] * 3 and [r.language for r in rows] == ["fr", "en", "fr"]
    assert rows[2].submission_id == "8d7f6c1e-3b2a-4c5d-9e8f-7a6b5c4d3e2f"
    with app.app_context():
        first = {a.question_id: a for a in db.session.execute(
            db.select(Answer).where(Answer.response_id == rows[0].id)).scalars()}
    assert first["met"].numeric_value == 1.0 and first["courtesy"].is_na
    assert first["topics"].text_value == "permit|tax" and first["wait_minutes"].numeric_value == 12.5


def test_a_csv_in_the_export_layout_imports_as_phone_responses(app, runner, tmp_path, open_cycle):
    path = tmp_path / "export.csv"
    path.write_text(
        "sheet;response;cycle;channel;language;site;month;version;overall;topics__permit;topics__tax;topics__other\n"
        "1;1;2025;phone;fr;suppressed;2025-10;abc;3;1;0;1\n", encoding="utf-8")
    result = runner.invoke(args=["responses", "import", str(path), "--questionnaire", "comptoir",
                                 "--cycle", open_cycle, "--channel", "phone"])
    assert result.exit_code == 0, result.output
    (row,) = responses(app)
    assert row.channel == "phone" and row.site is None
    with app.app_context():
        topics = db.session.execute(db.select(Answer).where(
            Answer.response_id == row.id, Answer.question_id == "topics")).scalar_one()
    assert topics.text_value == "permit|other"


def test_an_invalid_csv_stores_nothing_and_lists_every_problem(app, runner, tmp_path, open_cycle):
    path = tmp_path / "papier.csv"
    path.write_text("sheet,overall,met,shoe_size\n1,9,peut-être,42\n", encoding="utf-8")
    args = ["responses", "import", str(path), "--questionnaire", "comptoir", "--cycle", open_cycle, "--lang", "en"]
    result = runner.invoke(args=args)
    assert result.exit_code != 0 and "unknown column 'shoe_size'" in result.output
    path.write_text("sheet,overall,met\n1,9,peut-être\n2,,oui\n3,3,non\n", encoding="utf-8")
    result = runner.invoke(args=args)
    assert result.exit_code != 0
    assert "line 2, column overall" in result.output and "line 2, column met" in result.output
    assert "line 3, column overall" in result.output
    assert responses(app) == []
    for extra, message in ((["--channel", "kiosk"], "the channel must be paper or phone"),
                           (["--questionnaire", "nope"], "unknown or unpublished questionnaire")):
        result = runner.invoke(args=args + extra)  # the last option given wins
        assert result.exit_code != 0 and message in result.output
    assert "needs --questionnaire and --cycle" in runner.invoke(
        args=["responses", "import", str(path), "--lang", "en"]).output
