"""Database faults answered honestly: 503 with Retry-After (JSON for the API, the form again
with the citizen's answers for the online survey), /healthz at 503 while a write would fail,
and an SQLite file deleted or replaced under a running server never written to again.
"""
from __future__ import annotations

import os
import re
import shutil
import sqlite3
import uuid
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from survey_app.extensions import db
from survey_app.models import Answer, Response
from tests.app.test_survey import form_data
from tests.helpers import make_app


def body(**overrides):
    payload = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
               "language": "fr", "answers": {"overall": 4, "met": True, "comment": "Très bien"}}
    payload.update(overrides)
    return payload


def counts(app) -> tuple[int, int]:
    with app.app_context():
        return (db.session.execute(db.select(db.func.count(Response.id))).scalar_one(),
                db.session.execute(db.select(db.func.count(Answer.id))).scalar_one())


def sqlite_path(app) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")


def on_connect(app, pragma: str):
    """Every new connection of ``app`` runs ``pragma`` (the pool is emptied first)."""
    def listener(connection, _record):
        connection.execute(pragma)
    with app.app_context():
        event.listen(db.engine, "connect", listener)
        db.engine.dispose()
    return listener


def assert_unavailable(response):
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0


def test_a_lock_held_past_the_busy_timeout_is_503_and_the_form_keeps_the_answers(database_uri, open_cycle, app):
    quick = make_app(database_uri, SQLITE_BUSY_TIMEOUT_MS=50)
    client = quick.test_client()
    page = client.get("/q/comptoir").get_data(as_text=True)
    holder = sqlite3.connect(sqlite_path(app), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        response = client.post("/api/v1/responses", json=body())
        assert_unavailable(response)
        assert "nothing was stored" in response.get_json()["error"]
        form = client.post("/q/comptoir", data=form_data(page, overall="2", comment="Trop d’attente au comptoir"))
        assert_unavailable(form)
        text = form.get_data(as_text=True)
        assert "Trop d’attente au comptoir" in text and re.search(r'value="2"\s+checked', text)
        assert "Nous n’avons pas pu enregistrer vos réponses" in text
        assert_unavailable(client.get("/healthz"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert client.post("/api/v1/responses", json=body()).status_code == 201
    assert counts(app) == (1, 3)


def test_a_read_only_database_is_503_and_healthz_says_so(app, client, open_cycle):
    on_connect(app, "PRAGMA query_only = ON")
    assert_unavailable(client.post("/api/v1/responses", json=body()))
    health = client.get("/healthz")
    assert_unavailable(health)
    assert health.get_json()["status"] == "unavailable"


def test_a_full_database_is_503_with_nothing_partial_and_healthz_says_so(app, client, open_cycle):
    on_connect(app, "PRAGMA max_page_count = 1")  # SQLite caps it at the file's current size
    statuses = [client.post("/api/v1/responses", json=body(answers={
        "overall": 4, "met": True, "comment": "x" * 400})).status_code for _ in range(60)]
    assert set(statuses) <= {201, 503} and 503 in statuses
    stored, answers = counts(app)
    assert stored == statuses.count(201) and answers == 3 * stored
    assert_unavailable(client.get("/healthz"))


@pytest.mark.parametrize("change", ["deleted", "replaced"])
def test_a_database_file_deleted_or_replaced_under_the_server_is_never_written(app, client, open_cycle, change):
    assert client.post("/api/v1/responses", json=body()).status_code == 201
    path = sqlite_path(app)
    if change == "deleted":
        os.remove(path)
    else:
        shutil.copy(path, path + ".restored")
        os.replace(path + ".restored", path)
    for _ in range(3):
        assert_unavailable(client.post("/api/v1/responses", json=body()))
    assert_unavailable(client.get("/healthz"))
    # The citizen's page reads outside any transaction (driver.read_rows): refused as well.
    assert_unavailable(client.get("/q/comptoir"))
    assert os.path.exists(path) == (change == "replaced")  # SQLite did not create an empty one
    if change == "replaced":
        fresh = make_app(f"sqlite:///{path}")  # a restarted server reads the restored file
        assert counts(fresh) == (1, 3)


def test_a_missing_database_is_503_for_submissions(tmp_path):
    broken = make_app(f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}")
    response = broken.test_client().post("/api/v1/responses", json=body())
    assert_unavailable(response)
    assert response.get_json()["error"]


def test_healthz_stays_503_for_a_while_after_a_write_failed_for_a_fault(app, client, open_cycle):
    listener = on_connect(app, "PRAGMA query_only = ON")
    assert_unavailable(client.post("/api/v1/responses", json=body()))
    with app.app_context():
        event.remove(db.engine, "connect", listener)
        db.engine.dispose()
    assert_unavailable(client.get("/healthz"))  # the probe passes, the last write did not
    app.config["HEALTH_WRITE_FAILURE_SECONDS"] = 0
    assert client.get("/healthz").status_code == 200


@contextmanager
def second_response_fails(app):
    """The database itself fails the second response's INSERT (whatever sends it): SQLite
    interrupts it, PostgreSQL answers "disk full" (a sequence counts, rolled back or not)."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.exec_driver_sql("CREATE SEQUENCE test_fault_count")
            connection.exec_driver_sql(
                "CREATE FUNCTION test_fault() RETURNS trigger AS $$ BEGIN "
                "IF nextval('test_fault_count') = 2 THEN "
                "RAISE EXCEPTION 'could not extend file' USING ERRCODE = 'disk_full'; END IF; "
                "RETURN NEW; END $$ LANGUAGE plpgsql")
            connection.exec_driver_sql("CREATE TRIGGER test_fault BEFORE INSERT ON response "
                                       "FOR EACH ROW EXECUTE FUNCTION test_fault()")
        try:
            yield
        finally:
            with engine.begin() as connection:
                connection.exec_driver_sql("DROP TRIGGER test_fault ON response")
                connection.exec_driver_sql("DROP FUNCTION test_fault()")
                connection.exec_driver_sql("DROP SEQUENCE test_fault_count")
        return
    inserts = {"count": 0, "failing": False, "seen": False}

    def watch(statement):  # each statement as it starts, a trigger's again
        if statement.startswith(("BEGIN", "ROLLBACK")):
            inserts["seen"] = inserts["failing"] = False
        elif statement.startswith("INSERT INTO response ") and not inserts["seen"]:
            inserts["seen"] = True
            inserts["count"] += 1
            inserts["failing"] = inserts["count"] == 2

    def listener(connection, _record):
        connection.set_trace_callback(watch)
        connection.set_progress_handler(lambda: 1 if inserts["failing"] else 0, 1)

    event.listen(engine, "connect", listener)
    engine.dispose()
    try:
        yield
    finally:
        event.remove(engine, "connect", listener)
        engine.dispose()


def test_a_batch_answers_one_result_per_item_when_one_item_meets_a_fault(app, client, open_cycle, staff_token):
    items = [body(channel="paper") for _ in range(3)]
    with second_response_fails(app):
        response = client.post("/api/v1/responses/batch", json={"responses": items},
                               headers={"Authorization": f"Bearer {staff_token}"})
    assert response.status_code == 200
    results = response.get_json()["results"]
    assert [r["status"] for r in results] == [201, 503, 201]
    assert [r["submission_id"] for r in results] == [i["submission_id"] for i in items]
    assert response.get_json()["stored"] == 2 and counts(app) == (2, 6)
    replay = client.post("/api/v1/responses/batch", json={"responses": items},
                         headers={"Authorization": f"Bearer {staff_token}"}).get_json()["results"]
    assert [r["status"] for r in replay] == [200, 201, 200]
    assert counts(app) == (3, 9)
