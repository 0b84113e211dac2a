"""The kiosk's staff PIN (issue 15): the lockout counted in the database with a growing delay,
its audit rows, the staff's warning, the 6-digit rule on the form and the command, the rule
and offline verifier served to the tablet, and kiosks whose PIN predates the rule.

Time is driven by a settable clock (``kiosk_pins.utcnow`` replaced), never by sleeping.
"""
from __future__ import annotations

import datetime as dt
import json
import threading

import pytest

from survey_app.extensions import db
from survey_app.models import AuditEvent, Kiosk
from survey_app.services import kiosk_pins, kiosks, users
from tests.helpers import PASSWORD, make_app

PIN = "246813"
URL = "/api/v1/kiosks/unlock"


class Clock:
    def __init__(self):
        self.now = dt.datetime(2026, 12, 1, 9, 0, 0)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(kiosk_pins, "utcnow", clock)
    return clock


@pytest.fixture
def tablet(app, client):
    """An enrolled kiosk: (kiosk id, headers carrying its device token)."""
    with app.app_context():
        kiosk, code = kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ["comptoir"], kiosks.KioskSettings(), PIN)
        kiosk_id = kiosk.id
    token = client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]
    return kiosk_id, {"Authorization": f"Bearer {token}"}


def unlock(client, headers, pin):
    return client.post(URL, json={"pin": pin}, headers=headers)


def audit_rows(app, kiosk_id):
    with app.app_context():
        rows = db.session.execute(db.select(AuditEvent).where(AuditEvent.actor == f"kiosk:{kiosk_id}")
                                  .order_by(AuditEvent.id)).scalars()
        return [(row.action, row.detail) for row in rows]


def staff_sign_in(app, client, role="staff"):
    with app.app_context():
        users.create_user(f"{role}@example.org", PASSWORD, role)
    client.post("/auth/login", data={"email": f"{role}@example.org", "password": PASSWORD})
    client.get("/admin/kiosks/?lang=en")  # the language is remembered in the session


def test_wrong_pins_lock_the_kiosk_for_a_doubling_while_that_always_ends(app, client, tablet, clock):
    _id, headers = tablet
    for _ in range(4):
        assert unlock(client, headers, "000000").status_code == 403
    assert unlock(client, headers, "000001").status_code == 403  # the fifth: locked 1 min
    refused = unlock(client, headers, PIN)  # not even checked while locked
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.get_json()["retry_after"] == 60
    clock.advance(seconds=30)
    assert unlock(client, headers, PIN).headers["Retry-After"] == "30"
    clock.advance(seconds=31)
    assert unlock(client, headers, "000002").status_code == 403  # the sixth: 2 min
    assert unlock(client, headers, PIN).headers["Retry-After"] == "120"
    waits = []
    for _ in range(8):  # 4, 8, 16, 32, then capped at 60 minutes
        clock.advance(hours=1, seconds=1)
        assert unlock(client, headers, "000003").status_code == 403
        waits.append(int(unlock(client, headers, PIN).headers["Retry-After"]))
    assert waits == [240, 480, 960, 1920, 3600, 3600, 3600, 3600]
    clock.advance(minutes=60, seconds=1)
    assert unlock(client, headers, PIN).status_code == 204  # never permanent
    assert unlock(client, headers, "000004").status_code == 403  # and the count started again
    assert unlock(client, headers, PIN).status_code == 204


def test_the_count_lives_in_the_database_so_every_worker_sees_the_lockout(app, client, tablet, clock, database_uri):
    _id, headers = tablet
    for _ in range(5):
        unlock(client, headers, "999999")
    other = make_app(database_uri)
    assert unlock(other.test_client(), headers, PIN).status_code == 429
    with other.app_context():
        db.engine.dispose()


