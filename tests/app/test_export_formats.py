"""How exports are written for the people who open them: the page's CSV in the reader's
locale (byte-order mark, ";" and decimal commas in French), the API's CSV plain; one
"not applicable" convention that the codebook states and the CSV, XLSX and SPSS data follow;
suppressed values as "< 10" in every language; formulas inert even when split on ";"."""
from __future__ import annotations

import csv
import io
import uuid

import pytest
from openpyxl import load_workbook

from tests.helpers import PASSWORD

TRICKY = "abc;=2+5,@x"


@pytest.fixture
def exported(client, open_cycle, make_user):
    """12 paper responses and 1 by phone (a rare channel), then an evaluator signed in."""
    staff = make_user("staff@example.org", "staff")
    for i in range(13):
        answers = {"overall": 1 + i % 5, "met": "na" if i % 4 == 0 else bool(i % 2),
                   "courtesy": "na" if i % 3 == 0 else 5, "topics": ["tax"], "wait_minutes": 10 + i / 2,
                   "comment": TRICKY if i == 1 else "Très bien"}
        response = client.post("/api/v1/responses", headers={"Authorization": f"Bearer {staff}"}, json={
            "submission_id": str(uuid.uuid4()), "questionnaire": "comptoir",
            "channel": "phone" if i == 12 else "paper", "language": "fr", "answers": answers})
        assert response.status_code == 201, response.get_json()
    make_user("eval@example.org", "evaluator")
    client.post("/auth/login", data={"email": "eval@example.org", "password": PASSWORD})
    return client


@pytest.mark.parametrize("lang, delimiter, decimal", [("fr", ";", "10,5"), ("en", ",", "10.5")])
def test_the_page_csv_follows_the_readers_locale(exported, lang, delimiter, decimal):
    exported.get(f"/?lang={lang}")
    text = exported.get("/exports/comptoir.csv?cycle=2026").get_data(as_text=True)
    assert text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text[1:]), delimiter=delimiter))
    assert "overall" in header and len(rows) == 13
    assert decimal in [row[header.index("wait_minutes")] for row in rows]
    # the rare channel (and, complementarily, the other) is generalised by the protection
    assert {row[header.index("channel")] for row in rows} == {"other"} and "suppressed" not in text


def test_the_api_csv_stays_plain(exported):
    token = exported.application.test_client()  # a notebook: bearer token, no session
    with exported.application.app_context():
        from survey_app.services import users
        bearer = users.issue_token("eval@example.org")
    text = token.get("/api/v1/export/comptoir.csv?cycle=2026",
                     headers={"Authorization": f"Bearer {bearer}"}).get_data(as_text=True)
    assert not text.startswith("\ufeff")
    header, *rows = list(csv.reader(io.StringIO(text)))
    assert "10.5" in [row[header.index("wait_minutes")] for row in rows]


@pytest.mark.parametrize("delimiter", [";", ","])
def test_formulas_stay_inert_when_a_spreadsheet_splits_on_another_delimiter(exported, delimiter):
    exported.get("/?lang=fr")
    text = exported.get("/exports/comptoir.csv?cycle=2026").get_data(as_text=True)[1:]
    line = next(line for line in text.splitlines() if "abc" in line)
    naive = [cell.strip('"') for cell in line.split(delimiter)]  # a spreadsheet ignoring quotes
    assert not any(cell.startswith(("=", "+", "@")) for cell in naive)
    header, *rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert "abc;'=2+5,'@x" in [row[header.index("comment")] for row in rows]  # one cell, quoted


def codebook_of(workbook) -> dict[str, dict[str, str]]:
    """{variable: {code as written: label}} from the codebook sheet."""
    sheet = workbook[workbook.sheetnames[-1]]
    entries = {}
    for row in sheet.iter_rows(min_row=2, values_only=True):
        if row and len(row) > 4 and row[1]:
            entries[row[1]] = dict(part.split(" = ", 1) for part in (row[4] or "").split("; ") if " = " in part)
    return entries


def test_codebook_and_data_agree_on_not_applicable_in_xlsx_csv_and_spss(exported, tmp_path):
    import pyreadstat

    exported.get("/?lang=fr")
    workbook = load_workbook(io.BytesIO(exported.get("/exports/comptoir.xlsx?cycle=2026").data))
    codebook = codebook_of(workbook)
    sheet = workbook["comptoir"]
    header = [c.value for c in sheet[1]]
    data = {name: [row[i] for row in sheet.iter_rows(min_row=2, values_only=True)] for i, name in enumerate(header)}
    text = exported.get("/exports/comptoir.csv?cycle=2026").get_data(as_text=True)[1:]
    csv_header, *csv_rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    for variable in ("met", "courtesy"):  # yes/no and rating, both with "don't know"
        labels = codebook[variable]
        assert labels["na"] == "Ne sais pas / ne s’applique pas" and "-9" not in labels
        assert "na" in data[variable]
        # every value is one the codebook explains, or a rating on its scale
        explained = set(labels) | {str(v) for v in range(1, 6)}
        assert {str(v) for v in data[variable]} <= explained
        assert {row[csv_header.index(variable)] for row in csv_rows} <= explained
    assert set(codebook["met"]) == {"1", "0", "na"}
    assert sheet.freeze_panes == "A2"
    # SPSS: the same answers as -9, declared missing and labelled as the codebook says
    path = tmp_path / "comptoir.sav"
    path.write_bytes(exported.get("/exports/comptoir.sav?cycle=2026").data)
    frame, meta = pyreadstat.read_sav(str(path), user_missing=True)
    assert meta.variable_value_labels["met"][-9.0] == codebook["met"]["na"]
    assert meta.missing_ranges["met"] == [{"lo": -9.0, "hi": -9.0}]
    assert (frame["met"] == -9).sum() == data["met"].count("na")
    assert set(frame["channel"]) == {"other"} and "suppressed" not in set(frame["channel"])
    notes = " ".join(str(c) for row in workbook[workbook.sheetnames[-1]].iter_rows(values_only=True) for c in row if c)
    assert "-9" in notes and "< 10" in notes  # the convention is stated once, in words
