"""Invitations through the test client and the CLI runner: single use under concurrency, 410
pages, expiry, the cycle they file in, no trace of the invitation in the response, codes and
hashes, the CSV, and the admin page with its roles and CSRF.

tests/postgres/test_invitations.py runs this same module against PostgreSQL.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import re
import threading

import pytest
from sqlalchemy import inspect, update

from survey_app.extensions import db
from survey_app.models import Answer, AuditEvent, Invitation, InvitationBatch, Response
from survey_app.services import cycles, invitations
from tests.helpers import PASSWORD, make_app

BASE = "https://sondage.ville.example"


@pytest.fixture
def batch(app, open_cycle):
    """Make invitations for the comptoir questionnaire; returns their codes."""
    def make(count=3, **options):
        with app.app_context():
            return invitations.create_batch("comptoir", count, **options).codes
    return make


def form_data(page: str, **answers) -> dict:
    submission_id = re.search(r'name="submission_id" type="hidden" value="([^"]+)"', page).group(1)
    return {"submission_id": submission_id, **{f"q_{key}": value for key, value in answers.items()}}


def answer_invitation(client, code: str, **answers):
    page = client.get(f"/i/{code}")
    assert page.status_code == 200, page.status_code
    return client.post(f"/i/{code}", data=form_data(page.get_data(as_text=True), **(answers or {"overall": "4"})))


def stored_responses(app) -> list[Response]:
    with app.app_context():
        rows = list(db.session.execute(db.select(Response).order_by(Response.id)).scalars())
        for row in rows:
            db.session.expunge(row)
        return rows


def login(client, email):
    client.post("/auth/login", data={"email": email, "password": PASSWORD})


# --- codes, hashes and the CSV -------------------------------------------------------------------

def test_codes_carry_at_least_128_random_bits_and_are_all_different(batch):
    codes = batch(500)
    assert invitations.CODE_BYTES * 8 >= 128
    assert len(set(codes)) == 500
    for code in codes:
        # token_urlsafe: 6 bits per character, so 24 characters hold 144 bits.
        assert re.fullmatch(r"[A-Za-z0-9_-]{24,}", code)
        assert len(code) * 6 >= 128


def test_only_the_sha256_of_each_code_is_stored(app, batch):
    codes = batch(5)
    with app.app_context():
        hashes = set(db.session.execute(db.select(Invitation.token_hash)).scalars())
        stored_text = " ".join(
            str(value) for row in db.session.execute(db.select(Invitation.__table__)).all() for value in row
        )
    assert hashes == {hashlib.sha256(code.encode()).hexdigest() for code in codes}
    assert not any(code in stored_text for code in codes)


def test_cli_writes_the_mail_merge_csv_and_an_audit_row(app, runner, open_cycle, tmp_path):
    output = tmp_path / "invitations.csv"
    result = runner.invoke(args=["invitations", "create", "--questionnaire", "comptoir", "--count", "4",
                                 "--expires", "2099-12-31", "--output", str(output), "--base-url", BASE])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(output.read_text(encoding="utf-8"))))
    assert rows[0] == ["code", "url"]
    assert len(rows) == 5
    for code, url in rows[1:]:
        assert url == f"{BASE}/i/{code}"
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "invitations.create")).scalar_one()
        assert event.detail["count"] == 4 and event.actor == "cli"
        assert not any(code in str(event.detail) for code, _url in rows[1:])
        assert db.session.execute(db.select(InvitationBatch.expires_on)).scalar_one() == dt.date(2099, 12, 31)


def test_cli_links_follow_servir_base_url(database_uri, open_cycle, app, tmp_path):
    configured = make_app(database_uri, BASE_URL="https://avis.ville.example/")
    output = tmp_path / "i.csv"
    result = configured.test_cli_runner().invoke(
        args=["invitations", "create", "--questionnaire", "comptoir", "--count", "1", "--output", str(output)])
    assert result.exit_code == 0, result.output
    code, url = list(csv.reader(io.StringIO(output.read_text())))[1]
    assert url == f"https://avis.ville.example/i/{code}"
    with configured.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("args, message", [
    (["--questionnaire", "nope", "--count", "2"], "questionnaire"),
    (["--questionnaire", "cache", "--count", "2"], "questionnaire"),  # unpublished
    (["--questionnaire", "comptoir", "--count", "0"], "count"),
    (["--questionnaire", "comptoir", "--count", "2", "--cycle", "1999"], "cycle"),
    (["--questionnaire", "comptoir", "--count", "2", "--expires", "2001-01-01"], "expires"),
])
def test_cli_refuses_bad_options_naming_them_and_creates_nothing(app, runner, open_cycle, tmp_path, args, message):
    result = runner.invoke(args=["invitations", "create", *args, "--output", str(tmp_path / "x.csv"),
                                 "--base-url", BASE])
    assert result.exit_code != 0
    assert message in result.output
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Invitation.id))).scalar_one() == 0
        assert db.session.execute(db.select(db.func.count(InvitationBatch.id))).scalar_one() == 0


def test_cli_without_a_base_url_says_what_to_set(runner, open_cycle, tmp_path):
    result = runner.invoke(args=["invitations", "create", "--questionnaire", "comptoir", "--count", "1",
                                 "--output", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "SERVIR_BASE_URL" in result.output


# --- following a link ------------------------------------------------------------------------------

def test_an_invitation_opens_the_questionnaire_and_works_once(app, client, batch):
    code = batch(1)[0]
    page = client.get(f"/i/{code}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Votre visite au comptoir" in html
    assert f'action="/i/{code}"' in html
    assert page.headers["Cache-Control"] == "no-store"
    assert page.headers["Referrer-Policy"] == "no-referrer"
    sent = client.post(f"/i/{code}", data=form_data(html, overall="5", comment="Très bien"))
    assert sent.status_code == 302 and sent.headers["Location"].endswith("/q/comptoir/merci")
    [response] = stored_responses(app)
    assert response.channel == "online" and response.questionnaire_id == "comptoir"

    again = client.get(f"/i/{code}")
    assert again.status_code == 410
    text = again.get_data(as_text=True)
    assert "Cette invitation a déjà servi" in text
    assert "vos réponses sont enregistrées" in text
    english = client.get(f"/i/{code}?lang=en")
    assert english.status_code == 410 and "This invitation has already been used" in english.get_data(as_text=True)
    # Sending the old form again stores nothing more.
    assert client.post(f"/i/{code}", data=form_data(html, overall="1")).status_code == 410
    assert len(stored_responses(app)) == 1


def test_a_second_tab_sending_after_the_first_gets_the_kind_410_page(app, batch):
    code = batch(1)[0]
    first, second = app.test_client(), app.test_client()
    page_one = first.get(f"/i/{code}").get_data(as_text=True)
    page_two = second.get(f"/i/{code}").get_data(as_text=True)
    assert first.post(f"/i/{code}", data=form_data(page_one, overall="4")).status_code == 302
    late = second.post(f"/i/{code}", data=form_data(page_two, overall="2"))
    assert late.status_code == 410
    assert "Cette invitation a déjà servi" in late.get_data(as_text=True)
    assert [r.submission_id for r in stored_responses(app)] == [form_data(page_one)["submission_id"]]


def test_invalid_answers_keep_the_invitation_for_the_next_try(app, client, batch):
    code = batch(1)[0]
    html = client.get(f"/i/{code}").get_data(as_text=True)
    refused = client.post(f"/i/{code}", data=form_data(html, comment="sans note"))  # overall is required
    assert refused.status_code == 422
    assert stored_responses(app) == []
    assert client.post(f"/i/{code}", data=form_data(refused.get_data(as_text=True), overall="3")).status_code == 302


def test_ten_concurrent_submissions_use_an_invitation_once(app, batch):
    code = batch(1)[0]
    pages = []
    for _ in range(10):
        client = app.test_client()
        pages.append((client, client.get(f"/i/{code}").get_data(as_text=True)))
    barrier = threading.Barrier(10)
    statuses = []

    def send(client, page):
        barrier.wait()
        statuses.append(client.post(f"/i/{code}", data=form_data(page, overall="4")).status_code)

    threads = [threading.Thread(target=send, args=pair) for pair in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] + [410] * 9
    assert len(stored_responses(app)) == 1
    with app.app_context():
        assert invitations.used_count("comptoir") == 1


def test_an_expired_link_answers_410_kindly_and_stores_nothing(app, client, batch):
    code = batch(1, expires_on=dt.date.today())[0]
    html = client.get(f"/i/{code}").get_data(as_text=True)  # still good today
    with app.app_context():
        db.session.execute(update(InvitationBatch).values(expires_on=dt.date.today() - dt.timedelta(days=1)))
        db.session.commit()
    expired = client.get(f"/i/{code}")
    assert expired.status_code == 410
    assert "Cette invitation a expiré" in expired.get_data(as_text=True)
    # A form opened before the last day and sent after it is refused too.
    late = client.post(f"/i/{code}", data=form_data(html, overall="4"))
    assert late.status_code == 410 and "expiré" in late.get_data(as_text=True)
    assert stored_responses(app) == []


def test_an_unknown_or_malformed_code_is_a_kind_404(client, batch):
    batch(1)
    for code in ("A" * 24, "short", "x" * 300, "%27%3B--"):
        response = client.get(f"/i/{code}")
        assert response.status_code == 404
        assert "Ce lien d’invitation ne fonctionne pas" in response.get_data(as_text=True)


def test_an_invitation_for_a_cycle_files_its_response_there(app, client, batch):
    with app.app_context():
        cycles.create_cycle("2027", "Cycle 2027")
        cycle_2027 = cycles.get_cycle("2027").id
    # Prepared for the next cycle while it is still a draft, mailed, answered once it opens.
    code = batch(1, cycle_code="2027")[0]
    with app.app_context():
        cycles.set_state("2026", "closed")
        cycles.set_state("2027", "open")
    assert answer_invitation(client, code).status_code == 302
    [response] = stored_responses(app)
    assert response.cycle_id == cycle_2027
    with app.app_context():
        assert set(db.session.execute(db.select(Answer.cycle_id)).scalars()) == {cycle_2027}


def test_an_invitation_for_a_cycle_not_open_shows_the_closed_page(app, client, batch):
    with app.app_context():
        cycles.create_cycle("2027", "Cycle 2027")
    code = batch(1, cycle_code="2027")[0]  # prepared while the cycle is a draft
    page = client.get(f"/i/{code}")
    assert page.status_code == 200
    assert "n’est pas ouvert" in page.get_data(as_text=True) or "pas ouvert" in page.get_data(as_text=True)


# --- anonymity ---------------------------------------------------------------------------------

def test_the_response_keeps_no_link_to_the_invitation(app, client, batch):
    code = batch(1)[0]
    assert answer_invitation(client, code, overall="4", comment="Rien à signaler").status_code == 302
    token_hash = hashlib.sha256(code.encode()).hexdigest()
    with app.app_context():
        schema = inspect(db.engine)
        for table in ("response", "answer"):
            foreign = {fk["referred_table"] for fk in schema.get_foreign_keys(table)}
            assert not foreign & {"invitation", "invitation_batch"}, table
            assert not [c["name"] for c in schema.get_columns(table) if "invitation" in c["name"]]
            for row in db.session.execute(db.select(db.metadata.tables[table])).all():
                for value in row:
                    assert code not in str(value) and token_hash not in str(value), (table, value)
        for table in ("invitation", "invitation_batch"):
            assert not {fk["referred_table"] for fk in schema.get_foreign_keys(table)} & {"response", "answer"}
        # No exact time on either side: a date each, nothing to pair them by order.
        response_types = {c["name"]: str(c["type"]).upper() for c in schema.get_columns("response")}
        assert response_types["submitted_on"] == "DATE"
        assert not [name for name, kind in response_types.items() if "TIME" in kind]
        invitation_types = {c["name"]: str(c["type"]).upper() for c in schema.get_columns("invitation")}
        assert invitation_types["used_on"] == "DATE"
        assert not [name for name, kind in invitation_types.items() if "TIME" in kind]
        assert db.session.execute(db.select(Invitation.used_on)).scalar_one() == dt.date.today()
        # Consuming an invitation is not an audited admin action: nothing logs the moment of use.
        actions = [e.action for e in db.session.execute(db.select(AuditEvent)).scalars()]
        assert [a for a in actions if not a.startswith("cycle.")] == ["invitations.create"]


# --- the admin page ------------------------------------------------------------------------------

def test_the_page_needs_an_admin(client, make_user, open_cycle):
    anonymous = client.get("/admin/invitations/")
    assert anonymous.status_code == 302 and "/auth/login" in anonymous.headers["Location"]
    assert client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "3"}).status_code == 302
    for role in ("evaluator", "staff"):
        make_user(f"{role}@example.org", role)
        login(client, f"{role}@example.org")
        assert client.get("/admin/invitations/").status_code == 403
        assert client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "3"}).status_code == 403
        client.post("/auth/logout")


def test_an_admin_downloads_a_batch_and_sees_only_counts(app, client, make_user, open_cycle):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    page = client.get("/admin/invitations/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<h1>Invitations</h1>" in html and 'for="count"' in html
    download = client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "3", "cycle": "",
                                                        "expires": ""})
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    assert download.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["code", "url"] and len(rows) == 4
    # Without SERVIR_BASE_URL, links use the address the request came in on.
    assert rows[1][1] == f"http://localhost/i/{rows[1][0]}"
    assert answer_invitation(app.test_client(), rows[1][0]).status_code == 302

    listing = client.get("/admin/invitations/").get_data(as_text=True)
    assert re.search(r'data-count="created">3<', listing)
    assert re.search(r'data-count="used">1<', listing)
    assert re.search(r'data-count="waiting">2<', listing)
    assert not any(code in listing for code, _url in rows[1:])
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "invitations.create")).scalar_one()
        assert event.actor == "admin@example.org"


def test_expired_invitations_are_counted_apart(app, client, make_user, batch):
    batch(2, expires_on=dt.date.today())
    with app.app_context():
        db.session.execute(update(InvitationBatch).values(expires_on=dt.date.today() - dt.timedelta(days=1)))
        db.session.commit()
        [summary] = invitations.batch_summaries()
    assert (summary.created, summary.used, summary.expired, summary.waiting) == (2, 0, 2, 0)


def test_the_page_names_the_bad_field_and_creates_nothing(app, client, make_user, open_cycle):
    make_user("admin@example.org", "admin")
    login(client, "admin@example.org")
    refused = client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "0"})
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'class="error-summary"' in html and 'href="#count"' in html
    past = client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "2",
                                                    "expires": "2001-01-01"})
    assert past.status_code == 422 and 'href="#expires"' in past.get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(InvitationBatch.id))).scalar_one() == 0


def test_the_page_form_needs_its_csrf_token(database_uri, app, open_cycle, make_user):
    make_user("admin@example.org", "admin")
    strict = make_app(database_uri, WTF_CSRF_ENABLED=True)
    client = strict.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": token})
    forged = client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "3"})
    assert forged.status_code == 400
    with strict.app_context():
        assert db.session.execute(db.select(db.func.count(InvitationBatch.id))).scalar_one() == 0
    page = client.get("/admin/invitations/").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = client.post("/admin/invitations/", data={"questionnaire": "comptoir", "count": "3", "csrf_token": token})
    assert sent.status_code == 200 and sent.mimetype == "text/csv"
    with strict.app_context():
        db.engine.dispose()
