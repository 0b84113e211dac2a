"""The cycles' frequency tables kept in the database: always equal to a fresh recount of the
answers -- after new submissions, a response committed late below the watermark, an erasure,
an exclusion recorded apart, and across a fresh server process -- and the overview of an
unchanged database counts no rows. The PostgreSQL suite runs the same tests."""
from __future__ import annotations

import re
import uuid
from collections import Counter

import pytest
from sqlalchemy import delete, event, func, select, text

from survey_app import results
from survey_app.database import write_transaction
from survey_app.extensions import db
from survey_app.models import Answer, Cycle, CycleTally, Response, TallyAnswer, TallyResponse
from survey_app.results import tally
from tests.app.results_data import BASELINE, CYCLE
from tests.helpers import PASSWORD


@pytest.fixture
def evaluator(client, make_user, answers):
    make_user("evaluator@example.org", "evaluator")
    response = client.post("/auth/login", data={"email": "evaluator@example.org", "password": PASSWORD})
    assert response.status_code == 302
    return client


def cycle_id(code: str) -> int:
    return db.session.execute(select(Cycle.id).where(Cycle.code == code)).scalar_one()


def recount(code: str) -> tuple[Counter, Counter]:
    """The cycle's cells counted from the answers themselves (no application code)."""
    cid = cycle_id(code)
    responses = Counter({tuple(r[:-1]): r[-1] for r in db.session.execute(
        select(Response.questionnaire_id, Response.version_id, Response.channel, Response.site, Response.language,
               func.count()).where(Response.cycle_id == cid)
        .group_by(Response.questionnaire_id, Response.version_id, Response.channel, Response.site,
                  Response.language))})
    answers = Counter({tuple(r[:-2]) + (bool(r[-2]),): r[-1] for r in db.session.execute(
        select(Answer.questionnaire_id, Answer.question_id, Response.channel, Response.site, Response.language,
               Answer.numeric_value, Answer.is_na, func.count())
        .join(Response, Response.id == Answer.response_id).where(Response.cycle_id == cid)
        .group_by(Answer.questionnaire_id, Answer.question_id, Response.channel, Response.site,
                  Response.language, Answer.numeric_value, Answer.is_na))})
    return responses, answers


def stored(code: str) -> tuple[Counter, Counter]:
    """The cycle's tally as kept in the database."""
    cid = cycle_id(code)
    responses = Counter({tuple(r[:-1]): r[-1] for r in db.session.execute(
        select(TallyResponse.questionnaire_id, TallyResponse.version_id, TallyResponse.channel, TallyResponse.site,
               TallyResponse.language, TallyResponse.count).where(TallyResponse.cycle_id == cid))})
    answers = Counter({tuple(r[:-2]) + (bool(r[-2]),): r[-1] for r in db.session.execute(
        select(TallyAnswer.questionnaire_id, TallyAnswer.question_id, TallyAnswer.channel, TallyAnswer.site,
               TallyAnswer.language, TallyAnswer.numeric_value, TallyAnswer.is_na, TallyAnswer.count)
        .where(TallyAnswer.cycle_id == cid))})
    return responses, answers


def served(code: str) -> Counter:
    """What the results engine counts for the cycle (question, value -> answers)."""
    table = results.frequency_table(["comptoir"], [code])
    return Counter({(q, None if v != v else v): n for q, v, n in zip(table["question"], table["value"],
                                                                      table["count"])})


def expected(code: str) -> Counter:
    _responses, answers = recount(code)
    out: Counter = Counter()
    for (_qid, question, _channel, _site, _language, value, _na), n in answers.items():
        out[(question, value)] += n
    return out


def check(app, code: str) -> None:
    """The engine's counts and the stored tally equal a recount (a request of its own: the
    tallies are read once per request)."""
    db.session.commit()
    with app.test_request_context():
        assert served(code) == expected(code)
        db.session.commit()  # the tally was stored on a connection of its own
        assert stored(code) == recount(code)


