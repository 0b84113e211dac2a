"""Each cycle's frequency tables kept in the database, so a freshly started server reads a
few thousand rows instead of recounting every answer: read, topped up, rewritten, invalidated.

A cycle's tally counts its responses per questionnaire, version and filter cell (channel,
site, language), and its answers per questionnaire, question, number, "not applicable" and
cell (tables ``tally_response`` and ``tally_answer``). Its state row (``cycle_tally``) says
which snapshot it counted: the largest response id then (the watermark) and the value of
``response_changes``, a number that triggers raise in the writing transaction for every
response or answer row added, changed or removed (migration 0014). A later snapshot tops the
tally up with the responses above the watermark, and those committed late just below it
(ids of the last :data:`TAIL` that the tally did not see, kept in its state row), only when
the number moved by exactly the rows added so; anything else (a change, a removal, a very
late commit) is a full recount. Rewrites are optimistic (``generation`` must be the one read),
so servers racing to top up keep one consistent tally and none waits for another. Code that
hides responses without changing their rows calls :func:`invalidate_cycle_tables`.

The stored tallies count every stored response. Those an evaluator excluded as suspected
ballot stuffing (:mod:`.exclusion`) are taken out as the tallies are read
(:func:`counted_tallies`), so a decision, or its reversal, rewrites no stored tally.
"""
from __future__ import annotations

import json
import logging
import uuid
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from flask import current_app, has_request_context, request
from sqlalchemy import bindparam, delete, exc, func, insert, select, update

from ..database import WRITE
from ..extensions import db
from ..models import Answer, CycleTally, Response, ResponseChanges, TallyAnswer, TallyResponse, utcnow
from .cache import clear_cache, table_cache
from .exclusion import any_excluded, excluded_responses

log = logging.getLogger(__name__)

#: Columns of :attr:`Tally.responses` rows.
RESPONSE_CELL = ("questionnaire", "version_id", "channel", "site", "language", "count")
#: Columns of :attr:`Tally.answers` rows (``value`` None: "not applicable", choice or text).
ANSWER_CELL = ("questionnaire", "question", "channel", "site", "language", "value", "is_na", "count")

#: Cycles read at once for one page (one snapshot and connection each).
MAX_PARALLEL_QUERIES = 4
#: Responses committed late at most this many ids below a tally's watermark are added to
#: it; one later still (a transaction that held its id that long) makes it recount.
TAIL = 1000
#: The watermark of a tally that must be recounted (see :func:`invalidate_cycle_tables`).
RECOUNT = -1


@dataclass(frozen=True)
class Tally:
    """One cycle's counts as of a snapshot (``watermark``, ``changes``), per filter cell."""

    cycle_id: int
    watermark: int
    changes: int
    generation: str
    responses: tuple  # RESPONSE_CELL rows
    answers: tuple  # ANSWER_CELL rows
    tail: frozenset = frozenset()  # ids of the responses (every cycle) counted in the last TAIL ids

    @cached_property
    def by_questionnaire(self) -> dict[str, tuple[list, list]]:
        """``questionnaire -> (responses rows, answers rows)``."""
        out: dict[str, tuple[list, list]] = {}
        for row in self.responses:
            out.setdefault(row[0], ([], []))[0].append(row)
        for row in self.answers:
            out.setdefault(row[0], ([], []))[1].append(row)
        return out


@dataclass(frozen=True)
class Pending:
    """A tally computed from a snapshot, to be written if its state row is still ``based_on``
    (None: the cycle had no state row)."""

    tally: Tally
    based_on: str | None
    base: Tally | None = None  # the tally whose cells are stored (None: rewrite them all)


def _merge(rows_a: Iterable, rows_b: Iterable) -> tuple:
    totals: dict = {}
    for row in list(rows_a) + list(rows_b):
        key = tuple(row[:-1])
        totals[key] = totals.get(key, 0) + int(row[-1])
    return tuple(key + (count,) for key, count in totals.items() if count)


def _responses_query(cycle_id: int):
    return (select(Response.questionnaire_id, Response.version_id, Response.channel, Response.site,
                   Response.language, func.count())
            .where(Response.cycle_id == cycle_id)
            .group_by(Response.questionnaire_id, Response.version_id, Response.channel, Response.site,
                      Response.language))


