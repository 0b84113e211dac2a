"""The frequency tables every figure comes from, as one request needs them.

Aggregation happens in the database, once per cycle and filter cell: each cycle's tally
(:mod:`survey_app.results.tally`) is kept in the database and topped up from its
high-water mark; here it is read (the cycles in parallel, once per request) and summed
over the questionnaires and filter cells the request keeps (see :class:`CycleTables`), so
filtered views cost no more than the unfiltered one. Responses an evaluator excluded as
suspected ballot stuffing are taken out of the tallies as they are read
(:func:`survey_app.results.tally.counted_tallies`). Also here: the answer counts of choice
questions, and the respondent rows read in chunks for what truly needs them (driver
analysis).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import func, select

from ..extensions import db
from ..models import Answer, Cycle, Response
from .choices import get_cycle
from .exclusion import counted
from .model import Filters, ResultsError
from .tally import Tally, counted_tallies


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


FREQUENCY_COLUMNS = ["questionnaire", "cycle_id", "question", "value", "count"]


COUNT_COLUMNS = ["questionnaire", "cycle_id", "version_id", "channel", "count"]


@dataclass(frozen=True)
class CycleTables:
    """One cycle's GROUP BY results for a request (questionnaires, filters), as of a snapshot.

    ``watermark`` is the largest response id in that snapshot and ``responses`` the number
    of the cycle's responses (all of them, whatever the filters). They come from the cycle's
    persisted tally (:mod:`survey_app.results.tally`), topped up from its watermark, summed
    over the filter cells the request keeps."""

    watermark: int
    responses: int
    counts: tuple  # COUNT_COLUMNS rows
    freq: tuple  # FREQUENCY_COLUMNS rows


def _kept(filters: Filters | None, channel: str, site: str | None, language: str) -> bool:
    if filters is None or not filters.active:
        return True
    return ((filters.channel is None or channel == filters.channel)
            and (filters.site is None or site == filters.site)
            and (filters.language is None or language == filters.language))


def cycle_tables(tally: Tally, questionnaire_ids: Sequence[str] | None, filters: Filters | None) -> CycleTables:
    """The request's tables from the cycle's tally: its cells summed over those kept."""
    wanted = None if questionnaire_ids is None else set(questionnaire_ids)
    counts: dict[tuple, int] = {}
    everyone = 0
    for questionnaire, version_id, channel, site, language, n in tally.responses:
        everyone += n
        if (wanted is None or questionnaire in wanted) and _kept(filters, channel, site, language):
            key = (questionnaire, tally.cycle_id, version_id, channel)
            counts[key] = counts.get(key, 0) + n
    freq: dict[tuple, int] = {}
    for questionnaire, question, channel, site, language, value, _is_na, n in tally.answers:
        if (wanted is None or questionnaire in wanted) and _kept(filters, channel, site, language):
            key = (questionnaire, tally.cycle_id, question, value)
            freq[key] = freq.get(key, 0) + n
    # in one order whatever order the tally's rows came in (recounted, read back, topped up),
    # so every server's sums, and so its figures, agree to the last digit
    return CycleTables(tally.watermark, everyone, tuple(k + (n,) for k, n in sorted(counts.items())),
                       tuple(k + (n,) for k, n in sorted(freq.items(), key=_value_order)))


def _value_order(item: tuple) -> tuple:
    (questionnaire, cycle_id, question, value), _n = item
    return (questionnaire, cycle_id, question, value is None, value or 0)


def all_cycle_tables(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                     filters: Filters | None) -> list[CycleTables]:
    """:class:`CycleTables` of several cycles, without the excluded responses (see
    :func:`~survey_app.results.tally.counted_tallies`)."""
    return [cycle_tables(t, questionnaire_ids, filters) for t in counted_tallies(cycle_ids)]


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
