"""Raking (iterative proportional fitting) of weights to population margins.

References
----------
.. [1] Deming WE, Stephan FF (1940). On a least squares adjustment of a sampled
   frequency table when the expected marginal totals are known. *Annals of
   Mathematical Statistics* 11:427-444.
.. [2] Deville JC, Särndal CE, Sautory O (1993). Generalized raking procedures in survey
   sampling. *JASA* 88:1013-1020 (raking as calibration, bounded adjustment factors).
.. [3] Lumley T (2010). *Complex Surveys*, ch. 7; R ``survey::rake`` / ``calibrate``.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._common import check_real

__all__ = ["RakeResult", "rake"]


@dataclass(frozen=True)
class RakeResult:
    """Raked weights and a convergence report.

    Attributes
    ----------
    weights : pandas.Series
        Final weights, indexed like ``frame``.
    converged : bool
        True when every margin is met within ``tol`` (relative) and the adjustment
        factors respect ``bounds``.
    iterations : int
        Full passes over the margins.
    max_error : float
        Largest relative gap :math:`|\\hat T_c - T_c| / T_c` over all margin cells.
    history : tuple of float
        ``max_error`` after each pass.
    achieved : dict
        Variable -> {category: weighted total}.
    targets : dict
        Variable -> {category: population total} (shares scaled to ``total``).
    factor_range : tuple of float
        Smallest and largest adjustment factor :math:`g_i = w_i / d_i`.
    deff_kish : float
        :math:`n \\sum w^2 / (\\sum w)^2` of the final weights.
    n_effective : float
        :math:`(\\sum w)^2 / \\sum w^2`.
    margin_codes : tuple of ndarray
        For each raking variable, in raking order, the category code of every row.
    margin_weights : tuple of ndarray
        For each raking variable, the weights just after that variable was matched in
        the last pass. With ``margin_codes`` this is what the calibrated variance needs
        (``mean_ci(..., calibration=result)``; R's ``rake()`` keeps the same). With
        ``bounds`` the factors are clipped after each pass, which R's ``rake()`` does not
        do: the calibrated SE then uses the residuals of the last unclipped steps.
    """

    weights: pd.Series = field(repr=False)
    converged: bool
    iterations: int
    max_error: float
    history: tuple = field(repr=False)
    achieved: dict = field(repr=False)
    targets: dict = field(repr=False)
    factor_range: tuple
    deff_kish: float
    n_effective: float
    margin_codes: tuple = field(default=(), repr=False)
    margin_weights: tuple = field(default=(), repr=False)


def _targets(margins, total, explicit_total=None):
    if not isinstance(margins, Mapping) or not margins:
        raise ValueError("margins must be a non-empty mapping column -> {category: total or share}")
    raw = {}
    for var, m in margins.items():
        if isinstance(m, pd.Series):
            m = m.to_dict()
        if not isinstance(m, Mapping) or not m:
            raise ValueError(f"margins[{var!r}] must be a non-empty mapping category -> total")
        vals = {}
        for cat, v in m.items():
            x = check_real(v, f"margins[{var!r}][{cat!r}]")
            if x < 0:
                raise ValueError(f"margins[{var!r}][{cat!r}] must be >= 0, got {v!r}")
            vals[cat] = x
        if sum(vals.values()) <= 0:
            raise ValueError(f"margins[{var!r}] sums to 0")
        raw[var] = vals
    sums = {v: sum(m.values()) for v, m in raw.items()}
    is_share = {v: abs(s - 1.0) <= 1e-6 for v, s in sums.items()}
    totals = {v: s for v, s in sums.items() if not is_share[v]}
    if totals:
        first_var, first = next(iter(totals.items()))
        for v, s in totals.items():
            if abs(s - first) > 1e-6 * max(first, 1.0):
                raise ValueError(
                    f"margins disagree on the population total: {first_var!r} sums to "
                    f"{first!r} but {v!r} sums to {s!r}"
                )
        if explicit_total is not None and abs(explicit_total - first) > 1e-6 * first:
            raise ValueError(f"total={explicit_total!r} disagrees with the margins' total {first!r}")
        total = first
    return {v: ({c: x * total for c, x in m.items()} if is_share[v] else m) for v, m in raw.items()}


def rake(
    frame, margins, weights=None, *, total=None, bounds=None, max_iter=100, tol=1e-6,
    on_failure="raise",
) -> RakeResult:
    r"""Rake weights so that weighted counts match population margins.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent, with a column for each raking variable
        (e.g. ``age_group``, ``district``).
    margins : mapping
        Column -> {category: population total}, or -> {category: share} (shares
        summing to 1). Variables given as totals must agree on the population size;
        shares are scaled to it (or to ``total``, or to the sum of the base weights
        when no variable gives totals).
    weights : sequence of float, optional
        Base (design) weights :math:`d_i > 0`; 1 by default.
    total : float, optional
        Population size used with shares; by default the sum of the base weights.
    bounds : (float, float), optional
        Bounds :math:`L \le g_i = w_i/d_i \le U` on the adjustment factors (e.g.
        ``(0.3, 3)``), enforced after every pass (bounded raking, [2]_).
    max_iter : int, default 100
    tol : float, default 1e-6
        Convergence when every margin cell is within ``tol`` relative error.
    on_failure : {"raise", "return"}, default "raise"
        Without convergence, raise ``ValueError`` (with the report in the message)
        or return the result with ``converged=False``.

    Returns
    -------
    RakeResult

    Notes
    -----
    Iterative proportional fitting [1]_: for each variable *v* in turn,
    :math:`w_i \leftarrow w_i\, T_{v,c(i)} / \sum_{j: c(j) = c(i)} w_j`, then
    :math:`w_i \leftarrow d_i \min(U, \max(L, w_i/d_i))`; repeat until the margins
    are met. Without bounds this minimises the raking (multiplicative) distance to
    the base weights among weights that meet the margins [2]_. Every sample
    category needs a margin and every positive margin needs respondents, otherwise
    ``ValueError``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    n = len(frame)
    if n == 0:
        raise ValueError("frame is empty")
    if weights is None:
        d = np.ones(n)
    else:
        d = np.asarray(weights.to_numpy() if isinstance(weights, pd.Series) else weights, dtype=np.float64)
        if d.shape != (n,):
            raise ValueError(f"weights has length {d.size}, frame has {n} rows")
        bad = ~np.isfinite(d) | (d <= 0)
        if bad.any():
            raise ValueError(f"weights must be finite and > 0, got {d[bad][0]!r}")
    if total is None:
        total_v = float(d.sum())
    else:
        total_v = check_real(total, "total")
        if total_v <= 0:
            raise ValueError(f"total must be > 0, got {total!r}")
    if isinstance(max_iter, bool) or not isinstance(max_iter, numbers.Integral) or max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, got {max_iter!r}")
    tol = check_real(tol, "tol")
    if tol <= 0:
        raise ValueError(f"tol must be > 0, got {tol!r}")
    if on_failure not in ("raise", "return"):
        raise ValueError(f"on_failure must be 'raise' or 'return', got {on_failure!r}")
    if bounds is not None:
        try:
            lo_b, hi_b = (check_real(b, "bounds") for b in bounds)
        except TypeError:
            raise TypeError(f"bounds must be a pair (lower, upper), got {bounds!r}") from None
        if not 0 <= lo_b < 1 < hi_b:
            raise ValueError(f"bounds must satisfy 0 <= lower < 1 < upper, got {bounds!r}")
    targets = _targets(margins, total_v, None if total is None else total_v)

    # encode each raking variable
    enc = []
    for var, tgt in targets.items():
        if var not in frame.columns:
            raise ValueError(f"margin variable {var!r} is not a column of frame")
        col = frame[var]
        if col.isna().any():
            raise ValueError(f"column {var!r} has missing values; every respondent needs a category")
        cats = list(tgt)
        lookup = {c: i for i, c in enumerate(cats)}
        codes = col.map(lookup)
        if codes.isna().any():
            unknown = col[codes.isna()].iloc[0]
            raise ValueError(f"category {unknown!r} of {var!r} has no population margin")
        codes = codes.to_numpy(dtype=np.int64)
        t = np.array([tgt[c] for c in cats], dtype=np.float64)
        present = np.bincount(codes, minlength=len(cats)) > 0
        for i, c in enumerate(cats):
            if t[i] > 0 and not present[i]:
                raise ValueError(f"margin {var!r}={c!r} has a population but no respondent")
            if t[i] == 0 and present[i]:
                raise ValueError(f"margin {var!r}={c!r} is 0 but has respondents")
        enc.append((var, cats, codes, t))

    w = d.copy()

    def max_err(w):
        e = 0.0
        for _, _, codes, t in enc:
            got = np.bincount(codes, weights=w, minlength=len(t))
            pos = t > 0
            e = max(e, float(np.max(np.abs(got[pos] - t[pos]) / t[pos])))
        return e

    history = []
    converged = False
    it = 0
    for it in range(1, max_iter + 1):
        after_margin = []
        for _, _, codes, t in enc:
            got = np.bincount(codes, weights=w, minlength=len(t))
            with np.errstate(divide="ignore", invalid="ignore"):
                f = np.where(got > 0, t / got, 1.0)
            w = w * f[codes]
            after_margin.append(w)
        if bounds is not None:
            w = d * np.clip(w / d, lo_b, hi_b)
        err = max_err(w)
        history.append(err)
        if err <= tol:
            converged = True
            break
    g = w / d
    achieved = {
        var: dict(zip(cats, np.bincount(codes, weights=w, minlength=len(t)).tolist()))
        for var, cats, codes, t in enc
    }
    W, W2 = float(w.sum()), float(np.dot(w, w))
    result = RakeResult(
        weights=pd.Series(w, index=frame.index, name="weight"),
        converged=converged, iterations=it, max_error=history[-1], history=tuple(history),
        achieved=achieved, targets={v: dict(t) for v, t in targets.items()},
        factor_range=(float(g.min()), float(g.max())),
        deff_kish=n * W2 / (W * W), n_effective=W * W / W2,
        margin_codes=tuple(codes for _, _, codes, _ in enc), margin_weights=tuple(after_margin),
    )
    if not converged and on_failure == "raise":
        raise ValueError(
            f"raking did not converge in {it} iterations: largest relative margin error "
            f"{history[-1]:.3g} > tol={tol:g}"
            + (f" (bounds {bounds} may be too tight)" if bounds is not None else "")
        )
    return result
