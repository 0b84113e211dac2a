"""The accountability report (reddition de comptes): per commitment, the promise, the target,
the two cycles, the change and its verdict, a chart and the methods note.

One :class:`Report` is built from the results service and the shared presentation helpers,
then written as self-contained HTML (print stylesheet inlined, charts inline SVG), as a tagged
PDF printed from that same HTML (:mod:`survey_app.report_pdf`), or as a summary table
(CSV or XLSX: one row per commitment and question). The pages, the download links and
``flask report`` all go through :func:`build_report` and the writers below, so every format
says the same thing.
"""
from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass
from pathlib import Path
from collections.abc import Callable

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from . import presentation as pr
from . import report_pdf
from .models import CHANNELS
from .services import exports, followups
from .services.followups import FollowupFigures
from . import results as rs

FORMATS = ("html", "pdf", "xlsx", "csv")
STATIC = Path(__file__).parent / "static" / "css"


@dataclass(frozen=True)
class Section:
    """One commitment in the report."""

    result: rs.CommitmentResult
    chart: pr.ChartBlock | None
    rows: tuple[tuple[str, ...], ...]  # the question table, already formatted


@dataclass(frozen=True)
class Report:
    lang: str
    overview: rs.Overview
    charts: tuple[pr.ChartBlock, ...]
    sections: tuple[Section, ...]
    generated_on: dt.date
    # Follow-ups with citizens, counts only: (commitment code, title, figures), then the total.
    followups: tuple[tuple[str, str, followups.FollowupFigures], ...] = ()
    followups_total: FollowupFigures | None = None  # the field above shadows the module here

    @property
    def title(self) -> str:
        with force_locale(self.lang):
            return _("Accountability report — service declaration")


def question_columns() -> tuple[str, ...]:
    return (_("Question"), _("n"), _("Index [%(level)s%% CI]", level=95), _("Percent satisfied [%(level)s%% CI]", level=95),
            _("Baseline index"), _("Change in index [%(level)s%% CI]", level=95), _("Adjusted p"), _("Verdict"))


def _question_rows(result: rs.CommitmentResult) -> tuple[tuple[str, ...], ...]:
    rows = []
    for question in result.satisfaction_questions:
        label = pr.short_label(question, result.questions)
        figures = question.cycle
        if figures.suppressed:
            rows.append((label, "–", pr.suppressed_reason(result.min_cell_size), "", "", "", "", ""))
            continue
        index = f"{pr.num(figures.index)} {pr.interval(figures.index_ci)}" if figures.index is not None else "–"
        pct = f"{pr.percent(figures.pct)} {pr.interval(figures.pct_ci)}" if figures.pct is not None else "–"
        base = question.baseline
        base_text = ("–" if base is None else pr.suppressed_reason(result.min_cell_size) if base.suppressed
                     else pr.num(base.index) if base.index is not None else pr.percent(base.pct))
        change = question.change
        if change is None:
            diff = p_adj = verdict = "–"
        else:
            if change.index_diff is not None:
                diff = f"{pr.signed(change.index_diff)} {pr.interval(change.index_diff_ci)}"
            else:
                diff = f"{pr.signed(change.pct_diff)} {pr.interval(change.pct_diff_ci)}"
            p_adj = pr.pvalue(change.p_adjusted)
            verdict = str(pr.VERDICTS.get(change.verdict, change.verdict))
        rows.append((label, str(figures.n), index, pct, base_text, diff, p_adj, verdict))
    return tuple(rows)


def build_report(cycle: str | None, baseline: str | None, *, lang: str = "fr", weighting: str = "none",
                 progress: Callable[[int], None] | None = None) -> Report:
    """Gather every figure and chart of the report in ``lang``.

    ``progress`` is called with 1 after each commitment (for a progress bar); raises
    :class:`survey_app.results.ResultsError` for an unknown cycle.
    """
    with force_locale(lang):
        overview = rs.overview(cycle, baseline, weighting=weighting)
        sections = []
        for result in overview.commitments:
            sections.append(Section(result, pr.questions_chart(result), _question_rows(result)))
            if progress:
                progress(1)
        cases = tuple(
            (r.commitment.code, pr.text_of(r.commitment.title), followups.figures(overview.cycle, r.commitment.code))
            for r in overview.commitments
        )
        return Report(lang, overview, tuple(pr.overview_charts(overview)), tuple(sections), dt.date.today(),
                      cases, followups.figures(overview.cycle))


