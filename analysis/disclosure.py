"""Disclosure control and publication quality: cell suppression and CV quality flags.

References
----------
.. [1] Hundepool A, et al. (2012). *Statistical Disclosure Control*, Wiley, ch. 4
   (primary and secondary/complementary cell suppression in magnitude and
   frequency tables).
.. [2] Statistics Canada. Data quality indicators of survey estimates: A excellent
   (CV < 5 %), B very good (5-10 %), C good (10-15 %), D acceptable (15-25 %),
   E use with caution (25-35 %), F too unreliable to be published (>= 35 %).
"""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
import pandas as pd

from ._common import check_count

__all__ = [
    "SuppressionResult",
    "suppress",
    "coefficient_of_variation",
    "quality_flag",
    "STATCAN_CV_THRESHOLDS",
    "QUALITY_LABELS",
]

#: Upper CV bounds (percent, exclusive) of quality letters A-E; F above the last one.
STATCAN_CV_THRESHOLDS = (("A", 5.0), ("B", 10.0), ("C", 15.0), ("D", 25.0), ("E", 35.0))
QUALITY_LABELS = {
    "A": "excellent",
    "B": "very good",
    "C": "good",
    "D": "acceptable",
    "E": "use with caution",
    "F": "too unreliable to be published",
}


def coefficient_of_variation(estimate: ArrayLike, se: ArrayLike) -> float | np.ndarray:
    r"""CV in percent, :math:`100\,SE/|\hat\theta|`; :math:`+\infty` when the estimate is 0.

    Vectorised over arrays. NaN or negative SE raises ``ValueError``.
    """
    est = np.asarray(estimate, dtype=np.float64)
    s = np.asarray(se, dtype=np.float64)
    if np.isnan(est).any() or np.isnan(s).any() or (s < 0).any():
        raise ValueError("estimate and se must be numbers, with se >= 0")
    with np.errstate(divide="ignore", invalid="ignore"):
        cv = np.where(est == 0, np.inf, 100.0 * s / np.abs(est))
    return float(cv) if cv.ndim == 0 else cv


def quality_flag(cv: ArrayLike, thresholds: Any = STATCAN_CV_THRESHOLDS) -> str | np.ndarray:
    """Quality letter of a CV in percent (Statistics Canada style, see [2]_).

    ``A`` excellent (< 5 %), ``B`` very good (< 10), ``C`` good (< 15), ``D``
    acceptable (< 25), ``E`` use with caution (< 35), ``F`` too unreliable to be
    published (>= 35 %, or an infinite CV). Vectorised: an array gives an array of
    letters. ``thresholds`` is a sequence of ``(letter, upper bound)`` in increasing
    order; beyond the last bound the letter is ``F``.
    """
    c = np.asarray(cv, dtype=np.float64)
    if np.isnan(c).any() or (c < 0).any():
        raise ValueError("cv must be a number >= 0 (percent)")
    bounds = [b for _, b in thresholds]
    if any(b2 <= b1 for b1, b2 in itertools.pairwise(bounds)):
        raise ValueError("thresholds must be increasing")
    letters = np.array([t for t, _ in thresholds] + ["F"], dtype=object)
    idx = np.searchsorted(np.asarray(bounds), c, side="right")
    if c.ndim == 0:
        return str(letters[int(idx)])
    return letters[idx]


@dataclass(frozen=True)
class SuppressionResult:
    """A frequency table after primary and complementary suppression.

    Attributes
    ----------
    table : pandas.DataFrame or Series
        Counts as nullable integers, ``<NA>`` where suppressed.
    mask : same shape, bool
        True where a cell is suppressed (primary or complementary).
    primary : same shape, bool
        Cells below ``min_n``.
    complementary : same shape, bool
        Cells hidden only to protect primary cells.
    suppressed_totals : tuple
        Labels (``("row", label)`` / ``("column", label)`` / ``("total",)``) of
        published totals that must be withheld too, because their line had no other
        cell to hide.
    min_n : int
    """

    table: object = field(repr=False)
    mask: object = field(repr=False)
    primary: object = field(repr=False)
    complementary: object = field(repr=False)
    suppressed_totals: tuple
    min_n: int

    @property
    def n_suppressed(self) -> int:
        return int(np.asarray(self.mask).sum())


def _determined(mask: np.ndarray) -> list[tuple[int, int]]:
    """Suppressed cells that row and column totals pin down exactly (linear algebra)."""
    cells = list(zip(*np.nonzero(mask)))
    if not cells:
        return []
    R, C = mask.shape
    A = np.zeros((R + C, len(cells)))
    for j, (r, c) in enumerate(cells):
        A[r, j] = 1.0
        A[R + c, j] = 1.0
    rank = np.linalg.matrix_rank(A)
    out = []
    for j, cell in enumerate(cells):
        e = np.zeros((1, len(cells)))
        e[0, j] = 1.0
        if np.linalg.matrix_rank(np.vstack([A, e])) == rank:
            out.append(cell)
    return out


