"""The verdict on a change between two cycles and the attainment of a target: one home for
both rules, used by :func:`analysis.compare_cycles` and by every caller that has its own
estimates (the weighted, design-based results of the application).

A change is judged from its estimate (cycle minus baseline) and the p-value of its test:
the p-values of a family are adjusted for multiplicity (Holm by default), and the change is
``improved`` or ``declined`` (by its sign) when the adjusted p-value is below
:math:`\\alpha = 1 -` ``confidence_level``, ``no significant change`` otherwise;
``insufficient data`` when there is no valid test (fewer than two answers in a cycle, or a
p-value that is not a number), and such rows take no part in the adjustment. A target is
``met`` when the interval of the measure lies entirely at or above it, ``not met`` when
entirely below, ``inconclusive`` otherwise.

References
----------
.. [1] Holm S (1979), Scand J Stat 6:65-70; Benjamini Y, Hochberg Y (1995), JRSS B
   57:289-300 (multiplicity).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ._common import check_confidence_level
from .multiple import ADJUST_METHODS, adjust_pvalues

__all__ = ["VERDICTS", "TARGET_STATUSES", "ChangeJudgement", "judge_changes", "target_status"]

VERDICTS = ("improved", "declined", "no significant change", "insufficient data")
TARGET_STATUSES = ("met", "not met", "inconclusive")


def _floats(values: Any) -> np.ndarray:
    """A float array, None read as NaN (a missing figure)."""
    if isinstance(values, (list, tuple)):
        values = [np.nan if v is None else v for v in values]
    elif values is None:
        values = np.nan
    return np.asarray(values, dtype=np.float64)


def target_status(low: Any, high: Any, target: Any) -> Any:
    """``met`` / ``not met`` / ``inconclusive`` for an interval ``(low, high)`` of the
    measure against ``target``; None when the target or the interval is missing.

    Arrays give an object array of statuses; scalars (the same rule applied to one value)
    give a string or None.
    """
    lo, hi, tgt = np.broadcast_arrays(_floats(low), _floats(high), _floats(target))
    has_target = np.isfinite(tgt)
    status = np.full(lo.shape, None, dtype=object)
    with np.errstate(invalid="ignore"):
        met = has_target & (lo >= tgt)
        not_met = has_target & (hi < tgt)
    status[met] = "met"
    status[not_met] = "not met"
    status[has_target & ~met & ~not_met & np.isfinite(lo)] = "inconclusive"
    return status if status.ndim else status.item()


@dataclass(frozen=True)
class ChangeJudgement:
    """The judgement of changes (arrays in the order of the changes given).

    Attributes
    ----------
    p_value : numpy.ndarray
        The test's p-value; NaN where the test is not valid.
    p_adjusted : numpy.ndarray
        Adjusted within each family; NaN where the test is not valid.
    verdict : numpy.ndarray of str
        One of :data:`VERDICTS`.
    target_status : numpy.ndarray of object
        One of :data:`TARGET_STATUSES` or None (no target given, or no interval).
    """

    p_value: np.ndarray
    p_adjusted: np.ndarray
    verdict: np.ndarray
    target_status: np.ndarray


def judge_changes(
    change: Any,
    pvalue: Any,
    *,
    valid: Any = None,
    family: Sequence | None = None,
    adjust: str = "holm",
    confidence_level: float = 0.95,
    low: Any = None,
    high: Any = None,
    target: Any = None,
) -> ChangeJudgement:
    r"""Verdicts, adjusted p-values and target statuses of changes between two cycles.

    Parameters
    ----------
    change : array_like of float
        The changes (cycle minus baseline) of the primary measure; only their sign is used.
    pvalue : array_like of float
        Two-sided p-values of their tests.
    valid : array_like of bool, optional
        False where the test must not count (e.g. fewer than two answers in a cycle); a
        p-value that is not finite is never valid.
    family : sequence, optional
        One label per change: p-values are adjusted within each family (by default all
        changes form one family).
    adjust : {"holm", "bh", "bonferroni", "hochberg", "by", "none"}, default "holm"
    confidence_level : float, default 0.95
        Verdicts use :math:`\alpha = 1 -` level.
    low, high, target : array_like of float, optional
        The interval of the measure in the cycle and the target it is judged against
        (see :func:`target_status`); without a target every status is None.

    Returns
    -------
    ChangeJudgement
    """
    level = check_confidence_level(confidence_level)
    if adjust not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {ADJUST_METHODS}, got {adjust!r}")
    change = np.atleast_1d(_floats(change))
    p = np.atleast_1d(_floats(pvalue))
    if change.shape != p.shape:
        raise ValueError(f"change and pvalue differ in length: {change.shape} and {p.shape}")
    ok = np.isfinite(p)
    if valid is not None:
        ok &= np.atleast_1d(np.asarray(valid, dtype=bool))
    p_adjusted = np.full(p.shape, np.nan)
    labels = pd.Series(np.zeros(len(p), dtype=np.int64) if family is None else list(family), dtype=object)
    for _, idx in pd.Series(np.arange(len(p)))[ok].groupby(labels.to_numpy()[ok]):
        rows = idx.to_numpy()
        p_adjusted[rows] = adjust_pvalues(p[rows], adjust)
    with np.errstate(invalid="ignore"):
        significant = p_adjusted < 1.0 - level
    verdict = np.where(~ok, "insufficient data",
                       np.where(significant,
                                np.where(change > 0, "improved",
                                         np.where(change < 0, "declined", "no significant change")),
                                "no significant change")).astype(object)
    if target is None:
        status = np.full(p.shape, None, dtype=object)
    else:
        status = np.atleast_1d(target_status(low, high, target))
    return ChangeJudgement(np.where(ok, p, np.nan), p_adjusted, verdict, status)