def _answers_query(cycle_id: int):
    # driven by the cycle's responses, then each one's answers by the (response_id,
    # question_id) index: the cell lives on the response
    return (select(Answer.questionnaire_id, Answer.question_id, Response.channel, Response.site,
                   Response.language, Answer.numeric_value, Answer.is_na, func.count())
            .select_from(Response).join(Answer, Answer.response_id == Response.id)
            .where(Response.cycle_id == cycle_id)
            .group_by(Answer.questionnaire_id, Answer.question_id, Response.channel, Response.site,
                      Response.language, Answer.numeric_value, Answer.is_na))


def _rows(result) -> tuple:
    return tuple(tuple(row[:-1]) + (int(row[-1]),) for row in result)


def _answer_rows(result) -> tuple:
    # is_na comes back as 0/1 from SQLite
    return tuple(tuple(row[:6]) + (bool(row[6]), int(row[7])) for row in result)


def _stored(connection, cycle_id: int, state) -> Tally:
    responses = connection.execute(
        select(TallyResponse.questionnaire_id, TallyResponse.version_id, TallyResponse.channel,
               TallyResponse.site, TallyResponse.language, TallyResponse.count)
        .where(TallyResponse.cycle_id == cycle_id)).all()
    answers = connection.execute(
        select(TallyAnswer.questionnaire_id, TallyAnswer.question_id, TallyAnswer.channel, TallyAnswer.site,
               TallyAnswer.language, TallyAnswer.numeric_value, TallyAnswer.is_na, TallyAnswer.count)
        .where(TallyAnswer.cycle_id == cycle_id)).all()
    return Tally(cycle_id, state.watermark, state.changes, state.generation, _rows(responses), _answer_rows(answers),
                 frozenset(json.loads(state.tail)))


def _cache_key(engine, cycle_id: int) -> tuple:
    return ("tally", engine.url.render_as_string(hide_password=True), cycle_id)


def _tail(connection, watermark: int) -> frozenset:
    """Ids of the responses (every cycle) visible just below the watermark."""
    return frozenset(connection.execute(select(Response.id).where(Response.id > watermark - TAIL,
                                                                  Response.id <= watermark)).scalars())


def read_tally(connection, cycle_id: int) -> tuple[Tally, Pending | None]:
    """The cycle's tally as of the connection's snapshot (run inside one transaction), and
    what to write back when it had to be topped up or recounted."""
    changes = connection.execute(select(ResponseChanges.count).where(ResponseChanges.id == 1)).scalar() or 0
    watermark = connection.execute(select(func.max(Response.id))).scalar() or 0
    state = connection.execute(select(CycleTally.watermark, CycleTally.changes, CycleTally.generation,
                                      CycleTally.tail).where(CycleTally.cycle_id == cycle_id)).one_or_none()
    base: Tally | None = None
    if state is not None and state.watermark != RECOUNT:
        cached = table_cache.get(_cache_key(connection.engine, cycle_id))
        base = cached if cached is not None and cached.generation == state.generation else None
        if base is None:
            base = _stored(connection, cycle_id, state)
            table_cache.put(_cache_key(connection.engine, cycle_id), base)
        if base.changes == changes and base.watermark == watermark:
            return base, None
    based_on = None if state is None else state.generation
    generation = uuid.uuid4().hex
    if base is not None and base.watermark <= watermark:
        # every change since the tally must be a response (or one of its answers) above the
        # watermark, or one committed late just below it (an id of the tail not seen then):
        # anything else -- a later late commit, a change, a removal -- makes the sums differ
        late = sorted(_tail(connection, base.watermark) - base.tail)
        added = (Response.id > base.watermark) | Response.id.in_(late) if late else Response.id > base.watermark
        answered = (Answer.response_id > base.watermark) | Answer.response_id.in_(late) if late \
            else Answer.response_id > base.watermark
        added_responses, added_answers = connection.execute(select(
            select(func.count()).select_from(Response).where(added).scalar_subquery(),
            select(func.count()).select_from(Answer).where(answered).scalar_subquery())).one()
        if changes - base.changes == added_responses + added_answers:
            responses = connection.execute(_responses_query(cycle_id).where(added)).all()
            answers = connection.execute(_answers_query(cycle_id).where(added)).all()
            tally = Tally(cycle_id, watermark, changes, generation, _merge(base.responses, _rows(responses)),
                          _merge(base.answers, _answer_rows(answers)), _tail(connection, watermark))
            return tally, Pending(tally, based_on, base)
    responses = connection.execute(_responses_query(cycle_id)).all()
    answers = connection.execute(_answers_query(cycle_id)).all()
    tally = Tally(cycle_id, watermark, changes, generation, _rows(responses), _answer_rows(answers),
                  _tail(connection, watermark))
    return tally, Pending(tally, based_on)


