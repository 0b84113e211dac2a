"""Security headers on every response (OWASP Secure Headers): one policy for every page.

The Content-Security-Policy runs only the application's own script files (no inline script,
no ``eval``), loads nothing from elsewhere and lets no other site frame a page. Inline styles
stay allowed: the charts are inline SVG drawn by matplotlib, whose ``style`` attributes and
``<style>`` elements cannot run code. Staff pages, results and every answer to a signed-in
user or a bearer token are ``Cache-Control: no-store`` (no copy in a shared or back-button
cache); HTTPS responses carry HSTS (``request.is_secure`` sees through ``TRUSTED_PROXIES``).
"""
from __future__ import annotations

from flask import Flask, Response

from .application import this_app, this_request
from .auth import bearer_token, signed_in

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])
# Pages for staff and evaluators, and results in any form.
PRIVATE_PREFIXES = ("/admin", "/staff", "/results", "/auth", "/api/v1/results", "/api/v1/export",
                    "/exports", "/public/results")


def _private() -> bool:
    if this_request().path.startswith(PRIVATE_PREFIXES) or bearer_token() is not None:
        return True
    try:
        return signed_in()
    except Exception:  # the database is down: whoever it is, keep the page out of caches
        return True


# Every response's headers, unless its view set its own (an invitation's Referrer-Policy).
DEFAULT_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),  # for browsers without frame-ancestors
    ("Cross-Origin-Opener-Policy", "same-origin"),
)
_DEFAULTS_BY_KEY = tuple((name.lower(), name, value) for name, value in DEFAULT_HEADERS)


def add_security_headers(response: Response) -> Response:
    headers = response.headers
    # One pass over the headers already set, not one per default (Headers.setdefault scans).
    present = {name.lower() for name, _value in headers}
    for key, name, value in _DEFAULTS_BY_KEY:
        if key not in present:
            headers.add(name, value)
    hsts_seconds = this_app().config["HSTS_SECONDS"]
    if hsts_seconds and this_request().is_secure:
        headers.setdefault("Strict-Transport-Security", f"max-age={int(hsts_seconds)}")
    if _private():
        headers["Cache-Control"] = "no-store"
    return response


def init_app(app: Flask) -> None:
    app.after_request(add_security_headers)
