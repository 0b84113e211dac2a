"""Results made readable: translated labels, number formats, and the charts of a results
object, each with its table alternative. Shared by the results pages, the public page and
the accountability report, so they all say the same thing the same way.

``overview_charts(overview)`` and ``detail_charts(detail)`` return :class:`ChartBlock` s:
an inline SVG plus the caption, column headers and rows of the table that says the same
for screen readers (render them with ``results/_chart.html``).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from flask import Flask
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l

from . import report_pdf
from .i18n import current_language
from .services import sites
from .lazy import lazy_module

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    from . import charts
    from . import results as rs
else:
    charts = lazy_module("survey_app.charts")
    rs = lazy_module("survey_app.results")

VERDICTS = {
    "improved": _l("Improved"),
    "declined": _l("Declined"),
    "no significant change": _l("No significant change"),
    "insufficient data": _l("Insufficient data"),
}
TARGET_STATUSES = {
    "met": _l("Target met"),
    "not met": _l("Target not met"),
    "inconclusive": _l("Inconclusive"),
}
INDICATORS = {
    "pct_satisfied": _l("Satisfied (%)"),
    "index": _l("Satisfaction index"),
    "pct_met": _l("Served within the standard (%)"),
}
CHANNELS = {
    "online": _l("Online"),
    "kiosk": _l("Kiosk"),
    "paper": _l("Paper"),
    "phone": _l("Phone"),
}
LANGUAGES = {"fr": _l("French"), "en": _l("English")}
DIMENSIONS = {
    "overall": _l("Overall satisfaction"),
    "timeliness": _l("Timeliness"),
    "competence": _l("Competence"),
    "courtesy": _l("Courtesy"),
    "fairness": _l("Fairness"),
    "outcome": _l("Outcome"),
    "access": _l("Access"),
    "information": _l("Information"),
    "met": _l("Standard met"),
}
WEIGHTINGS = {"none": _l("Unweighted"), "raked": _l("Weighted to the population (raking)")}
QUADRANTS = {
    "concentrate here": _l("Concentrate here"),
    "keep up the good work": _l("Keep up the good work"),
    "low priority": _l("Low priority"),
    "possible overkill": _l("Possible overkill"),
}
QUALITY = {
    "A": _l("excellent"), "B": _l("very good"), "C": _l("good"), "D": _l("acceptable"),
    "E": _l("use with caution"), "F": _l("too unreliable to be published"),
}


# What changed between the cycles' questionnaires, by kind of questionnaires.Change (whose own
# detail is English, for developers): the words every format prints for readers.
COMPARABILITY = {
    "wording": _l("the wording of the question changed between the cycles"),
    "scale": _l("the answer scale changed between the cycles"),
    "options": _l("the answer options changed between the cycles"),
    "other": _l("the question changed between the cycles"),
}


def stuffing_notes(methods: Any) -> list[str]:
    """What the methods note says about suspected ballot stuffing, cycle by cycle: responses
    an evaluator excluded, and flagged responses still counted (never silently)."""
    notes = []
    for code, count in methods.excluded.items():
        if count:
            notes.append(ngettext(
                "Cycle %(cycle)s: %(num)d response excluded as suspected ballot stuffing (a burst of "
                "near-identical anonymous responses), by an evaluator's decision; it stays stored but no "
                "figure counts it.",
                "Cycle %(cycle)s: %(num)d responses excluded as suspected ballot stuffing (bursts of "
                "near-identical anonymous responses), by an evaluator's decision; they stay stored but no "
                "figure counts them.", count, cycle=code))
    for code, count in methods.suspect.items():
        if count:
            notes.append(ngettext(
                "Cycle %(cycle)s: %(num)d response looks like ballot stuffing and awaits an evaluator's "
                "decision; it is counted in these figures.",
                "Cycle %(cycle)s: %(num)d responses look like ballot stuffing and await an evaluator's "
                "decision; they are counted in these figures.", count, cycle=code))
    for code, count in methods.unchecked.items():
        if count:
            notes.append(ngettext(
                "Cycle %(cycle)s: %(num)d questionnaire has too many responses to be checked for ballot "
                "stuffing while this page is prepared; the page of suspected bursts checks it.",
                "Cycle %(cycle)s: %(num)d questionnaires have too many responses to be checked for ballot "
                "stuffing while this page is prepared; the page of suspected bursts checks them.",
                count, cycle=code))
    return notes


def comparability(kind: str) -> str:
    return str(COMPARABILITY.get(kind, COMPARABILITY["other"]))


def lang() -> str:
    return current_language()


def num(value: float | None, digits: int = 1) -> str:
    return charts.number(value, lang(), digits)


def signed(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    text = num(value, digits)
    return ("+" + text) if value > 0 else text


def interval(ci: Sequence[float] | None, digits: int = 1) -> str:
    """``[62,1 ; 70,3]`` in French, ``[62.1, 70.3]`` in English."""
    if not ci:
        return "–"
    sep = " ; " if lang() == "fr" else ", "
    return f"[{num(ci[0], digits)}{sep}{num(ci[1], digits)}]"


def pvalue(p: float | None) -> str:
    if p is None:
        return "–"
    if p < 0.001:
        return "< " + num(0.001, 3)
    return num(p, 3)


def percent(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "–"
    return num(value, digits) + ("\u00a0%" if lang() == "fr" else "%")


def text_of(text: Any) -> str:
    """A bilingual :class:`questionnaires.Text` in the page's language."""
    if text is None:
        return ""
    return text.get(lang()) if hasattr(text, "get") else str(text)


