"""Staff pages for kiosks: health by site, create (with the one-time code), settings, revoke."""
from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, NumberRange, Optional, Regexp

from ..auth import request_user, roles_required
from ..forms import MultiCheckboxField
from ..i18n import localized
from ..services import catalogue, kiosk_pins, kiosks

bp = Blueprint("kiosk_admin", __name__, url_prefix="/admin/kiosks")

STAFF_ROLES = ("admin", "staff")


def _pin_rule() -> Regexp:
    """The PIN's length from the settings (SERVIR_KIOSK_PIN_MIN_LENGTH), as the service checks it."""
    low, high = kiosk_pins.min_length(), kiosk_pins.PIN_MAX_LENGTH
    return Regexp(rf"^\d{{{low},{high}}}$", message=_("The PIN is %(min)s to %(max)s digits.", min=low, max=high))


def _seconds(label, low: int, high: int, default: int, description):
    return IntegerField(
        label, default=default, description=description,
        validators=[InputRequired(message=_l("Enter a number of seconds.")),
                    NumberRange(low, high, message=_l("From %(min)s to %(max)s seconds."))],
        render_kw={"inputmode": "numeric", "min": low, "max": high},
    )


class KioskForm(FlaskForm):
    name = StringField(_l("Kiosk name"), validators=[DataRequired(), Length(max=120)],
                       description=_l("For example: Permit counter, tablet 1."))
    site = StringField(_l("Site"), validators=[DataRequired(), Length(max=120)],
                       description=_l("Where the kiosk stands, for example: Ahuntsic borough office."))
    questionnaires = MultiCheckboxField(
        _l("Questionnaires"), validate_choice=True,
        description=_l("None checked: every questionnaire offered on kiosks."),
    )
    inactivity_timeout = _seconds(
        _l("Inactivity timeout"), 5, 3600, 90,
        _l("Seconds without a touch before the kiosk asks whether the citizen is still there."))
    keep_partial = RadioField(
        _l("A questionnaire left unfinished"), default="discard",
        choices=[SelectChoice("discard", _l("is erased")),
                 SelectChoice("keep", _l("is kept as a partial response"))],
    )
    min_interval = _seconds(
        _l("Minimum interval between submissions"), 0, 600, 10,
        _l("Seconds before the next questionnaire can start, to stop repeated submissions."))
    thanks_seconds = _seconds(
        _l("Thank-you screen duration"), 2, 60, 8,
        _l("Seconds before the kiosk resets for the next person."))
    pin = PasswordField(_l("Staff PIN"),
                        render_kw={"inputmode": "numeric", "autocomplete": "new-password"})
    pin_confirm = PasswordField(
        _l("Staff PIN, again"),
        validators=[EqualTo("pin", message=_l("The two PINs differ."))],
        render_kw={"inputmode": "numeric", "autocomplete": "new-password"},
    )

    def settings(self) -> kiosks.KioskSettings:
        return kiosks.KioskSettings(
            inactivity_timeout_s=self.inactivity_timeout.data,
            keep_partial=self.keep_partial.data == "keep",
            min_interval_s=self.min_interval.data,
            thanks_seconds=self.thanks_seconds.data,
        )


def _form(kiosk=None, pin_required: bool = True) -> KioskForm:
    form = KioskForm() if kiosk is None else KioskForm(data={
        "name": kiosk.name,
        "site": kiosk.site,
        "questionnaires": list(kiosk.questionnaire_ids),
        "inactivity_timeout": kiosk.inactivity_timeout_s,
        "keep_partial": "keep" if kiosk.keep_partial else "discard",
        "min_interval": kiosk.min_interval_s,
        "thanks_seconds": kiosk.thanks_seconds,
    })
    form.questionnaires.choices = [
        SelectChoice(row.id, f"{row.commitment.code} — {localized(catalogue.published_definition(row).title)}")
        for row in kiosks.kiosk_questionnaires()
    ]
    # The PIN is required for a new kiosk; on the settings page an empty PIN keeps the old one.
    form.pin.validators = [DataRequired(message=_l("Choose a staff PIN.")) if pin_required else Optional(), _pin_rule()]
    form.pin.description = _("%(min)s to %(max)s digits. Staff enter it to leave kiosk mode.",
                             min=kiosk_pins.min_length(), max=kiosk_pins.PIN_MAX_LENGTH)
    return form


