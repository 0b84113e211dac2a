"""Weighting to a cycle's population margins (raking), and the margins themselves.

Margins are stored per cycle (``Cycle.population_margins``) as ``{variable: {category:
share or total}}``. A variable is ``language`` (the language of the response) or the id of a
``choice`` question that the questionnaires share, such as ``age_group`` or ``district``;
categories are the option values. Each questionnaire's respondents in a cycle are raked
(:func:`analysis.rake`) on the variables it has.

Raking weights depend only on a respondent's cell (the combination of their categories), so
everything comes from two ``GROUP BY`` queries: respondents per cell (raked as a frame of
cells whose base weights are their counts -- the same iterative proportional fitting as on
the respondents), and answers per question, value and cell. The weighted estimates are then
exact from these frequency tables (:func:`analysis.mean_ci_from_counts` with a ``weight``
column: Hajek means with linearisation standard errors, the raking weights treated as
fixed). Respondents who did not give a category (skipped or "not applicable") keep weight 1
and the raked respondents' weights are scaled to average 1.
"""
from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import analysis
import numpy as np
import pandas as pd
import questionnaires as qn
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..database import write_transaction
from ..extensions import db
from ..models import Answer, Cycle, Response
from . import audit

#: Census-like margins shipped with the demo (age groups and boroughs of a city of about
#: 550,000 inhabitants aged 18 and over; shares).
EXAMPLE_MARGINS = {
    "age_group": {"18-34": 0.27, "35-54": 0.32, "55-64": 0.17, "65+": 0.24},
    "district": {
        "cite-limoilou": 0.195, "rivieres": 0.135, "sainte-foy": 0.19,
        "charlesbourg": 0.15, "beauport": 0.15, "haute-saint-charles": 0.18,
    },
}
RESPONSE_VARIABLES = ("language",)


class MarginsError(ValueError):
    pass


@dataclass(frozen=True)
class WeightingInfo:
    """How one questionnaire's respondents in one cycle were weighted."""

    cycle: str
    variables: tuple[str, ...]  # raked on these (empty: not weighted)
    respondents: int
    unclassified: int  # respondents without a category: weight 1
    deff_kish: float | None
    n_effective: float | None
    max_factor: float | None
    dropped: tuple[tuple[str, str], ...] = ()  # (variable, category) margins with no respondent
    problem: str | None = None  # "no margins", "no variables", "failed: ..."
    margins_from: str | None = None  # the cycle whose margins were used


# --------------------------------------------------------------------------- margins


def margins_of(cycle: Cycle | None) -> dict | None:
    return cycle.population_margins if cycle is not None and cycle.population_margins else None


def validate_margins(margins) -> dict[str, dict[str, float]]:
    """Check and normalise ``{variable: {category: share or total}}``.

    Each variable's values are numbers >= 0 that sum to 1 (shares) or to the population
    size (totals); variables given as totals must agree on that size."""
    if not isinstance(margins, Mapping) or not margins:
        raise MarginsError("margins: at least one variable with its categories")
    out: dict[str, dict[str, float]] = {}
    totals = {}
    for variable, cats in margins.items():
        if not isinstance(variable, str) or not variable.strip():
            raise MarginsError("margins: a variable needs a name")
        if not isinstance(cats, Mapping) or len(cats) < 2:
            raise MarginsError(f"{variable}: at least two categories")
        clean = {}
        for category, value in cats.items():
            try:
                number = float(value)
            except (TypeError, ValueError):
                raise MarginsError(f"{variable}.{category}: {value!r} is not a number") from None
            if not math.isfinite(number) or number < 0:
                raise MarginsError(f"{variable}.{category}: must be a number >= 0")
            clean[str(category)] = number
        total = sum(clean.values())
        if total <= 0:
            raise MarginsError(f"{variable}: the values sum to 0")
        if abs(total - 1.0) > 1e-6:
            if abs(total - 100.0) <= 1e-6:  # percentages: turned into shares
                clean = {k: v / 100.0 for k, v in clean.items()}
            else:
                totals[variable] = total
        out[variable.strip()] = clean
    if len({round(t, 6) for t in totals.values()}) > 1:
        raise MarginsError("margins: variables given as totals must sum to the same population size")
    return out


