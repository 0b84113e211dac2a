"""The JSON body of ``GET /api/v1/results/<questionnaire_id>``: one commitment's results in
design.md's field names (figures on 0-100, intervals as ``[low, high]``, suppressed questions
without figures).
"""
from __future__ import annotations

from typing import Any

from .model import CommitmentResult, Figures


def _figures_json(figures: Figures) -> dict[str, Any]:
    if figures.suppressed:
        return {"suppressed": True, "reason": figures.reason}
    return {
        "n": figures.n,
        "index": figures.index,
        "index_ci": list(figures.index_ci) if figures.index_ci else None,
        "pct_satisfied": figures.pct,
        "pct_satisfied_ci": list(figures.pct_ci) if figures.pct_ci else None,
    }


def api_payload(result: CommitmentResult) -> dict[str, Any]:
    """``{"questionnaire", "cycle", "baseline", "questions": [...]}`` as design.md says.

    One entry per rating question: ``id``, ``n``, ``index``, ``index_ci``,
    ``pct_satisfied``, ``pct_satisfied_ci``; with a baseline, ``baseline`` (the same
    figures) and ``change`` (``index_diff``, ``index_diff_ci``, ``pct_diff``,
    ``pct_diff_ci``, ``p_value``, ``p_adjusted``, ``verdict``; null when either cycle is
    suppressed). A suppressed question has ``suppressed: true`` and no figures.
    """
    questions = []
    for q in result.rating_questions:
        item: dict[str, Any] = {"id": q.id}
        if q.cycle.suppressed:
            item.update(suppressed=True, reason=q.cycle.reason)
        else:
            item.update(_figures_json(q.cycle))
        if result.baseline is not None and not q.cycle.suppressed:
            item["baseline"] = _figures_json(q.baseline) if q.baseline else {"suppressed": True}
            c = q.change
            item["change"] = None if c is None else {
                "index_diff": c.index_diff,
                "index_diff_ci": list(c.index_diff_ci) if c.index_diff_ci else None,
                "pct_diff": c.pct_diff,
                "pct_diff_ci": list(c.pct_diff_ci) if c.pct_diff_ci else None,
                "p_value": c.p_value,
                "p_adjusted": c.p_adjusted,
                "verdict": c.verdict,
            }
            if c is not None and not c.comparable:
                item["change"]["comparability_warning"] = c.warning
        item["text"] = q.text.to_dict()
        questions.append(item)
    payload: dict[str, Any] = {
        "questionnaire": result.questionnaire_id,
        "cycle": result.cycle,
        "baseline": result.baseline,
        "questions": questions,
        "responses": result.responses,
        "weighting": result.weighting,
        "confidence_level": result.confidence_level,
        "min_cell_size": result.min_cell_size,
    }
    if result.filters.active:
        payload["filters"] = result.filters.as_dict()
    if result.warnings:
        payload["warnings"] = [{"question": q, "kind": k, "detail": d} for q, k, d in result.warnings]
    if result.weighting_info:
        payload["weighting_info"] = [
            {"cycle": i.cycle, "variables": list(i.variables), "respondents": i.respondents,
             "unclassified": i.unclassified, "deff_kish": i.deff_kish, "n_effective": i.n_effective,
             "problem": i.problem, "margins_from": i.margins_from}
            for i in result.weighting_info]
    return payload
