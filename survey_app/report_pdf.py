"""The accountability report as PDF, with ReportLab's Platypus.

ReportLab is a pip-only dependency (no system libraries), so the PDF works on a fresh
machine as the rest of the platform does. The charts are the same SVGs as the HTML report,
converted to vector drawings by svglib. Text uses DejaVu Sans, shipped with matplotlib, so
every French character prints.
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)
from svglib.svglib import svg2rlg
from xml.sax.saxutils import escape

from . import presentation as pr

FONT_DIR = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
BRAND = colors.HexColor("#0b4f8a")
INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#4a4a4a")
RULE = colors.HexColor("#c8c8c8")
WIDTH = LETTER[0] - 4 * cm


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (regular, bold) with ReportLab once; returns their names."""
    if "ServirSans" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("ServirSans", str(FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("ServirSans-Bold", str(FONT_DIR / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily("ServirSans", normal="ServirSans", bold="ServirSans-Bold",
                                      italic="ServirSans", boldItalic="ServirSans-Bold")
    return "ServirSans", "ServirSans-Bold"


def _styles():
    regular, bold = register_fonts()
    return {
        "title": ParagraphStyle("title", fontName=bold, fontSize=20, leading=25, textColor=BRAND, spaceAfter=8),
        "subtitle": ParagraphStyle("subtitle", fontName=regular, fontSize=12, leading=16, textColor=MUTED,
                                   spaceAfter=14),
        "h1": ParagraphStyle("h1", fontName=bold, fontSize=15, leading=19, textColor=BRAND, spaceBefore=6,
                             spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=bold, fontSize=12, leading=15, textColor=INK, spaceBefore=8,
                             spaceAfter=4),
        "body": ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=13, textColor=INK,
                               alignment=TA_LEFT, spaceAfter=4),
        "small": ParagraphStyle("small", fontName=regular, fontSize=8, leading=10, textColor=INK),
        "small_bold": ParagraphStyle("small_bold", fontName=bold, fontSize=8, leading=10, textColor=INK),
        "note": ParagraphStyle("note", fontName=regular, fontSize=8.5, leading=11, textColor=MUTED),
    }


def _p(text: str, style) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _chart(block: pr.ChartBlock | None):
    if block is None or not block.svg:
        return None
    drawing = svg2rlg(io.StringIO(block.svg))
    if drawing is None:
        return None
    scale = min(1.0, WIDTH / drawing.width)
    drawing.width, drawing.height = drawing.width * scale, drawing.height * scale
    drawing.scale(scale, scale)
    return drawing


def _table(columns, rows, styles, widths=None) -> Table:
    data = [[_p(c, styles["small_bold"]) for c in columns]]
    data += [[_p(cell, styles["small"]) for cell in row] for row in rows]
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, INK),
        ("LINEBELOW", (0, 1), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]))
    return table


def _target_sentence(result) -> str | None:
    target = result.target
    if target is None:
        return None
    indicator = str(pr.INDICATORS.get(target.indicator, target.indicator))
    status = str(pr.TARGET_STATUSES.get(target.status, "")) if target.status else _("not assessed")
    estimate = (f"{pr.num(target.estimate)} {pr.interval(target.ci)}" if target.estimate is not None
                else _("suppressed or not available"))
    return _("Target: %(indicator)s of at least %(value)s. Result: %(estimate)s — %(status)s.",
             indicator=indicator, value=pr.num(target.value, 0), estimate=estimate, status=status)


def render(report, columns: tuple[str, ...], methods: list[str]) -> bytes:
    """The PDF of a :class:`survey_app.report.Report`; ``columns`` head each commitment's
    question table and ``methods`` are the methods note's sentences."""
    styles = _styles()
    overview = report.overview
    story = [
        _p(report.title, styles["title"]),
        _p(_("Cycle %(cycle)s (%(name)s)", cycle=overview.cycle, name=overview.cycle_name)
           + (" — " + _("compared with %(baseline)s", baseline=overview.baseline) if overview.baseline else "")
           + " · " + _("produced on %(date)s", date=report.generated_on.isoformat()), styles["subtitle"]),
    ]
    summary = []
    for section in report.sections:
        result = section.result
        head = result.headline
        change = head.change if head else None
        summary.append((
            f"{result.commitment.code} {pr.text_of(result.commitment.title)}",
            _target_sentence(result) or "–",
            (str(pr.VERDICTS.get(change.verdict, change.verdict)) if change else "–"),
        ))
    story += [_p(_("Summary"), styles["h1"]),
              _table((_("Commitment"), _("Target and result"), _("Change in satisfaction")), summary, styles,
                     widths=[WIDTH * 0.34, WIDTH * 0.46, WIDTH * 0.20])]
    for block in report.charts:
        drawing = _chart(block)
        if drawing is not None:
            story += [Spacer(1, 10), drawing]
    for section in report.sections:
        result = section.result
        story.append(PageBreak())
        story.append(_p(f"{result.commitment.code} — {pr.text_of(result.commitment.title)}", styles["h1"]))
        story.append(_p(pr.text_of(result.commitment.unit_name), styles["note"]))
        if result.commitment.norm is not None:
            story.append(_p(_("Our commitment:") + " " + pr.text_of(result.commitment.norm), styles["body"]))
        sentence = _target_sentence(result)
        if sentence:
            story.append(_p(sentence, styles["body"]))
        story.append(_p(_("%(count)d responses in %(cycle)s", count=result.responses, cycle=result.cycle)
                        + (" · " + _("%(count)d in %(cycle)s", count=result.responses_baseline or 0,
                                     cycle=result.baseline) if result.baseline else ""), styles["note"]))
        widths = [WIDTH * w for w in (0.18, 0.06, 0.15, 0.15, 0.1, 0.16, 0.08, 0.12)]
        story.append(KeepTogether([_table(columns, section.rows, styles, widths)]))
        drawing = _chart(section.chart)
        if drawing is not None:
            story += [Spacer(1, 8), drawing]
        for warning in result.warnings:
            story.append(_p("⚠ " + warning, styles["note"]))
    story += [PageBreak(), _p(_("Methods"), styles["h1"])]
    story += [_p(line, styles["body"]) for line in methods]

    buffer = io.BytesIO()
    title = report.title

    def footer(canvas, doc):
        canvas.saveState()
        canvas.setFont(register_fonts()[0], 8)
        canvas.setFillColor(MUTED)
        canvas.drawString(2 * cm, 1.2 * cm, title)
        canvas.drawRightString(LETTER[0] - 2 * cm, 1.2 * cm, str(doc.page))
        canvas.restoreState()

    document = SimpleDocTemplate(buffer, pagesize=LETTER, leftMargin=2 * cm, rightMargin=2 * cm,
                                 topMargin=2 * cm, bottomMargin=2 * cm, title=title, author="Servir",
                                 lang=report.lang)
    document.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
