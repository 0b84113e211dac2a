"""The weighted figures and changes (``weighting="raked"``): each questionnaire's respondents
in a cycle form one design, raked to the cycle's population margins; every figure -- the
whole cycle or one channel, site or language -- is an estimate of that design, as R's
survey package gives it.

Margins are stored per cycle (``Cycle.population_margins``, kept by
:mod:`survey_app.services.margins`) as ``{variable: {category: share or total}}``. A
variable is ``language`` (the language of the response) or the id of a ``choice`` question
that the questionnaires share, such as ``age_group`` or ``district``; categories are the
option values. Respondents who did not give every category (skipped, "not applicable", or a
category without a margin) form a raking category of their own whose population total is
their number, so they keep weight 1 and the others are raked to the margins scaled to the
rest (weights average 1).

Raking weights depend only on a respondent's categories, so the design is rebuilt from two
``GROUP BY`` queries over the whole cycle (respondents, and answers per value, by raking
categories and filter dimensions): one row per respondent, raked by :func:`analysis.rake`.
Then, in R's terms (``des <- rake(svydesign(ids=~1, data=d), ...)``):

* the satisfaction index is ``svymean(~index, subset(des, view), na.rm=TRUE)`` --
  :func:`analysis.mean_ci` with ``calibration`` (Taylor linearisation with the raking
  residuals) and ``domain`` (the view's answers, the design kept whole);
* the percent satisfied is ``svyciprop(~I(y >= top), subset(des, view), method="logit")`` --
  :func:`analysis.design_proportion_ci`, Clopper-Pearson at n where the variance is zero;
* a change is :func:`analysis.diff_means_ci_from_results` for the index and
  :func:`analysis.diff_proportions_ci_from_results` (MOVER of the two logit intervals) for
  the percentage, judged by :func:`analysis.judge_changes` as the unweighted ones are.

A view is a domain of the cycle's design, never a separately raked subset (Lumley 2010,
ch. 2 "estimates in subpopulations"). Without margins, or when raking fails, the design is
the same with weight 1 for everyone.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import analysis
import numpy as np
import pandas as pd
import questionnaires as qn
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Answer, Cycle, Response
from ..services.margins import margins_of
from .definitions import question_scale
from .exclusion import counted
from .model import TOP_BOXES, Change, Figures, Filters, WeightingInfo, finite, suppressed_figures

#: Weighting variables read from the response itself (the others are choice questions).
RESPONSE_VARIABLES = ("language",)
#: The filter dimensions a view restricts (the columns of :class:`Filters`).
VIEW_DIMENSIONS = ("channel", "site", "language")
#: The raking category of respondents who did not give every weighting characteristic.
NOT_GIVEN = "\x00not given"
#: Raking stops when every margin is met to this relative error (R's rake() default is an
#: absolute error of 1 person): the published figures then do not depend on when it stopped.
RAKE_TOLERANCE = 1e-10
RAKE_MAX_ITER = 1000
#: Percent satisfied interval: R's ``svyciprop(method="logit")``.
PROPORTION_METHOD = "logit"
#: Change of percent satisfied: MOVER of the two cycles' design intervals.
PROPORTION_CHANGE_METHOD = "newcombe"


def _usable(definition: qn.Questionnaire, margins: Mapping) -> list[str]:
    out = []
    for variable in margins:
        if variable in RESPONSE_VARIABLES or (variable in definition and definition.question(variable).type == "choice"):
            out.append(variable)
    return out


def _key_columns(variables: Sequence[str], base_response_id: Any) -> tuple[list, list, list[str]]:
    """Columns and joins giving each response's category of every variable, then its
    channel, site and language; and the names of these columns."""
    columns, joins, names = [], [], []
    for variable in variables:
        if variable in RESPONSE_VARIABLES:
            columns.append(getattr(Response, variable))
        else:
            alias = aliased(Answer)
            joins.append((alias, and_(alias.response_id == base_response_id, alias.question_id == variable,
                                      alias.is_na.is_(False))))
            columns.append(alias.text_value)
        names.append(f"var:{variable}")
    columns += [getattr(Response, d) for d in VIEW_DIMENSIONS]
    names += list(VIEW_DIMENSIONS)
    return [c.label(n) for c, n in zip(columns, names)], joins, names


def _groups(questionnaire_id: str, cycle_id: int, variables: Sequence[str]) -> pd.DataFrame:
    """Respondents of the whole cycle per (categories, channel, site, language)."""
    columns, joins, names = _key_columns(variables, Response.id)
    query = select(*columns, func.count().label("count")).select_from(Response)
    for alias, on in joins:
        query = query.outerjoin(alias, on)
    query = query.where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle_id)
    # ordered, so that the design's rows (and the rounding of its sums) are the same every time
    query = counted(query, Response.id).group_by(*columns).order_by(*columns)
    return pd.DataFrame(db.session.execute(query).all(), columns=names + ["count"])


def _answer_groups(questionnaire_id: str, cycle_id: int, question_ids: Sequence[str],
                   variables: Sequence[str]) -> pd.DataFrame:
    """Answers of the whole cycle per (question, value, categories, channel, site, language)."""
    columns, joins, names = _key_columns(variables, Answer.response_id)
    query = (select(Answer.question_id, Answer.numeric_value, *columns, func.count().label("count"))
             .select_from(Answer).join(Response, Response.id == Answer.response_id))
    for alias, on in joins:
        query = query.outerjoin(alias, on)
    query = query.where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle_id,
                        Answer.question_id.in_(list(question_ids)))
    query = (counted(query, Response.id).group_by(Answer.question_id, Answer.numeric_value, *columns)
             .order_by(Answer.question_id, Answer.numeric_value, *columns))
    return pd.DataFrame(db.session.execute(query).all(), columns=["question", "value"] + names + ["count"])


@dataclass(frozen=True)
class Design:
    """One questionnaire's respondents in one cycle, one row each, grouped by key.

    Rows are laid out group after group (``start[g]`` is the first row of group ``g``);
    ``calibration`` is the :class:`analysis.RakeResult` of the rows, or None (weight 1)."""

    keys: tuple[tuple, ...]  # per group: categories..., channel, site, language
    counts: np.ndarray
    start: np.ndarray
    calibration: Any
    info: WeightingInfo
    variables: tuple[str, ...]

    @property
    def n(self) -> int:
        return int(self.counts.sum())

    def rows_of(self, group_mask: np.ndarray) -> np.ndarray:
        """The row mask of the groups selected by ``group_mask``."""
        return np.repeat(group_mask, self.counts)


def _key(key: tuple) -> tuple:
    """A group key with SQL NULLs as None (pandas may have read them as NaN)."""
    return tuple(None if isinstance(k, float) and math.isnan(k) else k for k in key)


def _rake(groups: pd.DataFrame, variables: Sequence[str], margins: Mapping,
          cycle: str, source: str) -> tuple[Any, WeightingInfo]:
    """Rake the respondents (one row per respondent, in group order) to ``margins``."""
    counts = groups["count"].to_numpy(dtype=np.int64)
    total = int(counts.sum())
    known = np.ones(len(groups), dtype=bool)
    for v in variables:
        known &= groups[f"var:{v}"].isin(list(margins[v])).to_numpy()
    unclassified = int(counts[~known].sum())
    base = WeightingInfo(cycle, tuple(variables), total, unclassified, None, None, None, margins_from=source)
    if not known.any():
        return None, replace(base, problem="no respondent gave the weighting categories")
    targets, dropped = {}, []
    for v in variables:
        present = set(groups.loc[known, f"var:{v}"])
        dropped += [(v, c) for c, x in margins[v].items() if c not in present and x > 0]
        # a present category with a zero margin stays out: rake() then refuses it
        kept = {c: float(x) for c, x in margins[v].items() if c in present and x > 0}
        if not kept:
            return None, replace(base, problem=f"failed: no respondent in a category of {v!r} with a population")
        scale = (total - unclassified) / sum(kept.values())
        targets[v] = {c: x * scale for c, x in kept.items()}
        if unclassified:
            targets[v][NOT_GIVEN] = float(unclassified)
    frame = pd.DataFrame({v: np.repeat(np.where(known, groups[f"var:{v}"].to_numpy(dtype=object), NOT_GIVEN), counts)
                          for v in variables})
    try:
        result = analysis.rake(frame, targets, max_iter=RAKE_MAX_ITER, tol=RAKE_TOLERANCE, on_failure="return")
    except ValueError as exc:
        return None, replace(base, dropped=tuple(dropped), problem=f"failed: {exc}")
    if not result.converged:
        # weights that miss the margins are not published: the figures stay unweighted
        return None, replace(base, dropped=tuple(dropped),
                             problem=f"raking did not converge (largest margin error {result.max_error:.2g})")
    return result, replace(base, deff_kish=result.deff_kish, n_effective=result.n_effective,
                           max_factor=result.factor_range[1], dropped=tuple(dropped))


def build_design(questionnaire_id: str, cycle: Cycle, definition: qn.Questionnaire,
                 margins: Mapping | None, source: str) -> tuple[Design | None, WeightingInfo]:
    """The cycle's design of a questionnaire (None without respondents) and how it was
    weighted."""
    variables = _usable(definition, margins) if margins else []
    groups = _groups(questionnaire_id, cycle.id, variables)
    if not margins:
        calibration, info = None, WeightingInfo(cycle.code, (), 0, 0, None, None, None, problem="no margins")
    elif not variables:
        calibration, info = None, WeightingInfo(cycle.code, (), 0, 0, None, None, None, problem="no variables",
                                                margins_from=source)
    elif groups.empty:
        calibration, info = None, WeightingInfo(cycle.code, tuple(variables), 0, 0, None, None, None,
                                                problem="no respondents", margins_from=source)
    else:
        calibration, info = _rake(groups, variables, margins, cycle.code, source)
    if groups.empty:
        return None, info
    counts = groups["count"].to_numpy(dtype=np.int64)
    keys = tuple(_key(k) for k in groups.drop(columns="count").itertuples(index=False, name=None))
    start = np.concatenate(([0], np.cumsum(counts)[:-1]))
    return Design(keys, counts, start, calibration, info, tuple(variables)), info


def view_mask(design: Design, filters: Filters | None) -> np.ndarray:
    """Rows of the respondents a view (``filters``) keeps: the domain of its figures."""
    wanted = filters.as_dict() if filters is not None else {}
    offset = len(design.variables)
    keep = np.array([all(key[offset + i] == wanted[d] for i, d in enumerate(VIEW_DIMENSIONS) if d in wanted)
                     for key in design.keys], dtype=bool)
    return design.rows_of(keep)


def answer_rows(design: Design, answers: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One question's answers laid on the design's rows: ``(value, answered, not_applicable)``.

    ``answers`` holds the question's ``value, <keys>, count`` rows; inside a group the
    respondents are interchangeable (same weight, same categories), so each group's answers
    fill its first rows and its other respondents did not answer."""
    n = design.n
    values = np.zeros(n)
    answered = np.zeros(n, dtype=bool)
    not_applicable = np.zeros(n, dtype=bool)
    index = {key: g for g, key in enumerate(design.keys)}
    filled = np.zeros(len(design.keys), dtype=np.int64)
    key_columns = [c for c in answers.columns if c not in ("question", "value", "count")]
    for value, key, count in zip(answers["value"], answers[key_columns].itertuples(index=False, name=None),
                                 answers["count"]):
        g = index.get(_key(key))
        if g is None:
            continue  # a response committed between the two queries: not in the design
        # (nor more answers than the group has respondents, for the same reason)
        count = min(int(count), int(design.counts[g] - filled[g]))
        first = int(design.start[g] + filled[g])
        rows = slice(first, first + count)
        filled[g] += count
        if value is None or (isinstance(value, float) and math.isnan(value)):
            not_applicable[rows] = True
        else:
            values[rows] = float(value)
            answered[rows] = True
    return values, answered, not_applicable


