"""Responses filed by the day they were answered (``answered_on``), and the answers the API
ignores: a kiosk that syncs a week late, a paper batch, a published cycle that takes no more.

The paper entry and the CSV import follow the same rule: tests/app/test_paper.py and
tests/app/test_imports.py cover their own screens; here, their shared target.
"""
from __future__ import annotations

import datetime as dt
import uuid

import pytest

from survey_app.extensions import db
from survey_app.models import Answer, Cycle, Response
from survey_app.services import cycles, kiosks, sheets
from tests.helpers import PASSWORD

TODAY = dt.date.today()


def days(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def payload(**overrides):
    body = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
            "language": "fr", "answers": {"overall": 4, "met": True}}
    body.update(overrides)
    return body


@pytest.fixture
def periods(app):
    """Three cycles by period: published (90 to 31 days ago), closed (30 to 5 days ago) and
    open (4 days ago to two months ahead)."""
    with app.app_context():
        for code, start, end in (("2025", -90, -31), ("2026-A", -30, -5), ("2026-B", -4, 60)):
            cycles.create_cycle(code, f"Cycle {code}", period_start=TODAY + dt.timedelta(days=start),
                                period_end=TODAY + dt.timedelta(days=end))
        cycles.set_state("2025", "open")
        cycles.set_state("2025", "closed")
        cycles.publish_cycle("2025")
        cycles.set_state("2026-A", "open")
        cycles.set_state("2026-A", "closed")
        cycles.set_state("2026-B", "open")


@pytest.fixture
def kiosk_token(app, client):
    with app.app_context():
        _kiosk, code = kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
    return client.post("/api/v1/kiosks/enroll", json={"code": code}).get_json()["token"]


def cycle_of(app, submission_id: str) -> str:
    with app.app_context():
        return db.session.execute(
            db.select(Cycle.code).join(Response, Response.cycle_id == Cycle.id)
            .where(Response.submission_id == submission_id)).scalar_one()


def test_a_kiosk_batch_a_week_late_is_filed_in_the_closed_cycle_it_was_answered_in(app, client, periods, kiosk_token):
    late = payload(channel="kiosk", answered_on=days(-7))
    today = payload(channel="kiosk", answered_on=TODAY.isoformat())
    response = client.post("/api/v1/responses/batch", json={"responses": [late, today]},
                           headers={"Authorization": f"Bearer {kiosk_token}"})
    assert response.status_code == 200
    assert [r["status"] for r in response.get_json()["results"]] == [201, 201]
    assert cycle_of(app, late["submission_id"]) == "2026-A"
    assert cycle_of(app, today["submission_id"]) == "2026-B"
    with app.app_context():
        # Dates only: the response keeps the day it reached the server, never a time.
        row = db.session.execute(db.select(Response).where(
            Response.submission_id == late["submission_id"])).scalar_one()
        assert row.submitted_on == TODAY and not isinstance(row.submitted_on, dt.datetime)
        assert {a.cycle_id for a in db.session.execute(db.select(Answer).where(
            Answer.response_id == row.id)).scalars()} == {row.cycle_id}


def test_without_answered_on_a_response_goes_to_the_open_cycle(app, client, periods):
    body = payload()
    assert client.post("/api/v1/responses", json=body).status_code == 201
    assert cycle_of(app, body["submission_id"]) == "2026-B"


def test_a_replay_of_a_late_response_is_recognised(app, client, periods):
    body = payload(answered_on=days(-10))
    first = client.post("/api/v1/responses", json=body)
    again = client.post("/api/v1/responses", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.get_json()["receipt"] == first.get_json()["receipt"]
    moved = client.post("/api/v1/responses", json={**body, "answered_on": days(-1)})
    assert moved.status_code == 409


@pytest.mark.parametrize(("answered_on", "words"), [
    (days(-40), "published"),
    (days(1), "future"),
    (days(-400), "no cycle"),
    ("30/11/2026", "YYYY-MM-DD"),
    (20261130, "YYYY-MM-DD"),
])
def test_a_day_no_cycle_may_take_is_refused_naming_answered_on(app, client, periods, answered_on, words):
    response = client.post("/api/v1/responses", json=payload(answered_on=answered_on))
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert list(errors) == ["answered_on"]
    assert words in errors["answered_on"]
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Response.id))).scalar_one() == 0


def test_a_cycle_named_beside_answered_on_must_be_the_one_its_period_gives(client, periods):
    response = client.post("/api/v1/responses", json=payload(cycle="2026-B", answered_on=days(-7)))
    assert response.status_code == 422
    assert "2026-A" in response.get_json()["errors"]["answered_on"]


def test_a_cycle_without_a_period_holds_the_days_it_was_open(app, client, open_cycle):
    assert client.post("/api/v1/responses", json=payload(answered_on=TODAY.isoformat())).status_code == 201
    refused = client.post("/api/v1/responses", json=payload(answered_on=days(-3)))
    assert refused.status_code == 422 and "answered_on" in refused.get_json()["errors"]


