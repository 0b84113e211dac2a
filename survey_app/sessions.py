"""Signed-in sessions: ended on the server, limited in time, sent only over HTTPS when possible.

Flask keeps the session in a signed cookie. The cookie's user id is ``ID.VERSION`` (see
``User.get_id``): raising the user's ``session_version`` at sign-out, password change, role
change or disabling ends every session opened before, so a copied cookie no longer signs
anyone in. The cookie also holds when the session began and when it was last used; a session
idle for ``SESSION_IDLE_MINUTES`` or older than ``SESSION_MAX_HOURS`` is over. The cookie is
``Secure`` whenever the request came over HTTPS, directly or through ``TRUSTED_PROXIES``.
"""
from __future__ import annotations

import time

from flask import Flask, current_app, flash, session
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import URLSafeTimedSerializer
from flask_babel import gettext as _
from flask_login import login_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from .application import this_request
from .extensions import db, login_manager
from .models import User

SIGNED_IN_AT = "_signed_in_at"
SEEN_AT = "_seen_at"
# The idle clock moves at most this often, so the cookie is not rewritten on every request.
SEEN_PRECISION_S = 30
# What survives a sign-in or sign-out: the visitor's language.
KEPT = ("lang",)


def now() -> float:
    """Seconds since the epoch (tests move this clock)."""
    return time.time()


class CookieSessionInterface(SecureCookieSessionInterface):
    def __init__(self) -> None:
        self._serializers: dict[tuple, URLSafeTimedSerializer] = {}

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or this_request().is_secure

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        """Flask's serializer, built once per set of keys: Flask builds one per request, twice
        (to open the cookie, then to sign it), and building costs more than checking a cookie."""
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        found = self._serializers.get(keys)
        if found is None:
            built = super().get_signing_serializer(app)
            if built is None:
                return None
            found = self._serializers[keys] = built
        return found

    def save_session(self, app: Flask, session, response) -> None:
        """Flask's, without reading seven cookie settings to set no cookie: the session of
        a citizen who only answers is empty and unchanged (survey_app/citizen_csrf.py)."""
        if not session and not session.modified:
            if session.accessed:
                response.vary.add("Cookie")
            return
        super().save_session(app, session, response)


def _clear_keeping_language() -> None:
    kept = {key: session[key] for key in KEPT if key in session}
    session.clear()
    session.update(kept)


def start(user: User) -> None:
    """Sign ``user`` in on a fresh session (nothing from before sign-in carries over)."""
    _clear_keeping_language()
    login_user(user)
    session[SIGNED_IN_AT] = session[SEEN_AT] = now()


def end() -> None:
    logout_user()
    _clear_keeping_language()


def renew(user: User) -> None:
    """Keep the current session after the user's session version moved (own password change)."""
    signed_in_at = session.get(SIGNED_IN_AT)
    start(user)
    session[SIGNED_IN_AT] = signed_in_at or session[SEEN_AT]


def _timed_out(moment: float) -> bool:
    signed_in_at, seen_at = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(signed_in_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return True
    config = current_app.config
    return (moment - seen_at > float(config["SESSION_IDLE_MINUTES"]) * 60
            or moment - signed_in_at > float(config["SESSION_MAX_HOURS"]) * 3600)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: the user of a live session, else None (and the session is ended)."""
    ident, _sep, version = user_id.partition(".")
    user = db.session.get(User, int(ident)) if ident.isdigit() and version.isdigit() else None
    if user is None or not user.active or user.session_version != int(version):
        _clear_keeping_language()
        return None
    moment = now()
    if _timed_out(moment):
        _clear_keeping_language()
        flash(_("Your session has ended after a period without activity, or because it was too long. Please sign in again."), "info")
        return None
    if moment - session[SEEN_AT] >= SEEN_PRECISION_S:
        session[SEEN_AT] = moment
    return user


def init_app(app: Flask) -> None:
    app.session_interface = CookieSessionInterface()
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        # Flask's documented way to wrap the WSGI app, which mypy sees as replacing a method.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies, x_port=proxies)  # type: ignore[method-assign]
    login_manager.user_loader(load_user)
