"""Results pages: the evaluators' overview and drill-down, the public results of published
cycles, and the administration of cycles (publication, population margins)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from ..auth import actor, roles_required
from ..models import CHANNELS
from ..services import margins as margins_service
from ..lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from .. import presentation
    from .. import results
else:
    presentation = lazy_module("survey_app.presentation")
    results = lazy_module("survey_app.results")

bp = Blueprint("results", __name__)


def _query():
    """Cycle, baseline, filters and weighting from the query string (400 on bad values)."""
    args = request.args
    try:
        filters = results.Filters.from_mapping(args)
    except results.ResultsError as exc:
        abort(400, exc.message)
    baseline = args.get("baseline") or None
    weighting_choice = args.get("weighting") or "none"
    if weighting_choice not in results.WEIGHTINGS:
        abort(400)
    return (args.get("cycle") or None, None if baseline == "none" else baseline,
            baseline != "none", filters, weighting_choice)


def _form_context(overview_cycle: str, baseline: str | None, filters, weighting_choice: str,
                  questionnaire_id: str | None = None) -> dict:
    available = results.cycles_with_answers()
    # only the filter values the protection offers (plus the one asked, so the form shows it)
    channels = results.offered_values(overview_cycle, "channel", questionnaire_id)
    sites = results.offered_values(overview_cycle, "site", questionnaire_id)
    return {
        "cycle_choices": available,
        "selected": {"cycle": overview_cycle, "baseline": baseline or "none", **filters.as_dict(),
                     "weighting": weighting_choice},
        "channels": [c for c in CHANNELS if c in channels or c == filters.channel],
        "sites": sorted(set(sites) | ({filters.site} if filters.site else set())),
        "margins_cycles": {c.code for c in available if margins_service.margins_of(c)},
    }


@bp.get("/results/")
@roles_required("evaluator", "admin")
def overview() -> ResponseReturnValue:
    cycle, baseline, default_baseline, filters, weighting_choice = _query()
    try:
        data = results.overview(cycle, baseline, filters=filters, weighting=weighting_choice,
                                default_baseline=default_baseline)
    except results.ResultsError as exc:
        if exc.field == "cycle" and cycle is None:
            return render_template("results/empty.html")
        abort(400, exc.message) if exc.field != "cycle" else abort(404)
    return render_template(
        "results/overview.html", data=data, charts=presentation.overview_charts(data),
        **_form_context(data.cycle, data.baseline, filters, weighting_choice))


@bp.get("/results/<questionnaire_id>")
@roles_required("evaluator", "admin")
def detail(questionnaire_id: str) -> ResponseReturnValue:
    cycle, baseline, default_baseline, filters, weighting_choice = _query()
    try:
        current, base = results.resolve_cycles(cycle, baseline, default_baseline=default_baseline)
        data = results.commitment_detail(questionnaire_id, current.code, base.code if base else None,
                                         filters=filters, weighting=weighting_choice)
    except results.ResultsError as exc:
        abort(404 if exc.field in ("questionnaire", "cycle") else 400)
    return render_template(
        "results/detail.html", data=data, result=data.result, charts=presentation.detail_charts(data),
        **_form_context(data.result.cycle, data.result.baseline, filters, weighting_choice, questionnaire_id))


# ------------------------------------------------------------------------ public results


@bp.get("/public/results/")
def public_index() -> ResponseReturnValue:
    published = [c for c in results.cycles_with_answers() if c.state == "published"]
    if len(published) == 1:
        return redirect(url_for("results.public", code=published[0].code))
    return render_template("results/public_index.html", cycles=list(reversed(published)))


@bp.get("/public/results/<code>")
def public(code: str) -> ResponseReturnValue:
    cycle = results.get_cycle(code)
    if cycle is None or cycle.state != "published":
        abort(404)
    earlier = [c for c in results.cycles_with_answers() if c.state == "published"]
    position = [c.code for c in earlier].index(code) if code in [c.code for c in earlier] else 0
    baseline = earlier[position - 1].code if position > 0 else None
    data = results.overview(code, baseline, default_baseline=False)
    return render_template("results/public.html", data=data, cycle=cycle,
                           others=[c for c in earlier if c.code != code])


# ------------------------------------------------------------------------ administration


@bp.get("/admin/cycles")
@roles_required("admin")
def admin_cycles() -> ResponseReturnValue:
    """The former cycles page: now the console's (views/admin_cycles.py)."""
    return redirect(url_for("admin_cycles.index"), 301)


@bp.route("/admin/cycles/<code>/margins", methods=["GET", "POST"])
@roles_required("admin")
def margins(code: str) -> ResponseReturnValue:
    cycle = results.get_cycle(code)
    if cycle is None:
        abort(404)
    error = None
    text = request.form.get("margins", "")
    if request.method == "POST":
        try:
            margins_service.set_margins(code, margins_service.parse_margins_text(text), actor=actor())
        except margins_service.MarginsError as exc:
            error = str(exc)
        else:
            flash(_("Population margins saved for cycle %(code)s.", code=code), "success")
            return redirect(url_for("results.admin_cycles"))
    else:
        text = margins_service.margins_text(margins_service.margins_of(cycle))
    return render_template("results/admin_margins.html", cycle=cycle, text=text, error=error,
                           example=margins_service.margins_text(margins_service.EXAMPLE_MARGINS)), (422 if error else 200)
