"""Means: design-based (linearisation) intervals and Welch's two-sample comparison.

References
----------
.. [1] Wolter KM (2007). *Introduction to Variance Estimation*, 2nd ed., ch. 6
   (Taylor series / linearisation of a ratio mean). Springer.
.. [2] Lumley T (2010). *Complex Surveys: A Guide to Analysis Using R*, ch. 2-3
   (``svymean``: linearisation SE, degrees of freedom = #PSUs - #strata, design effect).
.. [3] Kish L (1965). *Survey Sampling*, s. 11.7 (design effect of unequal weights,
   :math:`1 + \\mathrm{CV}^2_w`).
.. [4] Welch BL (1947). The generalization of "Student's" problem when several
   different population variances are involved. *Biometrika* 34:28-35.
.. [5] Cohen J (1988). *Statistical Power Analysis for the Behavioral Sciences*, 2nd ed.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._common import (
    t_interval,
    ConfidenceInterval,
    as_counts,
    as_values_masked,
    check_confidence_level,
    moments,
    require_n,
)
from .design import as_domain, as_labels, as_weights, build_design, design_mean_parts, sampling_fractions

__all__ = [
    "MeanResult",
    "WelchResult",
    "mean_ci",
    "mean_ci_from_counts",
    "diff_means_ci",
    "diff_means_ci_from_counts",
    "diff_means_ci_from_results",
    "cohen_d",
    "welch_arrays",
]


@dataclass(frozen=True)
class MeanResult:
    """Estimated mean with its design-based standard error.

    Attributes
    ----------
    mean : float
        Weighted (Hajek / ratio) mean :math:`\\sum w y / \\sum w`.
    se : float
        Linearisation standard error.
    df : float
        Degrees of freedom of the t interval: number of PSUs minus number of strata
        (n - 1 for a simple random sample).
    n : int
        Number of answers used (not-applicable answers excluded).
    n_na : int
        Number of not-applicable answers dropped.
    deff : float
        Design effect: variance under the design / variance of a simple random sample
        of the same size -- without replacement from the population size implied by
        ``fpc`` (:math:`\\sum_h N_h`; the sum of the weights for cluster designs, as
        R's ``svymean(deff=TRUE)``), or with replacement without ``fpc``. 1.0 by
        convention when the sample variance is 0.
    deff_kish : float
        Kish's design effect of unequal weights, :math:`n \\sum w^2 / (\\sum w)^2`.
    n_effective : float
        Kish's effective sample size :math:`(\\sum w)^2 / \\sum w^2 = n / \\mathrm{deff_{kish}}`.
    sd : float
        Estimated population standard deviation (weighted, n - 1 divisor).
    confidence_level : float
    """

    mean: float
    se: float
    df: float
    n: int
    n_na: int
    deff: float
    deff_kish: float
    n_effective: float
    sd: float
    confidence_level: float

    @property
    def n_effective_design(self) -> float:
        """Effective sample size of the full design, n / deff."""
        return self.n / self.deff if self.deff > 0 else float(self.n)

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        r""":math:`\bar y \pm t_{df,1-\alpha/2}\,\mathrm{SE}` (by default at the call's level)."""
        return t_interval(self.mean, self.se, self.df, self.confidence_level if confidence_level is None else confidence_level)


# ----------------------------------------------------------------- the design core


def _design_mean(y, w, c, strata, clusters, fpc, level, n_na, row_mask):
    """Linearisation mean of rows (y, w) each standing for ``c`` identical units."""
    n = float(c.sum())
    require_n(n, 2, "mean_ci")
    s_codes, s_labels = strata
    k_codes, _ = clusters
    H = len(s_labels)
    W = float(np.dot(c, w))
    mean = float(np.dot(c * w, y) / W)
    z = w * (y - mean) / W  # influence of one unit
    clustered = not (clusters[1][0] is None and len(clusters[1]) == 1)
    if not clustered:
        # every unit is its own PSU
        n_h = np.bincount(s_codes, weights=c, minlength=H)
        sum_h = np.bincount(s_codes, weights=c * z, minlength=H)
        zbar = sum_h / n_h
        ss_h = np.bincount(s_codes, weights=c * (z - zbar[s_codes]) ** 2, minlength=H)
    else:
        psu = s_codes * (int(k_codes.max()) + 1) + k_codes
        psu_codes, psu_uniq = pd.factorize(psu)
        Z = np.bincount(psu_codes, weights=c * z)
        psu_stratum = (psu_uniq // (int(k_codes.max()) + 1)).astype(np.int64)
        n_h = np.bincount(psu_stratum, minlength=H).astype(np.float64)
        zbar = np.bincount(psu_stratum, weights=Z, minlength=H) / n_h
        ss_h = np.bincount(psu_stratum, weights=(Z - zbar[psu_stratum]) ** 2, minlength=H)
    if (n_h < 2).any():
        h = int(np.argmax(n_h < 2))
        raise ValueError(
            f"stratum {s_labels[h]!r} has a single PSU; its variance cannot be estimated"
        )
    f = sampling_fractions(fpc, s_codes, s_labels, n_h, row_mask)
    var = float(np.sum((1.0 - f) * n_h / (n_h - 1.0) * ss_h))
    se = math.sqrt(max(var, 0.0))
    df = float(n_h.sum() - H)
    # design effect against simple random sampling of n units
    s2 = n / (n - 1.0) * float(np.dot(c * w, (y - mean) ** 2)) / W
    if fpc is None:
        f_srs = 0.0  # SRS with replacement
    elif clustered:
        f_srs = min(n / W, 1.0)  # population size estimated by the sum of weights (as R)
    else:
        f_srs = min(n / float(np.sum(n_h / np.where(f > 0, f, np.inf))) if (f > 0).all() else 0.0, 1.0)
    var_srs = (1.0 - f_srs) * s2 / n
    deff = var / var_srs if var_srs > 0 else 1.0
    deff_kish = n * float(np.dot(c, w * w)) / (W * W)
    return MeanResult(
        mean=mean,
        se=se,
        df=df,
        n=int(n),
        n_na=int(n_na),
        deff=float(deff),
        deff_kish=float(deff_kish),
        n_effective=float(n / deff_kish),
        sd=math.sqrt(s2),
        confidence_level=level,
    )


def mean_ci(
    values, weights=None, strata=None, fpc=None, confidence_level=0.95, *, clusters=None,
    calibration=None, domain=None, lonely_psu="fail",
) -> MeanResult:
    r"""Mean with a design-based (Taylor linearisation) standard error, as R's ``svymean``.

    Parameters
    ----------
    values : sequence of numbers
        One answer per respondent; ``"na"`` / ``None`` (not applicable) are dropped
        together with their weight, stratum and cluster (with ``domain`` or
        ``calibration`` they are instead left out of the domain, the design kept whole:
        R's ``na.rm=TRUE``). NaN raises.
    weights : sequence of float, optional
        Sampling weights (> 0), e.g. design or raked weights. They are *sampling*
        weights, never frequency weights: their scale does not change the SE. Without
        weights but with ``fpc``, the weights are :math:`N_h/n_h` (as R's ``svydesign``).
    strata : sequence of labels, optional
        Stratum of each respondent (e.g. service point, channel).
    fpc : float, mapping or sequence, optional
        Finite population correction: population size(s) :math:`N_h` (> 1) or
        sampling fraction(s) :math:`f_h` (<= 1); a scalar, a mapping stratum -> value,
        or one value per row, as in R's ``svydesign(fpc=)``. With ``clusters`` it
        counts PSUs.
    confidence_level : float, default 0.95
    clusters : sequence of labels, optional
        Primary sampling unit (PSU) of each respondent, nested within strata.
    calibration : RakeResult, optional
        The result of :func:`~analysis.rake` that produced the weights: the SE is then
        the calibrated one of R's ``svymean(~y, rake(design, ...))``, from the raking
        residuals of the linearised variable [3]_ [4]_.
    domain : sequence of bool, optional
        Estimate over the rows where ``domain`` is True (a borough, a site), keeping the
        whole design's strata and PSUs: R's ``svymean(~y, subset(design, domain))`` [2]_.
    lonely_psu : {"fail", "adjust", "average", "certainty", "remove"}, default "fail"
        What a stratum with a single PSU contributes, as R's
        ``options(survey.lonely.psu=)``; ``"fail"`` raises ``ValueError``.

    Returns
    -------
    MeanResult
        ``mean``, ``se``, ``df``, ``deff``, ``deff_kish``, ``n_effective`` and
        ``confidence_interval()``.

    Notes
    -----
    With domain weights :math:`w_i` (0 outside the domain), :math:`W = \sum_i w_i`,
    :math:`\bar y = \sum_i w_i y_i / W` and the linearised values
    :math:`z_i = w_i (y_i - \bar y)/W` summed to PSU totals :math:`z_{hj}`,

    .. math::
        \widehat{V}(\bar y) = \sum_h (1 - f_h)\,\frac{n_h}{n_h - 1}
        \sum_{j=1}^{n_h} (z_{hj} - \bar z_h)^2 ,

    with :math:`n_h` PSUs in stratum *h* [1]_ [2]_. For a calibrated design the
    :math:`z_i` are first replaced by their raking residuals (R's ten sweeps of
    :math:`z \leftarrow z - w^{(m)}\mathrm{ave}_c(z/w^{(m)})` over the margins *m*;
    :meth:`analysis.design.SurveyDesign.calibration_residuals`). The interval is
    :math:`\bar y \pm t_{df}\,\widehat{SE}` with df = #PSUs - #strata among the
    domain's rows. Without weights, strata and fpc this is the textbook
    :math:`s/\sqrt n` and df = n - 1.

    References
    ----------
    .. [1] Wolter KM (2007), *Introduction to Variance Estimation*, ch. 6.
    .. [2] Lumley T (2010), *Complex Surveys*, ch. 2-3 and s. 2.8 (domains); R ``survey::svymean``.
    .. [3] Lumley T (2010), ch. 7 (raking, ``rake``).
    .. [4] Deville JC, Särndal CE (1992), Calibration estimators in survey sampling,
       *JASA* 87:376-382.
    """
    level = check_confidence_level(confidence_level)
    y_all, keep = as_values_masked(values, "values")
    size = len(y_all)
    in_domain = as_domain(domain, size)
    if calibration is None and domain is None:
        rows, in_dom = keep, np.ones(int(keep.sum()), dtype=bool)  # the design of the answered rows
    else:
        rows, in_dom = np.ones(size, dtype=bool), in_domain & keep
    design = build_design(
        size, weights, strata, fpc, clusters=clusters, calibration=calibration,
        lonely_psu=lonely_psu, rows=rows,
    )
    y = y_all[rows]
    n = float(in_dom.sum())
    require_n(n, 2, "mean_ci")
    mean, var, df, _ = design_mean_parts(design, y, in_dom)
    w = design.weights[in_dom]
    W = float(w.sum())
    # design effect against simple random sampling of n units, as R's svymean(deff=TRUE)
    s2 = n / (n - 1.0) * float(np.dot(w, (y[in_dom] - mean) ** 2)) / W
    f = design.fraction
    if fpc is None:
        f_srs = 0.0  # SRS with replacement
    elif design.clustered or not in_dom.all() or domain is not None:
        f_srs = min(n / W, 1.0)  # population size estimated by the sum of weights (as R)
    else:
        f_srs = min(n / float(np.sum(design.n_psu / f)), 1.0)
    var_srs = (1.0 - f_srs) * s2 / n
    deff = var / var_srs if var_srs > 0 else 1.0
    deff_kish = n * float(np.dot(w, w)) / (W * W)
    return MeanResult(
        mean=mean, se=math.sqrt(max(var, 0.0)), df=df, n=int(n),
        n_na=int((~keep & in_domain).sum()), deff=float(deff), deff_kish=float(deff_kish),
        n_effective=float(n / deff_kish), sd=math.sqrt(s2), confidence_level=level,
    )


def mean_ci_from_counts(counts, fpc=None, confidence_level=0.95) -> MeanResult:
    r"""Frequency-table form of :func:`mean_ci`; the same numbers as from the rows.

    Parameters
    ----------
    counts : mapping, pandas Series or pandas DataFrame
        Either ``{value: count}`` / a Series indexed by value (a simple random
        sample), or a long DataFrame with columns ``value`` and ``count`` plus
        optional ``weight`` (without it but with ``fpc``: :math:`N_h/n_h`, as
        :func:`mean_ci`), ``stratum`` and ``cluster``: one row per distinct
        combination, ``count`` respondents sharing it (``GROUP BY stratum, cluster,
        weight, value``). A ``value`` of ``"na"`` counts as not applicable.
    fpc : float or mapping, optional
        As in :func:`mean_ci` (scalar or mapping stratum -> population size/fraction).
    confidence_level : float, default 0.95

    Returns
    -------
    MeanResult
        Identical (up to floating-point rounding) to :func:`mean_ci` on the rows.
    """
    level = check_confidence_level(confidence_level)
    if isinstance(counts, pd.DataFrame):
        for col in ("value", "count"):
            if col not in counts.columns:
                raise ValueError(f"counts DataFrame needs a {col!r} column; it has {list(counts.columns)}")
        y_all, keep = as_values_masked(counts["value"], "counts['value']")
        c_all = counts["count"].to_numpy()
        if c_all.dtype.kind not in "iuf" or not np.isfinite(c_all).all() or (c_all < 0).any() or (c_all != np.floor(c_all)).any():
            raise ValueError("counts['count'] must hold whole numbers >= 0")
        c_all = c_all.astype(np.float64)
        n_na = float(c_all[~keep].sum())
        keep = keep & (c_all > 0)
        size = len(y_all)
        w_all = as_weights(counts["weight"] if "weight" in counts else None, size, "counts['weight']")
        has_s, has_k = "stratum" in counts, "cluster" in counts
        s_codes, s_labels = as_labels(counts["stratum"] if has_s else None, "counts['stratum']", size)
        k_codes, k_labels = as_labels(counts["cluster"] if has_k else None, "counts['cluster']", size)
        s_codes, s_idx = pd.factorize(s_codes[keep])
        s_labels = s_labels[s_idx] if has_s else np.array([None], dtype=object)
        if not has_k:
            k_labels = np.array([None], dtype=object)
        if fpc is not None and np.ndim(fpc) != 0 and not isinstance(fpc, Mapping):
            raise TypeError("fpc of a frequency table must be a scalar or a mapping stratum -> value")
        w = w_all[keep]
        if fpc is not None and "weight" not in counts:
            # no weights: N_h / n_h from the fpc, as mean_ci (and R's svydesign) derive them
            s_k = s_codes.astype(np.int64)
            if has_k:
                psu = pd.unique(pd.Series(list(zip(s_k, k_codes[keep]))))
                n_h = np.bincount(np.array([h for h, _ in psu], dtype=np.int64), minlength=len(s_labels))
            else:
                n_h = np.bincount(s_k, weights=c_all[keep], minlength=len(s_labels))
            f = sampling_fractions(fpc, s_k, s_labels, n_h.astype(np.float64), keep[keep])
            w = 1.0 / f[s_k]
        return _design_mean(
            y_all[keep], w, c_all[keep], (s_codes.astype(np.int64), s_labels),
            (k_codes[keep], k_labels), fpc, level, n_na, keep[keep],
        )
    vals, cnts, n_na = as_counts(counts)
    if fpc is not None and np.ndim(fpc) != 0:
        raise TypeError("fpc of a {value: count} table must be a scalar")
    return _design_mean(
        vals, np.ones_like(vals), cnts, (np.zeros(len(vals), dtype=np.int64), np.array([None], dtype=object)),
        (np.zeros(len(vals), dtype=np.int64), np.array([None], dtype=object)), fpc, level, n_na,
        np.ones(len(vals), dtype=bool),
    )


# ----------------------------------------------------------------------- Welch


def welch_arrays(n1, m1, v1, n2, m2, v2, confidence_level=0.95):
    r"""Vectorised Welch test of mean1 - mean2 from sizes, means and variances.

    Returns a dict of arrays: ``estimate, se, df, statistic, pvalue, low, high``.
    When both variances are 0 the SE is 0: the statistic is 0 (p = 1) if the means
    are equal and :math:`\pm\infty` (p = 0) otherwise, with df = n1 + n2 - 2 and a
    zero-width interval.
    """
    n1, m1, v1, n2, m2, v2 = (np.asarray(a, dtype=np.float64) for a in (n1, m1, v1, n2, m2, v2))
    a, b = v1 / n1, v2 / n2
    se = np.sqrt(a + b)
    diff = m1 - m2
    with np.errstate(divide="ignore", invalid="ignore"):
        df = (a + b) ** 2 / (a * a / (n1 - 1.0) + b * b / (n2 - 1.0))
        stat = diff / se
    zero = se == 0
    df = np.where(zero, n1 + n2 - 2.0, df)
    stat = np.where(zero, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)), stat)
    pvalue = 2.0 * stats.t.sf(np.abs(stat), df)
    half = stats.t.isf((1.0 - confidence_level) / 2.0, df) * se
    return {
        "estimate": diff, "se": se, "df": df, "statistic": stat, "pvalue": pvalue,
        "low": diff - half, "high": diff + half,
    }


def cohen_d(n1, m1, v1, n2, m2, v2):
    r"""Cohen's d with the pooled SD: :math:`(m_1 - m_2)/s_p`,
    :math:`s_p^2 = ((n_1-1)v_1 + (n_2-1)v_2)/(n_1+n_2-2)` [5]_.

    Vectorised. 0 when the means are equal and both SDs are 0; :math:`\pm\infty`
    when they differ and both SDs are 0.
    """
    n1, m1, v1, n2, m2, v2 = (np.asarray(a, dtype=np.float64) for a in (n1, m1, v1, n2, m2, v2))
    sp = np.sqrt(((n1 - 1) * v1 + (n2 - 1) * v2) / (n1 + n2 - 2))
    diff = m1 - m2
    with np.errstate(divide="ignore", invalid="ignore"):
        d = diff / sp
    d = np.where(sp == 0, np.where(diff == 0, 0.0, np.copysign(np.inf, diff)), d)
    return d if d.ndim else float(d)


@dataclass(frozen=True)
class WelchResult:
    """Welch's unequal-variance t test for mean1 - mean2.

    Attributes
    ----------
    estimate : float
        mean1 - mean2.
    mean1, mean2, sd1, sd2 : float
    n1, n2 : int
    se : float
        :math:`\\sqrt{s_1^2/n_1 + s_2^2/n_2}`.
    statistic : float
        t = estimate / se.
    pvalue : float
        Two-sided.
    df : float
        Welch-Satterthwaite degrees of freedom.
    cohen_d : float
        Standardised difference with the pooled SD.
    confidence_level : float
    """

    estimate: float
    mean1: float
    mean2: float
    sd1: float
    sd2: float
    n1: int
    n2: int
    se: float
    statistic: float
    pvalue: float
    df: float
    cohen_d: float
    confidence_level: float

    def confidence_interval(self, confidence_level=None) -> ConfidenceInterval:
        """:math:`(\\bar a - \\bar b) \\pm t_{df}\\,SE` (by default at the call's level)."""
        return t_interval(self.estimate, self.se, self.df, self.confidence_level if confidence_level is None else confidence_level)


def _welch_from_moments(n1, m1, v1, n2, m2, v2, level):
    r = welch_arrays(n1, m1, v1, n2, m2, v2, level)
    return WelchResult(
        estimate=float(r["estimate"]), mean1=m1, mean2=m2, sd1=math.sqrt(v1), sd2=math.sqrt(v2),
        n1=int(n1), n2=int(n2), se=float(r["se"]), statistic=float(r["statistic"]),
        pvalue=float(r["pvalue"]), df=float(r["df"]),
        cohen_d=float(cohen_d(n1, m1, v1, n2, m2, v2)), confidence_level=level,
    )


def diff_means_ci(a, b, confidence_level=0.95) -> WelchResult:
    r"""Welch interval and test for mean(a) - mean(b).

    Parameters
    ----------
    a, b : sequence of numbers
        Two independent samples (``"na"`` / ``None`` dropped; NaN raises); each
        needs at least 2 answers.
    confidence_level : float, default 0.95

    Returns
    -------
    WelchResult
        ``statistic``, ``pvalue``, ``df``, ``cohen_d`` and ``confidence_interval()``.

    Notes
    -----
    :math:`t = (\bar a - \bar b)/\sqrt{s_a^2/n_a + s_b^2/n_b}` with Welch-Satterthwaite
    :math:`\nu = (s_a^2/n_a + s_b^2/n_b)^2 / \left(\frac{(s_a^2/n_a)^2}{n_a-1} +
    \frac{(s_b^2/n_b)^2}{n_b-1}\right)` [4]_; R's ``t.test(a, b)``.

    References
    ----------
    .. [4] Welch BL (1947), Biometrika 34:28-35.
    """
    level = check_confidence_level(confidence_level)
    from ._common import as_values, values_to_counts

    xa, _ = as_values(a, "a")
    xb, _ = as_values(b, "b")
    require_n(len(xa), 2, "diff_means_ci (sample a)")
    require_n(len(xb), 2, "diff_means_ci (sample b)")
    n1, m1, v1 = moments(*values_to_counts(xa))
    n2, m2, v2 = moments(*values_to_counts(xb))
    return _welch_from_moments(n1, m1, v1, n2, m2, v2, level)


def diff_means_ci_from_counts(counts_a, counts_b, confidence_level=0.95) -> WelchResult:
    """Frequency-table form of :func:`diff_means_ci`.

    ``counts_a`` and ``counts_b`` are ``{value: count}`` mappings or Series indexed
    by value (``"na"`` keys are ignored). Gives the same numbers as from the rows.
    """
    level = check_confidence_level(confidence_level)
    va, ca, _ = as_counts(counts_a, "counts_a")
    vb, cb, _ = as_counts(counts_b, "counts_b")
    require_n(ca.sum(), 2, "diff_means_ci (sample a)")
    require_n(cb.sum(), 2, "diff_means_ci (sample b)")
    n1, m1, v1 = moments(va, ca)
    n2, m2, v2 = moments(vb, cb)
    return _welch_from_moments(n1, m1, v1, n2, m2, v2, level)


def diff_means_ci_from_results(a: MeanResult, b: MeanResult, confidence_level=None) -> WelchResult:
    r"""Interval and test for mean(a) - mean(b) of two *independent* design-based estimates.

    Parameters
    ----------
    a, b : MeanResult
        Results of :func:`mean_ci` / :func:`mean_ci_from_counts` on independent samples
        (e.g. two cycles, each weighted by raking).
    confidence_level : float, optional
        Default: the level of ``a``.

    Returns
    -------
    WelchResult
        ``estimate`` = a.mean - b.mean, ``se`` = :math:`\sqrt{SE_a^2 + SE_b^2}`,
        ``df`` by Satterthwaite from the two designs' degrees of freedom,
        :math:`\nu = (SE_a^2 + SE_b^2)^2 / (SE_a^4/\nu_a + SE_b^4/\nu_b)`, ``statistic``,
        two-sided ``pvalue``; ``n1``/``n2`` are the numbers of answers and ``cohen_d``
        uses the estimated population SDs.

    Notes
    -----
    With unweighted simple random samples (:math:`SE = s/\sqrt n`, :math:`\nu = n - 1`)
    this is exactly Welch's test (:func:`diff_means_ci`) [4]_.
    """
    if not isinstance(a, MeanResult) or not isinstance(b, MeanResult):
        raise TypeError("a and b must be MeanResult objects (from mean_ci or mean_ci_from_counts)")
    level = check_confidence_level(a.confidence_level if confidence_level is None else confidence_level)
    for name, r in (("a", a), ("b", b)):
        if not (math.isfinite(r.se) and r.df >= 1):
            raise ValueError(f"{name} needs a finite standard error and at least 1 degree of freedom")
    # welch_arrays works on (n, mean, variance) with SE^2 = v/n and df = n - 1: feed it the
    # designs' SE and df through an equivalent n.
    n1, n2 = a.df + 1.0, b.df + 1.0
    r = welch_arrays(n1, a.mean, a.se**2 * n1, n2, b.mean, b.se**2 * n2, level)
    return WelchResult(
        estimate=float(r["estimate"]), mean1=a.mean, mean2=b.mean, sd1=a.sd, sd2=b.sd,
        n1=a.n, n2=b.n, se=float(r["se"]), statistic=float(r["statistic"]),
        pvalue=float(r["pvalue"]), df=float(r["df"]),
        cohen_d=float(cohen_d(a.n, a.mean, a.sd**2, b.n, b.mean, b.sd**2)), confidence_level=level,
    )
