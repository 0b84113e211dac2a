"""The unweighted figures and changes, straight from the frequency tables.

Per cycle: the t interval of the satisfaction index and the Wilson interval of the percent
satisfied (:func:`analysis.summarize`); per change: Welch for the index, Newcombe for the
percentage, and the verdict of :func:`analysis.judge_changes` after a Holm adjustment within
each questionnaire (:func:`analysis.compare_cycles`): rating questions form one family, yes/no
questions another; the verdict follows the index test for rating questions and the score test
for yes/no questions. A question with fewer than the minimum cell size of answers in a cycle is
suppressed and takes no part in a change or in the family.

A filtered view (a channel, a site, a language) is the view's answers taken as a sample of
their own, conditional on their number: the classical, exactly unbiased variance of a
subpopulation mean under simple random sampling (Cochran 1977, s. 2.13), which R gives as
``t.test(y[view])``. R's domain estimate of one unweighted design,
``svymean(~y, subset(svydesign(ids=~1, data=d), view))``, treats the view's size as random
and is smaller by a factor sqrt(n (n_d - 1) / ((n - 1) n_d)); the weighted figures
(:mod:`.weighted`) are design-based and take that form.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import analysis
import numpy as np
import pandas as pd
import questionnaires as qn

from .definitions import measured_questions, question_scale
from .model import TOP_BOXES, Change, Figures, finite, interval, suppressed_figures


def analysis_table(freq: pd.DataFrame, questions: Mapping[tuple[str, str], qn.Question],
                   types: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``freq`` for questions of ``types``, with "na" for missing numbers."""
    keep = [(qid, question) in questions and questions[(qid, question)].type in types
            for qid, question in zip(freq["questionnaire"], freq["question"])]
    table = freq[np.asarray(keep, dtype=bool)].copy()
    values = table["value"].astype(object)
    table["value"] = values.where(pd.notna(values), analysis.NA_MARKER)
    table["value"] = [v if v == analysis.NA_MARKER else int(v) for v in table["value"]]
    table["count"] = table["count"].astype(np.int64)
    return table


def definitions_frame(per_cycle: Mapping[tuple[str, str], qn.Questionnaire], kind: str) -> pd.DataFrame:
    """The scale of every question of ``kind`` in each (questionnaire, cycle) definition."""
    rows = []
    for (qid, code), definition in per_cycle.items():
        for question in measured_questions(definition, (kind,)):
            lo, hi = question_scale(question)
            rows.append((qid, question.id, code, lo, hi))
    return pd.DataFrame(rows, columns=["questionnaire", "question", "cycle", "scale_min", "scale_max"])


def figures_from_summary(row: Mapping[str, Any], kind: str, min_n: int) -> Figures:
    """A question's :class:`Figures` from its :func:`analysis.summarize` row (suppressed
    below ``min_n`` answers)."""
    n = int(row["n"])
    if n < min_n:
        return suppressed_figures(min_n)
    if kind == "rating":
        return Figures(
            n=n, n_na=int(row["n_na"]), index=finite(row["index"]),
            index_ci=interval(row["index_low"], row["index_high"]), pct=finite(row["pct_satisfied"]),
            pct_ci=interval(row["pct_low"], row["pct_high"]), mean=finite(row["mean"]),
            quality=row["index_quality"] if isinstance(row["index_quality"], str) else None,
        )
    return Figures(
        n=n, n_na=int(row["n_na"]), pct=finite(row["pct_satisfied"]),
        pct_ci=interval(row["pct_low"], row["pct_high"]),
        quality=row["pct_quality"] if isinstance(row["pct_quality"], str) else None,
    )


def _change_from_row(row: Mapping[str, Any], kind: str, warning: str) -> Change:
    return Change(
        index_diff=finite(row["index_diff"]) if kind == "rating" else None,
        index_diff_ci=interval(row["index_diff_low"], row["index_diff_high"]) if kind == "rating" else None,
        pct_diff=finite(row["pct_diff"]),
        pct_diff_ci=interval(row["pct_diff_low"], row["pct_diff_high"]),
        p_value=finite(row["p_value"]),
        p_adjusted=finite(row["p_adjusted"]),
        verdict=str(row["verdict"]),
        comparable=not warning,
        warning=warning,
    )


def unweighted_results(table: pd.DataFrame, defs: pd.DataFrame, kind: str, cycle: str,
                       baseline: str | None, min_n: int, level: float,
                       warnings: Mapping[tuple[str, str], str] | None = None,
                       not_compared: frozenset[tuple[str, str]] = frozenset(),
                       ) -> tuple[dict[tuple[str, str, str], Figures], dict[tuple[str, str], Change]]:
    """Figures per (questionnaire, question, cycle) and changes per (questionnaire, question).

    ``warnings`` maps (questionnaire, question) to its comparability warning
    (:func:`survey_app.results.definitions.comparability`); the questions in ``not_compared``
    (importance ratings: not satisfaction) get figures but no change and stay out of the family."""
    figures: dict[tuple[str, str, str], Figures] = {}
    changes: dict[tuple[str, str], Change] = {}
    if table.empty:
        return figures, changes
    top = TOP_BOXES if kind == "rating" else 1  # "yes" is the top box of 0-1
    summary = analysis.summarize(table, scale=(1, 5) if kind == "rating" else (0, 1),
                                 keys=["questionnaire", "question"], definitions=defs, top=top,
                                 confidence_level=level)
    for row in summary.to_dict("records"):
        figures[(row["questionnaire"], row["question"], row["cycle"])] = figures_from_summary(row, kind, min_n)
    if baseline is None:
        return figures, changes
    publishable = {(q, k) for (q, k, c), f in figures.items() if c == cycle and not f.suppressed} & {
        (q, k) for (q, k, c), f in figures.items() if c == baseline and not f.suppressed}
    publishable -= not_compared
    if not publishable:
        return figures, changes
    mask = [(q, k) in publishable for q, k in zip(table["questionnaire"], table["question"])]
    subset = table[np.asarray(mask, dtype=bool) & table["cycle"].isin([cycle, baseline]).to_numpy()]
    compared = analysis.compare_cycles(
        subset, baseline, cycle, scale=(1, 5) if kind == "rating" else (0, 1),
        keys=["questionnaire", "question"], definitions=defs, top=top,
        primary="index" if kind == "rating" else "pct_satisfied", adjust="holm",
        family="questionnaire", confidence_level=level,
    )
    for row in compared.to_dict("records"):
        key = (row["questionnaire"], row["question"])
        changes[key] = _change_from_row(row, kind, (warnings or {}).get(key, ""))
    return figures, changes
