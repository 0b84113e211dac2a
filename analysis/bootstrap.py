"""Bootstrap confidence intervals (BCa by default) with an explicit random generator.

References
----------
.. [1] Efron B (1987). Better bootstrap confidence intervals. *Journal of the American
   Statistical Association* 82:171-185.
.. [2] Efron B, Tibshirani RJ (1993). *An Introduction to the Bootstrap*, ch. 14.
"""
from __future__ import annotations

import inspect
import numbers
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from ._common import ConfidenceInterval, as_values, check_confidence_level

__all__ = ["BootstrapResult", "bootstrap_ci"]

_METHODS = {"bca": "BCa", "percentile": "percentile", "basic": "basic"}
_HAS_RNG = "rng" in inspect.signature(stats.bootstrap).parameters


def _generator(rng):
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None:
        return np.random.default_rng()
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"rng must be a numpy.random.Generator, an integer seed or None, got {type(rng).__name__}"
    )


@dataclass(frozen=True)
class BootstrapResult:
    """Bootstrap interval of a statistic.

    Attributes
    ----------
    estimate : float
        The statistic on the original data.
    standard_error : float
        SD of the bootstrap distribution.
    low, high : float
        Interval limits at ``confidence_level``.
    confidence_level : float
    method : str
        ``"BCa"``, ``"percentile"`` or ``"basic"``.
    n_resamples : int
    bootstrap_distribution : numpy.ndarray
    """

    estimate: float
    standard_error: float
    low: float
    high: float
    confidence_level: float
    method: str
    n_resamples: int
    bootstrap_distribution: np.ndarray = field(repr=False, compare=False)
    _rerun: Callable[[float], ConfidenceInterval] | None = field(repr=False, compare=False, default=None)

    def confidence_interval(self, confidence_level: float | None = None) -> ConfidenceInterval:
        """The interval; another level reuses the same resamples (no new draws)."""
        if confidence_level is None or confidence_level == self.confidence_level:
            return ConfidenceInterval(self.low, self.high)
        level = check_confidence_level(confidence_level)
        assert self._rerun is not None  # bootstrap_ci() always sets it
        return self._rerun(level)


def bootstrap_ci(
    data: Any, statistic: Any, confidence_level: float = 0.95, *, n_resamples: int = 9999, method: str = "BCa", rng: Any | None = None,
    paired: bool = False,
) -> BootstrapResult:
    r"""Bootstrap confidence interval of any statistic (BCa by default).

    Parameters
    ----------
    data : sequence of numbers, or tuple of sequences
        One sample, or a tuple of samples for a multi-sample statistic (resampled
        independently unless ``paired``). ``"na"`` / ``None`` are dropped; NaN raises.
    statistic : callable
        ``statistic(*samples)`` returning a scalar; if it accepts an ``axis``
        keyword it is called vectorised (much faster), as in :func:`scipy.stats.bootstrap`.
    confidence_level : float, default 0.95
    n_resamples : int, default 9999
    method : {"BCa", "percentile", "basic"}
    rng : numpy.random.Generator, int or None
        The source of randomness. Pass a Generator (or a seed) for reproducible
        results; the global NumPy state is never used nor changed.
    paired : bool, default False

    Returns
    -------
    BootstrapResult

    Notes
    -----
    Wraps :func:`scipy.stats.bootstrap`. The BCa interval [1]_ takes the percentiles
    :math:`\Phi\left(\hat z_0 + \frac{\hat z_0 + z_{\alpha}}{1 - \hat a(\hat z_0 + z_\alpha)}\right)`
    of the bootstrap distribution, with bias correction :math:`\hat z_0` and
    acceleration :math:`\hat a` from the jackknife. A statistic that does not vary
    across resamples (e.g. constant data) makes BCa undefined: ``ValueError``.
    """
    level = check_confidence_level(confidence_level)
    if not callable(statistic):
        raise TypeError("statistic must be callable")
    key = str(method).lower()
    if key not in _METHODS:
        raise ValueError(f"method must be one of BCa, percentile, basic; got {method!r}")
    if isinstance(n_resamples, bool) or not isinstance(n_resamples, numbers.Integral) or n_resamples < 1:
        raise ValueError(f"n_resamples must be a positive integer, got {n_resamples!r}")
    samples = data if isinstance(data, tuple) else (data,)
    arrays = []
    for i, s in enumerate(samples):
        x, _ = as_values(s, f"data[{i}]" if len(samples) > 1 else "data")
        if len(x) < 2:
            raise ValueError(f"each bootstrap sample needs at least 2 values, got {len(x)}")
        arrays.append(x)
    gen = _generator(rng)
    estimate = float(statistic(*arrays))
    if not np.isfinite(estimate):
        raise ValueError(f"statistic returned {estimate!r} on the data")

    def run(lvl, previous=None, resamples=n_resamples):
        kwargs = dict(
            n_resamples=resamples, confidence_level=lvl, method=_METHODS[key], paired=paired,
            bootstrap_result=previous,
        )
        kwargs["rng" if _HAS_RNG else "random_state"] = gen
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            res = stats.bootstrap(tuple(arrays), statistic, **kwargs)
        low, high = float(res.confidence_interval.low), float(res.confidence_interval.high)
        if caught or not (np.isfinite(low) and np.isfinite(high)):
            msg = "; ".join(str(w.message) for w in caught) or "non-finite limits"
            raise ValueError(f"bootstrap interval is undefined for these data ({msg})")
        return res, low, high

    res, low, high = run(level)

    def rerun(lvl):
        _, lo, hi = run(lvl, previous=res, resamples=0)
        return ConfidenceInterval(lo, hi)

    return BootstrapResult(
        estimate=estimate, standard_error=float(res.standard_error), low=low, high=high,
        confidence_level=level, method=_METHODS[key], n_resamples=int(n_resamples),
        bootstrap_distribution=res.bootstrap_distribution, _rerun=rerun,
    )
