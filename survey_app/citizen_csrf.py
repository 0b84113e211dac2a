"""The questionnaire's form against posts from other sites: a signed double-submit cookie.

Staff and admin forms carry Flask-WTF's token, whose secret rides in Flask's session cookie.
On a citizen's form that costs two itsdangerous signatures per page (the token, then the
session cookie), two checks per post and one more on the thank-you page: measured, a sixth of
a citizen's whole cycle (issue 16, ``bench/citizen.py``). So the questionnaire's form carries
OWASP's *signed double-submit cookie* instead: a random value in a cookie of its own
(``HttpOnly``, ``SameSite`` as the session cookie) and, in the page, that value's HMAC under
the application's secret key. A post must bring both, and another site can read neither.
Nothing is kept on the server; a citizen who only answers gets no session cookie.

Over HTTPS the cookie is ``__Host-servir_form``: browsers accept that name only from this very
host, over HTTPS, ``Secure``, for the whole site and no wider domain, so neither a sibling
domain nor a network attacker on plain HTTP can plant or shadow it (a planted cookie would do,
since the page signs the value its visitor sends). Over plain HTTP (development) it is
``servir_form`` and can be planted, as Flask's session cookie could.

It plugs into WTForms as the form's ``Meta.csrf_class`` (WTForms' extension point for CSRF),
so the form's ``csrf_token`` field and ``validate()`` behave as with Flask-WTF, and
``WTF_CSRF_ENABLED`` switches it as it does Flask-WTF's. Keys rotate as the session's: a
token made under a key of ``SECRET_KEY_FALLBACKS`` is still accepted.
"""
from __future__ import annotations

import hmac
import re
import secrets
from typing import Any

from flask import Flask, Response, g
from flask_babel import gettext as _
from wtforms import ValidationError
from wtforms.csrf.core import CSRF

from .application import this_app, this_request

COOKIE = "servir_form"
SECURE_COOKIE = "__Host-" + COOKIE
# What the HMAC is for, so that it can stand for nothing else signed with the same key.
_PURPOSE = b"servir: citizen form\x00"
_VALUE = re.compile(r"[A-Za-z0-9_-]{22}")  # secrets.token_urlsafe(16)
_ISSUED = "servir_form_cookie"  # on g: the value this response sets


def _keys(app: Flask) -> list[bytes]:
    """The current secret key first, then the fallbacks still accepted."""
    keys = [app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ())]
    return [key if isinstance(key, bytes) else str(key).encode() for key in keys]


def _mac(key: bytes, value: str) -> str:
    # hmac.digest: OpenSSL's HMAC in one call.
    return hmac.digest(key, _PURPOSE + value.encode(), "sha256").hex()


def _secure(app: Flask) -> bool:
    return bool(app.session_interface.get_cookie_secure(app))


def _sent_value(app: Flask) -> str | None:
    value = this_request().cookies.get(SECURE_COOKIE if _secure(app) else COOKIE)
    return value if value is not None and _VALUE.fullmatch(value) else None


def token() -> str:
    """The token of this visitor's form page; the cookie it pairs with is set on the response
    when the visitor has none yet."""
    app = this_app()
    value = g.get(_ISSUED) or _sent_value(app)
    if value is None:
        value = secrets.token_urlsafe(16)
        setattr(g, _ISSUED, value)
    return _mac(_keys(app)[0], value)


def is_valid(sent: Any) -> bool:
    """Whether ``sent`` (the posted token) was made for this visitor's cookie."""
    app = this_app()
    value = _sent_value(app)
    if value is None or not isinstance(sent, str):
        return False
    # As bytes: compare_digest refuses a str that is not ASCII (anything may be posted).
    posted = sent.encode()
    return any(hmac.compare_digest(_mac(key, value).encode(), posted) for key in _keys(app))


class CitizenCSRF(CSRF):
    """WTForms' CSRF protocol over :func:`token` and :func:`is_valid`."""

    def generate_csrf_token(self, csrf_token_field) -> str:
        return token()

    def validate_csrf_token(self, form, field) -> None:
        if not is_valid(field.data):
            raise ValidationError(_("This form could not be checked: please send it again."))


def _set_cookie(response: Response) -> Response:
    value = g.get(_ISSUED)
    if value is not None:
        app = this_app()
        secure = _secure(app)
        # Path "/" and no Domain: what a __Host- cookie must have, and the same without it.
        response.set_cookie(SECURE_COOKIE if secure else COOKIE, value, httponly=True, secure=secure,
                            samesite=app.session_interface.get_cookie_samesite(app), path="/")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_set_cookie)
