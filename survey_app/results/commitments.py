"""The results of commitments: one questionnaire's :class:`CommitmentResult`, or all of them
grouped by unit with the methods note (:class:`Overview`).

Here the pieces meet: the cycles' frequency tables (:mod:`.tables`), the definition each
cycle's answers were given under and their comparability (:mod:`.definitions`), the
unweighted or the weighted figures (:mod:`.unweighted`, :mod:`.weighted`), then each
commitment's headline question and the attainment of its target (the rule of
:func:`analysis.target_status`). Results are cached on a fingerprint of the data
(:mod:`.cache`).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import analysis
import questionnaires as qn
from flask import current_app

from ..extensions import db
from ..models import CHANNELS, Cycle, Questionnaire
from .cache import cached
from .choices import resolve_cycles
from .definitions import (
    comparability,
    definition_for,
    load_catalogue,
    measured_questions,
    question_scale,
    version_warnings,
)
from .model import (
    CONFIDENCE_LEVEL,
    WEIGHTINGS,
    CommitmentInfo,
    CommitmentResult,
    Figures,
    Filters,
    Methods,
    Overview,
    QuestionResult,
    ResultsError,
    Target,
    UnitResults,
    WeightingInfo,
    suppressed_figures,
)
from .exclusion import excluded_counts
from .protection import REASON, protections, published_rows
from .stuffing import suspect_count
from .norms import norm_results
from .operational import actions_between, operational
from .tables import counts_and_frequencies, response_counts
from .unweighted import analysis_table, definitions_frame, unweighted_results
from .weighted import weighted_results


def _headline(questions: Sequence[QuestionResult], dimension: str, kind: str) -> QuestionResult | None:
    for q in questions:
        if q.type == kind and q.dimension == dimension:
            return q
    candidates = [q for q in questions if q.type == kind and q.importance_of is None]
    return candidates[0] if candidates else None


def _target(info: CommitmentInfo, questions: Sequence[QuestionResult]) -> Target | None:
    if info.target_indicator is None or info.target_value is None:
        return None
    value = float(info.target_value)
    if info.target_indicator == "pct_met":
        q = _headline(questions, "met", "yes_no")
    else:
        q = _headline(questions, "overall", "rating")
    if q is None:
        return Target(info.target_indicator, value, None, None, None, None, None)
    measure = "index" if info.target_indicator == "index" else "pct"

    def read(figures: Figures | None) -> tuple[float | None, tuple[float, float] | None]:
        if figures is None or figures.suppressed:
            return None, None
        return getattr(figures, measure), getattr(figures, f"{measure}_ci")

    estimate, ci = read(q.cycle)
    base_estimate, _ = read(q.baseline)
    low, high = ci or (None, None)
    status = analysis.target_status(low, high, value) if estimate is not None else None
    return Target(info.target_indicator, value, q.id, estimate, ci, status,
                  None if estimate is None else estimate - value, base_estimate)


def _compute(questionnaire_ids: Sequence[str] | None, cycle: Cycle, baseline: Cycle | None,
             filters: Filters, weighting: str) -> tuple[list[CommitmentResult], Methods]:
    """Results of the given questionnaires (None: every questionnaire with a definition)."""
    if weighting not in WEIGHTINGS:
        raise ResultsError("weighting", f"must be one of {', '.join(WEIGHTINGS)}")
    min_n = int(current_app.config["MIN_CELL_SIZE"])
    level = CONFIDENCE_LEVEL
    cats = load_catalogue(questionnaire_ids)
    ids = list(cats) if questionnaire_ids is None else [q for q in questionnaire_ids if q in cats]
    cycle_ids = [cycle.id] + ([baseline.id] if baseline is not None else [])
    code_of = {cycle.id: cycle.code, **({baseline.id: baseline.code} if baseline is not None else {})}
    counts, freq = counts_and_frequencies(ids, cycle_ids, filters)
    counts["cycle"] = counts["cycle_id"].map(code_of)
    if questionnaire_ids is None:
        # every published questionnaire, and unpublished ones that have responses here
        everyone = counts if not filters.active else response_counts(ids, cycle_ids, None)
        answered = set(everyone["questionnaire"])
        ids = [q for q in ids if cats[q].published or q in answered]
    freq["cycle"] = freq.pop("cycle_id").map(code_of)
    # disclosure control first: what a view may not show never reaches the statistics
    guard = protections(ids, code_of)
    freq = published_rows(freq, guard, filters)

    versions_used: dict[tuple[str, str], list[int]] = {}
    for (qid, code), group in counts.groupby(["questionnaire", "cycle"]):
        versions_used[(qid, code)] = sorted(set(group["version_id"]))
    per_cycle: dict[tuple[str, str], qn.Questionnaire] = {}
    questions: dict[tuple[str, str], qn.Question] = {}
    for qid in ids:
        for code in code_of.values():
            definition = definition_for(cats[qid], versions_used.get((qid, code), []))
            per_cycle[(qid, code)] = definition
        # the cycle's definition first, so its wording and scale win
        for code in reversed(list(code_of.values())):
            for question in per_cycle[(qid, code)].questions:
                questions[(qid, question.id)] = question
    # (questionnaire, question) -> why the baseline's answers are not comparable
    warnings: dict[tuple[str, str], str] = {}
    if baseline is not None:
        for qid in ids:
            old, new = per_cycle[(qid, baseline.code)], per_cycle[(qid, cycle.code)]
            warnings.update({(qid, k): text for k, text in comparability(old, new).items()})

    weighting_infos: dict[str, tuple[WeightingInfo, ...]] = {}
    if weighting == "raked":
        figures, changes, weighting_infos, margins = weighted_results(
            ids, cycle, baseline, filters, per_cycle, min_n, level, warnings)
    else:
        margins = None
        figures, changes = {}, {}
        importance = frozenset(k for k, q in questions.items() if q.importance_of is not None)
        for kind in ("rating", "yes_no"):
            table = analysis_table(freq, questions, (kind,))
            defs = definitions_frame(per_cycle, kind)
            f, c = unweighted_results(table, defs, kind, cycle.code, baseline.code if baseline else None,
                                      min_n, level, warnings, importance)
            figures.update(f)
            changes.update(c)
    hidden = {key for key in figures if not guard[(key[0], key[2])].published(filters, key[1])}
    for key in hidden:
        figures[key] = replace(suppressed_figures(min_n), reason=REASON)
        changes.pop((key[0], key[1]), None)

    excluded = excluded_counts(ids, cycle_ids)
    suspect = {(qid, c): suspect_count(qid, c) for qid in ids for c in cycle_ids}
    results = []
    for qid in ids:
        cat = cats[qid]
        definition = per_cycle[(qid, cycle.code)]
        qrs = []
        for question in measured_questions(definition):
            scale = question_scale(question)
            cyc = figures.get((qid, question.id, cycle.code)) or suppressed_figures(min_n)
            base = None
            if baseline is not None:
                base = figures.get((qid, question.id, baseline.code)) or suppressed_figures(min_n)
            qrs.append(QuestionResult(
                id=question.id, type=question.type, text=question.text, dimension=question.dimension,
                importance_of=question.importance_of, scale=scale, cycle=cyc, baseline=base,
                change=changes.get((qid, question.id)),
            ))
        mine = counts[counts["questionnaire"] == qid]
        # a view the protection withholds tells no count (an empty one holds nobody to protect)
        n_cycle: int | None = int(mine.loc[mine["cycle"] == cycle.code, "count"].sum())
        if n_cycle and not guard[(qid, cycle.code)].published(filters):
            n_cycle = None
        n_base = int(mine.loc[mine["cycle"] == baseline.code, "count"].sum()) if baseline else None
        if n_base and baseline is not None and not guard[(qid, baseline.code)].published(filters):
            n_base = None
        # Norms from number answers are read unweighted (a median and a share of answers).
        norms = norm_results(freq, qid, definition, cycle.code, baseline.code if baseline else None,
                             min_n, level, {k: w for (q, k), w in warnings.items() if q == qid})
        notes = version_warnings(
            cat, versions_used.get((qid, baseline.code), []) if baseline else [],
            versions_used.get((qid, cycle.code), []), cycle.code, baseline.code if baseline else None)
        results.append(CommitmentResult(
            questionnaire_id=qid, title=cat.title, commitment=cat.commitment, cycle=cycle.code,
            baseline=baseline.code if baseline else None, filters=filters, weighting=weighting,
            responses=n_cycle, responses_baseline=n_base, questions=tuple(qrs),
            headline=_headline(qrs, "overall", "rating"), target=_target(cat.commitment, qrs),
            warnings=tuple(notes), min_cell_size=min_n, confidence_level=level,
            weighting_info=weighting_infos.get(qid, ()), norms=norms,
            operational=operational(cat.commitment.code, cycle.code, baseline.code if baseline else None, level),
            actions=actions_between(cat.commitment.code, cycle.code, baseline.code if baseline else None),
            excluded=excluded.get((qid, cycle.id), 0), suspect=suspect[(qid, cycle.id)],
        ))

    by_channel: dict[str, dict[str, int]] = {}
    responses: dict[str, int] = {}
    for code in code_of.values():
        # sums over the questionnaires whose view is published; a channel only where its
        # view is (a sum of groups each of 0 or at least the threshold)
        responses[code] = sum(r.responses or 0 for r in results) if code == cycle.code else sum(
            r.responses_baseline or 0 for r in results)
        by_channel[code] = {}
        for ch in CHANNELS:
            if filters.channel not in (None, ch):
                continue
            narrower = replace(filters, channel=ch)
            shown = [qid for qid in ids if guard[(qid, code)].published(narrower)]
            mine = counts[(counts["cycle"] == code) & (counts["channel"] == ch) & counts["questionnaire"].isin(shown)]
            if shown:
                by_channel[code][ch] = int(mine["count"].sum())
    weighted = weighting == "raked"
    methods = Methods(
        confidence_level=level,
        min_cell_size=min_n,
        weighting=weighting,
        index_interval=("Taylor linearisation with raking residuals, t (Lumley 2010 ch. 7; Deville & Sarndal 1992)"
                        if weighted else "Student t"),
        pct_interval=("logit, as R svyciprop; Clopper-Pearson at n when the variance is 0 (Lumley 2010 ch. 2)"
                      if weighted else "Wilson score (Wilson 1927)"),
        index_change="difference of design-based means, Satterthwaite t" if weighted else "Welch t (Welch 1947)",
        pct_change=("difference of design-based proportions, Satterthwaite t; MOVER of the logit intervals "
                    "(Zou & Donner 2008)" if weighted else "Newcombe hybrid score (Newcombe 1998)"),
        adjustment="Holm, within each questionnaire",
        responses=responses,
        by_channel=by_channel,
        warnings=tuple((r.questionnaire_id, *w) for r in results for w in r.warnings),
        margins=margins,
        views_withheld=(sum(guard[(q, cycle.code)].hidden for q in ids),
                        sum(guard[(q, cycle.code)].possible for q in ids)),
        excluded={code: sum(n for (q, c), n in excluded.items() if c == cid and q in ids)
                  for cid, code in code_of.items()},
        suspect={code: sum(n or 0 for (q, c), n in suspect.items() if c == cid) for cid, code in code_of.items()},
        unchecked={code: sum(1 for (q, c), n in suspect.items() if c == cid and n is None)
                   for cid, code in code_of.items()},
    )
    return results, methods


def questionnaire_results(questionnaire_id: str, cycle: str | None, baseline: str | None = None, *,
                          filters: Filters | None = None, weighting: str = "none") -> CommitmentResult:
    """Results of one questionnaire; raises :class:`ResultsError` (field ``questionnaire``
    for an unknown questionnaire, ``cycle`` / ``baseline`` for unknown cycles)."""
    filters = filters or Filters()
    if db.session.get(Questionnaire, questionnaire_id) is None:
        raise ResultsError("questionnaire", f"unknown questionnaire {questionnaire_id!r}")
    current, base = resolve_cycles(cycle, baseline, default_baseline=False)

    def compute() -> CommitmentResult:
        results, _ = _compute([questionnaire_id], current, base, filters, weighting)
        if not results:
            raise ResultsError("questionnaire", f"questionnaire {questionnaire_id!r} has no definition")
        return results[0]

    return cached("questionnaire", (questionnaire_id, current.code, base.code if base else None,
                                    filters, weighting), compute)


def overview(cycle: str | None = None, baseline: str | None = None, *, filters: Filters | None = None,
             weighting: str = "none", default_baseline: bool = True) -> Overview:
    """Every questionnaire of the catalogue, grouped by unit, with the methods note."""
    filters = filters or Filters()
    current, base = resolve_cycles(cycle, baseline, default_baseline=default_baseline)

    def compute() -> Overview:
        results, methods = _compute(None, current, base, filters, weighting)
        units: list[UnitResults] = []
        for result in results:
            info = result.commitment
            if units and units[-1].code == info.unit_code:
                units[-1] = replace(units[-1], commitments=units[-1].commitments + (result,))
            else:
                units.append(UnitResults(info.unit_code, info.unit_name, (result,)))
        return Overview(current.code, qn.Text(current.name, current.name_en), base.code if base else None,
                        qn.Text(base.name, base.name_en) if base else None, filters, weighting, tuple(units), methods)

    return cached("overview", (current.code, base.code if base else None, filters, weighting), compute)
