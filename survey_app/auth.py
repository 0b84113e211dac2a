"""Access: users with roles, argon2id passwords, hashed API tokens, a role check for any view.

Browsers authenticate with a session (Flask-Login); programs and staff tools send
``Authorization: Bearer <token>``. :func:`roles_required` accepts either.
"""
from __future__ import annotations

import functools
import hashlib
import secrets
from typing import Callable
from urllib.parse import urlsplit

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, Length

from .extensions import db, login_manager
from .models import ApiToken, User

bp = Blueprint("auth", __name__, url_prefix="/auth")

# argon2-cffi's defaults are argon2id with RFC 9106's low-memory profile.
password_hasher = PasswordHasher()
# Verified against when the e-mail is unknown, so a login takes as long either way.
_DUMMY_HASH = password_hasher.hash("not a real password")


def hash_password(password: str) -> str:
    return password_hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    try:
        password_hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    return user is not None and user.active


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        db.select(ApiToken).where(
            ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None)
        )
    ).scalar_one_or_none()
    if row is None or not row.user.active:
        return None
    return row.user


def request_user() -> User | None:
    """The user behind this request: bearer token first, then the browser session."""
    if "request_user" not in g:
        token = bearer_token()
        if token is not None:
            g.request_user = user_for_token(token)
        elif current_user.is_authenticated:
            g.request_user = current_user._get_current_object()
        else:
            g.request_user = None
    return g.request_user


def _wants_json() -> bool:
    return request.path.startswith("/api/") or bearer_token() is not None


def roles_required(*roles: str) -> Callable:
    """Allow a view to users holding one of ``roles``.

    Anonymous: a login redirect for pages, 401 for the API. Wrong role: 403.
    """

    def decorator(view):
        @functools.wraps(view)
        def wrapped(*args, **kwargs):
            user = request_user()
            if user is None:
                if _wants_json():
                    return jsonify(error=_("Authentication required.")), 401
                return login_manager.unauthorized()
            if user.role not in roles:
                if _wants_json():
                    return jsonify(error=_("You do not have access to this resource.")), 403
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])


def _safe_next(target: str | None) -> str:
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/"):
            return target
    return url_for("survey.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if form.validate_on_submit():
        email = form.email.data.strip().lower()
        user = db.session.execute(db.select(User).where(User.email == email)).scalar_one_or_none()
        if verify_password(user, form.password.data):
            login_user(user)
            flash(_("You are signed in."), "success")
            return redirect(_safe_next(request.args.get("next")))
        form.password.errors.append(_("Unknown e-mail address or wrong password."))
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout():
    logout_user()
    flash(_("You are signed out."), "success")
    return redirect(url_for("survey.index"))


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @login_manager.user_loader
    def load_user(user_id: str) -> User | None:
        user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
        return user if user and user.active else None
