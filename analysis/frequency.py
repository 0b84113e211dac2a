"""Frequency tables: building them from answer rows, and rank tests computed from them.

A *frequency table* in long form has one row per group and value, with the number
of answers in ``count``: exactly what ``SELECT questionnaire, question, cycle, value,
COUNT(*) ... GROUP BY questionnaire, question, cycle, value`` returns. Means,
variances, proportions and rank tests computed from it are exact.

References
----------
.. [1] Mann HB, Whitney DR (1947). On a test of whether one of two random variables is
   stochastically larger than the other. *Annals of Mathematical Statistics* 18:50-60.
.. [2] Lehmann EL (1975). *Nonparametrics: Statistical Methods Based on Ranks*,
   Holden-Day, s. 1.4 (normal approximation with ties).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._common import NA_MARKER, as_counts

__all__ = ["frequency_table", "MannWhitneyResult", "mann_whitney_from_counts", "mann_whitney_arrays"]

_MAX_DENSE = 1 << 26  # cells of the dense bincount grid


def _codes(col: pd.Series, name: str):
    if isinstance(col.dtype, pd.CategoricalDtype):
        codes = col.cat.codes.to_numpy()
        cats = col.cat.categories
    else:
        codes, cats = pd.factorize(col, sort=True)
    if (codes < 0).any():
        raise ValueError(f"column {name!r} has missing labels")
    return codes.astype(np.int64, copy=False), pd.Index(cats)


def _value_codes(col: pd.Series, name: str):
    """Codes for the value column; not-applicable answers get the last code."""
    arr = col.to_numpy()
    if arr.dtype.kind in "iu":
        lo, hi = int(arr.min()), int(arr.max())
        if hi - lo < 100_000:
            return (arr.astype(np.int64) - lo), np.arange(lo, hi + 1, dtype=np.int64), False
        codes, uniq = pd.factorize(arr, sort=True)
        return codes.astype(np.int64), np.asarray(uniq), False
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(
                f"column {name!r} contains NaN or infinity; mark not-applicable answers with {NA_MARKER!r}"
            )
        codes, uniq = pd.factorize(arr, sort=True)
        return codes.astype(np.int64), np.asarray(uniq), False
    if arr.dtype.kind == "b":
        raise TypeError(f"column {name!r} must hold numbers, not booleans")
    # object column: numbers and "na" / None (vectorised: this may be millions of rows)
    missing = pd.isna(arr)
    if missing.any() and any(x is not None for x in arr[missing].tolist()):
        raise ValueError(f"column {name!r} contains NaN; mark not-applicable answers with {NA_MARKER!r}")
    is_na = missing | (arr == NA_MARKER)
    rest = arr[~is_na]
    kinds = pd.Series(rest).map(type).unique() if rest.size else []
    for kind in kinds:
        if kind is bool or not issubclass(kind, (int, float, np.integer, np.floating)):
            bad = next(x for x in rest.tolist() if type(x) is kind)
            raise TypeError(f"column {name!r} contains {bad!r}; expected a number or {NA_MARKER!r}")
    num = rest.astype(np.float64)
    if not np.isfinite(num).all():
        raise ValueError(f"column {name!r} contains NaN; mark not-applicable answers with {NA_MARKER!r}")
    codes_rest, uniq = pd.factorize(num, sort=True)
    codes = np.full(len(arr), len(uniq), dtype=np.int64)
    codes[~is_na] = codes_rest
    values = np.empty(len(uniq) + 1, dtype=object)
    values[: len(uniq)] = [float(v) if not float(v).is_integer() else int(v) for v in uniq]
    values[-1] = NA_MARKER
    return codes, values, True


def frequency_table(frame, by=("questionnaire", "question", "cycle"), value="value") -> pd.DataFrame:
    """Count answers per group and value: the long frequency table.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per answer, with the ``by`` columns and a ``value`` column (numbers,
        or ``"na"`` / ``None`` for not applicable; NaN raises).
    by : sequence of str
        Grouping columns (those absent from ``frame`` are ignored except that at
        least one must be present).
    value : str, default "value"

    Returns
    -------
    pandas.DataFrame
        Columns ``*by, value, count`` (``count`` int64 > 0), sorted by group and value;
        ``value`` is ``"na"`` for not-applicable answers (then the column has
        object dtype).

    Notes
    -----
    Categorical ``by`` columns are the fastest (their codes are used as they are);
    other columns are factorised. The counting itself is one ``numpy.bincount``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"frame must be a pandas DataFrame, got {type(frame).__name__}")
    by = [c for c in ([by] if isinstance(by, str) else list(by)) if c in frame.columns]
    if not by:
        raise ValueError("frame has none of the grouping columns")
    if value not in frame.columns:
        raise ValueError(f"frame has no {value!r} column")
    if len(frame) == 0:
        raise ValueError("frame is empty")
    parts = [_codes(frame[c], c) for c in by]
    vcodes, vvalues, _ = _value_codes(frame[value], value)
    sizes = [len(cats) for _, cats in parts] + [len(vvalues)]
    total = int(np.prod(np.array(sizes, dtype=np.float64)))
    code = parts[0][0].copy() if len(parts) else np.zeros(len(frame), np.int64)
    for (c, cats) in parts[1:]:
        code *= len(cats)
        code += c
    code *= len(vvalues)
    code += vcodes
    if total <= _MAX_DENSE:
        counts = np.bincount(code, minlength=total)
        nz = np.flatnonzero(counts)
        cnt = counts[nz]
    else:
        nz, cnt = np.unique(code, return_counts=True)
    idx = np.unravel_index(nz, sizes)
    out = {c: cats.take(i) for (c, (_, cats)), i in zip(zip(by, parts), idx[:-1])}
    for c in by:
        if isinstance(frame[c].dtype, pd.CategoricalDtype):
            out[c] = pd.Categorical(out[c], categories=frame[c].cat.categories)
    out[value] = np.asarray(vvalues)[idx[-1]]
    out["count"] = cnt.astype(np.int64)
    return pd.DataFrame(out)


