"""Confidence intervals for one proportion and for a difference of two proportions.

References
----------
.. [1] Newcombe RG (1998). Two-sided confidence intervals for the single proportion:
   comparison of seven methods. *Statistics in Medicine* 17:857-872.
.. [2] Newcombe RG (1998). Interval estimation for the difference between independent
   proportions: comparison of eleven methods. *Statistics in Medicine* 17:873-890.
.. [3] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a binomial
   proportion. *Statistical Science* 16:101-133.
.. [4] Agresti A, Caffo B (2000). Simple and effective confidence intervals for
   proportions and differences of proportions result from adding two successes and
   two failures. *The American Statistician* 54:280-288.
.. [5] Agresti A, Coull BA (1998). Approximate is better than "exact" for interval
   estimation of binomial proportions. *The American Statistician* 52:119-126.
.. [6] Cohen J (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.,
   ch. 6 (effect size h).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ._common import ConfidenceInterval, check_confidence_level, check_count, z_value

__all__ = [
    "proportion_ci",
    "diff_proportions_ci",
    "compare_proportions",
    "ProportionComparison",
    "cohen_h",
    "PROPORTION_METHODS",
    "DIFF_PROPORTION_METHODS",
    "wilson_arrays",
    "newcombe_arrays",
    "score_test_arrays",
    "cohen_h_arrays",
]

PROPORTION_METHODS = ("wilson", "clopper-pearson", "agresti-coull", "jeffreys", "wald")
DIFF_PROPORTION_METHODS = ("newcombe", "agresti-caffo", "wald")


def _check_binomial(count, nobs, suffix=""):
    nobs = check_count(nobs, f"nobs{suffix}", allow_zero=False)
    count = check_count(count, f"count{suffix}")
    if count > nobs:
        raise ValueError(f"count{suffix}={count} exceeds nobs{suffix}={nobs}")
    return count, nobs


def _clip(low, high, lo=0.0, hi=1.0):
    return ConfidenceInterval(float(min(max(low, lo), hi)), float(min(max(high, lo), hi)))


def proportion_ci(count, nobs, confidence_level=0.95, method="wilson") -> ConfidenceInterval:
    r"""Confidence interval for a binomial proportion ``count / nobs``.

    Parameters
    ----------
    count : int
        Number of successes, ``0 <= count <= nobs``.
    nobs : int
        Number of trials, ``> 0``.
    confidence_level : float, default 0.95
        Two-sided confidence level in (0, 1).
    method : {"wilson", "clopper-pearson", "agresti-coull", "jeffreys", "wald"}
        With :math:`\hat p = x/n` and :math:`z = z_{1-\alpha/2}`:

        * ``wilson`` (score) [1]_:
          :math:`\frac{x + z^2/2}{n + z^2} \pm \frac{z}{n+z^2}\sqrt{\frac{x(n-x)}{n} + \frac{z^2}{4}}`.
        * ``clopper-pearson`` ("exact") [1]_: :math:`B(\alpha/2; x, n-x+1)`,
          :math:`B(1-\alpha/2; x+1, n-x)` (beta quantiles; 0 when x = 0, 1 when x = n).
        * ``agresti-coull`` [5]_: Wald interval around
          :math:`\tilde p = (x + z^2/2)/(n + z^2)` with :math:`\tilde n = n + z^2`.
        * ``jeffreys`` [3]_: equal-tailed :math:`B(\alpha/2; x+\tfrac12, n-x+\tfrac12)`,
          :math:`B(1-\alpha/2; x+\tfrac12, n-x+\tfrac12)`; the lower limit is 0 when x = 0
          and the upper limit 1 when x = n, as recommended in [3]_ (p. 108).
        * ``wald``: :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}` (poor coverage; for
          comparison only).

        Limits of ``agresti-coull`` and ``wald`` are truncated to [0, 1].

    Returns
    -------
    ConfidenceInterval
        Named tuple ``(low, high)`` on the proportion scale (0-1).

    References
    ----------
    .. [1] Newcombe RG (1998), Stat Med 17:857-872.
    .. [3] Brown LD, Cai TT, DasGupta A (2001), Statistical Science 16:101-133.
    .. [5] Agresti A, Coull BA (1998), The American Statistician 52:119-126.

    Examples
    --------
    >>> proportion_ci(81, 263)   # Newcombe (1998a), Table II: 0.2553, 0.3662
    ConfidenceInterval(low=0.2552..., high=0.3662...)
    """
    x, n = _check_binomial(count, nobs)
    level = check_confidence_level(confidence_level)
    alpha = 1.0 - level
    z = z_value(level)
    if method == "wilson":
        return _clip(*(float(limit) for limit in wilson_arrays(x, n, level)))
    if method == "clopper-pearson":
        low = 0.0 if x == 0 else stats.beta.ppf(alpha / 2, x, n - x + 1)
        high = 1.0 if x == n else stats.beta.isf(alpha / 2, x + 1, n - x)
        return _clip(low, high)
    if method == "jeffreys":
        low = 0.0 if x == 0 else stats.beta.ppf(alpha / 2, x + 0.5, n - x + 0.5)
        high = 1.0 if x == n else stats.beta.isf(alpha / 2, x + 0.5, n - x + 0.5)
        return _clip(low, high)
    if method == "agresti-coull":
        n_t = n + z * z
        p_t = (x + z * z / 2.0) / n_t
        half = z * math.sqrt(p_t * (1.0 - p_t) / n_t)
        return _clip(p_t - half, p_t + half)
    if method == "wald":
        p = x / n
        half = z * math.sqrt(p * (1.0 - p) / n)
        return _clip(p - half, p + half)
    raise ValueError(f"method must be one of {PROPORTION_METHODS}, got {method!r}")


def diff_proportions_ci(
    count1, nobs1, count2, nobs2, confidence_level=0.95, method="newcombe"
) -> ConfidenceInterval:
    r"""Confidence interval for the difference of two independent proportions p1 - p2.

    Parameters
    ----------
    count1, nobs1 : int
        Successes and trials of the first sample (e.g. the current cycle).
    count2, nobs2 : int
        Successes and trials of the second sample (e.g. the baseline).
    confidence_level : float, default 0.95
    method : {"newcombe", "agresti-caffo", "wald"}
        With :math:`d = \hat p_1 - \hat p_2`:

        * ``newcombe`` -- hybrid score interval, method 10 of [2]_. With
          :math:`(l_i, u_i)` the Wilson interval of :math:`\hat p_i`,
          :math:`L = d - \sqrt{(\hat p_1 - l_1)^2 + (u_2 - \hat p_2)^2}`,
          :math:`U = d + \sqrt{(u_1 - \hat p_1)^2 + (\hat p_2 - l_2)^2}`.
          Closed form: it never fails and never returns NaN, also for 0 % or 100 % cells.
        * ``agresti-caffo`` [4]_: add one success and one failure to each sample,
          :math:`\tilde p_i = (x_i+1)/(n_i+2)`, then the Wald interval
          :math:`\tilde d \pm z\sqrt{\sum_i \tilde p_i(1-\tilde p_i)/(n_i+2)}`.
        * ``wald``: :math:`d \pm z\sqrt{\sum_i \hat p_i(1-\hat p_i)/n_i}`.

        Limits are truncated to [-1, 1].

    Returns
    -------
    ConfidenceInterval
        ``(low, high)`` for p1 - p2 on the proportion scale (-1 to 1).

    References
    ----------
    .. [2] Newcombe RG (1998), Stat Med 17:873-890.
    .. [4] Agresti A, Caffo B (2000), The American Statistician 54:280-288.

    Examples
    --------
    >>> diff_proportions_ci(56, 70, 48, 80)   # Newcombe (1998b), Table II: 0.0524, 0.3339
    ConfidenceInterval(low=0.0524..., high=0.3338...)
    """
    x1, n1 = _check_binomial(count1, nobs1, "1")
    x2, n2 = _check_binomial(count2, nobs2, "2")
    level = check_confidence_level(confidence_level)
    z = z_value(level)
    p1, p2 = x1 / n1, x2 / n2
    d = p1 - p2
    if method == "newcombe":
        low, high = newcombe_arrays(x1, n1, x2, n2, level)
        return _clip(float(low), float(high), -1.0, 1.0)
    if method == "agresti-caffo":
        q1, q2 = (x1 + 1) / (n1 + 2), (x2 + 1) / (n2 + 2)
        half = z * math.sqrt(q1 * (1 - q1) / (n1 + 2) + q2 * (1 - q2) / (n2 + 2))
        return _clip(q1 - q2 - half, q1 - q2 + half, -1.0, 1.0)
    if method == "wald":
        half = z * math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
        return _clip(d - half, d + half, -1.0, 1.0)
    raise ValueError(f"method must be one of {DIFF_PROPORTION_METHODS}, got {method!r}")


def cohen_h(p1, p2) -> float:
    r"""Cohen's effect size h = 2 asin(sqrt(p1)) - 2 asin(sqrt(p2)) [6]_.

    Conventional benchmarks: 0.2 small, 0.5 medium, 0.8 large.
    """
    for name, p in (("p1", p1), ("p2", p2)):
        if isinstance(p, bool) or not isinstance(p, (int, float)) or not (0.0 <= float(p) <= 1.0):
            raise ValueError(f"{name} must be a proportion in [0, 1], got {p!r}")
    return float(cohen_h_arrays(p1, p2))


@dataclass(frozen=True)
class ProportionComparison:
    """Difference of two independent proportions, its test and effect size.

    Attributes
    ----------
    count1, nobs1, count2, nobs2 : int
    estimate : float
        p1 - p2 on the proportion scale.
    statistic : float
        Pooled score statistic z (its square is Pearson's chi-square without
        continuity correction).
    pvalue : float
        Two-sided p-value of the score test.
    cohen_h : float
    confidence_level : float
    method : str
        Interval method (see :func:`diff_proportions_ci`).
    """

    count1: int
    nobs1: int
    count2: int
    nobs2: int
    estimate: float
    statistic: float
    pvalue: float
    cohen_h: float
    confidence_level: float
    method: str

    @property
    def proportion1(self) -> float:
        return self.count1 / self.nobs1

    @property
    def proportion2(self) -> float:
        return self.count2 / self.nobs2

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        """Interval for p1 - p2 (by default at the level of the call)."""
        level = self.confidence_level if confidence_level is None else confidence_level
        return diff_proportions_ci(
            self.count1, self.nobs1, self.count2, self.nobs2, level, method=self.method
        )


def compare_proportions(
    count1, nobs1, count2, nobs2, confidence_level=0.95, method="newcombe"
) -> ProportionComparison:
    r"""Compare two independent proportions: difference, score test, Cohen's h.

    The test is the pooled score (z) test, :math:`z = d / \sqrt{\bar p(1-\bar p)(1/n_1 + 1/n_2)}`
    with :math:`\bar p = (x_1 + x_2)/(n_1 + n_2)`; :math:`z^2` is Pearson's chi-square for
    the 2x2 table without continuity correction. It is the score test whose inversion
    underlies the Wilson limits combined by Newcombe's interval, so the two agree closely
    (not exactly: the interval is a hybrid). When both samples are all successes or all
    failures (:math:`\bar p \in \{0, 1\}`), d = 0 and the p-value is 1.

    Returns
    -------
    ProportionComparison
    """
    x1, n1 = _check_binomial(count1, nobs1, "1")
    x2, n2 = _check_binomial(count2, nobs2, "2")
    level = check_confidence_level(confidence_level)
    if method not in DIFF_PROPORTION_METHODS:
        raise ValueError(f"method must be one of {DIFF_PROPORTION_METHODS}, got {method!r}")
    p1, p2 = x1 / n1, x2 / n2
    stat, pvalue = score_test_arrays(x1, n1, x2, n2)
    return ProportionComparison(
        x1, n1, x2, n2, p1 - p2, float(stat), float(pvalue), cohen_h(p1, p2), level, method
    )


# ----------------------------------------------------------- vectorised forms
# The formulas live here once; the scalar functions above are these applied to one value.


def wilson_arrays(count, nobs, confidence_level=0.95):
    """Vectorised Wilson limits (same formula and edge rules as :func:`proportion_ci`).

    ``count`` and ``nobs`` are arrays (nobs > 0); returns ``(low, high)`` arrays.
    """
    x = np.asarray(count, dtype=np.float64)
    n = np.asarray(nobs, dtype=np.float64)
    z = z_value(check_confidence_level(confidence_level))
    z2 = z * z
    center = (x + z2 / 2.0) / (n + z2)
    half = z / (n + z2) * np.sqrt(x * (n - x) / n + z2 / 4.0)
    low = np.where(x == 0, 0.0, center - half)
    high = np.where(x == n, 1.0, center + half)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def newcombe_arrays(count1, nobs1, count2, nobs2, confidence_level=0.95):
    """Vectorised Newcombe hybrid score limits for p1 - p2 (see :func:`diff_proportions_ci`)."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (count1, nobs1, count2, nobs2))
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = wilson_arrays(x1, n1, confidence_level)
    l2, u2 = wilson_arrays(x2, n2, confidence_level)
    d = p1 - p2
    low = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return np.clip(low, -1.0, 1.0), np.clip(high, -1.0, 1.0)


def score_test_arrays(count1, nobs1, count2, nobs2):
    """Vectorised pooled score test (see :func:`compare_proportions`): ``(z, pvalue)``."""
    x1, n1, x2, n2 = (np.asarray(a, dtype=np.float64) for a in (count1, nobs1, count2, nobs2))
    pooled = (x1 + x2) / (n1 + n2)
    se = np.sqrt(pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2))
    with np.errstate(divide="ignore", invalid="ignore"):
        zstat = np.where(se > 0, (x1 / n1 - x2 / n2) / se, 0.0)
    return zstat, np.where(se > 0, 2.0 * stats.norm.sf(np.abs(zstat)), 1.0)


def cohen_h_arrays(p1, p2):
    """Vectorised Cohen's h."""
    return 2.0 * np.arcsin(np.sqrt(np.asarray(p1, float))) - 2.0 * np.arcsin(np.sqrt(np.asarray(p2, float)))
