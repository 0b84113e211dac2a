"""Charts rendered on the server: matplotlib (Agg, object API, no pyplot) to inline SVG.

They work offline and print in the PDF report. Each function takes plain numbers and
already-translated labels, and returns an ``<svg>`` string (text kept as text, fonts from
the system with DejaVu Sans as fallback: no web font). Every chart on a page must come with
a table alternative; the SVG carries ``role="img"`` and an ``aria-label`` (the ``title``
argument, which is not drawn: the page's caption shows it).

Conventions: Okabe-Ito colour-blind-safe colours, markers that differ in shape as well as
colour, labelled axes, French decimal commas when ``lang == "fr"``. Rendered SVGs are
memoised in the process and stored in the database (:mod:`survey_app.stored`): the same
figures give the same picture, and the interval charts round their figures to what they
can show.
"""
from __future__ import annotations

import html
import io
import re
import textwrap
import threading
from collections import OrderedDict
from collections.abc import Sequence

import matplotlib

matplotlib.use("Agg")  # before any other matplotlib import: never a GUI backend

from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from . import stored

# Okabe & Ito (2008), "Color Universal Design".
BLUE = "#0072B2"
ORANGE = "#E69F00"
GREEN = "#009E73"
VERMILION = "#D55E00"
SKY = "#56B4E9"
PURPLE = "#CC79A7"
GREY = "#6B6B6B"  # 5.3:1 on white, for text and neutral marks
INK = "#1b1b1b"
VERDICT_STYLE = {
    "improved": (GREEN, "^"),
    "declined": (VERMILION, "v"),
    "no significant change": (GREY, "o"),
    "insufficient data": (GREY, "x"),
}
# Diverging, colour-blind safe (ColorBrewer PuOr): dissatisfied orange, satisfied purple.
_SCALE_MAP = LinearSegmentedColormap.from_list(
    "servir_scale", ["#b35806", "#f1a340", "#e6e6e6", "#998ec3", "#542788"])

RC = {
    "svg.fonttype": "none",  # text stays text: smaller, selectable, read by the browser's fonts
    "svg.hashsalt": "servir",  # deterministic ids
    "font.family": ["system-ui", "DejaVu Sans", "sans-serif"],
    "font.size": 10,
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "xtick.color": INK,
    "ytick.color": INK,
    "legend.frameon": False,
    "axes.unicode_minus": True,
}

_memo: OrderedDict = OrderedDict()
_memo_lock = threading.Lock()
_MEMO_SIZE = 256


def number(value: float | None, lang: str = "fr", digits: int = 1) -> str:
    """``12.5`` → ``12,5`` in French; a real minus sign; ``–`` for None."""
    if value is None:
        return "–"
    text = f"{value:.{digits}f}"
    if text.startswith("-"):
        text = "\u2212" + text[1:]
    return text.replace(".", ",") if lang == "fr" else text


def _formatter(lang: str, digits: int = 0) -> FuncFormatter:
    return FuncFormatter(lambda x, _pos: number(x, lang, digits))


def _wrap(label: str, width: int = 34) -> str:
    return "\n".join(textwrap.wrap(label, width)) or label


def _font_families() -> list[str]:
    # "system-ui" is a CSS keyword matplotlib cannot resolve: keep it out of layout, put it
    # back into the SVG so browsers use the page's font.
    return ["DejaVu Sans"]


def _render(fig: Figure, label: str) -> str:
    buffer = io.StringIO()
    FigureCanvasSVG(fig)
    fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.S)
    svg = svg.replace("font-family:'DejaVu Sans'", "font-family:system-ui,'DejaVu Sans',sans-serif")
    svg = svg.replace("font-family: 'DejaVu Sans'", "font-family: system-ui, 'DejaVu Sans', sans-serif")
    # responsive: keep the viewBox, let CSS size it
    svg = re.sub(r'<svg([^>]*?) width="[^"]+" height="[^"]+"', r'<svg\1', svg, count=1)
    return svg.replace(
        "<svg", f'<svg role="img" aria-label="{html.escape(label, quote=True)}" class="chart-svg"', 1)


def visible(value):
    """A figure rounded to what a chart on the 0-100 scale can show (a tenth of a point is
    well under a pixel): charts drawn from rounded figures are keyed on them, so a response
    that moves a figure by less than that finds the chart already drawn."""
    if isinstance(value, float):
        return round(value, 1)
    if isinstance(value, (tuple, list)):
        return tuple(visible(v) for v in value)
    return value