def test_the_paper_and_csv_target_follows_the_same_rule(app, periods):
    with app.app_context():
        target = sheets.target_for("comptoir", None, "paper", answered_on=dt.date.fromisoformat(days(-7)))
        assert target.cycle_code == "2026-A"
        with pytest.raises(sheets.SheetError) as refused:
            sheets.target_for("comptoir", None, "paper", answered_on=dt.date.fromisoformat(days(-40)))
        assert "published" in str(refused.value.message)
        with pytest.raises(sheets.SheetError):
            sheets.target_for("comptoir", "2026-A", "paper")  # closed: only with the batch's date
        assert sheets.target_for("comptoir", "2026-B", "paper").cycle_code == "2026-B"


def test_answers_to_hidden_questions_are_listed_as_ignored_and_not_stored(app, client, open_cycle):
    body = payload(answers={"overall": 4, "met": True, "why_not": "La file était longue"})
    response = client.post("/api/v1/responses", json=body)
    assert response.status_code == 201
    assert response.get_json()["ignored"] == ["why_not"]
    with app.app_context():
        stored = db.session.execute(db.select(Answer.question_id)).scalars().all()
    assert sorted(stored) == ["met", "overall"]
    shown = client.post("/api/v1/responses", json=payload(answers={"overall": 2, "met": False, "why_not": "Attente"}))
    assert shown.status_code == 201 and shown.get_json()["ignored"] == []


def staff_session(client, make_user):
    make_user("staff@example.org", "staff")
    client.post("/auth/login", data={"email": "staff@example.org", "password": PASSWORD})
    return client


def test_a_late_paper_batch_is_filed_by_its_date_in_the_closed_cycle(app, client, make_user, periods):
    staff_session(client, make_user)
    form = {"questionnaire": "comptoir", "label": "Lot en retard", "language": "fr", "mode": "entry"}
    closed = client.post("/staff/paper/", data={**form, "cycle": "2026-A"})
    assert closed.status_code == 422 and "n’est pas ouvert" in closed.get_data(as_text=True)
    published = client.post("/staff/paper/", data={**form, "cycle": "2025", "answered_on": days(-7)})
    assert published.status_code == 422  # 2025 is not even offered: published cycles take no sheets
    reply = client.post("/staff/paper/", data={**form, "cycle": "2026-A", "answered_on": days(-7)})
    assert reply.status_code == 302, reply.get_data(as_text=True)
    saved = client.post(reply.headers["Location"], data={"sheet": "7", "q_overall": "4", "q_met": "o"})
    assert saved.status_code == 302
    with app.app_context():
        (row,) = db.session.execute(db.select(Response)).scalars().all()
        assert db.session.get(Cycle, row.cycle_id).code == "2026-A"
    wrong = client.post("/staff/paper/", data={**form, "label": "Autre lot", "cycle": "2026-B",
                                               "answered_on": days(-40)})
    assert wrong.status_code == 422 and "publiés" in wrong.get_data(as_text=True)


@pytest.mark.parametrize("parallel_rows", [20000, 1])  # the file read here, or by a worker
def test_a_csv_goes_by_its_batch_date_and_each_row_date_must_fall_in_that_cycle(app, runner, tmp_path, periods,
                                                                                  parallel_rows):
    app.config["IMPORT_PARALLEL_ROWS"] = parallel_rows
    path = tmp_path / "lot.csv"
    path.write_text("sheet,answered_on,overall,met\n"
                    f"1,{days(-7)},5,oui\n"
                    f"2,{days(-1)},4,non\n"
                    f"3,{days(3)},4,non\n"
                    "4,,3,oui\n", encoding="utf-8")
    base = ["responses", "import", str(path), "--questionnaire", "comptoir", "--channel", "paper", "--lang", "en"]
    refused = runner.invoke(args=[*base, "--answered-on", days(-7)])
    assert refused.exit_code == 1
    assert "line 3, column answered_on:" in refused.output and "'2026-A'" in refused.output
    assert "line 4, column answered_on:" in refused.output and "future" in refused.output
    assert last_words(refused) == "0 stored, 0 already present, 2 rejected"
    stored = runner.invoke(args=[*base, "--answered-on", days(-7), "--skip-invalid"])
    assert last_words(stored) == "2 stored, 0 already present, 2 rejected"
    with app.app_context():
        codes = db.session.execute(db.select(Cycle.code).join(Response, Response.cycle_id == Cycle.id)).scalars().all()
    assert codes == ["2026-A", "2026-A"]
    late = runner.invoke(args=[*base, "--answered-on", days(-40)])
    assert late.exit_code == 1 and "published" in late.output


def last_words(result) -> str:
    return result.output.strip().splitlines()[-1]
