"""Conventions every page keeps: an error summary with a heading and "Erreur :" in the title
(GOV.UK's pattern), typographic apostrophes in the French catalogue, dates through Babel, and
suppression worded as "fewer than 10 answers" with unused channels left out."""
from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests.app.results_data import BASELINE, CYCLE

APP = Path(__file__).parents[2] / "survey_app"


def title(html: str) -> str:
    return re.search(r"<title>(.*?)</title>", html, re.S).group(1).strip()


def test_a_form_with_errors_says_so_in_its_title_and_summary_heading(admin, open_cycle):
    page = admin.post("/admin/cycles/new", data={}).get_data(as_text=True)
    assert title(page).startswith("Erreur : ")
    assert '<h2 class="error-summary-title">Il y a un problème</h2>' in page
    admin.get("/?lang=en")
    page = admin.post("/admin/kiosks/new", data={}).get_data(as_text=True)
    assert title(page).startswith("Error: ") and ">There is a problem</h2>" in page
    survey = admin.post("/q/comptoir", data={}).get_data(as_text=True)
    assert title(survey).startswith("Error: ") and "There is a problem" in survey
    assert not title(admin.get("/admin/kiosks/new").get_data(as_text=True)).startswith("Error")


def test_every_error_summary_has_a_heading():
    for template in (APP / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for match in re.finditer(r'<div class="error-summary"[^>]*>\s*(.{0,80})', text):
            assert match.group(1).startswith('<h2 class="error-summary-title">'), template


def test_the_french_catalogue_uses_typographic_apostrophes():
    with open(APP / "translations" / "fr" / "LC_MESSAGES" / "messages.po", "rb") as handle:
        catalogue = read_po(handle)
    strings = [s for m in catalogue if m.id for s in ([m.string] if isinstance(m.string, str) else m.string)]
    straight = [s for s in strings if "'" in re.sub(r"<[^>]*>", "", s)]
    assert sum(s.count("’") for s in strings) > 100
    assert straight == []


def test_templates_format_dates_with_babel():
    for template in (APP / "templates").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        visible = re.sub(r'datetime="[^"]*"', "", text)  # machine-readable attributes may be ISO
        assert ".isoformat()" not in visible and "strftime" not in visible, template


def test_suppression_says_fewer_than_and_leaves_out_unused_channels(answers, signed_in):
    # answers: online, kiosk and phone responses; no paper
    client = signed_in("evaluator")
    page = client.get(f"/results/?cycle={CYCLE}&baseline={BASELINE}").get_data(as_text=True)
    methods = page[page.index('id="methods"'):]
    table = methods[methods.index("<table"):methods.index("</table>")]
    # the channels used and published are listed (phone may be withheld by the disclosure
    # protection); paper, never offered, is left out
    assert "En ligne" in table
    assert "Papier" not in table
    detail = client.get(f"/results/comptoir?cycle={CYCLE}&baseline={BASELINE}").get_data(as_text=True)
    assert "Masqué : moins de 10 réponses" in detail and "Supprimé" not in detail
