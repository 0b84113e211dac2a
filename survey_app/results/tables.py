"""The frequency tables every figure comes from, and their incremental top-up.

Aggregation happens in the database: one ``GROUP BY questionnaire_id, cycle_id,
question_id, numeric_value`` per cycle over the covering index ``ix_answer_aggregate``
(joined to ``response`` only when filtering), the cycles in parallel. Each cycle's tables
are kept per process (:data:`survey_app.results.cache.table_cache`) and topped up with the
responses added since (see :class:`CycleTables`). Responses an evaluator excluded as
suspected ballot stuffing are taken out after the cache, by subtracting the small GROUP BY
over them (:func:`without_excluded`), so the kept tables stay those of every stored response
and a decision, or its reversal, changes no kept table. Also here: the response counts per
version and channel, the answer counts of choice questions, and the respondent rows read in
chunks for what truly needs them (driver analysis).
"""
from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from ..extensions import db
from ..models import Answer, Cycle, Response
from .cache import table_cache
from .choices import get_cycle
from .exclusion import any_excluded, counted, excluded_responses
from .model import Filters, ResultsError

#: Read queries run at once for one page (one GROUP BY per cycle, plus the response counts).
MAX_PARALLEL_QUERIES = 4


def filtered(query: Any, filters: Filters | None, joined: bool) -> Any:
    """``query`` restricted to the responses ``filters`` keep (``joined``: ``response`` is
    already in the query; otherwise it is joined to the answers)."""
    if filters is None or not filters.active:
        return query
    if not joined:
        query = query.join(Response, Response.id == Answer.response_id)
    if filters.channel:
        query = query.where(Response.channel == filters.channel)
    if filters.site:
        query = query.where(Response.site == filters.site)
    if filters.language:
        query = query.where(Response.language == filters.language)
    return query


def frequency_query(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                    filters: Filters | None) -> Any:
    """The GROUP BY: over the covering index ``ix_answer_aggregate`` alone, or, with
    filters, driven by the matching responses (``ix_response_results``) and their answers
    (the ``(response_id, question_id)`` index) -- several times faster than scanning every
    answer and looking its response up."""
    query = select(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id,
                   Answer.numeric_value, func.count().label("count"))
    if filters is not None and filters.active:
        query = (query.select_from(Response).join(Answer, Answer.response_id == Response.id)
                 .where(Response.cycle_id.in_(list(cycle_ids))))
        if questionnaire_ids is not None:
            query = query.where(Response.questionnaire_id.in_(list(questionnaire_ids)))
        query = filtered(query, filters, joined=True)
        return query.group_by(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)
    if questionnaire_ids is not None:
        query = query.where(Answer.questionnaire_id.in_(list(questionnaire_ids)))
    query = query.where(Answer.cycle_id.in_(list(cycle_ids)))
    query = filtered(query, filters, joined=False)
    return query.group_by(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)


FREQUENCY_COLUMNS = ["questionnaire", "cycle_id", "question", "value", "count"]


COUNT_COLUMNS = ["questionnaire", "cycle_id", "version_id", "channel", "count"]


@dataclass(frozen=True)
class CycleTables:
    """One cycle's GROUP BY results, as of a snapshot of the database.

    ``watermark`` is the largest response id in that snapshot and ``responses`` the number
    of the cycle's responses (all of them, whatever the filters) up to it. Responses are
    never updated and their answers are written with them, so a later snapshot only adds
    responses; those above the watermark are counted by a small GROUP BY over the id range
    and added (a "delta"). If the cycle's count up to the old watermark changed (a response
    removed, or committed late below the watermark), everything is recounted."""

    watermark: int
    responses: int
    counts: tuple  # COUNT_COLUMNS rows
    freq: tuple  # FREQUENCY_COLUMNS rows


def _merge(rows_a, rows_b, keys: int) -> tuple:
    totals: dict = {}
    for row in list(rows_a) + list(rows_b):
        key = tuple(row[:keys])
        totals[key] = totals.get(key, 0) + int(row[keys])
    return tuple(key + (count,) for key, count in totals.items())


def _snapshot_connection(engine):
    connection = engine.connect()
    if engine.dialect.name == "postgresql":
        # the watermark, the count and the GROUP BY must see one snapshot
        connection = connection.execution_options(isolation_level="REPEATABLE READ")
    return connection


def _delta_frequency_query(questionnaire_ids, cycle_id: int, filters: Filters | None, after: int):
    """Answer frequencies of the cycle's responses with an id above ``after``: driven by the
    response ids (primary key), then each response's answers by the (response_id,
    question_id) index -- not a scan of the aggregate index."""
    query = (select(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value,
                    func.count().label("count"))
             .select_from(Response).join(Answer, Answer.response_id == Response.id)
             .where(Response.id > after, Response.cycle_id == cycle_id))
    if questionnaire_ids is not None:
        query = query.where(Response.questionnaire_id.in_(list(questionnaire_ids)))
    query = filtered(query, filters, joined=True)
    return query.group_by(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)


