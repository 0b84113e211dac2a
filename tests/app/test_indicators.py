"""Operational indicators: ``flask indicators import`` (encodings, delimiters, every error with
its line and column in French and English, all or nothing, idempotent by commitment and
cycle) and the results API's ``operational`` block, equal to Wilson and Newcombe on the
imported counts; improvement actions in the API, the drill-down and the report."""
from __future__ import annotations

import pytest

import analysis
from survey_app.extensions import db
from survey_app.models import AuditEvent, OperationalIndicator
from tests.app.results_data import BASELINE, CYCLE

GOOD = "commitment,cycle,met,total,source\nC-90,2025,610,1000,Registre du comptoir\nC-90,2026,1432,1800,Registre du comptoir\n"


@pytest.fixture
def evaluator(make_user):
    return {"Authorization": "Bearer " + make_user("evaluator@example.org", "evaluator")}


def run_import(runner, tmp_path, content: bytes, *args):
    path = tmp_path / "indicators.csv"
    path.write_bytes(content)
    return runner.invoke(args=["indicators", "import", str(path), *args])


def stored(app):
    with app.app_context():
        return sorted((r.commitment.code, r.cycle.code, r.met, r.total, r.source)
                      for r in db.session.execute(db.select(OperationalIndicator)).scalars())


def test_import_stores_and_a_second_import_changes_nothing(app, runner, tmp_path, answers):
    result = run_import(runner, tmp_path, GOOD.encode())
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "2 stockés, 0 remplacés, 0 déjà présents"
    assert stored(app) == [("C-90", "2025", 610, 1000, "Registre du comptoir"),
                           ("C-90", "2026", 1432, 1800, "Registre du comptoir")]
    again = run_import(runner, tmp_path, GOOD.encode(), "--lang", "en")
    assert again.output.strip().splitlines()[-1] == "0 stored, 0 replaced, 2 already present"


def test_reimport_with_other_counts_replaces_and_is_audited(app, runner, tmp_path, answers):
    run_import(runner, tmp_path, GOOD.encode())
    corrected = GOOD.replace("1432,1800", "1440,1800")
    result = run_import(runner, tmp_path, corrected.encode(), "--lang", "en")
    assert result.output.strip().splitlines()[-1] == "0 stored, 1 replaced, 1 already present"
    assert ("C-90", "2026", 1440, 1800, "Registre du comptoir") in stored(app)
    with app.app_context():
        event = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "indicator.replace")).scalar_one()
        assert event.detail["old_met"] == 1432 and event.detail["met"] == 1440


@pytest.mark.parametrize("encoding, delimiter", [("utf-8-sig", ","), ("cp1252", ";"), ("utf-8", ";")])
def test_encodings_and_delimiters(app, runner, tmp_path, answers, encoding, delimiter):
    content = GOOD.replace("Registre du comptoir", "Relevé des files d’attente" if encoding != "cp1252"
                           else "Relevé des files").replace(",", delimiter)
    result = run_import(runner, tmp_path, content.encode(encoding))
    assert result.exit_code == 0, result.output
    assert stored(app)[0][4].startswith("Relevé des files")


def test_every_error_has_its_line_and_column_and_nothing_is_stored(app, runner, tmp_path, answers):
    content = ("commitment;cycle;met;total;source\n"
               "C-90;2025;610;1000;Registre\n"
               "C-99;2026;12;10;Registre\n"
               "C-90;1999;x;0;\n"
               "C-90;2025;5;10;Registre\n")
    result = run_import(runner, tmp_path, content.encode("utf-8"), "--lang", "en")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert "indicators.csv: line 3, column commitment: unknown commitment 'C-99'" in lines
    assert "indicators.csv: line 3, column met: cannot exceed total (10)" in lines
    assert "indicators.csv: line 4, column cycle: unknown cycle '1999'" in lines
    assert "indicators.csv: line 4, column met: must be a whole number (0, 1, 2…), not 'x'" in lines
    assert "indicators.csv: line 4, column total: must be at least 1" in lines
    assert any(line.startswith("indicators.csv: line 4, column source:") for line in lines)
    assert "indicators.csv: line 5, column cycle: this commitment and cycle are already on line 2" in lines
    assert stored(app) == []
    french = run_import(runner, tmp_path, content.encode("utf-8"))
    assert "indicators.csv: ligne 3, colonne commitment : engagement inconnu 'C-99'" in french.output.splitlines()


def test_a_header_without_the_columns_is_refused(app, runner, tmp_path, answers):
    result = run_import(runner, tmp_path, b"commitment,cycle,met,count\nC-90,2025,1,2\n", "--lang", "en")
    assert result.exit_code == 1
    assert "indicators.csv: column total is missing" in result.output
    assert "indicators.csv: column source is missing" in result.output
    assert "unknown column 'count'" in result.output
    assert stored(app) == []


