"""Norms measured from the survey: for a ``number`` question that declares its norm
(``norm: {max: 10, unit: working_days}``), per cycle the number of answers, the median with
its distribution-free interval (:func:`analysis.median_ci_from_counts`, binomial order
statistics) and the share of answers within the norm with its Wilson interval; against the
baseline, the change of that share with Newcombe's interval and the score test's verdict.

Also here, because operations' indicators (:mod:`.operational`) are judged the same way: a
share of ``met`` out of ``total`` (:func:`share`) and the change between two shares
(:func:`share_change`). Everything comes from the frequency tables the other figures use
(value -> count), and a cycle with fewer than the minimum cell size of answers is suppressed.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import analysis
import pandas as pd
import questionnaires as qn

from .model import Interval


@dataclass(frozen=True)
class Share:
    """``count`` out of ``n`` as a percentage with its Wilson interval."""

    count: int
    n: int
    pct: float
    pct_ci: Interval


@dataclass(frozen=True)
class ShareChange:
    """Cycle minus baseline of two shares, in percentage points (Newcombe), and the verdict
    of the score test (the rule of yes/no questions)."""

    pct_diff: float
    pct_diff_ci: Interval
    p_value: float | None
    verdict: str


@dataclass(frozen=True)
class NormFigures:
    """One number question with a norm in one cycle (``suppressed``: no figure at all)."""

    n: int | None
    median: float | None = None
    median_ci: Interval | None = None
    median_level: float | None = None  # the level the order statistics achieve
    within: Share | None = None
    suppressed: bool = False


@dataclass(frozen=True)
class NormResult:
    id: str
    text: qn.Text
    norm: qn.Norm
    cycle: NormFigures
    baseline: NormFigures | None = None
    change: ShareChange | None = None


def share(count: int, n: int, level: float) -> Share:
    low, high = analysis.proportion_ci(count, n, confidence_level=level, method="wilson")
    return Share(int(count), int(n), 100.0 * count / n, (100.0 * low, 100.0 * high))


def share_change(cycle: Share, baseline: Share, level: float) -> ShareChange:
    compared = analysis.compare_proportions(cycle.count, cycle.n, baseline.count, baseline.n,
                                            confidence_level=level, method="newcombe")
    low, high = compared.confidence_interval()
    p = compared.pvalue if math.isfinite(compared.pvalue) else None
    judged = analysis.judge_changes([compared.estimate], [compared.pvalue], adjust="none",
                                    confidence_level=level)
    return ShareChange(100.0 * compared.estimate, (100.0 * low, 100.0 * high), p, str(judged.verdict[0]))


def norm_figures(values: pd.Series, counts: pd.Series, norm: qn.Norm, min_n: int, level: float) -> NormFigures:
    """The figures of one cycle's answers (``values`` without the "not applicable" ones)."""
    n = int(counts.sum())
    if n < min_n or n == 0:
        return NormFigures(n=None, suppressed=True)
    median = analysis.median_ci_from_counts(values.to_numpy(float), counts.to_numpy(float), level)
    within = int(counts[values.to_numpy(float) <= norm.max].sum())
    return NormFigures(n=n, median=median.median, median_ci=median.confidence_interval(),
                       median_level=median.achieved_level, within=share(within, n, level))


def norm_results(freq: pd.DataFrame, questionnaire_id: str, definition: qn.Questionnaire,
                 cycle: str, baseline: str | None, min_n: int, level: float,
                 comparable: Mapping[str, str] | None = None) -> tuple[NormResult, ...]:
    """Every number question of ``definition`` that declares a norm; ``freq`` holds the
    frequency rows (columns ``questionnaire, question, cycle, value, count``). A change is
    given only when both cycles are published and the question's definition is comparable
    (``comparable``: question id -> warning, from :func:`.definitions.comparability`)."""
    out = []
    mine = freq[freq["questionnaire"] == questionnaire_id]
    for question in definition.questions:
        if question.type != "number" or question.norm is None:
            continue
        rows = mine[(mine["question"] == question.id) & mine["value"].notna()]

        def figures(code: str, rows: pd.DataFrame = rows, question: qn.Question = question) -> NormFigures:
            part = rows[rows["cycle"] == code]
            assert question.norm is not None  # questions without a norm are skipped above
            return norm_figures(part["value"].astype(float), part["count"].astype(int), question.norm,
                                min_n, level)

        cyc = figures(cycle)
        base = figures(baseline) if baseline is not None else None
        change = None
        if (base is not None and cyc.within is not None and base.within is not None
                and not (comparable or {}).get(question.id)):
            change = share_change(cyc.within, base.within, level)
        out.append(NormResult(question.id, question.text, question.norm, cyc, base, change))
    return tuple(out)