def _cycle_tables(connection, questionnaire_ids, cycle_id: int, filters: Filters | None) -> CycleTables:
    """The cycle's response counts and answer frequencies: from the cache while still
    valid, by a delta when responses were only added, else by a full GROUP BY."""
    key = (connection.engine.url.render_as_string(hide_password=True), cycle_id,
           None if questionnaire_ids is None else tuple(questionnaire_ids), filters)
    with connection.begin():
        # In one snapshot every visible response has an id <= watermark: no bound needed.
        watermark = connection.execute(select(func.max(Response.id))).scalar() or 0
        in_cycle = select(func.count()).select_from(Response).where(Response.cycle_id == cycle_id)
        responses = connection.execute(in_cycle).scalar()
        cached = table_cache.get(key)
        if cached is not None and cached.watermark <= watermark:
            if cached.watermark == watermark and cached.responses == responses:
                return cached
            added = connection.execute(in_cycle.where(Response.id > cached.watermark)).scalar()
            if cached.responses + added == responses:
                counts = connection.execute(_response_counts_query(questionnaire_ids, [cycle_id], filters).where(
                    Response.id > cached.watermark)).all()
                freq = connection.execute(_delta_frequency_query(questionnaire_ids, cycle_id, filters,
                                                                 cached.watermark)).all()
                tables = CycleTables(watermark, responses, _merge(cached.counts, counts, 4),
                                      _merge(cached.freq, freq, 4))
                table_cache.put(key, tables)
                return tables
        counts = connection.execute(_response_counts_query(questionnaire_ids, [cycle_id], filters)).all()
        freq = connection.execute(frequency_query(questionnaire_ids, [cycle_id], filters)).all()
    tables = CycleTables(watermark, responses, tuple(tuple(r) for r in counts), tuple(tuple(r) for r in freq))
    table_cache.put(key, tables)
    return tables


def all_cycle_tables(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                     filters: Filters | None) -> list[CycleTables]:
    """:func:`_cycle_tables` of several cycles at once, each on its own pooled connection.

    The database does the work (SQLite and psycopg release the GIL while a statement
    runs), so the GROUP BYs of two cycles take about the time of one on two cores."""
    engine = db.engine

    def run(cycle_id):
        with _snapshot_connection(engine) as connection:
            return _cycle_tables(connection, questionnaire_ids, cycle_id, filters)

    if len(cycle_ids) == 1:
        tables = [run(cycle_ids[0])]
    else:
        with ThreadPoolExecutor(max_workers=min(len(cycle_ids), MAX_PARALLEL_QUERIES)) as pool:
            tables = list(pool.map(run, cycle_ids))
    return without_excluded(tables, questionnaire_ids, cycle_ids, filters)


def _subtract(rows, minus, keys: int) -> tuple:
    totals: dict = {tuple(row[:keys]): int(row[keys]) for row in rows}
    for row in minus:
        key = tuple(row[:keys])
        totals[key] = totals.get(key, 0) - int(row[keys])
    return tuple(key + (count,) for key, count in totals.items() if count > 0)


def without_excluded(tables: list[CycleTables], questionnaire_ids: Sequence[str] | None,
                     cycle_ids: Sequence[int], filters: Filters | None) -> list[CycleTables]:
    """The cycles' tables less the responses excluded as suspected ballot stuffing
    (:mod:`.exclusion`): the same two GROUP BYs over the excluded responses alone (a join
    from their short list), subtracted. Whatever keeps the full tables (this process's
    cache, or tables kept in the database) composes with it unchanged."""
    if not any_excluded(cycle_ids):
        return tables
    excluded = excluded_responses().subquery()
    counts_query = _response_counts_query(questionnaire_ids, cycle_ids, filters).where(
        Response.id.in_(select(excluded.c.response_id)))
    freq_query = (select(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value,
                         func.count().label("count"))
                  .select_from(Response).join(Answer, Answer.response_id == Response.id)
                  .where(Response.id.in_(select(excluded.c.response_id)),
                         Response.cycle_id.in_(list(cycle_ids))))
    if questionnaire_ids is not None:
        freq_query = freq_query.where(Response.questionnaire_id.in_(list(questionnaire_ids)))
    freq_query = filtered(freq_query, filters, joined=True).group_by(
        Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)
    counts = db.session.execute(counts_query).all()
    freq = db.session.execute(freq_query).all()
    out = []
    for cycle_id, table in zip(cycle_ids, tables):
        # rows carry their cycle id second: each cycle loses only its own excluded responses
        mine_counts = [r for r in counts if r[1] == cycle_id]
        mine_freq = [r for r in freq if r[1] == cycle_id]
        out.append(CycleTables(table.watermark, table.responses, _subtract(table.counts, mine_counts, 4),
                               _subtract(table.freq, mine_freq, 4)))
    return out


