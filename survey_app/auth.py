"""Access: who is behind a request, the role check for any view, and the sign-in pages.

Browsers authenticate with a session (Flask-Login, see :mod:`survey_app.sessions`); programs
and staff tools send ``Authorization: Bearer <token>``. :func:`roles_required` accepts either.
Sign-in, sign-out and the own-password page are here; what they change is in
:mod:`survey_app.services.users`.
"""
from __future__ import annotations

import functools
from collections.abc import Callable

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
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from . import passwords, sessions
from .application import this_request, this_session
from .credentials import hash_password, hash_token, new_token  # noqa: F401  (the public names of before)
from .extensions import login_manager
from .models import User
from .redirects import same_site_path
from .services import users

bp = Blueprint("auth", __name__, url_prefix="/auth")

ROLE_LABELS = {"admin": _l("Administrator"), "staff": _l("Staff"), "evaluator": _l("Evaluator")}
# Where each role starts after sign-in when no ``next`` was asked for.
START_PAGES = {"admin": "/admin/", "evaluator": "/results/", "staff": "/admin/kiosks/"}
# The pages a user who must choose a new password can still reach.
OPEN_TO_PASSWORD_CHANGE = {"auth.password", "auth.logout", "static", "i18n.switch"}


def bearer_token() -> str | None:
    header = this_request().headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return None


def signed_in() -> bool:
    """Whether a user is signed in on this browser's session. A session that holds no user id
    is anonymous without asking Flask-Login (whose session protection would mark it "not
    fresh", a cookie to sign again on each citizen's post); no remember-me cookie is issued."""
    return "_user_id" in this_session() and current_user.is_authenticated


def user_for_token(token: str) -> User | None:
    return users.user_for_token(token)


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


def actor() -> str | None:
    """The e-mail address of the user behind this request, for the audit trail."""
    user = request_user()
    return user.email if user else None


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


def start_page(user: User) -> str:
    return START_PAGES.get(user.role, url_for("survey.index"))


def password_message(code: str) -> str:
    """A password policy problem (see :mod:`survey_app.passwords`) in the reader's language."""
    messages = {
        "too_short": _("Choose a password of at least %(n)s characters.", n=passwords.MIN_LENGTH),
        "too_long": _("Choose a password of at most %(n)s characters.", n=passwords.MAX_LENGTH),
        "common": _("This password is among the most common leaked passwords: choose another."),
        "unchanged": _("Choose a password different from the current one."),
    }
    return messages.get(code, _("This password is not accepted."))


class LoginForm(FlaskForm):
    email = EmailField(
        _l("E-mail address"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )
    password = PasswordField(_l("Password"), validators=[DataRequired()])


class PasswordForm(FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired()])
    password = PasswordField(
        _l("New password"), validators=[DataRequired()],
        description=_l("At least 12 characters. A sentence of several words is easy to remember and hard to guess."))
    confirm = PasswordField(_l("New password, again"),
                            validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))])


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    form = LoginForm()
    if form.validate_on_submit():
        user = users.authenticate(form.email.data, form.password.data)
        if user is not None:
            users.record_sign_in(user.id)
            sessions.start(user)
            if user.must_change_password:
                flash(_("You signed in with a temporary password: choose your own now."), "info")
                return redirect(url_for(".password"))
            flash(_("You are signed in."), "success")
            return redirect(same_site_path(request.args.get("next"), start_page(user)))
        users.record_failed_sign_in(form.email.data)
        form.password.errors.append(_("Unknown e-mail address or wrong password."))
    return render_template("auth/login.html", form=form), (422 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
def logout() -> ResponseReturnValue:
    if current_user.is_authenticated:
        users.sign_out(current_user.id)
    sessions.end()
    flash(_("You are signed out."), "success")
    return redirect(url_for("survey.index"))


@bp.route("/password", methods=["GET", "POST"])
def password() -> ResponseReturnValue:
    """A signed-in user changes their own password; their other sessions end."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    form = PasswordForm()
    if form.validate_on_submit():
        try:
            user = users.change_own_password(current_user.id, form.current.data, form.password.data)
        except users.UserError as exc:
            if exc.field == "current":
                form.current.errors.append(_("This is not your current password."))
            else:
                form.password.errors.append(password_message(exc.code))
        else:
            sessions.renew(user)
            flash(_("Your password is changed. Your sessions on other devices have ended."), "success")
            return redirect(start_page(user))
    return render_template("auth/password.html", form=form), (422 if form.errors else 200)


def init_app(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"

    @app.context_processor
    def inject_role_labels():
        return {"role_labels": ROLE_LABELS}

    @app.before_request
    def require_new_password():
        endpoint = this_request().endpoint
        if endpoint in OPEN_TO_PASSWORD_CHANGE or endpoint is None:
            return None
        if bearer_token() is None and signed_in() and current_user.must_change_password:
            return redirect(url_for("auth.password"))
        return None
