"""Follow-ups with citizens: a case opens only with consent and a low score, the contact is kept
apart and never leaves the staff's case page, it is erased on close and after the retention,
and each unit's staff see only their unit's cases."""
from __future__ import annotations

import datetime as dt
import uuid

import pytest
import questionnaires as qn
from sqlalchemy import inspect

from survey_app.extensions import db
from survey_app.models import AuditEvent, FollowupCase, FollowupContact, Response
from survey_app.services import catalogue, followups, users
from tests.helpers import DEFINITIONS, PASSWORD

EMAIL = "citoyenne.unique@exemple.net"
PHONE = "514 555-0199"


def _with_follow_up(text: str, **replace: str) -> qn.Questionnaire:
    for old, new in replace.items():
        text = text.replace(old, new)
    return qn.parse_yaml(text + "\nfollow_up: {offer: true}\n", source="test.yaml")


@pytest.fixture
def offered(app, open_cycle):
    """comptoir (unit ARRONDISSEMENT) and a copy for another unit (BIBLIO), both offering a
    follow-up."""
    text = (DEFINITIONS / "comptoir.yaml").read_text(encoding="utf-8")
    other = _with_follow_up(text, **{"id: comptoir": "id: comptoir-bis", "code: C-90": "code: C-91",
                                     "code: ARRONDISSEMENT": "code: BIBLIO"})
    with app.app_context():
        catalogue.sync_definitions([_with_follow_up(text), other])
    return open_cycle


def post(client, answers, contact=None, questionnaire="comptoir", **extra):
    body = {"submission_id": str(uuid.uuid4()), "questionnaire": questionnaire, "channel": "online",
            "answers": answers, **extra}
    if contact is not None:
        body["contact"] = contact
    return client.post("/api/v1/responses", json=body)


def counts(app):
    with app.app_context():
        return (db.session.query(Response).count(), db.session.query(FollowupCase).count(),
                db.session.query(FollowupContact).count())


def sign_in(app, client, email, role, unit=None):
    with app.app_context():
        users.create_user(email, PASSWORD, role)
        if unit:
            users.set_unit(email, unit)
    assert client.post("/auth/login", data={"email": email, "password": PASSWORD}).status_code == 302
    return client


def only_case(app, code="C-90"):
    with app.app_context():
        return db.session.execute(
            db.select(FollowupCase.ref).join(FollowupCase.commitment).where(
                FollowupCase.commitment.has(code=code))
        ).scalar_one()


# --- when a case opens ---------------------------------------------------------------------------

def test_consent_and_a_bottom_two_rating_open_a_case_due_in_ten_working_days(app, client, offered):
    response = post(client, {"overall": 2, "comment": "Trop d’attente."}, {"email": EMAIL, "consent": True})
    assert response.status_code == 201
    assert response.get_json()["follow_up"] == "opened"
    with app.app_context():
        case = db.session.execute(db.select(FollowupCase)).scalar_one()
        assert case.state == "open" and case.unit.code == "ARRONDISSEMENT" and case.commitment.code == "C-90"
        assert case.comment == "Trop d’attente."
        assert case.due_on == followups.add_working_days(case.opened_on, 10)
        assert (case.due_on - case.opened_on).days == 14  # two weeks of Monday-Friday
        contact = db.session.execute(db.select(FollowupContact)).scalar_one()
        assert contact.case_ref == case.ref and contact.email == EMAIL


def test_norm_not_met_opens_a_case_even_with_a_good_rating(app, client, offered):
    response = post(client, {"overall": 5, "met": False}, {"phone": PHONE, "consent": True})
    assert response.get_json()["follow_up"] == "opened"
    assert counts(app) == (1, 1, 1)


@pytest.mark.parametrize("answers", [{"overall": 3}, {"overall": 5, "met": True}, {"overall": 4, "met": "na"}])
def test_no_low_score_no_case_and_no_contact_kept(app, client, offered, answers):
    response = post(client, answers, {"email": EMAIL, "consent": True})
    assert response.status_code == 201
    assert response.get_json()["follow_up"] == "not_needed"
    assert counts(app) == (1, 0, 0)


