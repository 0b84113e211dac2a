"""Rao-Scott design-adjusted chi-squared tests of a two-way table: has the whole
distribution of a rating changed between cycles (or does it differ between groups)?

Pearson's :math:`X^2` on the weighted table is too liberal under clustering and unequal
weights; Rao and Scott divide it by the mean of the generalised design effects (first
order) or refer :math:`X^2/\\mathrm{tr}\\,\\Delta` to an F distribution with
Satterthwaite degrees of freedom (second order), exactly as R's
``svychisq(~rating + cycle, design, statistic = "F" | "Chisq")``. For two cycles, stack
both samples in one design whose strata are cycle x stratum (independent samples).

References
----------
.. [1] Rao JNK, Scott AJ (1981). The analysis of categorical data from complex sample
   surveys: chi-squared tests for goodness of fit and independence in two-way tables.
   *JASA* 76:221-230.
.. [2] Rao JNK, Scott AJ (1984). On chi-squared tests for multiway contingency tables
   with cell proportions estimated from survey data. *Annals of Statistics* 12:46-60.
.. [3] Lumley T (2010). *Complex Surveys: A Guide to Analysis Using R*, Wiley, s. 6.2
   (``svychisq``).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._common import NA_MARKER
from .design import as_labels, build_design

__all__ = ["RAO_SCOTT_STATISTICS", "RaoScottResult", "rao_scott_test"]

RAO_SCOTT_STATISTICS = ("F", "Chisq")


@dataclass(frozen=True)
class RaoScottResult:
    r"""A Rao-Scott adjusted test of independence of two classifications.

    Attributes
    ----------
    statistic : float
        ``"F"``: :math:`F = X^2/\mathrm{tr}\,\Delta`; ``"Chisq"``:
        :math:`X^2/\bar\delta`, :math:`\bar\delta = \mathrm{tr}\,\Delta/k`.
    df : float
        Numerator degrees of freedom: :math:`d = (\mathrm{tr}\,\Delta)^2/\mathrm{tr}\,\Delta^2`
        for F, :math:`k = (r-1)(c-1)` for Chisq.
    df_denominator : float
        :math:`d\,\nu` with :math:`\nu` = #PSUs - #strata for F; infinite for Chisq.
    pvalue : float
    pearson : float
        Pearson's :math:`X^2` of the weighted table scaled to n (what R prints as
        ``X-squared`` for ``statistic="Chisq"``).
    design_effects : tuple of float
        Eigenvalues of :math:`\Delta` (generalised design effects), decreasing.
    kind : str
        ``"F"`` (second order) or ``"Chisq"`` (first order).
    table : pandas.DataFrame
        Weighted cell proportions, rows x columns.
    """

    statistic: float
    df: float
    df_denominator: float
    pvalue: float
    pearson: float
    design_effects: tuple
    kind: str
    table: pd.DataFrame


def _dummies(levels_r, levels_c, interactions):
    """R's ``model.matrix(~rows + cols)`` (or ``* cols``) on ``expand.grid(rows, cols)``."""
    nr, nc = levels_r, levels_c
    r = np.tile(np.arange(nr), nc)
    c = np.repeat(np.arange(nc), nr)
    R = (r[:, None] == np.arange(1, nr)).astype(float)
    C = (c[:, None] == np.arange(1, nc)).astype(float)
    X1 = np.column_stack([np.ones(nr * nc), R, C])
    if not interactions:
        return X1
    inter = np.column_stack([R[:, i] * C[:, j] for j in range(nc - 1) for i in range(nr - 1)])
    return inter


