"""Security headers on every page type, and no inline script anywhere (the CSP forbids it).

Citizen form, thank-you page, kiosk page, admin pages, results, API JSON, static files and
error pages all carry the same Content-Security-Policy, nosniff and Referrer-Policy; staff
pages and results are never cached; HSTS only over HTTPS (directly or via a trusted proxy).
"""
from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from survey_app.services import kiosks
from tests.helpers import PASSWORD, make_app

PUBLIC_PAGES = ["/", "/q/comptoir", "/q/comptoir/merci", "/kiosk/", "/kiosk/sw.js", "/api/v1/questionnaires",
                "/api/v1/openapi.json", "/healthz", "/static/css/servir.css", "/static/js/confirm.js",
                "/auth/login", "/nowhere"]
STAFF_PAGES = ["/admin/", "/admin/kiosks/", "/admin/kiosks/new", "/admin/users/", "/admin/audit/",
               "/admin/cycles/", "/admin/commitments/", "/admin/questionnaires/", "/admin/invitations/",
               "/admin/posters/", "/staff/paper/", "/results/", "/public/results/"]


def fetch(client, path):
    response = client.get(path)
    response.get_data()
    response.close()  # static files are streamed from an open file
    return response


def directives(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: " ".join(part.split()[1:]) for part in policy.split(";") if part.strip()}


class ScriptFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inline = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        handlers = [name for name in attributes if name.startswith("on")]
        if handlers:
            self.inline.append(f"<{tag} {handlers[0]}=...>")
        if tag == "script" and "src" not in attributes and attributes.get("type") != "application/json":
            self.inline.append("<script> without src")
        if any(str(value).strip().lower().startswith("javascript:") for value in attributes.values() if value):
            self.inline.append(f"<{tag}> with a javascript: URL")


@pytest.fixture
def admin_client(app, make_user, open_cycle):
    make_user("admin@example.org", "admin")
    with app.app_context():
        kiosks.create_kiosk("Comptoir 1", "Ahuntsic", ("comptoir",), kiosks.KioskSettings(), "246813")
    client = app.test_client()
    client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD})
    return client


def assert_headers(response, path):
    policy = directives(response)
    assert policy["script-src"] == "'self'", path
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'", path
    assert policy["frame-ancestors"] == "'none'", path
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff", path
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin", "no-referrer"), path


def test_every_public_page_type_carries_the_headers(client, open_cycle):
    for path in PUBLIC_PAGES:
        response = fetch(client, path)
        assert response.status_code < 500, path
        assert_headers(response, path)
        assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_staff_pages_and_results_carry_the_headers_and_are_never_cached(admin_client):
    for path in STAFF_PAGES:
        response = fetch(admin_client, path)
        assert response.status_code == 200, path
        assert_headers(response, path)
        assert response.headers["Cache-Control"] == "no-store", path


def test_no_page_holds_inline_script_or_event_handlers(admin_client):
    for path in PUBLIC_PAGES + STAFF_PAGES:
        response = fetch(admin_client, path)
        if response.mimetype != "text/html":
            continue
        finder = ScriptFinder()
        finder.feed(response.get_data(as_text=True))
        assert finder.inline == [], path


def test_json_answers_to_tokens_are_never_cached(client, make_user):
    token = make_user("eva@example.org", "evaluator")
    response = client.get("/api/v1/results/comptoir", headers={"Authorization": f"Bearer {token}"})
    assert_headers(response, "results API")
    assert response.headers["Cache-Control"] == "no-store"


def test_hsts_over_https_directly_and_behind_a_trusted_proxy_only(database_uri):
    direct = make_app(database_uri).test_client()
    assert "max-age=31536000" in direct.get("/", base_url="https://servir.example").headers["Strict-Transport-Security"]
    spoofed = direct.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in spoofed.headers  # no proxy is trusted by default
    proxied = make_app(database_uri, TRUSTED_PROXIES=1).test_client()
    response = proxied.get("/", headers={"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert re.fullmatch(r"max-age=\d+", response.headers["Strict-Transport-Security"])
