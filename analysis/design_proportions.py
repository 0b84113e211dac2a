"""Design-based proportions (weighted % satisfied) with R's ``svyciprop`` intervals, and
the change of such a proportion between two independent cycles.

The logit, Korn-Graubard (beta) and Wald ("mean") intervals are R's definitions to the
letter, so a weighted, calibrated or domain percentage is the figure R's survey package
publishes. One deliberate difference: an interval never has zero width and never leaves
[0, 1]. Where the estimated variance is zero (0 % or 100 % satisfied, or a domain inside
one PSU), R's intervals collapse to a point; here the effective sample size is taken as
the number of answers n and the interval is Clopper-Pearson at n, and the result says so
(``zero_variance``, ``interval_method``).

References
----------
.. [1] Lumley T (2010). *Complex Surveys: A Guide to Analysis Using R*, Wiley, s. 2.5
   (``svyciprop``); R ``survey::svyciprop``.
.. [2] Korn EL, Graubard BI (1998). Confidence intervals for proportions with small
   expected number of positive counts estimated from survey data. *Survey
   Methodology* 24:193-201.
.. [3] Clopper CJ, Pearson ES (1934). The use of confidence or fiducial limits
   illustrated in the case of the binomial. *Biometrika* 26:404-413.
.. [4] Zou GY, Donner A (2008). Construction of confidence limits about effect measures:
   a general approach. *Statistics in Medicine* 27:1693-1702 (MOVER).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special, stats

from ._common import (
    ConfidenceInterval,
    as_values_masked,
    check_confidence_level,
    t_value,
)
from .design import as_domain
from .means import mean_ci, welch_arrays
from .proportions import cohen_h

__all__ = [
    "DESIGN_PROPORTION_METHODS",
    "DesignProportionResult",
    "ProportionChangeResult",
    "design_proportion_ci",
    "diff_proportions_ci_from_results",
]

DESIGN_PROPORTION_METHODS = ("logit", "beta", "mean")

# a variance this small relative to p(1 - p) is zero up to rounding (e.g. one PSU's rows)
_ZERO_VARIANCE = 1e-24


def _beta_interval(p, n_eff, alpha):
    """Clopper-Pearson in its beta form at a (possibly fractional) sample size ``n_eff``."""
    low = 0.0 if p <= 0 else float(stats.beta.ppf(alpha / 2, n_eff * p, n_eff * (1 - p) + 1))
    high = 1.0 if p >= 1 else float(stats.beta.ppf(1 - alpha / 2, n_eff * p + 1, n_eff * (1 - p)))
    return ConfidenceInterval(low, high)


@dataclass(frozen=True)
class DesignProportionResult:
    r"""A design-based proportion with R's ``svyciprop`` interval.

    Attributes
    ----------
    proportion : float
        Weighted proportion :math:`\hat p = \sum w_i y_i / \sum w_i` over the domain.
    se : float
        Linearisation standard error (calibrated, domain-aware: as :func:`~analysis.mean_ci`).
    df : float
        Design degrees of freedom, #PSUs - #strata in the domain.
    deff : float
        Design effect (as :class:`~analysis.MeanResult`).
    n : int
        Answers in the domain; ``n_na`` not-applicable answers left out.
    n_rows : int
        Rows of the design R's beta interval counts (``nrow(design)``): the whole raked
        frame for a calibrated design, the domain's rows otherwise.
    method : str
        ``"logit"``, ``"beta"`` or ``"mean"``.
    zero_variance : bool
        True when the estimated variance is zero (0 %, 100 %, or constant PSU totals):
        the interval is then Clopper-Pearson at the effective sample size n, whatever
        ``method`` says, because the design-based intervals would have zero width.
    interval_method : str
        The interval actually used: ``method``, or ``"clopper-pearson"`` when
        ``zero_variance``.
    confidence_level : float
    """

    proportion: float
    se: float
    df: float
    deff: float
    n: int
    n_na: int
    n_rows: int
    method: str
    zero_variance: bool
    interval_method: str
    confidence_level: float

    @property
    def n_effective(self) -> float:
        """Effective sample size :math:`\\hat p(1-\\hat p)/\\widehat V` (n when the variance is 0)."""
        if self.zero_variance:
            return float(self.n)
        return self.proportion * (1 - self.proportion) / self.se**2

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        r"""The interval at ``confidence_level`` (by default the call's level).

        * ``logit``: :math:`\mathrm{expit}\big(\mathrm{logit}\,\hat p \pm
          t_{df}\,\mathrm{SE}/(\hat p(1-\hat p))\big)` (R fits the same by ``svyglm``).
        * ``beta`` (Korn-Graubard [2]_): with
          :math:`n^* = \hat p(1-\hat p)/\widehat V \cdot (t_{n_{rows}-1}/t_{df})^2`,
          :math:`[B_{\alpha/2}(n^*\hat p,\, n^*(1-\hat p)+1),\;
          B_{1-\alpha/2}(n^*\hat p+1,\, n^*(1-\hat p))]`.
        * ``mean``: :math:`\hat p \pm t_{df}\,\mathrm{SE}`, clipped to [0, 1].
        * zero variance: the beta form at :math:`n^* = n` (Clopper-Pearson [3]_).
        """
        level = check_confidence_level(self.confidence_level if confidence_level is None else confidence_level)
        alpha = 1.0 - level
        p, se = self.proportion, self.se
        if self.zero_variance:
            return _beta_interval(p, float(self.n), alpha)
        if self.method == "logit":
            half = t_value(level, self.df) * se / (p * (1 - p))
            eta = special.logit(p)
            return ConfidenceInterval(float(special.expit(eta - half)), float(special.expit(eta + half)))
        if self.method == "beta":
            n_eff = p * (1 - p) / se**2 * (t_value(level, self.n_rows - 1) / t_value(level, self.df)) ** 2
            return _beta_interval(p, n_eff, alpha)
        half = t_value(level, self.df) * se
        return ConfidenceInterval(max(p - half, 0.0), min(p + half, 1.0))


def _indicator(indicator):
    """0/1 answers (booleans allowed) with "na"/None kept as not-applicable markers."""
    arr = indicator.to_numpy() if isinstance(indicator, pd.Series) else indicator
    if isinstance(arr, np.ndarray) and arr.dtype.kind == "b":
        return arr.astype(np.float64)
    if isinstance(arr, (list, tuple)):
        arr = [float(x) if isinstance(x, (bool, np.bool_)) else x for x in arr]
    return arr


def design_proportion_ci(
    indicator, weights=None, strata=None, fpc=None, confidence_level=0.95, *, clusters=None,
    calibration=None, domain=None, method="logit", lonely_psu="fail",
) -> DesignProportionResult:
    r"""Design-based proportion and interval, as R's ``svyciprop(~I(y), design, method=)``.

    Parameters
    ----------
    indicator : sequence of 0/1 or bool
        1 (or True) where the respondent counts (e.g. satisfied); ``"na"`` / ``None``
        are not applicable.
    weights, strata, fpc, clusters, calibration, domain, lonely_psu
        The design, exactly as in :func:`~analysis.mean_ci` (raked weights with their
        ``RakeResult``, a domain mask, R's lonely-PSU options, weights :math:`N_h/n_h`
        from ``fpc`` alone).
    confidence_level : float, default 0.95
    method : {"logit", "beta", "mean"}, default "logit"
        R's ``svyciprop`` methods: logit (t quantile with the design df), Korn-Graubard
        beta, or Wald ("mean", clipped to [0, 1]).

    Returns
    -------
    DesignProportionResult
        ``proportion``, ``se``, ``deff``, ``df``, ``zero_variance`` and
        ``confidence_interval()``; never a zero-width interval nor one outside [0, 1].

    Notes
    -----
    The estimate and its linearisation variance are those of the mean of the
    indicator [1]_. For ``method="logit"`` R reports the back-transformed coefficient of
    an intercept-only quasi-binomial ``svyglm``; that equals :math:`\hat p` up to the
    IRLS tolerance (about 1e-9 relative), here it is exact.
    """
    if method not in DESIGN_PROPORTION_METHODS:
        raise ValueError(f"method must be one of {DESIGN_PROPORTION_METHODS}, got {method!r}")
    values = _indicator(indicator)
    res = mean_ci(
        values, weights, strata, fpc, confidence_level, clusters=clusters,
        calibration=calibration, domain=domain, lonely_psu=lonely_psu,
    )
    y, keep = as_values_masked(values, "indicator")
    size = len(y)
    y = y[keep]
    if ((y != 0) & (y != 1)).any():
        raise ValueError(f"indicator must hold 0/1 (or booleans), got {y[(y != 0) & (y != 1)][0]!r}")
    p = min(max(res.mean, 0.0), 1.0)
    var = res.se**2
    zero = p in (0.0, 1.0) or not var > _ZERO_VARIANCE * p * (1 - p)
    if not zero and res.df < 1:
        raise ValueError(
            f"domain has no degree of freedom for an interval: its rows lie in "
            f"{res.df:g} more PSUs than strata (R's degf), with a non-zero variance"
        )
    if calibration is not None:
        n_rows = size
    elif domain is not None:
        n_rows = int(as_domain(domain, size).sum())
    else:
        n_rows = res.n
    return DesignProportionResult(
        proportion=p, se=res.se, df=res.df, deff=res.deff, n=res.n, n_na=res.n_na,
        n_rows=n_rows, method=method, zero_variance=zero,
        interval_method="clopper-pearson" if zero else method,
        confidence_level=res.confidence_level,
    )


@dataclass(frozen=True)
class ProportionChangeResult:
    r"""Change :math:`\hat p_1 - \hat p_2` between two independent design-based estimates.

    Attributes
    ----------
    estimate : float
        proportion1 - proportion2.
    proportion1, proportion2 : float
    se : float
        :math:`\sqrt{SE_1^2 + SE_2^2}`.
    df : float
        Satterthwaite, :math:`(SE_1^2+SE_2^2)^2/(SE_1^4/\nu_1 + SE_2^4/\nu_2)`.
    statistic : float
        t = estimate / se (0 when both variances are 0 and the proportions are equal).
    pvalue : float
        Two-sided, from the t distribution with ``df``.
    cohen_h : float
    method : str
        Interval method: ``"wald"`` or ``"newcombe"``.
    confidence_level : float
    result1, result2 : DesignProportionResult
        The two estimates compared.
    """

    estimate: float
    proportion1: float
    proportion2: float
    se: float
    df: float
    statistic: float
    pvalue: float
    cohen_h: float
    method: str
    confidence_level: float
    result1: DesignProportionResult = field(repr=False)
    result2: DesignProportionResult = field(repr=False)

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        r"""``wald``: :math:`\hat d \pm t_{df}\,SE`, clipped to [-1, 1]; ``newcombe``
        (MOVER [4]_) from each estimate's own design interval :math:`(l_k, u_k)`:
        :math:`[\hat d - \sqrt{(\hat p_1-l_1)^2+(u_2-\hat p_2)^2},\;
        \hat d + \sqrt{(u_1-\hat p_1)^2+(\hat p_2-l_2)^2}]`, never of zero width."""
        level = check_confidence_level(self.confidence_level if confidence_level is None else confidence_level)
        d = self.estimate
        if self.method == "wald":
            half = t_value(level, self.df) * self.se
            return ConfidenceInterval(max(d - half, -1.0), min(d + half, 1.0))
        l1, u1 = self.result1.confidence_interval(level)
        l2, u2 = self.result2.confidence_interval(level)
        p1, p2 = self.proportion1, self.proportion2
        return ConfidenceInterval(
            d - math.hypot(p1 - l1, u2 - p2), d + math.hypot(u1 - p1, p2 - l2)
        )


def diff_proportions_ci_from_results(
    a: DesignProportionResult, b: DesignProportionResult, confidence_level=None, method="wald"
) -> ProportionChangeResult:
    r"""Interval and test for :math:`p_a - p_b` of two *independent* design-based proportions.

    Parameters
    ----------
    a, b : DesignProportionResult
        Results of :func:`design_proportion_ci` on independent samples (two cycles, each
        weighted or raked on its own).
    confidence_level : float, optional
        Default: the level of ``a``.
    method : {"wald", "newcombe"}, default "wald"
        ``wald`` is R's ``svycontrast`` on a design stacking both cycles as strata
        (same estimate and SE); ``newcombe`` combines the two design intervals (MOVER),
        which stays in [-1, 1] and keeps a positive width at 0 % or 100 %.

    Returns
    -------
    ProportionChangeResult
        ``estimate``, ``se``, ``df``, ``statistic``, ``pvalue`` and ``confidence_interval()``.

    Notes
    -----
    The test is the same as :func:`~analysis.diff_means_ci_from_results`: t with
    Satterthwaite degrees of freedom from the two designs' df.
    """
    for name, r in (("a", a), ("b", b)):
        if not isinstance(r, DesignProportionResult):
            raise TypeError(f"{name} must be a DesignProportionResult (from design_proportion_ci)")
        if not (math.isfinite(r.se) and r.df >= 1):
            raise ValueError(f"{name} needs a finite standard error and at least 1 degree of freedom")
    if method not in ("wald", "newcombe"):
        raise ValueError(f"method must be 'wald' or 'newcombe', got {method!r}")
    level = check_confidence_level(a.confidence_level if confidence_level is None else confidence_level)
    n1, n2 = a.df + 1.0, b.df + 1.0  # welch_arrays takes (n, mean, var) with SE^2 = var/n, df = n - 1
    r = welch_arrays(n1, a.proportion, a.se**2 * n1, n2, b.proportion, b.se**2 * n2, level)
    return ProportionChangeResult(
        estimate=float(r["estimate"]), proportion1=a.proportion, proportion2=b.proportion,
        se=float(r["se"]), df=float(r["df"]), statistic=float(r["statistic"]),
        pvalue=float(r["pvalue"]), cohen_h=float(cohen_h(a.proportion, b.proportion)),
        method=method, confidence_level=level, result1=a, result2=b,
    )
