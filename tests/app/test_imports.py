"""`flask responses import` of paper and phone sheets, and the same from the staff upload page:
a sheet is stored once whatever is imported again, files from Excel are read, problems are
listed with their line and column in French or English, and nothing is stored by halves."""
from __future__ import annotations

import io

import pytest

from survey_app.extensions import db
from survey_app.models import Answer, Response
from tests.helpers import PASSWORD

HEADER = "sheet,overall,met,courtesy,contact,topics,wait_minutes,why_not,comment\n"
ROWS = [
    "1,5,oui,na,1,permit|tax,\"12,5\",,Très bien\n",
    "2,2,non,1,phone,other,45,Trop de monde,\n",
    "3,4,,,,,,,\n",
]


@pytest.fixture(autouse=True, params=["read here", "read by a worker"])
def reading(request, app):
    """Every test twice: the file read in the importing process, and by the worker a large
    file gets (SERVIR_IMPORT_PARALLEL_ROWS lowered to one line)."""
    if request.param == "read by a worker":
        app.config["IMPORT_PARALLEL_ROWS"] = 1
    return request.param


def responses(app):
    with app.app_context():
        return list(db.session.execute(db.select(Response).order_by(Response.id)).scalars())


def run(runner, path, cycle, *extra):
    return runner.invoke(args=["responses", "import", str(path), "--questionnaire", "comptoir",
                               "--cycle", cycle, "--channel", "paper", *extra])


def last_line(result) -> str:
    return result.output.strip().splitlines()[-1]