def zero_variance_index_ci(index: float, n: int, level: float) -> tuple[float, float]:
    """The index interval when every answer of the view is the same.

    The share of the population giving that answer is at least the Clopper-Pearson lower
    bound at n of n, :math:`(\\alpha/2)^{1/n}`; the rest may lie anywhere on 0-100. At 0 or
    100 this is the Clopper-Pearson interval itself, as for the percent satisfied."""
    share = analysis.proportion_ci(n, n, level, method="clopper-pearson").low
    return index * share, index * share + 100.0 * (1.0 - share)


@dataclass(frozen=True)
class Estimates:
    """A question's design-based estimates in one cycle (index None for yes/no)."""

    index: analysis.MeanResult | None
    index_ci: tuple[float, float] | None
    pct: analysis.DesignProportionResult
    figures: Figures


def estimate(design: Design, values: np.ndarray, in_view: np.ndarray, question: qn.Question,
             level: float, n_na: int) -> Estimates:
    """The index and percent satisfied over the rows ``in_view`` (answered, in the view);
    ``n_na`` is the view's "not applicable" answers."""
    calibration = design.calibration
    if question.type == "rating":
        lo, hi = question_scale(question)
        threshold = analysis.satisfied_threshold(hi, TOP_BOXES)
        points = (values - lo) * 100.0 / (hi - lo)
        index = analysis.mean_ci(points, calibration=calibration, domain=in_view, confidence_level=level)
        index_ci: tuple[float, float] | None
        if index.se > 0:
            low, high = index.confidence_interval()
            index_ci = (float(low), float(high))
        else:
            index_ci = zero_variance_index_ci(index.mean, index.n, level)
    else:
        index, index_ci = None, None
        threshold = analysis.satisfied_threshold(1, 1)  # "yes", the top box of 0-1
    satisfied = (values >= threshold).astype(float)
    pct = analysis.design_proportion_ci(satisfied, calibration=calibration, domain=in_view,
                                        method=PROPORTION_METHOD, confidence_level=level)
    return Estimates(index, index_ci, pct, _figures(index, index_ci, pct, question, n_na))


