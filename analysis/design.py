"""The survey design behind every design-based estimate: strata, primary sampling units,
finite population corrections, lonely PSUs, domains and calibration residuals.

A :class:`SurveyDesign` is built once from per-row labels and weights; its
:meth:`SurveyDesign.variance` turns per-row influence values (the linearised estimator)
into a design-based covariance matrix exactly as R's ``survey:::svyrecvar`` does for a
one-stage (ultimate cluster) design: the raking residuals of a calibrated design first,
then per stratum the PSU totals centred on their stratum mean, scaled by
:math:`(1 - f_h)\\,n_h/(n_h - 1)`. Written out rather than taken from a library because
no maintained Python package reproduces R's domain, lonely-PSU and raking conventions,
which the published figures must match.

References
----------
.. [1] Lumley T (2010). *Complex Surveys: A Guide to Analysis Using R*, Wiley: ch. 2
   (strata, clusters, fpc), s. 2.8 (domains), ch. 7 (raking, calibrated variance).
.. [2] Deville JC, Särndal CE (1992). Calibration estimators in survey sampling.
   *JASA* 87:376-382 (the calibrated estimator's variance is that of the residuals
   of the linearised variable on the calibration variables).
.. [3] Wolter KM (2007). *Introduction to Variance Estimation*, 2nd ed., Springer, ch. 6.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._common import check_real

__all__ = [
    "LONELY_PSU_OPTIONS",
    "SurveyDesign",
    "as_domain",
    "as_labels",
    "as_weights",
    "build_design",
    "design_mean_parts",
    "sampling_fractions",
]

#: R's ``options(survey.lonely.psu = ...)`` values.
LONELY_PSU_OPTIONS = ("fail", "adjust", "average", "certainty", "remove")

#: R's ``svyrecvar`` sweeps the raking residuals this many times (not to convergence).
_RAKING_SWEEPS = 10


def _rowsum(codes, x):
    """Column sums of ``x`` (n x p) by integer group ``codes`` (R's ``rowsum``)."""
    size = int(codes.max()) + 1
    return np.column_stack([np.bincount(codes, weights=x[:, j], minlength=size) for j in range(x.shape[1])])


def as_labels(arr, name, size):
    """Integer codes and unique labels of a per-row label sequence (``None`` -> one label)."""
    if arr is None:
        return np.zeros(size, dtype=np.int64), np.array([None], dtype=object)
    if isinstance(arr, (str, bytes)) or np.ndim(arr) != 1:
        raise TypeError(f"{name} must be a one-dimensional sequence of labels")
    if len(arr) != size:
        raise ValueError(f"{name} has length {len(arr)}, but values has length {size}")
    codes, uniques = pd.factorize(pd.Series(arr, dtype=object if not isinstance(arr, pd.Series) else None), use_na_sentinel=True)
    if (codes < 0).any():
        raise ValueError(f"{name} contains a missing label")
    return codes.astype(np.int64), np.asarray(uniques, dtype=object)


def as_weights(weights, size, name="weights"):
    """Sampling weights as a float array (1 when ``None``); finite and > 0, else ValueError."""
    if weights is None:
        return np.ones(size)
    w = np.asarray(weights.to_numpy() if isinstance(weights, pd.Series) else weights)
    if w.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if w.dtype.kind not in "iuf":
        raise TypeError(f"{name} must be numeric, got dtype {w.dtype}")
    if len(w) != size:
        raise ValueError(f"{name} has length {len(w)}, but values has length {size}")
    w = w.astype(np.float64)
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise ValueError(f"{name} must be finite and > 0, got {w[bad][0]!r}")
    return w


def as_domain(domain, size):
    """A boolean domain mask of length ``size`` (all True when ``None``)."""
    if domain is None:
        return np.ones(size, dtype=bool)
    d = np.asarray(domain.to_numpy() if isinstance(domain, pd.Series) else domain)
    if d.ndim != 1:
        raise ValueError("domain must be a one-dimensional boolean mask")
    if d.dtype.kind != "b":
        raise TypeError(f"domain must be a boolean mask, got dtype {d.dtype}")
    if len(d) != size:
        raise ValueError(f"domain has length {len(d)}, but values has length {size}")
    return d.astype(bool)


def sampling_fractions(fpc, strata_codes, strata_labels, psu_per_stratum, row_mask):
    """Sampling fraction :math:`f_h` per stratum code from ``fpc`` (0 without ``fpc``).

    ``fpc`` is a scalar, a mapping stratum -> value or one value per row (``row_mask``
    selects the design's rows); values > 1 are population sizes :math:`N_h` (then
    :math:`f_h = n_h/N_h`), values <= 1 sampling fractions, as R's ``svydesign(fpc=)``.
    """
    H = len(strata_labels)
    if fpc is None:
        return np.zeros(H)
    if isinstance(fpc, Mapping):
        vals = []
        for lab in strata_labels:
            if lab not in fpc:
                raise ValueError(f"fpc has no entry for stratum {lab!r}")
            vals.append(check_real(fpc[lab], f"fpc[{lab!r}]"))
        raw = np.array(vals)
    elif np.ndim(fpc) == 0:
        raw = np.full(H, check_real(fpc, "fpc"))
    else:
        arr = np.asarray(fpc, dtype=np.float64)
        if arr.ndim != 1 or len(arr) != len(row_mask):
            raise ValueError("fpc must be a scalar, a mapping stratum -> size or one value per row")
        arr = arr[row_mask]
        if not np.isfinite(arr).all():
            raise ValueError("fpc contains a non-finite value")
        raw = np.empty(H)
        for h in range(H):
            v = np.unique(arr[strata_codes == h])
            if len(v) != 1:
                raise ValueError(f"fpc varies within stratum {strata_labels[h]!r}: {v.tolist()}")
            raw[h] = v[0]
    if (raw <= 0).any():
        raise ValueError(f"fpc must be > 0, got {raw[raw <= 0][0]!r}")
    if (raw <= 1).all():
        f = raw  # sampling fractions
    elif (raw > 1).all():
        if (raw < psu_per_stratum).any():
            h = int(np.argmax(raw < psu_per_stratum))
            raise ValueError(
                f"fpc population size {raw[h]!r} is below the sample size "
                f"{int(psu_per_stratum[h])} in stratum {strata_labels[h]!r}"
            )
        f = psu_per_stratum / raw
    else:
        raise ValueError("fpc mixes sampling fractions (<= 1) and population sizes (> 1)")
    return f


@dataclass(frozen=True, eq=False)
class SurveyDesign:
    """A one-stage stratified cluster design over ``n`` rows (R's ``svydesign``).

    Attributes
    ----------
    weights : ndarray
        Sampling weights :math:`w_i` (calibrated weights for a calibrated design).
    stratum : ndarray of int
        Stratum code of each row.
    psu : ndarray of int
        PSU code of each row (unique across strata).
    psu_stratum : ndarray of int
        Stratum code of each PSU.
    n_psu : ndarray of float
        Number of PSUs :math:`n_h` per stratum in the whole design.
    fraction : ndarray of float
        Sampling fraction :math:`f_h` per stratum (0 without fpc).
    strata_labels : ndarray
    clustered : bool
        True when PSUs were given (else every row is its own PSU).
    margins : tuple of (codes, weights)
        Raking margins of a calibrated design, in the order of the last raking pass:
        each row's category and the weights just after that margin was matched.
    lonely_psu : str
    """

    weights: np.ndarray
    stratum: np.ndarray
    psu: np.ndarray
    psu_stratum: np.ndarray
    n_psu: np.ndarray
    fraction: np.ndarray
    strata_labels: np.ndarray
    clustered: bool
    margins: tuple
    lonely_psu: str

    @property
    def n(self) -> int:
        return len(self.weights)

    def degrees_of_freedom(self, in_domain=None) -> float:
        """#PSUs - #strata among the rows of the domain (R's ``degf`` of the subset)."""
        rows = slice(None) if in_domain is None else in_domain
        return float(len(np.unique(self.psu[rows])) - len(np.unique(self.stratum[rows])))

    def calibration_residuals(self, x):
        r"""R's raking residuals of the influence matrix ``x`` (n x p).

        For each sweep and each margin with weights :math:`w^{(m)}`,
        :math:`x \leftarrow x - w^{(m)}\,\mathrm{ave}_c(x / w^{(m)})`, the within-category
        mean taken unweighted, ten sweeps, as ``survey:::svyrecvar`` [1]_ [2]_.
        """
        for _ in range(_RAKING_SWEEPS):
            for codes, psw in self.margins:
                ave = _rowsum(codes, x / psw[:, None]) / np.bincount(codes)[:, None]
                x = x - psw[:, None] * ave[codes]
        return x

    def variance(self, x) -> np.ndarray:
        r"""Design covariance matrix of the column totals of ``x`` (n x p influence values).

        .. math::
            \widehat V = \sum_h (1 - f_h)\,\frac{n_h}{n_h - 1}\sum_{j=1}^{n_h}
            (x_{hj} - \bar x_h)(x_{hj} - \bar x_h)^\top

        over PSU totals :math:`x_{hj}`, after the calibration residuals. A stratum with
        one PSU follows ``lonely_psu``: ``"fail"`` raises, ``"certainty"`` and
        ``"remove"`` add 0, ``"adjust"`` centres the PSU on 0 (the grand mean of the
        influence values), ``"average"`` leaves the stratum out and scales the sum by
        #strata / #strata with variance, as R's ``survey.lonely.psu`` [1]_.
        """
        x = np.asarray(x, dtype=np.float64)
        if x.ndim == 1:
            x = x[:, None]
        if self.margins:
            x = self.calibration_residuals(x)
        p = x.shape[1]
        totals = _rowsum(self.psu, x)
        H = len(self.n_psu)
        V = np.zeros((p, p))
        ok = 0
        for h in range(H):
            f = 1.0 - self.fraction[h]
            if f < 1e-7:  # a census stratum adds no variance, even with one PSU
                ok += 1
                continue
            Z = totals[self.psu_stratum == h]
            n_h = self.n_psu[h]
            if n_h > 1:
                Z = Z - Z.mean(axis=0)
                V += f * n_h / (n_h - 1.0) * (Z.T @ Z)
                ok += 1
            elif self.lonely_psu == "fail":
                raise ValueError(
                    f"stratum {self.strata_labels[h]!r} of strata has a single PSU, so its "
                    f"variance cannot be estimated (lonely_psu='fail'; choose 'adjust', "
                    f"'average', 'certainty' or 'remove')"
                )
            elif self.lonely_psu == "adjust":
                V += f * (Z.T @ Z)
                ok += 1
            elif self.lonely_psu in ("certainty", "remove"):
                ok += 1
            # "average": the stratum is left out, and the others scaled up below
        if ok == 0:
            return np.full((p, p), np.nan)
        return V * H / ok


def build_design(size, weights=None, strata=None, fpc=None, *, clusters=None, calibration=None,
                 lonely_psu="fail", rows=None) -> SurveyDesign:
    """Build the :class:`SurveyDesign` of ``size`` rows (``rows`` selects those kept).

    Without ``weights`` but with ``fpc`` the weights are :math:`N_h/n_h`
    (:math:`1/f_h`), as R's ``svydesign`` derives them. ``calibration`` is the
    :class:`~analysis.weighting.RakeResult` that produced the weights (then ``weights``
    may be omitted; if given it must equal the raked weights).
    """
    if lonely_psu not in LONELY_PSU_OPTIONS:
        raise ValueError(f"lonely_psu must be one of {LONELY_PSU_OPTIONS}, got {lonely_psu!r}")
    rows = np.ones(size, dtype=bool) if rows is None else rows
    margins = ()
    if calibration is not None:
        from .weighting import RakeResult

        if not isinstance(calibration, RakeResult):
            raise TypeError(f"calibration must be the RakeResult that produced the weights, got {type(calibration).__name__}")
        raked = calibration.weights.to_numpy(dtype=np.float64)
        if len(raked) != size:
            raise ValueError(f"calibration has {len(raked)} rows, but values has length {size}")
        if not calibration.margin_weights:
            raise ValueError("calibration carries no raking margins (a RakeResult from rake() is needed)")
        if weights is not None:
            w_given = as_weights(weights, size)
            if not np.allclose(w_given, raked, rtol=1e-12, atol=0):
                raise ValueError("weights differ from calibration.weights; pass the raked weights or omit weights")
        weights = raked
        if not rows.all():
            raise ValueError("calibration needs every row of the raked frame")
        margins = tuple(zip(calibration.margin_codes, calibration.margin_weights))
    s_codes, s_labels = as_labels(strata, "strata", size)
    k_codes, _ = as_labels(clusters, "clusters", size)
    s_codes, s_idx = pd.factorize(s_codes[rows])
    s_labels = s_labels[s_idx] if strata is not None else np.array([None], dtype=object)
    s_codes = s_codes.astype(np.int64)
    n = int(rows.sum())
    if clusters is None:
        psu = np.arange(n, dtype=np.int64)
    else:
        psu = pd.factorize(s_codes * (int(k_codes.max()) + 1) + k_codes[rows])[0].astype(np.int64)
    psu_stratum = np.zeros(int(psu.max()) + 1 if n else 0, dtype=np.int64)
    psu_stratum[psu] = s_codes
    H = len(s_labels)
    n_psu = np.bincount(psu_stratum, minlength=H).astype(np.float64)
    f = sampling_fractions(fpc, s_codes, s_labels, n_psu, rows)
    if weights is None:
        w = 1.0 / f[s_codes] if fpc is not None else np.ones(n)
    else:
        w = as_weights(weights, size)[rows]
    return SurveyDesign(
        weights=w, stratum=s_codes, psu=psu, psu_stratum=psu_stratum, n_psu=n_psu,
        fraction=f, strata_labels=s_labels, clustered=clusters is not None,
        margins=margins, lonely_psu=lonely_psu,
    )


def design_mean_parts(design: SurveyDesign, y, in_domain):
    """Mean of ``y`` over the domain with its design variance and df (R's ``svymean`` on
    ``subset(design, in_domain)``): returns ``(mean, variance, df, influence)``."""
    w = np.where(in_domain, design.weights, 0.0)
    W = float(w.sum())
    # centred on one answer, so that a constant y gives exactly that value and variance 0
    y0 = float(y[in_domain][0])
    mean = y0 + float(np.dot(w, np.where(in_domain, y - y0, 0.0)) / W)
    x = w * (np.where(in_domain, y, mean) - mean) / W
    var = float(design.variance(x)[0, 0])
    return mean, var, design.degrees_of_freedom(in_domain), x

