"""The drill-down of one commitment: its results plus each question's answer distribution,
the trend of every rating question across all cycles (weighted on a weighted page), open
comments, and the importance-performance and driver analyses.

Distributions and trends come from the same frequency tables as the figures and show only
what :mod:`.protection` publishes in the view; comments are shown only in the unfiltered
view of at least the minimum cell size (so each comment belongs to one group, which no two
views can split), with contact details masked, in an order that does not follow submission;
driver analysis is the one part that reads respondent rows (a systematic sample beyond
:data:`DRIVER_SAMPLE`).
"""
from __future__ import annotations

import hashlib
import hmac
import math
from typing import Any

import analysis
import pandas as pd
import questionnaires as qn
from analysis.disclosure import mask_contact_details
from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..models import Answer, Response
from .exclusion import counted
from ..services.actions import actions_of
from ..services.margins import margins_of
from .cache import cached
from .choices import cycles_with_answers, resolve_cycles
from .commitments import questionnaire_results
from .definitions import definition_for, load_catalogue, question_scale
from .model import (
    CONFIDENCE_LEVEL,
    TOP_BOXES,
    CommitmentResult,
    Comments,
    Detail,
    Distribution,
    Figures,
    Filters,
    TrendPoint,
    suppressed_figures,
)
from .protection import Protection, protection
from .tables import frequency_rows, respondent_ratings, response_counts, text_counts
from .unweighted import analysis_table, figures_from_summary
from .weighted import cycle_estimates


COMMENT_LIMIT = 200


def _categories(question: qn.Question) -> tuple[tuple[Any, qn.Text | None], ...]:
    if question.type == "rating" and question.scale is not None:
        return tuple((v, question.scale.labels.get(v)) for v in question.scale.values)
    if question.type == "yes_no":
        return ((1, qn.Text("Oui", "Yes")), (0, qn.Text("Non", "No")))
    return tuple((o.value, o.label) for o in question.options or ())


def _distributions(definition: qn.Questionnaire, freq: pd.DataFrame, texts: pd.DataFrame,
                   cycle_id: int, guard: Protection, filters: Filters, min_n: int) -> tuple[Distribution, ...]:
    out = []
    for question in definition.questions:
        if question.type not in ("rating", "yes_no", "choice", "multi_choice") or question.importance_of:
            continue  # importance ratings are shown in the importance-performance view only
        cats = _categories(question)
        if question.type in ("rating", "yes_no"):
            mine = freq[(freq["cycle_id"] == cycle_id) & (freq["question"] == question.id)]
            by_value: dict[int, int] = {}
            n_na = 0
            for value, count in zip(mine["value"], mine["count"]):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    n_na += int(count)
                else:
                    by_value[int(value)] = by_value.get(int(value), 0) + int(count)
            counts = tuple(by_value.get(v, 0) for v, _ in cats)
            n = sum(counts)
        else:
            mine = texts[(texts["cycle_id"] == cycle_id) & (texts["question"] == question.id)]
            tally: dict[str, int] = {}
            n = 0
            n_na = int(mine.loc[mine["is_na"].astype(bool), "count"].sum())
            for text, is_na, count in zip(mine["text"], mine["is_na"], mine["count"]):
                if is_na or text is None:
                    continue
                n += int(count)
                chosen = text.split(qn.MULTI_SEPARATOR) if question.type == "multi_choice" else [text]
                for value in chosen:
                    tally[value] = tally.get(value, 0) + int(count)
            counts = tuple(tally.get(v, 0) for v, _ in cats)
        suppressed = n < min_n or not guard.published(filters, question.id)
        out.append(Distribution(question.id, question.type, question.text, cats,
                                None if suppressed else counts, None if suppressed else n,
                                None if suppressed else n_na, suppressed))
    return tuple(out)


def _shuffle_key(answer_id: int) -> bytes:
    """A keyed hash of an answer's id: an order no one outside can relate to submission."""
    secret = str(current_app.config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, f"comment:{answer_id}".encode(), hashlib.sha256).digest()