def _quality(estimate: float, se: float) -> str | None:
    if not (math.isfinite(estimate) and math.isfinite(se)):
        return None
    return str(analysis.quality_flag(analysis.coefficient_of_variation(estimate, se)))


def _figures(index: analysis.MeanResult | None, index_ci: tuple[float, float] | None,
             pct: analysis.DesignProportionResult, question: qn.Question, n_na: int) -> Figures:
    low, high = pct.confidence_interval()
    mean = None
    if index is not None:
        lo, hi = question_scale(question)
        mean = lo + index.mean * (hi - lo) / 100.0
    return Figures(
        n=pct.n, n_na=n_na,
        index=index.mean if index else None, index_ci=index_ci,
        pct=100.0 * pct.proportion, pct_ci=(100.0 * low, 100.0 * high), mean=mean,
        quality=_quality(index.mean, index.se) if index else _quality(100.0 * pct.proportion, 100.0 * pct.se),
        index_se=index.se if index else None, pct_se=100.0 * pct.se,
        pct_interval=pct.interval_method,
    )


def _mover(estimate: float, a: tuple[float, float], ea: float, b: tuple[float, float], eb: float) -> tuple[float, float]:
    """MOVER interval of ``ea - eb`` from each estimate's own interval (Zou & Donner 2008)."""
    return (estimate - math.hypot(ea - a[0], b[1] - eb), estimate + math.hypot(a[1] - ea, eb - b[0]))