def parse_margins_text(text: str) -> dict[str, dict[str, float]]:
    """Margins from lines ``variable,category,value`` (a header line is allowed)."""
    rows = [r for r in csv.reader(io.StringIO(text.strip())) if r and any(c.strip() for c in r)]
    if rows and [c.strip().lower() for c in rows[0]][:3] == ["variable", "category", "value"]:
        rows = rows[1:]
    margins: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows, start=1):
        if len(row) != 3:
            raise MarginsError(f"line {number}: expected variable,category,value")
        variable, category, value = (c.strip() for c in row)
        margins.setdefault(variable, {})[category] = value.replace(",", ".") if value.count(",") == 1 else value
    return validate_margins(margins)


def margins_text(margins: Mapping | None) -> str:
    if not margins:
        return ""
    lines = ["variable,category,value"]
    for variable, cats in margins.items():
        for category, value in cats.items():
            lines.append(f"{variable},{category},{value:g}")
    return "\n".join(lines) + "\n"


def set_margins(code: str, margins, actor: str | None = None) -> Cycle:
    """Store a cycle's population margins (None clears them)."""
    clean = None if margins is None else validate_margins(margins)
    with write_transaction():
        cycle = db.session.execute(select(Cycle).where(Cycle.code == code)).scalar_one_or_none()
        if cycle is None:
            raise MarginsError(f"cycle: unknown cycle {code!r}")
        cycle.population_margins = clean
        audit.record("cycle.margins", actor, cycle=code)
    return cycle


# --------------------------------------------------------------------------- raking


def _usable(definition: qn.Questionnaire, margins: Mapping) -> list[str]:
    out = []
    for variable in margins:
        if variable in RESPONSE_VARIABLES:
            out.append(variable)
        elif variable in definition and definition.question(variable).type == "choice":
            out.append(variable)
    return out


def _cell_columns(variables: Sequence[str], filters, base_response_id):
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


def _apply_filters(query, filters):
    if filters is not None and filters.channel:
        query = query.where(Response.channel == filters.channel)
    if filters is not None and filters.site:
        query = query.where(Response.site == filters.site)
    if filters is not None and filters.language:
        query = query.where(Response.language == filters.language)
    return query


def _cells(questionnaire_id: str, cycle_id: int, variables: Sequence[str], filters) -> pd.DataFrame:
    columns, joins = _cell_columns(variables, filters, Response.id)
    query = select(*columns, func.count().label("count")).select_from(Response)
    for alias, on in joins:
        query = query.outerjoin(alias, on)
    query = query.where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle_id)
    query = _apply_filters(query, filters).group_by(*columns)
    return pd.DataFrame(db.session.execute(query).all(), columns=list(variables) + ["count"])


def _weighted_frequencies(questionnaire_id: str, cycle_id: int, question_ids: Sequence[str],
                          variables: Sequence[str], filters) -> pd.DataFrame:
    columns, joins = _cell_columns(variables, filters, Answer.response_id)
    query = (select(Answer.question_id, Answer.numeric_value, *columns, func.count().label("count"))
             .select_from(Answer).join(Response, Response.id == Answer.response_id))
    for alias, on in joins:
        query = query.outerjoin(alias, on)
    query = query.where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle_id,
                        Answer.question_id.in_(list(question_ids)))
    query = _apply_filters(query, filters).group_by(Answer.question_id, Answer.numeric_value, *columns)
    return pd.DataFrame(db.session.execute(query).all(),
                        columns=["question", "value"] + list(variables) + ["count"])


def rake_cells(cells: pd.DataFrame, variables: Sequence[str], margins: Mapping) -> tuple[dict, WeightingInfo]:
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


# --------------------------------------------------------------------------- estimates


def _mean(rows: pd.DataFrame, transform, level: float):
    values = [analysis.NA_MARKER if v is None or (isinstance(v, float) and math.isnan(v)) else transform(v)
              for v in rows["value"]]
    table = pd.DataFrame({"value": values, "count": rows["count"].to_numpy(dtype=np.int64),
                          "weight": rows["weight"].to_numpy(dtype=float)})
    return analysis.mean_ci_from_counts(table, confidence_level=level)


def _quality(estimate: float, se: float) -> str | None:
    if not (math.isfinite(estimate) and math.isfinite(se)):
        return None
    return str(analysis.quality_flag(analysis.coefficient_of_variation(estimate, se)))


