"""Accounts as ASVS 5.0 level 2 asks: sessions ended on the server, idle and absolute lifetimes,
sign-in throttling, the password policy, safe redirects, cookie flags, role start pages and
settings from the environment."""
from __future__ import annotations

import time

import pytest

from survey_app import create_app, passwords, sessions
from survey_app.services import users
from tests.helpers import PASSWORD, make_app


def sign_in(client, email: str, password: str = PASSWORD, next_: str | None = None):
    path = "/auth/login" + (f"?next={next_}" if next_ else "")
    return client.post(path, data={"email": email, "password": password})


def session_cookie(client) -> str:
    return client.get_cookie("session").value


# --- sign-out, password change and disabling end sessions on the server -------------------------

def test_a_cookie_copied_before_sign_out_no_longer_opens_anything(app, client, make_user):
    make_user("eva@example.org", "evaluator")
    sign_in(client, "eva@example.org")
    assert client.get("/results/").status_code == 200
    copied = session_cookie(client)
    client.post("/auth/logout")

    thief = app.test_client()
    thief.set_cookie("session", copied)
    response = thief.get("/results/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_changing_ones_password_ends_the_other_sessions_but_keeps_this_one(app, client, make_user):
    make_user("eva@example.org", "evaluator")
    other = app.test_client()
    sign_in(other, "eva@example.org")
    sign_in(client, "eva@example.org")
    response = client.post("/auth/password", data={
        "current": PASSWORD, "password": "une phrase de passe neuve", "confirm": "une phrase de passe neuve"})
    assert response.status_code == 302
    assert client.get("/results/").status_code == 200
    assert other.get("/results/").status_code == 302
    assert sign_in(app.test_client(), "eva@example.org", "une phrase de passe neuve").status_code == 302


def test_the_own_password_page_checks_the_current_password_and_the_policy(client, make_user):
    make_user("eva@example.org", "evaluator")
    sign_in(client, "eva@example.org")
    wrong = client.post("/auth/password", data={"current": "not it at all", "password": "x" * 20, "confirm": "x" * 20})
    assert wrong.status_code == 422 and "n’est pas votre mot de passe actuel" in wrong.get_data(as_text=True)
    short = client.post("/auth/password", data={"current": PASSWORD, "password": "court", "confirm": "court"})
    assert short.status_code == 422 and "au moins 12 caractères" in short.get_data(as_text=True)
    assert client.get("/auth/password").status_code == 200


def test_the_own_password_page_needs_a_session(client):
    response = client.get("/auth/password")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_disabling_a_user_ends_their_session_and_their_tokens_at_once(app, client, make_user):
    token = make_user("eva@example.org", "evaluator")
    sign_in(client, "eva@example.org")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/results/comptoir", headers=bearer).status_code != 401
    with app.app_context():
        users.set_active("eva@example.org", False, actor="admin@example.org")
    assert client.get("/results/").status_code == 302
    assert app.test_client().get("/api/v1/results/comptoir", headers=bearer).status_code == 401
    with app.app_context():
        users.set_active("eva@example.org", True)
    # Re-enabling does not bring the old session back.
    assert client.get("/results/").status_code == 302


# --- idle timeout and absolute lifetime ------------------------------------------------------------

@pytest.fixture
def clock(monkeypatch):
    """The sessions' clock, moved by hand."""
    moment = {"now": time.time()}
    monkeypatch.setattr(sessions, "now", lambda: moment["now"])

    def advance(minutes: float) -> None:
        moment["now"] += minutes * 60

    return advance


def test_a_session_ends_after_30_idle_minutes(client, make_user, clock):
    make_user("eva@example.org", "evaluator")
    sign_in(client, "eva@example.org")
    clock(29)
    assert client.get("/results/").status_code == 200  # activity moves the idle clock
    clock(29)
    assert client.get("/results/").status_code == 200
    clock(31)
    response = client.get("/results/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert "Votre session a pris fin" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_session_ends_12_hours_after_sign_in_however_busy(client, make_user, clock):
    make_user("eva@example.org", "evaluator")
    sign_in(client, "eva@example.org")
    for _hour in range(11 * 3):
        clock(20)
        assert client.get("/results/").status_code == 200
    clock(61)
    assert client.get("/results/").status_code == 302


def test_session_lifetimes_are_settings(database_uri, make_user, clock):
    app = make_app(database_uri, SESSION_IDLE_MINUTES=5)
    with app.app_context():
        users.create_user("eva@example.org", PASSWORD, "evaluator")
    client = app.test_client()
    sign_in(client, "eva@example.org")
    clock(6)
    assert client.get("/results/").status_code == 302


# --- throttling ------------------------------------------------------------------------------------

def throttled_app(database_uri, **limits):
    app = make_app(database_uri, RATELIMIT_ENABLED=True, **limits)
    with app.app_context():
        users.create_user("eva@example.org", PASSWORD, "evaluator")
    return app


def test_five_failures_for_one_account_throttle_even_the_right_password(database_uri):
    app = throttled_app(database_uri)
    client = app.test_client()
    for _attempt in range(5):
        assert sign_in(client, "eva@example.org", "wrong password!").status_code == 422
    response = sign_in(client, "eva@example.org")
    assert response.status_code == 429
    assert 0 < int(response.headers["Retry-After"]) <= 15 * 60
    assert "Trop de tentatives" in response.get_data(as_text=True)
    # Another account from the same client is not locked by these five.
    with app.app_context():
        users.create_user("ana@example.org", PASSWORD, "staff")
    assert sign_in(client, "ana@example.org").status_code == 302


def test_twenty_failures_from_one_client_throttle_every_account(database_uri):
    app = throttled_app(database_uri)
    client = app.test_client()
    for attempt in range(20):
        assert sign_in(client, f"nobody{attempt}@example.org", "wrong password!").status_code == 422
    assert sign_in(client, "eva@example.org").status_code == 429


class LimiterClock:
    """The limiter's own clock, moved by the test: the window passes without waiting, and a
    slow machine cannot let it pass too early."""

    def __init__(self):
        self.now = time.time()

    def __getattr__(self, name):  # everything but time() is the real module's
        return getattr(time, name)

    def time(self) -> float:
        return self.now


def test_throttling_lifts_when_the_window_has_passed(database_uri, monkeypatch):
    import flask_limiter._extension
    import limits.storage.memory
    import limits.strategies

    clock = LimiterClock()
    for module in (limits.storage.memory, limits.strategies, flask_limiter._extension):
        monkeypatch.setattr(module, "time", clock)
    app = throttled_app(database_uri, SIGNIN_LIMIT_PER_ACCOUNT="2 per 15 minutes")
    client = app.test_client()
    for _attempt in range(2):
        sign_in(client, "eva@example.org", "wrong password!")
    assert sign_in(client, "eva@example.org").status_code == 429
    clock.now += 14 * 60
    assert sign_in(client, "eva@example.org").status_code == 429
    clock.now += 61
    assert sign_in(client, "eva@example.org").status_code == 302


def test_successful_sign_ins_are_not_counted(database_uri):
    app = throttled_app(database_uri)
    for _attempt in range(8):
        client = app.test_client()
        assert sign_in(client, "eva@example.org").status_code == 302


def test_the_limiter_can_be_switched_off(database_uri):
    app = make_app(database_uri, RATELIMIT_ENABLED=False)
    with app.app_context():
        users.create_user("eva@example.org", PASSWORD, "evaluator")
    client = app.test_client()
    for _attempt in range(8):
        sign_in(client, "eva@example.org", "wrong password!")
    assert sign_in(client, "eva@example.org").status_code == 302


# --- password policy -------------------------------------------------------------------------------

@pytest.mark.parametrize("password, problem", [
    ("short pass", "too_short"),
    ("12345678901", "too_short"),
    ("qwertyuiopasdfghjkl", "common"),
    ("QWERTY123456", "common"),
    ("x" * 257, "too_long"),
    ("douze lettres", None),  # no composition rule: letters and a space are enough
    ("correct horse battery", None),
])
def test_password_policy(password, problem):
    assert passwords.problem(password) == problem


def test_the_common_password_list_is_bundled_with_its_source():
    text = (passwords.resources.files("survey_app") / "data/common_passwords.txt").read_text(encoding="utf-8")
    assert "SecLists" in text.splitlines()[2] or "SecLists" in text[:600]
    assert len(passwords.common_passwords()) == 10000


def test_services_refuse_a_weak_password(app):
    with app.app_context(), pytest.raises(users.UserError) as caught:
        users.create_user("eva@example.org", "qwertyuiopasdfgh", "evaluator")
    assert caught.value.field == "password" and caught.value.code == "common"


# --- the same answer for an unknown e-mail and a wrong password -------------------------------------

def test_unknown_email_and_wrong_password_get_the_same_page(client, make_user):
    make_user("eva@example.org", "evaluator")
    unknown = sign_in(client, "nobody@example.org", "whatever password")
    wrong = sign_in(client, "eva@example.org", "whatever password")
    assert unknown.status_code == wrong.status_code == 422
    assert unknown.get_data(as_text=True) == wrong.get_data(as_text=True).replace("eva@example.org", "nobody@example.org")


# --- start pages and header ------------------------------------------------------------------------

@pytest.mark.parametrize("role, start", [("admin", "/admin/"), ("evaluator", "/results/"), ("staff", "/admin/kiosks/")])
def test_each_role_lands_on_its_start_page(client, make_user, role, start):
    make_user("someone@example.org", role)
    assert sign_in(client, "someone@example.org").headers["Location"] == start


def test_the_header_names_who_is_signed_in_and_their_role(client, make_user):
    make_user("ana@example.org", "staff")
    sign_in(client, "ana@example.org")
    page = client.get("/admin/kiosks/").get_data(as_text=True)
    assert "ana@example.org" in page and "Personnel" in page and "Se déconnecter" in page


def test_a_temporary_password_must_be_changed_before_anything_else(app, client):
    with app.app_context():
        users.create_user("eva@example.org", PASSWORD, "evaluator", temporary=True)
    response = sign_in(client, "eva@example.org")
    assert response.headers["Location"] == "/auth/password"
    assert client.get("/results/").headers["Location"] == "/auth/password"
    client.post("/auth/password", data={"current": PASSWORD, "password": "ma phrase de passe à moi",
                                        "confirm": "ma phrase de passe à moi"})
    assert client.get("/results/").status_code == 200


# --- redirects -------------------------------------------------------------------------------------

OFF_SITE = [
    "//evil.example/x", "////evil.example/x", "\\\\evil.example/x", "/\\evil.example/x",
    "\\/evil.example/x", "%2F%2Fevil.example/x", "/%2Fevil.example/x", "%5C%5Cevil.example",
    "/%5Cevil.example", "https://evil.example/", "https:evil.example", "javascript:alert(1)",
    "JaVaScRiPt:alert(1)", "/\t/evil.example", "/%09/evil.example", "/\n/evil.example",
    "/%0a/evil.example", " //evil.example", "evil.example", "http:/\\evil.example",
]


@pytest.mark.parametrize("target", OFF_SITE)
def test_the_language_switch_follows_only_paths_on_this_site(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", OFF_SITE)
def test_sign_in_follows_only_paths_on_this_site(client, make_user, target):
    make_user("eva@example.org", "evaluator")
    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": "eva@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/results/"


def test_paths_on_this_site_are_followed(client, make_user):
    make_user("eva@example.org", "evaluator")
    assert client.get("/language/en?next=/results/%3Fcycle%3D2026").headers["Location"] == "/results/?cycle=2026"
    response = client.post("/auth/login", query_string={"next": "/results/report?format=csv"},
                           data={"email": "eva@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/results/report?format=csv"


# --- cookie flags and proxies ----------------------------------------------------------------------

def test_the_session_cookie_is_httponly_lax_and_secure_over_https(database_uri, make_user):
    app = make_app(database_uri, TRUSTED_PROXIES=1)
    with app.app_context():
        users.create_user("eva@example.org", PASSWORD, "evaluator")
    client = app.test_client()
    plain = sign_in(client, "eva@example.org").headers["Set-Cookie"]
    assert "HttpOnly" in plain and "SameSite=Lax" in plain and "Secure" not in plain
    behind_proxy = client.post("/auth/login", data={"email": "eva@example.org", "password": PASSWORD},
                               headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    assert "Secure" in behind_proxy
    direct = app.test_client().post("/auth/login", base_url="https://localhost",
                                    data={"email": "eva@example.org", "password": PASSWORD})
    assert "Secure" in direct.headers["Set-Cookie"]


def test_without_trusted_proxies_a_forwarded_header_is_ignored(client, make_user):
    make_user("eva@example.org", "evaluator")
    cookie = client.post("/auth/login", data={"email": "eva@example.org", "password": PASSWORD},
                         headers={"X-Forwarded-Proto": "https"}).headers["Set-Cookie"]
    assert "Secure" not in cookie


# --- configuration from the environment ------------------------------------------------------------

def test_settings_come_from_servir_variables_and_the_instance_config(tmp_path, monkeypatch, database_uri):
    (tmp_path / "config.py").write_text("MIN_CELL_SIZE = 7\nKIOSK_SILENT_AFTER_MINUTES = 45\n")
    monkeypatch.setenv("DATABASE_URL", database_uri)
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("SERVIR_KIOSK_SILENT_AFTER_MINUTES", "60")
    monkeypatch.setenv("SERVIR_RATELIMIT_ENABLED", "false")
    monkeypatch.setenv("SERVIR_SESSION_IDLE_MINUTES", "15")
    monkeypatch.setenv("SERVIR_RATELIMIT_STORAGE_URI", "memory://")
    app = create_app(instance_path=str(tmp_path))
    assert app.config["MIN_CELL_SIZE"] == 7  # instance config.py
    assert app.config["KIOSK_SILENT_AFTER_MINUTES"] == 60  # the environment wins over the file
    assert app.config["RATELIMIT_ENABLED"] is False and app.config["SESSION_IDLE_MINUTES"] == 15
    assert app.config["SECRET_KEY"] == "from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_uri
    with app.app_context():
        from survey_app.extensions import db
        db.engine.dispose()


def test_postgres_urls_are_given_the_psycopg_driver(tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u:p@db.example/servir")
    monkeypatch.setenv("SECRET_KEY", "k")
    from flask import Config

    from survey_app import config

    loaded = Config(str(tmp_path))
    config.load(loaded, tmp_path)
    assert loaded["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example/servir"
    assert loaded["SQLALCHEMY_ENGINE_OPTIONS"] == {"pool_pre_ping": True}
