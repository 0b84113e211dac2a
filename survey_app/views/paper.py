"""Staff pages for paper: choose a batch, key in its sheets, its summary, a sheet read-only, the
CSV import (upload) and each questionnaire's import template."""
from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, RadioField, SelectField, StringField
from wtforms.fields.choices import SelectChoice

from ..auth import request_user, roles_required
from ..forms import build_sheet_form
from ..i18n import localized, translate
from ..services import catalogue, imports, paper, sheets

bp = Blueprint("paper", __name__, url_prefix="/staff/paper")

STAFF_ROLES = ("admin", "staff")


def _actor() -> str | None:
    user = request_user()
    return user.email if user else None


def _questionnaire_choices(rows) -> list[SelectChoice]:
    return [SelectChoice(row.id, f"{row.commitment.code} — {localized(catalogue.definition_of(row.current_version).title)}")
            for row in rows]


def _cycle_choices() -> list[SelectChoice]:
    return [SelectChoice(cycle.code, f"{cycle.code} — {cycle.name}") for cycle in paper.open_cycles()]


class BatchForm(FlaskForm):
    questionnaire = SelectField(_l("Questionnaire"), validate_choice=True)
    cycle = SelectField(_l("Cycle"), validate_choice=True)
    label = StringField(_l("Batch label"), description=_l("For example: Lot 2026-11-30 Ahuntsic. "
                                                         "Type an existing label to go on with that batch."))
    language = RadioField(_l("Language of the sheets"), default="fr",
                          choices=[SelectChoice("fr", "Français"), SelectChoice("en", "English")])
    mode = RadioField(_l("Mode"), default="entry",
                      choices=[SelectChoice("entry", _l("First entry")),
                               SelectChoice("verification", _l("Verification (a second clerk re-enters a sample)"))])


class ImportForm(FlaskForm):
    file = FileField(_l("CSV file"), validators=[FileRequired(message=_l("Choose a CSV file."))],
                     description=_l("One row per sheet, with a sheet column. UTF-8 or Windows-1252, "
                                    "cells separated by , or ;."))
    questionnaire = SelectField(_l("Questionnaire"), validate_choice=True)
    cycle = SelectField(_l("Cycle"), validate_choice=True)
    channel = RadioField(_l("Channel"), default="paper",
                         choices=[SelectChoice("paper", _l("Paper")), SelectChoice("phone", _l("Phone"))])
    skip_invalid = BooleanField(_l("Store the valid rows even if others are invalid"))
    dry_run = BooleanField(_l("Check only: store nothing"))


def _choices(form) -> None:
    form.questionnaire.choices = _questionnaire_choices(paper.paper_questionnaires())
    form.cycle.choices = _cycle_choices()


@bp.route("/", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def index():
    form = BatchForm()
    _choices(form)
    if form.validate_on_submit():
        try:
            batch = paper.open_batch(form.questionnaire.data, form.cycle.data, form.label.data,
                                     form.language.data, actor=_actor())
        except paper.PaperError as exc:
            for key, message in exc.errors.items():
                field = getattr(form, key, form.label)
                field.errors = list(field.errors) + [translate(message)]
        else:
            return redirect(url_for(".sheet", batch_id=batch.id, mode=form.mode.data))
    status = 422 if form.errors else 200
    return render_template("paper/index.html", form=form, batches=paper.recent_batches(),
                           questionnaires=paper.paper_questionnaires()), status


def _batch_or_404(batch_id: int):
    batch = paper.get_batch(batch_id)
    if batch is None:
        abort(404)
    return batch, catalogue.definition_of(catalogue.current_version_ref(batch.questionnaire_id))


@bp.route("/batches/<int:batch_id>/sheet", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def sheet(batch_id: int):
    batch, definition = _batch_or_404(batch_id)
    mode = request.args.get("mode", "entry")
    if mode not in paper.MODES:
        abort(404)
    form = build_sheet_form(definition)
    entry = None
    status = 200
    if form.validate_on_submit():
        entry = paper.enter_sheet(batch, form.sheet.data, form.answers(), mode=mode, actor=_actor())
        if entry.status in ("stored", "verified"):
            flash(_("Sheet %(sheet)s saved.", sheet=entry.sheet) if entry.status == "stored"
                  else _("Sheet %(sheet)s verified.", sheet=entry.sheet), "success")
            # A blank sheet next, the cursor on its number (post/redirect/get).
            return redirect(url_for(".sheet", batch_id=batch.id, mode=mode))
        if entry.status == "invalid":
            form.attach_errors(entry.errors)
            status = 422
        else:
            status = 409 if entry.status == "duplicate" else 422
    return render_template(
        "paper/sheet.html", form=form, batch=batch, definition=definition, mode=mode, entry=entry,
        count=paper.entry_count(batch, mode),
    ), status


@bp.get("/batches/<int:batch_id>")
@roles_required(*STAFF_ROLES)
def batch_summary(batch_id: int):
    batch, definition = _batch_or_404(batch_id)
    return render_template("paper/batch.html", summary=paper.summary(batch), batch=batch, definition=definition)


@bp.get("/sheets/<receipt>")
@roles_required(*STAFF_ROLES)
def sheet_view(receipt: str):
    view = paper.sheet_view(receipt)
    if view is None:
        abort(404)
    return render_template("paper/sheet_view.html", view=view)


@bp.get("/<questionnaire_id>/template.csv")
@roles_required(*STAFF_ROLES)
def template(questionnaire_id: str):
    current = catalogue.current_version_ref(questionnaire_id)
    if current is None:
        abort(404)
    return Response(imports.template_csv(catalogue.definition_of(current)), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{questionnaire_id}.csv"'})


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*STAFF_ROLES)
def upload():
    form = ImportForm()
    form.questionnaire.choices = _questionnaire_choices(
        [row for row in catalogue.published_questionnaires()
         if set(catalogue.definition_of(row.current_version).channels) & set(sheets.SHEET_CHANNELS)])
    form.cycle.choices = _cycle_choices()
    report = problems = None
    status = 200
    if form.validate_on_submit():
        try:
            report = imports.import_csv(form.file.data.stream, questionnaire=form.questionnaire.data,
                                        cycle=form.cycle.data, channel=form.channel.data,
                                        skip_invalid=form.skip_invalid.data, dry_run=form.dry_run.data)
        except imports.ImportProblem as exc:
            problems = exc.texts()
            status = 422
        else:
            status = 200 if report.ok else 422
    elif form.errors:
        status = 422
    return render_template("paper/import.html", form=form, report=report, problems=problems), status