def test_operational_block_equals_wilson_and_newcombe_on_the_imported_counts(client, runner, tmp_path,
                                                                             answers, evaluator):
    run_import(runner, tmp_path, GOOD.encode())
    data = client.get(f"/api/v1/results/comptoir?cycle={CYCLE}&baseline={BASELINE}", headers=evaluator).get_json()
    commitment = data["commitment"]
    assert commitment["code"] == "C-90"
    assert commitment["target"] == {"indicator": "pct_satisfied", "value": 85}
    assert commitment["norm"]["fr"] == "Attente de moins de 15 minutes"
    op = commitment["operational"]
    assert (op["met"], op["total"], op["source"]) == (1432, 1800, "Registre du comptoir")
    assert op["pct"] == pytest.approx(100 * 1432 / 1800)
    low, high = analysis.proportion_ci(1432, 1800, method="wilson")
    assert op["pct_ci"] == pytest.approx([100 * low, 100 * high])
    base_low, base_high = analysis.proportion_ci(610, 1000, method="wilson")
    assert op["baseline"]["pct_ci"] == pytest.approx([100 * base_low, 100 * base_high])
    d_low, d_high = analysis.diff_proportions_ci(1432, 1800, 610, 1000, method="newcombe")
    assert op["change"]["pct_diff"] == pytest.approx(100 * (1432 / 1800 - 0.61))
    assert op["change"]["pct_diff_ci"] == pytest.approx([100 * d_low, 100 * d_high])
    assert op["change"]["verdict"] == "improved"


def test_without_indicator_or_baseline_the_block_says_null(client, runner, tmp_path, answers, evaluator):
    data = client.get(f"/api/v1/results/comptoir?cycle={CYCLE}", headers=evaluator).get_json()
    assert data["commitment"]["operational"] is None
    run_import(runner, tmp_path, GOOD.encode())
    data = client.get(f"/api/v1/results/comptoir?cycle={CYCLE}", headers=evaluator).get_json()
    assert data["commitment"]["operational"]["baseline"] is None
    assert data["commitment"]["operational"]["change"] is None


def test_actions_in_the_api_the_drill_down_and_the_report(app, client, runner, tmp_path, answers, evaluator,
                                                          signed_in):
    result = runner.invoke(args=["actions", "add", "--commitment", "C-90", "--cycle", CYCLE,
                                 "--title", "<script>alert(1)</script> Deux préposés aux heures de pointe",
                                 "--title-en", "Two clerks at peak hours", "--status", "done"])
    assert result.exit_code == 0, result.output
    runner.invoke(args=["actions", "add", "--commitment", "C-90", "--cycle", BASELINE, "--title", "Ancienne action"])
    data = client.get(f"/api/v1/results/comptoir?cycle={CYCLE}&baseline={BASELINE}", headers=evaluator).get_json()
    assert [(a["title"]["en"], a["status"], a["cycle"]) for a in data["actions"]] == [
        ("Two clerks at peak hours", "done", CYCLE)]
    browser = signed_in("evaluator")
    html = browser.get(f"/results/comptoir?cycle={CYCLE}&baseline={BASELINE}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Deux préposés aux heures de pointe" in html
    assert "<script>alert(1)" not in html
    loop = html[html.index('id="detail-loop-title"'):]
    loop = loop[:loop.index("</section>")]
    assert "Deux préposés aux heures de pointe" in loop and "Ancienne action" not in loop  # before the baseline
    trend = html[html.index('id="chart-trend"'):]
    trend = trend[:trend.index("</figure>")]
    assert "A1 Ancienne action (2025)" in trend and "A2 &lt;script&gt;" in trend  # every action on the trend
    out = tmp_path / "report.html"
    made = runner.invoke(args=["report", "--cycle", CYCLE, "--baseline", BASELINE, "--output", str(out)])
    assert made.exit_code == 0, made.output
    report = out.read_text()
    assert "Deux préposés aux heures de pointe" in report and "<script>alert(1)" not in report
    assert "Ce que l’unité a changé" in report
    pdf = tmp_path / "report.pdf"
    made = runner.invoke(args=["report", "--cycle", CYCLE, "--baseline", BASELINE, "--format", "pdf",
                               "--output", str(pdf)])
    assert made.exit_code == 0, made.output  # the action's markup is escaped for ReportLab too
    assert pdf.read_bytes().startswith(b"%PDF-")


def test_actions_add_refuses_unknown_commitment_and_status(runner, answers):
    result = runner.invoke(args=["actions", "add", "--commitment", "C-00", "--cycle", CYCLE, "--title", "x",
                                 "--lang", "en"])
    assert result.exit_code == 1
    assert "commitment: unknown commitment 'C-00'" in result.output
    bad = runner.invoke(args=["actions", "add", "--commitment", "C-90", "--cycle", CYCLE, "--title", "x",
                              "--status", "maybe"])
    assert bad.exit_code == 2