@dataclass(frozen=True)
class MannWhitneyResult:
    """Mann-Whitney U test of sample 1 vs sample 2 (normal approximation, ties corrected).

    Attributes
    ----------
    statistic : float
        :math:`U_1`, the number of pairs with x1 > x2 plus half the ties.
    pvalue : float
        Two-sided, with continuity correction (as R's ``wilcox.test`` and SciPy's
        ``mannwhitneyu(method="asymptotic")``).
    prob_superiority : float
        :math:`U_1 / (n_1 n_2) = P(X_1 > X_2) + P(X_1 = X_2)/2`.
    n1, n2 : int
    """

    statistic: float
    pvalue: float
    prob_superiority: float
    n1: int
    n2: int


def mann_whitney_arrays(values, c1, c2, continuity=True) -> tuple[float, float, float]:
    """``(U1, pvalue, prob_superiority)`` from the sorted distinct ``values`` of the pooled
    sample and each sample's counts ``c1``, ``c2`` at those values (arrays); the core of
    :func:`mann_whitney_from_counts`, for callers that hold aligned counts already."""
    n1, n2 = float(c1.sum()), float(c2.sum())
    t = c1 + c2
    n = n1 + n2
    ranks = np.cumsum(t) - t + (t + 1.0) / 2.0
    u1 = float(np.dot(c1, ranks) - n1 * (n1 + 1.0) / 2.0)
    mu = n1 * n2 / 2.0
    tie = float(np.sum(t**3 - t))
    var = n1 * n2 / 12.0 * ((n + 1.0) - tie / (n * (n - 1.0)))
    if var <= 0:
        p = 1.0
    else:
        u = max(u1, n1 * n2 - u1)
        z = (u - mu - (0.5 if continuity else 0.0)) / np.sqrt(var)
        p = float(min(1.0, 2.0 * stats.norm.sf(z)))
    return u1, p, u1 / (n1 * n2)


def mann_whitney_from_counts(counts1, counts2, continuity=True) -> MannWhitneyResult:
    r"""Mann-Whitney U test from two frequency tables ``{value: count}`` [1]_ [2]_.

    Notes
    -----
    With midranks :math:`r_v` of each distinct value in the pooled sample,
    :math:`U_1 = \sum_v c_{1v} r_v - n_1(n_1+1)/2`, :math:`E U = n_1 n_2/2`,
    :math:`\operatorname{Var} U = \frac{n_1 n_2}{12}\left(n + 1 - \frac{\sum_v (t_v^3 - t_v)}{n(n-1)}\right)`
    with :math:`t_v` the tie sizes; :math:`z = (\max(U_1, U_2) - n_1n_2/2 - 1/2)/\sqrt{\operatorname{Var}U}`.
    Identical to ``scipy.stats.mannwhitneyu(x1, x2, method="asymptotic")`` on the rows.
    A pooled sample with a single distinct value has p = 1.
    """
    v1, k1, _ = as_counts(counts1, "counts1")
    v2, k2, _ = as_counts(counts2, "counts2")
    if k1.sum() < 1 or k2.sum() < 1:
        raise ValueError("each sample needs at least 1 answer")
    values = np.union1d(v1, v2)
    c1 = np.zeros(len(values))
    c2 = np.zeros(len(values))
    c1[np.searchsorted(values, v1)] = k1
    c2[np.searchsorted(values, v2)] = k2
    u1, p, ps = mann_whitney_arrays(values, c1, c2, continuity)
    return MannWhitneyResult(u1, p, ps, int(k1.sum()), int(k2.sum()))
