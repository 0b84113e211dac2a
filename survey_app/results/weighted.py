"""The weighted figures and changes (``weighting="raked"``): respondents raked to a cycle's
population margins, then design-based estimates from frequency tables.

Margins are stored per cycle (``Cycle.population_margins``, kept by
:mod:`survey_app.services.margins`) as ``{variable: {category: share or total}}``. A
variable is ``language`` (the language of the response) or the id of a ``choice`` question
that the questionnaires share, such as ``age_group`` or ``district``; categories are the
option values. Each questionnaire's respondents in a cycle are raked (:func:`analysis.rake`)
on the variables it has.

Raking weights depend only on a respondent's cell (the combination of their categories), so
everything comes from two ``GROUP BY`` queries: respondents per cell (raked as a frame of
cells whose base weights are their counts -- the same iterative proportional fitting as on
the respondents), and answers per question, value and cell. The weighted estimates are then
exact from these frequency tables (:func:`analysis.mean_ci_from_counts` with a ``weight``
column: Hajek means with linearisation standard errors, the raking weights treated as
fixed), and changes use :func:`analysis.diff_means_ci_from_results`, judged by
:func:`analysis.judge_changes` as the unweighted ones are. Respondents who did not give a
category (skipped or "not applicable") keep weight 1 and the raked respondents' weights are
scaled to average 1.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import analysis
import numpy as np
import pandas as pd
import questionnaires as qn
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Answer, Cycle, Response
from .exclusion import counted
from ..services.margins import margins_of
from .definitions import question_scale
from .model import TOP_BOXES, Change, Figures, Filters, WeightingInfo, finite, suppressed_figures
from .tables import filtered

#: Weighting variables read from the response itself (the others are choice questions).
RESPONSE_VARIABLES = ("language",)


def _usable(definition: qn.Questionnaire, margins: Mapping) -> list[str]:
    out = []
    for variable in margins:
        if variable in RESPONSE_VARIABLES or (variable in definition and definition.question(variable).type == "choice"):
            out.append(variable)
    return out


def _cell_columns(variables: Sequence[str], base_response_id: Any) -> tuple[list, list]:
    """Columns and joins giving each response's category of every variable."""
    columns, joins = [], []
    for variable in variables:
        if variable in RESPONSE_VARIABLES:
            columns.append(getattr(Response, variable).label(variable))
        else:
            alias = aliased(Answer)
            joins.append((alias, and_(alias.response_id == base_response_id, alias.question_id == variable,
                                      alias.is_na.is_(False))))
            columns.append(alias.text_value.label(variable))
    return columns, joins


def _cells(questionnaire_id: str, cycle_id: int, variables: Sequence[str], filters: Filters | None) -> pd.DataFrame:
    columns, joins = _cell_columns(variables, Response.id)
    query = select(*columns, func.count().label("count")).select_from(Response)
    for alias, on in joins:
        query = query.outerjoin(alias, on)
    query = query.where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle_id)
    query = counted(filtered(query, filters, joined=True), Response.id).group_by(*columns)
    return pd.DataFrame(db.session.execute(query).all(), columns=list(variables) + ["count"])


def _weighted_frequencies(questionnaire_id: str, cycle_id: int, question_ids: Sequence[str],
                          variables: Sequence[str], filters: Filters | None) -> pd.DataFrame:
    columns, joins = _cell_columns(variables, Answer.response_id)
    query = (select(Answer.question_id, Answer.numeric_value, *columns, func.count().label("count"))
             .select_from(Answer).join(Response, Response.id == Answer.response_id))
    for alias, on in joins:
        query = query.outerjoin(alias, on)
    query = query.where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle_id,
                        Answer.question_id.in_(list(question_ids)))
    query = counted(filtered(query, filters, joined=True), Response.id).group_by(
        Answer.question_id, Answer.numeric_value, *columns)
    return pd.DataFrame(db.session.execute(query).all(),
                        columns=["question", "value"] + list(variables) + ["count"])


