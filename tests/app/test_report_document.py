"""The accountability report as a public document: a tagged PDF (structure tree, language,
alternative text), the city on its cover, the summary on page 1, "%" printed once, and a
question reworded between the cycles (which once made the PDF answer 500)."""
from __future__ import annotations

import dataclasses
import io
import shutil
import subprocess

import pytest
import questionnaires as qn
from pypdf import PdfReader

from survey_app import results
from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Cycle, Response
from survey_app.services import catalogue
from tests.app.results_data import BASELINE, CYCLE
from tests.helpers import PASSWORD

QUERY = f"?cycle={CYCLE}&baseline={BASELINE}"


@pytest.fixture
def evaluator(answers, client, make_user):
    make_user("evaluator@example.org", "evaluator")
    client.post("/auth/login", data={"email": "evaluator@example.org", "password": PASSWORD})
    return client


def pdf(client, lang: str) -> bytes:
    response = client.get(f"/results/report{QUERY}&format=pdf&lang={lang}")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    return response.data


def structure_roles(node, found: set[str]) -> set[str]:
    """Every structure type (/S) under a structure element, e.g. H1, Table, TH, Figure."""
    node = node.get_object()
    if "/S" in node:
        found.add(str(node["/S"]))
    kids = node.get("/K")
    if kids is None:
        return found
    kids = kids.get_object()
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get") and ("/S" in kid or "/K" in kid):
            structure_roles(kid, found)
    return found


def figures_alt(node, alts: list[str]) -> list[str]:
    node = node.get_object()
    if node.get("/S") == "/Figure" and "/Alt" in node:
        alts.append(str(node["/Alt"]))
    kids = node.get("/K")
    kids = kids.get_object() if kids is not None else []
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "get") and "/K" in kid:
            figures_alt(kid, alts)
    return alts


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_the_pdf_is_tagged_with_headings_tables_alt_text_and_language(evaluator, lang, tmp_path):
    data = pdf(evaluator, lang)
    reader = PdfReader(io.BytesIO(data))
    root = reader.trailer["/Root"]
    assert root["/Lang"] == lang
    assert root["/MarkInfo"]["/Marked"]
    roles = structure_roles(root["/StructTreeRoot"], set())
    assert {"/H1", "/H2", "/Table", "/TH", "/TD", "/Figure"} <= roles
    alts = figures_alt(root["/StructTreeRoot"], [])
    assert alts and all(alt.strip() for alt in alts)
    if shutil.which("pdfinfo"):  # poppler-utils: installed by .ci/run
        path = tmp_path / "report.pdf"
        path.write_bytes(data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        assert "Tagged:          yes" in info


@pytest.mark.parametrize("lang, title, city, summary", [
    ("fr", "Reddition de comptes", "Ville de Québec", "Sommaire"),
    ("en", "Accountability report", "City of Québec", "Summary"),
])
def test_page_one_is_the_cover_and_the_summary_of_every_commitment(evaluator, lang, title, city, summary):
    reader = PdfReader(io.BytesIO(pdf(evaluator, lang)))
    first = reader.pages[0].extract_text()
    assert city in first and title in first and summary in first
    assert "C-90" in first  # the test catalogue's commitment, with its target and verdict
    assert ("Cible" if lang == "fr" else "Target") in first
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "%%" not in text
    assert ("95 %" if lang == "fr" else "95%") in text


def test_the_city_logo_is_on_the_cover(app, evaluator, tmp_path):
    logo = tmp_path / "logo.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20">'
                    '<rect width="40" height="20" fill="#0b4f8a"/></svg>')
    app.config["CITY_LOGO"] = str(logo)
    html = evaluator.get(f"/results/report{QUERY}&format=html").get_data(as_text=True)
    assert 'class="city-logo" src="data:image/svg+xml;base64,' in html and 'alt="Ville de Québec"' in html
    reader = PdfReader(io.BytesIO(pdf(evaluator, "fr")))
    assert "Ville de Québec" in reader.pages[0].extract_text()


def test_methods_sheet_prints_percent_once(evaluator):
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(evaluator.get(f"/results/report{QUERY}&format=xlsx").data))
    methods = " ".join(str(row[0].value) for row in workbook["méthodologie"].iter_rows())
    assert "Intervalles de confiance à 95 %" in methods and "%%" not in methods


@pytest.fixture
def reworded(app):
    """The cycle's responses answered a version whose overall question is reworded."""
    with app.app_context():
        old = catalogue.definition_of(catalogue.get_published("comptoir").current_version)
        questions = tuple(
            dataclasses.replace(q, text=qn.Text(q.text.fr + " (reformulée)", q.text.en + " (reworded)"))
            if q.id == "overall" else q for q in old.questions)
        catalogue.sync_definitions([dataclasses.replace(old, questions=questions)])
        version = catalogue.get_published("comptoir").current_version
        with write_transaction():
            cycle_id = db.session.execute(db.select(Cycle.id).where(Cycle.code == CYCLE)).scalar_one()
            db.session.execute(db.update(Response).where(Response.cycle_id == cycle_id)
                               .values(version_id=version.id))
        results.clear_cache()


@pytest.mark.parametrize("lang, warning", [
    ("fr", "le libellé de la question a changé d’un cycle à l’autre"),
    ("en", "the wording of the question changed between the cycles"),
])
def test_a_reworded_question_is_reported_in_every_format(evaluator, reworded, lang, warning):
    reader = PdfReader(io.BytesIO(pdf(evaluator, lang)))
    text = " ".join(" ".join(page.extract_text().split()) for page in reader.pages)
    assert warning in text
    html = evaluator.get(f"/results/report{QUERY}&format=html&lang={lang}").get_data(as_text=True)
    assert warning in html and "text changed" not in html
