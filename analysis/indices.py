"""Satisfaction indices: index 0-100, percent satisfied, NPS and a composite index.

All results are on the 0-100 scale (points, percent). Every estimator has a
frequency-table form (``*_from_counts``) taking ``{value: count}`` and giving the
same numbers as from the raw answers.

References
----------
.. [1] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
   comparison of seven methods. *Statistics in Medicine* 17:857-872 (Wilson interval).
.. [2] Rocks B (2016). Interval estimation for the "Net Promoter Score".
   *The American Statistician* 70:365-372 (adjusted-Wald interval).
.. [3] Reichheld FF (2003). The one number you need to grow. *Harvard Business
   Review* 81(12):46-54 (NPS definition).
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._common import (
    t_interval,
    ConfidenceInterval,
    as_counts,
    as_values,
    as_values_masked,
    check_confidence_level,
    check_count,
    check_on_scale,
    check_real,
    check_scale,
    moments,
    require_n,
    values_to_counts,
    z_value,
)
from .proportions import PROPORTION_METHODS, proportion_ci

__all__ = [
    "IndexResult",
    "PercentResult",
    "NPSResult",
    "CompositeResult",
    "satisfaction_index",
    "satisfaction_index_from_counts",
    "percent_satisfied",
    "percent_satisfied_from_counts",
    "nps",
    "nps_from_counts",
    "composite_index",
    "composite_index_from_results",
    "satisfied_threshold",
]


def _clip(low, high, lo, hi):
    return ConfidenceInterval(float(min(max(low, lo), hi)), float(min(max(high, lo), hi)))


# ---------------------------------------------------------------- satisfaction index


@dataclass(frozen=True)
class IndexResult:
    """Satisfaction index :math:`100(\\bar x - \\min)/(\\max - \\min)` with a t interval.

    Attributes
    ----------
    estimate : float
        Index on 0-100.
    se : float
        Standard error in index points, :math:`100\\,s/(\\sqrt n(\\max-\\min))`.
    df : float
        n - 1.
    n : int
        Answers on the scale ("na" excluded).
    n_na : int
        Not-applicable answers.
    mean, sd : float
        Mean and SD (n - 1 divisor) on the original scale.
    scale : tuple of int
    confidence_level : float
    """

    estimate: float
    se: float
    df: float
    n: int
    n_na: int
    mean: float
    sd: float
    scale: tuple
    confidence_level: float

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        """:math:`\\hat I \\pm t_{n-1}\\,SE`, truncated to [0, 100]."""
        low, high = t_interval(self.estimate, self.se, self.df, self.confidence_level if confidence_level is None else confidence_level)
        return _clip(low, high, 0.0, 100.0)


def _index_from_table(vals, cnts, n_na, scale, level):
    check_on_scale(vals, scale, "values")
    n = float(cnts.sum())
    require_n(n, 2, "satisfaction_index")
    n, mean, var = moments(vals, cnts)
    lo, hi = scale
    k = 100.0 / (hi - lo)
    sd = math.sqrt(var)
    return IndexResult(
        estimate=(mean - lo) * k, se=k * sd / math.sqrt(n), df=n - 1.0, n=int(n), n_na=int(n_na),
        mean=mean, sd=sd, scale=(lo, hi), confidence_level=level,
    )


def satisfaction_index(values, scale=(1, 5), confidence_level=0.95) -> IndexResult:
    r"""Satisfaction index on 0-100 with a Student t interval.

    Parameters
    ----------
    values : sequence of int
        Ratings, integer points of ``scale``; ``"na"`` / ``None`` are not applicable
        and excluded from the denominator. NaN, a value off the scale or fewer than
        2 answers raise ``ValueError``.
    scale : (int, int), default (1, 5)
        ``(min, max)`` of the rating scale.
    confidence_level : float, default 0.95

    Returns
    -------
    IndexResult

    Notes
    -----
    :math:`I = 100(\bar x - \min)/(\max - \min)`, interval
    :math:`I \pm t_{n-1,1-\alpha/2}\cdot 100\,s/(\sqrt n(\max - \min))` truncated to
    [0, 100]. A linear rescaling of the t interval of the mean.
    """
    level = check_confidence_level(confidence_level)
    scale = check_scale(scale)
    x, n_na = as_values(values)
    vals, cnts = values_to_counts(x)
    return _index_from_table(vals, cnts, n_na, scale, level)


def satisfaction_index_from_counts(counts, scale=(1, 5), confidence_level=0.95) -> IndexResult:
    """Frequency-table form of :func:`satisfaction_index`.

    ``counts`` is ``{value: count}`` or a Series indexed by value; the key ``"na"``
    holds the not-applicable answers (reported as ``n_na``).
    """
    level = check_confidence_level(confidence_level)
    scale = check_scale(scale)
    vals, cnts, n_na = as_counts(counts)
    return _index_from_table(vals, cnts, n_na, scale, level)


# ---------------------------------------------------------------- percent satisfied


@dataclass(frozen=True)
class PercentResult:
    """Percent of answers in the top ``top`` boxes of the scale.

    Attributes
    ----------
    estimate : float
        Percent (0-100).
    count : int
        Answers in the top boxes.
    n : int
        Answers on the scale ("na" excluded).
    n_na : int
    scale : tuple of int
    top : int
    method : str
        Interval method of :func:`analysis.proportion_ci` (default Wilson).
    confidence_level : float
    """

    estimate: float
    count: int
    n: int
    n_na: int
    scale: tuple
    top: int
    method: str
    confidence_level: float

    @property
    def se(self) -> float:
        """Binomial standard error in percentage points, :math:`100\\sqrt{p(1-p)/n}`."""
        p = self.count / self.n
        return 100.0 * math.sqrt(p * (1.0 - p) / self.n)

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        """Interval in percent from :func:`analysis.proportion_ci` (Wilson by default)."""
        level = self.confidence_level if confidence_level is None else confidence_level
        low, high = proportion_ci(self.count, self.n, level, method=self.method)
        return ConfidenceInterval(100.0 * low, 100.0 * high)


def satisfied_threshold(scale_max, top):
    """The lowest answer counted as satisfied: the top ``top`` boxes of a scale ending at
    ``scale_max`` are ``scale_max - top + 1`` and above (4 and 5 on 1-5 with top=2; "yes"
    on 0-1 with top=1). The one rule behind every percent satisfied; arrays work too."""
    return scale_max - top + 1


def _check_top(top, scale):
    top = check_count(top, "top", allow_zero=False)
    if top >= scale[1] - scale[0] + 1:
        raise ValueError(f"top={top} covers the whole scale {scale[0]}..{scale[1]}")
    return top


def _percent_from_table(vals, cnts, n_na, scale, top, method, level):
    check_on_scale(vals, scale, "values")
    n = float(cnts.sum())
    require_n(n, 1, "percent_satisfied")
    threshold = satisfied_threshold(scale[1], top)
    count = float(cnts[vals >= threshold].sum())
    return PercentResult(
        estimate=100.0 * count / n, count=int(count), n=int(n), n_na=int(n_na), scale=scale,
        top=top, method=method, confidence_level=level,
    )


def _check_method(method):
    if method not in PROPORTION_METHODS:
        raise ValueError(f"method must be one of {PROPORTION_METHODS}, got {method!r}")
    return method


def percent_satisfied(
    values, scale=(1, 5), top=2, confidence_level=0.95, method="wilson"
) -> PercentResult:
    r"""Percent satisfied: share of answers in the top ``top`` boxes, Wilson interval.

    Parameters
    ----------
    values : sequence of int
        Ratings on ``scale``; ``"na"`` / ``None`` excluded from the denominator.
    scale : (int, int), default (1, 5)
    top : int, default 2
        Number of top boxes counted as satisfied (4 and 5 on a 1-5 scale).
    confidence_level : float, default 0.95
    method : str, default "wilson"
        Any method of :func:`analysis.proportion_ci`.

    Returns
    -------
    PercentResult

    Notes
    -----
    :math:`\hat p = \#\{x \ge \max - top + 1\}/n`; the Wilson score interval [1]_
    :math:`\frac{x + z^2/2}{n + z^2} \pm \frac{z}{n+z^2}\sqrt{x(n-x)/n + z^2/4}`,
    reported in percent.
    """
    level = check_confidence_level(confidence_level)
    scale = check_scale(scale)
    top = _check_top(top, scale)
    x, n_na = as_values(values)
    vals, cnts = values_to_counts(x)
    return _percent_from_table(vals, cnts, n_na, scale, top, _check_method(method), level)


def percent_satisfied_from_counts(
    counts, scale=(1, 5), top=2, confidence_level=0.95, method="wilson"
) -> PercentResult:
    """Frequency-table form of :func:`percent_satisfied` (``{value: count}``, ``"na"`` key allowed)."""
    level = check_confidence_level(confidence_level)
    scale = check_scale(scale)
    top = _check_top(top, scale)
    vals, cnts, n_na = as_counts(counts)
    return _percent_from_table(vals, cnts, n_na, scale, top, _check_method(method), level)


# ------------------------------------------------------------------------------ NPS


@dataclass(frozen=True)
class NPSResult:
    """Net Promoter Score, percent promoters (9-10) minus percent detractors (0-6).

    Attributes
    ----------
    estimate : float
        NPS on -100..100.
    promoters, passives, detractors, n, n_na : int
    confidence_level : float
    """

    estimate: float
    promoters: int
    passives: int
    detractors: int
    n: int
    n_na: int
    confidence_level: float

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        r"""Adjusted-Wald interval of Rocks (2016) [2]_, in NPS points.

        Add 3/4 to promoters and detractors and 3 to n:
        :math:`\tilde p_P = (n_P + 3/4)/(n + 3)`, :math:`\tilde p_D = (n_D + 3/4)/(n + 3)`,
        :math:`\tilde{NPS} = \tilde p_P - \tilde p_D`, interval
        :math:`100\left[\tilde{NPS} \pm z\sqrt{(\tilde p_P + \tilde p_D - \tilde{NPS}^2)/(n+3)}\right]`,
        truncated to [-100, 100].
        """
        level = check_confidence_level(
            self.confidence_level if confidence_level is None else confidence_level
        )
        z = z_value(level)
        n_adj = self.n + 3.0
        pp = (self.promoters + 0.75) / n_adj
        pd_ = (self.detractors + 0.75) / n_adj
        centre = pp - pd_
        half = z * math.sqrt((pp + pd_ - centre * centre) / n_adj)
        return _clip(100.0 * (centre - half), 100.0 * (centre + half), -100.0, 100.0)


def _nps_from_table(vals, cnts, n_na, level):
    check_on_scale(vals, (0, 10), "scores")
    n = float(cnts.sum())
    require_n(n, 1, "nps")
    prom = float(cnts[vals >= 9].sum())
    det = float(cnts[vals <= 6].sum())
    return NPSResult(
        estimate=100.0 * (prom - det) / n, promoters=int(prom), passives=int(n - prom - det),
        detractors=int(det), n=int(n), n_na=int(n_na), confidence_level=level,
    )


def nps(scores, confidence_level=0.95) -> NPSResult:
    r"""Net Promoter Score of 0-10 likelihood-to-recommend answers [3]_.

    :math:`NPS = 100(n_{9,10} - n_{0..6})/n`; ``"na"`` / ``None`` excluded. The
    interval is the adjusted-Wald interval of Rocks (2016) [2]_ (see
    :meth:`NPSResult.confidence_interval`).
    """
    level = check_confidence_level(confidence_level)
    x, n_na = as_values(scores, "scores")
    vals, cnts = values_to_counts(x)
    return _nps_from_table(vals, cnts, n_na, level)


def nps_from_counts(counts, confidence_level=0.95) -> NPSResult:
    """Frequency-table form of :func:`nps` (``{score: count}``, ``"na"`` key allowed)."""
    level = check_confidence_level(confidence_level)
    vals, cnts, n_na = as_counts(counts)
    return _nps_from_table(vals, cnts, n_na, level)


# ------------------------------------------------------------------- composite index


@dataclass(frozen=True)
class CompositeResult:
    """Composite satisfaction index over dimensions.

    Attributes
    ----------
    estimate : float
        Composite index on 0-100.
    se : float
    df : float
    n : int
        Respondents contributing (at least one answered item).
    weights : dict
        Dimension -> weight, normalised to sum to 1.
    dimensions : dict
        Dimension -> :class:`IndexResult`-like summary of the dimension's index.
    method : str
        ``"respondent"`` (per-respondent scores; exact SE) or ``"conservative"``
        (from separate results; SE an upper bound).
    confidence_level : float
    """

    estimate: float
    se: float
    df: float
    n: int
    weights: dict
    dimensions: dict = field(repr=False)
    method: str
    confidence_level: float

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        """:math:`\\hat C \\pm t_{df}\\,SE`, truncated to [0, 100]."""
        low, high = t_interval(self.estimate, self.se, self.df, self.confidence_level if confidence_level is None else confidence_level)
        return _clip(low, high, 0.0, 100.0)


def _normalised_weights(dims, weights):
    if weights is None:
        return {d: 1.0 / len(dims) for d in dims}
    if not isinstance(weights, Mapping):
        raise TypeError("weights must be a mapping dimension -> weight")
    extra = set(weights) - set(dims)
    if extra:
        raise ValueError(f"weights name unknown dimensions: {sorted(map(str, extra))}")
    w = {}
    for d in dims:
        if d not in weights:
            raise ValueError(f"weights has no entry for dimension {d!r}")
        v = check_real(weights[d], f"weights[{d!r}]")
        if v <= 0:
            raise ValueError(f"weights[{d!r}] must be > 0, got {weights[d]!r}")
        w[d] = v
    total = sum(w.values())
    return {d: v / total for d, v in w.items()}


def composite_index(
    frame, dimensions, weights=None, scale=(1, 5), confidence_level=0.95, missing="raise"
) -> CompositeResult:
    r"""Composite satisfaction index over dimensions, from respondent rows.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent, one column per rating item.
    dimensions : mapping
        Dimension -> list of item columns (e.g. ``{"timeliness": ["q1", "q2"],
        "courtesy": ["q3"]}``).
    weights : mapping, optional
        Dimension -> positive weight; equal weights by default. Normalised to sum 1.
    scale : (int, int) or mapping, default (1, 5)
        One scale for every item, or a mapping item -> scale.
    confidence_level : float, default 0.95
    missing : {"raise", "skip"}
        ``"na"`` / ``None`` items are always skipped. NaN raises unless ``"skip"``,
        which treats NaN as not answered.

    Returns
    -------
    CompositeResult

    Notes
    -----
    Each item is rescaled to 0-100; a respondent's dimension score is the mean of the
    items they answered in that dimension, and their composite score
    :math:`C_i = \sum_d w_d S_{id} / \sum_{d \in A_i} w_d` over the dimensions
    :math:`A_i` they answered. The composite index is :math:`\bar C` with the t
    interval :math:`\bar C \pm t_{n-1}s_C/\sqrt n`. Computing per respondent accounts
    for the correlation between dimensions answered by the same people, which a
    combination of separate per-question tables cannot (see
    :func:`composite_index_from_results` for a conservative fallback).
    """
    level = check_confidence_level(confidence_level)
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    if not isinstance(dimensions, Mapping) or not dimensions:
        raise ValueError("dimensions must be a non-empty mapping dimension -> item columns")
    if missing not in ("raise", "skip"):
        raise ValueError(f"missing must be 'raise' or 'skip', got {missing!r}")
    dims = list(dimensions)
    w = _normalised_weights(dims, weights)
    m = len(frame)
    dim_scores = {}
    for d in dims:
        items = dimensions[d]
        if isinstance(items, str) or not items:
            raise ValueError(f"dimensions[{d!r}] must be a non-empty list of columns")
        total = np.zeros(m)
        answered = np.zeros(m)
        for col in items:
            if col not in frame.columns:
                raise ValueError(f"item column {col!r} of dimension {d!r} is not in frame")
            sc = check_scale(scale[col] if isinstance(scale, Mapping) else scale)
            col_values = frame[col]
            if missing == "skip":
                col_values = col_values.astype(object).where(col_values.notna(), None)
            x, keep = as_values_masked(col_values, f"frame[{col!r}]")
            check_on_scale(x[keep], sc, f"frame[{col!r}]")
            total += np.where(keep, (x - sc[0]) * 100.0 / (sc[1] - sc[0]), 0.0)
            answered += keep
        with np.errstate(invalid="ignore", divide="ignore"):
            dim_scores[d] = (total / answered, answered > 0)
    num = np.zeros(m)
    den = np.zeros(m)
    for d in dims:
        s, ok = dim_scores[d]
        num += np.where(ok, w[d] * np.nan_to_num(s), 0.0)
        den += np.where(ok, w[d], 0.0)
    resp = den > 0
    n = int(resp.sum())
    require_n(n, 2, "composite_index")
    comp = num[resp] / den[resp]
    mean = float(comp.mean())
    sd = float(comp.std(ddof=1))
    summaries = {}
    for d in dims:
        s, ok = dim_scores[d]
        vals = s[ok]
        nd = len(vals)
        summaries[d] = {
            "index": float(vals.mean()) if nd else None,
            "se": float(vals.std(ddof=1) / math.sqrt(nd)) if nd > 1 else None,
            "n": nd,
        }
    return CompositeResult(
        estimate=mean, se=sd / math.sqrt(n), df=n - 1.0, n=n, weights=w, dimensions=summaries,
        method="respondent", confidence_level=level,
    )


def composite_index_from_results(results, weights=None, confidence_level=0.95) -> CompositeResult:
    r"""Composite of separately estimated indices, with a conservative interval.

    Parameters
    ----------
    results : mapping
        Dimension -> :class:`IndexResult` (e.g. from :func:`satisfaction_index_from_counts`).
    weights : mapping, optional
        Dimension -> positive weight; equal by default.

    Notes
    -----
    :math:`C = \sum_d w_d I_d`. The same respondents answer every dimension, so the
    indices are positively correlated and the independence variance
    :math:`\sum w_d^2 SE_d^2` would be too small. By Cauchy-Schwarz
    :math:`SD(\sum w_d I_d) \le \sum w_d SE_d` whatever the correlations, so this
    function reports :math:`SE = \sum_d w_d SE_d` (an upper bound) with
    :math:`df = \min_d df_d`. Use :func:`composite_index` on respondent rows for the
    exact interval.
    """
    level = check_confidence_level(confidence_level)
    if not isinstance(results, Mapping) or not results:
        raise ValueError("results must be a non-empty mapping dimension -> IndexResult")
    for d, r in results.items():
        if not isinstance(r, IndexResult):
            raise TypeError(f"results[{d!r}] must be an IndexResult, got {type(r).__name__}")
    dims = list(results)
    w = _normalised_weights(dims, weights)
    est = sum(w[d] * results[d].estimate for d in dims)
    se = sum(w[d] * results[d].se for d in dims)
    df = min(results[d].df for d in dims)
    n = min(results[d].n for d in dims)
    summaries = {d: {"index": results[d].estimate, "se": results[d].se, "n": results[d].n} for d in dims}
    return CompositeResult(
        estimate=float(est), se=float(se), df=float(df), n=int(n), weights=w, dimensions=summaries,
        method="conservative", confidence_level=level,
    )
