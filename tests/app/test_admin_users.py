"""The admin pages for accounts and the audit trail: access by role, CSRF, each action seen by
the person it affects, secrets shown once, hostile text escaped."""
from __future__ import annotations

import re

import pytest

from survey_app.extensions import db
from survey_app.models import AuditEvent, User
from survey_app.services import users
from tests.helpers import PASSWORD, make_app

XSS = '<script>alert("x")</script>'


def sign_in(client, email: str, password: str = PASSWORD):
    return client.post("/auth/login", data={"email": email, "password": password})


@pytest.fixture
def people(app, make_user):
    """An admin, a staff member and an evaluator; returns the evaluator's id and API token."""
    make_user("admin@example.org", "admin")
    make_user("staff@example.org", "staff")
    token = make_user("eva@example.org", "evaluator")
    with app.app_context():
        return users.get_user("eva@example.org").id, token


@pytest.fixture
def admin(app, people):
    client = app.test_client()
    sign_in(client, "admin@example.org")
    return client


def routes(user_id: int, token_id: int) -> list[tuple[str, str]]:
    base = f"/admin/users/{user_id}"
    return [
        ("GET", "/admin/users/"), ("GET", "/admin/users/new"), ("POST", "/admin/users/new"),
        ("GET", base), ("POST", f"{base}/role"), ("GET", f"{base}/disable"), ("POST", f"{base}/disable"),
        ("GET", f"{base}/enable"), ("POST", f"{base}/enable"), ("GET", f"{base}/reset-password"),
        ("POST", f"{base}/reset-password"), ("POST", f"{base}/tokens"),
        ("GET", f"{base}/tokens/{token_id}/revoke"), ("POST", f"{base}/tokens/{token_id}/revoke"),
        ("GET", "/admin/audit/"), ("GET", "/admin/audit/export.csv"),
    ]


def token_id(app, email: str) -> int:
    with app.app_context():
        return users.list_tokens(email)[0].id


def test_every_page_sends_anonymous_visitors_to_sign_in_and_refuses_other_roles(app, people):
    user_id, _token = people
    anonymous = app.test_client()
    for role_email in ("staff@example.org", "eva@example.org"):
        other = app.test_client()
        sign_in(other, role_email)
        for method, path in routes(user_id, token_id(app, "eva@example.org")):
            response = anonymous.open(path, method=method)
            assert response.status_code == 302 and "/auth/login" in response.headers["Location"], path
            assert other.open(path, method=method).status_code == 403, (role_email, path)


def test_every_page_opens_for_an_admin(app, admin, people):
    user_id, _token = people
    for method, path in routes(user_id, token_id(app, "eva@example.org")):
        if method == "GET":
            assert admin.get(path).status_code == 200, path


def test_every_change_is_refused_without_a_csrf_token(app, database_uri, people):
    user_id, _token = people
    guarded = make_app(database_uri, WTF_CSRF_ENABLED=True)
    client = guarded.test_client()
    login_page = client.get("/auth/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', login_page).group(1)
    assert client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD}).status_code == 400
    client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD, "csrf_token": csrf})
    for method, path in routes(user_id, token_id(app, "eva@example.org")):
        if method == "POST":
            assert client.post(path, data={"role": "admin", "name": "x", "email": "n@example.org"}).status_code == 400, path
    assert client.post("/auth/password", data={"current": PASSWORD}).status_code == 400
    assert client.post("/auth/logout").status_code == 400
    with guarded.app_context():
        assert users.get_user("eva@example.org").active and users.get_user("eva@example.org").role == "evaluator"
        assert users.get_user("n@example.org") is None


def test_an_admin_creates_a_user_with_a_generated_password_shown_once(app, admin):
    page = admin.post("/admin/users/new", data={"email": "New@Example.org", "role": "evaluator", "password": ""})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    secret = re.search(r'id="secret">([^<]+)<', page.get_data(as_text=True)).group(1)
    newcomer = app.test_client()
    assert sign_in(newcomer, "new@example.org", secret).headers["Location"] == "/auth/password"
    listing = admin.get("/admin/users/").get_data(as_text=True)
    assert "new@example.org" in listing and secret not in listing
    with app.app_context():
        details = [e.detail for e in db.session.execute(db.select(AuditEvent)).scalars()]
    assert all(secret not in str(detail) for detail in details)


def test_creating_a_user_refuses_a_weak_password_or_a_known_email_and_stores_nothing(app, admin):
    weak = admin.post("/admin/users/new", data={"email": "n@example.org", "role": "staff", "password": "qwertyuiopasdfgh"})
    assert weak.status_code == 422 and "les plus courants" in weak.get_data(as_text=True)
    taken = admin.post("/admin/users/new", data={"email": "eva@example.org", "role": "staff", "password": "un long mot de passe"})
    assert taken.status_code == 422 and "existe déjà" in taken.get_data(as_text=True)
    with app.app_context():
        assert users.get_user("n@example.org") is None