def rake_cells(cells: pd.DataFrame, variables: Sequence[str],
               margins: Mapping) -> tuple[dict[tuple, float], WeightingInfo]:
    """Weights per cell (tuple of categories) for respondents counted in ``cells``.

    Returns ``({cell: weight of one respondent}, info)``; cells absent from the mapping
    (no category for some variable) keep weight 1."""
    total = int(cells["count"].sum())
    known = np.ones(len(cells), dtype=bool)
    for v in variables:
        known &= cells[v].isin(list(margins[v])).to_numpy()
    complete = cells[known].reset_index(drop=True)
    unclassified = total - int(complete["count"].sum())
    if complete.empty:
        return {}, WeightingInfo("", tuple(variables), total, unclassified, None, None, None,
                                 problem="no respondent gave the weighting categories")
    used, dropped = {}, []
    for v in variables:
        present = set(complete[v])
        cats = {c: x for c, x in margins[v].items() if c in present or x == 0}
        for c, x in margins[v].items():
            if c not in present and x > 0:
                dropped.append((v, c))
        cats = {c: x for c, x in cats.items() if x > 0}
        used[v] = cats
    frame = complete[list(variables)]
    result = analysis.rake(frame, used, weights=complete["count"].to_numpy(dtype=float), max_iter=200,
                           on_failure="return")
    cell_totals = result.weights.to_numpy()
    counts = complete["count"].to_numpy(dtype=float)
    scale = counts.sum() / cell_totals.sum()
    per_respondent = cell_totals * scale / counts
    weights = {tuple(row): float(w) for row, w in zip(frame.itertuples(index=False, name=None), per_respondent)}
    sum_w = float((per_respondent * counts).sum()) + unclassified
    sum_w2 = float((per_respondent ** 2 * counts).sum()) + unclassified
    deff = total * sum_w2 / (sum_w * sum_w)
    problem = None if result.converged else f"raking did not converge (largest margin error {result.max_error:.2g})"
    return weights, WeightingInfo("", tuple(variables), total, unclassified, deff, total / deff,
                                  float(per_respondent.max()), tuple(dropped), problem)


def _mean(rows: pd.DataFrame, transform: Callable[[Any], float], level: float) -> analysis.MeanResult:
    values = [analysis.NA_MARKER if v is None or (isinstance(v, float) and math.isnan(v)) else transform(v)
              for v in rows["value"]]
    table = pd.DataFrame({"value": values, "count": rows["count"].to_numpy(dtype=np.int64),
                          "weight": rows["weight"].to_numpy(dtype=float)})
    return analysis.mean_ci_from_counts(table, confidence_level=level)


def _index_points(lo: int, hi: int) -> Callable[[Any], float]:
    """An answer on the ``lo..hi`` scale as satisfaction-index points (0-100)."""
    return lambda v: (float(v) - lo) * 100.0 / (hi - lo)


def _satisfied_points(threshold: float) -> Callable[[Any], float]:
    """100 for an answer counted as satisfied (at or above ``threshold``), else 0."""
    return lambda v: 100.0 if v >= threshold else 0.0


def _floats(ci: Sequence[float]) -> tuple[float, float]:
    return float(ci[0]), float(ci[1])


def _quality(estimate: float, se: float) -> str | None:
    if not (math.isfinite(estimate) and math.isfinite(se)):
        return None
    return str(analysis.quality_flag(analysis.coefficient_of_variation(estimate, se)))