def frequency_rows(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                   filters: Filters | None) -> pd.DataFrame:
    """The cycles' answer frequencies (:data:`FREQUENCY_COLUMNS`, cycles by id)."""
    rows = [row for tables in all_cycle_tables(questionnaire_ids, cycle_ids, filters) for row in tables.freq]
    return pd.DataFrame(rows, columns=FREQUENCY_COLUMNS)


def frequency_table(questionnaire_ids: Sequence[str] | None, cycles: Sequence[str],
                    filters: Filters | None = None) -> pd.DataFrame:
    """``SELECT questionnaire, question, cycle, value, COUNT(*) ... GROUP BY ...``.

    ``questionnaire_ids`` None means all. ``cycle`` holds codes; ``value`` the stored
    number (None for "not applicable" and for answers without a number: choice, text).
    """
    by_code = {c.code: c for c in db.session.execute(select(Cycle).where(Cycle.code.in_(list(cycles)))).scalars()}
    missing = [c for c in cycles if c not in by_code]
    if missing:
        raise ResultsError("cycle", f"unknown cycle {missing[0]!r}")
    rows = frequency_rows(questionnaire_ids, [c.id for c in by_code.values()], filters)
    codes = {c.id: c.code for c in by_code.values()}
    rows["cycle"] = rows.pop("cycle_id").map(codes)
    return rows[["questionnaire", "question", "cycle", "value", "count"]]


def _response_counts_query(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                           filters: Filters | None):
    query = select(Response.questionnaire_id, Response.cycle_id, Response.version_id,
                   Response.channel, func.count().label("count")).where(Response.cycle_id.in_(list(cycle_ids)))
    if questionnaire_ids is not None:
        query = query.where(Response.questionnaire_id.in_(list(questionnaire_ids)))
    if filters is not None and filters.active:
        query = filtered(query, filters, joined=True)
    return query.group_by(Response.questionnaire_id, Response.cycle_id, Response.version_id, Response.channel)


def response_counts(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                    filters: Filters | None) -> pd.DataFrame:
    """Responses per questionnaire, cycle, version and channel (after filters)."""
    rows = [row for tables in all_cycle_tables(questionnaire_ids, cycle_ids, filters) for row in tables.counts]
    return pd.DataFrame(rows, columns=COUNT_COLUMNS)


def counts_and_frequencies(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                           filters: Filters | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Response counts and answer frequencies of the cycles (see :class:`CycleTables`)."""
    tables = all_cycle_tables(questionnaire_ids, cycle_ids, filters)
    counts = pd.DataFrame([r for t in tables for r in t.counts], columns=COUNT_COLUMNS)
    freq = pd.DataFrame([r for t in tables for r in t.freq], columns=FREQUENCY_COLUMNS)
    return counts, freq


def text_counts(questionnaire_id: str, cycle_ids: Sequence[int], question_ids: Sequence[str],
                filters: Filters | None) -> pd.DataFrame:
    """Answers per cycle, question and text (choice questions: the option values)."""
    query = (select(Answer.cycle_id, Answer.question_id, Answer.text_value, Answer.is_na,
                    func.count().label("count"))
             .where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id.in_(list(cycle_ids)),
                    Answer.question_id.in_(list(question_ids))))
    query = counted(filtered(query, filters, joined=False), Answer.response_id)
    query = query.group_by(Answer.cycle_id, Answer.question_id, Answer.text_value, Answer.is_na)
    return pd.DataFrame(db.session.execute(query).all(),
                        columns=["cycle_id", "question", "text", "is_na", "count"])


def respondent_ratings(questionnaire_id: str, cycle: str, question_ids: Sequence[str],
                       filters: Filters | None = None, chunk_size: int = 50_000,
                       every: int = 1) -> pd.DataFrame:
    """One row per response, one column per question (float, NaN when unanswered or "na").

    Reads answer rows in chunks (server-side cursor where the driver has one); only for
    what truly needs respondent rows (driver analysis). ``every=k`` keeps a systematic
    sample: the responses whose id is a multiple of k."""
    current = get_cycle(cycle)
    if current is None:
        raise ResultsError("cycle", f"unknown cycle {cycle!r}")
    # driven by the responses (an index range), then their answers (the (response_id,
    # question_id) index): a sample reads only the sampled responses' answers
    query = (select(Answer.response_id, Answer.question_id, Answer.numeric_value)
             .select_from(Response).join(Answer, Answer.response_id == Response.id)
             .where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == current.id,
                    Answer.question_id.in_(list(question_ids)), Answer.is_na.is_(False)))
    if every > 1:
        query = query.where(Response.id % every == 0)
    query = counted(filtered(query, filters, joined=True), Response.id)
    parts = []
    result = db.session.execute(query.execution_options(yield_per=chunk_size))
    for chunk in result.partitions():
        parts.append(pd.DataFrame(chunk, columns=["response", "question", "value"]))
    if not parts:
        return pd.DataFrame(columns=list(question_ids), dtype=float)
    rows = pd.concat(parts, ignore_index=True)
    wide = rows.set_index(["response", "question"])["value"].unstack("question")
    wide.columns.name = None
    return wide.reindex(columns=list(question_ids)).astype(float)