def _memoised(key, draw) -> str:
    with _memo_lock:
        if key in _memo:
            _memo.move_to_end(key)
            return _memo[key]

    def render() -> str:
        rc = dict(RC, **{"font.family": _font_families()})
        with rc_context(rc):  # type: ignore[arg-type]  # matplotlib types the keys as Literal names; these are valid
            return draw()

    # drawn once for every server and restart (keyed on the figures and this file)
    svg = stored.remembered("chart", key, render, code=stored.source_digest(__file__), encode=str, decode=str)
    with _memo_lock:
        _memo[key] = svg
        while len(_memo) > _MEMO_SIZE:
            _memo.popitem(last=False)
    return svg


def _legend(fig: Figure, **kwargs) -> None:
    """A figure legend, only when something is labelled (matplotlib warns otherwise)."""
    if any(ax.get_legend_handles_labels()[0] for ax in fig.axes):
        fig.legend(**kwargs)


def _height(rows: int, per_row: float = 0.55, extra: float = 1.2) -> float:
    return max(2.2, extra + per_row * rows)


Estimate = tuple[float, float, float] | None  # (estimate, low, high)


def interval_chart(rows: Sequence[tuple[str, Estimate, Estimate, float | None]], *, lang: str,
                   title: str, xlabel: str, series: tuple[str, str], target_label: str,
                   xlim: tuple[float, float] = (0, 100)) -> str:
    """Cycle vs baseline: one row per item, two points with their intervals, the target.

    ``rows``: ``(label, baseline, cycle, target)``; ``baseline``/``cycle`` are
    ``(estimate, low, high)`` or None (suppressed / no baseline). ``series`` names the
    baseline and the cycle.
    """
    rows = visible(rows)
    key = ("interval", rows, lang, title, xlabel, series, target_label, xlim)

    def draw():
        fig = Figure(layout="constrained", figsize=(7.2, _height(len(rows), 0.6)))
        ax = fig.add_subplot()
        n = len(rows)
        used = set()
        for i, (_label, base, cyc, target) in enumerate(rows):
            y = n - 1 - i
            for offset, est, colour, marker, name in (
                (0.15, base, ORANGE, "s", series[0]), (-0.15, cyc, BLUE, "o", series[1])):
                if est is None:
                    continue
                e, lo, hi = est
                ax.errorbar([e], [y + offset], xerr=[[e - lo], [hi - e]], fmt=marker, color=colour,
                            ecolor=colour, elinewidth=2, capsize=3, markersize=7,
                            label=name if name not in used else None)
                used.add(name)
            if target is not None:
                ax.plot([target, target], [y - 0.35, y + 0.35], color=INK, linewidth=1.5, linestyle=(0, (2, 1.5)),
                        label=target_label if target_label not in used else None)
                used.add(target_label)
        ax.set_yticks(range(n))
        ax.set_yticklabels([_wrap(r[0]) for r in reversed(rows)])
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(*xlim)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#d0d0d0", linewidth=0.6)
        ax.set_axisbelow(True)
        if used:
            _legend(fig, loc="outside lower center", ncol=3)
        return _render(fig, title)

    return _memoised(key, draw)


def forest_plot(rows: Sequence[tuple[str, float, float, float, str]], *, lang: str, title: str,
                xlabel: str, verdict_labels: dict[str, str]) -> str:
    """Changes with their intervals around zero; ``rows``: ``(label, est, low, high, verdict)``."""
    rows = visible(rows)
    key = ("forest", rows, lang, title, xlabel, tuple(sorted(verdict_labels.items())))

    def draw():
        fig = Figure(layout="constrained", figsize=(7.2, _height(len(rows), 0.5)))
        ax = fig.add_subplot()
        n = len(rows)
        used = set()
        extent = 5.0
        for i, (_label, est, lo, hi, verdict) in enumerate(rows):
            y = n - 1 - i
            colour, marker = VERDICT_STYLE.get(verdict, (GREY, "o"))
            name = verdict_labels.get(verdict, verdict)
            ax.errorbar([est], [y], xerr=[[est - lo], [hi - est]], fmt=marker, color=colour, ecolor=colour,
                        elinewidth=2, capsize=3, markersize=8, label=name if name not in used else None)
            used.add(name)
            extent = max(extent, abs(lo), abs(hi))
        ax.axvline(0, color=INK, linewidth=1)
        ax.set_yticks(range(n))
        ax.set_yticklabels([_wrap(r[0]) for r in reversed(rows)])
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(-extent * 1.1, extent * 1.1)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.xaxis.set_major_locator(MaxNLocator(9, symmetric=True))
        ax.set_xlabel(xlabel)
        ax.grid(axis="x", color="#d0d0d0", linewidth=0.6)
        ax.set_axisbelow(True)
        _legend(fig, loc="outside lower center", ncol=3)
        return _render(fig, title)

    return _memoised(key, draw)


