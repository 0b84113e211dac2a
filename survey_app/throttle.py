"""Rate limits with Flask-Limiter: sign-in throttling, anonymous submissions, bearer tokens.

Failed sign-ins are counted per account and per client within a moving window (ASVS 5.0
V6.3.1); past ``SIGNIN_LIMIT_PER_ACCOUNT`` or ``SIGNIN_LIMIT_PER_CLIENT`` the sign-in answers
429 with ``Retry-After``, even for the right password, until the window has moved on — never a
permanent lock. Anonymous submissions (the online form, the JSON API without a token) are
limited per client by ``SUBMISSION_LIMIT_PER_CLIENT``, so one client cannot stuff the ballot
box; every request with a bearer token (kiosk, staff, evaluator) counts against
``TOKEN_LIMIT`` for that token, whatever the endpoint.

Each application gets its own limiter (its storage is ``RATELIMIT_STORAGE_URI``: ``memory://``
for one server, ``redis://...`` for several, which ``REDIS_URL`` sets when the storage is left
at ``memory://``). Keys are HMACs of the e-mail address and of the
client address, so the limiter's storage holds no address in clear.
``RATELIMIT_ENABLED = False`` switches every limit off.
"""
from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, request
from flask_limiter import Limiter

from .auth import bearer_token


def _digest(kind: str, value: str) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return kind + ":" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def account_key() -> str:
    return _digest("account", (request.form.get("email") or "").strip().lower())


def client_key() -> str:
    return _digest("client", request.remote_addr or "unknown")


def token_key() -> str:
    return _digest("token", bearer_token() or "")


def _has_token() -> bool:
    return bearer_token() is not None


def _anonymous() -> bool:
    return bearer_token() is None


def _failed(response) -> bool:
    # The sign-in page answers 422 to a refused sign-in (and to a form with missing fields).
    return response.status_code == 422


def init_app(app: Flask) -> Limiter:
    if app.config["REDIS_URL"] and app.config["RATELIMIT_STORAGE_URI"] == "memory://":
        app.config["RATELIMIT_STORAGE_URI"] = app.config["REDIS_URL"]
    limiter = Limiter(key_func=client_key, app=app)
    app.extensions["servir_limiter"] = limiter
    if not limiter.enabled:
        # Switched off: no view wrapped, since a wrapped view still walks Flask-Limiter's
        # (empty) limits on every request.
        return limiter
    # Flask-Limiter checks a decorated limit when the wrapped view is called: wrap the view
    # registered by the auth blueprint (each application has its own limiter).
    # Any view: Flask-Limiter's decorator is typed for async views too, Flask's mapping for sync ones.
    login_view: Callable[..., Any] = app.view_functions["auth.login"]
    for setting, key_func in (("SIGNIN_LIMIT_PER_ACCOUNT", account_key), ("SIGNIN_LIMIT_PER_CLIENT", client_key)):
        login_view = limiter.limit(app.config[setting], key_func=key_func, methods=["POST"],
                                   deduct_when=_failed, scope=setting.lower())(login_view)
    app.view_functions["auth.login"] = login_view
    # One count per client for the form and the API together.
    anonymous = limiter.shared_limit(app.config["SUBMISSION_LIMIT_PER_CLIENT"], scope="anonymous_submissions",
                                     key_func=client_key, methods=["POST"], exempt_when=_has_token)
    for endpoint in ("survey.answer", "survey.invitation", "api.submit_response"):
        limited: Callable[..., Any] = anonymous(app.view_functions[endpoint])
        app.view_functions[endpoint] = limited
    per_token = limiter.shared_limit(app.config["TOKEN_LIMIT"], scope="token", key_func=token_key,
                                     exempt_when=_anonymous)
    for endpoint, view in list(app.view_functions.items()):
        if endpoint != "static":
            per_token_view: Callable[..., Any] = per_token(view)
            app.view_functions[endpoint] = per_token_view
    return limiter