def _pick(values, mask, candidates, prefer):
    """Smallest unsuppressed positive cell among candidates, preferring ``prefer``."""
    best = None
    for cell in candidates:
        if mask[cell] or values[cell] <= 0:
            continue
        key = (0 if prefer(cell) else 1, values[cell])
        if best is None or key < best[0]:
            best = (key, cell)
    if best is None:  # fall back to zero cells: hiding them still protects the sum
        for cell in candidates:
            if not mask[cell]:
                key = (0 if prefer(cell) else 1, values[cell])
                if best is None or key < best[0]:
                    best = (key, cell)
    return None if best is None else best[1]


def suppress(table: Any, min_n: int = 10, *, suppress_zeros: bool = False) -> SuppressionResult:
    r"""Suppress small cells of a frequency table, with complementary suppression.

    Parameters
    ----------
    table : pandas.Series or pandas.DataFrame
        Counts (whole numbers >= 0). A Series is a one-way table whose total is
        published; a DataFrame a two-way table whose row and column totals are
        published.
    min_n : int, default 10
        Cells with ``0 < count < min_n`` are suppressed (primary suppression).
    suppress_zeros : bool, default False
        Also suppress empty cells (zeros are usually structural and safe).

    Returns
    -------
    SuppressionResult

    Notes
    -----
    After primary suppression, a hidden cell alone in its row or column could be
    recovered as the total minus the published cells, so a second cell is hidden
    in that line: the smallest positive unsuppressed cell, preferring one whose
    other line already holds a suppressed cell [1]_. The pattern is then audited:
    a suppressed cell is exactly recoverable from the published totals iff its unit
    vector lies in the row space of the line-incidence matrix of the suppressed
    cells; such cells get a further complementary suppression until none is left.
    This guarantees that no suppressed count can be derived exactly from the
    published table and its totals; it does not bound interval (range) disclosure.
    """
    min_n = check_count(min_n, "min_n", allow_zero=False)
    one_way = isinstance(table, pd.Series)
    if not one_way and not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas Series or DataFrame, got {type(table).__name__}")
    frame = table.to_frame() if one_way else table
    if frame.size == 0:
        raise ValueError("table is empty")
    try:
        values = frame.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError("table must hold numeric counts") from None
    if np.isnan(values).any() or (values < 0).any() or (values != np.floor(values)).any():
        raise ValueError("table must hold whole-number counts >= 0 (no NaN)")
    primary = (values < min_n) & ((values > 0) | suppress_zeros)
    mask = primary.copy()
    R, C = values.shape
    totals: list[tuple] = []
    for _ in range(values.size + 1):
        changed = False
        # one-way tables: treat as a single column whose total is published
        for r in range(R) if not one_way else []:
            row = [(r, c) for c in range(C)]
            if sum(mask[cell] for cell in row) == 1:
                pick = _pick(values, mask, row, lambda cell: mask[:, cell[1]].sum() > 0)
                if pick is None:
                    if ("row", frame.index[r]) not in totals:
                        totals.append(("row", frame.index[r]))
                else:
                    mask[pick] = True
                    changed = True
        for c in range(C):
            col = [(r, c) for r in range(R)]
            if sum(mask[cell] for cell in col) == 1:
                pick = _pick(values, mask, col, lambda cell: (not one_way) and mask[cell[0], :].sum() > 0)
                if pick is None:
                    label = ("total",) if one_way else ("column", frame.columns[c])
                    if label not in totals:
                        totals.append(label)
                else:
                    mask[pick] = True
                    changed = True
        if not changed and not one_way:
            exposed = [cell for cell in _determined(mask)
                       if ("row", frame.index[cell[0]]) not in totals
                       and ("column", frame.columns[cell[1]]) not in totals]
            if exposed:
                r, c = exposed[0]
                row = [(r, cc) for cc in range(C)]
                pick = _pick(values, mask, row, lambda cell: mask[:, cell[1]].sum() > 0)
                if pick is None:
                    totals.append(("row", frame.index[r]))
                else:
                    mask[pick] = True
                changed = True
        if not changed:
            break
    published = pd.DataFrame(values.astype(np.int64), index=frame.index, columns=frame.columns).astype("Int64")
    published = published.mask(mask)
    mk = lambda a: pd.DataFrame(a, index=frame.index, columns=frame.columns)
    if one_way:
        name = table.name
        out = (published.iloc[:, 0].rename(name), mk(mask).iloc[:, 0].rename(name),
               mk(primary).iloc[:, 0].rename(name), mk(mask & ~primary).iloc[:, 0].rename(name))
    else:
        out = (published, mk(mask), mk(primary), mk(mask & ~primary))
    return SuppressionResult(*out, suppressed_totals=tuple(totals), min_n=min_n)
