"""Driver (key-driver) analysis and importance-performance quadrants.

References
----------
.. [1] Lindeman RH, Merenda PF, Gold RZ (1980). *Introduction to Bivariate and
   Multivariate Analysis*, Scott Foresman (LMG: average R^2 increment over orderings).
.. [2] Grömping U (2006). Relative importance for linear regression in R: the package
   relaimpo. *Journal of Statistical Software* 17(1).
.. [3] Johnson JW (2000). A heuristic method for estimating the relative weight of
   predictor variables in multiple regression. *Multivariate Behavioral Research*
   35:1-19.
.. [4] Martilla JA, James JC (1977). Importance-performance analysis. *Journal of
   Marketing* 41(1):77-79.
"""
from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ._common import as_values_masked, check_real

__all__ = ["DriverResult", "driver_analysis", "importance_performance", "QUADRANTS"]

QUADRANTS = {
    (True, False): "concentrate here",
    (True, True): "keep up the good work",
    (False, False): "low priority",
    (False, True): "possible overkill",
}


@dataclass(frozen=True)
class DriverResult:
    """Relative importance of drivers of an outcome.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per driver (index), columns ``r`` (correlation with the outcome),
        ``beta`` (standardised regression coefficient), ``relative_weight``
        (Johnson), ``lmg`` (Shapley / LMG share of R^2; NaN-free, omitted when the
        drivers are too many for the exact computation), ``share`` (percent of R^2 of
        the chosen method) and ``rank`` (1 = most important).
    r_squared : float
    n : int
        Respondents used (complete cases).
    method : str
        The measure behind ``share`` and ``rank``.
    """

    table: pd.DataFrame = field(repr=False)
    r_squared: float
    n: int
    method: str


def _r2(R, r, subset):
    if not subset:
        return 0.0
    idx = list(subset)
    return float(r[idx] @ np.linalg.solve(R[np.ix_(idx, idx)], r[idx]))


