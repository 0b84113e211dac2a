"""Admin pages for accounts: list, create, change role, disable and re-enable, reset a password,
and each user's API tokens. Every change is a POST behind CSRF; the ones that take something
away (disable, reset, revoke) first show a page saying what they do. Secrets (a temporary
password, a new token) are shown once, on a page no cache keeps.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, Optional

from ..auth import ROLE_LABELS, actor, password_message, roles_required
from ..credentials import temporary_password
from ..i18n import current_language
from ..models import ROLES
from ..services import users

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


def role_choices() -> ResponseReturnValue:
    return [(role, ROLE_LABELS[role]) for role in ROLES]


class CreateUserForm(FlaskForm):
    email = EmailField(_l("E-mail address"), filters=[lambda v: v.strip() if isinstance(v, str) else v],
                       validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)])
    role = SelectField(_l("Role"), choices=role_choices)
    password = PasswordField(
        _l("Temporary password"), validators=[Optional()],
        description=_l("Leave empty to have one generated and shown once. Either way, the person chooses their own at first sign-in."),
        render_kw={"autocomplete": "new-password"})


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)


def unit_choices():
    return [SelectChoice("", _("No unit"))] + [
        SelectChoice(unit.code, f"{unit.code} — {unit.name(current_language())}") for unit in users.list_units()]


class UnitForm(FlaskForm):
    unit = SelectField(_l("Unit"), choices=unit_choices,
                       description=_l("Staff see the follow-up cases of their unit only."))


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=80)],
                       description=_l("What the token is for, for example: BI dashboard."))


def _message(error: users.UserError) -> str:
    if error.field == "password":
        return password_message(error.code)
    messages = {
        ("email", "invalid"): _("Enter an e-mail address."),
        ("email", "taken"): _("A user with this e-mail address already exists."),
        ("role", "last_admin"): _("The last active administrator keeps the administrator role."),
        ("user", "last_admin"): _("The last active administrator cannot be disabled."),
        ("name", "taken"): _("This user already has a token with this name."),
        ("name", "too_long"): _("At most 80 characters."),
        ("name", "unknown"): _("This token no longer exists."),
        ("unit", "unknown"): _("Choose one of the units listed."),
    }
    return messages.get((error.field, error.code), _("This value is not accepted."))


def _user_or_404(user_id: int):
    user = users.get_user_by_id(user_id)
    if user is None:
        abort(404)
    return user


def _secret_page(user, kind: str, secret: str, name: str | None = None):
    response = make_response(render_template("admin/user_secret.html", user=user, kind=kind,
                                             secret=secret, name=name))
    response.headers["Cache-Control"] = "no-store"  # shown once: no copy in any cache
    return response


def _confirmed() -> bool:
    """True for a POST carrying a valid CSRF token; a POST without one is refused (400)."""
    form = FlaskForm()
    if form.is_submitted():
        if not form.validate():
            abort(400)
        return True
    return False


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    return render_template("admin/users.html", users=users.list_users(), role_labels=ROLE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def create() -> ResponseReturnValue:
    form = CreateUserForm()
    if form.validate_on_submit():
        password = form.password.data or temporary_password()
        try:
            user = users.create_user(form.email.data, password, form.role.data, actor=actor(), temporary=True)
        except users.UserError as exc:
            getattr(form, exc.field if exc.field in ("email", "role", "password") else "email").errors.append(_message(exc))
        else:
            if form.password.data:
                flash(_("Account %(email)s created. They choose their own password at first sign-in.",
                        email=user.email), "success")
                return redirect(url_for(".detail", user_id=user.id))
            return _secret_page(user, "password", password)
    return render_template("admin/user_new.html", form=form), (422 if form.errors else 200)


def _detail_page(user, role_form: RoleForm | None = None, token_form: TokenForm | None = None,
                 unit_form: UnitForm | None = None):
    status = 422 if role_form or token_form or unit_form else 200
    role_form = role_form or RoleForm(formdata=None, data={"role": user.role})
    token_form = token_form or TokenForm(formdata=None)
    unit = next((u for u in users.list_units() if u.id == user.unit_id), None)
    unit_form = unit_form or UnitForm(formdata=None, data={"unit": unit.code if unit else ""})
    return render_template("admin/user.html", user=user, role_form=role_form, token_form=token_form,
                           unit_form=unit_form, unit=unit,
                           tokens=users.list_tokens(user.email), role_labels=ROLE_LABELS), status


@bp.get("/<int:user_id>")
@roles_required("admin")
def detail(user_id: int) -> ResponseReturnValue:
    return _detail_page(_user_or_404(user_id))


@bp.post("/<int:user_id>/role")
@roles_required("admin")
def change_role(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _detail_page(user, role_form=form)
    try:
        users.set_role(user.email, form.role.data, actor=actor())
    except users.UserError as exc:
        form.role.errors.append(_message(exc))
        return _detail_page(user, role_form=form)
    flash(_("%(email)s is now %(role)s. Their open sessions have ended.",
            email=user.email, role=ROLE_LABELS[form.role.data]), "success")
    return redirect(url_for(".detail", user_id=user_id))


@bp.post("/<int:user_id>/unit")
@roles_required("admin")
def change_unit(user_id: int):
    user = _user_or_404(user_id)
    form = UnitForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _detail_page(user, unit_form=form)
    try:
        users.set_unit(user.email, form.unit.data or None, actor=actor())
    except users.UserError as exc:
        form.unit.errors.append(_message(exc))
        return _detail_page(user, unit_form=form)
    flash(_("Unit of %(email)s saved.", email=user.email), "success")
    return redirect(url_for(".detail", user_id=user_id))


def _state_change(user_id: int, active: bool):
    user = _user_or_404(user_id)
    if not _confirmed():
        return render_template("admin/user_confirm.html", user=user, action="enable" if active else "disable")
    try:
        users.set_active(user.email, active, actor=actor())
    except users.UserError as exc:
        flash(_message(exc), "error")
        return redirect(url_for(".detail", user_id=user_id))
    if active:
        flash(_("%(email)s can sign in again.", email=user.email), "success")
    else:
        flash(_("%(email)s is disabled: their sessions and API tokens no longer work.", email=user.email), "success")
    return redirect(url_for(".detail", user_id=user_id))


@bp.route("/<int:user_id>/disable", methods=["GET", "POST"])
@roles_required("admin")
def disable(user_id: int) -> ResponseReturnValue:
    return _state_change(user_id, active=False)


@bp.route("/<int:user_id>/enable", methods=["GET", "POST"])
@roles_required("admin")
def enable(user_id: int) -> ResponseReturnValue:
    return _state_change(user_id, active=True)


@bp.route("/<int:user_id>/reset-password", methods=["GET", "POST"])
@roles_required("admin")
def reset_password(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    if not _confirmed():
        return render_template("admin/user_confirm.html", user=user, action="reset")
    password = users.reset_password(user.email, actor=actor())
    return _secret_page(user, "password", password)


@bp.post("/<int:user_id>/tokens")
@roles_required("admin")
def create_token(user_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    form = TokenForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            abort(400)
        return _detail_page(user, token_form=form)
    try:
        token = users.issue_token(user.email, form.name.data, actor=actor())
    except users.UserError as exc:
        form.name.errors.append(_message(exc))
        return _detail_page(user, token_form=form)
    return _secret_page(user, "token", token, name=form.name.data.strip())


@bp.route("/<int:user_id>/tokens/<int:token_id>/revoke", methods=["GET", "POST"])
@roles_required("admin")
def revoke_token(user_id: int, token_id: int) -> ResponseReturnValue:
    user = _user_or_404(user_id)
    token = next((t for t in users.list_tokens(user.email) if t.id == token_id), None)
    if token is None:
        abort(404)
    if not _confirmed():
        return render_template("admin/user_confirm.html", user=user, action="revoke", token=token)
    users.revoke_token(user.email, token.name, actor=actor())
    flash(_("Token “%(name)s” revoked: programs using it are refused from now on.", name=token.name), "success")
    return redirect(url_for(".detail", user_id=user_id))