def submit(client, **answers) -> None:
    response = client.post("/api/v1/responses", json={
        "submission_id": str(uuid.uuid4()), "questionnaire": "comptoir", "channel": "online",
        "language": "fr", "answers": answers or {"overall": 5}})
    assert response.status_code == 201, response.get_data(as_text=True)


def copy_response(source_id: int, new_id: int) -> None:
    """A copy of a response under a chosen id (a transaction that took its id earlier and
    commits later than others)."""
    columns = [c.name for c in Response.__table__.columns if c.name != "id"]
    answer_columns = [c.name for c in Answer.__table__.columns if c.name not in ("id", "response_id")]
    with write_transaction():
        row = db.session.execute(select(Response.__table__).where(Response.id == source_id)).one()._mapping
        values = {c: row[c] for c in columns}
        values.update(id=new_id, public_id=uuid.uuid4().hex[:16], submission_id=str(uuid.uuid4()))
        db.session.execute(Response.__table__.insert().values(**values))
        for answer in db.session.execute(select(Answer.__table__).where(Answer.response_id == source_id)).all():
            db.session.execute(Answer.__table__.insert().values(
                response_id=new_id, **{c: answer._mapping[c] for c in answer_columns}))
        if db.engine.dialect.name == "postgresql":  # the next submission's id comes after
            db.session.execute(text("SELECT setval(pg_get_serial_sequence('response', 'id'), "
                                    "(SELECT max(id) FROM response))"))


def recounted(app, code: str) -> bool:
    """Whether reading the cycle's figures made the engine count every answer again."""
    statements = []
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)
    db.session.commit()
    with app.test_request_context():
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            served(code)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    return any("GROUP BY" in s and "FROM response JOIN answer" in s and "response.id >" not in s for s in statements)


def test_the_tally_equals_a_recount_after_submissions_and_across_a_fresh_process(app, client, answers):
    with app.app_context():
        check(app, CYCLE)
        check(app, BASELINE)
        assert db.session.get(CycleTally, cycle_id(CYCLE)) is not None
    submit(client, overall=1)
    submit(client, overall=2, courtesy=5)
    with app.app_context():
        before = db.session.get(CycleTally, cycle_id(CYCLE))
        watermark, generation = before.watermark, before.generation
        check(app, CYCLE)
        after = db.session.get(CycleTally, cycle_id(CYCLE))
        db.session.refresh(after)
        assert after.watermark > watermark and after.generation != generation  # topped up, stored
    # a freshly started server: nothing in memory, the tallies read back, no answer recounted
    results.clear_cache()
    with app.app_context():
        assert not recounted(app, CYCLE) and not recounted(app, BASELINE)
        check(app, CYCLE)
        check(app, BASELINE)


def test_a_response_committed_late_below_the_watermark_is_counted(app, client, answers):
    with app.app_context():
        first = db.session.execute(select(func.min(Response.id)).where(Response.cycle_id == cycle_id(CYCLE))).scalar()
        top = db.session.execute(select(func.max(Response.id))).scalar()
        copy_response(first, top + 5000)
        check(app, CYCLE)  # the tally's watermark is now top + 5000
        copy_response(first, top + 4990)  # took its id before, committed after
        assert not recounted(app, CYCLE)  # added from the tail, not recounted
        check(app, CYCLE)
        copy_response(first, top + 10)  # far below the watermark: recounted, as correct
        assert recounted(app, CYCLE)
        check(app, CYCLE)
    submit(client)
    with app.app_context():
        assert not recounted(app, CYCLE)
        check(app, CYCLE)


def test_an_erased_or_changed_response_leaves_the_tally_equal_to_a_recount(app, client, answers):
    with app.app_context():
        check(app, CYCLE)
        victim = db.session.execute(select(func.min(Response.id)).where(Response.cycle_id == cycle_id(CYCLE))).scalar()
        with write_transaction():
            db.session.execute(delete(Answer).where(Answer.response_id == victim))
            db.session.execute(delete(Response).where(Response.id == victim))
        check(app, CYCLE)
        with write_transaction():
            db.session.execute(text("UPDATE response SET channel = 'paper' WHERE id = :id"), {"id": victim + 1})
        check(app, CYCLE)
    submit(client)
    with app.app_context():
        check(app, CYCLE)


