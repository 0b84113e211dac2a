"""Shared building blocks: the interval tuple, input validation and frequency tables.

Nothing here is public API except through :mod:`analysis` re-exports.
"""
from __future__ import annotations

import math
import numbers
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np
import pandas as pd
from scipy import stats

#: Markers of a "don't know / not applicable" answer.  They are counted apart
#: (``n_na``) and excluded from every denominator.  A float NaN is *not* such a
#: marker: it is rejected, because it usually means a bug upstream.
NA_MARKER = "na"


class ConfidenceInterval(NamedTuple):
    """A two-sided confidence interval ``(low, high)``."""

    low: float
    high: float


# --------------------------------------------------------------------------- checks


def check_confidence_level(confidence_level) -> float:
    """Return ``confidence_level`` as a float in the open interval (0, 1)."""
    if isinstance(confidence_level, bool) or not isinstance(confidence_level, numbers.Real):
        raise TypeError(f"confidence_level must be a number in (0, 1), got {confidence_level!r}")
    level = float(confidence_level)
    if not (0.0 < level < 1.0):  # also rejects NaN
        raise ValueError(f"confidence_level must be in (0, 1), got {confidence_level!r}")
    return level


def z_value(confidence_level: float) -> float:
    """Two-sided standard normal quantile z_{1-(1-level)/2}."""
    return float(stats.norm.isf((1.0 - confidence_level) / 2.0))


def t_value(confidence_level: float, df: float) -> float:
    """Two-sided Student t quantile t_{df, 1-(1-level)/2}."""
    return float(stats.t.isf((1.0 - confidence_level) / 2.0, df))


def t_interval(estimate: float, se: float, df: float, confidence_level: float) -> ConfidenceInterval:
    r""":math:`\hat\theta \pm t_{df,1-\alpha/2}\,\mathrm{SE}`: the Student t interval every
    mean-like result uses (checked level, unrounded)."""
    half = t_value(check_confidence_level(confidence_level), df) * se
    return ConfidenceInterval(estimate - half, estimate + half)


