"""No page, report or export mixes the two languages: rendered in English, none holds a
French message of the catalogue or a run of French words, except the names an admin gave in
French only and citizens' own words (and the same the other way round).

A leak is found two ways: (1) every French catalogue message whose French differs from its
English is cut at its placeholders, and each fragment of two words or more that no English
message contains must not appear in the English text; (2) French function words ("le", "des",
"pour", ...) must not appear at all once the allowed names are removed. The check is first
shown to catch a leak, so it cannot pass by reading nothing.
"""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from openpyxl import load_workbook
from pypdf import PdfReader

from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Cycle
from survey_app.services import cycles
from tests.app import results_data
from tests.app.results_data import BASELINE, CYCLE
from tests.helpers import PASSWORD

TRANSLATIONS = Path(__file__).parents[2] / "survey_app" / "translations"
QUERY = f"?cycle={CYCLE}&baseline={BASELINE}"
# Citizens' own words (open comments shown on the results pages).
ALWAYS_ALLOWED = tuple(results_data.COMMENTS)
STOP_WORDS = {
    "fr": r"\b(?:le|les|des|du|une|et|pour|avec|dans|sur|est|sont|aux|votre|vos|nous|cette|été|réponses?)\b"
          r"|\b(?:d|l|qu|n)['’]\w",
    "en": r"\b(?:the|and|with|for|your|are|this|been|answers?)\b",  # not "response": a variable name
}
CYCLE_NAMES = {BASELINE: ("Cycle 2025 — mesure de référence", "2025 cycle — baseline"),
               CYCLE: ("Cycle 2026 — après améliorations", "2026 cycle — after improvements")}
SITE = ("Comptoir central", "Central counter")


def catalogue(lang: str) -> dict[str, str]:
    with open(TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po", "rb") as handle:
        entries = {}
        for message in read_po(handle):
            if message.id:
                key = message.id if isinstance(message.id, str) else message.id[0]
                value = message.string if isinstance(message.string, str) else message.string[0]
                entries[key] = value
        return entries


def fragments(reader_lang: str) -> set[str]:
    """Fragments of the other language's messages that a page in ``reader_lang`` must not hold."""
    other = "fr" if reader_lang == "en" else "en"
    mine, theirs = catalogue(reader_lang), catalogue(other)
    everything_mine = "\n".join(mine.values())
    found = set()
    for msgid, text in theirs.items():
        if not text or text == mine.get(msgid):
            continue
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}|<[^>]*>|[«»“”\"():;•·—–]", text):
            piece = piece.strip(" ,.?!’'")
            if len(piece) >= 12 and " " in piece and piece not in everything_mine:
                found.add(piece)
    return found


