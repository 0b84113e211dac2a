"""The JSON body of ``GET /api/v1/results/<questionnaire_id>``: one commitment's results in
design.md's field names (figures on 0-100, intervals as ``[low, high]``, suppressed questions
without figures).
"""
from __future__ import annotations

from typing import Any

from .model import CommitmentResult, Figures
from .norms import NormFigures, Share, ShareChange


def _pair(ci: Any) -> list[float] | None:
    return list(ci) if ci else None


def _norm_figures_json(figures: NormFigures) -> dict[str, Any]:
    if figures.suppressed:
        return {"suppressed": True}
    assert figures.within is not None  # norm_figures sets it whenever it is not suppressed
    return {"n": figures.n, "median": figures.median, "median_ci": _pair(figures.median_ci),
            "median_ci_level": figures.median_level, "pct_within_norm": figures.within.pct,
            "pct_within_norm_ci": _pair(figures.within.pct_ci)}


def _share_change_json(change: ShareChange | None) -> dict[str, Any] | None:
    if change is None:
        return None
    return {"pct_diff": change.pct_diff, "pct_diff_ci": _pair(change.pct_diff_ci),
            "p_value": change.p_value, "verdict": change.verdict}


def _share_json(share: Share) -> dict[str, Any]:
    return {"met": share.count, "total": share.n, "pct": share.pct, "pct_ci": _pair(share.pct_ci)}


def commitment_json(result: CommitmentResult) -> dict[str, Any]:
    """``{"code", "title", "norm", "target", "operational"}`` (design.md's "Results additions"):
    ``operational`` is the norm as operations kept it in the cycle (Wilson), with its
    ``baseline`` and ``change`` (Newcombe) when the baseline has an indicator, else null."""
    info = result.commitment
    op = result.operational
    operational = None
    if op is not None:
        operational = {**_share_json(op.cycle.share), "source": op.cycle.source,
                       "period": [d.isoformat() if d else None for d in (op.cycle.period_start, op.cycle.period_end)],
                       "baseline": None, "change": None}
        if op.baseline is not None:
            operational["baseline"] = {**_share_json(op.baseline.share), "source": op.baseline.source}
            operational["change"] = _share_change_json(op.change)
    return {
        "code": info.code,
        "title": info.title.to_dict(),
        "norm": info.norm.to_dict() if info.norm else None,
        "target": ({"indicator": info.target_indicator, "value": info.target_value}
                   if info.target_value is not None else None),
        "operational": operational,
    }


def _figures_json(figures: Figures) -> dict[str, Any]:
    if figures.suppressed:
        return {"suppressed": True, "reason": figures.reason}
    out: dict[str, Any] = {
        "n": figures.n,
        "index": figures.index,
        "index_ci": list(figures.index_ci) if figures.index_ci else None,
        "pct_satisfied": figures.pct,
        "pct_satisfied_ci": list(figures.pct_ci) if figures.pct_ci else None,
    }
    if figures.index_se is not None or figures.pct_se is not None:
        # weighted figures: the design-based (calibrated, domain) standard errors
        out.update(index_se=figures.index_se, pct_satisfied_se=figures.pct_se)
    if figures.pct_interval:
        out["pct_satisfied_ci_method"] = figures.pct_interval
    return out


def api_payload(result: CommitmentResult) -> dict[str, Any]:
    """``{"questionnaire", "cycle", "baseline", "questions": [...]}`` as design.md says.

    Then one entry per number question that declares a norm: ``n``, ``median``,
    ``median_ci`` (order statistics), ``pct_within_norm``, ``pct_within_norm_ci`` (Wilson), with
    a baseline ``baseline`` and ``change`` (``pct_diff``, ``pct_diff_ci`` Newcombe, ``p_value``,
    ``verdict``); ``commitment`` (:func:`commitment_json`) and ``actions``; ``ballot_stuffing``:
    ``excluded`` (responses an evaluator excluded) and ``suspect`` (flagged, undecided, counted).

    One entry per rating question (importance ratings excluded): ``id``, ``n``, ``index``, ``index_ci``,
    ``pct_satisfied``, ``pct_satisfied_ci``; with a baseline, ``baseline`` (the same
    figures) and ``change`` (``index_diff``, ``index_diff_ci``, ``pct_diff``,
    ``pct_diff_ci``, ``p_value``, ``p_adjusted``, ``verdict``; null when either cycle is
    suppressed). A suppressed question has ``suppressed: true`` and no figures; a view the
    protection withholds has ``suppressed: true`` and no ``responses``. Weighted figures also
    give ``index_se`` and ``pct_satisfied_se`` (design-based, calibrated) and
    ``pct_satisfied_ci_method`` (``logit``, or ``clopper-pearson`` at 0 % or 100 %).
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
    for norm in result.norms:
        item = {"id": norm.id, "type": "number", "norm": norm.norm.to_dict(), **_norm_figures_json(norm.cycle)}
        if result.baseline is not None and not norm.cycle.suppressed:
            item["baseline"] = _norm_figures_json(norm.baseline) if norm.baseline else {"suppressed": True}
            item["change"] = _share_change_json(norm.change)
        item["text"] = norm.text.to_dict()
        questions.append(item)
    payload: dict[str, Any] = {
        "questionnaire": result.questionnaire_id,
        "cycle": result.cycle,
        "baseline": result.baseline,
        "questions": questions,
        "commitment": commitment_json(result),
        "actions": [{"title": a.title.to_dict(), "status": a.status, "cycle": a.cycle,
                     "owner_unit": a.owner_unit.to_dict(),
                     "description": a.description.to_dict() if a.description else None}
                    for a in result.actions],
        "weighting": result.weighting,
        "confidence_level": result.confidence_level,
        "min_cell_size": result.min_cell_size,
        # suspected ballot stuffing in the cycle: responses excluded by an evaluator (in no
        # figure), and flagged responses not yet decided (counted; null: not checked here)
        "ballot_stuffing": {"excluded": result.excluded, "suspect": result.suspect},
    }
    if result.responses is None:
        # a withheld view tells no count
        payload["suppressed"] = True
    else:
        payload["responses"] = result.responses
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