def snapshot_connection(engine):
    """A connection whose transactions each read one snapshot (the watermark, the change
    count and the counts must agree)."""
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def write_tallies(pending: Sequence[Pending]) -> None:
    """Store topped-up or recounted tallies whose state row nobody rewrote meanwhile; one that
    lost the race is dropped (the winner's is as good). Written on a connection of their own,
    so a caller's transaction is never committed early; a database that refuses the write
    (read-only, full, locked, down) costs only the next server a recount."""
    engine = db.engine
    for item in pending:
        try:
            with engine.connect() as connection:
                connection = connection.execution_options(**WRITE)
                with connection.begin():
                    stored = _replace(connection, item)
        except exc.IntegrityError:
            continue  # another server inserted the cycle's first tally meanwhile
        except exc.SQLAlchemyError as error:
            # best effort, like any cache: unavailable, full, read-only or not granted
            log.warning("results: tally of cycle %s not stored: %s", item.tally.cycle_id, error)
            continue
        if stored:
            table_cache.put(_cache_key(engine, item.tally.cycle_id), item.tally)


RESPONSE_COLUMNS = ("questionnaire_id", "version_id", "channel", "site", "language")
ANSWER_COLUMNS = ("questionnaire_id", "question_id", "channel", "site", "language", "numeric_value", "is_na")


def _replace(connection, item: Pending) -> bool:
    tally = item.tally
    values = {"watermark": tally.watermark, "changes": tally.changes, "generation": tally.generation,
              "tail": json.dumps(sorted(tally.tail)), "updated_at": utcnow()}
    if item.based_on is None:
        connection.execute(insert(CycleTally).values(cycle_id=tally.cycle_id, **values))
    else:
        moved = connection.execute(update(CycleTally).where(
            CycleTally.cycle_id == tally.cycle_id, CycleTally.generation == item.based_on).values(**values))
        if moved.rowcount != 1:
            return False
    if item.base is None:
        _clear_cells(connection, tally.cycle_id)
    _write_cells(connection, TallyResponse, RESPONSE_COLUMNS, tally.cycle_id,
                 () if item.base is None else item.base.responses, tally.responses)
    _write_cells(connection, TallyAnswer, ANSWER_COLUMNS, tally.cycle_id,
                 () if item.base is None else item.base.answers, tally.answers)
    return True


def _write_cells(connection, model, columns: tuple, cycle_id: int, stored: tuple, rows: tuple) -> None:
    """Rewrite the cells whose count differs from the stored ones (a top-up touches a few)."""
    before = {tuple(row[:-1]): row[-1] for row in stored}
    after = {tuple(row[:-1]): row[-1] for row in rows}
    changed = [key for key in before.keys() | after.keys() if before.get(key) != after.get(key)]
    stale = [key for key in changed if key in before]
    if stale:
        table = model.__table__
        matches = [table.c[name].is_not_distinct_from(bindparam(f"k_{name}")) for name in columns]
        connection.execute(delete(table).where(table.c.cycle_id == cycle_id, *matches),
                           [{f"k_{name}": value for name, value in zip(columns, key)} for key in stale])
    fresh = [dict(zip(columns, key), count=after[key], cycle_id=cycle_id) for key in changed if after.get(key)]
    if fresh:
        connection.execute(insert(model), fresh)


def _clear_cells(connection, cycle_id: int) -> None:
    connection.execute(delete(TallyResponse).where(TallyResponse.cycle_id == cycle_id))
    connection.execute(delete(TallyAnswer).where(TallyAnswer.cycle_id == cycle_id))


def cycle_tallies(cycle_ids: Sequence[int]) -> list[Tally]:
    """The cycles' tallies, each read in one snapshot on its own pooled connection, topped up
    or recounted as needed and stored back (:mod:`.tally`); once per request."""
    # on the request itself: an application context (and its g) may outlive several requests
    memo = request.environ.setdefault("servir.results_tallies", {}) if has_request_context() else {}
    missing = [c for c in dict.fromkeys(cycle_ids) if c not in memo]
    if missing:
        memo.update({tally.cycle_id: tally for tally, _pending in _bring_up_to_date(missing)})
    return [memo[c] for c in cycle_ids]