def commitment_label(result: rs.CommitmentResult) -> str:
    return f"{result.commitment.code} {text_of(result.commitment.title)}"


def suppressed_reason(min_n: int) -> str:
    return _("Suppressed: fewer than %(n)s answers", n=min_n)


@dataclass(frozen=True)
class ChartBlock:
    id: str
    title: str
    svg: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    note: str | None = None


def _estimate(figures: rs.Figures | None, measure: str):
    if figures is None or figures.suppressed:
        return None
    est, ci = getattr(figures, measure), getattr(figures, f"{measure}_ci")
    if est is None or ci is None:
        return None
    return (round(est, 4), round(ci[0], 4), round(ci[1], 4))


def _target_figures(result: rs.CommitmentResult):
    """(measure attribute, question) behind the commitment's target indicator."""
    target = result.target
    if target is None or target.question_id is None:
        return None, None
    return ("index" if target.indicator == "index" else "pct"), result.question(target.question_id)


def _fmt_estimate(est) -> str:
    if est is None:
        return _("suppressed or not available")
    return f"{num(est[0])} {interval(est[1:])}"


def overview_charts(overview: rs.Overview) -> list[ChartBlock]:
    """Target indicators (cycle vs baseline, with the target), and a forest plot of the
    change in the satisfaction index across all commitments."""
    blocks = []
    language = lang()
    rows, table = [], []
    for result in overview.commitments:
        measure, question = _target_figures(result)
        if question is None:
            continue
        assert result.target is not None  # _target_figures() found its question
        base = _estimate(question.baseline, measure) if overview.baseline else None
        cyc = _estimate(question.cycle, measure)
        label = f"{commitment_label(result)} ({INDICATORS[result.target.indicator]})"
        rows.append((label, base, cyc, result.target.value))
        table.append((label, *((_fmt_estimate(base),) if overview.baseline else ()), _fmt_estimate(cyc),
                      num(result.target.value, 0)))
    if rows:
        title = (_("Target indicator by commitment: %(cycle)s and %(baseline)s", cycle=overview.cycle,
                   baseline=overview.baseline) if overview.baseline
                 else _("Target indicator by commitment: %(cycle)s", cycle=overview.cycle))
        svg = charts.interval_chart(
            rows, lang=language, title=title, xlabel=_("Indicator value (0–100), with its confidence interval (95%)"),
            series=(overview.baseline or "", overview.cycle), target_label=_("Target"))
        columns = (_("Commitment"), *((overview.baseline,) if overview.baseline else ()), overview.cycle, _("Target"))
        blocks.append(ChartBlock("chart-targets", title, svg, title, columns, tuple(table)))
    if overview.baseline:
        changes: list[tuple[str, float, float, float, str]] = []
        table = []
        for result in overview.commitments:
            head = result.headline
            if head is None or head.change is None or head.change.index_diff_ci is None:
                continue
            c = head.change
            assert c.index_diff is not None and c.index_diff_ci is not None  # an interval has its estimate
            label = commitment_label(result)
            changes.append((label, round(c.index_diff, 4), round(c.index_diff_ci[0], 4),
                         round(c.index_diff_ci[1], 4), c.verdict))
            table.append((label, signed(c.index_diff), interval(c.index_diff_ci), pvalue(c.p_adjusted),
                          str(VERDICTS.get(c.verdict, c.verdict))))
        if changes:
            title = _("Change in overall satisfaction index, %(cycle)s minus %(baseline)s",
                      cycle=overview.cycle, baseline=overview.baseline)
            svg = charts.forest_plot(changes, lang=language, title=title,
                                     xlabel=_("Change in index points, with its confidence interval (95%)"),
                                     verdict_labels={k: str(v) for k, v in VERDICTS.items()})
            blocks.append(ChartBlock(
                "chart-forest", title, svg, title,
                (_("Commitment"), _("Change"), _("Confidence interval (95%)"), _("Adjusted p"), _("Verdict")), tuple(table)))
    return blocks