def test_parallel_guesses_cannot_slip_past_the_lockout(app, tablet, clock):
    kiosk_id, headers = tablet
    statuses = []
    barrier = threading.Barrier(8)

    def guess(n):
        client = app.test_client()
        barrier.wait()
        statuses.append(unlock(client, headers, f"80000{n}").status_code)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [403] * 5 + [429] * 3  # each guess counted before it is checked
    with app.app_context():
        assert db.session.get(Kiosk, kiosk_id).pin_failures == 5


def test_wrong_pins_and_lockouts_are_audited_without_the_pin(app, client, tablet, clock):
    kiosk_id, headers = tablet
    for n in range(5):
        unlock(client, headers, f"11111{n}")
    unlock(client, headers, PIN)  # refused while locked: not checked, not a guess
    clock.advance(minutes=2)
    unlock(client, headers, PIN)
    rows = audit_rows(app, kiosk_id)
    actions = [action for action, _detail in rows]
    assert actions == ["kiosk_enrolled"] + ["kiosk_pin_failed"] * 5 + ["kiosk_pin_locked", "kiosk_unlocked"]
    failed = [detail for action, detail in rows if action == "kiosk_pin_failed"]
    assert [d["failures"] for d in failed] == [1, 2, 3, 4, 5]
    locked = dict(rows[6][1])
    assert locked["minutes"] == 1 and locked["until"] == "2026-12-01T09:01:00Z" and locked["failures"] == 5
    text = json.dumps([detail for _action, detail in rows])
    assert "11111" not in text and PIN not in text


def test_staff_see_a_kiosk_under_guessing_on_the_kiosks_page_and_the_dashboard(app, client, tablet, clock):
    kiosk_id, headers = tablet
    staff_sign_in(app, client, "admin")  # the dashboard is the admins'; the kiosks page also staff's
    calm = client.get("/admin/kiosks/").get_data(as_text=True)
    assert "data-pin-alert" not in calm and "PIN guessing" not in calm
    for _ in range(5):
        unlock(client, headers, "000000")
    page = client.get("/admin/kiosks/").get_data(as_text=True)
    row = page[page.index(f'data-kiosk="{kiosk_id}"'):]
    row = row[:row.index("</tr>")]
    assert "PIN guessing" in row and "5 wrong PINs in a row; locked until" in row
    assert "revoke the kiosk" in row
    dashboard = client.get("/admin/").get_data(as_text=True)
    assert "someone may be guessing" in dashboard and "Comptoir 1 — Ahuntsic" in dashboard
    clock.advance(minutes=2)
    assert unlock(client, headers, PIN).status_code == 204
    assert "data-pin-alert" not in client.get("/admin/kiosks/").get_data(as_text=True)


def test_a_new_pin_has_six_digits_on_the_form_and_the_command(app, client, runner):
    staff_sign_in(app, client)
    data = {"name": "Comptoir", "site": "Rosemont", "inactivity_timeout": "45", "keep_partial": "discard",
            "min_interval": "3", "thanks_seconds": "5", "pin": "24681", "pin_confirm": "24681"}
    refused = client.post("/admin/kiosks/new", data=data)
    assert refused.status_code == 422
    assert "The PIN is 6 to 12 digits." in refused.get_data(as_text=True)
    result = runner.invoke(args=["kiosks", "enroll", "X", "--site", "Y", "--pin", "24681"])
    assert result.exit_code != 0 and "pin: must be 6 to 12 digits" in result.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Kiosk.id))).scalar_one() == 0
    generated = runner.invoke(args=["kiosks", "enroll", "X", "--site", "Y"])
    pin = next(line.rsplit(" ", 1)[1] for line in generated.output.splitlines() if "PIN" in line)
    assert len(pin) == 6 and pin.isdigit()
    form = client.get("/admin/kiosks/new").get_data(as_text=True)
    assert "6 to 12 digits. Staff enter it" in form