def distribution_chart(rows: Sequence[tuple[str, Sequence[int]] | None], categories: Sequence[str], *,
                       lang: str, title: str, xlabel: str, ordinal: bool = True) -> str:
    """100 % stacked bars, one per row (e.g. baseline and cycle): ``(label, counts)``; a
    ``None`` row leaves a gap (between questions).

    ``ordinal`` colours the categories on a diverging scale (rating questions); otherwise
    with distinct qualitative colours.
    """
    key = ("distribution", tuple(None if r is None else (r[0], tuple(r[1])) for r in rows),
           tuple(categories), lang, title, xlabel, ordinal)

    def draw():
        k = len(categories)
        if ordinal:
            colours = [_SCALE_MAP(i / max(k - 1, 1)) for i in range(k)]
        else:
            colours = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, "#F0E442", GREY][:k] or [BLUE]
            colours = (colours * (k // len(colours) + 1))[:k]
        fig = Figure(layout="constrained", figsize=(7.2, _height(len(rows), 0.38, 1.4)))
        ax = fig.add_subplot()
        n = len(rows)
        first = True
        for i, row in enumerate(rows):
            if row is None:
                continue
            _label, counts = row
            y = n - 1 - i
            total = sum(counts) or 1
            left = 0.0
            for j, count in enumerate(counts):
                share = 100.0 * count / total
                ax.barh([y], [share], left=left, color=colours[j], edgecolor="white", linewidth=1,
                        height=0.7, label=categories[j] if first else None)
                if share >= 7:
                    r, g, b = colours[j][:3] if not isinstance(colours[j], str) else matplotlib.colors.to_rgb(colours[j])
                    dark = (0.299 * r + 0.587 * g + 0.114 * b) < 0.55
                    ax.text(left + share / 2, y, number(share, lang, 0), ha="center", va="center",
                            color="white" if dark else INK, fontsize=9)
                left += share
            first = False
        ticks = [(n - 1 - i, r[0]) for i, r in enumerate(rows) if r is not None]
        ax.set_yticks([t for t, _ in ticks])
        ax.set_yticklabels([_wrap(label, 30) for _, label in ticks])
        ax.set_ylim(-0.6, n - 0.4)
        ax.set_xlim(0, 100)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.set_xlabel(xlabel)
        longest = max((len(c) for c in categories), default=0)
        _legend(fig, loc="outside lower center", ncol=min(k, 5 if longest <= 16 else 3 if longest <= 32 else 2),
                   fontsize=8.5)
        return _render(fig, title)

    return _memoised(key, draw)


def trend_chart(series: Sequence[tuple[str, Sequence[tuple[str, Estimate]]]], *, lang: str,
                title: str, ylabel: str, actions: Sequence[tuple[str, str]] = ()) -> str:
    """Estimates across cycles: ``series`` is ``(label, [(cycle label, estimate), ...])``.

    ``actions`` are ``(cycle label, mark)`` pairs: an improvement action filed under a cycle
    is drawn as a dashed line just before that cycle (between it and the cycle before),
    labelled with its mark (its number in the table that goes with the chart)."""
    key = ("trend", tuple((s[0], tuple(s[1])) for s in series), lang, title, ylabel, tuple(actions))

    def draw():
        fig = Figure(layout="constrained", figsize=(7.2, 3.8))
        ax = fig.add_subplot()
        cycles = []
        for _, points in series:
            for c, _est in points:
                if c not in cycles:
                    cycles.append(c)
        palette = [BLUE, ORANGE, GREEN, VERMILION, SKY, PURPLE, GREY]
        markers = ["o", "s", "^", "D", "v", "P", "X"]
        m = len(series)
        for j, (label, points) in enumerate(series):
            xs, ys, lo, hi = [], [], [], []
            for c, est in points:
                if est is None:
                    continue
                x = cycles.index(c) + (j - (m - 1) / 2) * 0.06
                xs.append(x)
                ys.append(est[0])
                lo.append(est[0] - est[1])
                hi.append(est[2] - est[0])
            if xs:
                ax.errorbar(xs, ys, yerr=[lo, hi], color=palette[j % 7], marker=markers[j % 7], capsize=3,
                            linewidth=1.5, markersize=6, label=_wrap(label, 40))
        marks: dict[str, list[str]] = {}
        for cycle, mark in actions:
            if cycle in cycles:
                marks.setdefault(cycle, []).append(mark)
        for cycle, labels in marks.items():
            x = cycles.index(cycle) - 0.5
            ax.axvline(x, color=GREY, linestyle="--", linewidth=1)
            ax.text(x, 98, " " + ", ".join(labels), color=INK, fontsize=8.5, va="top", ha="left")
        ax.set_xticks(range(len(cycles)))
        ax.set_xticklabels(cycles)
        ax.set_xlim(-0.5 - (0.1 if marks else 0), len(cycles) - 0.5)
        ax.set_ylim(0, 100)
        ax.yaxis.set_major_formatter(_formatter(lang))
        ax.set_ylabel(ylabel)
        ax.grid(axis="y", color="#d0d0d0", linewidth=0.6)
        ax.set_axisbelow(True)
        _legend(fig, loc="outside right upper", fontsize=8.5)
        return _render(fig, title)

    return _memoised(key, draw)


def quadrant_chart(points: Sequence[tuple[str, float, float]], *, lang: str, title: str, xlabel: str,
                   ylabel: str, cut: tuple[float, float], quadrant_labels: tuple[str, str, str, str]) -> str:
    """Importance-performance: ``points`` ``(label, importance, performance)``, ``cut`` the
    cross-hair (importance, performance) and ``quadrant_labels`` the names of the top-left,
    top-right, bottom-left and bottom-right quadrants (low importance and high performance
    is "possible overkill", and so on)."""
    key = ("quadrant", tuple(points), lang, title, xlabel, ylabel, cut, quadrant_labels)

    def draw():
        fig = Figure(layout="constrained", figsize=(7.2, 5.0))
        ax = fig.add_subplot()
        xs = [p[1] for p in points]
        ys = [p[2] for p in points]
        pad = 8
        x0, x1 = min(xs + [cut[0]]) - pad, max(xs + [cut[0]]) + pad
        y0, y1 = min(ys + [cut[1]]) - pad, max(ys + [cut[1]]) + pad
        x0, y0 = max(x0, 0), max(y0, 0)
        x1, y1 = min(x1, 100), min(y1, 100)
        ax.axvline(cut[0], color=GREY, linewidth=1, linestyle=(0, (3, 2)))
        ax.axhline(cut[1], color=GREY, linewidth=1, linestyle=(0, (3, 2)))
        ax.scatter(xs, ys, s=55, color=BLUE, zorder=3, edgecolor="white", linewidth=1)
        for label, x, y in points:
            ax.annotate(_wrap(label, 22), (x, y), xytext=(6, 4), textcoords="offset points", fontsize=8.5)
        tl, tr, bl, br = quadrant_labels
        style = dict(fontsize=8.5, color=GREY, style="italic")
        ax.text(x0 + 0.5, y1 - 0.5, tl, ha="left", va="top", **style)
        ax.text(x1 - 0.5, y1 - 0.5, tr, ha="right", va="top", **style)
        ax.text(x0 + 0.5, y0 + 0.5, bl, ha="left", va="bottom", **style)
        ax.text(x1 - 0.5, y0 + 0.5, br, ha="right", va="bottom", **style)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.yaxis.set_major_formatter(_formatter(lang))
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        return _render(fig, title)

    return _memoised(key, draw)


def bar_chart(rows: Sequence[tuple[str, float]], *, lang: str, title: str, xlabel: str,
              digits: int = 0) -> str:
    """Horizontal bars, largest first as given: ``(label, value)`` (e.g. drivers' shares)."""
    key = ("bars", tuple(rows), lang, title, xlabel, digits)

    def draw():
        fig = Figure(layout="constrained", figsize=(7.2, _height(len(rows), 0.45)))
        ax = fig.add_subplot()
        n = len(rows)
        values = [r[1] for r in rows]
        ax.barh(range(n), list(reversed(values)), color=BLUE, height=0.6)
        top = max(values + [1e-9])
        for i, v in enumerate(reversed(values)):
            ax.text(v + top * 0.01, i, number(v, lang, digits), va="center", fontsize=9)
        ax.set_yticks(range(n))
        ax.set_yticklabels([_wrap(r[0]) for r in reversed(rows)])
        ax.set_xlim(0, top * 1.15)
        ax.xaxis.set_major_formatter(_formatter(lang))
        ax.set_xlabel(xlabel)
        return _render(fig, title)

    return _memoised(key, draw)


def clear_cache() -> None:
    """Forget the memoised SVGs (benchmarks measure cold rendering)."""
    with _memo_lock:
        _memo.clear()