class Text(HTMLParser):
    """The text a reader sees or hears: text nodes and alt, title, aria-label, placeholder;
    not the passages marked in another language (``lang="fr"`` on a French name column, the
    language switch) nor what a form field holds (an admin's own definition in a textarea)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}

    def __init__(self, lang: str):
        super().__init__()
        self.lang = lang
        self.parts: list[str] = []
        self.skipping: list[str] = []  # the open elements whose content is not read

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self.skipping:
            if tag not in self.VOID:
                self.skipping.append(tag)
            return
        if tag in ("script", "style", "textarea") or attrs.get("lang", self.lang) != self.lang:
            if tag not in self.VOID:
                self.skipping.append(tag)
            return
        for name in ("alt", "title", "aria-label", "placeholder"):
            if attrs.get(name):
                self.parts.append(attrs[name])

    def handle_endtag(self, tag):
        if self.skipping and tag in self.skipping:
            while self.skipping and self.skipping.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible_text(response, lang: str) -> str:
    kind = response.mimetype
    if kind == "text/html":
        parser = Text(lang)
        parser.feed(response.get_data(as_text=True))
        return "\n".join(parser.parts)
    if kind == "application/pdf":
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    if "spreadsheetml" in kind:
        workbook = load_workbook(io.BytesIO(response.data))
        return "\n".join([*workbook.sheetnames, *(str(c) for s in workbook for r in s.iter_rows(values_only=True)
                                                   for c in r if c is not None)])
    if kind == "text/csv":
        text = response.get_data(as_text=True).lstrip("\ufeff")
        return "\n".join(cell for row in csv.reader(io.StringIO(text), delimiter=";" if ";" in text[:200] else ",")
                         for cell in row)
    if kind == "application/x-spss-sav":
        import tempfile

        import pyreadstat
        with tempfile.NamedTemporaryFile(suffix=".sav") as handle:
            handle.write(response.data)
            handle.flush()
            _frame, meta = pyreadstat.read_sav(handle.name, metadataonly=True)
        labels = [v for d in meta.variable_value_labels.values() for v in d.values()]
        return "\n".join([*(meta.column_labels or []), *labels, meta.notes[0] if meta.notes else ""])
    return ""


def leaks(text: str, reader_lang: str, allowed: tuple[str, ...], pieces: set[str]) -> list[str]:
    for name in sorted(allowed, key=len, reverse=True):
        text = text.replace(name, " ")
    text = " ".join(text.split())
    found = [piece for piece in pieces if piece in text]
    other = "fr" if reader_lang == "en" else "en"
    found += [f"…{text[max(0, m.start() - 30):m.end() + 30]}…"
              for m in re.finditer(STOP_WORDS[other], text, flags=re.IGNORECASE)]
    return found


@pytest.fixture
def programme(app, answers, make_user):
    """Two cycles named in both languages, responses with a kiosk site named in both."""
    app.config["SITE_NAMES_EN"] = {SITE[0]: SITE[1]}
    with app.app_context(), write_transaction():
        for cycle in db.session.execute(db.select(Cycle)).scalars():
            cycle.name, cycle.name_en = CYCLE_NAMES[cycle.code]
    with app.app_context():
        cycles.set_state(BASELINE, "published")
    make_user("admin@example.org", "admin")
    return app


def pages() -> list[str]:
    report = [f"/results/report{QUERY}&format={fmt}" for fmt in ("html", "pdf", "xlsx", "csv")]
    exports = [f"/exports/comptoir.{fmt}?cycle={CYCLE}" for fmt in ("csv", "xlsx", "sav")]
    return [
        "/", "/q/comptoir", "/q/comptoir/merci", "/public/results/", f"/public/results/{BASELINE}",
        "/results/", f"/results/{QUERY}", f"/results/comptoir{QUERY}", *report, *exports,
        f"/exports/all.xlsx?cycle={CYCLE}",
        "/admin/", "/admin/commitments/", "/admin/commitments/new", "/admin/commitments/units/new",
        "/admin/cycles/", "/admin/cycles/new", "/admin/cycles", f"/admin/cycles/{CYCLE}/margins",
        "/admin/questionnaires/", "/admin/questionnaires/comptoir", "/admin/questionnaires/comptoir/preview",
        "/admin/questionnaires/comptoir/edit", "/admin/questionnaires/new", "/admin/users/", "/admin/users/new",
        "/admin/kiosks/", "/admin/kiosks/new", "/admin/invitations/", "/admin/posters/", "/admin/audit/",
        "/staff/paper/", "/staff/paper/import", "/auth/password",
    ]


def render_all(app, lang: str) -> dict[str, str]:
    client = app.test_client()
    client.get(f"/language/{lang}")
    client.post("/auth/login", data={"email": "admin@example.org", "password": PASSWORD})
    texts = {}
    for path in pages():
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 200, (path, response.status_code)
        texts[path] = visible_text(response, lang)
        assert texts[path].strip(), path
    anonymous = app.test_client()
    anonymous.get(f"/language/{lang}")
    texts["/auth/login"] = visible_text(anonymous.get("/auth/login"), lang)
    return texts


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_every_page_report_and_export_speaks_one_language(programme, lang):
    allowed = ALWAYS_ALLOWED
    pieces = fragments(lang)
    assert len(pieces) > 300  # the check compares against the whole catalogue
    texts = render_all(programme, lang)
    found = {path: leaks(text, lang, allowed, pieces) for path, text in texts.items()}
    found = {path: hits for path, hits in found.items() if hits}
    assert not found, "\n".join(f"{path}: {hits}" for path, hits in found.items())
    names = {"en": (CYCLE_NAMES[CYCLE][1], SITE[1]), "fr": (CYCLE_NAMES[CYCLE][0], SITE[0])}[lang]
    assert names[0] in texts["/results/"]
    # the site is a filter only where the disclosure protection offers it; then in the reader's language
    other_site = SITE[0] if lang == "en" else SITE[1]
    assert other_site not in texts["/results/"]
    assert names[0] in texts[f"/results/report{QUERY}&format=pdf"]


def test_the_check_catches_a_french_sentence_in_an_english_page():
    pieces = fragments("en")
    leaked = "Results for 2026. Le personnel vous répondra dans les meilleurs délais."
    assert leaks(leaked, "en", ALWAYS_ALLOWED, pieces)
    french_message = next(iter(sorted(pieces)))
    assert leaks(f"Overall results. {french_message}.", "en", ALWAYS_ALLOWED, pieces)
    assert not leaks("Serve you at the counter within 15 minutes: 64.4 [60.1, 68.8].", "en",
                     ALWAYS_ALLOWED, pieces)