def short_label(question: rs.QuestionResult, questions: Sequence[rs.QuestionResult] = ()) -> str:
    """A short name for a question in charts: its dimension (``Timeliness``), ``Importance:
    timeliness`` for an importance rating, else its text."""
    if question.importance_of:
        target = next((q for q in questions if q.id == question.importance_of), None)
        aspect = short_label(target, questions) if target is not None else question.importance_of
        return _("Importance: %(aspect)s", aspect=aspect.lower() if lang() == "fr" else aspect)
    dimension = getattr(question, "dimension", None)
    if dimension in DIMENSIONS:
        return str(DIMENSIONS[dimension])
    return text_of(question.text)


def _distribution_blocks(detail: rs.Detail) -> list[ChartBlock]:
    result = detail.result
    language = lang()
    questions = result.questions
    baseline_by_id = {d.question_id: d for d in detail.baseline_distributions}
    blocks = []

    def cycles_of(dist):
        base = baseline_by_id.get(dist.question_id)
        return [(code, d) for code, d in ((result.baseline, base), (result.cycle, dist)) if code and d is not None]

    def category_labels(dist):
        labels = []
        for value, label in dist.categories:
            text = text_of(label) if label is not None else ""
            labels.append(f"{value} – {text}" if dist.type == "rating" and text else (text or str(value)))
        return labels

    # rating questions sharing a scale: one chart, two bars per question
    groups: dict[tuple, list] = {}
    for dist in detail.distributions:
        if dist.type == "rating":
            groups.setdefault(tuple((v, text_of(lab) if lab else "") for v, lab in dist.categories), []).append(dist)
    for number, (_key, dists) in enumerate(groups.items()):
        labels = category_labels(dists[0])
        bars: list[tuple[str, Sequence[int]] | None] = []
        table = []
        for dist in dists:
            q = next((x for x in questions if x.id == dist.question_id), None)
            name = short_label(q, questions) if q else text_of(dist.text)
            if bars:
                bars.append(None)
            for code, d in cycles_of(dist):
                if d.suppressed:
                    table.append((f"{name} — {code}", *[""] * (len(labels) - 1), suppressed_reason(result.min_cell_size)))
                    continue
                bars.append((f"{name} · {code}", d.counts))
                total = sum(d.counts) or 1
                table.append((f"{name} — {code}", *[f"{percent(100.0 * c / total, 0)} ({c})" for c in d.counts]))
        while bars and bars[-1] is None:
            bars.pop()
        title = _("Distribution of the answers to the rating questions") if number == 0 else _(
            "Distribution of the answers to the other rating questions")
        svg = charts.distribution_chart(bars, labels, lang=language, title=title,
                                        xlabel=_("Share of answers (%)")) if bars else ""
        blocks.append(ChartBlock(f"chart-dist-rating-{number}", title, svg, title, (_("Question and cycle"), *labels),
                                 tuple(table)))
    for dist in detail.distributions:
        if dist.type == "rating":
            continue
        labels = category_labels(dist)
        bars, table = [], []
        for code, d in cycles_of(dist):
            if d.suppressed:
                table.append((code, *[""] * (len(labels) - 1), suppressed_reason(result.min_cell_size)))
                continue
            bars.append((code, d.counts))
            total = (d.n if dist.type == "multi_choice" else sum(d.counts)) or 1
            table.append((code, *[f"{percent(100.0 * c / total, 0)} ({c})" for c in d.counts]))
        title = text_of(dist.text)
        svg = ""
        if bars and dist.type != "multi_choice":
            svg = charts.distribution_chart(bars, labels, lang=language, title=title,
                                            xlabel=_("Share of answers (%)"), ordinal=False)
        elif bars and (last := bars[-1]) is not None:  # a gap (None) only separates rating groups
            code, counts = last
            svg = charts.bar_chart([(lab, 100.0 * c / (dist.n or 1)) for lab, c in zip(labels, counts)],
                                   lang=language, title=title, xlabel=_("Share of respondents (%)"))
        blocks.append(ChartBlock(f"chart-dist-{dist.question_id}", title, svg, title, (_("Cycle"), *labels),
                                 tuple(table),
                                 note=_("Several answers possible.") if dist.type == "multi_choice" else None))
    return blocks