def test_the_minimum_comes_from_the_settings_and_is_what_the_tablet_is_served(database_uri):
    app = make_app(database_uri, KIOSK_PIN_MIN_LENGTH=8)
    client = app.test_client()
    with app.app_context():
        with pytest.raises(kiosks.KioskError, match="must be 8 to 12 digits"):
            kiosks.create_kiosk("A", "B", [], kiosks.KioskSettings(), PIN)
        _kiosk, code = kiosks.create_kiosk("A", "B", [], kiosks.KioskSettings(), "24681357")
    served = client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["pin"]
    assert served["min_length"] == 8 and served["max_length"] == 12
    assert served["attempts"] == app.config["KIOSK_PIN_ATTEMPTS"]
    assert served["lock_minutes"] == list(app.config["KIOSK_PIN_LOCK_MINUTES"])
    assert served["offline_hours"] == app.config["KIOSK_OFFLINE_UNLOCK_HOURS"]
    assert served["offline"]["iterations"] == app.config["KIOSK_PIN_ITERATIONS"]
    assert kiosk_pins.verifier_accepts(served["offline"], "24681357")
    with app.app_context():
        db.engine.dispose()


def test_the_default_verifier_costs_what_the_benchmark_measured():
    from survey_app.config import DEFAULTS
    assert DEFAULTS["KIOSK_PIN_ITERATIONS"] >= 1_000_000 and DEFAULTS["KIOSK_PIN_MIN_LENGTH"] == 6


def test_a_kiosk_whose_pin_predates_the_rule_works_online_only_until_changed(app, client, tablet, clock):
    kiosk_id, headers = tablet
    with app.app_context():  # as the migration leaves a kiosk made under the 4-to-8-digit rule
        kiosk = db.session.get(Kiosk, kiosk_id)
        kiosk_pins.set_pin(kiosk, "2468")
        kiosk.staff_pin_length = None
        kiosk.staff_pin_verifier = kiosk_pins.pin_verifier("2468", iterations=150_000)
        db.session.commit()
    served = client.get("/api/v1/kiosks/me", headers=headers).get_json()["pin"]
    assert served["min_length"] == 4 and served["offline"] is None  # no crackable verifier sent
    staff_sign_in(app, client)
    page = client.get("/admin/kiosks/").get_data(as_text=True)
    assert "PIN set under the former rule: online unlock only until it is changed." in page
    settings = client.get(f"/admin/kiosks/{kiosk_id}").get_data(as_text=True)
    assert "Choose a new PIN of at least 6 digits." in settings
    assert unlock(client, headers, "2468").status_code == 204  # keeps working online
    with app.app_context():
        kiosk = db.session.get(Kiosk, kiosk_id)
        assert kiosk.staff_pin_length == 4  # learnt at the unlock; still too short for offline
        assert kiosk.staff_pin_verifier["iterations"] == app.config["KIOSK_PIN_ITERATIONS"]
    assert client.get("/api/v1/kiosks/me", headers=headers).get_json()["pin"]["offline"] is None
    with app.app_context():
        kiosks.update_kiosk(kiosk_id, "Comptoir 1", "Ahuntsic", ["comptoir"], kiosks.KioskSettings(), "13579024")
    served = client.get("/api/v1/kiosks/me", headers=headers).get_json()["pin"]
    assert served["min_length"] == 6 and kiosk_pins.verifier_accepts(served["offline"], "13579024")
    assert "online unlock only until it is changed" not in client.get("/admin/kiosks/").get_data(as_text=True)


def test_changing_the_pin_clears_a_lockout(app, client, tablet, clock):
    kiosk_id, headers = tablet
    for _ in range(5):
        unlock(client, headers, "000000")
    assert unlock(client, headers, PIN).status_code == 429
    with app.app_context():
        kiosks.update_kiosk(kiosk_id, "Comptoir 1", "Ahuntsic", ["comptoir"], kiosks.KioskSettings(), "975310")
    assert unlock(client, headers, "975310").status_code == 204