def check_count(value, name: str, *, allow_zero: bool = True) -> int:
    """An integer count (int, or a float/NumPy number with an integral value)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be an integer count, got {value!r}")
    v = float(value)
    if not math.isfinite(v) or v != math.floor(v):
        raise ValueError(f"{name} must be a whole number, got {value!r}")
    if v < 0 or (v == 0 and not allow_zero):
        raise ValueError(f"{name} must be {'>= 0' if allow_zero else '> 0'}, got {value!r}")
    return int(v)


def check_real(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{name} must be finite, got {value!r}")
    return v


def check_scale(scale) -> tuple[int, int]:
    """A rating scale ``(min, max)`` of integers with ``min < max``."""
    try:
        lo, hi = scale
    except (TypeError, ValueError):
        raise TypeError(f"scale must be a pair (min, max), got {scale!r}") from None
    for v in (lo, hi):
        if isinstance(v, bool) or not isinstance(v, numbers.Real) or float(v) != math.floor(float(v)):
            raise TypeError(f"scale bounds must be integers, got {scale!r}")
    lo, hi = int(lo), int(hi)
    if not lo < hi:
        raise ValueError(f"scale min must be below max, got {scale!r}")
    return lo, hi


def _is_na_marker(x) -> bool:
    return x is None or (isinstance(x, str) and x == NA_MARKER)


def as_values(values, name: str = "values") -> tuple[np.ndarray, int]:
    """Convert raw answers to a float array, dropping not-applicable markers.

    Returns ``(array, n_na)``.  ``"na"`` and ``None`` are not-applicable markers;
    NaN, infinities, booleans and other strings raise.
    """
    out, keep = as_values_masked(values, name)
    return out[keep], int((~keep).sum())


def as_values_masked(values, name: str = "values") -> tuple[np.ndarray, np.ndarray]:
    """Like :func:`as_values` but keep the length: returns ``(array, keep)`` where
    ``keep`` is False at not-applicable answers (whose array entry is 0.0)."""
    if isinstance(values, (str, bytes, Mapping)) or values is None:
        raise TypeError(f"{name} must be a sequence of numbers, got {type(values).__name__}")
    if isinstance(values, pd.Series):
        arr = values.to_numpy()
    elif isinstance(values, np.ndarray):
        arr = values
    else:
        try:
            arr = np.asarray(values)
        except (TypeError, ValueError):
            arr = None
        if arr is None or arr.dtype.kind in "USO":
            arr = np.empty(len(values), dtype=object)
            arr[:] = list(values)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.dtype.kind in "iuf":
        out = arr.astype(np.float64, copy=False)
        keep = np.ones(out.shape, dtype=bool)
    elif arr.dtype.kind == "b":
        raise TypeError(f"{name} must be numbers, not booleans")
    else:
        items = arr.tolist()
        out = np.zeros(len(items), dtype=np.float64)
        keep = np.ones(len(items), dtype=bool)
        for i, x in enumerate(items):
            if _is_na_marker(x):
                keep[i] = False
                continue
            if isinstance(x, bool) or not isinstance(x, numbers.Real):
                raise TypeError(f"{name} contains {x!r}; expected a number or {NA_MARKER!r}")
            out[i] = float(x)
    if out.size and not np.isfinite(out).all():
        bad = out[~np.isfinite(out)][0]
        raise ValueError(
            f"{name} contains {bad!r}; mark a not-applicable answer with {NA_MARKER!r}, not NaN"
        )
    return out, keep


def as_counts(counts, name: str = "counts") -> tuple[np.ndarray, np.ndarray, int]:
    """Convert a frequency table to sorted unique values and their counts.

    Accepts a mapping ``{value: count}`` or a pandas Series indexed by value.
    Keys ``"na"`` / ``None`` are not-applicable answers.  Returns
    ``(values, counts, n_na)``; values with a zero count are dropped.
    """
    if isinstance(counts, pd.Series):
        keys = counts.index.tolist()
        freqs = counts.tolist()
    elif isinstance(counts, Mapping):
        keys = list(counts.keys())
        freqs = list(counts.values())
    else:
        raise TypeError(
            f"{name} must be a mapping {{value: count}} or a pandas Series indexed by value, "
            f"got {type(counts).__name__}"
        )
    acc: dict[float, int] = {}
    n_na = 0
    for k, c in zip(keys, freqs):
        c = check_count(c, f"{name}[{k!r}]")
        if _is_na_marker(k):
            n_na += c
            continue
        if isinstance(k, bool) or not isinstance(k, numbers.Real):
            raise TypeError(f"{name} has key {k!r}; expected a number or {NA_MARKER!r}")
        v = float(k)
        if not math.isfinite(v):
            raise ValueError(f"{name} has key {k!r}; mark not-applicable answers with {NA_MARKER!r}")
        if c:
            acc[v] = acc.get(v, 0) + c
    vals = np.array(sorted(acc), dtype=np.float64)
    cnts = np.array([acc[v] for v in vals.tolist()], dtype=np.float64)
    return vals, cnts, n_na


def values_to_counts(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    vals, cnts = np.unique(values, return_counts=True)
    return vals.astype(np.float64), cnts.astype(np.float64)


def check_on_scale(values: np.ndarray, scale: tuple[int, int], name: str) -> None:
    """Every value must be an integer point of the scale."""
    lo, hi = scale
    bad = (values < lo) | (values > hi) | (values != np.floor(values))
    if bad.any():
        raise ValueError(f"{name} contains {values[bad][0]!r}, which is off the scale {lo}..{hi}")


def moments(values: np.ndarray, counts: np.ndarray) -> tuple[float, float, float]:
    """``(n, mean, variance with n-1 divisor)`` of a frequency table (two-pass)."""
    n = float(counts.sum())
    mean = float(np.dot(counts, values) / n)
    ss = float(np.dot(counts, (values - mean) ** 2))
    var = ss / (n - 1.0) if n > 1 else 0.0
    return n, mean, var


def require_n(n: float, minimum: int, what: str) -> None:
    if n < minimum:
        raise ValueError(f"{what} needs at least {minimum} answers (excluding {NA_MARKER!r}), got n={int(n)}")