def questions_chart(result: rs.CommitmentResult) -> ChartBlock | None:
    """Each rating question's satisfaction index, cycle vs baseline (the drill-down's first
    chart and the accountability report's chart per commitment)."""
    names = {q.id: short_label(q, result.questions) for q in result.questions}
    rows, table = [], []
    for q in result.rating_questions:
        base = _estimate(q.baseline, "index") if result.baseline else None
        cyc = _estimate(q.cycle, "index")
        rows.append((names[q.id], base, cyc, None))
        table.append((text_of(q.text), *((_fmt_estimate(base),) if result.baseline else ()), _fmt_estimate(cyc)))
    if not rows:
        return None
    title = _("Satisfaction index by question")
    svg = charts.interval_chart(rows, lang=lang(), title=title,
                                xlabel=_("Satisfaction index (0–100), with its confidence interval (95%)"),
                                series=(result.baseline or "", result.cycle), target_label=_("Target"))
    return ChartBlock("chart-questions", title, svg, title,
                      (_("Question"), *((result.baseline,) if result.baseline else ()), result.cycle),
                      tuple(table))


def detail_charts(detail: rs.Detail) -> list[ChartBlock]:
    """Per question: cycle vs baseline, the distributions, the trend across cycles, the
    importance-performance quadrant and the drivers of overall satisfaction."""
    result = detail.result
    language = lang()
    questions = result.questions
    names = {q.id: short_label(q, questions) for q in questions}
    first = questions_chart(result)
    blocks = [first] if first is not None else []
    blocks.extend(_distribution_blocks(detail))
    if any(not p.figures.suppressed for points in detail.trend.values() for p in points):
        series, table = [], []
        cycles = []
        for points in detail.trend.values():
            for p in points:
                if p.cycle not in cycles:
                    cycles.append(p.cycle)
        for qid, points in detail.trend.items():
            label = names.get(qid, qid)
            series.append((label, [(p.cycle, _estimate(p.figures, "index")) for p in points]))
            by_cycle = {p.cycle: p.figures for p in points}
            table.append((label, *[_fmt_estimate(_estimate(by_cycle.get(c), "index")) for c in cycles]))
        title = _("Satisfaction index across cycles")
        shown = [a for a in detail.all_actions if a.cycle in cycles]
        marks = [(a.cycle, _("A%(number)s", number=i)) for i, a in enumerate(shown, 1)]
        svg = charts.trend_chart(series, lang=language, title=title, ylabel=_("Satisfaction index (0–100)"),
                                 actions=marks)
        note = None
        if shown:
            note = _("Dashed lines: improvement actions, drawn before the cycle that measures them.") + " " + " · ".join(
                f"{mark} {text_of(a.title)} ({a.cycle})" for (_cycle, mark), a in zip(marks, shown))
        blocks.append(ChartBlock("chart-trend", title, svg, title, (_("Question"), *cycles), tuple(table), note=note))
    if detail.importance is not None:
        frame = detail.importance
        aspects = [(names.get(k, k), round(float(r["importance"]), 4), round(float(r["performance"]), 4))
                  for k, r in frame.iterrows()]
        cut = (round(float(frame["importance"].mean()), 4), round(float(frame["performance"].mean()), 4))
        derived = frame.attrs.get("kind") == "derived"
        title = _("Importance and performance")
        xlabel = (_("Derived importance (share of explained variance of overall satisfaction, %)") if derived
                  else _("Stated importance (index, 0–100)"))
        svg = charts.quadrant_chart(aspects, lang=language, title=title, xlabel=xlabel,
                                    ylabel=_("Performance (satisfaction index, 0–100)"), cut=cut,
                                    quadrant_labels=(str(QUADRANTS["possible overkill"]),
                                                     str(QUADRANTS["keep up the good work"]),
                                                     str(QUADRANTS["low priority"]),
                                                     str(QUADRANTS["concentrate here"])))
        quadrants = tuple((names.get(k, k), num(r["importance"]), num(r["performance"]),
                       str(QUADRANTS.get(r["quadrant"], r["quadrant"]))) for k, r in frame.iterrows())
        blocks.append(ChartBlock("chart-ipa", title, svg, title,
                                 (_("Aspect"), _("Importance"), _("Performance"), _("Quadrant")), quadrants,
                                 note=_("Cross-hairs at the mean of the aspects.")))
    if detail.drivers is not None:
        t = detail.drivers.table.sort_values("share", ascending=False)
        title = _("Drivers of overall satisfaction")
        svg = charts.bar_chart([(names.get(k, k), round(float(v), 4)) for k, v in t["share"].items()],
                               lang=language, title=title, xlabel=_("Share of explained variance (%)"))
        drivers = tuple((names.get(k, k), percent(r["share"]), num(r["r"], 2), str(int(r["rank"])))
                        for k, r in t.iterrows())
        blocks.append(ChartBlock(
            "chart-drivers", title, svg, title,
            (_("Aspect"), _("Share of explained variance"), _("Correlation with overall satisfaction"), _("Rank")),
            drivers,
            note=_("Relative importance (LMG) in a regression of overall satisfaction on the other ratings; "
                   "R² = %(r2)s, n = %(n)s respondents.", r2=num(detail.drivers.r_squared, 2),
                   n=detail.drivers.n)))
    return blocks