def commitment_count(cycle: str | None, baseline: str | None) -> int:
    return len(rs.overview(cycle, baseline).commitments)


# --- HTML -----------------------------------------------------------------------------------

LOGO_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}


def city(lang: str) -> tuple[str, str | None]:
    """The city's name in ``lang`` (French when it has no English name) and its logo as a
    ``data:`` URI, or None when CITY_LOGO is unset or not a readable image file."""
    config = current_app.config
    name = (config.get("CITY_NAME_EN") if lang == "en" else None) or config.get("CITY_NAME") or ""
    logo = None
    path = Path(config["CITY_LOGO"]) if config.get("CITY_LOGO") else None
    if path is not None and path.suffix.lower() in LOGO_TYPES and path.is_file():
        encoded = base64.b64encode(path.read_bytes()).decode("ascii")
        logo = f"data:{LOGO_TYPES[path.suffix.lower()]};base64,{encoded}"
    return name, logo


def render_html(report: Report, *, for_pdf: bool = False) -> str:
    """A self-contained page: styles inlined, charts inline, nothing fetched. ``for_pdf`` draws
    the charts as images with alternative text, the form a tagged PDF carries."""
    styles = "\n".join((STATIC / name).read_text(encoding="utf-8")
                        for name in ("servir.css", "results.css", "report.css"))
    city_name, city_logo = city(report.lang)
    with force_locale(report.lang):
        return render_template(
            "report/report.html", report=report, overview=report.overview,
            columns=question_columns(), styles=styles, channels_all=CHANNELS,
            city_name=city_name, city_logo=city_logo, charts_as_images=for_pdf,
        )


# --- Summary table (CSV, XLSX) -----------------------------------------------------------------

def summary_columns() -> list[str]:
    return [_("Unit"), _("Commitment"), _("Title"), _("Question"), _("Cycle"), _("Baseline"),
            _("n"), _("Index"), _("Index low"), _("Index high"), _("Percent satisfied"), _("Percent satisfied, low"), _("Percent satisfied, high"),
            _("n (baseline)"), _("Index (baseline)"), _("Percent satisfied (baseline)"),
            _("Change in index"), _("Change low"), _("Change high"),
            _("Change in percent satisfied"), _("Change in percent satisfied, low"),
            _("Change in percent satisfied, high"),
            _("p"), _("Adjusted p"), _("Verdict"), _("Target indicator"), _("Target"), _("Target status"),
            _("Suppressed"), _("Comparability warning")]


FIGURE_COLUMNS = (7, 8, 9, 10, 11, 12, 14, 15, 16, 17, 18, 19, 20, 21, 26)  # 0–100 figures, one decimal
P_COLUMNS = (22, 23)


def _rounded(row: list) -> list:
    """Figures to the precision the pages show: one decimal, p-values three (or one
    significant digit below 0.001, where the pages print "< 0.001")."""
    row = list(row)
    for i in FIGURE_COLUMNS:
        if isinstance(row[i], float):
            row[i] = round(row[i], 1)
    for i in P_COLUMNS:
        if isinstance(row[i], float):
            row[i] = round(row[i], 3) if row[i] >= 0.001 else float(f"{row[i]:.1g}")
    return row


def summary_rows(report: Report) -> list[list]:
    """One row per commitment and question, figures rounded as on the pages (a summary; the
    raw exports keep every digit)."""
    rows = []
    with force_locale(report.lang):
        for section in report.sections:
            result = section.result
            target = result.target
            kinds = {qid: pr.comparability(kind) for qid, kind, _detail in result.warnings if qid}
            for q in result.satisfaction_questions:
                c, b, ch = q.cycle, q.baseline, q.change
                ci = lambda x: (x[0], x[1]) if x else (None, None)
                rows.append([
                    pr.text_of(result.commitment.unit_name), result.commitment.code,
                    pr.text_of(result.commitment.title), pr.text_of(q.text), result.cycle, result.baseline,
                    None if c.suppressed else c.n, c.index, *ci(c.index_ci), c.pct, *ci(c.pct_ci),
                    None if (b is None or b.suppressed) else b.n, b.index if b else None, b.pct if b else None,
                    ch.index_diff if ch else None, *ci(ch.index_diff_ci if ch else None),
                    ch.pct_diff if ch else None, *ci(ch.pct_diff_ci if ch else None),
                    ch.p_value if ch else None, ch.p_adjusted if ch else None,
                    str(pr.VERDICTS.get(ch.verdict, ch.verdict)) if ch else None,
                    str(pr.INDICATORS.get(target.indicator, target.indicator)) if target and q.id == target.question_id else None,
                    target.value if target and q.id == target.question_id else None,
                    str(pr.TARGET_STATUSES.get(target.status or "", target.status or "")) if target and q.id == target.question_id else None,
                    c.suppressed, kinds.get(q.id),
                ])
                rows[-1] = _rounded(rows[-1])
    return rows


