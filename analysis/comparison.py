"""Per-question summaries and the comparison of two improvement cycles.

Both functions take either a long **frequency table** or raw **answer rows**:

* frequency table -- columns ``questionnaire`` (optional), ``question``, ``cycle``,
  ``value``, ``count``: one row per distinct value, as returned by
  ``SELECT questionnaire, question, cycle, value, COUNT(*) AS count FROM answers
  GROUP BY questionnaire, question, cycle, value``;
* answer rows -- the same columns without ``count``: one row per answer.

``value`` holds the integer rating, or ``"na"`` for a "not applicable" answer (counted
in ``n_na``, excluded from every denominator). NaN in ``value`` raises. Figures are on
the 0-100 scale (index points, percent, percentage points); a change is cycle minus
baseline.

References
----------
.. [1] Welch BL (1947), Biometrika 34:28-35 (index change).
.. [2] Newcombe RG (1998), Stat Med 17:873-890 (change in percent satisfied).
.. [3] Mann HB, Whitney DR (1947), Ann Math Stat 18:50-60 (ordinal distribution).
.. [4] Holm S (1979), Scand J Stat 6:65-70; Benjamini Y, Hochberg Y (1995), JRSS B
   57:289-300 (multiplicity).
.. [5] Cohen J (1988). *Statistical Power Analysis for the Behavioral Sciences* (d, h).
"""
from __future__ import annotations

import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ._common import NA_MARKER, check_confidence_level, check_count, check_real, check_scale
from .disclosure import coefficient_of_variation, quality_flag
from .frequency import frequency_table, mann_whitney_arrays
from .indices import satisfied_threshold
from .means import cohen_d, welch_arrays
from .multiple import ADJUST_METHODS
from .proportions import cohen_h_arrays, newcombe_arrays, score_test_arrays, wilson_arrays
from .verdicts import TARGET_STATUSES, VERDICTS, judge_changes

__all__ = ["summarize", "compare_cycles", "VERDICTS", "TARGET_STATUSES"]
_DEFAULT_KEYS = ("questionnaire", "question")


# ------------------------------------------------------------------ preparation


def _resolve_keys(data, keys):
    if keys is None:
        keys = [c for c in _DEFAULT_KEYS if c in data.columns]
        if "question" not in keys:
            raise ValueError(f"data needs a 'question' column; it has {list(data.columns)}")
    else:
        keys = [keys] if isinstance(keys, str) else list(keys)
        missing = [k for k in keys if k not in data.columns]
        if missing or not keys:
            raise ValueError(f"key columns {missing} are not in data")
    if "cycle" in keys:
        raise ValueError("'cycle' cannot be a key column")
    return keys


def _as_table(data, keys):
    """Long frequency table keys + cycle + value + count (from rows if needed)."""
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    for col in ("cycle", "value"):
        if col not in data.columns:
            raise ValueError(f"data needs a {col!r} column; it has {list(data.columns)}")
    if len(data) == 0:
        raise ValueError("data is empty")
    if "count" in data.columns:
        cnt = data["count"].to_numpy()
        if cnt.dtype.kind not in "iuf":
            raise TypeError("the 'count' column must be numeric")
        if not np.isfinite(cnt).all() or (cnt < 0).any() or (cnt != np.floor(cnt)).any():
            bad = cnt[~np.isfinite(cnt) | (cnt < 0) | (cnt != np.floor(cnt))][0]
            raise ValueError(f"the 'count' column must hold whole numbers >= 0, got {bad!r}")
        table = data[keys + ["cycle", "value", "count"]]
        for k in keys + ["cycle"]:
            if table[k].isna().any():
                raise ValueError(f"column {k!r} has missing labels")
        return table
    return frequency_table(data, by=keys + ["cycle"], value="value")


