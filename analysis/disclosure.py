"""Disclosure control and publication quality: cell suppression, the protected views of a
set of responses, k-anonymity of microdata, masking of contact details, CV quality flags.

References
----------
.. [1] Hundepool A, et al. (2012). *Statistical Disclosure Control*, Wiley, ch. 4
   (primary and secondary/complementary cell suppression in magnitude and
   frequency tables).
.. [3] Sweeney L (2002). k-anonymity: a model for protecting privacy. *International
   Journal of Uncertainty, Fuzziness and Knowledge-Based Systems* 10(5), 557-570;
   Templ M, Kowarik A, Meindl B (2015). Statistical disclosure control for micro-data
   using the R package sdcMicro, *Journal of Statistical Software* 67(4)
   (``localSuppression``: the least important key variable is suppressed first).
.. [2] Statistics Canada. Data quality indicators of survey estimates: A excellent
   (CV < 5 %), B very good (5-10 %), C good (10-15 %), D acceptable (15-25 %),
   E use with caution (25-35 %), F too unreliable to be published (>= 35 %).
"""
from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._common import check_count

__all__ = [
    "QUALITY_LABELS",
    "STATCAN_CV_THRESHOLDS",
    "SUPPRESSED_CODE",
    "SuppressionResult",
    "coefficient_of_variation",
    "k_anonymize",
    "mask_contact_details",
    "protect_cells",
    "protected_views",
    "quality_flag",
    "suppress",
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


def coefficient_of_variation(estimate, se):
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


def quality_flag(cv, thresholds=STATCAN_CV_THRESHOLDS):
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


def suppress(table, min_n=10, *, suppress_zeros=False):
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
    totals = []
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


# --------------------------------------------------------------------------- protected views


@functools.lru_cache(maxsize=64)
def _signed_combinations(size: int, depth: int) -> np.ndarray:
    """Every vector of coefficients in {-1, 0, 1} over ``size`` lines with 1 to ``depth``
    non-zero entries, the first non-zero one positive (a combination and its negation
    pin down the same group)."""
    rows = []
    for k in range(1, min(depth, size) + 1):
        for combo in itertools.combinations(range(size), k):
            for signs in itertools.product((1, -1), repeat=k - 1):
                row = np.zeros(size, dtype=np.int8)
                row[combo[0]] = 1
                row[list(combo[1:])] = signs
                rows.append(row)
    return np.array(rows, dtype=np.int8).reshape(-1, size)


def _violations(values: np.ndarray, vectors: np.ndarray, min_n: int, depth: int) -> list[np.ndarray]:
    """Combinations of up to ``depth`` published lines (rows of ``vectors``: the hidden
    cells each line's published sum covers) whose result is a 0/1 set of hidden cells
    holding between 1 and ``min_n - 1`` units; each as the indices of the lines involved."""
    if vectors.shape[0] == 0:
        return []
    coefficients = _signed_combinations(vectors.shape[0], depth)
    out: list[np.ndarray] = []
    for block in range(0, coefficients.shape[0], 4096):
        c = coefficients[block:block + 4096]
        combined = c.astype(np.float64) @ vectors
        for sign in (1.0, -1.0):
            w = sign * combined
            group = np.all((w == 0) | (w == 1), axis=1)
            units = w @ values
            bad = group & (units > 0) & (units < min_n)
            out.extend(np.flatnonzero(c[i]) for i in np.flatnonzero(bad))
    return out


def _protect(values: np.ndarray, lines: Sequence[np.ndarray], min_n: int, forced: np.ndarray | None,
             depth: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """:func:`protect_cells`, also returning the violations no hidden cell can mend (the
    lines involved have nothing left to hide: one of their sums must be withheld)."""
    mask = values < min_n
    if forced is not None:
        mask |= forced
    for _ in range(values.size + 1):
        vectors = np.array([np.isin(np.arange(values.size), line[mask[line]]) for line in lines],
                           dtype=np.float64).reshape(len(lines), values.size)
        stuck = []
        changed = False
        for combo in _violations(values, vectors, min_n, depth):
            cells = np.unique(np.concatenate([lines[j] for j in combo]))
            open_cells = cells[~mask[cells] & (values[cells] > 0)]
            if open_cells.size:
                mask[open_cells[np.argmin(values[open_cells])]] = True
                changed = True
                break
            stuck.append(combo)
        if not changed:
            exposed = _exposed(values, mask, lines, min_n)
            if exposed is not None:
                for line in lines:
                    if exposed in line:
                        open_cells = line[~mask[line] & (values[line] > 0)]
                        if open_cells.size:
                            mask[open_cells[np.argmin(values[open_cells])]] = True
                            changed = True
                            break
        if not changed:
            return mask, stuck
    return mask, []


def protect_cells(values, lines: Sequence[Sequence[int]], min_n: int = 10, *, forced=None,
                  depth: int = 3) -> np.ndarray:
    r"""Which cells to hide so that no small group can be derived from published sums.

    Parameters
    ----------
    values : array of whole numbers >= 0
        Units (responses, answers) per cell; cells are published one by one unless hidden.
    lines : sequence of index sequences
        Sets of cells whose sum is published (a table's total, row and column totals).
    min_n : int
        Smallest group that may be published.
    forced : array of bool, optional
        Cells that are never published (values not offered), hidden from the start.
    depth : int
        Combinations of up to this many lines are audited.

    Returns
    -------
    numpy.ndarray of bool, True where hidden.

    Notes
    -----
    Primary suppression hides every cell below ``min_n`` (an empty cell too: it is not
    offered, and holds nobody). Then, as complementary suppression [1]_ but for groups
    rather than single cells: a published line minus its published cells gives the sum of
    its hidden cells, so that sum must be 0 or at least ``min_n``; the same holds for the
    sums and differences of up to ``depth`` lines (a 0/1 combination of hidden cells is a
    group). Each violation hides the smallest positive published cell of the lines
    involved, until none is left; finally no hidden cell below ``min_n`` may be
    exactly determined by the lines (the rank audit of :func:`suppress`).
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    min_n = check_count(min_n, "min_n", allow_zero=False)
    forced = None if forced is None else np.asarray(forced, dtype=bool).ravel()
    arrays = [np.asarray(line, dtype=np.int64) for line in lines if len(line)]
    return _protect(values, arrays, min_n, forced, depth)[0]


def _exposed(values: np.ndarray, mask: np.ndarray, lines: Sequence[np.ndarray], min_n: int) -> int | None:
    """A hidden cell of 1 to ``min_n - 1`` units that the published lines determine
    exactly, or None (a determined cell of ``min_n`` or more is a publishable group)."""
    cells = [c for c in np.flatnonzero(mask) if 0 < values[c] < min_n]
    if not cells or not lines:
        return None
    position = {c: j for j, c in enumerate(np.flatnonzero(mask))}
    A = np.zeros((len(lines), len(position)))
    for i, line in enumerate(lines):
        for c in line:
            if c in position:
                A[i, position[c]] = 1.0
    rank = np.linalg.matrix_rank(A)
    for c in cells:
        e = np.zeros((1, len(position)))
        e[0, position[c]] = 1.0
        if np.linalg.matrix_rank(np.vstack([A, e])) == rank:
            return int(c)
    return None


View = tuple  # ((dimension, value), ...) in the order of the dimensions; () is everyone


def _attempt(cells: Mapping[tuple, int], dimensions: Sequence[str], min_n: int, hidden: set,
             depth: int) -> tuple[set, tuple | None]:
    """One pass of :func:`protected_views`: the views, or a one-filter view that must be
    withheld before the pass can succeed."""
    published: set[View] = {()}
    keys = list(cells)
    units = np.array([cells[k] for k in keys], dtype=np.float64)
    values = {d: sorted({k[i] for k in keys}, key=lambda v: (v is None, str(v))) for i, d in enumerate(dimensions)}
    for i, d in enumerate(dimensions):
        margin: dict = {}
        for key, n in cells.items():
            margin[key[i]] = margin.get(key[i], 0) + n
        labels = values[d]
        counts = np.array([margin[v] for v in labels], dtype=np.float64)
        forced = np.array([v is None or ((d, v),) in hidden for v in labels])
        mask, _ = _protect(counts, [np.arange(len(labels))], min_n, forced, 1)
        published.update(((d, v),) for v, m in zip(labels, mask) if not m)
    # every one-filter view and the total over the full cross-classification: no
    # combination of up to `depth + 1` of them may isolate a small group
    singles = sorted((v for v in published if len(v) == 1), key=str)
    lines = [np.arange(len(keys))] + [
        np.array([a for a, k in enumerate(keys) if k[dimensions.index(v[0][0])] == v[0][1]]) for v in singles]
    vectors = np.array([np.isin(np.arange(len(keys)), line) for line in lines], dtype=np.float64)
    for combo in _violations(units, vectors, min_n, depth + 1):
        involved = [singles[j - 1] for j in combo if j > 0]
        if involved:
            return published, min(involved, key=lambda v: float(units[lines[singles.index(v) + 1]].sum()))
    for (i, d1), (j, d2) in itertools.combinations(enumerate(dimensions), 2):
        rows, cols = values[d1], values[d2]
        table = np.zeros((len(rows), len(cols)))
        r_at = {v: k for k, v in enumerate(rows)}
        c_at = {v: k for k, v in enumerate(cols)}
        for key, n in cells.items():
            table[r_at[key[i]], c_at[key[j]]] += n
        forced = np.zeros(table.shape, dtype=bool)
        for r, rv in enumerate(rows):
            for c, cv in enumerate(cols):
                forced[r, c] = (((d1, rv),) not in published or ((d2, cv),) not in published
                                or ((d1, rv), (d2, cv)) in hidden)
        C = len(cols)
        line_views: list = [()]
        lines = [np.arange(table.size)]
        for r, rv in enumerate(rows):
            if ((d1, rv),) in published:
                line_views.append(((d1, rv),))
                lines.append(np.array([r * C + c for c in range(C)]))
        for c, cv in enumerate(cols):
            if ((d2, cv),) in published:
                line_views.append(((d2, cv),))
                lines.append(np.array([r * C + c for r in range(len(rows))]))
        mask, stuck = _protect(table.ravel(), lines, min_n, forced.ravel(), depth)
        for combo in stuck:
            involved = [line_views[k] for k in combo if line_views[k]]
            if involved:
                return published, min(involved, key=lambda v: float(table.ravel()[lines[line_views.index(v)]].sum()))
        mask = mask.reshape(table.shape)
        published.update(((d1, rows[r]), (d2, cols[c])) for r, c in zip(*np.nonzero(~mask)))
    return published, None


def protected_views(cells: Mapping[tuple, int], dimensions: Sequence[str], min_n: int = 10, *,
                    hidden: frozenset | set | None = None, depth: int = 3) -> frozenset:
    """The views (all, one filter, two filters) that may be published for a set of units.

    Parameters
    ----------
    cells : mapping
        ``(value of dimension 1, value of dimension 2, ...) -> units``; a value of None
        (e.g. no site) is never offered as a filter.
    dimensions : names of the dimensions, in the order of the cells' keys.
    min_n : smallest group that may be published.
    hidden : views that are never published whatever their size (those refused at a
        coarser level: the responses' pattern when protecting one question's answers).
    depth : combinations of up to this many lines of a table are audited (one more for
        the one-filter views over the full cross-classification).

    Returns
    -------
    frozenset of views: ``()`` for everyone, ``((d, v),)`` for one filter,
    ``((d1, v1), (d2, v2))`` for two (dimensions in the order given).

    Notes
    -----
    Decided once for the whole set of views: a value of a dimension is offered when the
    one-way table of that dimension passes :func:`protect_cells` (its total published) and
    no combination of one-filter views of several dimensions isolates a small group; a
    pair of values when the two-way table of two dimensions passes it with its offered
    rows, offered columns and total as the published lines. Values not offered are hidden
    in every table; when a violation cannot be mended by hiding a cell, the smallest
    one-filter view involved is withheld and the pattern recomputed. Every view then holds
    at least ``min_n`` units, and no audited combination of views isolates fewer.
    """
    hidden = set(hidden or ())
    if int(sum(cells.values())) < min_n or () in hidden:
        return frozenset()
    for _ in range(len(cells) * len(dimensions) + 2):
        published, stuck = _attempt(cells, dimensions, min_n, hidden, depth)
        if stuck is None:
            return frozenset(published)
        hidden.add(stuck)
    return frozenset({()})


# --------------------------------------------------------------------------- microdata

#: The code that replaces a quasi-identifier's value by local suppression.
SUPPRESSED_CODE = "<10"


def k_anonymize(frame: pd.DataFrame, quasi_identifiers: Sequence[str], k: int = 10,
                code: str = SUPPRESSED_CODE) -> tuple[pd.DataFrame, dict[str, int]]:
    """Local suppression until every combination of quasi-identifiers holds ``k`` rows.

    Parameters
    ----------
    frame : one row per respondent.
    quasi_identifiers : columns an outsider could know, least important first: the first
        is suppressed first (sdcMicro's ``localSuppression`` with an importance order [3]_).
    k : smallest class size.
    code : the value written instead of a suppressed one; it is a category of its own
        (stricter than sdcMicro's wildcard: a suppressed value matches only itself).

    Returns
    -------
    (frame, suppressed) : a copy of the frame, and per quasi-identifier how many values
    were suppressed. Rows still in a class below ``k`` once every quasi-identifier is
    suppressed are merged with the smallest other classes (their values suppressed too);
    when the whole frame holds fewer than ``k`` rows nothing can protect it and every
    quasi-identifier is suppressed.
    """
    k = check_count(k, "k", allow_zero=False)
    out = frame.copy()
    qis = [q for q in quasi_identifiers if q in out.columns]
    counts = dict.fromkeys(qis, 0)
    if not qis or out.empty:
        return out, counts
    for q in qis:
        out[q] = out[q].astype(object).where(out[q].notna(), "")

    def small() -> np.ndarray:
        sizes = out.groupby(qis, sort=False)[qis[0]].transform("size")
        return (sizes < k).to_numpy()

    for q in qis:
        rows = small() & (out[q] != code).to_numpy()
        if not rows.any():
            break
        counts[q] += int(rows.sum())
        out.loc[rows, q] = code
    rows = small()
    while rows.any():
        # the all-suppressed class is still too small: suppress the smallest other class
        sizes = out.groupby(qis, sort=False)[qis[0]].transform("size").to_numpy()
        others = ~rows & (sizes > 0)
        others &= ~np.all(out[qis].to_numpy() == code, axis=1)
        if not others.any():
            break
        smallest = sizes[others].min()
        target = others & (sizes == smallest)
        first = np.flatnonzero(target)[0]
        same = np.all(out[qis].to_numpy() == out[qis].to_numpy()[first], axis=1)
        for q in qis:
            counts[q] += int((same & (out[q] != code).to_numpy()).sum())
            out.loc[same, q] = code
        rows = small()
    return out, counts


# --------------------------------------------------------------------------- contact details

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<!\w)(?:\+?1[\s.-]?)?\(?\d{3}\)?[\s.-]?\d{3}[\s.-]?\d{4}(?!\w)"
                    r"|(?<!\w)\d{3}[\s.-]\d{4}(?!\w)")
_STREET_WORDS = (r"rue|boul(?:evard)?\.?|boul\.|bd|av(?:enue)?\.?|ave\.?|chemin|ch\.|route|rang|place|"
                 r"côte|cote|montée|montee|promenade|ruelle|carré|square|impasse|allée|allee|"
                 r"street|st\.?|road|rd\.?|drive|dr\.?|lane|ln\.?|court|ct\.?|crescent|way|terrace|"
                 r"highway|parkway|circle|trail")
# "1234 rue Sainte-Catherine", "12, boul. René-Lévesque", "45 Main Street", "apt 3, 7 av. du Parc"
_ADDRESS = re.compile(
    r"(?<!\w)\d{1,6}[A-Za-z]?(?:\s*-\s*\d{1,6})?,?\s+"
    r"(?:(?:" + _STREET_WORDS + r")\s+[\w'’.-]+(?:[ \t]+(?!\d)[\w'’.-]+){0,3}"
    r"|(?:[A-ZÀ-Ý][\w'’.-]*[ \t]+){1,3}(?:" + _STREET_WORDS + r")(?!\w))",
    re.IGNORECASE | re.UNICODE)
_POSTAL = re.compile(r"(?<!\w)[A-Z]\d[A-Z][ -]?\d[A-Z]\d(?!\w)", re.IGNORECASE)
#: What replaces a detected email, phone number or civic address.
MASK = "[…]"


def mask_contact_details(text: str | None) -> str | None:
    """``text`` with emails, phone numbers, civic addresses and postal codes masked.

    A simple detector by regular expressions, in French and English forms ("1234 rue
    Sainte-Catherine", "12, boul. René-Lévesque", "45 Main Street", "418 555-0199",
    "(514) 555-0123", "H2X 1Y4"): it errs on the side of masking; names alone are not
    detected.
    """
    if not text:
        return text
    for pattern in (_EMAIL, _ADDRESS, _PHONE, _POSTAL):
        text = pattern.sub(MASK, text)
    return text