def test_the_same_file_twice_and_a_grown_file_store_each_sheet_once(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text(HEADER + "".join(ROWS[:2]), encoding="utf-8")
    first = run(runner, path, open_cycle)
    assert first.exit_code == 0, first.output
    assert last_line(first) == "2 enregistrées, 0 déjà présentes, 0 rejetées"
    assert last_line(run(runner, path, open_cycle, "--lang", "en")) == "0 stored, 2 already present, 0 rejected"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")  # the clerk typed one more sheet
    grown = run(runner, path, open_cycle, "--lang", "en")
    assert grown.exit_code == 0 and last_line(grown) == "1 stored, 2 already present, 0 rejected"
    rows = responses(app)
    assert len(rows) == 3 and {r.channel for r in rows} == {"paper"}
    with app.app_context():
        first_answers = {a.question_id: a for a in db.session.execute(
            db.select(Answer).where(Answer.response_id == rows[0].id)).scalars()}
    assert first_answers["contact"].text_value == "counter"  # option 1, by its number
    assert first_answers["courtesy"].is_na and first_answers["wait_minutes"].numeric_value == 12.5


def test_a_changed_sheet_is_a_conflict_and_the_first_is_kept(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text(HEADER + "".join(ROWS), encoding="utf-8")
    assert run(runner, path, open_cycle).exit_code == 0
    path.write_text(HEADER + ROWS[0] + ROWS[1].replace("2,2,non", "2,3,non") + ROWS[2], encoding="utf-8")
    result = run(runner, path, open_cycle, "--lang", "en")
    assert result.exit_code == 1
    assert "line 3, column sheet: this sheet was already stored with different answers; the first one is kept" in result.output
    assert last_line(result) == "0 stored, 2 already present, 1 rejected"
    with app.app_context():
        overall = db.session.execute(db.select(Answer.numeric_value).join(Response).where(
            Answer.question_id == "overall").order_by(Response.id)).scalars().all()
    assert overall == [5.0, 2.0, 4.0]


def test_an_excel_file_in_windows_1252_with_semicolons_is_read(app, runner, tmp_path, open_cycle):
    path = tmp_path / "excel.csv"
    path.write_bytes("sheet;overall;comment\r\n7;4;Très aimable, merci\r\n8;5;Déçu? Non\r\n".encode("cp1252"))
    result = run(runner, path, open_cycle)
    assert result.exit_code == 0, result.output
    with app.app_context():
        comments = db.session.execute(db.select(Answer.text_value).where(Answer.question_id == "comment")
                                      .order_by(Answer.id)).scalars().all()
    assert comments == ["Très aimable, merci", "Déçu? Non"]
    bom = tmp_path / "bom.csv"
    bom.write_bytes("\ufeffsheet,overall\n9,3\n".encode("utf-8"))
    assert last_line(run(runner, bom, open_cycle, "--lang", "en")) == "1 stored, 0 already present, 0 rejected"


def test_every_kind_of_error_is_listed_with_its_line_and_column_and_nothing_is_stored(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text(
        "sheet,overall,met,contact,topics,wait_minutes,comment,language\n"
        "1,9,peut-être,7,permit|shoes,-3,,de\n"
        ",4,,,,,,\n"
        "3,,,,,,,\n"
        "4,5,,,,,,\n", encoding="utf-8")
    result = run(runner, path, open_cycle)
    assert result.exit_code == 1
    out = result.output
    assert "ligne 2, colonne overall : doit être un entier de 1 à 5" in out
    assert "ligne 2, colonne met : doit être vrai ou faux, ou « na »" in out
    assert "ligne 2, colonne contact : doit être l’une des valeurs : counter, phone" in out
    assert "ligne 2, colonne topics :" in out and "'shoes'" in out
    assert "ligne 2, colonne wait_minutes : doit être au moins 0" in out
    assert "ligne 2, colonne language : doit être fr ou en" in out
    assert "ligne 3, colonne sheet : le numéro de feuille est obligatoire" in out
    assert "ligne 4, colonne overall : une réponse est obligatoire" in out
    assert last_line(result) == "0 enregistrées, 0 déjà présentes, 3 rejetées"
    assert responses(app) == []
    english = run(runner, path, open_cycle, "--lang", "en")
    assert "line 2, column overall: must be an integer from 1 to 5" in english.output
    assert "line 3, column sheet: the sheet number is required" in english.output
    assert last_line(english) == "0 stored, 0 already present, 3 rejected"


def test_skip_invalid_stores_the_valid_rows_and_dry_run_stores_nothing(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n1,5\n2,42\n3,4\n", encoding="utf-8")
    dry = run(runner, path, open_cycle, "--dry-run", "--lang", "en")
    assert "line 3, column overall" in dry.output and "2 to store, 0 already present, 1 rejected" in last_line(dry)
    assert responses(app) == []
    skipped = run(runner, path, open_cycle, "--skip-invalid", "--lang", "en")
    assert skipped.exit_code == 1 and "line 3, column overall" in skipped.output
    assert last_line(skipped) == "2 stored, 0 already present, 1 rejected"
    assert len(responses(app)) == 2
    dry_again = run(runner, path, open_cycle, "--dry-run", "--skip-invalid", "--lang", "en")
    assert "0 to store, 2 already present, 1 rejected" in last_line(dry_again)


def test_a_file_without_sheet_column_is_refused_with_how_to_add_one(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text("overall,met\n5,oui\n", encoding="utf-8")
    result = run(runner, path, open_cycle, "--lang", "en")
    assert result.exit_code == 1
    assert 'neither a "sheet" nor a "submission_id" column: add a column named sheet' in result.output
    french = run(runner, path, open_cycle)
    assert "ajoutez une colonne nommée sheet" in french.output
    path.write_text("sheet,shoe_size\n1,42\n", encoding="utf-8")
    assert "unknown column 'shoe_size'" in run(runner, path, open_cycle, "--lang", "en").output
    assert responses(app) == []


def test_a_submission_id_column_identifies_rows_too(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text("submission_id,overall\n8d7f6c1e-3b2a-4c5d-9e8f-7a6b5c4d3e2f,4\nnot-a-uuid,3\n", encoding="utf-8")
    result = run(runner, path, open_cycle, "--lang", "en")
    assert "line 3, column submission_id: must be a UUID" in result.output
    path.write_text("submission_id,overall\n8d7f6c1e-3b2a-4c5d-9e8f-7a6b5c4d3e2f,4\n", encoding="utf-8")
    assert run(runner, path, open_cycle).exit_code == 0
    (row,) = responses(app)
    assert row.submission_id == "8d7f6c1e-3b2a-4c5d-9e8f-7a6b5c4d3e2f"


def login(client, email="staff@example.org"):
    return client.post("/auth/login", data={"email": email, "password": PASSWORD})


def test_the_staff_upload_page_imports_once_and_lists_problems(app, client, make_user, open_cycle):
    make_user("staff@example.org", "staff")
    login(client)
    page = client.get("/staff/paper/import")
    assert page.status_code == 200 and 'type="file"' in page.get_data(as_text=True)
    data = (HEADER + "".join(ROWS)).encode("cp1252")

    def send(body, **extra):
        return client.post("/staff/paper/import", content_type="multipart/form-data", data={
            "file": (io.BytesIO(body), "lot.csv"), "questionnaire": "comptoir", "cycle": open_cycle,
            "channel": "paper", **extra})

    first = send(data)
    assert first.status_code == 200 and "3 enregistrées, 0 déjà présentes, 0 rejetées" in first.get_data(as_text=True)
    again = send(data)
    assert "0 enregistrées, 3 déjà présentes, 0 rejetées" in again.get_data(as_text=True)
    bad = send(b"sheet,overall\n10,9\n")
    assert bad.status_code == 422
    assert "ligne 2, colonne overall : doit être un entier de 1 à 5" in bad.get_data(as_text=True)
    assert len(responses(app)) == 3
    template = client.get("/staff/paper/comptoir/template.csv")
    assert template.status_code == 200 and template.data.startswith(b"\xef\xbb\xbfsheet;language;overall;met")


def test_the_paper_pages_need_staff(app, client, make_user, open_cycle):
    for path in ("/staff/paper/", "/staff/paper/import", "/staff/paper/comptoir/template.csv"):
        reply = client.get(path)
        assert reply.status_code == 302 and "/auth/login" in reply.headers["Location"]
    make_user("eval@example.org", "evaluator")
    login(client, "eval@example.org")
    for path in ("/staff/paper/", "/staff/paper/import", "/staff/paper/comptoir/template.csv"):
        assert client.get(path).status_code == 403


def test_an_invalid_row_after_many_valid_ones_still_stores_nothing(app, runner, tmp_path, open_cycle, monkeypatch):
    from survey_app.services import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)  # the valid rows before it span several chunks
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n" + "".join(f"{n},4\n" for n in range(1, 8)) + "8,six\n9,3\n", encoding="utf-8")
    refused = run(runner, path, open_cycle, "--lang", "en")
    assert refused.exit_code == 1 and "line 9, column overall: must be an integer from 1 to 5" in refused.output
    assert last_line(refused) == "0 stored, 0 already present, 1 rejected"
    assert responses(app) == []
    skipped = run(runner, path, open_cycle, "--lang", "en", "--skip-invalid")
    assert last_line(skipped) == "8 stored, 0 already present, 1 rejected"
    assert len(responses(app)) == 8


def test_a_sheet_twice_in_one_file_is_stored_once_across_chunks(app, runner, tmp_path, open_cycle, monkeypatch):
    from survey_app.services import imports

    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n1,4\n2,5\n3,3\n 1 ,4\n2,1\n", encoding="utf-8")
    result = run(runner, path, open_cycle, "--lang", "en")
    assert "line 6, column sheet: this sheet was already stored with different answers" in result.output
    assert last_line(result) == "3 stored, 1 already present, 1 rejected"
    with app.app_context():
        overall = db.session.execute(db.select(Answer.numeric_value).join(Response).where(
            Answer.question_id == "overall").order_by(Response.id)).scalars().all()
    assert overall == [4.0, 5.0, 3.0]


def test_a_conflict_does_not_undo_an_import_but_an_invalid_row_undoes_it_all(app, runner, tmp_path, open_cycle):
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n1,4\n", encoding="utf-8")
    assert run(runner, path, open_cycle).exit_code == 0
    path.write_text("sheet,overall\n1,5\n2,4\n3,zero\n", encoding="utf-8")
    refused = run(runner, path, open_cycle, "--lang", "en")
    assert "line 4, column overall" in refused.output and "already stored with different answers" not in refused.output
    assert last_line(refused) == "0 stored, 0 already present, 1 rejected"
    assert len(responses(app)) == 1


def test_sheet_ids_stay_those_of_sheets_stored_before(app):
    """A sheet keeps the id it was given when first stored (uuid5 of questionnaire, cycle,
    channel and sheet number), so files imported long ago are still recognised."""
    import uuid

    from survey_app.services import sheets

    for sheet in ("1", "  12  b ", "Lot 4 / feuille 17", "É-203"):
        name = "\x1f".join(("comptoir", "2026", "paper", " ".join(sheet.split())))
        assert sheets.sheet_submission_id("comptoir", "2026", "paper", sheet) == str(uuid.uuid5(sheets.NAMESPACE, name))
    rows = (("overall", 4.0, None, False), ("met", -0.0, None, False), ("comment", None, "d'accord", False))
    reprs: dict = {}
    for answers in (rows[:1], rows, rows[1:], ()):
        before = sheets.fingerprint("hash", "fr", answers)
        assert sheets.fingerprint("hash", "fr", answers, reprs) == before == sheets.fingerprint("hash", "fr", answers, reprs)
    positive_zero = (("met", 0.0, None, False),)
    assert sheets.fingerprint("hash", "fr", positive_zero, reprs) == sheets.fingerprint("hash", "fr", positive_zero)
    assert sheets.fingerprint("hash", "fr", positive_zero) != sheets.fingerprint("hash", "fr", rows[1:2])


def test_a_large_import_gives_back_the_journal_space_it_took(app, runner, tmp_path, open_cycle, monkeypatch):
    import os

    from survey_app.database import sqlite_file
    from survey_app.services import sheets

    with app.app_context():
        path = sqlite_file(db.engine)
    if path is None:
        return  # PostgreSQL keeps its own journal
    monkeypatch.setattr(sheets, "LARGE_JOURNAL_BYTES", 1)  # what counts as large, for a small file
    lot = tmp_path / "lot.csv"
    lot.write_text("sheet,overall\n" + "".join(f"{n},4\n" for n in range(1, 200)), encoding="utf-8")
    assert run(runner, lot, open_cycle).exit_code == 0
    assert os.path.getsize(path + "-wal") == 0
    assert len(responses(app)) == 199


def test_a_worker_that_fails_stores_nothing_and_says_why(app, runner, tmp_path, open_cycle, reading, monkeypatch):
    from survey_app.services import imports

    if reading != "read by a worker":
        return  # the failure of a worker, only
    monkeypatch.setattr(imports, "CHUNK_ROWS", 2)

    def broken(self, cells, line):
        if line == 6:
            raise OSError("disk unreadable")
        return original(self, cells, line)

    original = imports._Reader.row
    monkeypatch.setattr(imports._Reader, "row", broken)
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n" + "".join(f"{n},4\n" for n in range(1, 9)), encoding="utf-8")
    result = run(runner, path, open_cycle)
    assert result.exit_code == 1 and isinstance(result.exception, RuntimeError)
    assert "OSError: disk unreadable" in str(result.exception)
    assert responses(app) == []