def render_csv(report: Report) -> str:
    """The summary table as the reader's spreadsheet opens it (see exports.write_csv)."""
    with force_locale(report.lang):
        header, rows = summary_columns(), summary_rows(report)
        yes_no = {True: _("Yes"), False: _("No")}
    rows = [[yes_no[v] if isinstance(v, bool) else v for v in row] for row in rows]
    return exports.write_csv(header, rows, report.lang)


def render_xlsx(report: Report) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    with force_locale(report.lang):
        sheet.title = _("summary")[:31]
        sheet.append(summary_columns())
        for row in summary_rows(report):
            sheet.append(["" if v is None else exports.neutralize(v) for v in row])
        exports.format_sheet(sheet, number_formats={**dict.fromkeys(FIGURE_COLUMNS, "0.0"),
                                                    **dict.fromkeys(P_COLUMNS, "0.000")})
        methods = workbook.create_sheet(_("methods")[:31])
        methods.append([_("Methods note")])
        for line in methods_lines(report):
            methods.append([line])
        exports.format_sheet(methods, wrap_last=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def methods_lines(report: Report) -> list[str]:
    """The methods note as sentences for the PDF and XLSX; the same catalogue messages as
    the pages' note (results/_methods.html), so every format explains the figures alike."""
    m = report.overview.methods
    lines = [_("The satisfaction index rescales the mean answer to 0–100: (mean − minimum) / (maximum − "
               "minimum) × 100. “Satisfied” means one of the two highest answers of the scale.")]
    lines += pr.estimator_notes(m)
    lines.append(_("Significance of changes: p-values adjusted with Holm's method within each commitment; "
                   "the verdict is “improved” or “declined” when the adjusted p-value is below 0.05, "
                   "otherwise “no significant change”."))
    lines.append(_("Target: met when the whole interval is at or above the target, not met when it is "
                   "entirely below, inconclusive otherwise."))
    lines.append(_("Disclosure control: no figure describes fewer than %(n)s respondents. A filter value with "
                   "fewer than %(n)s responses is not offered, and further values or pairs of filters are "
                   "withheld (complementary suppression, decided once per cycle and questionnaire) so that no "
                   "difference between views isolates fewer than %(n)s respondents; each question's answers are "
                   "protected the same way, and views with three filters are not published. Open comments appear"
                   " only in the unfiltered view, with email addresses, phone numbers and civic addresses "
                   "masked. What it costs: %(hidden)s of the %(possible)s views of this cycle are withheld.",
                   n=m.min_cell_size, hidden=m.views_withheld[0], possible=m.views_withheld[1]))
    total = report.followups_total
    if total is not None and total.opened:
        lines.append(_("Follow-ups with citizens: %(opened)d case(s) opened in cycle %(cycle)s, %(share)s closed "
                       "within the delay.", opened=total.opened, cycle=report.overview.cycle,
                       share=pr.percent(total.pct_closed_on_time)))
    lines += pr.stuffing_notes(m)
    for code, count in m.responses.items():
        channels = ", ".join(f"{pr.CHANNELS.get(k, k)} {v}" for k, v in m.by_channel.get(code, {}).items() if v)
        lines.append(_("Cycle %(cycle)s: %(count)d responses (%(channels)s).", cycle=code, count=count,
                       channels=channels))
    for questionnaire_id, question_id, kind, detail in m.warnings:
        where = questionnaire_id + (f" / {question_id}" if question_id else "")
        lines.append(f"{where}: {pr.comparability(kind)}" if kind != "versions" else
                     f"{where}: " + _("the answers of cycle %(code)s come from several versions of the "
                                      "questionnaire", code=detail))
    return lines


# --- PDF ---------------------------------------------------------------------------------------

def render_pdf(report: Report) -> bytes:
    return report_pdf.render(render_html(report, for_pdf=True))


def render(report: Report, fmt: str) -> str | bytes:
    renderers: dict[str, Callable[[Report], str | bytes]] = {
        "html": render_html, "pdf": render_pdf, "xlsx": render_xlsx, "csv": render_csv}
    return renderers[fmt](report)
