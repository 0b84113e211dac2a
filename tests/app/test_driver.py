"""Statements on the driver (survey_app/driver.py): what they store is what SQLAlchemy would
store, a driver error is SQLAlchemy's own and undoes the whole transaction, and the session
sees the write at once."""
from __future__ import annotations

import datetime as dt
import gc
import uuid

import pytest
from sqlalchemy import bindparam, select, text
from sqlalchemy.exc import IntegrityError

from survey_app import driver
from survey_app.driver import driver_write, read_rows
from survey_app.extensions import db
from survey_app.models import Answer, Response


def stored_row(app, client) -> dict:
    """A response stored through the API (on the driver), as a row of plain columns."""
    payload = {"submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
               "answers": {"overall": 4, "met": True, "comment": "Très bien"}}
    assert client.post("/api/v1/responses", json=payload).status_code == 201
    with app.app_context():
        response = db.session.execute(select(Response).where(Response.submission_id == payload["submission_id"])
                                      ).scalar_one()
        return {column.name: getattr(response, column.key) for column in Response.__table__.columns}


def test_a_response_written_on_the_driver_reads_back_as_the_orm_wrote_it(app, client, open_cycle):
    row = stored_row(app, client)
    assert row["submitted_on"] == dt.date.today() and row["partial"] is False
    with app.app_context():
        answers = db.session.execute(select(Answer).where(Answer.response_id == row["id"])
                                     .order_by(Answer.question_id)).scalars().all()
        assert [(a.question_id, a.numeric_value, a.text_value, a.is_na) for a in answers] == [
            ("comment", None, "Très bien", False), ("met", 1.0, None, False), ("overall", 4.0, None, False)]
        if db.engine.dialect.name == "sqlite":
            # Dates as SQLAlchemy writes them, so that the results' date filters compare alike.
            raw = db.session.execute(text("SELECT submitted_on FROM response WHERE id = :id"),
                                     {"id": row["id"]}).scalar_one()
            assert raw == dt.date.today().isoformat()


def test_rows_inserted_together_keep_each_rows_values(app, client, open_cycle):
    row = stored_row(app, client)
    rows = [{"response_id": row["id"], "questionnaire_id": "comptoir", "cycle_id": row["cycle_id"],
             "question_id": f"extra_{n}", "numeric_value": float(n), "text_value": None, "is_na": n % 2 == 0}
            for n in range(12)]
    with app.test_request_context():
        with driver_write() as write:
            write.insert_rows(Answer.__table__, rows)
            write.insert_rows(Answer.__table__, [])  # nothing to insert: no statement
        stored = db.session.execute(select(Answer.question_id, Answer.numeric_value, Answer.is_na)
                                    .where(Answer.question_id.like("extra_%"))).all()
    assert sorted(stored, key=lambda r: r[1]) == [(f"extra_{n}", float(n), n % 2 == 0) for n in range(12)]


def test_a_driver_error_is_sqlalchemys_and_undoes_the_whole_transaction(app, client, open_cycle):
    first = stored_row(app, client)
    fresh = {**first, "public_id": "another", "submission_id": str(uuid.uuid4())}
    replayed = {**first, "public_id": "again"}
    for row in (fresh, replayed):
        del row["id"]
    with app.test_request_context():
        with pytest.raises(IntegrityError), driver_write() as write:
            write.insert_row(Response.__table__, fresh, returning="id")
            write.insert_row(Response.__table__, replayed, returning="id")  # same submission
        assert db.session.execute(select(db.func.count(Response.id))).scalar_one() == 1
        with driver_write() as write:  # the connection went back to the pool in order
            assert write.insert_row(Response.__table__, fresh, returning="id") > first["id"]
        assert db.session.execute(select(db.func.count(Response.id))).scalar_one() == 2


def test_a_write_on_the_driver_is_seen_by_the_requests_session_at_once(app, client, open_cycle):
    first = stored_row(app, client)
    row = {**first, "public_id": "later", "submission_id": str(uuid.uuid4())}
    del row["id"]
    count = select(db.func.count(Response.id))
    with app.test_request_context():
        assert db.session.execute(count).scalar_one() == 1  # the session's read began a transaction
        with driver_write() as write:
            write.insert_row(Response.__table__, row, returning="id")
        assert db.session.execute(count).scalar_one() == 2


def test_a_query_read_on_the_driver_takes_its_parameters_by_name(app, client, open_cycle):
    row = stored_row(app, client)
    query = select(Response.public_id, Response.partial).where(Response.id == bindparam("id"))
    with app.test_request_context():
        assert read_rows(query, {"id": row["id"]}) == [(row["public_id"], 0 if db.engine.dialect.name == "sqlite"
                                                        else False)]
        assert read_rows(query, {"id": -1}) == []


def test_a_statement_built_for_one_call_is_not_kept_once_compiled(app, open_cycle):
    with app.test_request_context():
        kept = len(driver._compiled)
        read_rows(select(Response.id).where(Response.id == bindparam("id")), {"id": 1})
        gc.collect()
        assert len(driver._compiled) == kept