def test_an_invalidated_tally_is_recounted_and_an_older_snapshot_cannot_overwrite_it(app, answers):
    with app.app_context():
        check(app, CYCLE)
        cid = cycle_id(CYCLE)
        # a server reads a snapshot that needs a top-up...
        copy_response(db.session.execute(select(func.min(Response.id)).where(Response.cycle_id == cid)).scalar(),
                      db.session.execute(select(func.max(Response.id))).scalar() + 1)
        with tally.snapshot_connection(db.engine) as connection, connection.begin():
            _tally, pending = tally.read_tally(connection, cid)
        assert pending is not None
        # ...meanwhile responses are excluded apart from their rows, and the tally invalidated
        with write_transaction():
            results.invalidate_cycle_tables(cycle_id=cid)
        tally.write_tallies([pending])  # the late writer loses
        db.session.commit()
        assert db.session.get(CycleTally, cid).watermark == tally.RECOUNT
        check(app, CYCLE)
        assert db.session.get(CycleTally, cid).watermark != tally.RECOUNT


def test_filtered_views_and_disclosure_come_from_the_tally(app, answers):
    with app.test_request_context():
        for filters in (results.Filters(channel="kiosk"), results.Filters(language="en"),
                        results.Filters(site="Comptoir central")):
            table = results.frequency_table(["comptoir"], [CYCLE], filters)
            got = Counter({(q, None if v != v else v): n for q, v, n in
                           zip(table["question"], table["value"], table["count"])})
            rows = answers[(answers["cycle"] == CYCLE)]
            for field in ("channel", "language", "site"):
                if getattr(filters, field):
                    rows = rows[rows[field] == getattr(filters, field)]
            assert sum(got.values()) == len(rows)
        # phone has fewer than 10 responses: never offered as a filter
        assert "phone" not in results.offered_values(CYCLE, "channel")
        assert results.sites() == ["Comptoir central"]


def test_the_overview_of_an_unchanged_database_counts_no_rows(app, evaluator):
    url = f"/results/?cycle={CYCLE}&baseline={BASELINE}"
    assert evaluator.get(url).status_code == 200  # the tallies are stored
    results.clear_cache()  # a freshly started server
    statements = []
    listener = lambda _c, _cur, statement, *_a: statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        assert evaluator.get(url).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert statements
    counting = [s for s in statements if re.search(r"count\(", s, re.I)]
    assert counting == [], "\n---\n".join(counting)


def test_the_tally_command_counts_every_cycle_once_so_the_first_page_recounts_nothing(app, client, runner, answers):
    first = runner.invoke(args=["results", "tally", "--lang", "en"])
    assert first.exit_code == 0, first.output
    lines = {line.split(":")[0]: line for line in first.output.splitlines()}
    with app.app_context():
        for code in (CYCLE, BASELINE):
            assert "recounted" in lines[f"cycle {code}"]
            assert stored(code) == recount(code)
            responses = sum(recount(code)[0].values())
            assert f"cycle {code}: {responses} responses" in lines[f"cycle {code}"]
    # a fresh server after the command: the first page reads the stored tables
    results.clear_cache()
    with app.app_context():
        assert not recounted(app, CYCLE) and not recounted(app, BASELINE)
    submit(client, overall=4)
    again = runner.invoke(args=["results", "tally", "--cycle", CYCLE])  # French by default
    assert again.exit_code == 0 and again.output.startswith(f"cycle {CYCLE} :") and "complétée" in again.output
    assert "déjà à jour" in runner.invoke(args=["results", "tally", "--cycle", CYCLE]).output
    with app.app_context():
        check(app, CYCLE)
    unknown = runner.invoke(args=["results", "tally", "--cycle", "1999", "--lang", "en"])
    assert unknown.exit_code == 1 and "unknown cycle: 1999" in unknown.output