def refresh_tallies(cycle_ids: Sequence[int]) -> list[tuple[Tally, str]]:
    """Bring the cycles' stored tallies up to date now (after a migration or a bulk import, so
    the first visitor does not wait for a recount); each tally with what it took:
    ``"current"``, ``"topped up"`` or ``"recounted"``."""
    done = []
    for tally, pending in _bring_up_to_date(list(dict.fromkeys(cycle_ids))):
        how = "current" if pending is None else "recounted" if pending.base is None else "topped up"
        done.append((tally, how))
    return done


def _bring_up_to_date(cycle_ids: list[int]) -> list[tuple[Tally, Pending | None]]:
    """Read each cycle's tally (topped up or recounted as needed) and store those that moved.

    A recount is the database's work (SQLite and psycopg release the GIL while a statement
    runs), so two cycles' GROUP BYs take about the time of one on two cores."""
    engine = db.engine

    def run(cycle_id):
        with snapshot_connection(engine) as connection, connection.begin():
            return read_tally(connection, cycle_id)

    if len(cycle_ids) == 1:
        found = [run(cycle_ids[0])]
    else:
        with ThreadPoolExecutor(max_workers=min(len(cycle_ids), MAX_PARALLEL_QUERIES)) as pool:
            found = list(pool.map(run, cycle_ids))
    write_tallies([pending for _tally, pending in found if pending is not None])
    return found


def counted_tallies(cycle_ids: Sequence[int]) -> list[Tally]:
    """:func:`cycle_tallies` less the responses an evaluator excluded: the same two GROUP BYs
    over the excluded responses alone (a short list), subtracted cell by cell."""
    tallies = cycle_tallies(cycle_ids)
    if not any_excluded(cycle_ids):
        return tallies
    excluded = select(excluded_responses().subquery().c.response_id)
    counted = []
    for tally in tallies:
        responses = _rows(db.session.execute(_responses_query(tally.cycle_id).where(Response.id.in_(excluded))))
        answers = _answer_rows(db.session.execute(_answers_query(tally.cycle_id).where(Response.id.in_(excluded))))
        counted.append(replace(tally, responses=_merge(tally.responses, _negated(responses)),
                               answers=_merge(tally.answers, _negated(answers))))
    return counted


def _negated(rows: tuple) -> tuple:
    return tuple(tuple(row[:-1]) + (-row[-1],) for row in rows)


def invalidate_cycle_tables(questionnaire_id: str | None = None, cycle_id: int | None = None) -> None:
    """Make the tallies of a cycle (None: every cycle holding that questionnaire's responses,
    or every cycle) recount at their next read. Call it inside the write transaction that
    hides or changes responses without changing their rows (an exclusion recorded apart):
    the state row is marked for a recount with a new generation, so a server still holding a
    tally of an older snapshot cannot store it over the mark."""
    if cycle_id is not None:
        cycle_ids = {cycle_id}
    else:
        responses = select(func.distinct(Response.cycle_id))
        tallied = select(CycleTally.cycle_id)
        if questionnaire_id is not None:
            responses = responses.where(Response.questionnaire_id == questionnaire_id)
            tallied = select(func.distinct(TallyResponse.cycle_id)).where(
                TallyResponse.questionnaire_id == questionnaire_id)
        cycle_ids = set(db.session.execute(responses).scalars()) | set(db.session.execute(tallied).scalars())
    marked = {"watermark": RECOUNT, "changes": RECOUNT, "tail": "[]", "updated_at": utcnow()}
    for cid in sorted(cycle_ids):
        generation = uuid.uuid4().hex
        moved = db.session.execute(update(CycleTally).where(CycleTally.cycle_id == cid)
                                   .values(generation=generation, **marked))
        if moved.rowcount != 1:  # type: ignore[attr-defined]  # an UPDATE's result is a CursorResult
            db.session.execute(insert(CycleTally).values(cycle_id=cid, generation=generation, **marked))
        _clear_cells(db.session, cid)
    clear_cache()
    current_app.logger.info("results: tallies of cycles %s marked for a recount", sorted(cycle_ids))