def _comments(definition: qn.Questionnaire, questionnaire_id: str, cycle_id: int, guard: Protection,
              filters: Filters | None) -> tuple[Comments, ...]:
    out = []
    for question in definition.questions:
        if question.type != "text":
            continue
        # only the unfiltered view: two overlapping views could otherwise isolate a small group
        if (filters is not None and filters.active) or not guard.published(None, question.id):
            out.append(Comments(question.id, question.text, None, (), suppressed=True))
            continue
        rows = db.session.execute(counted(
            select(Answer.id, Answer.text_value, Response.language)
            .join(Response, Response.id == Answer.response_id)
            .where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle_id,
                   Answer.question_id == question.id, Answer.text_value.is_not(None)), Response.id)).all()
        rows = sorted((r for r in rows if r.text_value and r.text_value.strip()), key=lambda r: _shuffle_key(r.id))
        out.append(Comments(question.id, question.text, len(rows),
                            tuple((r.language, mask_contact_details(r.text_value) or "") for r in rows[:COMMENT_LIMIT])))
    return tuple(out)


def _weighted_trend_figures(questionnaire_id: str, definition: qn.Questionnaire, cycles: list,
                            selected: str, filters: Filters, min_n: int) -> dict[tuple[str, str], Figures]:
    """Each cycle's weighted figures (its own margins, else the selected cycle's, as the
    baseline of a comparison): the trend says what the weighted page says."""
    fallback = next((c for c in cycles if c.code == selected), None)
    figures: dict[tuple[str, str], Figures] = {}
    for c in cycles:
        margins, source = margins_of(c), c.code
        if margins is None and fallback is not None:
            margins, source = margins_of(fallback), fallback.code
        _, estimates = cycle_estimates(questionnaire_id, c, definition, margins, source, filters, min_n,
                                       CONFIDENCE_LEVEL)
        for question_id, est in estimates.items():
            figures[(question_id, c.code)] = est.figures if est is not None else suppressed_figures(min_n)
    return figures


def _trend(questionnaire_id: str, definition: qn.Questionnaire, filters: Filters,
           min_n: int, weighting: str = "none", selected: str = "") -> dict[str, tuple[TrendPoint, ...]]:
    cycles = cycles_with_answers()
    if not cycles:
        return {}
    code_of = {c.id: c.code for c in cycles}
    name_of = {c.code: qn.Text(c.name, c.name_en) for c in cycles}
    if weighting == "raked":
        guard = {c.code: protection(questionnaire_id, c.id) for c in cycles}
        weighted = _weighted_trend_figures(questionnaire_id, definition, cycles, selected, filters, min_n)
        figures = {k: f for k, f in weighted.items() if guard[k[1]].published(filters, k[0])}
        return _trend_points(definition, cycles, name_of, figures)
    freq = frequency_rows([questionnaire_id], list(code_of), filters)
    freq["cycle"] = freq.pop("cycle_id").map(code_of)
    questions = {(questionnaire_id, q.id): q for q in definition.questions}
    table = analysis_table(freq, questions, ("rating",))
    if table.empty:
        return {}
    defs = pd.DataFrame(
        [(questionnaire_id, q.id, c, *question_scale(q)) for q in definition.questions
         if q.type == "rating" for c in code_of.values()],
        columns=["questionnaire", "question", "cycle", "scale_min", "scale_max"])
    summary = analysis.summarize(table, keys=["questionnaire", "question"], definitions=defs,
                                 top=TOP_BOXES, confidence_level=CONFIDENCE_LEVEL)
    guard = {c.code: protection(questionnaire_id, c.id) for c in cycles}
    figures = {(r["question"], r["cycle"]): figures_from_summary(r, "rating", min_n)
               for r in summary.to_dict("records") if guard[r["cycle"]].published(filters, r["question"])}
    return _trend_points(definition, cycles, name_of, figures)


def _trend_points(definition: qn.Questionnaire, cycles: list, name_of: dict[str, qn.Text],
                  figures: dict[tuple[str, str], Figures]) -> dict[str, tuple[TrendPoint, ...]]:
    trend = {}
    for question in definition.questions:
        if question.type != "rating" or question.importance_of:
            continue
        points = tuple(TrendPoint(c.code, name_of[c.code], figures[(question.id, c.code)])
                       for c in cycles if (question.id, c.code) in figures)
        if points:
            trend[question.id] = points
    return trend


#: Driver analysis reads at most about this many respondents (a systematic sample beyond).
DRIVER_SAMPLE = 10_000