def estimator_notes(methods: rs.Methods) -> list[str]:
    """The methods note's sentences on the estimators behind each figure, with their
    references: the one home of this text for the pages, the PDF and the XLSX."""
    level = round(100 * methods.confidence_level)
    if methods.weighting != "raked":
        return [
            _("Unweighted results: every response counts the same. Results for a channel, a site or a "
              "language describe the answers of that view as a sample of their own."),
            _("%(level)s%% intervals: Student t for the satisfaction index, Wilson score for percentages "
              "(Wilson 1927); changes: Welch t for the index (Welch 1947), Newcombe hybrid score for "
              "percentages (Newcombe 1998).", level=level),
        ]
    return [
        _("Weighted results: in each cycle, the respondents of each commitment form one sample, raked to "
          "the cycle's population margins (%(variables)s). Respondents who did not give these "
          "characteristics form a raking group of their own and keep a weight of 1.",
          variables=", ".join(methods.margins or {})),
        _("Results for a channel, a site or a language are domain estimates of that one weighted sample, "
          "not separately weighted subsets (Lumley 2010, ch. 2)."),
        _("Satisfaction index: weighted mean, with a standard error by Taylor linearisation with the raking "
          "residuals, which accounts for the raking (Deville and Särndal 1992; Lumley 2010, ch. 7), and a "
          "%(level)s%% Student t interval with the sample's degrees of freedom. When every answer is the "
          "same, the interval comes from the Clopper–Pearson bound on the share giving that answer.",
          level=level),
        _("Percent satisfied: logit interval of the weighted proportion, as R's svyciprop (Lumley 2010, "
          "ch. 2). When no answer or every answer counts as satisfied, the estimated variance is zero and "
          "the interval is Clopper–Pearson at the number of answers (Clopper and Pearson 1934)."),
        _("Changes: the difference of the two cycles' estimates, each cycle a sample of its own; for the "
          "index, a t test with Satterthwaite degrees of freedom; for percentages, the same test and an "
          "interval that combines the two cycles' logit intervals (MOVER, Zou and Donner 2008)."),
    ]


def init_app(app: Flask) -> None:
    app.add_template_filter(num, "num")
    app.add_template_filter(signed, "signed")
    app.add_template_filter(interval, "interval")
    app.add_template_filter(pvalue, "pvalue")
    app.add_template_filter(percent, "percent")
    app.add_template_filter(text_of, "tr")
    app.add_template_filter(lambda name: sites.site_name(name, lang()), "site")
    app.add_template_filter(report_pdf.svg_data_uri, "svg_data_uri")

    @app.context_processor
    def labels():
        return {"VERDICTS": VERDICTS, "TARGET_STATUSES": TARGET_STATUSES, "INDICATORS": INDICATORS,
                "CHANNEL_LABELS": CHANNELS, "LANGUAGE_LABELS": LANGUAGES, "WEIGHTING_LABELS": WEIGHTINGS,
                "QUALITY_LABELS": QUALITY, "comparability": comparability,
                "estimator_notes": estimator_notes, "stuffing_notes": stuffing_notes}