def test_no_contact_no_case_and_the_body_stays_as_before(app, client, offered):
    response = post(client, {"overall": 1})
    assert response.status_code == 201
    assert "follow_up" not in response.get_json()
    assert counts(app) == (1, 0, 0)


@pytest.mark.parametrize("contact, field", [
    ({"email": EMAIL, "consent": False}, "contact.consent"),
    ({"email": EMAIL}, "contact.consent"),
    ({"email": "pas-une-adresse", "consent": True}, "contact.email"),
    ({"phone": "514-ABC-0199", "consent": True}, "contact.phone"),
    ({"phone": "123", "consent": True}, "contact.phone"),
    ({"consent": True}, "contact"),
    ("someone@example.org", "contact"),
    ({"email": EMAIL, "consent": True, "name": "Alice"}, "contact"),
])
def test_api_refuses_a_bad_contact_naming_the_field_and_stores_nothing(app, client, offered, contact, field):
    response = post(client, {"overall": 1}, contact)
    assert response.status_code == 422
    assert field in response.get_json()["errors"]
    assert counts(app) == (0, 0, 0)


def test_a_questionnaire_without_the_offer_refuses_a_contact(app, client, open_cycle):
    response = post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    assert response.status_code == 422
    assert "contact" in response.get_json()["errors"]


def test_a_replay_opens_no_second_case(app, client, offered):
    body = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "answers": {"overall": 1},
            "contact": {"email": EMAIL, "consent": True}}
    assert client.post("/api/v1/responses", json=body).status_code == 201
    assert client.post("/api/v1/responses", json=body).status_code == 200
    assert counts(app) == (1, 1, 1)


def test_nothing_pairs_a_case_or_a_contact_with_a_response(app, offered):
    with app.app_context():
        inspector = inspect(db.engine)
        for table in ("followup_case", "followup_contact"):
            columns = {c["name"] for c in inspector.get_columns(table)}
            assert not any("response" in name or "submission" in name for name in columns)
            targets = {fk["referred_table"] for fk in inspector.get_foreign_keys(table)}
            assert "response" not in targets
        for fk in inspector.get_foreign_keys("response"):
            assert not fk["referred_table"].startswith("followup")


def test_working_days_skip_weekends():
    friday = dt.date(2026, 12, 4)
    assert followups.add_working_days(friday, 1) == dt.date(2026, 12, 7)
    assert followups.add_working_days(friday, 10) == dt.date(2026, 12, 18)
    assert followups.add_working_days(dt.date(2026, 12, 5), 1) == dt.date(2026, 12, 7)  # a Saturday


def test_due_delay_is_configurable(app, client, offered):
    app.config["FOLLOWUP_DUE_WORKING_DAYS"] = 3
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    with app.app_context():
        case = db.session.execute(db.select(FollowupCase)).scalar_one()
        assert case.due_on == followups.add_working_days(case.opened_on, 3)


# --- the contact never leaves the case page ---------------------------------------------------------

