"""The programme console: who may open each page, CSRF on every change, the section
navigation, the programme at a glance, and hostile names coming out escaped everywhere."""
from __future__ import annotations

import csv
import io
import json
import re
import uuid

import pytest

from survey_app.extensions import db
from survey_app.models import AuditEvent, Commitment, Cycle, Unit
from survey_app.services import commitments, cycles, kiosks, questionnaire_editor
from tests.helpers import DEFINITIONS, make_app

# Every console route (GET pages and POST actions), with what it needs to exist.
PAGES = [
    "/admin/", "/admin/cycles/", "/admin/cycles/new", "/admin/cycles/2026/close", "/admin/cycles",
    "/admin/commitments/", "/admin/commitments/new", "/admin/commitments/1", "/admin/commitments/units/new",
    "/admin/commitments/units/1", "/admin/questionnaires/", "/admin/questionnaires/new",
    "/admin/questionnaires/comptoir", "/admin/questionnaires/comptoir/edit",
    "/admin/questionnaires/comptoir/preview?language=fr", "/admin/questionnaires/comptoir/diff",
]
ACTIONS = [
    "/admin/cycles/new", "/admin/cycles/2026/close", "/admin/cycles/2026/publish",
    "/admin/commitments/new", "/admin/commitments/1", "/admin/commitments/1/retire",
    "/admin/commitments/1/restore", "/admin/commitments/units/new", "/admin/commitments/units/1",
    "/admin/questionnaires/new", "/admin/questionnaires/comptoir/edit",
    "/admin/questionnaires/comptoir/publish", "/admin/questionnaires/comptoir/unpublish",
    "/admin/questionnaires/comptoir/discard",
]
XSS = '<script>alert("x")</script><img src=x onerror=alert(1)>'
FORMULA = '=HYPERLINK("http://evil.example")'


@pytest.mark.parametrize("url", PAGES)
def test_anonymous_visitors_are_sent_to_sign_in(client, open_cycle, url):
    response = client.get(url)
    assert response.status_code in (301, 302)
    if url != "/admin/cycles":
        assert "/auth/login" in response.headers["Location"]
    else:
        assert "/auth/login" in client.get(url, follow_redirects=False).headers["Location"]


@pytest.mark.parametrize("url", ACTIONS)
def test_anonymous_posts_change_nothing(client, open_cycle, url):
    response = client.post(url, data={"code": "X"})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["staff", "evaluator"])
def test_lower_roles_are_refused_every_page_and_action(signed_in, open_cycle, role):
    browser = signed_in(role)
    for url in PAGES:
        assert browser.get(url).status_code == 403, url
    for url in ACTIONS:
        assert browser.post(url, data={"code": "X"}).status_code == 403, url


def test_staff_keep_their_kiosks_pages(signed_in, open_cycle):
    staff = signed_in("staff")
    page = staff.get("/admin/kiosks/")
    assert page.status_code == 200
    nav = re.search(r'<nav class="admin-nav".*?</nav>', page.get_data(as_text=True), re.S).group(0)
    assert 'href="/admin/kiosks/"' in nav and "/admin/cycles/" not in nav  # only what staff may open


def test_admins_open_every_page(admin, open_cycle):
    for url in PAGES:
        response = admin.get(url)
        assert response.status_code in (200, 301, 302), url
        if response.status_code == 200:
            assert "<h1>" in response.get_data(as_text=True)


@pytest.mark.parametrize("url, current", [
    ("/admin/", "/admin/"), ("/admin/cycles/", "/admin/cycles/"), ("/admin/commitments/", "/admin/commitments/"),
    ("/admin/questionnaires/comptoir", "/admin/questionnaires/"), ("/admin/kiosks/", "/admin/kiosks/"),
    ("/admin/kiosks/new", "/admin/kiosks/"),
])
def test_the_section_navigation_marks_the_current_section(admin, open_cycle, url, current):
    html = admin.get(url).get_data(as_text=True)
    nav = re.search(r'<nav class="admin-nav" aria-label="[^"]+">.*?</nav>', html, re.S).group(0)
    for path in ("/admin/", "/admin/commitments/", "/admin/questionnaires/", "/admin/cycles/",
                 "/admin/users/", "/admin/audit/", "/admin/kiosks/"):
        assert f'href="{path}"' in nav
    assert re.findall(r'href="([^"]+)" aria-current="page"', nav) == [current]


def _respond(client, channel="online", headers=None):
    body = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": channel,
            "language": "fr", "answers": {"overall": 4}}
    response = client.post("/api/v1/responses", json=body, headers=headers or {})
    assert response.status_code == 201, response.get_json()


