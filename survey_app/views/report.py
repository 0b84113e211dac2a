"""The accountability report for evaluators: HTML to read and print, PDF, XLSX and CSV."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, Response, abort, request
from flask.typing import ResponseReturnValue

from ..auth import actor, roles_required
from ..i18n import current_language
from ..services import audit
from ..lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from .. import report as report_module
    from .. import results
else:
    report_module = lazy_module("survey_app.report")
    results = lazy_module("survey_app.results")

bp = Blueprint("report", __name__)

MEDIA_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@bp.get("/results/report")
@roles_required("evaluator", "admin")
def download() -> ResponseReturnValue:
    fmt = request.args.get("format", "html")
    weighting = request.args.get("weighting", "none")
    if fmt not in report_module.FORMATS or weighting not in results.WEIGHTINGS:
        abort(400)
    baseline = request.args.get("baseline") or None
    try:
        built = report_module.build_report(
            request.args.get("cycle") or None, None if baseline == "none" else baseline,
            lang=current_language(), weighting=weighting)
    except results.ResultsError:
        abort(404)
    body = report_module.render(built, fmt)
    audit.record_now("report.download", actor(), format=fmt, cycle=built.overview.cycle,
                     baseline=built.overview.baseline or "", weighting=weighting)
    response = Response(body, mimetype=MEDIA_TYPES[fmt])
    name = f"reddition-de-comptes-{built.overview.cycle}.{fmt}" if built.lang == "fr" else \
        f"accountability-report-{built.overview.cycle}.{fmt}"
    disposition = "inline" if fmt == "html" else "attachment"
    response.headers["Content-Disposition"] = f'{disposition}; filename="{name}"'
    return response
