"""A CSV import's bulk transaction on SQLite (survey_app/services/bulk.py): the change count the
stored tallies rely on ends where the row triggers would have left it, the schema ends as it
began (an import that fails included), and every connection setting the import changed is put
back before the connection returns to the pool (and the heap to the garbage collector)."""
from __future__ import annotations

import gc

import pytest
from sqlalchemy import event, func

from survey_app.extensions import db
from survey_app.models import Answer, Response, ResponseChanges
from survey_app.services import bulk

SHEETS = "sheet,overall,met,courtesy\n1,5,oui,na\n2,2,non,1\n3,4,,\n"


@pytest.fixture(autouse=True)
def sqlite_only(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("PostgreSQL's change triggers run once per statement: nothing is suspended")


def run(runner, path, cycle, *extra):
    return runner.invoke(args=["responses", "import", str(path), "--questionnaire", "comptoir",
                               "--cycle", cycle, "--channel", "paper", "--lang", "en", *extra])


def state(app) -> tuple[int, int, int]:
    """(change count, responses, answers)."""
    with app.app_context():
        count = db.session.execute(db.select(ResponseChanges.count).where(ResponseChanges.id == 1)).scalar() or 0
        responses = db.session.execute(db.select(func.count()).select_from(Response)).scalar()
        answers = db.session.execute(db.select(func.count()).select_from(Answer)).scalar()
        db.session.commit()
        return count, responses, answers


def schema(app) -> list[tuple]:
    with app.app_context(), db.engine.connect() as connection:
        return sorted(connection.exec_driver_sql(
            "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL").fetchall())


def test_an_import_raises_the_change_count_by_every_row_it_stored_as_the_triggers_would(app, runner, tmp_path,
                                                                                        open_cycle):
    before_schema = schema(app)
    path = tmp_path / "lot.csv"
    path.write_text(SHEETS, encoding="utf-8")
    before = state(app)
    assert run(runner, path, open_cycle).exit_code == 0
    count, responses, answers = state(app)
    assert responses == before[1] + 3 and answers > before[2]
    assert count - before[0] == (responses - before[1]) + (answers - before[2])
    assert schema(app) == before_schema  # the triggers are back, word for word
    # They fire again for the next writes: a grown file stores one sheet, counted by them.
    path.write_text(SHEETS + "4,3,oui,2\n", encoding="utf-8")
    assert run(runner, path, open_cycle).output.strip().endswith("1 stored, 3 already present, 0 rejected")
    again = state(app)
    assert again[0] - count == (again[1] - responses) + (again[2] - answers) == 1 + 3


def test_a_refused_import_leaves_the_count_and_the_schema_as_they_were(app, runner, tmp_path, open_cycle):
    before_schema, before = schema(app), state(app)
    path = tmp_path / "lot.csv"
    path.write_text(SHEETS + "4,six,oui,2\n", encoding="utf-8")
    assert run(runner, path, open_cycle).exit_code == 1
    assert state(app) == before
    assert schema(app) == before_schema


def test_triggers_with_another_body_keep_counting_row_by_row(app, runner, tmp_path, open_cycle, monkeypatch):
    """A later migration that changed what the triggers do must not lose its effect."""
    monkeypatch.setattr(bulk, "CHANGE_TRIGGER_BODY", "BEGIN SELECT 1; END")
    path = tmp_path / "lot.csv"
    path.write_text(SHEETS, encoding="utf-8")
    before = state(app)
    assert run(runner, path, open_cycle).exit_code == 0
    count, responses, answers = state(app)
    assert count - before[0] == (responses - before[1]) + (answers - before[2]) > 0


def test_the_connection_goes_back_to_the_pool_with_its_own_settings(app, runner, tmp_path, open_cycle):
    settings = ("cache_size", "temp_store", "foreign_keys", "synchronous", "journal_mode")

    def read(dbapi_connection) -> dict:
        return {name: dbapi_connection.execute(f"PRAGMA {name}").fetchone()[0] for name in settings}

    with app.app_context():
        fresh = db.engine.raw_connection()
        try:
            expected = read(fresh.driver_connection)
        finally:
            fresh.close()
        engine = db.engine
    returned: list[dict] = []

    def listener(dbapi_connection, _record) -> None:
        returned.append(read(dbapi_connection))

    event.listen(engine, "checkin", listener)
    try:
        path = tmp_path / "lot.csv"
        path.write_text(SHEETS, encoding="utf-8")
        assert run(runner, path, open_cycle).exit_code == 0
    finally:
        event.remove(engine, "checkin", listener)
    assert returned and all(settings == expected for settings in returned)
    assert gc.get_freeze_count() == 0  # the heap set aside during the import is collected again
    assert expected["synchronous"] == 2 and expected["foreign_keys"] == 1  # FULL, enforced


def test_every_sheet_of_a_long_file_keeps_its_own_answers(app, runner, tmp_path, open_cycle):
    """Hundreds of answers go in one INSERT: each still lands on its own sheet and question."""
    path = tmp_path / "lot.csv"
    lines = [f"{n},{1 + n % 5},{'oui' if n % 2 else 'non'},{'na' if n % 7 == 0 else 1 + n % 3}\n" for n in range(1, 301)]
    path.write_text("sheet,overall,met,courtesy\n" + "".join(lines[:290]), encoding="utf-8")
    assert run(runner, path, open_cycle).output.strip().endswith("290 stored, 0 already present, 0 rejected")
    # Grown, with one sheet typed again differently: new sheets among known ones, in one INSERT.
    path.write_text("sheet,overall,met,courtesy\n" + "".join(lines) + "7,1,oui,1\n", encoding="utf-8")
    grown = run(runner, path, open_cycle).output.strip()
    assert "line 302, column sheet: this sheet was already stored with different answers" in grown
    assert grown.endswith("10 stored, 290 already present, 1 rejected")
    with app.app_context():
        sheet_of = {r.id: n for n, r in enumerate(db.session.execute(
            db.select(Response).order_by(Response.id)).scalars(), start=1)}
        stored = {(sheet_of[a.response_id], a.question_id): (a.numeric_value, a.is_na)
                  for a in db.session.execute(db.select(Answer)).scalars()}
    expected = {}
    for n in range(1, 301):
        expected[n, "overall"] = (1.0 + n % 5, False)
        expected[n, "met"] = (1.0 if n % 2 else 0.0, False)
        expected[n, "courtesy"] = (None, True) if n % 7 == 0 else (1.0 + n % 3, False)
    assert stored == expected


def test_sheets_for_a_cycle_gone_since_the_file_was_checked_are_refused_not_stored(app, runner, tmp_path, open_cycle,
                                                                                   monkeypatch):
    """The bulk transaction checks no foreign key row by row: it checks the cycle and the
    questionnaire once, inside the transaction."""
    import dataclasses

    from survey_app.services import sheets

    original = sheets.target_for
    monkeypatch.setattr(sheets, "target_for", lambda *args: dataclasses.replace(original(*args), cycle_id=9999))
    path = tmp_path / "lot.csv"
    path.write_text(SHEETS, encoding="utf-8")
    result = run(runner, path, open_cycle)
    assert result.exit_code != 0 and "unknown cycle '2026'" in result.output
    assert state(app)[1:] == (0, 0)


def test_a_row_the_database_refuses_midway_undoes_the_whole_import(app, runner, tmp_path, open_cycle, monkeypatch):
    """The rows of one INSERT before a broken constraint are not kept (statements stop, the
    transaction rolls back), nor the triggers' suspension."""
    from survey_app.services import imports

    original = imports._Reader.row

    def doubled(self, cells, line):
        sheet, problems, day = original(self, cells, line)
        if line == 250 and sheet is not None:  # the same question twice: UNIQUE(response_id, question_id)
            sheet = sheet._replace(answers=sheet.answers + sheet.answers[:1])
        return sheet, problems, day

    monkeypatch.setattr(imports._Reader, "row", doubled)
    before_schema, before = schema(app), state(app)
    path = tmp_path / "lot.csv"
    path.write_text("sheet,overall\n" + "".join(f"{n},4\n" for n in range(1, 400)), encoding="utf-8")
    result = run(runner, path, open_cycle)
    assert result.exit_code != 0 and "UNIQUE constraint failed" in str(result.exception)
    assert state(app) == before
    assert schema(app) == before_schema


def test_the_migrated_schema_leaves_no_row_trigger_in_an_import(app):
    """If a migration changes the change triggers or adds one on INSERT, this says the import
    went back to row-by-row triggers (slower, still right): look at services/bulk.py."""
    from survey_app.database import write_transaction

    with app.app_context(), write_transaction(bulk=True), bulk.bulk_writes() as writes:
        assert writes.suspended and writes.untriggered