def rao_scott_test(
    rating, group, weights=None, strata=None, fpc=None, *, clusters=None, calibration=None,
    lonely_psu="fail", statistic="F",
) -> RaoScottResult:
    r"""Rao-Scott test that ``rating`` and ``group`` are independent (R's ``svychisq``).

    Parameters
    ----------
    rating : sequence of labels
        E.g. the 1-5 answer; ``"na"`` / ``None`` answers are left out before the design
        is formed (not allowed with ``calibration``: rake the answered rows).
    group : sequence of labels
        E.g. the cycle of each answer.
    weights, strata, fpc, clusters, calibration, lonely_psu
        The design, as in :func:`~analysis.mean_ci`. For two independent cycles the
        strata must separate the cycles.
    statistic : {"F", "Chisq"}, default "F"
        Second-order (F) or first-order (mean design effect) correction.

    Returns
    -------
    RaoScottResult
        ``statistic``, ``df``, ``df_denominator``, ``pvalue``, ``pearson``.

    Notes
    -----
    With :math:`\hat p` the weighted cell proportions (rows varying fastest),
    :math:`\widehat V` their design covariance, :math:`C` the interaction contrasts
    made orthogonal to the main effects and :math:`D = \mathrm{diag}(\hat p)`,

    .. math::
        \Delta = \big(C^\top (D^{-1}/n) C\big)^{-1} \, C^\top D^{-1} \widehat V D^{-1} C ,

    the generalised design effects are its eigenvalues [1]_ [2]_ [3]_.
    """
    if statistic not in RAO_SCOTT_STATISTICS:
        raise ValueError(f"statistic must be one of {RAO_SCOTT_STATISTICS}, got {statistic!r}")
    r_all = pd.Series(np.asarray(rating, dtype=object))
    size = len(r_all)
    as_labels(group, "group", size)  # checks the length and missing labels
    keep = ~r_all.map(lambda x: x is None or (isinstance(x, str) and x == NA_MARKER)).to_numpy(dtype=bool)
    if calibration is not None and not keep.all():
        raise ValueError(f"rating has {NA_MARKER!r} answers: with calibration, rake the answered rows")
    design = build_design(
        size, weights, strata, fpc, clusters=clusters, calibration=calibration,
        lonely_psu=lonely_psu, rows=keep,
    )
    row_levels = sorted(pd.unique(r_all[keep]).tolist())
    group_vals = pd.Series(np.asarray(group, dtype=object))[keep]
    col_levels = sorted(pd.unique(group_vals).tolist())
    nr, nc = len(row_levels), len(col_levels)
    if nr < 2 or nc < 2:
        raise ValueError(f"rating and group need at least 2 categories each, got {nr} and {nc}")
    ri = r_all[keep].map({v: i for i, v in enumerate(row_levels)}).to_numpy(dtype=np.int64)
    ci = group_vals.map({v: i for i, v in enumerate(col_levels)}).to_numpy(dtype=np.int64)
    n = int(keep.sum())
    cell = ri + nr * ci
    mm = np.zeros((n, nr * nc))
    mm[np.arange(n), cell] = 1.0
    w = design.weights
    W = float(w.sum())
    p = w @ mm / W
    V = design.variance(w[:, None] * (mm - p) / W)
    nu = design.degrees_of_freedom()
    # Pearson's X^2 on the weighted table scaled to n (R: svytable(Ntotal = n), chisq.test)
    tab = (p * n).reshape(nc, nr).T
    expected = np.outer(tab.sum(axis=1), tab.sum(axis=0)) / n
    with np.errstate(divide="ignore", invalid="ignore"):
        pearson = float(np.nansum(np.where(expected > 0, (tab - expected) ** 2 / expected, np.nan)))
    X1 = _dummies(nr, nc, False)
    X12 = _dummies(nr, nc, True)
    Cmat = X12 - X1 @ np.linalg.lstsq(X1, X12, rcond=None)[0]
    iD = np.diag(np.where(p == 0, 0.0, 1.0 / np.where(p == 0, 1.0, p)))
    denom = Cmat.T @ (iD / n) @ Cmat
    numr = Cmat.T @ iD @ V @ iD @ Cmat
    delta = np.linalg.solve(denom, numr)
    tr = float(np.trace(delta))
    k = delta.shape[0]
    eig = tuple(sorted(np.linalg.eigvals(delta).real.tolist(), reverse=True))
    if statistic == "F":
        d0 = tr**2 / float(np.trace(delta @ delta))
        stat = pearson / tr
        pvalue = float(stats.f.sf(stat, d0, d0 * nu))
        df, ddf = d0, d0 * nu
    else:
        stat = pearson / (tr / k)
        pvalue = float(stats.chi2.sf(stat, k))
        df, ddf = float(k), math.inf
    table = pd.DataFrame(tab / n, index=row_levels, columns=col_levels)
    return RaoScottResult(
        statistic=float(stat), df=float(df), df_denominator=float(ddf), pvalue=pvalue,
        pearson=pearson, design_effects=eig, kind=statistic, table=table,
    )
