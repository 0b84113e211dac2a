"""The console's improvement-loop pages: operational indicators of the norms
(``/admin/indicators/``, admins: entered one by one or imported from a CSV) and improvement
actions (``/admin/actions/``, admins and staff -- staff may record actions for any unit,
since accounts carry no unit yet). The rules are services/indicators.py's and actions.py's.
"""
from __future__ import annotations

import io

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from ..auth import roles_required
from ..i18n import current_language, translate
from ..loop import ACTION_STATUSES
from ..services import actions, commitments, cycles, imports, indicators
from .admin_console import actor, require_csrf

bp = Blueprint("admin_programme", __name__, url_prefix="/admin")


class IndicatorForm(FlaskForm):
    commitment = SelectField(_l("Commitment"), validate_choice=True)
    cycle = SelectField(_l("Cycle"), validate_choice=True)
    met = IntegerField(_l("Cases within the norm"), validators=[InputRequired(), NumberRange(min=0)],
                       description=_l("For example the calls answered within 20 seconds."),
                       render_kw={"inputmode": "numeric"})
    total = IntegerField(_l("All cases"), validators=[InputRequired(), NumberRange(min=1)],
                         description=_l("For example all the calls received."), render_kw={"inputmode": "numeric"})
    source = StringField(_l("Source of the counts"), validators=[DataRequired(), Length(max=300)],
                         description=_l("For example: permit register, switchboard statistics."))
    period_start = DateField(_l("Start of the period counted"), validators=[Optional()],
                             description=_l("Leave empty for the cycle’s period."))
    period_end = DateField(_l("End of the period counted"), validators=[Optional()])


class IndicatorUploadForm(FlaskForm):
    upload = FileField(_l("CSV file"), validators=[FileRequired()],
                       description=_l("Columns commitment, cycle, met, total, source; UTF-8 or Windows-1252; "
                                      "“,” or “;”. Nothing is stored if a row is wrong."))


class ActionForm(FlaskForm):
    commitment = SelectField(_l("Commitment"), validate_choice=True)
    cycle = SelectField(_l("Cycle measuring its effect"), validate_choice=True,
                        description=_l("The cycle after the change: its measurement shows whether it helped."))
    title_fr = StringField(_l("Title in French"), validators=[DataRequired(), Length(max=300)])
    title_en = StringField(_l("Title in English"), validators=[DataRequired(), Length(max=300)])
    description_fr = TextAreaField(_l("Description in French"), validators=[Optional(), Length(max=5000)],
                                   render_kw={"rows": 3})
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=5000)],
                                   render_kw={"rows": 3})
    owner_unit = SelectField(_l("Unit carrying it out"), validate_choice=True)
    status = SelectField(_l("Status"), validate_choice=True)
    starts_on = DateField(_l("Start date"), validators=[Optional()])
    ends_on = DateField(_l("End date"), validators=[Optional()])


class StatusForm(FlaskForm):
    status = SelectField(_l("Status"), validate_choice=True)


def _choices(form) -> None:
    lang = current_language()
    form.commitment.choices = [SelectChoice(c.code, f"{c.code} — {c.title(lang)}") for c in commitments.list_commitments()]
    form.cycle.choices = [SelectChoice(c.code, f"{c.code} — {c.display_name(lang)}") for c in cycles.list_cycles()]


def _status_choices(form) -> None:
    form.status.choices = [SelectChoice(k, str(v)) for k, v in ACTION_STATUSES.items()]


def _service_errors(form, problems: dict) -> None:
    for name, message in problems.items():
        field = getattr(form, name, None) or form.commitment
        field.errors = list(field.errors) + [translate(message)]


def _text(value) -> str:
    return "" if value is None else str(value)


@bp.route("/indicators/", methods=["GET", "POST"])
@roles_required("admin")
def indicators_index():
    form = IndicatorForm(prefix="entry")
    upload = IndicatorUploadForm(prefix="csv")
    _choices(form)
    problems: list[str] = []
    if upload.upload.data and upload.validate_on_submit():
        data = upload.upload.data.read()
        try:
            report = indicators.import_csv(io.BytesIO(data), actor=actor())
        except imports.ImportProblem as exc:
            problems = exc.texts()
        else:
            problems = [p.text() for p in report.problems]
            if not problems:
                flash(report.summary(), "success")
                return redirect(url_for(".indicators_index"))
    elif form.validate_on_submit():
        fields = {name: _text(getattr(form, name).data) for name in
                  ("commitment", "cycle", "met", "total", "source", "period_start", "period_end")}
        try:
            report = indicators.save_indicator(fields, actor=actor())
        except indicators.IndicatorError as exc:
            _service_errors(form, exc.problems)
        else:
            flash(_("Indicator saved: %(summary)s", summary=report.summary()), "success")
            return redirect(url_for(".indicators_index"))
    failed = bool(form.errors or upload.errors or problems)
    return render_template("admin/indicators.html", form=form, upload=upload, problems=problems,
                           rows=indicators.list_indicators()), (422 if failed else 200)


@bp.route("/actions/", methods=["GET", "POST"])
@roles_required("admin", "staff")
def actions_index():
    form = ActionForm()
    _choices(form)
    _status_choices(form)
    lang = current_language()
    form.owner_unit.choices = [SelectChoice("", _("— the commitment’s unit —"))] + [
        SelectChoice(u.code, f"{u.code} — {u.name(lang)}") for u in commitments.list_units()]
    if form.validate_on_submit():
        data = actions.ActionData(
            form.commitment.data, form.cycle.data, form.title_fr.data, form.title_en.data,
            form.description_fr.data or "", form.description_en.data or "", form.owner_unit.data or "",
            form.status.data, form.starts_on.data, form.ends_on.data)
        try:
            actions.add_action(data, actor=actor())
        except actions.ActionError as exc:
            _service_errors(form, exc.problems)
        else:
            flash(_("Improvement action recorded."), "success")
            return redirect(url_for(".actions_index"))
    status_form = StatusForm()
    _status_choices(status_form)
    return render_template("admin/actions.html", form=form, status_form=status_form,
                           rows=actions.actions_of()), (422 if form.errors else 200)


@bp.post("/actions/<int:action_id>/status")
@roles_required("admin", "staff")
def action_status(action_id: int):
    require_csrf()
    form = StatusForm()
    _status_choices(form)
    if not form.validate_on_submit():
        flash(_("Choose a status."), "error")
        return redirect(url_for(".actions_index"))
    try:
        actions.set_status(action_id, form.status.data, actor=actor())
    except actions.ActionError:
        flash(_("This action does not exist."), "error")
    else:
        flash(_("Status changed."), "success")
    return redirect(url_for(".actions_index"))