def test_the_programme_at_a_glance(app, client, admin, open_cycle, staff_token):
    with app.app_context():
        cycles.create_cycle("2025", "Référence", "Baseline")
        db.session.execute(db.update(Cycle).where(Cycle.code == "2025").values(
            state="closed", opens_on=db.func.date("2000-01-01")))
        db.session.commit()
        _kiosk, _code = kiosks.create_kiosk("Tablette du hall", "Hall", [], kiosks.KioskSettings(), "246813")
        db.session.execute(db.update(kiosks.Kiosk).values(token_hash="x" * 64, enrolled_at=db.func.now()))
        db.session.commit()
    _respond(client)
    _respond(client)
    _respond(client, "paper", {"Authorization": f"Bearer {staff_token}"})
    html = admin.get("/admin/").get_data(as_text=True)
    assert "2026 — Cycle 2026" in html
    assert re.search(r'data-channel="online">2<', html) and re.search(r'data-channel="paper">1<', html)
    assert re.search(r'data-channel="kiosk">0<', html)
    assert "Tablette du hall" in html  # enrolled, never heard from: silent
    assert "comptoir" in html  # its versions were created after the 2025 cycle opened
    for path in ("/admin/commitments/", "/admin/questionnaires/", "/admin/cycles/", "/admin/users/",
                 "/admin/audit/", "/admin/kiosks/"):
        assert f'href="{path}"' in html


# ------------------------------------------------------------------------------------ CSRF


@pytest.fixture
def csrf_app(database_uri):
    app = make_app(database_uri, WTF_CSRF_ENABLED=True)
    with app.app_context():
        from survey_app.services import catalogue, users
        catalogue.sync_directory(DEFINITIONS)
        cycles.create_cycle("2026", "Cycle 2026")
        cycles.set_state("2026", "open")
        users.create_user("admin@example.org", "correct horse battery", "admin")
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_every_change_without_a_csrf_token_is_refused(csrf_app):
    client = csrf_app.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/auth/login", data={"email": "admin@example.org", "password": "correct horse battery",
                                            "csrf_token": token}).status_code == 302
    with csrf_app.app_context():
        before = db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar()
    for url in ACTIONS:
        response = client.post(url, data={"code": "NEW", "name_fr": "x", "name_en": "x", "title_fr": "x",
                                          "title_en": "x", "unit_id": "1", "definition": "id: x"})
        assert response.status_code in (400, 422), url
        assert response.status_code == 400 or "CSRF" in response.get_data(as_text=True) or "csrf" in response.get_data(as_text=True), url
    with csrf_app.app_context():
        assert db.session.execute(db.select(db.func.count(AuditEvent.id))).scalar() == before
        assert db.session.execute(db.select(Cycle.state).where(Cycle.code == "2026")).scalar() == "open"
        assert db.session.execute(db.select(db.func.count(Cycle.id))).scalar() == 1
        assert db.session.get(Commitment, 1).retired_at is None


# ------------------------------------------------------------------------------------ XSS


def test_hostile_names_come_out_escaped_on_every_page_report_and_export(app, admin, open_cycle, client):
    with app.app_context():
        unit = commitments.create_unit("U-X", FORMULA + XSS, XSS)
        commitments.update_commitment(1, commitments.CommitmentData(
            code="C-90", unit_id=unit.id, title_fr=XSS, title_en=XSS, norm_fr=XSS, norm_en=XSS))
        cycles.create_cycle("X1", XSS, XSS)
        kiosks.create_kiosk(XSS, XSS, [], kiosks.KioskSettings(), "246813")
        # The report and exports name commitments as the definitions do: one typed in the editor.
        text = (DEFINITIONS / "comptoir.yaml").read_text(encoding="utf-8").replace(
            'title: {fr: "Vous servir au comptoir en moins de 15 minutes"',
            "title: {fr: " + json.dumps(FORMULA + XSS))
        questionnaire_editor.save_draft(text, "comptoir.yaml", "admin@example.org", "comptoir")
        questionnaire_editor.publish("comptoir", "admin@example.org")
    _respond(client)
    urls = PAGES + ["/admin/kiosks/", "/admin/kiosks/1", "/admin/cycles/X1/open", "/", "/q/comptoir",
                    "/results/?cycle=2026&baseline=none", "/results/comptoir?cycle=2026&baseline=none",
                    "/results/report?cycle=2026&baseline=none"]
    for url in urls:
        response = admin.get(url, follow_redirects=True)
        html = response.get_data(as_text=True)
        assert response.status_code in (200, 409), url  # 409: X1 cannot open while 2026 is
        assert "<script>alert" not in html and "<img src=x" not in html, url
    assert "&lt;script&gt;" in admin.get("/admin/commitments/").get_data(as_text=True)
    assert "&lt;script&gt;" in admin.get("/admin/cycles/").get_data(as_text=True)
    assert "&lt;script&gt;" in admin.get("/admin/kiosks/").get_data(as_text=True)
    # The report's CSV and the raw export: no cell a spreadsheet would run as a formula.
    for url in ("/results/report?cycle=2026&baseline=none&format=csv", "/exports/comptoir.csv?cycle=2026"):
        response = admin.get(url)
        assert response.status_code == 200, url
        for row in csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"), newline=""),
                              delimiter=";" if ";" in response.get_data(as_text=True).splitlines()[0] else ","):
            for cell in row:
                assert not cell.startswith(("=", "+", "@")), (url, cell)
    assert "HYPERLINK" in admin.get("/results/report?cycle=2026&baseline=none&format=csv").get_data(as_text=True)
    with app.app_context():
        assert db.session.execute(db.select(Unit).where(Unit.code == "U-X")).scalar_one().name_fr == FORMULA + XSS
