"""Multiplicity adjustment of p-values.

References
----------
.. [1] Holm S (1979). A simple sequentially rejective multiple test procedure.
   *Scandinavian Journal of Statistics* 6:65-70.
.. [2] Benjamini Y, Hochberg Y (1995). Controlling the false discovery rate: a practical
   and powerful approach to multiple testing. *JRSS B* 57:289-300.
.. [3] Hochberg Y (1988). A sharper Bonferroni procedure for multiple tests of
   significance. *Biometrika* 75:800-802.
.. [4] Benjamini Y, Yekutieli D (2001). The control of the false discovery rate in
   multiple testing under dependency. *Annals of Statistics* 29:1165-1188.
"""
from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

__all__ = ["adjust_pvalues", "ADJUST_METHODS"]

ADJUST_METHODS = ("holm", "bh", "bonferroni", "hochberg", "by", "none")


def adjust_pvalues(pvalues: Any, method: str = "holm") -> np.ndarray | pd.Series:
    r"""Adjust p-values for multiple comparisons, as R's ``p.adjust``.

    Parameters
    ----------
    pvalues : sequence of float or pandas.Series
        p-values in [0, 1]; NaN raises.
    method : {"holm", "bh", "bonferroni", "hochberg", "by", "none"}, default "holm"
        With sorted :math:`p_{(1)} \le \dots \le p_{(m)}`:

        * ``holm`` [1]_ (family-wise error): :math:`\tilde p_{(i)} = \max_{j \le i}
          \min(1, (m - j + 1) p_{(j)})`.
        * ``bh`` [2]_ (false discovery rate): :math:`\tilde p_{(i)} = \min_{j \ge i}
          \min(1, m p_{(j)} / j)`.
        * ``bonferroni``: :math:`\min(1, m p_i)`.
        * ``hochberg`` [3]_: :math:`\min_{j \ge i} \min(1, (m - j + 1) p_{(j)})`.
        * ``by`` [4]_: BH multiplied by :math:`\sum_{i=1}^m 1/i`.

    Returns
    -------
    numpy.ndarray or pandas.Series
        Adjusted p-values in the input order (a Series keeps its index).
    """
    index = pvalues.index if isinstance(pvalues, pd.Series) else None
    if isinstance(pvalues, (str, bytes)):
        raise TypeError("pvalues must be a sequence of numbers")
    p = np.asarray(pvalues.to_numpy() if index is not None else pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"pvalues must be one-dimensional, got shape {p.shape}")
    if p.size and (np.isnan(p).any() or (p < 0).any() or (p > 1).any()):
        bad = p[np.isnan(p) | (p < 0) | (p > 1)][0]
        raise ValueError(f"pvalues must lie in [0, 1], got {bad!r}")
    m = p.size
    if method not in ADJUST_METHODS:
        raise ValueError(f"method must be one of {ADJUST_METHODS}, got {method!r}")
    if m == 0 or method == "none":
        out = p.copy()
    elif method == "bonferroni":
        out = np.minimum(1.0, m * p)
    elif method == "holm":
        o = np.argsort(p, kind="mergesort")
        adj = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[o]))
        out = np.empty(m)
        out[o] = adj
    else:
        o = np.argsort(p, kind="mergesort")[::-1]  # decreasing
        i = np.arange(m, 0, -1, dtype=np.float64)  # ranks m..1
        if method == "hochberg":
            factor = m - i + 1
        elif method == "bh":
            factor = m / i
        else:  # by
            factor = m / i * np.sum(1.0 / np.arange(1, m + 1))
        adj = np.minimum(1.0, np.minimum.accumulate(factor * p[o]))
        out = np.empty(m)
        out[o] = adj
    return pd.Series(out, index=index, name=getattr(pvalues, "name", None)) if index is not None else out
