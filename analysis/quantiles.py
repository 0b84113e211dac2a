"""The median of a numeric answer (a delay in working days, a wait in minutes) with its
distribution-free confidence interval from order statistics.

Delays are skewed and bounded below, so a t interval on their mean says little; the median's
interval from order statistics needs no assumption on the distribution. The number of
observations below the population median is Binomial(n, 1/2), so for
:math:`k` = ``qbinom(alpha/2, n, 1/2)`` the interval :math:`[x_{(k)}, x_{(n-k+1)}]` covers the
median with probability :math:`1 - 2\\,P(B \\le k - 1) \\ge 1 - \\alpha` (exact and conservative:
the achieved level is reported). This is the "exact" method of R's ``DescTools::MedianCI``.

Written by hand because scipy offers the binomial quantile but no order-statistic interval of
the median; the frequency-table form serves the results engine (value -> count from a
``GROUP BY``) and the plain form calls it with counts of one.

References
----------
.. [1] W. J. Conover (1999). *Practical Nonparametric Statistics*, 3rd ed., Wiley,
       section 3.2 (confidence interval for a quantile).
.. [2] G. J. Hahn and W. Q. Meeker (1991). *Statistical Intervals*, Wiley, section 5.2
       (distribution-free confidence intervals for a percentile).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import ConfidenceInterval, check_confidence_level


@dataclass(frozen=True)
class MedianResult:
    """The sample median, the order statistics bounding its interval and the level they
    achieve (at least the level asked for, except when n is too small: then the interval is
    the sample range and ``achieved_level`` says how much less it covers)."""

    median: float
    n: int
    low: float
    high: float
    lower_rank: int  # 1-based rank of the lower bound among the sorted answers
    upper_rank: int
    achieved_level: float

    def confidence_interval(self) -> ConfidenceInterval:
        return ConfidenceInterval(self.low, self.high)


def _ranks(n: int, level: float) -> tuple[int, int, float]:
    k = int(stats.binom.ppf((1.0 - level) / 2.0, n, 0.5))
    k = max(k, 1)  # below about 6 answers at 95 % no pair of order statistics reaches the level
    achieved = 1.0 - 2.0 * float(stats.binom.cdf(k - 1, n, 0.5))
    return k, n - k + 1, achieved


def median_ci_from_counts(values, counts, confidence_level: float = 0.95) -> MedianResult:
    """:func:`median_ci` of a frequency table: ``counts[i]`` answers equal to ``values[i]``.

    Raises ``ValueError`` for no answer, a negative or fractional count, or a non-finite value.
    """
    level = check_confidence_level(confidence_level)
    v = np.asarray(values, dtype=float).ravel()
    c = np.asarray(counts, dtype=float).ravel()
    if v.shape != c.shape:
        raise ValueError("values and counts must have the same length")
    if not np.all(np.isfinite(v)):
        raise ValueError("values must be finite numbers")
    if np.any(c < 0) or np.any(c != np.round(c)):
        raise ValueError("counts must be non-negative integers")
    keep = c > 0
    order = np.argsort(v[keep], kind="stable")
    v, c = v[keep][order], c[keep][order].astype(np.int64)
    n = int(c.sum())
    if n == 0:
        raise ValueError("median_ci needs at least one answer")
    ends = np.cumsum(c)  # ends[i]: rank of the last answer equal to v[i]

    def at(rank: int) -> float:  # the rank-th smallest answer (1-based)
        return float(v[int(np.searchsorted(ends, rank))])

    median = at((n + 1) // 2) if n % 2 else (at(n // 2) + at(n // 2 + 1)) / 2.0
    lower, upper, achieved = _ranks(n, level)
    return MedianResult(median, n, at(lower), at(upper), lower, upper, achieved)


def median_ci(values, confidence_level: float = 0.95) -> MedianResult:
    """The median of ``values`` and its distribution-free (binomial order-statistic) interval.

    Parameters
    ----------
    values : array_like of finite numbers
    confidence_level : float, default 0.95

    Returns
    -------
    MedianResult
        ``median``, ``confidence_interval()`` = :math:`(x_{(k)}, x_{(n-k+1)})` with
        :math:`k` the ``alpha/2`` quantile of Binomial(n, 1/2) (at least 1), and
        ``achieved_level`` = :math:`1 - 2 P(B \\le k-1)`.

    Examples
    --------
    >>> median_ci(range(1, 21)).confidence_interval()   # k = qbinom(0.025, 20, 0.5) = 6
    ConfidenceInterval(low=6.0, high=15.0)
    """
    v = np.asarray(values, dtype=float).ravel()
    return median_ci_from_counts(v, np.ones_like(v), confidence_level)