def _split_values(values: pd.Series):
    """(float values with 0 at "na", is_na mask); raises on NaN / foreign objects."""
    arr = values.to_numpy()
    if arr.dtype.kind in "iu":
        return arr.astype(np.float64), np.zeros(len(arr), dtype=bool)
    if arr.dtype.kind == "f":
        if not np.isfinite(arr).all():
            raise ValueError(f"the 'value' column contains NaN; mark not-applicable answers with {NA_MARKER!r}")
        return arr.astype(np.float64), np.zeros(len(arr), dtype=bool)
    if arr.dtype.kind == "b":
        raise TypeError("the 'value' column must hold numbers, not booleans")
    out = np.zeros(len(arr))
    is_na = np.zeros(len(arr), dtype=bool)
    for i, x in enumerate(arr.tolist()):
        if x is None or (isinstance(x, str) and x == NA_MARKER):
            is_na[i] = True
        elif isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"the 'value' column contains {x!r}; expected a number or {NA_MARKER!r}")
        else:
            out[i] = float(x)
    if not np.isfinite(out).all():
        raise ValueError(f"the 'value' column contains NaN; mark not-applicable answers with {NA_MARKER!r}")
    return out, is_na


def _key_tuple(row_values):
    return row_values[0] if len(row_values) == 1 else tuple(row_values)


def _scales_for(groups, keys, scale, definitions):
    """Scale min / max per group (row of ``groups``)."""
    m = len(groups)
    if isinstance(scale, Mapping):
        lo = np.empty(m)
        hi = np.empty(m)
        key_rows = groups[keys].itertuples(index=False, name=None)
        for i, kv in enumerate(key_rows):
            cand = [_key_tuple(kv)] + ([kv[-1]] if len(kv) > 1 else [])
            for c in cand:
                if c in scale:
                    lo[i], hi[i] = check_scale(scale[c])
                    break
            else:
                raise ValueError(f"scale has no entry for question {_key_tuple(kv)!r}")
    else:
        s = check_scale(scale)
        lo = np.full(m, float(s[0]))
        hi = np.full(m, float(s[1]))
    if definitions is not None and {"scale_min", "scale_max"} <= set(definitions.columns):
        d = definitions[keys + ["cycle", "scale_min", "scale_max"]].drop_duplicates(keys + ["cycle"])
        merged = groups[keys + ["cycle"]].merge(d, on=keys + ["cycle"], how="left")
        has = merged["scale_min"].notna().to_numpy()
        smin = merged["scale_min"].to_numpy(dtype=np.float64)
        smax = merged["scale_max"].to_numpy(dtype=np.float64)
        for i in np.flatnonzero(has):
            check_scale((smin[i], smax[i]))
        lo = np.where(has, smin, lo)
        hi = np.where(has, smax, hi)
    return lo, hi