def _drivers(questionnaire_id: str, cycle: str, definition: qn.Questionnaire, filters: Filters,
             min_n: int, responses: int = 0):
    """Driver analysis of the overall rating on the other satisfaction ratings (LMG), on a
    systematic sample of about DRIVER_SAMPLE respondents when the cell is larger."""
    outcome = next((q for q in definition.questions if q.type == "rating" and q.dimension == "overall"), None)
    drivers = [q for q in definition.questions if q.type == "rating" and q.importance_of is None
               and outcome is not None and q.id != outcome.id]
    if outcome is None or len(drivers) < 2:
        return None, "not enough rating questions"
    every = max(1, math.ceil(responses / DRIVER_SAMPLE))
    frame = respondent_ratings(questionnaire_id, cycle, [outcome.id] + [q.id for q in drivers], filters,
                               every=every)
    frame = frame.dropna()
    if len(frame) < max(min_n, len(drivers) + 2):
        return None, "too few complete answers"
    try:
        return analysis.driver_analysis(frame, outcome.id, [q.id for q in drivers]), None
    except ValueError as exc:
        return None, str(exc)


def _importance(result: CommitmentResult, drivers: analysis.DriverResult | None) -> pd.DataFrame | None:
    """Stated importance-performance when at least two importance questions are published,
    otherwise derived importance (drivers' share of R^2) against performance (index)."""
    stated = {}
    for q in result.importance_questions:
        if not q.cycle.suppressed:
            target = next((t for t in result.rating_questions if t.id == q.importance_of), None)
            if target is not None and not target.cycle.suppressed:
                stated[target.id] = (q.cycle.index, target.cycle.index)
    if len(stated) >= 2:
        frame = analysis.importance_performance({k: v[0] for k, v in stated.items()},
                                                {k: v[1] for k, v in stated.items()})
        frame.attrs["kind"] = "stated"
        return frame
    if drivers is None:
        return None
    performance = {}
    for driver in drivers.table.index:
        rated = next((t for t in result.rating_questions if t.id == driver), None)
        if rated is not None and not rated.cycle.suppressed:
            performance[driver] = rated.cycle.index
    if len(performance) < 2:
        return None
    frame = analysis.importance_performance(
        {k: float(drivers.table.loc[k, "share"]) for k in performance}, performance)
    frame.attrs["kind"] = "derived"
    return frame


def commitment_detail(questionnaire_id: str, cycle: str | None, baseline: str | None = None, *,
                      filters: Filters | None = None, weighting: str = "none") -> Detail:
    """The drill-down of one commitment (see the module docstring)."""
    filters = filters or Filters()
    result = questionnaire_results(questionnaire_id, cycle, baseline, filters=filters, weighting=weighting)

    def compute() -> Detail:
        min_n = result.min_cell_size
        current, base = resolve_cycles(result.cycle, result.baseline, default_baseline=False)
        cat = load_catalogue([questionnaire_id])[questionnaire_id]
        cycle_ids = [current.id] + ([base.id] if base else [])
        counts = response_counts([questionnaire_id], cycle_ids, filters)
        versions = {cid: sorted(set(counts.loc[counts["cycle_id"] == cid, "version_id"])) for cid in cycle_ids}
        definition = definition_for(cat, versions[current.id])
        freq = frequency_rows([questionnaire_id], cycle_ids, filters)
        choice_ids = [q.id for q in definition.questions if q.type in ("choice", "multi_choice")]
        texts = (text_counts(questionnaire_id, cycle_ids, choice_ids, filters) if choice_ids
                 else pd.DataFrame(columns=["cycle_id", "question", "text", "is_na", "count"]))
        guard = protection(questionnaire_id, current.id)
        distributions = _distributions(definition, freq, texts, current.id, guard, filters, min_n)
        baseline_distributions: tuple[Distribution, ...] = ()
        if base is not None:
            baseline_distributions = _distributions(definition_for(cat, versions[base.id]), freq, texts,
                                                    base.id, protection(questionnaire_id, base.id), filters, min_n)
        comments = _comments(definition, questionnaire_id, current.id, guard, filters)
        if result.responses is None:
            drivers, note = None, "protected view"
        else:
            drivers, note = _drivers(questionnaire_id, result.cycle, definition, filters, min_n, result.responses)
        importance = _importance(result, drivers)
        trend = _trend(questionnaire_id, definition, filters, min_n, weighting, result.cycle)
        return Detail(result, distributions, baseline_distributions, trend, comments, importance,
                      drivers, note, tuple(actions_of([result.commitment.code])))

    return cached("detail", (questionnaire_id, result.cycle, result.baseline, filters, weighting), compute)