def test_an_admin_changes_a_role_and_the_old_session_ends(app, admin, people):
    user_id, _token = people
    eva = app.test_client()
    sign_in(eva, "eva@example.org")
    assert admin.post(f"/admin/users/{user_id}/role", data={"role": "staff"}).status_code == 302
    assert eva.get("/results/").status_code == 302
    sign_in(eva, "eva@example.org")
    assert eva.get("/results/").status_code == 403 and eva.get("/admin/kiosks/").status_code == 200


def test_the_last_admin_cannot_demote_or_disable_themselves(app, admin):
    with app.app_context():
        admin_id = users.get_user("admin@example.org").id
    refused = admin.post(f"/admin/users/{admin_id}/role", data={"role": "staff"})
    assert refused.status_code == 422 and "dernier administrateur" in refused.get_data(as_text=True)
    admin.post(f"/admin/users/{admin_id}/disable")
    with app.app_context():
        assert users.get_user("admin@example.org").active


def test_disabling_ends_the_users_session_and_token_at_once_and_enabling_restores_sign_in(app, admin, people):
    user_id, token = people
    eva = app.test_client()
    sign_in(eva, "eva@example.org")
    confirm = admin.get(f"/admin/users/{user_id}/disable").get_data(as_text=True)
    assert "déconnecté partout immédiatement" in confirm
    admin.post(f"/admin/users/{user_id}/disable")
    assert eva.get("/results/").status_code == 302
    assert app.test_client().get("/api/v1/results/comptoir", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert sign_in(app.test_client(), "eva@example.org").status_code == 422
    admin.post(f"/admin/users/{user_id}/enable")
    assert sign_in(app.test_client(), "eva@example.org").status_code == 302


def test_a_password_reset_shows_a_temporary_password_once_and_ends_the_old_one(app, admin, people):
    user_id, _token = people
    page = admin.post(f"/admin/users/{user_id}/reset-password")
    assert page.headers["Cache-Control"] == "no-store"
    temporary = re.search(r'id="secret">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert sign_in(app.test_client(), "eva@example.org").status_code == 422
    assert sign_in(app.test_client(), "eva@example.org", temporary).headers["Location"] == "/auth/password"


def test_tokens_are_created_listed_and_revoked_by_name(app, admin, people):
    user_id, _token = people
    page = admin.post(f"/admin/users/{user_id}/tokens", data={"name": "Tableau BI"})
    token = re.search(r'id="secret">([^<]+)<', page.get_data(as_text=True)).group(1)
    bearer = {"Authorization": f"Bearer {token}"}
    assert app.test_client().get("/api/v1/results/comptoir", headers=bearer).status_code != 401
    detail = admin.get(f"/admin/users/{user_id}").get_data(as_text=True)
    assert "Tableau BI" in detail and token not in detail
    duplicate = admin.post(f"/admin/users/{user_id}/tokens", data={"name": "Tableau BI"})
    assert duplicate.status_code == 422 and "déjà un jeton de ce nom" in duplicate.get_data(as_text=True)
    with app.app_context():
        bi = next(t for t in users.list_tokens("eva@example.org") if t.name == "Tableau BI")
        assert bi.last_used_at is not None
    assert "Tableau BI" in admin.get(f"/admin/users/{user_id}/tokens/{bi.id}/revoke").get_data(as_text=True)
    admin.post(f"/admin/users/{user_id}/tokens/{bi.id}/revoke")
    assert app.test_client().get("/api/v1/results/comptoir", headers=bearer).status_code == 401


def test_hostile_text_comes_out_escaped_on_the_pages_and_in_the_audit_csv(app, admin, people):
    user_id, _token = people
    email = f'x{XSS}@example.org'
    with app.app_context():
        users.create_user(email, PASSWORD, "staff", actor="admin@example.org")
        hostile_id = users.get_user(email).id
    admin.post(f"/admin/users/{user_id}/tokens", data={"name": XSS})
    admin.post(f"/admin/users/{user_id}/tokens", data={"name": "=HYPERLINK(\"http://evil.example\")"})
    sign_in(app.test_client(), "@SUM(1+1)@example.org", "whatever password")
    for path in ("/admin/users/", f"/admin/users/{hostile_id}", f"/admin/users/{user_id}", "/admin/audit/"):
        page = admin.get(path).get_data(as_text=True)
        assert XSS not in page and "&lt;script&gt;" in page, path
    hostile = app.test_client()
    sign_in(hostile, email)
    assert XSS not in hostile.get("/admin/kiosks/").get_data(as_text=True)
    with app.app_context():
        users.create_user("=1+1@example.org", PASSWORD, "staff")
    sign_in(app.test_client(), "=1+1@example.org")  # an audit row whose actor starts with "="
    csv_text = admin.get("/admin/audit/export.csv").get_data(as_text=True)
    assert ",'=1+1@example.org,auth.sign_in," in csv_text
    cells = [cell for line in csv_text.splitlines() for cell in line.split(",")]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@")]


# --- the audit trail -----------------------------------------------------------------------------

def test_sign_ins_failures_and_admin_actions_are_audited_without_passwords(app, admin, people):
    user_id, _token = people
    sign_in(app.test_client(), "eva@example.org", "the wrong one, typed")
    admin.post(f"/admin/users/{user_id}/disable")
    with app.app_context():
        events = list(db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars())
    actions = [(e.actor, e.action) for e in events]
    assert ("admin@example.org", "auth.sign_in") in actions
    assert (None, "auth.sign_in_failed") in actions and ("admin@example.org", "user.disable") in actions
    failed = next(e for e in events if e.action == "auth.sign_in_failed")
    assert failed.detail == {"email": "eva@example.org"}
    assert all("the wrong one" not in str(e.detail) and PASSWORD not in str(e.detail) for e in events)


def test_the_audit_page_filters_by_user_action_and_dates_and_pages(app, database_uri, people):
    paged = make_app(database_uri, AUDIT_PAGE_SIZE=2)
    client = paged.test_client()
    sign_in(client, "admin@example.org")
    for _n in range(3):
        sign_in(paged.test_client(), "eva@example.org")
    page = client.get("/admin/audit/?user=eva@example.org&action=auth.sign_in").get_data(as_text=True)
    assert "3 événements" in page and "Page 1 sur 2" in page
    assert "admin@example.org</td>" not in page
    second = client.get("/admin/audit/?user=eva@example.org&action=auth.sign_in&page=2").get_data(as_text=True)
    assert "Page 2 sur 2" in second
    assert "0 événement" in client.get("/admin/audit/?since=2000-01-01&until=2000-01-31").get_data(as_text=True)
    bad = client.get("/admin/audit/?since=hier")
    assert bad.status_code == 422 and "Du" in bad.get_data(as_text=True)
    backwards = client.get("/admin/audit/?since=2026-02-01&until=2026-01-01")
    assert backwards.status_code == 422 and "précède" in backwards.get_data(as_text=True)
    csv_text = client.get("/admin/audit/export.csv?user=eva@example.org").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "at_utc,actor,action,detail" and csv_text.count("auth.sign_in") == 3


def test_downloads_are_audited(app, people, open_cycle):
    _user_id, token = people
    bearer = {"Authorization": f"Bearer {token}"}
    app.test_client().get("/api/v1/export/comptoir.csv?cycle=2026", headers=bearer)
    eva = app.test_client()
    sign_in(eva, "eva@example.org")
    eva.get("/exports/comptoir.csv?cycle=2026")
    eva.get("/results/report?cycle=2026&baseline=none&format=csv")
    with app.app_context():
        events = [(e.actor, e.action, e.detail) for e in db.session.execute(
            db.select(AuditEvent).where(AuditEvent.action.in_(("export.download", "report.download")))).scalars()]
    assert ("eva@example.org", "export.download",
            {"format": "csv", "questionnaire": "comptoir", "cycle": "2026", "via": "api"}) in events
    assert any(action == "report.download" for _actor, action, _detail in events)
    assert len([e for e in events if e[1] == "export.download"]) == 2


def test_the_audit_service_refuses_secret_detail(app):
    from survey_app.services import audit

    with app.app_context(), pytest.raises(ValueError):
        audit.record("user.create", "admin@example.org", password="hunter2hunter2")


# --- command line --------------------------------------------------------------------------------

def test_users_commands_match_the_pages(app, runner, people):
    assert "eva@example.org" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "role", "eva@example.org", "staff"]).exit_code == 0
    assert runner.invoke(args=["users", "disable", "eva@example.org"]).exit_code == 0
    with app.app_context():
        user = users.get_user("eva@example.org")
        assert (user.role, user.active) == ("staff", False)
    assert "disabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "enable", "eva@example.org"]).exit_code == 0
    weak = runner.invoke(args=["users", "set-password", "eva@example.org"], input="short\n")
    assert weak.exit_code == 1 and "at least 12 characters" in weak.output
    assert runner.invoke(args=["users", "set-password", "eva@example.org"], input="un nouveau mot de passe\n").exit_code == 0
    assert sign_in(app.test_client(), "eva@example.org", "un nouveau mot de passe").status_code == 302

    issued = runner.invoke(args=["users", "token", "eva@example.org", "--name", "carnet"])
    token = issued.output.strip().splitlines()[-1]
    assert len(token) > 30 and " " not in token
    listing = runner.invoke(args=["users", "tokens", "eva@example.org"]).output
    assert "carnet" in listing and token not in listing
    assert runner.invoke(args=["users", "revoke-token", "eva@example.org", "carnet"]).exit_code == 0
    assert "carnet" not in runner.invoke(args=["users", "tokens", "eva@example.org"]).output
    unknown = runner.invoke(args=["users", "revoke-token", "eva@example.org", "carnet"])
    assert unknown.exit_code == 1 and "no live token" in unknown.output

    audit_lines = runner.invoke(args=["audit", "list", "--user", "cli"]).output
    assert "user.role" in audit_lines and "user.disable" in audit_lines and "token.revoke" in audit_lines
    assert runner.invoke(args=["audit", "list", "--since", "2999-01-01"]).output == ""


def test_a_user_table_row_never_holds_a_readable_password(app, people):
    with app.app_context():
        assert all(PASSWORD not in user.password_hash for user in db.session.execute(db.select(User)).scalars())
