"""The accountability report as a tagged PDF (PDF/UA-1), printed from the HTML report.

WeasyPrint lays out the same HTML and print stylesheet as the browser, so the PDF says exactly
what the page says, and its ``pdf/ua-1`` variant writes the structure tree a screen reader
needs: headings, reading order, table headers, the document language and the charts'
alternative text. ReportLab's open-source edition writes untagged PDFs, which is why it is not
used here. WeasyPrint needs Pango from the system (Debian: ``libpango-1.0-0``).
"""
from __future__ import annotations

import base64


def svg_data_uri(svg: str) -> str:
    """An SVG as a ``data:`` URI, so a chart can be an ``<img>`` carrying its alternative text."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def render(html: str) -> bytes:
    """The tagged PDF of a self-contained HTML document (styles inlined, images as data URIs)."""
    from weasyprint import HTML  # imported on use: loading Pango costs a second at start-up

    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")