def _index_change(a: Estimates, b: Estimates, level: float) -> tuple[float, tuple[float, float], float]:
    """Index change, interval and p-value: Satterthwaite t of the two designs; where a
    cycle's variance is zero, the interval combines the two cycles' intervals (MOVER)."""
    assert a.index is not None and b.index is not None and a.index_ci and b.index_ci
    diff = analysis.diff_means_ci_from_results(a.index, b.index, level)
    if a.index.se > 0 and b.index.se > 0:
        low, high = diff.confidence_interval()
        ci = (float(low), float(high))
    else:
        ci = _mover(diff.estimate, a.index_ci, a.index.mean, b.index_ci, b.index.mean)
    return float(diff.estimate), ci, float(diff.pvalue)


def cycle_estimates(questionnaire_id: str, cycle: Cycle, definition: qn.Questionnaire, margins: Mapping | None,
                    source: str, filters: Filters | None, min_n: int, level: float,
                    ) -> tuple[WeightingInfo, dict[str, Estimates | None]]:
    """Every rating and yes/no question's estimates in the view ``filters`` of one cycle's
    design (None: fewer than ``min_n`` answers), and how the cycle was weighted."""
    design, info = build_design(questionnaire_id, cycle, definition, margins, source)
    out: dict[str, Estimates | None] = {}
    measured = [q for q in definition.questions if q.type in ("rating", "yes_no")]
    if design is None or not measured:
        return info, out
    answers = _answer_groups(questionnaire_id, cycle.id, [q.id for q in measured], design.variables)
    view = view_mask(design, filters)
    for question in measured:
        values, answered, not_applicable = answer_rows(design, answers[answers["question"] == question.id])
        in_view = view & answered
        if int(in_view.sum()) < max(min_n, 2):
            out[question.id] = None
            continue
        out[question.id] = estimate(design, values, in_view, question, level, int((view & not_applicable).sum()))
    return info, out