def weighted_results(ids, cycle, baseline, filters, per_cycle, questions, min_n, level, unweighted=None):
    """Weighted figures and changes for the results service (``weighting="raked"``).

    Returns ``(figures, changes, infos, margins)``: figures keyed by (questionnaire,
    question, cycle code), changes by (questionnaire, question), infos by questionnaire
    (tuple of :class:`WeightingInfo`, one per cycle) and the cycle's margins.
    ``unweighted`` is the plain frequency table (questionnaire, question, cycle code, value,
    count), used as is where there is nothing to rake on."""
    from .results import Change, Figures, _suppressed  # the shared result types

    cycles = [cycle] + ([baseline] if baseline is not None else [])
    figures, changes, infos = {}, {}, {}
    stats = {}  # (qid, question, code) -> (index MeanResult | None, pct MeanResult, kind)
    for qid in ids:
        infos[qid] = []
        for c in cycles:
            definition = per_cycle[(qid, c.code)]
            margins = margins_of(c)
            source = c.code
            if margins is None and c is baseline:
                margins, source = margins_of(cycle), cycle.code
            measured = [q for q in definition.questions if q.type in ("rating", "yes_no")]
            variables = _usable(definition, margins) if margins else []
            weights, info = {}, None
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
            infos[qid].append(info)
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
                    figures[(qid, question.id, c.code)] = _suppressed(min_n)
                    continue
                if question.type == "rating":
                    lo, hi = question.scale.min, question.scale.max
                    index = _mean(rows, lambda v, lo=lo, hi=hi: (float(v) - lo) * 100.0 / (hi - lo), level)
                    pct = _mean(rows, lambda v, hi=hi: 100.0 if v >= hi - 1 else 0.0, level)
                else:
                    index = None
                    pct = _mean(rows, lambda v: 100.0 * float(v), level)
                stats[(qid, question.id, c.code)] = (index, pct, question.type)

                def clip(ci):
                    return (max(0.0, float(ci[0])), min(100.0, float(ci[1])))

                figures[(qid, question.id, c.code)] = Figures(
                    n=pct.n, n_na=pct.n_na,
                    index=index.mean if index else None,
                    index_ci=clip(index.confidence_interval()) if index else None,
                    pct=pct.mean, pct_ci=clip(pct.confidence_interval()),
                    mean=(lo + index.mean * (hi - lo) / 100.0) if index else None,
                    quality=_quality(index.mean, index.se) if index else _quality(pct.mean, pct.se),
                )
        infos[qid] = tuple(infos[qid])
    if baseline is None:
        return figures, changes, infos, margins_of(cycle)
    alpha = 1.0 - level
    for qid in ids:
        for kind in ("rating", "yes_no"):
            rows = []
            for question in per_cycle[(qid, cycle.code)].questions:
                if question.type != kind:
                    continue
                a = stats.get((qid, question.id, cycle.code))
                b = stats.get((qid, question.id, baseline.code))
                if a is None or b is None:
                    continue
                old = per_cycle[(qid, baseline.code)]
                warning = ""
                if question.id in old:
                    before = old.question(question.id)
                    if before.type != question.type:
                        continue
                    messages = []
                    if kind == "rating" and (before.scale.min, before.scale.max) != (question.scale.min, question.scale.max):
                        messages.append(f"scale changed from {before.scale.min}-{before.scale.max} to "
                                        f"{question.scale.min}-{question.scale.max}")
                    if before.text != question.text:
                        messages.append("question wording changed between the two cycles")
                    warning = "; ".join(messages)
                d_index = analysis.diff_means_ci_from_results(a[0], b[0], level) if kind == "rating" else None
                d_pct = analysis.diff_means_ci_from_results(a[1], b[1], level)
                primary = d_index if kind == "rating" else d_pct
                rows.append((question.id, d_index, d_pct, primary, warning))
            if not rows:
                continue
            adjusted = analysis.adjust_pvalues(np.array([r[3].pvalue for r in rows]), "holm")
            for (question_id, d_index, d_pct, primary, warning), p_adj in zip(rows, adjusted):
                if p_adj < alpha and primary.estimate != 0:
                    verdict = "improved" if primary.estimate > 0 else "declined"
                else:
                    verdict = "no significant change"
                changes[(qid, question_id)] = Change(
                    index_diff=d_index.estimate if d_index else None,
                    index_diff_ci=tuple(map(float, d_index.confidence_interval())) if d_index else None,
                    pct_diff=d_pct.estimate, pct_diff_ci=tuple(map(float, d_pct.confidence_interval())),
                    p_value=primary.pvalue, p_adjusted=float(p_adj), verdict=verdict,
                    comparable=not warning, warning=warning,
                )
    return figures, changes, infos, margins_of(cycle)
