"""Sample size and margin of error, with finite population correction and design effect.

References
----------
.. [1] Cochran WG (1977). *Sampling Techniques*, 3rd ed., Wiley, s. 4.4-4.6
   (:math:`n_0 = z^2 PQ/d^2`, :math:`n = n_0/(1 + (n_0 - 1)/N)`).
.. [2] Kish L (1965). *Survey Sampling*, Wiley (design effect).
"""
from __future__ import annotations

import math

from ._common import check_confidence_level, check_count, check_real, z_value

__all__ = ["sample_size", "margin_of_error"]


def _variance_unit(p, sd):
    if sd is not None:
        s = check_real(sd, "sd")
        if s <= 0:
            raise ValueError(f"sd must be > 0, got {sd!r}")
        return s * s
    q = check_real(p, "p")
    if not 0.0 < q < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    return q * (1.0 - q)


def _deff(deff):
    d = check_real(deff, "deff")
    if d <= 0:
        raise ValueError(f"deff must be > 0, got {deff!r}")
    return d


def sample_size(
    margin: float, confidence_level: float = 0.95, p: float = 0.5, population: float | None = None, deff: float = 1.0, *, sd: float | None = None
) -> int:
    r"""Number of completed responses for a given margin of error.

    Parameters
    ----------
    margin : float
        Half-width of the interval: on the proportion scale (0.05 = +/-5 points of
        percent) by default, or in the units of ``sd`` when ``sd`` is given (e.g.
        index points with the SD of the index, about 25-30 points on a 1-5 scale).
    confidence_level : float, default 0.95
    p : float, default 0.5
        Anticipated proportion (0.5 is the most conservative).
    population : int, optional
        Population size N for the finite population correction.
    deff : float, default 1.0
        Design effect (e.g. Kish's :math:`1 + CV_w^2` of the expected weights).
    sd : float, optional
        Anticipated standard deviation, for a mean or an index instead of a proportion.

    Returns
    -------
    int
        :math:`n = \lceil n_0 / (1 + (n_0 - 1)/N) \rceil` with
        :math:`n_0 = z^2\,\mathrm{deff}\,p(1-p)/d^2` (or :math:`z^2\,\mathrm{deff}\,\sigma^2/d^2`)
        [1]_; without ``population``, :math:`\lceil n_0 \rceil`.

    Examples
    --------
    >>> sample_size(0.05)                    # +/-5 points at 95 %, p = 0.5
    385
    >>> sample_size(0.05, population=1000)   # a counter with 1,000 visitors a cycle
    278
    >>> sample_size(5, sd=25)                # index +/-5 points, SD 25 points
    97
    """
    level = check_confidence_level(confidence_level)
    d = check_real(margin, "margin")
    if d <= 0:
        raise ValueError(f"margin must be > 0, got {margin!r}")
    if sd is None and d >= 1:
        raise ValueError(f"margin of a proportion must be below 1 (0.05 for 5 points), got {margin!r}")
    z = z_value(level)
    n0 = z * z * _deff(deff) * _variance_unit(p, sd) / (d * d)
    if population is not None:
        N = check_count(population, "population", allow_zero=False)
        n0 = n0 / (1.0 + (n0 - 1.0) / N)
        return int(min(N, math.ceil(n0 - 1e-9)))
    return math.ceil(n0 - 1e-9)


def margin_of_error(
    n: float, p: float = 0.5, population: float | None = None, confidence_level: float = 0.95, deff: float = 1.0, *, sd: float | None = None
) -> float:
    r"""Margin of error (half-width of the normal interval) for ``n`` responses.

    :math:`d = z\sqrt{\mathrm{deff}\,p(1-p)/n \cdot (N - n)/(N - 1)}` [1]_ (the last
    factor only with ``population``); with ``sd``, :math:`\sigma^2` replaces
    :math:`p(1-p)`. The inverse of :func:`sample_size` (before rounding up).

    Returns
    -------
    float
        On the proportion scale (0.049 = +/-4.9 points), or in the units of ``sd``.
    """
    level = check_confidence_level(confidence_level)
    m = check_count(n, "n", allow_zero=False)
    var = _deff(deff) * _variance_unit(p, sd) / m
    if population is not None:
        N = check_count(population, "population", allow_zero=False)
        if m > N:
            raise ValueError(f"n={m} exceeds population={N}")
        var *= (N - m) / (N - 1) if N > 1 else 0.0
    return z_value(level) * math.sqrt(var)