def driver_analysis(frame: pd.DataFrame, outcome: str, drivers: Sequence[str], *, method: str = "lmg", missing: str = "listwise") -> DriverResult:
    r"""Which drivers best explain an outcome (e.g. overall satisfaction)?

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per respondent.
    outcome : str
        Column of the outcome rating.
    drivers : sequence of str
        Columns of the driver ratings (at least 2).
    method : {"lmg", "relative_weights", "beta"}, default "lmg"
        Measure used for ``share`` and ``rank``. ``lmg`` needs at most 12 drivers.
    missing : {"listwise", "raise"}
        ``"na"`` / ``None`` (and NaN with ``"listwise"``) drop the respondent.

    Returns
    -------
    DriverResult

    Notes
    -----
    From the correlation matrix :math:`R_{XX}` of the drivers and their correlations
    :math:`r_{XY}` with the outcome:

    * standardised coefficients :math:`\beta = R_{XX}^{-1} r_{XY}`,
      :math:`R^2 = r_{XY}^\top \beta`;
    * LMG [1]_ [2]_: the Shapley value of driver *j* in :math:`R^2`,
      :math:`\sum_{S \not\ni j} \frac{|S|!\,(p-|S|-1)!}{p!}\,[R^2(S \cup j) - R^2(S)]`;
      the shares add up to :math:`R^2` and never go negative;
    * relative weights [3]_: with :math:`R_{XX} = Q \Lambda Q^\top`,
      :math:`\Lambda^* = Q\Lambda^{1/2}Q^\top`, :math:`\beta^* = \Lambda^{*-1} r_{XY}`,
      :math:`\epsilon_j = \sum_k \Lambda^{*2}_{jk}\beta^{*2}_k` (also sum to :math:`R^2`).

    Correlated drivers make ``beta`` unstable (it can even change sign), which is why
    ``lmg`` is the default.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("frame must be a pandas DataFrame")
    drivers = list(drivers)
    if len(drivers) < 2:
        raise ValueError("driver_analysis needs at least 2 drivers")
    if len(set(drivers)) != len(drivers) or outcome in drivers:
        raise ValueError("drivers must be distinct columns, other than the outcome")
    if method not in ("lmg", "relative_weights", "beta"):
        raise ValueError(f"method must be 'lmg', 'relative_weights' or 'beta', got {method!r}")
    if missing not in ("listwise", "raise"):
        raise ValueError(f"missing must be 'listwise' or 'raise', got {missing!r}")
    cols = [outcome] + drivers
    xs, keep = [], np.ones(len(frame), dtype=bool)
    for c in cols:
        if c not in frame.columns:
            raise ValueError(f"column {c!r} is not in frame")
        s = frame[c]
        if missing == "listwise":
            s = s.astype(object).where(s.notna(), None)
        x, k = as_values_masked(s, f"frame[{c!r}]")
        xs.append(x)
        keep &= k
    X = np.column_stack(xs)[keep]
    n, p = X.shape[0], len(drivers)
    if n < p + 2:
        raise ValueError(f"driver_analysis needs more than {p + 1} complete respondents, got {n}")
    sd = X.std(axis=0, ddof=1)
    if (sd == 0).any():
        raise ValueError(f"column {cols[int(np.argmax(sd == 0))]!r} has zero variance")
    C = np.corrcoef(X, rowvar=False)
    Rxx, rxy = C[1:, 1:], C[1:, 0]
    if np.linalg.matrix_rank(Rxx) < p:
        raise ValueError("the drivers are perfectly collinear")
    beta = np.linalg.solve(Rxx, rxy)
    r2 = float(rxy @ beta)
    evals, Q = np.linalg.eigh(Rxx)
    lam = Q @ np.diag(np.sqrt(np.clip(evals, 0, None))) @ Q.T
    bstar = np.linalg.solve(lam, rxy)
    rw = (lam**2) @ (bstar**2)
    table = pd.DataFrame({"r": rxy, "beta": beta, "relative_weight": rw}, index=pd.Index(drivers, name="driver"))
    if p <= 12:
        r2_of = {}
        for size in range(p + 1):
            for S in itertools.combinations(range(p), size):
                r2_of[S] = _r2(Rxx, rxy, S)
        lmg = np.zeros(p)
        for j in range(p):
            others = [k for k in range(p) if k != j]
            for size in range(p):
                wgt = math.factorial(size) * math.factorial(p - size - 1) / math.factorial(p)
                for S in itertools.combinations(others, size):
                    lmg[j] += wgt * (r2_of[tuple(sorted(S + (j,)))] - r2_of[S])
        table["lmg"] = lmg
    elif method == "lmg":
        raise ValueError(f"lmg is computed exactly for at most 12 drivers, got {p}; use 'relative_weights'")
    key = {"lmg": "lmg", "relative_weights": "relative_weight", "beta": "beta"}[method]
    basis = table[key].abs() if method == "beta" else table[key]
    table["share"] = 100.0 * basis / basis.sum()
    table["rank"] = basis.rank(ascending=False, method="min").astype(int)
    return DriverResult(table=table, r_squared=r2, n=int(n), method=method)


def importance_performance(importance: Any, performance: Any, *, cut: Any = "mean") -> pd.DataFrame:
    r"""Importance-performance quadrants (Martilla & James 1977 [4]_).

    Parameters
    ----------
    importance : mapping or pandas.Series
        Attribute -> importance (stated importance index, or derived importance such
        as ``DriverResult.table["share"]``).
    performance : mapping or pandas.Series
        Attribute -> performance (e.g. satisfaction index).
    cut : {"mean", "median"} or (float, float)
        Cross-hair: the mean or median of the attributes (data-centred), or fixed
        ``(importance_cut, performance_cut)``. A value equal to the cut counts as high.

    Returns
    -------
    pandas.DataFrame
        Indexed by attribute, with ``importance``, ``performance`` and ``quadrant``:
        ``concentrate here`` (high importance, low performance), ``keep up the good
        work`` (high, high), ``low priority`` (low, low), ``possible overkill`` (low
        importance, high performance).
    """
    imp = pd.Series(importance, dtype=object) if isinstance(importance, Mapping) else importance
    perf = pd.Series(performance, dtype=object) if isinstance(performance, Mapping) else performance
    if not isinstance(imp, pd.Series) or not isinstance(perf, pd.Series):
        raise TypeError("importance and performance must be mappings or pandas Series")
    if set(imp.index) != set(perf.index):
        diff = sorted(map(str, set(imp.index) ^ set(perf.index)))
        raise ValueError(f"importance and performance must cover the same attributes; differ on {diff}")
    if len(imp) < 2:
        raise ValueError("importance_performance needs at least 2 attributes")
    df = pd.DataFrame({
        "importance": [check_real(v, f"importance[{k!r}]") for k, v in imp.items()],
    }, index=imp.index)
    df["performance"] = [check_real(perf[k], f"performance[{k!r}]") for k in df.index]
    if cut == "mean":
        ci, cp = df["importance"].mean(), df["performance"].mean()
    elif cut == "median":
        ci, cp = df["importance"].median(), df["performance"].median()
    else:
        try:
            ci, cp = (check_real(v, "cut") for v in cut)
        except TypeError:
            raise TypeError(f"cut must be 'mean', 'median' or a pair of numbers, got {cut!r}") from None
    df["quadrant"] = [QUADRANTS[(i >= ci, q >= cp)] for i, q in zip(df["importance"], df["performance"])]
    df.index.name = "attribute"
    return df