def _actor() -> str | None:
    user = request_user()
    return user.email if user else None


def _service_errors(form: KioskForm, error: kiosks.KioskError) -> None:
    fields = {"name": form.name, "site": form.site, "questionnaires": form.questionnaires,
              "inactivity_timeout_s": form.inactivity_timeout, "min_interval_s": form.min_interval,
              "thanks_seconds": form.thanks_seconds, "pin": form.pin}
    for key in error.errors:
        field = fields.get(key, form.name)
        field.errors = list(field.errors) + [_("This value is not accepted.")]


def _code_page(kiosk, code: str, created: bool):
    response = make_response(render_template(
        "admin/kiosk_code.html", kiosk=kiosk, code=code, created=created,
        expires_hours=current_app.config["KIOSK_ENROLLMENT_TTL_HOURS"],
    ))
    # The code is shown once: no copy in any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
@roles_required(*STAFF_ROLES)
def index() -> ResponseReturnValue:
    return render_template(
        "admin/kiosks.html", sites=kiosks.health(),
        silent_after=current_app.config["KIOSK_SILENT_AFTER_MINUTES"],
        pin_min_length=kiosk_pins.min_length(),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def create() -> ResponseReturnValue:
    form = _form()
    if form.validate_on_submit():
        try:
            kiosk, code = kiosks.create_kiosk(
                form.name.data, form.site.data, form.questionnaires.data or [],
                form.settings(), form.pin.data, actor=_actor(),
            )
        except kiosks.KioskError as exc:
            _service_errors(form, exc)
        else:
            return _code_page(kiosk, code, created=True)
    status = 422 if form.errors else 200
    return render_template("admin/kiosk_form.html", form=form, kiosk=None), status


@bp.route("/<int:kiosk_id>", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def edit(kiosk_id: int) -> ResponseReturnValue:
    kiosk = kiosks.get_kiosk(kiosk_id)
    if kiosk is None:
        abort(404)
    form = _form(kiosk, pin_required=False)  # a POST's own data take precedence
    if form.validate_on_submit():
        try:
            kiosks.update_kiosk(
                kiosk_id, form.name.data, form.site.data, form.questionnaires.data or [],
                form.settings(), form.pin.data or None, actor=_actor(),
            )
        except kiosks.KioskError as exc:
            _service_errors(form, exc)
        else:
            flash(_("Settings of kiosk “%(name)s” saved. The tablet applies them the next time it is online.",
                    name=form.name.data.strip()), "success")
            return redirect(url_for(".index"))
    status = 422 if form.errors else 200
    return render_template("admin/kiosk_form.html", form=form, kiosk=kiosk,
                           short_pin=kiosk_pins.short_pin(kiosk), pin_min_length=kiosk_pins.min_length()), status


@bp.post("/<int:kiosk_id>/code")
@roles_required(*STAFF_ROLES)
def new_code(kiosk_id: int) -> ResponseReturnValue:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        code = kiosks.reissue_code(kiosk_id, actor=_actor())
    except kiosks.KioskError:
        abort(404)
    return _code_page(kiosks.get_kiosk(kiosk_id), code, created=False)


@bp.post("/<int:kiosk_id>/revoke")
@roles_required(*STAFF_ROLES)
def revoke(kiosk_id: int) -> ResponseReturnValue:
    form = FlaskForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        kiosk = kiosks.revoke_kiosk(kiosk_id, actor=_actor())
    except kiosks.KioskError:
        abort(404)
    flash(_("Kiosk “%(name)s” revoked: its tablet can no longer send responses.", name=kiosk.name), "success")
    return redirect(url_for(".index"))
