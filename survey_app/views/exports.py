"""Downloads of raw responses for evaluators: CSV (also in the API), XLSX and SPSS, protected
as microdata; and the unprotected export of the city's statistical unit (admins, audited)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from ..auth import actor, roles_required
from ..extensions import db
from ..i18n import current_language
from ..models import Questionnaire
from ..services import audit
from ..lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from ..services import exports
else:
    exports = lazy_module("survey_app.services.exports")

bp = Blueprint("exports", __name__)

MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "sav": "application/x-spss-sav",
}


def _download(body: str | bytes, filename: str, fmt: str, withheld: bool, **what: str) -> Response:
    audit.record_now("export.download", actor(), format=fmt, **what)
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # raw data stays out of shared caches
    if withheld:
        response.headers["X-Servir-Withheld"] = "fewer responses than the minimum cell size"
    return response


def _export_or_error(questionnaire_id: str, cycle: str | None, api: bool, protected: bool = True):
    if not cycle:
        if api:
            return None, (jsonify(error="The cycle is required.", errors={"cycle": "is required"}), 400)
        abort(400)
    try:
        return exports.response_export(questionnaire_id, cycle, current_app.config["MIN_CELL_SIZE"],
                                       protected=protected), None
    except exports.ExportError as exc:
        field, _sep, message = str(exc).partition(": ")
        if api:
            return None, (jsonify(error=message, errors={field: message}), 404)
        abort(404)


@bp.get("/api/v1/export/<questionnaire_id>.csv")
@roles_required("evaluator", "admin")
def api_csv(questionnaire_id: str) -> ResponseReturnValue:
    export, error = _export_or_error(questionnaire_id, request.args.get("cycle"), api=True)
    if error:
        return error
    return _download(exports.to_csv(export), f"servir-{questionnaire_id}-{export.cycle_code}.csv",
                     "csv", export.withheld, questionnaire=questionnaire_id, cycle=export.cycle_code, via="api")


@bp.get("/exports/<questionnaire_id>.<fmt>")
@roles_required("evaluator", "admin")
def download(questionnaire_id: str, fmt: str) -> ResponseReturnValue:
    if fmt not in MEDIA_TYPES:
        abort(404)
    export, _error = _export_or_error(questionnaire_id, request.args.get("cycle"), api=False)
    lang = current_language()
    body: str | bytes
    if fmt == "csv":
        body = exports.to_csv(export, lang)
    elif fmt == "xlsx":
        body = exports.to_xlsx([export], lang)
    else:
        body = exports.to_sav(export, lang)
    return _download(body, f"servir-{questionnaire_id}-{export.cycle_code}.{fmt}", fmt, export.withheld,
                     questionnaire=questionnaire_id, cycle=export.cycle_code)


@bp.get("/admin/exports/<questionnaire_id>.<fmt>")
@roles_required("admin")
def unprotected(questionnaire_id: str, fmt: str):
    """The unprotected export for the city's statistical unit: every value as stored (no
    generalisation, no suppression), audited as such."""
    if fmt not in MEDIA_TYPES:
        abort(404)
    export, _error = _export_or_error(questionnaire_id, request.args.get("cycle"), api=False, protected=False)
    lang = current_language()
    body = (exports.to_csv(export) if fmt == "csv" else exports.to_xlsx([export], lang) if fmt == "xlsx"
            else exports.to_sav(export, lang))
    audit.record_now("export.unprotected", actor(), format=fmt, questionnaire=questionnaire_id,
                     cycle=export.cycle_code)
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    response.headers["Content-Disposition"] = (
        f'attachment; filename="servir-{questionnaire_id}-{export.cycle_code}-unprotected.{fmt}"')
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/exports/all.xlsx")
@roles_required("evaluator", "admin")
def workbook() -> ResponseReturnValue:
    """Every questionnaire of a cycle in one workbook, with the codebook."""
    cycle = request.args.get("cycle")
    ids = db.session.execute(db.select(Questionnaire.id).order_by(Questionnaire.id)).scalars().all()
    try:
        items = [exports.response_export(i, cycle or "", current_app.config["MIN_CELL_SIZE"]) for i in ids]
    except exports.ExportError:
        abort(404)
    body = exports.to_xlsx(items, current_language())
    return _download(body, f"servir-{cycle}.xlsx", "xlsx", any(e.withheld for e in items),
                     questionnaire="all", cycle=cycle or "")