def test_contact_is_in_no_export_result_or_report(app, client, offered, make_user):
    for i in range(12):
        post(client, {"overall": 1 + i % 2, "met": False, "comment": f"Commentaire {i}"},
             {"email": EMAIL, "phone": PHONE, "consent": True})
    assert counts(app) == (12, 12, 12)
    token = make_user("eval@example.org", "evaluator")
    evaluator = app.test_client()
    evaluator.post("/auth/login", data={"email": "eval@example.org", "password": PASSWORD})
    auth = {"Authorization": f"Bearer {token}"}
    bodies = {
        "api csv": client.get("/api/v1/export/comptoir.csv?cycle=2026", headers=auth),
        "csv": evaluator.get("/exports/comptoir.csv?cycle=2026"),
        "xlsx": evaluator.get("/exports/comptoir.xlsx?cycle=2026"),
        "all xlsx": evaluator.get("/exports/all.xlsx?cycle=2026"),
        "sav": evaluator.get("/exports/comptoir.sav?cycle=2026"),
        "results api": client.get("/api/v1/results/comptoir?cycle=2026", headers=auth),
        "results page": evaluator.get("/results/comptoir?cycle=2026"),
        "overview": evaluator.get("/results/?cycle=2026"),
    }
    for fmt in ("html", "csv", "xlsx", "pdf"):
        bodies[f"report {fmt}"] = evaluator.get(f"/results/report?cycle=2026&format={fmt}")
    for name, response in bodies.items():
        assert response.status_code == 200, name
        data = response.get_data()
        for secret in (EMAIL, "exemple.net", PHONE, "5550199", "555-0199"):
            assert secret.encode() not in data, (name, secret)
    # The exports do carry the answers: the check above is not vacuous.
    assert b"Commentaire 3" in bodies["api csv"].get_data()
    assert bodies["results api"].get_json()["followups"] == {
        "opened": 12, "closed": 0, "closed_within_delay": 0, "pct_closed_within_delay": 0.0}


def test_report_counts_cases_opened_and_the_share_closed_in_time(app, client, offered, monkeypatch):
    for _ in range(3):
        post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    staff = sign_in(app, app.test_client(), "agent@example.org", "staff", unit="ARRONDISSEMENT")
    with app.app_context():
        refs = db.session.execute(db.select(FollowupCase.ref).order_by(FollowupCase.id)).scalars().all()
    staff.post(f"/staff/followups/{refs[0]}/close")
    late = dt.date.today() + dt.timedelta(days=30)
    monkeypatch.setattr(followups, "today", lambda: late)
    staff.post(f"/staff/followups/{refs[1]}/close")
    with app.app_context():
        figures = followups.figures("2026")
    assert (figures.opened, figures.closed, figures.closed_on_time) == (3, 2, 1)
    evaluator = sign_in(app, app.test_client(), "eval@example.org", "evaluator")
    html = evaluator.get("/results/report?cycle=2026&format=html").get_data(as_text=True)
    assert "Suivis auprès des citoyens" in html
    assert "33\u00a0%" in html


# --- erasure ------------------------------------------------------------------------------------------

def test_closing_erases_the_contact_and_the_comment_at_once(app, client, offered):
    post(client, {"overall": 1, "comment": "Personne ne m’a rappelé."}, {"email": EMAIL, "consent": True})
    ref = only_case(app)
    staff = sign_in(app, app.test_client(), "agent@example.org", "staff", unit="ARRONDISSEMENT")
    page = staff.get(f"/staff/followups/{ref}").get_data(as_text=True)
    assert EMAIL in page and "Personne ne m’a rappelé." in page
    response = staff.post(f"/staff/followups/{ref}/close")
    assert response.status_code == 302
    assert counts(app) == (1, 1, 0)
    page = staff.get(f"/staff/followups/{ref}").get_data(as_text=True)
    assert EMAIL not in page and "Personne ne m’a rappelé." not in page
    with app.app_context():
        case = db.session.execute(db.select(FollowupCase)).scalar_one()
        assert case.state == "closed" and case.closed_on == dt.date.today() and case.comment is None


def test_purge_command_erases_contacts_past_the_retention(app, client, runner, offered, monkeypatch):
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    monkeypatch.setattr(followups, "today", lambda: dt.date.today() + dt.timedelta(days=90))
    result = runner.invoke(args=["followups", "purge"])
    assert result.exit_code == 0 and "0 contact(s) erased" in result.output
    assert counts(app) == (1, 1, 1)
    monkeypatch.setattr(followups, "today", lambda: dt.date.today() + dt.timedelta(days=91))
    result = runner.invoke(args=["followups", "purge"])
    assert "1 contact(s) erased" in result.output
    assert counts(app) == (1, 1, 0)  # the case stays, for the unit and the report


