"""Internal consistency: Cronbach's alpha with Feldt's confidence interval.

References
----------
.. [1] Cronbach LJ (1951). Coefficient alpha and the internal structure of tests.
   *Psychometrika* 16:297-334.
.. [2] Feldt LS, Woodruff DJ, Salih FA (1987). Statistical inference for coefficient
   alpha. *Applied Psychological Measurement* 11:93-103.
.. [3] Revelle W. *psych: Procedures for Psychological, Psychometric, and Personality
   Research*, R package (``alpha``, ``alpha.ci``).
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from ._common import (
    ConfidenceInterval,
    as_values_masked,
    check_confidence_level,
    check_count,
    check_real,
)

__all__ = ["AlphaResult", "cronbach_alpha", "feldt_ci", "alpha_by_dimension"]


def feldt_ci(alpha: float, n_items: int, n_obs: int, confidence_level: float = 0.95) -> ConfidenceInterval:
    r"""Feldt's confidence interval for coefficient alpha.

    Parameters
    ----------
    alpha : float
        Sample coefficient alpha (< 1).
    n_items : int
        Number of items k (>= 2).
    n_obs : int
        Number of respondents n (>= 2).
    confidence_level : float, default 0.95

    Returns
    -------
    ConfidenceInterval

    Notes
    -----
    :math:`(1-\alpha)/(1-\hat\alpha) \sim F(n-1, (n-1)(k-1))` [2]_, so

    .. math::
        \left[1 - (1-\hat\alpha)F_{1-\gamma/2},\; 1 - (1-\hat\alpha)F_{\gamma/2}\right],
        \quad \gamma = 1 - \text{confidence level},

    as in ``psych::alpha.ci`` [3]_.
    """
    level = check_confidence_level(confidence_level)
    a = check_real(alpha, "alpha")
    if a >= 1.0:
        raise ValueError(f"alpha must be < 1 for the Feldt interval, got {alpha!r}")
    k = check_count(n_items, "n_items")
    n = check_count(n_obs, "n_obs")
    if k < 2:
        raise ValueError(f"n_items must be >= 2, got {n_items!r}")
    if n < 2:
        raise ValueError(f"n_obs must be >= 2, got {n_obs!r}")
    g = 1.0 - level
    df1, df2 = n - 1, (n - 1) * (k - 1)
    low = 1.0 - (1.0 - a) * stats.f.isf(g / 2, df1, df2)
    high = 1.0 - (1.0 - a) * stats.f.ppf(g / 2, df1, df2)
    return ConfidenceInterval(float(low), float(high))


@dataclass(frozen=True)
class AlphaResult:
    """Cronbach's alpha.

    Attributes
    ----------
    alpha : float
    n_items : int
    n_obs : int
        Respondents used (complete cases).
    n_dropped : int
        Respondents dropped because an item was not answered.
    confidence_level : float
    """

    alpha: float
    n_items: int
    n_obs: int
    n_dropped: int
    confidence_level: float

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """Feldt interval (:func:`feldt_ci`)."""
        level = self.confidence_level if confidence_level is None else confidence_level
        return feldt_ci(self.alpha, self.n_items, self.n_obs, level)


def _item_matrix(items, missing):
    if isinstance(items, pd.DataFrame):
        cols = [items[c] for c in items.columns]
        names = [str(c) for c in items.columns]
    else:
        arr = np.asarray(items, dtype=object)
        if arr.ndim != 2:
            raise ValueError(f"items must be 2-dimensional (respondents x items), got shape {arr.shape}")
        cols = [arr[:, j] for j in range(arr.shape[1])]
        names = [str(j) for j in range(arr.shape[1])]
    if missing not in ("raise", "listwise"):
        raise ValueError(f"missing must be 'raise' or 'listwise', got {missing!r}")
    xs, keeps = [], []
    for name, col in zip(names, cols):
        if missing == "listwise":
            s = pd.Series(col, dtype=object)
            col = s.where(s.notna(), None)
        x, keep = as_values_masked(col, f"items[{name!r}]")
        xs.append(x)
        keeps.append(keep)
    if not xs:
        raise ValueError("items has no columns")
    X = np.column_stack(xs)
    complete = np.logical_and.reduce(keeps)
    return X[complete], int((~complete).sum())


def cronbach_alpha(items: pd.DataFrame, confidence_level: float = 0.95, missing: str = "listwise") -> AlphaResult:
    r"""Cronbach's alpha of a respondents x items matrix, with the Feldt interval.

    Parameters
    ----------
    items : pandas.DataFrame or 2-D array
        One row per respondent, one column per item (k >= 2).
    confidence_level : float, default 0.95
    missing : {"listwise", "raise"}, default "listwise"
        ``"na"`` / ``None`` (and NaN with ``"listwise"``) drop the respondent
        (complete cases, reported in ``n_dropped``); with ``"raise"`` NaN raises.

    Returns
    -------
    AlphaResult

    Notes
    -----
    :math:`\hat\alpha = \frac{k}{k-1}\left(1 - \frac{\sum_j s_j^2}{s_X^2}\right)` [1]_
    with item variances :math:`s_j^2` and the variance :math:`s_X^2` of the total score
    (n - 1 divisors). Raises ``ValueError`` when the total score has zero variance.
    """
    level = check_confidence_level(confidence_level)
    X, dropped = _item_matrix(items, missing)
    n, k = X.shape
    if k < 2:
        raise ValueError(f"cronbach_alpha needs at least 2 items, got {k}")
    if n < 2:
        raise ValueError(f"cronbach_alpha needs at least 2 complete respondents, got {n}")
    total_var = float(X.sum(axis=1).var(ddof=1))
    if total_var <= 0:
        raise ValueError("the total score has zero variance; alpha is undefined")
    item_var = float(X.var(axis=0, ddof=1).sum())
    alpha = k / (k - 1.0) * (1.0 - item_var / total_var)
    return AlphaResult(float(alpha), k, n, dropped, level)


def alpha_by_dimension(frame: pd.DataFrame, dimensions: Mapping[str, Sequence[str]], confidence_level: float = 0.95, missing: str = "listwise") -> dict:
    """Cronbach's alpha (with Feldt interval) of every dimension with two items or more.

    ``dimensions`` maps a dimension to its item columns in ``frame``; single-item
    dimensions are skipped. Returns ``{dimension: AlphaResult}``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError("frame must be a pandas DataFrame")
    if not isinstance(dimensions, Mapping):
        raise TypeError("dimensions must be a mapping dimension -> item columns")
    out = {}
    for d, cols in dimensions.items():
        cols = list(cols)
        missing_cols = [c for c in cols if c not in frame.columns]
        if missing_cols:
            raise ValueError(f"dimension {d!r} names columns not in frame: {missing_cols}")
        if len(cols) >= 2:
            out[d] = cronbach_alpha(frame[cols], confidence_level, missing)
    return out