def _group_stats(table, keys, scale, definitions, top, level):
    """Per (keys, cycle) statistics, plus per-group value arrays for rank tests."""
    gcols = keys + ["cycle"]
    gid = table.groupby(gcols, sort=True, observed=True, dropna=False).ngroup().to_numpy()
    first = pd.Series(np.arange(len(table))).groupby(gid).first().to_numpy()
    groups = table.iloc[first][gcols].reset_index(drop=True)
    G = len(groups)
    v, is_na = _split_values(table["value"])
    c = table["count"].to_numpy(dtype=np.float64)
    lo, hi = _scales_for(groups, keys, scale, definitions)
    rlo, rhi = lo[gid], hi[gid]
    bad = ~is_na & (c > 0) & ((v < rlo) | (v > rhi) | (v != np.floor(v)))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"value {table['value'].iloc[i]!r} of {dict(zip(gcols, groups.iloc[gid[i]].tolist()))} "
            f"is off the scale {int(rlo[i])}..{int(rhi[i])}"
        )
    top = check_count(top, "top", allow_zero=False)
    if (top >= hi - lo + 1).any():
        raise ValueError(f"top={top} covers a whole scale")
    cn = np.where(is_na, 0.0, c)
    n = np.bincount(gid, weights=cn, minlength=G)
    n_na = np.bincount(gid, weights=np.where(is_na, c, 0.0), minlength=G)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.bincount(gid, weights=cn * v, minlength=G) / n
        ss = np.bincount(gid, weights=cn * (v - np.nan_to_num(mean)[gid]) ** 2, minlength=G)
        var = np.where(n > 1, ss / (n - 1.0), np.nan)
    sat = np.bincount(gid, weights=np.where(v >= satisfied_threshold(rhi, top), cn, 0.0), minlength=G)
    k = 100.0 / (hi - lo)
    index = (mean - lo) * k
    with np.errstate(invalid="ignore", divide="ignore"):
        index_se = np.where(n > 1, k * np.sqrt(var / n), np.nan)
        t = np.where(n > 1, stats.t.isf((1 - level) / 2, np.maximum(n - 1, 1)), np.nan)
    index_low = np.clip(index - t * index_se, 0, 100)
    index_high = np.clip(index + t * index_se, 0, 100)
    ok = n > 0
    wl, wh = wilson_arrays(sat[ok], n[ok], level)
    pct = np.full(G, np.nan)
    pct_low = np.full(G, np.nan)
    pct_high = np.full(G, np.nan)
    pct[ok] = 100.0 * sat[ok] / n[ok]
    pct_low[ok], pct_high[ok] = 100.0 * wl, 100.0 * wh
    out = groups.copy()
    out["n"] = n.astype(np.int64)
    out["n_na"] = n_na.astype(np.int64)
    out["scale_min"] = lo.astype(np.int64)
    out["scale_max"] = hi.astype(np.int64)
    out["mean"] = mean
    out["sd"] = np.sqrt(var)
    out["index"] = index
    out["index_se"] = index_se
    out["index_low"] = index_low
    out["index_high"] = index_high
    out["n_satisfied"] = sat.astype(np.int64)
    out["pct_satisfied"] = pct
    out["pct_low"] = pct_low
    out["pct_high"] = pct_high
    with np.errstate(invalid="ignore"):
        pct_se = np.where(ok, 100.0 * np.sqrt(np.where(ok, sat / np.maximum(n, 1) * (1 - sat / np.maximum(n, 1)) / np.maximum(n, 1), 0.0)), np.nan)
    quality = np.full(G, None, dtype=object)
    for col, se_arr, name in ((index, index_se, "index_quality"), (pct, pct_se, "pct_quality")):
        q = np.full(G, None, dtype=object)
        good = np.isfinite(col) & np.isfinite(se_arr)
        if good.any():
            q[good] = quality_flag(coefficient_of_variation(col[good], se_arr[good]))
        out[name] = q
    out["note"] = np.where(n == 0, "no answer", np.where(n < 2, "fewer than 2 answers", ""))
    # value arrays on the 0-100 scale, per group, for rank tests
    order = np.argsort(gid, kind="stable")
    keep = order[~is_na[order] & (c[order] > 0)]
    resc = (v[keep] - rlo[keep]) * (100.0 / (rhi[keep] - rlo[keep]))
    bounds = np.searchsorted(gid[keep], np.arange(G + 1))
    per_group = [(resc[bounds[g]:bounds[g + 1]], c[keep][bounds[g]:bounds[g + 1]]) for g in range(G)]
    return out, per_group


def summarize(data, scale=(1, 5), *, keys=None, definitions=None, top=2, confidence_level=0.95) -> pd.DataFrame:
    """Per question and cycle: n, satisfaction index and percent satisfied with intervals.

    Parameters
    ----------
    data : pandas.DataFrame
        A frequency table (``questionnaire``, ``question``, ``cycle``, ``value``,
        ``count``) or answer rows (same without ``count``); see the module docstring.
    scale : (int, int) or mapping, default (1, 5)
        One rating scale for every question, or a mapping question id (or key tuple)
        -> scale.
    keys : sequence of str, optional
        Columns identifying a question; default ``questionnaire`` (if present) and
        ``question``.
    definitions : pandas.DataFrame, optional
        Per question and cycle: keys, ``cycle`` and ``scale_min`` / ``scale_max``
        (override ``scale``), optionally ``wording``.
    top : int, default 2
    confidence_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        One row per question and cycle: keys, ``cycle``, ``n`` (answers other than
        "na"), ``n_na``, ``scale_min``, ``scale_max``, ``mean``, ``sd``, ``index``,
        ``index_se``, ``index_low``, ``index_high`` (t interval), ``n_satisfied``,
        ``pct_satisfied``, ``pct_low``, ``pct_high`` (Wilson), ``index_quality``,
        ``pct_quality`` (CV letters A-F, see :func:`analysis.quality_flag`) and
        ``note``. With n < 2 the index interval is undefined: NaN, and ``note`` says
        why.
    """
    level = check_confidence_level(confidence_level)
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    keys = _resolve_keys(data, keys)
    table = _as_table(data, keys)
    out, _ = _group_stats(table, keys, scale, definitions, top, level)
    return out


