"""The console's commitments pages: units and commitments, created, edited, retired.

A commitment is never deleted (its responses and results stay); retiring hides it from
citizens. The rules are services/commitments.py's.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DecimalField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional, Regexp

from ..auth import roles_required
from ..i18n import current_language
from ..models import NORM_UNITS
from ..services import commitments
from .admin_console import actor, require_csrf

bp = Blueprint("admin_commitments", __name__, url_prefix="/admin/commitments")

CODE_RULE = Regexp(r"^[A-Za-z0-9][A-Za-z0-9._-]*$", message=_l("Letters, digits, dots, dashes and underscores only."))


def norm_unit_labels() -> dict[str, str]:
    return {"working_days": _("working days"), "days": _("days"), "hours": _("hours"),
            "minutes": _("minutes"), "seconds": _("seconds")}


def indicator_labels() -> dict[str, str]:
    return {"pct_satisfied": _("percent satisfied"), "index": _("satisfaction index (0–100)"),
            "pct_met": _("percent of cases within the norm")}


class UnitForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40), CODE_RULE],
                       description=_l("Short and stable, for example AMENAGEMENT."))
    name_fr = StringField(_l("Name in French"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Name in English"), validators=[DataRequired(), Length(max=200)])


class CommitmentForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=20), CODE_RULE],
                       description=_l("For example C-07. It cannot change once created."))
    unit_id = SelectField(_l("Owning unit"), coerce=int, validate_choice=True)
    title_fr = StringField(_l("Title in French"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=300)])
    norm_fr = TextAreaField(_l("Service standard in French"), validators=[Optional(), Length(max=2000)],
                            description=_l("The promise as citizens read it."), render_kw={"rows": 3})
    norm_en = TextAreaField(_l("Service standard in English"), validators=[Optional(), Length(max=2000)],
                            render_kw={"rows": 3})
    norm_value = DecimalField(_l("Measurable norm: number"), places=None, validators=[Optional(), NumberRange(min=0)],
                              description=_l("Where the standard is measurable, for example 10 (working days)."),
                              render_kw={"inputmode": "decimal"})
    norm_unit = SelectField(_l("Measurable norm: unit"), validate_choice=True)
    target_indicator = SelectField(_l("Target indicator"), validate_choice=True)
    target_value = DecimalField(_l("Target value"), places=None, validators=[Optional(), NumberRange(min=0, max=100)],
                                description=_l("From 0 to 100, for example 85."), render_kw={"inputmode": "decimal"})

    def data_for_service(self) -> commitments.CommitmentData:
        def number(field):
            return float(field.data) if field.data is not None else None

        return commitments.CommitmentData(
            code=self.code.data or "", unit_id=self.unit_id.data, title_fr=self.title_fr.data,
            title_en=self.title_en.data, norm_fr=self.norm_fr.data, norm_en=self.norm_en.data,
            norm_value=number(self.norm_value), norm_unit=self.norm_unit.data or None,
            target_indicator=self.target_indicator.data or None, target_value=number(self.target_value),
        )


SERVICE_MESSAGES = {
    "exists": _l("This code is already used."),
    "required": _l("This field is required."),
    "norm_pair": _l("Give both the number and the unit of a measurable norm, or neither."),
    "target_pair": _l("Give both the indicator and the value of the target, or neither."),
    "percent": _l("From 0 to 100."),
    "positive": _l("Must be greater than 0."),
}


def _service_error(form: FlaskForm, error: commitments.CommitmentError) -> None:
    field = getattr(form, error.field, None) or form.code
    field.errors = list(field.errors) + [str(SERVICE_MESSAGES.get(error.reason, _l("This value is not accepted.")))]


def _commitment_form(row=None) -> CommitmentForm:
    form = CommitmentForm() if row is None else CommitmentForm(data={
        "code": row.code, "unit_id": row.unit_id, "title_fr": row.title_fr, "title_en": row.title_en,
        "norm_fr": row.norm_fr, "norm_en": row.norm_en, "norm_value": row.norm_value,
        "norm_unit": row.norm_unit or "", "target_indicator": row.target_indicator or "",
        "target_value": row.target_value,
    })
    lang = current_language()
    form.unit_id.choices = [SelectChoice(u.id, f"{u.code} — {u.name(lang)}") for u in commitments.list_units()]
    form.norm_unit.choices = [SelectChoice("", _("— not measurable —"))] + [
        SelectChoice(key, label) for key, label in norm_unit_labels().items()]
    form.target_indicator.choices = [SelectChoice("", _("— no target —"))] + [
        SelectChoice(key, label) for key, label in indicator_labels().items()]
    return form


@bp.get("/")
@roles_required("admin")
def index():
    return render_template("admin/commitments.html", units=commitments.list_units(),
                           commitments=commitments.list_commitments(), counts=commitments.response_counts(),
                           norm_units=norm_unit_labels(), indicators=indicator_labels(), form=FlaskForm())


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def create():
    form = _commitment_form()
    if not form.unit_id.choices:
        flash(_("Create a unit first: every commitment belongs to one."), "info")
        return redirect(url_for(".create_unit"))
    if form.validate_on_submit():
        try:
            row = commitments.create_commitment(form.data_for_service(), actor=actor())
        except commitments.CommitmentError as exc:
            _service_error(form, exc)
        else:
            flash(_("Commitment %(code)s created.", code=row.code), "success")
            return redirect(url_for(".index"))
    return render_template("admin/commitment_form.html", form=form, row=None), (422 if form.errors else 200)


@bp.route("/<int:commitment_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit(commitment_id: int):
    row = commitments.get_commitment(commitment_id)
    if row is None:
        abort(404)
    form = _commitment_form(row)
    form.code.data = row.code  # the code stays
    if form.validate_on_submit():
        try:
            commitments.update_commitment(commitment_id, form.data_for_service(), actor=actor())
        except commitments.CommitmentError as exc:
            _service_error(form, exc)
        else:
            flash(_("Commitment %(code)s saved.", code=row.code), "success")
            return redirect(url_for(".index"))
    return render_template("admin/commitment_form.html", form=form, row=row), (422 if form.errors else 200)


@bp.post("/<int:commitment_id>/retire")
@roles_required("admin")
def retire(commitment_id: int):
    require_csrf()
    try:
        row = commitments.set_retired(commitment_id, True, actor=actor())
    except commitments.CommitmentError:
        abort(404)
    flash(_("Commitment %(code)s retired: citizens no longer see it; its results stay.", code=row.code), "success")
    return redirect(url_for(".index"))


@bp.post("/<int:commitment_id>/restore")
@roles_required("admin")
def restore(commitment_id: int):
    require_csrf()
    try:
        row = commitments.set_retired(commitment_id, False, actor=actor())
    except commitments.CommitmentError:
        abort(404)
    flash(_("Commitment %(code)s is offered to citizens again.", code=row.code), "success")
    return redirect(url_for(".index"))


@bp.route("/units/new", methods=["GET", "POST"])
@roles_required("admin")
def create_unit():
    form = UnitForm()
    if form.validate_on_submit():
        try:
            unit = commitments.create_unit(form.code.data, form.name_fr.data, form.name_en.data, actor=actor())
        except commitments.CommitmentError as exc:
            _service_error(form, exc)
        else:
            flash(_("Unit %(code)s created.", code=unit.code), "success")
            return redirect(url_for(".index"))
    return render_template("admin/unit_form.html", form=form, unit=None), (422 if form.errors else 200)


@bp.route("/units/<int:unit_id>", methods=["GET", "POST"])
@roles_required("admin")
def edit_unit(unit_id: int):
    unit = commitments.get_unit(unit_id)
    if unit is None:
        abort(404)
    form = UnitForm(data={"code": unit.code, "name_fr": unit.name_fr, "name_en": unit.name_en})
    form.code.data = unit.code
    if form.validate_on_submit():
        try:
            commitments.update_unit(unit_id, form.name_fr.data, form.name_en.data, actor=actor())
        except commitments.CommitmentError as exc:
            _service_error(form, exc)
        else:
            flash(_("Unit %(code)s saved.", code=unit.code), "success")
            return redirect(url_for(".index"))
    return render_template("admin/unit_form.html", form=form, unit=unit), (422 if form.errors else 200)