def test_retention_is_configurable_and_opening_the_queue_purges(app, client, offered, monkeypatch):
    app.config["FOLLOWUP_RETENTION_DAYS"] = 5
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    staff = sign_in(app, app.test_client(), "agent@example.org", "staff", unit="ARRONDISSEMENT")
    assert staff.get("/staff/followups/").status_code == 200
    assert counts(app)[2] == 1
    monkeypatch.setattr(followups, "today", lambda: dt.date.today() + dt.timedelta(days=6))
    page = staff.get("/staff/followups/").get_data(as_text=True)
    assert counts(app)[2] == 0
    assert "C-90" in page  # the case itself is still to be worked on
    case_page = staff.get(f"/staff/followups/{only_case(app)}").get_data(as_text=True)
    assert "période de conservation" in case_page


# --- who sees what -----------------------------------------------------------------------------------

def test_unit_staff_see_only_their_units_cases(app, client, offered):
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    post(client, {"overall": 1}, {"email": "autre@exemple.org", "consent": True}, questionnaire="comptoir-bis")
    mine, theirs = only_case(app, "C-90"), only_case(app, "C-91")
    staff = sign_in(app, app.test_client(), "agent@example.org", "staff", unit="ARRONDISSEMENT")
    page = staff.get("/staff/followups/").get_data(as_text=True)
    assert mine[:8] in page and theirs[:8] not in page
    assert staff.get(f"/staff/followups/{theirs}").status_code == 404
    assert staff.post(f"/staff/followups/{theirs}/close").status_code == 404
    assert counts(app)[2] == 2


def test_admin_sees_every_case_but_not_the_contact(app, client, offered):
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    post(client, {"overall": 1}, {"email": "autre@exemple.org", "consent": True}, questionnaire="comptoir-bis")
    admin = sign_in(app, app.test_client(), "chef@example.org", "admin")
    page = admin.get("/staff/followups/").get_data(as_text=True)
    assert only_case(app, "C-90")[:8] in page and only_case(app, "C-91")[:8] in page
    case_page = admin.get(f"/staff/followups/{only_case(app)}").get_data(as_text=True)
    assert EMAIL not in case_page


def test_staff_without_a_unit_see_no_case_and_are_told_to_ask_an_admin(app, client, offered):
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    staff = sign_in(app, app.test_client(), "nouveau@example.org", "staff")
    page = staff.get("/staff/followups/").get_data(as_text=True)
    assert "Demandez à un administrateur" in page
    assert only_case(app)[:8] not in page
    assert staff.get(f"/staff/followups/{only_case(app)}").status_code == 404