# ------------------------------------------------------------------ comparison


def _lookup_targets(targets, rows, keys):
    m = len(rows)
    if targets is None:
        return np.full(m, np.nan)
    if isinstance(targets, numbers.Real) and not isinstance(targets, bool):
        return np.full(m, check_real(targets, "targets"))
    if isinstance(targets, pd.DataFrame):
        if "target" not in targets.columns:
            raise ValueError("targets DataFrame needs a 'target' column")
        on = [k for k in keys if k in targets.columns]
        if not on:
            raise ValueError(f"targets DataFrame needs one of the key columns {keys}")
        merged = rows[on].merge(targets[on + ["target"]].drop_duplicates(on), on=on, how="left")
        return merged["target"].to_numpy(dtype=np.float64)
    if not isinstance(targets, Mapping):
        raise TypeError("targets must be a number, a mapping or a DataFrame")
    out = np.full(m, np.nan)
    for i, kv in enumerate(rows[keys].itertuples(index=False, name=None)):
        for cand in ([tuple(kv)] if len(kv) > 1 else []) + list(kv):
            if cand in targets:
                out[i] = check_real(targets[cand], f"targets[{cand!r}]")
                break
    return out


def _comparability(definitions, rows, keys, baseline, cycle):
    m = len(rows)
    comparable = np.ones(m, dtype=bool)
    warning = np.full(m, "", dtype=object)
    if definitions is None:
        return comparable, warning
    if not isinstance(definitions, pd.DataFrame):
        raise TypeError("definitions must be a pandas DataFrame")
    need = set(keys) | {"cycle"}
    if not need <= set(definitions.columns):
        raise ValueError(f"definitions needs the columns {sorted(need)}")
    cols = [c for c in ("scale_min", "scale_max", "wording") if c in definitions.columns]
    d = definitions[keys + ["cycle"] + cols].drop_duplicates(keys + ["cycle"])
    b = rows[keys].merge(d[d["cycle"] == baseline].drop(columns="cycle"), on=keys, how="left")
    c = rows[keys].merge(d[d["cycle"] == cycle].drop(columns="cycle"), on=keys, how="left")
    for i in range(m):
        msgs = []
        if "scale_min" in cols and "scale_max" in cols:
            sb = (b["scale_min"].iloc[i], b["scale_max"].iloc[i])
            sc = (c["scale_min"].iloc[i], c["scale_max"].iloc[i])
            if not any(pd.isna(x) for x in sb + sc) and sb != sc:
                msgs.append(
                    f"scale changed from {int(sb[0])}-{int(sb[1])} to {int(sc[0])}-{int(sc[1])}; "
                    "indices are rescaled to 0-100 but answers may not be comparable"
                )
        if "wording" in cols:
            wb, wc = b["wording"].iloc[i], c["wording"].iloc[i]
            if not pd.isna(wb) and not pd.isna(wc) and wb != wc:
                msgs.append("question wording changed between the two cycles")
        if msgs:
            comparable[i] = False
            warning[i] = "; ".join(msgs)
    return comparable, warning