def weighted_results(ids: Sequence[str], cycle: Cycle, baseline: Cycle | None, filters: Filters | None,
                     per_cycle: Mapping[tuple[str, str], qn.Questionnaire], min_n: int, level: float,
                     unweighted: pd.DataFrame | None = None,
                     warnings: Mapping[tuple[str, str], str] | None = None) -> tuple[dict, dict, dict, dict | None]:
    """Weighted figures and changes (``weighting="raked"``).

    Returns ``(figures, changes, infos, margins)``: figures keyed by (questionnaire,
    question, cycle code), changes by (questionnaire, question), infos by questionnaire
    (tuple of :class:`WeightingInfo`, one per cycle) and the cycle's margins.
    ``unweighted`` is the plain frequency table (questionnaire, question, cycle code, value,
    count), used as is where there is nothing to rake on; ``warnings`` maps (questionnaire,
    question) to its comparability warning."""

    cycles = [cycle] + ([baseline] if baseline is not None else [])
    figures: dict[tuple[str, str, str], Figures] = {}
    changes: dict[tuple[str, str], Change] = {}
    infos: dict[str, tuple[WeightingInfo, ...]] = {}
    # (qid, question, code) -> (index MeanResult | None, pct MeanResult, kind)
    stats: dict[tuple[str, str, str], tuple[analysis.MeanResult | None, analysis.MeanResult, str]] = {}
    for qid in ids:
        cycle_infos: list[WeightingInfo] = []
        for c in cycles:
            definition = per_cycle[(qid, c.code)]
            margins = margins_of(c)
            source = c.code
            if margins is None and c is baseline:
                margins, source = margins_of(cycle), cycle.code
            measured = [q for q in definition.questions if q.type in ("rating", "yes_no")]
            variables = _usable(definition, margins) if margins else []
            weights: dict[tuple, float] = {}
            if not margins:
                info = WeightingInfo(c.code, (), 0, 0, None, None, None, problem="no margins")
            elif not variables:
                info = WeightingInfo(c.code, (), 0, 0, None, None, None, problem="no variables",
                                     margins_from=source)
            else:
                cells = _cells(qid, c.id, variables, filters)
                if cells.empty:
                    info = WeightingInfo(c.code, tuple(variables), 0, 0, None, None, None, problem="no respondents")
                else:
                    try:
                        weights, info = rake_cells(cells, variables, margins)
                    except ValueError as exc:
                        weights, info = {}, WeightingInfo(c.code, tuple(variables), int(cells["count"].sum()), 0,
                                                          None, None, None, problem=f"failed: {exc}")
                    info = WeightingInfo(**{**info.__dict__, "cycle": c.code, "margins_from": source})
            cycle_infos.append(info)
            if not measured:
                continue
            if not variables and unweighted is not None:
                mine = unweighted[(unweighted["questionnaire"] == qid) & (unweighted["cycle"] == c.code)]
                freq = mine[["question", "value", "count"]].copy()
            else:
                freq = _weighted_frequencies(qid, c.id, [q.id for q in measured], variables, filters)
            if variables:
                keys = freq[list(variables)].itertuples(index=False, name=None)
                freq["weight"] = [weights.get(tuple(k), 1.0) for k in keys]
            else:
                freq["weight"] = 1.0
            for question in measured:
                rows = freq[freq["question"] == question.id]
                answered = int(rows.loc[rows["value"].notna(), "count"].sum())
                if answered < min_n:
                    figures[(qid, question.id, c.code)] = suppressed_figures(min_n)
                    continue
                if question.type == "rating":
                    lo, hi = question_scale(question)
                    index = _mean(rows, _index_points(lo, hi), level)
                    threshold = analysis.satisfied_threshold(hi, TOP_BOXES)
                else:
                    index = None
                    threshold = analysis.satisfied_threshold(1, 1)  # "yes", the top box of 0-1
                pct = _mean(rows, _satisfied_points(threshold), level)
                stats[(qid, question.id, c.code)] = (index, pct, question.type)

                def clip(ci: tuple[float, float]) -> tuple[float, float]:
                    return (max(0.0, float(ci[0])), min(100.0, float(ci[1])))

                figures[(qid, question.id, c.code)] = Figures(
                    n=pct.n, n_na=pct.n_na,
                    index=index.mean if index else None,
                    index_ci=clip(index.confidence_interval()) if index else None,
                    pct=pct.mean, pct_ci=clip(pct.confidence_interval()),
                    mean=(lo + index.mean * (hi - lo) / 100.0) if index else None,
                    quality=_quality(index.mean, index.se) if index else _quality(pct.mean, pct.se),
                )
        infos[qid] = tuple(cycle_infos)
    if baseline is None:
        return figures, changes, infos, margins_of(cycle)
    rows = []  # (questionnaire, question id, kind, index change, percent change)
    for qid in ids:
        for kind in ("rating", "yes_no"):
            for question in per_cycle[(qid, cycle.code)].questions:
                if question.type != kind:
                    continue
                a = stats.get((qid, question.id, cycle.code))
                b = stats.get((qid, question.id, baseline.code))
                if a is None or b is None:
                    continue
                old = per_cycle[(qid, baseline.code)]
                if question.id in old and old.question(question.id).type != question.type:
                    continue
                d_index = (analysis.diff_means_ci_from_results(a[0], b[0], level)
                           if kind == "rating" and a[0] is not None and b[0] is not None else None)
                d_pct = analysis.diff_means_ci_from_results(a[1], b[1], level)
                rows.append((qid, question.id, kind, d_index, d_pct))
    if not rows:
        return figures, changes, infos, margins_of(cycle)
    # the verdict follows the index for rating questions, the percentage for yes/no ones;
    # Holm within each questionnaire, rating and yes/no questions apart (as unweighted)
    primary = [d_index if kind == "rating" else d_pct for _, _, kind, d_index, d_pct in rows]
    judged = analysis.judge_changes([p.estimate for p in primary], [p.pvalue for p in primary],
                                    family=[(qid, kind) for qid, _, kind, _, _ in rows],
                                    adjust="holm", confidence_level=level)
    for i, (qid, question_id, _kind, d_index, d_pct) in enumerate(rows):
        warning = (warnings or {}).get((qid, question_id), "")
        changes[(qid, question_id)] = Change(
            index_diff=d_index.estimate if d_index else None,
            index_diff_ci=_floats(d_index.confidence_interval()) if d_index else None,
            pct_diff=d_pct.estimate, pct_diff_ci=_floats(d_pct.confidence_interval()),
            p_value=finite(judged.p_value[i]), p_adjusted=finite(judged.p_adjusted[i]),
            verdict=str(judged.verdict[i]), comparable=not warning, warning=warning,
        )
    return figures, changes, infos, margins_of(cycle)
