"""The evaluators' page of suspected ballot stuffing: every burst of near-identical anonymous
responses of a cycle, and the decision on each (exclude from the results, or keep as
reviewed and genuine, with a reason). Detection is :mod:`survey_app.results.stuffing`, the
decisions :mod:`survey_app.services.stuffing`."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length

from ..auth import actor, roles_required
from ..lazy import lazy_module
from ..models import BURST_REASON_MAX

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from .. import results
    from ..results import definitions, stuffing as detection
    from ..results.stuffing import ReviewedBurst
    from ..services import stuffing
else:
    results = lazy_module("survey_app.results")
    definitions = lazy_module("survey_app.results.definitions")
    detection = lazy_module("survey_app.results.stuffing")
    stuffing = lazy_module("survey_app.services.stuffing")

bp = Blueprint("stuffing", __name__)

DECISION_LABELS = {"exclude": _l("Exclude from the results"), "keep": _l("Keep (reviewed, genuine)")}


class DecisionForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=lambda: [SelectChoice(k, v) for k, v in DECISION_LABELS.items()],
                          validators=[InputRequired(message=_l("Choose a decision."))])
    reason = TextAreaField(_l("Reason"), validators=[DataRequired(message=_l("Give the reason for the decision.")),
                                                     Length(max=BURST_REASON_MAX)],
                           description=_l("What you checked, for the audit trail and the other evaluators."),
                           render_kw={"rows": 3, "maxlength": BURST_REASON_MAX})


def _form_for(burst: ReviewedBurst, submitted: tuple[str, DecisionForm] | None) -> DecisionForm:
    if submitted is not None and submitted[0] == burst.key:
        return submitted[1]
    return DecisionForm(formdata=None, prefix=burst.key[:12],
                        data={"decision": burst.decision, "reason": burst.reason or ""})


def _answer_label(question: Any, value: Any) -> str:
    if value == "na":
        return _("not applicable")
    if question is not None and question.type == "yes_no":
        return _("yes") if value else _("no")
    return str(value)


def _page(cycle_code: str | None, submitted: tuple[str, DecisionForm] | None = None) -> ResponseReturnValue:
    try:
        cycle, _base = results.resolve_cycles(cycle_code, None, default_baseline=False)
    except results.ResultsError:
        abort(404)
    catalogue = definitions.load_catalogue(None)
    min_n = int(current_app.config["MIN_CELL_SIZE"])
    groups = []
    for qid, cat in catalogue.items():
        bursts = detection.reviewed_bursts(qid, cycle.id)
        if not bursts:
            continue
        questions = {q.id: q for q in cat.current.questions}
        rows = []
        for burst in bursts:
            # disclosure control: a burst smaller than the minimum cell size shows no answers
            pattern = [(questions[q].text if q in questions else None, q, _answer_label(questions.get(q), v))
                       for q, v in burst.pattern] if burst.size >= min_n else None
            rows.append({"burst": burst, "pattern": pattern, "form": _form_for(burst, submitted)})
        groups.append({"id": qid, "commitment": cat.commitment, "title": cat.title, "bursts": rows})
    status = 422 if submitted is not None and submitted[1].errors else 200
    return render_template("results/bursts.html", cycle=cycle, groups=groups, min_cell_size=min_n,
                           cycle_choices=results.cycles_with_answers(), labels=DECISION_LABELS), status


@bp.get("/results/bursts/")
@roles_required("evaluator", "admin")
def index() -> ResponseReturnValue:
    return _page(request.args.get("cycle") or None)


@bp.post("/results/bursts/<questionnaire_id>/<key>")
@roles_required("evaluator", "admin")
def decide(questionnaire_id: str, key: str) -> ResponseReturnValue:
    cycle_code = request.args.get("cycle") or ""
    form = DecisionForm(prefix=key[:12])
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(cycle_code, (key, form))
    try:
        outcome = stuffing.decide(questionnaire_id, cycle_code, key, form.decision.data, form.reason.data,
                                  actor())
    except stuffing.DecisionError as exc:
        if exc.field in ("cycle", "burst"):
            abort(404)
        abort(400)
    if outcome.burst.decision == "exclude":
        flash(_("Decision saved: these %(n)s responses are excluded from every result.", n=outcome.burst.size),
              "success")
    else:
        flash(_("Decision saved: these %(n)s responses are counted as genuine.", n=outcome.burst.size), "success")
    return redirect(url_for(".index", cycle=cycle_code) + f"#burst-{key[:12]}")