def compare_cycles(
    data,
    baseline,
    cycle,
    *,
    scale=(1, 5),
    keys=None,
    definitions=None,
    targets=None,
    target_measure="pct_satisfied",
    top=2,
    primary="index",
    adjust="holm",
    family=None,
    confidence_level=0.95,
) -> pd.DataFrame:
    r"""Compare a cycle with its baseline, per commitment (questionnaire) and question.

    Parameters
    ----------
    data : pandas.DataFrame
        Frequency table with columns ``questionnaire`` (optional), ``question``,
        ``cycle``, ``value``, ``count`` -- one row per distinct value, ``value`` an
        integer rating or ``"na"`` -- or answer rows with the same columns but no
        ``count`` (one row per answer). Other cycles in ``data`` are ignored.
    baseline, cycle : label
        The two values of the ``cycle`` column to compare (change = cycle - baseline).
    scale : (int, int) or mapping, default (1, 5)
        Rating scale of every question, or a mapping question id (or key tuple) ->
        scale; overridden per cycle by ``definitions``.
    keys : sequence of str, optional
        Columns identifying a question; default ``questionnaire`` (if present) and
        ``question``.
    definitions : pandas.DataFrame, optional
        The definition each cycle's answers were given under: key columns, ``cycle``,
        and ``scale_min``/``scale_max`` and/or ``wording`` (text or content hash). A
        difference between the baseline's and the cycle's definitions sets
        ``comparable=False`` with a ``comparability_warning``.
    targets : float, mapping or pandas.DataFrame, optional
        Target on 0-100 (e.g. 85 % satisfied): one number, a mapping keyed by key
        tuple, questionnaire id or question id (tried in that order), or a DataFrame
        with some key columns and ``target``.
    target_measure : {"pct_satisfied", "index"}, default "pct_satisfied"
    top : int, default 2
        Top boxes counted as satisfied.
    primary : {"index", "pct_satisfied", "ordinal"}, default "index"
        The test behind ``p_value`` / ``p_adjusted`` / ``verdict``: Welch on the
        index, the score test on percent satisfied, or Mann-Whitney on the
        distribution.
    adjust : {"holm", "bh", "bonferroni", "hochberg", "by", "none"}, default "holm"
        Multiplicity adjustment across the family of comparisons.
    family : str or sequence of str, optional
        Columns defining separate families (e.g. ``"questionnaire"`` to adjust within
        each commitment); by default all rows form one family.
    confidence_level : float, default 0.95
        Level of every interval; verdicts use :math:`\alpha = 1 -` level.

    Returns
    -------
    pandas.DataFrame
        One row per question present in both cycles, with the key columns and:

        * ``n_baseline``, ``n_cycle``, ``n_na_baseline``, ``n_na_cycle``;
        * ``index_baseline``, ``index_baseline_low``, ``index_baseline_high``, and
          the same for ``index_cycle`` (t intervals);
        * ``pct_baseline``, ``pct_baseline_low``, ``pct_baseline_high``, and the same
          for ``pct_cycle`` (Wilson);
        * ``index_diff``, ``index_diff_low``, ``index_diff_high``, ``index_df``,
          ``index_p_value`` (Welch [1]_);
        * ``pct_diff``, ``pct_diff_low``, ``pct_diff_high`` (Newcombe hybrid score
          [2]_), ``pct_p_value`` (pooled score test = Pearson chi-square);
        * ``ordinal_p_value`` (Mann-Whitney [3]_), ``prob_superiority``
          (P(cycle answer > baseline answer) + ties/2);
        * ``cohen_d`` (index change / pooled SD), ``cohen_h`` [5]_;
        * ``p_value`` (of ``primary``), ``p_adjusted`` ([4]_), ``verdict``:
          ``improved`` / ``declined`` when ``p_adjusted`` < alpha (by the sign of
          the primary change), else ``no significant change``; ``insufficient data``
          when a cycle has fewer than 2 answers (then the test columns are NaN and
          the row is left out of the adjustment);
        * ``comparable``, ``comparability_warning``;
        * ``target``, ``target_status`` (``met`` when the cycle's interval lies
          entirely at or above the target, ``not met`` when entirely below,
          ``inconclusive`` otherwise; missing without target), ``target_gap`` (cycle
          estimate - target), ``target_progress`` (share of the baseline's gap to
          the target closed by the change; NaN when the baseline already met it).

    Notes
    -----
    Everything is computed from the frequency table (answer rows are first counted
    with :func:`analysis.frequency_table`), so both forms give identical numbers.
    The adjusted verdict can say "no significant change" although the unadjusted
    interval excludes 0: the interval is per question, the verdict controls the
    family-wise error (Holm) or false discovery rate (BH).
    """
    level = check_confidence_level(confidence_level)
    if primary not in ("index", "pct_satisfied", "ordinal"):
        raise ValueError(f"primary must be 'index', 'pct_satisfied' or 'ordinal', got {primary!r}")
    if target_measure not in ("pct_satisfied", "index"):
        raise ValueError(f"target_measure must be 'pct_satisfied' or 'index', got {target_measure!r}")
    if adjust not in ADJUST_METHODS:
        raise ValueError(f"adjust must be one of {ADJUST_METHODS}, got {adjust!r}")
    if baseline == cycle:
        raise ValueError(f"baseline and cycle are the same ({cycle!r})")
    if not isinstance(data, pd.DataFrame):
        raise TypeError(f"data must be a pandas DataFrame, got {type(data).__name__}")
    keys = _resolve_keys(data, keys)
    fam = [] if family is None else ([family] if isinstance(family, str) else list(family))
    for f in fam:
        if f not in keys:
            raise ValueError(f"family column {f!r} must be one of the key columns {keys}")
    table = _as_table(data, keys)
    cyc = table["cycle"]
    present = set(pd.unique(cyc.astype(object)))
    for label, name in ((baseline, "baseline"), (cycle, "cycle")):
        if label not in present:
            raise ValueError(f"{name} {label!r} has no answers in data")
    table = table[(cyc == baseline) | (cyc == cycle)]
    stats_df, per_group = _group_stats(table, keys, scale, definitions, top, level)
    stats_df["_g"] = np.arange(len(stats_df))
    b = stats_df[stats_df["cycle"] == baseline].drop(columns="cycle")
    c = stats_df[stats_df["cycle"] == cycle].drop(columns="cycle")
    for k in keys:  # categorical keys merge badly when categories differ
        b[k] = b[k].astype(object)
        c[k] = c[k].astype(object)
    m = b.merge(c, on=keys, suffixes=("_b", "_c"), how="inner")
    if len(m) == 0:
        raise ValueError("no question has answers in both cycles")
    nb, nc = m["n_b"].to_numpy(float), m["n_c"].to_numpy(float)
    enough = (nb >= 2) & (nc >= 2)
    kb = 100.0 / (m["scale_max_b"].to_numpy(float) - m["scale_min_b"].to_numpy(float))
    kc = 100.0 / (m["scale_max_c"].to_numpy(float) - m["scale_min_c"].to_numpy(float))
    vb = (m["sd_b"].to_numpy(float) * kb) ** 2
    vc = (m["sd_c"].to_numpy(float) * kc) ** 2
    ib, ic = m["index_b"].to_numpy(float), m["index_c"].to_numpy(float)
    nan = np.full(len(m), np.nan)
    w = {key: nan.copy() for key in ("estimate", "df", "pvalue", "low", "high")}
    d = nan.copy()
    if enough.any():
        e = enough
        r = welch_arrays(nc[e], ic[e], vc[e], nb[e], ib[e], vb[e], level)
        for key in w:
            w[key][e] = r[key]
        d[e] = cohen_d(nc[e], ic[e], vc[e], nb[e], ib[e], vb[e])
    sb, sc = m["n_satisfied_b"].to_numpy(float), m["n_satisfied_c"].to_numpy(float)
    pct_diff, pct_low, pct_high, pct_p, h = nan.copy(), nan.copy(), nan.copy(), nan.copy(), nan.copy()
    pos = (nb > 0) & (nc > 0)
    if pos.any():
        lo, hi = newcombe_arrays(sc[pos], nc[pos], sb[pos], nb[pos], level)
        pct_diff[pos] = 100.0 * (sc[pos] / nc[pos] - sb[pos] / nb[pos])
        pct_low[pos], pct_high[pos] = 100.0 * lo, 100.0 * hi
        pct_p[pos] = score_test_arrays(sc[pos], nc[pos], sb[pos], nb[pos])[1]
        h[pos] = cohen_h_arrays(sc[pos] / nc[pos], sb[pos] / nb[pos])
    ord_p, ps = nan.copy(), nan.copy()
    gb, gc = m["_g_b"].to_numpy(), m["_g_c"].to_numpy()
    for i in np.flatnonzero(pos):
        v1, c1 = per_group[gc[i]]
        v2, c2 = per_group[gb[i]]
        values = np.union1d(v1, v2)
        a1 = np.zeros(len(values))
        a2 = np.zeros(len(values))
        np.add.at(a1, np.searchsorted(values, v1), c1)
        np.add.at(a2, np.searchsorted(values, v2), c2)
        _, ord_p[i], ps[i] = mann_whitney_arrays(values, a1, a2)
    ord_p = np.where(enough, ord_p, np.nan)
    pct_p = np.where(enough, pct_p, np.nan)
    out = m[keys].copy()
    out["n_baseline"] = m["n_b"].to_numpy()
    out["n_cycle"] = m["n_c"].to_numpy()
    out["n_na_baseline"] = m["n_na_b"].to_numpy()
    out["n_na_cycle"] = m["n_na_c"].to_numpy()
    for src, dst in (("b", "baseline"), ("c", "cycle")):
        out[f"index_{dst}"] = m[f"index_{src}"].to_numpy()
        out[f"index_{dst}_low"] = m[f"index_low_{src}"].to_numpy()
        out[f"index_{dst}_high"] = m[f"index_high_{src}"].to_numpy()
    for src, dst in (("b", "baseline"), ("c", "cycle")):
        out[f"pct_{dst}"] = m[f"pct_satisfied_{src}"].to_numpy()
        out[f"pct_{dst}_low"] = m[f"pct_low_{src}"].to_numpy()
        out[f"pct_{dst}_high"] = m[f"pct_high_{src}"].to_numpy()
    out["index_diff"] = np.where(pos, ic - ib, np.nan)
    out["index_diff_low"] = w["low"]
    out["index_diff_high"] = w["high"]
    out["index_df"] = w["df"]
    out["index_p_value"] = w["pvalue"]
    out["pct_diff"] = pct_diff
    out["pct_diff_low"] = pct_low
    out["pct_diff_high"] = pct_high
    out["pct_p_value"] = pct_p
    out["ordinal_p_value"] = ord_p
    out["prob_superiority"] = ps
    out["cohen_d"] = d
    out["cohen_h"] = h
    p = {"index": w["pvalue"], "pct_satisfied": pct_p, "ordinal": ord_p}[primary]
    change = {"index": out["index_diff"].to_numpy(), "pct_satisfied": pct_diff, "ordinal": ps - 0.5}[primary]
    tgt = _lookup_targets(targets, out, keys)
    measure = "pct" if target_measure == "pct_satisfied" else "index"
    judged = judge_changes(change, p, valid=enough, family=out[fam].astype(object).apply(tuple, axis=1).tolist() if fam else None,
                           adjust=adjust, confidence_level=level,
                           low=out[f"{measure}_cycle_low"].to_numpy(float),
                           high=out[f"{measure}_cycle_high"].to_numpy(float), target=tgt)
    out["p_value"] = judged.p_value
    out["p_adjusted"] = judged.p_adjusted
    out["verdict"] = judged.verdict
    comparable, warning = _comparability(definitions, out, keys, baseline, cycle)
    out["comparable"] = comparable
    out["comparability_warning"] = warning
    est = out[f"{measure}_cycle"].to_numpy(float)
    est_b = out[f"{measure}_baseline"].to_numpy(float)
    has_t = np.isfinite(tgt)
    out["target"] = tgt
    out["target_status"] = judged.target_status
    out["target_gap"] = np.where(has_t, est - tgt, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["target_progress"] = np.where(has_t & (est_b < tgt), (est - est_b) / (tgt - est_b), np.nan)
    return out.reset_index(drop=True)