def test_evaluators_are_refused_and_anonymous_visitors_sent_to_sign_in(app, client, offered):
    post(client, {"overall": 1}, {"email": EMAIL, "consent": True})
    anonymous = client.get("/staff/followups/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert client.get(f"/staff/followups/{only_case(app)}").status_code == 302
    evaluator = sign_in(app, app.test_client(), "eval@example.org", "evaluator")
    assert evaluator.get("/staff/followups/").status_code == 403
    assert evaluator.get(f"/staff/followups/{only_case(app)}").status_code == 403


def test_case_views_updates_and_closures_are_audited_without_the_contact(app, client, offered):
    post(client, {"overall": 1}, {"email": EMAIL, "phone": PHONE, "consent": True})
    ref = only_case(app)
    staff = sign_in(app, app.test_client(), "agent@example.org", "staff", unit="ARRONDISSEMENT")
    staff.get(f"/staff/followups/{ref}")
    response = staff.post(f"/staff/followups/{ref}", data={"state": "in_progress", "note": "Rappel lundi."})
    assert response.status_code == 302
    assert "Rappel lundi." in staff.get(f"/staff/followups/{ref}").get_data(as_text=True)
    staff.post(f"/staff/followups/{ref}/close")
    with app.app_context():
        events = db.session.execute(
            db.select(AuditEvent).where(AuditEvent.action.like("followup.%")).order_by(AuditEvent.id)
        ).scalars().all()
        assert [e.action for e in events] == ["followup.view", "followup.update", "followup.view",
                                              "followup.close"]
        assert all(e.actor == "agent@example.org" and e.detail["case"] == ref for e in events)
        text = repr([e.detail for e in events])
        assert EMAIL not in text and PHONE not in text and "Rappel" not in text


def test_admin_sets_a_users_unit(app, client, offered):
    admin = sign_in(app, app.test_client(), "chef@example.org", "admin")
    with app.app_context():
        users.create_user("agent@example.org", PASSWORD, "staff")
        user_id = users.get_user("agent@example.org").id
    page = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Unité" in page and "BIBLIO" in page
    assert admin.post(f"/admin/users/{user_id}/unit", data={"unit": "BIBLIO"}).status_code == 302
    assert admin.post(f"/admin/users/{user_id}/unit", data={"unit": "NOWHERE"}).status_code == 422
    with app.app_context():
        assert users.get_user("agent@example.org").unit_id is not None
    assert admin.post(f"/admin/users/{user_id}/unit", data={"unit": ""}).status_code == 302
    with app.app_context():
        assert users.get_user("agent@example.org").unit_id is None


# --- the online form ------------------------------------------------------------------------------------

def _form(client, **fields):
    page = client.get("/q/comptoir").get_data(as_text=True)
    submission_id = page.split('name="submission_id" type="hidden" value="')[1].split('"')[0]
    return client.post("/q/comptoir", data={"submission_id": submission_id, **fields})


def test_form_offers_the_follow_up_unchecked_with_its_use_and_retention(client, offered):
    page = client.get("/q/comptoir").get_data(as_text=True)
    assert "Pouvons-nous communiquer avec vous" in page
    assert "90 jours" in page
    checkbox = page.split('name="contact_consent"')[1].split(">")[0]
    assert "checked" not in checkbox


def test_form_with_consent_and_a_low_rating_opens_a_case_and_says_so(app, client, offered):
    response = _form(client, q_overall="1", contact_consent="y", contact_email=EMAIL)
    assert response.status_code == 302
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "communiquera avec vous d’ici 10 jours ouvrables" in thanks
    assert counts(app) == (1, 1, 1)
    # Said once: a reload of the thank-you page no longer mentions it.
    assert "communiquera" not in client.get(response.headers["Location"]).get_data(as_text=True)


def test_form_with_consent_and_a_good_rating_keeps_no_contact_and_says_so(app, client, offered):
    response = _form(client, q_overall="5", contact_consent="y", contact_phone=PHONE)
    thanks = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nous n’avons pas conservé vos coordonnées" in thanks
    assert counts(app) == (1, 0, 0)


def test_form_with_an_address_but_no_consent_asks_and_stores_nothing(app, client, offered):
    response = _form(client, q_overall="1", contact_email=EMAIL)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'href="#contact_consent"' in page
    assert "Cochez la case" in page
    assert counts(app) == (0, 0, 0)


def test_form_left_empty_sends_no_contact(app, client, offered):
    response = _form(client, q_overall="1")
    assert response.status_code == 302
    assert counts(app) == (1, 0, 0)


def test_demo_gives_the_counter_staff_a_queue(app, runner):
    from survey_app.services.demo import DEMO_PASSWORD

    assert runner.invoke(args=["demo"]).exit_code == 0
    staff = app.test_client()
    staff.post("/auth/login", data={"email": "staff@example.org", "password": DEMO_PASSWORD})
    page = staff.get("/staff/followups/").get_data(as_text=True)
    assert page.count("/staff/followups/") >= 2 and "C-04" in page
    with app.app_context():
        assert followups.figures("2026").opened == 3
