"""The accountability report: the same figures as the analysis package in every format
(HTML, PDF, XLSX, CSV, and the command line), suppression, languages and roles."""
from __future__ import annotations

import csv
import io
import re

import analysis
import pytest
from pypdf import PdfReader

from tests.app import results_data
from tests.app.results_data import BASELINE, CYCLE
from tests.helpers import PASSWORD

QUERY = f"?cycle={CYCLE}&baseline={BASELINE}"


@pytest.fixture
def evaluator(client, make_user):
    make_user("evaluator@example.org", "evaluator")
    client.post("/auth/login", data={"email": "evaluator@example.org", "password": PASSWORD})
    return client


@pytest.fixture
def expected(answers):
    rows = results_data.rating_rows(answers, ("overall",))
    table = analysis.compare_cycles(rows, BASELINE, CYCLE, scale=(1, 5), family="questionnaire")
    return table.set_index("question").loc["overall"]


def report_rows(client, query=QUERY, lang="fr"):
    response = client.get(f"/results/report{query}&format=csv&lang={lang}")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only after a byte-order mark
    rows = list(csv.reader(io.StringIO(text[1:]), delimiter=";" if lang == "fr" else ","))
    return [[cell.replace(",", ".") if lang == "fr" and re.fullmatch(r"-?\d+,\d+", cell) else cell
             for cell in row] for row in rows]


def test_csv_summary_has_the_analysis_package_figures(evaluator, answers, expected):
    header, *rows = report_rows(evaluator)
    col = {name: i for i, name in enumerate(header)}
    overall = next(r for r in rows if r[col["Engagement"]] == "C-90"
                   and r[col["Question"]].startswith("Dans l'ensemble"))
    # Rounded as on the pages: one decimal for figures, three for p-values.
    assert float(overall[col["Indice"]]) == round(expected["index_cycle"], 1)
    assert float(overall[col["Indice, borne inférieure"]]) == round(expected["index_cycle_low"], 1)
    assert float(overall[col["Pourcentage de satisfaits"]]) == round(expected["pct_cycle"], 1)
    assert float(overall[col["Variation de l’indice"]]) == round(expected["index_diff"], 1)
    assert float(overall[col["Variation, borne supérieure"]]) == round(expected["index_diff_high"], 1)
    assert float(overall[col["p ajustée"]]) == pytest.approx(expected["p_adjusted"], abs=0.0005)
    assert overall[col["Verdict"]] == "Amélioration"
    assert overall[col["Cible"]] == "85.0"  # written "85,0": report_rows reads decimal commas


def test_suppressed_questions_carry_no_figures_in_any_format(evaluator, answers):
    header, *rows = report_rows(evaluator)
    col = {name: i for i, name in enumerate(header)}
    courtesy = next(r for r in rows if r[col["Question"]] == "Le personnel a été courtois.")
    assert courtesy[col["Masqué"]] == "Oui"
    assert courtesy[col["n"]] == courtesy[col["Indice"]] == courtesy[col["Pourcentage de satisfaits"]] == ""
    html = evaluator.get(f"/results/report{QUERY}&format=html").get_data(as_text=True)
    assert "Masqué : moins de 10 réponses" in html


def test_html_report_is_self_contained_french_with_charts_and_tables(evaluator, answers, expected):
    response = evaluator.get(f"/results/report{QUERY}&format=html")
    assert response.status_code == 200 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert '<html lang="fr">' in html and "Reddition de comptes" in html
    assert "<style>" in html and "@media print" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from anywhere
    assert not re.search(r'<link[^>]+stylesheet', html)
    assert html.count("<svg") >= 2 and html.count('class="chart-table"') == html.count("<svg")
    index = f"{expected['index_cycle']:.1f}".replace(".", ",")
    assert index in html
    assert "Note méthodologique" in html


def test_english_report(evaluator, answers):
    evaluator.get("/?lang=en")
    html = evaluator.get(f"/results/report{QUERY}&format=html").get_data(as_text=True)
    assert '<html lang="en">' in html and "Accountability report" in html
    assert "Serve you at the counter within 15 minutes" in html


def test_pdf_report(evaluator, answers):
    response = evaluator.get(f"/results/report{QUERY}&format=pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.data))
    assert len(reader.pages) >= 3  # cover and summary, the commitment, methods
    assert "Reddition de comptes" in reader.metadata.title


def test_xlsx_report(evaluator, answers, expected):
    from openpyxl import load_workbook

    response = evaluator.get(f"/results/report{QUERY}&format=xlsx")
    workbook = load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames == ["sommaire", "méthodologie"]
    sheet = workbook["sommaire"]
    header = [c.value for c in sheet[1]]
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    overall = next(r for r in rows if str(r[header.index("Question")]).startswith("Dans l'ensemble"))
    index = sheet.cell(row=rows.index(overall) + 2, column=header.index("Indice") + 1)
    assert index.value == round(expected["index_cycle"], 1) and index.number_format == "0.0"
    assert sheet.freeze_panes == "A2" and sheet[1][0].font.bold
    assert sheet.column_dimensions["D"].width > 20  # the questions' column fits its text
    methods = [row[0].value for row in workbook["méthodologie"].iter_rows()]
    assert any("Holm" in line for line in methods)


def test_report_needs_an_evaluator(client, make_user, answers):
    response = client.get(f"/results/report{QUERY}&format=pdf")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    make_user("staff@example.org", "staff")
    client.post("/auth/login", data={"email": "staff@example.org", "password": PASSWORD})
    assert client.get(f"/results/report{QUERY}&format=html").status_code == 403


def test_unknown_format_or_cycle(evaluator, answers):
    assert evaluator.get(f"/results/report{QUERY}&format=docx").status_code == 400
    assert evaluator.get("/results/report?cycle=1999&format=html").status_code == 404


def test_command_line_writes_the_same_report(app, runner, evaluator, answers, tmp_path):
    output = tmp_path / "report.csv"
    result = runner.invoke(args=["report", "--cycle", CYCLE, "--baseline", BASELINE, "--format", "csv",
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert "report: 1 commitments" in result.output
    web = evaluator.get(f"/results/report{QUERY}&format=csv").get_data(as_text=True)
    assert output.read_bytes().decode("utf-8") == web
    pdf = tmp_path / "report.pdf"
    result = runner.invoke(args=["report", "--cycle", CYCLE, "--format", "pdf", "--lang", "en",
                                 "--output", str(pdf)])
    assert result.exit_code == 0, result.output
    assert pdf.read_bytes().startswith(b"%PDF-")
    bad = runner.invoke(args=["report", "--cycle", "1999", "--output", str(tmp_path / "x.html")])
    assert bad.exit_code == 1


def test_the_overview_links_to_the_report_and_the_exports(evaluator, answers):
    page = evaluator.get(f"/results/{QUERY}").get_data(as_text=True)
    links = re.findall(r'href="(/(?:results/report|exports)[^"]+)"', page)
    assert any("format=pdf" in link for link in links)
    assert any(link.startswith("/exports/all.xlsx") for link in links)
    for link in links:
        response = evaluator.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
    detail = evaluator.get(f"/results/comptoir{QUERY}").get_data(as_text=True)
    for fmt in ("csv", "xlsx", "sav"):
        link = re.search(rf'href="(/exports/comptoir\.{fmt}[^"]*)"', detail).group(1)
        assert evaluator.get(link.replace("&amp;", "&")).status_code == 200
