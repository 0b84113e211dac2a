"""QR posters and counter cards as printable PDF: a commitment, its norm, a QR code, its link.

A poster fills a Letter or A4 page; counter cards are a quarter page each, four to a sheet
with cut lines. The QR code (segno, error correction Q so a scuffed poster still scans) is
drawn as one filled path of rectangles, one per run of dark modules in a row: vector shapes
stay sharp at any printer resolution, and the only rectangles on the page are the code's own. The link beneath it is printed on one line without ``https://``, shrunk to fit.
"""
from __future__ import annotations

import importlib.util
import io
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import segno
from flask_babel import force_locale
from flask_babel import gettext as _
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph

from .public_urls import short_form

BRAND = colors.HexColor("#0b4f8a")
INK = colors.HexColor("#1b1b1b")
MUTED = colors.HexColor("#4a4a4a")
RULE = colors.HexColor("#c8c8c8")


def font_directory() -> Path:
    """matplotlib's bundled fonts, found without importing matplotlib (a worker's memory)."""
    spec = importlib.util.find_spec("matplotlib")
    assert spec is not None and spec.submodule_search_locations, "matplotlib is a dependency"
    return Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"


def register_fonts() -> tuple[str, str]:
    """Register DejaVu Sans (shipped with matplotlib, so every French character prints) with
    ReportLab once; returns the regular and bold names."""
    if "ServirSans" not in pdfmetrics.getRegisteredFontNames():
        font_dir = font_directory()
        pdfmetrics.registerFont(TTFont("ServirSans", str(font_dir / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont("ServirSans-Bold", str(font_dir / "DejaVuSans-Bold.ttf")))
        pdfmetrics.registerFontFamily("ServirSans", normal="ServirSans", bold="ServirSans-Bold",
                                      italic="ServirSans", boldItalic="ServirSans-Bold")
    return "ServirSans", "ServirSans-Bold"

PAPERS = {"letter": LETTER, "a4": A4}
FORMATS = ("poster", "card")
QR_ERROR = "q"
QUIET_ZONE = 4  # modules of white around the code, as ISO/IEC 18004 asks


@dataclass(frozen=True)
class PosterContent:
    """What one poster or card says, already in its language."""

    title: str
    norm: str | None
    url: str
    site: str | None
    lang: str


def qr_code(url: str) -> segno.QRCode:
    return segno.make(url, error=QR_ERROR, micro=False)


def draw_qr(canvas: Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code of ``url`` in the square of side ``size`` whose lower-left corner is (x, y),
    quiet zone included."""
    matrix = qr_code(url).matrix
    module = size / (len(matrix) + 2 * QUIET_ZONE)
    top = y + size - QUIET_ZONE * module
    left = x + QUIET_ZONE * module
    # One path filled once: separate fills would leave hairline seams between rows on screen.
    path = canvas.beginPath()
    for row_index, row in enumerate(matrix):
        row_y = top - (row_index + 1) * module
        start = None
        for col, dark in enumerate([*row, 0]):  # the sentinel closes a run at the row's end
            if dark and start is None:
                start = col
            elif not dark and start is not None:
                path.rect(left + start * module, row_y, (col - start) * module, module)
                start = None
    canvas.saveState()
    canvas.setFillColor(colors.black)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _fitted(text: str, font: str, size: float, width: float, smallest: float = 7) -> float:
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    return size


def _paragraph(canvas: Canvas, text: str, style: ParagraphStyle, x: float, top: float, width: float) -> float:
    """Draw wrapped text whose top is at ``top``; return the y below it."""
    paragraph = Paragraph(escape(text), style)
    _w, height = paragraph.wrap(width, 10_000)
    paragraph.drawOn(canvas, x, top - height)
    return top - height


def _styles(scale: float) -> dict[str, ParagraphStyle]:
    regular, bold = register_fonts()

    def style(name, font, size, color, **extra):
        return ParagraphStyle(name, fontName=font, fontSize=size * scale, leading=size * scale * 1.22,
                              textColor=color, alignment=TA_CENTER, **extra)

    return {
        "headline": style("headline", bold, 40, BRAND),
        "label": style("label", regular, 14, MUTED),
        "title": style("title", bold, 24, INK),
        "norm": style("norm", regular, 16, INK),
        "ask": style("ask", bold, 17, BRAND),
        "hint": style("hint", regular, 12, MUTED),
        "small": style("small", regular, 10, MUTED),
    }


def _draw_one(canvas: Canvas, content: PosterContent, x: float, y: float, width: float, height: float,
              scale: float) -> None:
    """One poster or card inside the box (x, y, width, height)."""
    styles = _styles(scale)
    margin = 1.6 * cm * scale
    inner = width - 2 * margin
    cursor = y + height - margin
    cursor = _paragraph(canvas, _("Your opinion matters!"), styles["headline"], x + margin, cursor, inner)
    cursor -= 10 * scale
    cursor = _paragraph(canvas, _("Our commitment"), styles["label"], x + margin, cursor, inner)
    cursor = _paragraph(canvas, content.title, styles["title"], x + margin, cursor - 2 * scale, inner)
    if content.norm:
        cursor = _paragraph(canvas, _("Service standard: %(norm)s", norm=content.norm), styles["norm"],
                            x + margin, cursor - 6 * scale, inner)
    cursor = _paragraph(canvas, _("Did we keep our promise? Tell us in two minutes."), styles["ask"],
                        x + margin, cursor - 12 * scale, inner)
    # Below the code: the hint, the address and the footer, measured before the code's size.
    bold = register_fonts()[1]
    address = short_form(content.url)
    address_size = _fitted(address, bold, 18 * scale, inner)
    footer_lines = 2 if content.site else 1
    below = (12 * scale * 1.22 * 2) + address_size * 1.6 + footer_lines * 10 * scale * 1.22 + margin
    size = min(inner, cursor - (y + below) - 8 * scale, 15 * cm * scale)
    draw_qr(canvas, content.url, x + (width - size) / 2, cursor - 8 * scale - size, size)
    cursor -= 8 * scale + size
    cursor = _paragraph(canvas, _("Scan the code with your phone's camera, or type this address:"),
                        styles["hint"], x + margin, cursor, inner)
    canvas.setFont(bold, address_size)
    canvas.setFillColor(INK)
    canvas.drawCentredString(x + width / 2, cursor - address_size * 1.2, address)
    cursor -= address_size * 1.6
    if content.site:
        cursor = _paragraph(canvas, _("Place: %(site)s", site=content.site), styles["small"],
                            x + margin, cursor, inner)
    _paragraph(canvas, _("Your answers are anonymous."), styles["small"], x + margin, cursor, inner)


def _cut_lines(canvas: Canvas, page_width: float, page_height: float) -> None:
    canvas.saveState()
    canvas.setStrokeColor(RULE)
    canvas.setDash(4, 4)
    canvas.line(page_width / 2, 0, page_width / 2, page_height)
    canvas.line(0, page_height / 2, page_width, page_height / 2)
    canvas.restoreState()


def render(content: PosterContent, paper: str = "letter", fmt: str = "poster") -> bytes:
    """The PDF: one poster page, or one sheet of four identical counter cards."""
    page_width, page_height = PAPERS[paper]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(page_width, page_height))
    with force_locale(content.lang):
        canvas.setTitle(f"{_('Your opinion matters!')} — {content.title}")
        canvas.setAuthor("Servir")
        if fmt == "poster":
            _draw_one(canvas, content, 0, 0, page_width, page_height, 1.0)
        else:
            half_w, half_h = page_width / 2, page_height / 2
            for x, y in ((0, half_h), (half_w, half_h), (0, 0), (half_w, 0)):
                _draw_one(canvas, content, x, y, half_w, half_h, 0.5)
            _cut_lines(canvas, page_width, page_height)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
