"""The console's questionnaires pages: list, upload or edit a definition, preview, history,
differences between versions, publish and unpublish.

Thin over services/questionnaire_editor.py: the definition is checked by the questionnaires
library (the errors are exactly those of ``questionnaires check``), the preview reuses the
citizens' form rendering, and the comparability warning is the library's.
"""
from __future__ import annotations

from pathlib import PurePath

import questionnaires as qn
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import TextAreaField

from ..i18n import current_language
from ..auth import roles_required
from ..forms import build_form
from ..services import catalogue
from ..services import questionnaire_editor as editor
from ..services import questionnaire_templates
from .admin_console import actor, require_csrf

bp = Blueprint("admin_questionnaires", __name__, url_prefix="/admin/questionnaires")

NEW_SOURCE = "questionnaire.yaml"


class DefinitionForm(FlaskForm):
    upload = FileField(_l("Definition file"), description=_l("A YAML file (.yaml). When a file is chosen, it replaces the text below."),
                       render_kw={"accept": ".yaml,.yml,text/yaml"})
    definition = TextAreaField(_l("Definition (YAML)"), render_kw={"rows": 28, "spellcheck": "false",
                                                                   "autocapitalize": "off"})

    def text_and_source(self, default_source: str) -> tuple[str, str]:
        """The posted definition and the name its errors are reported under."""
        upload = self.upload.data
        if upload and getattr(upload, "filename", ""):
            name = PurePath(upload.filename.replace("\\", "/")).name or default_source
            raw = upload.read()
            try:
                return raw.decode("utf-8-sig"), name
            except UnicodeDecodeError as exc:
                raise qn.DefinitionError([qn.Issue(name, "", f"is not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
        return self.definition.data or "", default_source


def _row_or_404(questionnaire_id: str):
    row = editor.get_questionnaire(questionnaire_id)
    if row is None:
        abort(404)
    return row


def _title(row, lang: str) -> str:
    version = editor.latest_version(row)
    return catalogue.definition_of(version).title.get(lang) if version else row.id


def _editor_page(form: DefinitionForm, row, issues: list[qn.Issue] | None, template: str | None = None):
    if issues:
        form.definition.errors = [_("The definition has %(num)d error(s); nothing was saved.", num=len(issues))]
    return render_template("admin/questionnaire_edit.html", form=form, row=row, issues=issues or [],
                           disk=editor.disk_file(row) if row is not None else None,
                           templates=questionnaire_templates.list_templates() if row is None else [],
                           template=template), (422 if issues else 200)


def _save(form: DefinitionForm, row):
    try:
        text, source = form.text_and_source(editor.source_file_name(row.id) if row is not None else NEW_SOURCE)
        if not text.strip():
            raise qn.DefinitionError([qn.Issue(source, "", "the file is empty")])
        saved, changed = editor.save_draft(text, source, actor(), row.id if row is not None else None)
    except qn.DefinitionError as exc:
        if form.upload.data:
            form.definition.data = _uploaded_text(form)
        return _editor_page(form, row, exc.errors)
    if not changed:
        flash(_("No change: this definition is the one already stored."), "info")
        return redirect(url_for(".detail", questionnaire_id=saved.id))
    flash(_("Definition saved as a draft. Preview it, then publish it."), "success")
    return redirect(url_for(".preview", questionnaire_id=saved.id))


def _uploaded_text(form: DefinitionForm) -> str:
    """After an invalid upload, show the uploaded text in the editor so it can be fixed there."""
    upload = form.upload.data
    try:
        upload.seek(0)
        return upload.read().decode("utf-8-sig")
    except (AttributeError, OSError, UnicodeDecodeError):
        return form.definition.data or ""


@bp.get("/")
@roles_required("admin")
def index() -> ResponseReturnValue:
    files = editor.disk_files()
    rows = [(row, editor.draft_of(row), editor.disk_file(row, files)) for row in editor.list_questionnaires()]
    return render_template("admin/questionnaires.html", rows=rows, definition_of=catalogue.definition_of,
                           number=editor.version_number)


@bp.route("/new", methods=["GET", "POST"])
@roles_required("admin")
def create() -> ResponseReturnValue:
    form = DefinitionForm()
    if form.validate_on_submit():
        return _save(form, None)
    template = request.args.get("template")
    if template and not form.is_submitted():
        text = questionnaire_templates.template_text(template)
        if text is None:
            abort(404)
        form.definition.data = text
    return _editor_page(form, None, None, template)


@bp.get("/<questionnaire_id>")
@roles_required("admin")
def detail(questionnaire_id: str) -> ResponseReturnValue:
    row = _row_or_404(questionnaire_id)
    entries = editor.history(row)
    return render_template("admin/questionnaire.html", row=row, draft=editor.draft_of(row), entries=entries,
                           disk=editor.disk_file(row), definition_of=catalogue.definition_of,
                           number=editor.version_number, form=FlaskForm())


@bp.route("/<questionnaire_id>/edit", methods=["GET", "POST"])
@roles_required("admin")
def edit(questionnaire_id: str) -> ResponseReturnValue:
    row = _row_or_404(questionnaire_id)
    form = DefinitionForm()
    if form.validate_on_submit():
        return _save(form, row)
    if request.method == "GET":
        form.definition.data = editor.editor_text(row)
    return _editor_page(form, row, None)


@bp.get("/<questionnaire_id>/preview")
@roles_required("admin")
def preview(questionnaire_id: str) -> ResponseReturnValue:
    row = _row_or_404(questionnaire_id)
    language = request.args.get("language", current_language())
    if language not in ("fr", "en"):
        abort(404)
    draft = editor.draft_of(row)
    version = draft or row.current_version
    definition = catalogue.definition_of(version)
    # The whole page in the previewed language: what a citizen choosing it would read.
    with force_locale(language):
        form = build_form(definition, meta={"csrf": False})
        return render_template("admin/questionnaire_preview.html", row=row, version=version, draft=draft,
                               definition=definition, form=form, language=language,
                               number=editor.version_number(row, version), action_form=FlaskForm(),
                               missing=qn.missing_translations(definition, "en") if language == "en" else [])


@bp.post("/<questionnaire_id>/publish")
@roles_required("admin")
def publish(questionnaire_id: str) -> ResponseReturnValue:
    require_csrf()
    _row_or_404(questionnaire_id)
    try:
        row = editor.publish(questionnaire_id, actor())
    except editor.EditorError:
        flash(_("Nothing to publish: this questionnaire is published and has no draft."), "error")
    else:
        assert row.current_version is not None  # publish() sets it
        flash(_("Questionnaire %(id)s is published: citizens now answer version %(number)s.",
                id=row.id, number=editor.version_number(row, row.current_version)), "success")
    return redirect(url_for(".detail", questionnaire_id=questionnaire_id))


@bp.post("/<questionnaire_id>/unpublish")
@roles_required("admin")
def unpublish(questionnaire_id: str) -> ResponseReturnValue:
    require_csrf()
    _row_or_404(questionnaire_id)
    try:
        editor.unpublish(questionnaire_id, actor())
    except editor.EditorError:
        flash(_("This questionnaire is not published."), "error")
    else:
        flash(_("Questionnaire %(id)s is no longer offered to citizens.", id=questionnaire_id), "success")
    return redirect(url_for(".detail", questionnaire_id=questionnaire_id))


@bp.post("/<questionnaire_id>/discard")
@roles_required("admin")
def discard(questionnaire_id: str) -> ResponseReturnValue:
    require_csrf()
    _row_or_404(questionnaire_id)
    try:
        editor.discard_draft(questionnaire_id, actor())
    except editor.EditorError:
        flash(_("There is no draft to discard."), "error")
    else:
        flash(_("Draft discarded: the current version stays."), "success")
    return redirect(url_for(".detail", questionnaire_id=questionnaire_id))


@bp.get("/<questionnaire_id>/diff")
@roles_required("admin")
def diff(questionnaire_id: str) -> ResponseReturnValue:
    row = _row_or_404(questionnaire_id)
    if len(row.versions) < 2:
        flash(_("This questionnaire has a single version: there is nothing to compare."), "info")
        return redirect(url_for(".detail", questionnaire_id=row.id))
    try:
        new = editor.get_version(row, request.args.get("to", type=int) or row.versions[-1].id)
        default_old = next((v.id for v in reversed(row.versions) if v.id < new.id), row.versions[0].id)
        old = editor.get_version(row, request.args.get("from", type=int) or default_old)
    except editor.EditorError:
        abort(404)
    return render_template("admin/questionnaire_diff.html", row=row, old=old, new=new,
                           lines=editor.diff(old, new), changes=editor.comparability(old, new),
                           number=editor.version_number, new_definition=catalogue.definition_of(new),
                           old_definition=catalogue.definition_of(old))