def weighted_results(ids: Sequence[str], cycle: Cycle, baseline: Cycle | None, filters: Filters | None,
                     per_cycle: Mapping[tuple[str, str], qn.Questionnaire], min_n: int, level: float,
                     warnings: Mapping[tuple[str, str], str] | None = None) -> tuple[dict, dict, dict, dict | None]:
    """Weighted figures and changes (``weighting="raked"``) of the view ``filters``.

    Returns ``(figures, changes, infos, margins)``: figures keyed by (questionnaire,
    question, cycle code), changes by (questionnaire, question), infos by questionnaire
    (tuple of :class:`WeightingInfo`, one per cycle) and the cycle's margins.
    ``warnings`` maps (questionnaire, question) to its comparability warning."""

    cycles = [cycle] + ([baseline] if baseline is not None else [])
    figures: dict[tuple[str, str, str], Figures] = {}
    changes: dict[tuple[str, str], Change] = {}
    infos: dict[str, tuple[WeightingInfo, ...]] = {}
    stats: dict[tuple[str, str, str], Estimates] = {}
    for qid in ids:
        cycle_infos: list[WeightingInfo] = []
        for c in cycles:
            definition = per_cycle[(qid, c.code)]
            margins, source = margins_of(c), c.code
            if margins is None and c is baseline:
                margins, source = margins_of(cycle), cycle.code
            info, mine = cycle_estimates(qid, c, definition, margins, source, filters, min_n, level)
            cycle_infos.append(info)
            for question_id, est in mine.items():
                if est is None:
                    figures[(qid, question_id, c.code)] = suppressed_figures(min_n)
                else:
                    stats[(qid, question_id, c.code)] = est
                    figures[(qid, question_id, c.code)] = est.figures
        infos[qid] = tuple(cycle_infos)
    if baseline is None:
        return figures, changes, infos, margins_of(cycle)
    rows = []  # (questionnaire, question id, kind, index change or None, percent change)
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
                d_index = _index_change(a, b, level) if a.index is not None and b.index is not None else None
                d_pct = analysis.diff_proportions_ci_from_results(a.pct, b.pct, level, method=PROPORTION_CHANGE_METHOD)
                rows.append((qid, question.id, kind, d_index, d_pct))
    if not rows:
        return figures, changes, infos, margins_of(cycle)
    # the verdict follows the index for rating questions, the percentage for yes/no ones;
    # Holm within each questionnaire, rating and yes/no questions apart (as unweighted)
    estimates = [d_index[0] if d_index else 100.0 * d_pct.estimate for _, _, _, d_index, d_pct in rows]
    pvalues = [d_index[2] if d_index else d_pct.pvalue for _, _, _, d_index, d_pct in rows]
    judged = analysis.judge_changes(estimates, pvalues, family=[(qid, kind) for qid, _, kind, _, _ in rows],
                                    adjust="holm", confidence_level=level)
    for i, (qid, question_id, _kind, d_index, d_pct) in enumerate(rows):
        warning = (warnings or {}).get((qid, question_id), "")
        low, high = d_pct.confidence_interval()
        changes[(qid, question_id)] = Change(
            index_diff=d_index[0] if d_index else None,
            index_diff_ci=d_index[1] if d_index else None,
            pct_diff=100.0 * d_pct.estimate, pct_diff_ci=(100.0 * low, 100.0 * high),
            p_value=finite(judged.p_value[i]), p_adjusted=finite(judged.p_adjusted[i]),
            verdict=str(judged.verdict[i]), comparable=not warning, warning=warning,
        )
    return figures, changes, infos, margins_of(cycle)
