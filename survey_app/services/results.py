"""Results of the satisfaction surveys: frequency tables from the database, statistics from
:mod:`analysis`, disclosure control, ready for pages, the JSON API, exports and reports.

This module is the one place that turns stored answers into published figures. Views, the
API, the exports and the accountability report call it and never query answers themselves,
so every output shows the same numbers and applies the same suppression rule.

Public interface
----------------
Everything takes cycle *codes* (``"2026"``) and returns plain, immutable data (no ORM
objects), safe to cache, to render in any language and to serialise:

``Filters(channel=None, site=None, language=None)``
    Restricts the responses counted; ``Filters.from_mapping(request.args)`` validates
    query-string values (raises :class:`ResultsError`).

``questionnaire_results(questionnaire_id, cycle, baseline=None, *, filters=None,
weighting="none") -> CommitmentResult``
    One commitment (questionnaire): every rating and yes/no question's :class:`Figures`
    for the cycle and the baseline, their :class:`Change`, the headline figure and the
    attainment of the commitment's target (:class:`Target`).

``overview(cycle, baseline=None, *, filters=None, weighting="none") -> Overview``
    Every questionnaire with answers (or in the catalogue), grouped by unit
    (``Overview.units``: list of :class:`UnitResults`), plus the :class:`Methods` note.

``api_payload(result: CommitmentResult) -> dict``
    The JSON body of ``GET /api/v1/results/<id>`` (design.md's field names).

``commitment_detail(questionnaire_id, cycle, baseline=None, *, filters=None,
weighting="none") -> Detail``
    The drill-down: the results above plus each question's answer distribution
    (:class:`Distribution`), the trend of every rating question across all cycles
    (:class:`TrendPoint`), open comments (:class:`Comments`), importance-performance and
    driver analyses.

``frequency_table(questionnaire_ids, cycles, filters=None) -> pandas.DataFrame``
    The raw ``GROUP BY`` (columns ``questionnaire, question, cycle, value, count``;
    ``value`` a float, ``None`` for "not applicable" / no number).

``resolve_cycles(cycle=None, baseline=None, *, default_baseline=True) -> (Cycle, Cycle | None)``
    Cycle rows from codes, with the defaults the pages use (latest cycle with
    answers, the one before it as baseline). ``cycles_with_answers()``, ``get_cycle(code)``
    and ``sites()`` serve the pages' selectors.

``respondent_ratings(questionnaire_id, cycle, question_ids, filters=None) -> DataFrame``
    One row per response, one column per question, read in chunks (for what needs
    respondent rows: driver analysis).

``target_status(low, high, target)``
    The attainment rule (``met`` / ``not met`` / ``inconclusive``).

``clear_cache()``
    Forget cached results and tables (benchmarks).

Translated labels, number formats and the charts of these objects (each with its table
alternative) are in :mod:`survey_app.presentation` (``overview_charts(overview)``,
``detail_charts(detail)``, ``VERDICTS``, ``TARGET_STATUSES``, ``INDICATORS``...).

Conventions
-----------
* Figures are on 0-100 (index points, percent, percentage points); intervals are
  ``(low, high)`` tuples at ``confidence_level`` (0.95); changes are cycle minus
  baseline. Unweighted: t interval for the index, Wilson for percentages, Welch for the
  index change, Newcombe for the percentage change, Holm adjustment of the change's
  p-values within each questionnaire (the family is the questionnaire's published rating
  questions; yes/no questions form their own family). The verdict follows the index
  (Welch) test for rating questions and the score test for yes/no questions.
* Weighted (``weighting="raked"``): respondents are raked to the cycle's population
  margins (:func:`analysis.rake`); estimates and intervals are design-based
  (:func:`analysis.mean_ci_from_counts`, linearisation, weights treated as fixed) and
  changes use :func:`analysis.diff_means_ci_from_results`.
* Disclosure control: a question with fewer than ``MIN_CELL_SIZE`` answers (other than
  "not applicable") in a cycle is published as suppressed -- no n, no figure -- and takes
  no part in a change or in the multiplicity family. Open comments are shown only when
  the cell (questionnaire, cycle, filters) holds at least ``MIN_CELL_SIZE`` responses.
* Aggregation happens in the database: one ``GROUP BY questionnaire_id, cycle_id,
  question_id, numeric_value`` per cycle over the covering index ``ix_answer_aggregate``
  (joined to ``response`` only when filtering), the cycles in parallel. Each cycle's
  tables are kept per process and topped up with the responses added since (see
  :class:`_CycleTables`); finished results are cached on a fingerprint of the data
  (largest response id and number of responses, cycle states and margins, versions), so
  a page view after a new submission recomputes the statistics from up-to-date tables.
"""
from __future__ import annotations

import hashlib
import json
import math
import threading
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import analysis
import numpy as np
import pandas as pd
import questionnaires as qn
from flask import current_app, g, has_request_context
from sqlalchemy import func, select

from ..extensions import db
from ..models import CHANNELS, Answer, Commitment, Cycle, Questionnaire, QuestionnaireVersion, Response, Unit
from . import catalogue

__all__ = [
    "ResultsError",
    "Filters",
    "Figures",
    "Change",
    "QuestionResult",
    "Target",
    "CommitmentInfo",
    "CommitmentResult",
    "UnitResults",
    "Methods",
    "Overview",
    "Distribution",
    "TrendPoint",
    "Comments",
    "Detail",
    "WEIGHTINGS",
    "resolve_cycles",
    "frequency_table",
    "questionnaire_results",
    "overview",
    "commitment_detail",
    "api_payload",
    "clear_cache",
]

WEIGHTINGS = ("none", "raked")
LANGUAGES = ("fr", "en")
CONFIDENCE_LEVEL = 0.95
#: Read queries run at once for one page (one GROUP BY per cycle, plus the response counts).
MAX_PARALLEL_QUERIES = 4
#: The measure of a commitment's target, and the question it is read from.
TARGET_MEASURES = {"pct_satisfied": "overall", "index": "overall", "pct_met": "met"}


class ResultsError(ValueError):
    """Bad request for results (unknown cycle, invalid filter, ...). ``field`` names the
    query parameter at fault, for the API's ``errors`` mapping."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


# --------------------------------------------------------------------------- data types


@dataclass(frozen=True)
class Filters:
    """Which responses count: one channel, one site, one language (None: all)."""

    channel: str | None = None
    site: str | None = None
    language: str | None = None

    @property
    def active(self) -> bool:
        return any((self.channel, self.site, self.language))

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("channel", self.channel), ("site", self.site),
                                  ("language", self.language)) if v}

    @classmethod
    def from_mapping(cls, args: Mapping[str, Any]) -> Filters:
        """Validated filters from query-string arguments (empty values mean "all")."""
        channel = (args.get("channel") or "").strip() or None
        site = (args.get("site") or "").strip() or None
        language = (args.get("language") or "").strip() or None
        if channel is not None and channel not in CHANNELS:
            raise ResultsError("channel", f"must be one of {', '.join(CHANNELS)}")
        if language is not None and language not in LANGUAGES:
            raise ResultsError("language", f"must be one of {', '.join(LANGUAGES)}")
        if site is not None and len(site) > 120:
            raise ResultsError("site", "too long")
        return cls(channel, site, language)


Interval = tuple[float, float]


@dataclass(frozen=True)
class Figures:
    """One question in one cycle.

    For a rating question ``index`` is the satisfaction index and ``pct`` the percent
    satisfied (top two boxes); for a yes/no question ``index`` is None and ``pct`` the
    percent answering yes. When ``suppressed`` every figure is None (``n`` too) and
    ``reason`` says why.
    """

    n: int | None
    n_na: int | None
    index: float | None = None
    index_ci: Interval | None = None
    pct: float | None = None
    pct_ci: Interval | None = None
    mean: float | None = None
    quality: str | None = None  # Statistics Canada CV letter of the index (pct for yes/no)
    suppressed: bool = False
    reason: str | None = None


@dataclass(frozen=True)
class Change:
    """Cycle minus baseline for one question (only when neither cycle is suppressed)."""

    index_diff: float | None
    index_diff_ci: Interval | None
    pct_diff: float | None
    pct_diff_ci: Interval | None
    p_value: float | None
    p_adjusted: float | None
    verdict: str  # analysis.VERDICTS
    comparable: bool = True
    warning: str = ""


@dataclass(frozen=True)
class QuestionResult:
    id: str
    type: str  # "rating" or "yes_no"
    text: qn.Text
    dimension: str | None
    importance_of: str | None
    scale: tuple[int, int]
    cycle: Figures
    baseline: Figures | None = None
    change: Change | None = None


@dataclass(frozen=True)
class Target:
    """Attainment of a commitment's target in the cycle.

    ``status`` is ``met`` when the interval of the measure lies entirely at or above the
    target, ``not met`` when entirely below, ``inconclusive`` otherwise (the rule of
    :func:`analysis.compare_cycles`), ``None`` when the measure is suppressed or missing.
    """

    indicator: str  # pct_satisfied | index | pct_met
    value: float
    question_id: str | None
    estimate: float | None
    ci: Interval | None
    status: str | None
    gap: float | None
    baseline_estimate: float | None = None


@dataclass(frozen=True)
class CommitmentInfo:
    code: str
    title: qn.Text
    norm: qn.Text | None
    unit_code: str
    unit_name: qn.Text
    target_indicator: str | None
    target_value: float | None


@dataclass(frozen=True)
class CommitmentResult:
    """Results of one questionnaire (one commitment) for a cycle, against a baseline."""

    questionnaire_id: str
    title: qn.Text
    commitment: CommitmentInfo
    cycle: str
    baseline: str | None
    filters: Filters
    weighting: str
    responses: int  # responses in the cycle (after filters)
    responses_baseline: int | None
    questions: tuple[QuestionResult, ...]
    headline: QuestionResult | None  # the overall rating question
    target: Target | None
    # Comparability of the definitions behind the figures: (question id or None, kind,
    # detail); kind is one of questionnaires.CHANGE_KINDS or "versions" (a cycle's answers
    # come from several versions of the questionnaire).
    warnings: tuple[tuple[str | None, str, str], ...] = ()
    min_cell_size: int = 10
    confidence_level: float = CONFIDENCE_LEVEL
    # With weighting="raked": one services.weighting.WeightingInfo per cycle.
    weighting_info: tuple = ()

    @property
    def rating_questions(self) -> tuple[QuestionResult, ...]:
        return tuple(q for q in self.questions if q.type == "rating")

    def question(self, question_id: str) -> QuestionResult:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


@dataclass(frozen=True)
class UnitResults:
    code: str
    name: qn.Text
    commitments: tuple[CommitmentResult, ...]


@dataclass(frozen=True)
class Methods:
    """What a reader needs to judge the figures (the methods note)."""

    confidence_level: float
    min_cell_size: int
    weighting: str
    index_interval: str
    pct_interval: str
    index_change: str
    pct_change: str
    adjustment: str
    responses: dict[str, int]  # cycle code -> responses (after filters)
    by_channel: dict[str, dict[str, int]]  # cycle code -> channel -> responses
    warnings: tuple[tuple[str, str | None, str, str], ...]  # (questionnaire id, *CommitmentResult.warnings)
    margins: dict[str, dict[str, float]] | None = None  # the cycle's population margins, when weighted


@dataclass(frozen=True)
class Overview:
    cycle: str
    cycle_name: str
    baseline: str | None
    baseline_name: str | None
    filters: Filters
    weighting: str
    units: tuple[UnitResults, ...]
    methods: Methods

    @property
    def commitments(self) -> tuple[CommitmentResult, ...]:
        return tuple(c for u in self.units for c in u.commitments)


@dataclass(frozen=True)
class Distribution:
    """Answer counts of one question in one cycle; ``counts`` is None when suppressed.

    ``categories`` are ``(value, label)`` pairs in scale or option order; the
    not-applicable count is ``n_na``. For a multi-choice question the counts are the
    number of respondents choosing each option and ``n`` the number of respondents.
    """

    question_id: str
    type: str
    text: qn.Text
    categories: tuple[tuple[Any, qn.Text | None], ...]
    counts: tuple[int, ...] | None
    n: int | None
    n_na: int | None
    suppressed: bool = False


@dataclass(frozen=True)
class TrendPoint:
    cycle: str
    cycle_name: str
    figures: Figures


@dataclass(frozen=True)
class Comments:
    question_id: str
    text: qn.Text
    total: int | None  # None when suppressed
    items: tuple[tuple[str, str], ...]  # (language, text), at most COMMENT_LIMIT
    suppressed: bool = False


@dataclass(frozen=True)
class Detail:
    result: CommitmentResult
    distributions: tuple[Distribution, ...]
    baseline_distributions: tuple[Distribution, ...]
    trend: dict[str, tuple[TrendPoint, ...]]  # rating question id -> points, oldest first
    comments: tuple[Comments, ...]
    importance: pd.DataFrame | None  # analysis.importance_performance, or None
    drivers: Any | None  # analysis.DriverResult, or None
    drivers_note: str | None = None


# --------------------------------------------------------------------------- cycles


def _ordered_cycles() -> list[Cycle]:
    return list(db.session.execute(
        select(Cycle).order_by(func.coalesce(Cycle.opens_on, Cycle.created_at), Cycle.id)
    ).scalars())


def cycles_with_answers() -> list[Cycle]:
    """Cycles holding at least one response, oldest first."""
    ordered = _ordered_cycles()
    if not ordered:
        return []
    # one index probe per cycle (a DISTINCT over the responses would read them all)
    probes = [select(Response.id).where(Response.cycle_id == c.id).limit(1).exists() for c in ordered]
    used = db.session.execute(select(*[p.label(f"c{i}") for i, p in enumerate(probes)])).one()
    return [c for c, has in zip(ordered, used) if has]


def get_cycle(code: str) -> Cycle | None:
    return db.session.execute(select(Cycle).where(Cycle.code == code)).scalar_one_or_none()


def resolve_cycles(cycle: str | None = None, baseline: str | None = None, *,
                   default_baseline: bool = True) -> tuple[Cycle, Cycle | None]:
    """Cycle rows for codes. Without ``cycle``: the latest cycle with answers; without
    ``baseline`` (and ``default_baseline``): the cycle with answers just before it."""
    ordered = cycles_with_answers() if cycle is None or (baseline is None and default_baseline) else []
    if cycle is None:
        if not ordered:
            raise ResultsError("cycle", "no cycle has responses yet")
        current = ordered[-1]
    else:
        current = get_cycle(cycle)
        if current is None:
            raise ResultsError("cycle", f"unknown cycle {cycle!r}")
    if baseline is None:
        if not default_baseline:
            return current, None
        earlier = [c for c in ordered if c.id != current.id]
        position = [c.id for c in ordered].index(current.id) if current in ordered else len(ordered)
        earlier = [c for c in ordered[:position]]
        return current, (earlier[-1] if earlier else None)
    base = get_cycle(baseline)
    if base is None:
        raise ResultsError("baseline", f"unknown cycle {baseline!r}")
    if base.id == current.id:
        raise ResultsError("baseline", "must differ from the cycle")
    return current, base


# --------------------------------------------------------------------------- caching


class _Cache:
    """A small per-process LRU cache keyed on the request and a fingerprint of the data."""

    def __init__(self, size: int = 64):
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        return None

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self):
        with self._lock:
            self._data.clear()


_cache = _Cache()


def clear_cache() -> None:
    """Forget every cached result and table (benchmarks; data changes are detected anyway)."""
    _cache.clear()
    _tables.clear()


def _fingerprint() -> tuple:
    """Changes whenever a response is added or removed, a cycle changes state or margins."""
    if has_request_context() and "results_fingerprint" in g:
        return g.results_fingerprint
    # two queries: each alone is an index look-up, together SQLite scans the table
    stats = (db.session.execute(select(func.max(Response.id))).scalar(),
             db.session.execute(select(func.count()).select_from(Response)).scalar())
    columns = [Cycle.id, Cycle.code, Cycle.state]
    if hasattr(Cycle, "population_margins"):
        columns.append(Cycle.population_margins)
    cycles = db.session.execute(select(*columns).order_by(Cycle.id)).all()
    digest = hashlib.sha256(json.dumps([list(map(_jsonable, c)) for c in cycles],
                                       sort_keys=True, default=str).encode()).hexdigest()
    versions = db.session.execute(select(func.max(QuestionnaireVersion.id))).scalar()
    fingerprint = (db.engine.url.render_as_string(hide_password=True), stats, digest, versions,
                   current_app.config["MIN_CELL_SIZE"])
    if has_request_context():
        g.results_fingerprint = fingerprint  # once per request
    return fingerprint


def _jsonable(value):
    return value if isinstance(value, (str, int, float, type(None), dict, list)) else str(value)


def _cached(kind: str, args: tuple, compute):
    key = (kind, args, _fingerprint())
    value = _cache.get(key)
    if value is None:
        value = compute()
        _cache.put(key, value)
    return value


# --------------------------------------------------------------------------- queries


def _filtered(query, filters: Filters | None, joined: bool):
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


def _frequency_query(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                     filters: Filters | None):
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
        query = _filtered(query, filters, joined=True)
        return query.group_by(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)
    if questionnaire_ids is not None:
        query = query.where(Answer.questionnaire_id.in_(list(questionnaire_ids)))
    query = query.where(Answer.cycle_id.in_(list(cycle_ids)))
    query = _filtered(query, filters, joined=False)
    return query.group_by(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)


FREQUENCY_COLUMNS = ["questionnaire", "cycle_id", "question", "value", "count"]
COUNT_COLUMNS = ["questionnaire", "cycle_id", "version_id", "channel", "count"]


@dataclass(frozen=True)
class _CycleTables:
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


_tables = _Cache(size=256)


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
    query = _filtered(query, filters, joined=True)
    return query.group_by(Answer.questionnaire_id, Answer.cycle_id, Answer.question_id, Answer.numeric_value)


def _cycle_tables(connection, questionnaire_ids, cycle_id: int, filters: Filters | None) -> _CycleTables:
    """The cycle's response counts and answer frequencies: from the cache while still
    valid, by a delta when responses were only added, else by a full GROUP BY."""
    key = (connection.engine.url.render_as_string(hide_password=True), cycle_id,
           None if questionnaire_ids is None else tuple(questionnaire_ids), filters)
    with connection.begin():
        # In one snapshot every visible response has an id <= watermark: no bound needed.
        watermark = connection.execute(select(func.max(Response.id))).scalar() or 0
        in_cycle = select(func.count()).select_from(Response).where(Response.cycle_id == cycle_id)
        responses = connection.execute(in_cycle).scalar()
        cached = _tables.get(key)
        if cached is not None and cached.watermark <= watermark:
            if cached.watermark == watermark and cached.responses == responses:
                return cached
            added = connection.execute(in_cycle.where(Response.id > cached.watermark)).scalar()
            if cached.responses + added == responses:
                counts = connection.execute(_response_counts_query(questionnaire_ids, [cycle_id], filters).where(
                    Response.id > cached.watermark)).all()
                freq = connection.execute(_delta_frequency_query(questionnaire_ids, cycle_id, filters,
                                                                 cached.watermark)).all()
                tables = _CycleTables(watermark, responses, _merge(cached.counts, counts, 4),
                                      _merge(cached.freq, freq, 4))
                _tables.put(key, tables)
                return tables
        counts = connection.execute(_response_counts_query(questionnaire_ids, [cycle_id], filters)).all()
        freq = connection.execute(_frequency_query(questionnaire_ids, [cycle_id], filters)).all()
    tables = _CycleTables(watermark, responses, tuple(tuple(r) for r in counts), tuple(tuple(r) for r in freq))
    _tables.put(key, tables)
    return tables


def _all_cycle_tables(questionnaire_ids, cycle_ids: Sequence[int], filters: Filters | None) -> list[_CycleTables]:
    """:func:`_cycle_tables` of several cycles at once, each on its own pooled connection.

    The database does the work (SQLite and psycopg release the GIL while a statement
    runs), so the GROUP BYs of two cycles take about the time of one on two cores."""
    engine = db.engine

    def run(cycle_id):
        with _snapshot_connection(engine) as connection:
            return _cycle_tables(connection, questionnaire_ids, cycle_id, filters)

    if len(cycle_ids) == 1:
        return [run(cycle_ids[0])]
    with ThreadPoolExecutor(max_workers=min(len(cycle_ids), MAX_PARALLEL_QUERIES)) as pool:
        return list(pool.map(run, cycle_ids))


def _frequency_rows(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                    filters: Filters | None) -> pd.DataFrame:
    rows = [row for tables in _all_cycle_tables(questionnaire_ids, cycle_ids, filters) for row in tables.freq]
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
    rows = _frequency_rows(questionnaire_ids, [c.id for c in by_code.values()], filters)
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
        query = _filtered(query, filters, joined=True)
    return query.group_by(Response.questionnaire_id, Response.cycle_id, Response.version_id, Response.channel)


def _response_counts(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int],
                     filters: Filters | None) -> pd.DataFrame:
    """Responses per questionnaire, cycle, version and channel (after filters)."""
    rows = [row for tables in _all_cycle_tables(questionnaire_ids, cycle_ids, filters) for row in tables.counts]
    return pd.DataFrame(rows, columns=COUNT_COLUMNS)


def _counts_and_frequencies(questionnaire_ids, cycle_ids, filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Response counts and answer frequencies of the cycles (see :class:`_CycleTables`)."""
    tables = _all_cycle_tables(questionnaire_ids, cycle_ids, filters)
    counts = pd.DataFrame([r for t in tables for r in t.counts], columns=COUNT_COLUMNS)
    freq = pd.DataFrame([r for t in tables for r in t.freq], columns=FREQUENCY_COLUMNS)
    return counts, freq


# --------------------------------------------------------------------------- definitions


@dataclass(frozen=True)
class _Catalogue:
    """What the results need to know about one questionnaire."""

    id: str
    title: qn.Text
    commitment: CommitmentInfo
    current: qn.Questionnaire
    versions: dict[int, qn.Questionnaire]  # version id -> definition
    published: bool = True


def _catalogue(questionnaire_ids: Sequence[str] | None) -> dict[str, _Catalogue]:
    query = (select(Questionnaire).join(Questionnaire.commitment).join(Commitment.unit)
             .order_by(Unit.name_fr, Commitment.code, Questionnaire.id))
    if questionnaire_ids is not None:
        query = query.where(Questionnaire.id.in_(list(questionnaire_ids)))
    out: dict[str, _Catalogue] = {}
    for row in db.session.execute(query).scalars():
        if row.current_version is None:
            continue
        current = catalogue.definition_of(row.current_version)
        versions = {v.id: catalogue.definition_of(v) for v in row.versions}
        c = row.commitment
        info = CommitmentInfo(
            code=c.code,
            title=qn.Text(c.title_fr, c.title_en),
            norm=qn.Text(c.norm_fr, c.norm_en) if c.norm_fr else None,
            unit_code=c.unit.code,
            unit_name=qn.Text(c.unit.name_fr, c.unit.name_en),
            target_indicator=c.target_indicator,
            target_value=c.target_value,
        )
        out[row.id] = _Catalogue(row.id, current.title, info, current, versions, bool(row.published))
    return out


def _definition_for(cat: _Catalogue, version_ids: Sequence[int]) -> qn.Questionnaire:
    """The definition a cycle's answers were given under: the latest version used."""
    used = [v for v in sorted(version_ids, reverse=True) if v in cat.versions]
    return cat.versions[used[0]] if used else cat.current


def _measured_questions(definition: qn.Questionnaire, types=("rating", "yes_no")) -> list[qn.Question]:
    return [q for q in definition.questions if q.type in types]


def _wording(question: qn.Question) -> str:
    return hashlib.sha256(json.dumps(question.text.to_dict(), sort_keys=True).encode()).hexdigest()[:16]


def _version_warnings(cat: _Catalogue, baseline_versions, cycle_versions, cycle: str,
                      baseline: str | None) -> list[tuple[str | None, str, str]]:
    warnings = []
    for code, used in ((cycle, cycle_versions), (baseline, baseline_versions)):
        if code is not None and len(set(used)) > 1:
            warnings.append((None, "versions", code))
    if baseline is not None and baseline_versions and cycle_versions:
        old = _definition_for(cat, baseline_versions)
        new = _definition_for(cat, cycle_versions)
        for change in qn.compare_versions(old, new):
            if change.kind in ("added", "removed"):
                continue
            warnings.append((change.question_id, change.kind, change.detail))
    return warnings


# --------------------------------------------------------------------------- statistics


def _f(x) -> float | None:
    """A finite float or None (NaN and infinities are not figures)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def _ci(low, high) -> Interval | None:
    lo, hi = _f(low), _f(high)
    return None if lo is None or hi is None else (lo, hi)


def _suppressed(min_n: int) -> Figures:
    return Figures(n=None, n_na=None, suppressed=True, reason=f"fewer than {min_n} answers")


def target_status(low: float | None, high: float | None, target: float) -> str | None:
    """``met`` / ``not met`` / ``inconclusive``: the rule of :func:`analysis.compare_cycles`."""
    if low is None or high is None:
        return None
    if low >= target:
        return "met"
    if high < target:
        return "not met"
    return "inconclusive"


def _analysis_table(freq: pd.DataFrame, questions: dict[tuple[str, str], qn.Question],
                    types: tuple[str, ...]) -> pd.DataFrame:
    """Rows of ``freq`` for questions of ``types``, with "na" for missing numbers."""
    keep = [(qid, question) in questions and questions[(qid, question)].type in types
            for qid, question in zip(freq["questionnaire"], freq["question"])]
    table = freq[np.asarray(keep, dtype=bool)].copy()
    values = table["value"].astype(object)
    table["value"] = values.where(pd.notna(values), analysis.NA_MARKER)
    table["value"] = [v if v == analysis.NA_MARKER else int(v) for v in table["value"]]
    table["count"] = table["count"].astype(np.int64)
    return table


def _definitions_frame(per_cycle: dict[tuple[str, str], qn.Questionnaire], kind: str) -> pd.DataFrame:
    rows = []
    for (qid, code), definition in per_cycle.items():
        for question in _measured_questions(definition, (kind,)):
            lo, hi = (question.scale.min, question.scale.max) if kind == "rating" else (0, 1)
            rows.append((qid, question.id, code, lo, hi, _wording(question)))
    return pd.DataFrame(rows, columns=["questionnaire", "question", "cycle", "scale_min", "scale_max", "wording"])


def _figures_from_summary(row, kind: str, min_n: int) -> Figures:
    n = int(row["n"])
    if n < min_n:
        return _suppressed(min_n)
    if kind == "rating":
        return Figures(
            n=n, n_na=int(row["n_na"]), index=_f(row["index"]),
            index_ci=_ci(row["index_low"], row["index_high"]), pct=_f(row["pct_satisfied"]),
            pct_ci=_ci(row["pct_low"], row["pct_high"]), mean=_f(row["mean"]),
            quality=row["index_quality"] if isinstance(row["index_quality"], str) else None,
        )
    return Figures(
        n=n, n_na=int(row["n_na"]), pct=_f(row["pct_satisfied"]),
        pct_ci=_ci(row["pct_low"], row["pct_high"]),
        quality=row["pct_quality"] if isinstance(row["pct_quality"], str) else None,
    )


def _change_from_row(row, kind: str) -> Change:
    return Change(
        index_diff=_f(row["index_diff"]) if kind == "rating" else None,
        index_diff_ci=_ci(row["index_diff_low"], row["index_diff_high"]) if kind == "rating" else None,
        pct_diff=_f(row["pct_diff"]),
        pct_diff_ci=_ci(row["pct_diff_low"], row["pct_diff_high"]),
        p_value=_f(row["p_value"]),
        p_adjusted=_f(row["p_adjusted"]),
        verdict=str(row["verdict"]),
        comparable=bool(row["comparable"]),
        warning=str(row["comparability_warning"] or ""),
    )


def _unweighted(table: pd.DataFrame, defs: pd.DataFrame, kind: str, cycle: str,
                baseline: str | None, min_n: int, level: float):
    """Figures per (questionnaire, question, cycle) and changes per (questionnaire, question)."""
    figures: dict[tuple[str, str, str], Figures] = {}
    changes: dict[tuple[str, str], Change] = {}
    if table.empty:
        return figures, changes
    top = 2 if kind == "rating" else 1
    summary = analysis.summarize(table, scale=(1, 5) if kind == "rating" else (0, 1),
                                 keys=["questionnaire", "question"], definitions=defs, top=top,
                                 confidence_level=level)
    for row in summary.to_dict("records"):
        figures[(row["questionnaire"], row["question"], row["cycle"])] = _figures_from_summary(row, kind, min_n)
    if baseline is None:
        return figures, changes
    publishable = {(q, k) for (q, k, c), f in figures.items() if c == cycle and not f.suppressed} & {
        (q, k) for (q, k, c), f in figures.items() if c == baseline and not f.suppressed}
    if not publishable:
        return figures, changes
    mask = [(q, k) in publishable for q, k in zip(table["questionnaire"], table["question"])]
    subset = table[np.asarray(mask, dtype=bool) & table["cycle"].isin([cycle, baseline]).to_numpy()]
    compared = analysis.compare_cycles(
        subset, baseline, cycle, scale=(1, 5) if kind == "rating" else (0, 1),
        keys=["questionnaire", "question"], definitions=defs, top=top,
        primary="index" if kind == "rating" else "pct_satisfied", adjust="holm",
        family="questionnaire", confidence_level=level,
    )
    for row in compared.to_dict("records"):
        changes[(row["questionnaire"], row["question"])] = _change_from_row(row, kind)
    return figures, changes


# --------------------------------------------------------------------------- assembly


def _headline(questions: Sequence[QuestionResult], dimension: str, kind: str) -> QuestionResult | None:
    for q in questions:
        if q.type == kind and q.dimension == dimension:
            return q
    candidates = [q for q in questions if q.type == kind and q.importance_of is None]
    return candidates[0] if candidates else None


def _target(info: CommitmentInfo, questions: Sequence[QuestionResult]) -> Target | None:
    if info.target_indicator is None or info.target_value is None:
        return None
    value = float(info.target_value)
    if info.target_indicator == "pct_met":
        q = _headline(questions, "met", "yes_no")
    else:
        q = _headline(questions, "overall", "rating")
    if q is None:
        return Target(info.target_indicator, value, None, None, None, None, None)
    measure = "index" if info.target_indicator == "index" else "pct"

    def read(figures: Figures | None):
        if figures is None or figures.suppressed:
            return None, None
        return getattr(figures, measure), getattr(figures, f"{measure}_ci")

    estimate, ci = read(q.cycle)
    base_estimate, _ = read(q.baseline)
    status = target_status(*(ci or (None, None)), value) if estimate is not None else None
    return Target(info.target_indicator, value, q.id, estimate, ci, status,
                  None if estimate is None else estimate - value, base_estimate)


def _compute(questionnaire_ids: Sequence[str] | None, cycle: Cycle, baseline: Cycle | None,
             filters: Filters, weighting: str) -> tuple[list[CommitmentResult], Methods]:
    """Results of the given questionnaires (None: every questionnaire with a definition)."""
    if weighting not in WEIGHTINGS:
        raise ResultsError("weighting", f"must be one of {', '.join(WEIGHTINGS)}")
    min_n = int(current_app.config["MIN_CELL_SIZE"])
    level = CONFIDENCE_LEVEL
    cats = _catalogue(questionnaire_ids)
    ids = list(cats) if questionnaire_ids is None else [q for q in questionnaire_ids if q in cats]
    cycle_ids = [cycle.id] + ([baseline.id] if baseline is not None else [])
    code_of = {cycle.id: cycle.code, **({baseline.id: baseline.code} if baseline is not None else {})}
    counts, freq = _counts_and_frequencies(ids, cycle_ids, filters)
    counts["cycle"] = counts["cycle_id"].map(code_of)
    if questionnaire_ids is None:
        # every published questionnaire, and unpublished ones that have responses here
        everyone = counts if not filters.active else _response_counts(ids, cycle_ids, None)
        answered = set(everyone["questionnaire"])
        ids = [q for q in ids if cats[q].published or q in answered]
    freq["cycle"] = freq.pop("cycle_id").map(code_of)

    versions_used: dict[tuple[str, str], list[int]] = {}
    for (qid, code), group in counts.groupby(["questionnaire", "cycle"]):
        versions_used[(qid, code)] = sorted(set(group["version_id"]))
    per_cycle: dict[tuple[str, str], qn.Questionnaire] = {}
    questions: dict[tuple[str, str], qn.Question] = {}
    for qid in ids:
        for code in code_of.values():
            definition = _definition_for(cats[qid], versions_used.get((qid, code), []))
            per_cycle[(qid, code)] = definition
        # the cycle's definition first, so its wording and scale win
        for code in reversed(list(code_of.values())):
            for question in per_cycle[(qid, code)].questions:
                questions[(qid, question.id)] = question

    weighting_infos: dict[str, tuple] = {}
    if weighting == "raked":
        from . import weighting as weighting_service

        figures, changes, weighting_infos, margins = weighting_service.weighted_results(
            ids, cycle, baseline, filters, per_cycle, questions, min_n, level, freq)
    else:
        margins = None
        figures, changes = {}, {}
        for kind in ("rating", "yes_no"):
            table = _analysis_table(freq, questions, (kind,))
            defs = _definitions_frame(per_cycle, kind)
            f, c = _unweighted(table, defs, kind, cycle.code, baseline.code if baseline else None, min_n, level)
            figures.update(f)
            changes.update(c)

    results = []
    for qid in ids:
        cat = cats[qid]
        definition = per_cycle[(qid, cycle.code)]
        qrs = []
        for question in _measured_questions(definition):
            scale = (question.scale.min, question.scale.max) if question.type == "rating" else (0, 1)
            cyc = figures.get((qid, question.id, cycle.code)) or _suppressed(min_n)
            base = None
            if baseline is not None:
                base = figures.get((qid, question.id, baseline.code)) or _suppressed(min_n)
            qrs.append(QuestionResult(
                id=question.id, type=question.type, text=question.text, dimension=question.dimension,
                importance_of=question.importance_of, scale=scale, cycle=cyc, baseline=base,
                change=changes.get((qid, question.id)),
            ))
        mine = counts[counts["questionnaire"] == qid]
        n_cycle = int(mine.loc[mine["cycle"] == cycle.code, "count"].sum())
        n_base = int(mine.loc[mine["cycle"] == baseline.code, "count"].sum()) if baseline else None
        warnings = _version_warnings(
            cat, versions_used.get((qid, baseline.code), []) if baseline else [],
            versions_used.get((qid, cycle.code), []), cycle.code, baseline.code if baseline else None)
        results.append(CommitmentResult(
            questionnaire_id=qid, title=cat.title, commitment=cat.commitment, cycle=cycle.code,
            baseline=baseline.code if baseline else None, filters=filters, weighting=weighting,
            responses=n_cycle, responses_baseline=n_base, questions=tuple(qrs),
            headline=_headline(qrs, "overall", "rating"), target=_target(cat.commitment, qrs),
            warnings=tuple(warnings), min_cell_size=min_n, confidence_level=level,
            weighting_info=weighting_infos.get(qid, ()),
        ))

    by_channel: dict[str, dict[str, int]] = {}
    responses: dict[str, int] = {}
    for code in code_of.values():
        mine = counts[counts["cycle"] == code]
        responses[code] = int(mine["count"].sum())
        by_channel[code] = {ch: int(mine.loc[mine["channel"] == ch, "count"].sum()) for ch in CHANNELS}
    weighted = weighting == "raked"
    methods = Methods(
        confidence_level=level,
        min_cell_size=min_n,
        weighting=weighting,
        index_interval="linearisation t interval (weighted)" if weighted else "t interval",
        pct_interval="linearisation t interval (weighted)" if weighted else "Wilson score interval",
        index_change="difference of weighted means, Satterthwaite t" if weighted else "Welch t interval and test",
        pct_change="difference of weighted proportions, Satterthwaite t" if weighted else "Newcombe hybrid score interval",
        adjustment="Holm, within each questionnaire",
        responses=responses,
        by_channel=by_channel,
        warnings=tuple((r.questionnaire_id, *w) for r in results for w in r.warnings),
        margins=margins,
    )
    return results, methods


def questionnaire_results(questionnaire_id: str, cycle: str | None, baseline: str | None = None, *,
                          filters: Filters | None = None, weighting: str = "none") -> CommitmentResult:
    """Results of one questionnaire; raises :class:`ResultsError` (field ``questionnaire``
    for an unknown questionnaire, ``cycle`` / ``baseline`` for unknown cycles)."""
    filters = filters or Filters()
    if db.session.get(Questionnaire, questionnaire_id) is None:
        raise ResultsError("questionnaire", f"unknown questionnaire {questionnaire_id!r}")
    current, base = resolve_cycles(cycle, baseline, default_baseline=False)

    def compute():
        results, _ = _compute([questionnaire_id], current, base, filters, weighting)
        if not results:
            raise ResultsError("questionnaire", f"questionnaire {questionnaire_id!r} has no definition")
        return results[0]

    return _cached("questionnaire", (questionnaire_id, current.code, base.code if base else None,
                                     filters, weighting), compute)


def overview(cycle: str | None = None, baseline: str | None = None, *, filters: Filters | None = None,
             weighting: str = "none", default_baseline: bool = True) -> Overview:
    """Every questionnaire of the catalogue, grouped by unit, with the methods note."""
    filters = filters or Filters()
    current, base = resolve_cycles(cycle, baseline, default_baseline=default_baseline)

    def compute():
        results, methods = _compute(None, current, base, filters, weighting)
        units: list[UnitResults] = []
        for result in results:
            info = result.commitment
            if units and units[-1].code == info.unit_code:
                units[-1] = replace(units[-1], commitments=units[-1].commitments + (result,))
            else:
                units.append(UnitResults(info.unit_code, info.unit_name, (result,)))
        return Overview(current.code, current.name, base.code if base else None,
                        base.name if base else None, filters, weighting, tuple(units), methods)

    return _cached("overview", (current.code, base.code if base else None, filters, weighting), compute)


# --------------------------------------------------------------------------- API


def _figures_json(figures: Figures) -> dict[str, Any]:
    if figures.suppressed:
        return {"suppressed": True, "reason": figures.reason}
    return {
        "n": figures.n,
        "index": figures.index,
        "index_ci": list(figures.index_ci) if figures.index_ci else None,
        "pct_satisfied": figures.pct,
        "pct_satisfied_ci": list(figures.pct_ci) if figures.pct_ci else None,
    }


def api_payload(result: CommitmentResult) -> dict[str, Any]:
    """``{"questionnaire", "cycle", "baseline", "questions": [...]}`` as design.md says.

    One entry per rating question: ``id``, ``n``, ``index``, ``index_ci``,
    ``pct_satisfied``, ``pct_satisfied_ci``; with a baseline, ``baseline`` (the same
    figures) and ``change`` (``index_diff``, ``index_diff_ci``, ``pct_diff``,
    ``pct_diff_ci``, ``p_value``, ``p_adjusted``, ``verdict``; null when either cycle is
    suppressed). A suppressed question has ``suppressed: true`` and no figures.
    """
    questions = []
    for q in result.rating_questions:
        item: dict[str, Any] = {"id": q.id}
        if q.cycle.suppressed:
            item.update(suppressed=True, reason=q.cycle.reason)
        else:
            item.update(_figures_json(q.cycle))
        if result.baseline is not None and not q.cycle.suppressed:
            item["baseline"] = _figures_json(q.baseline) if q.baseline else {"suppressed": True}
            c = q.change
            item["change"] = None if c is None else {
                "index_diff": c.index_diff,
                "index_diff_ci": list(c.index_diff_ci) if c.index_diff_ci else None,
                "pct_diff": c.pct_diff,
                "pct_diff_ci": list(c.pct_diff_ci) if c.pct_diff_ci else None,
                "p_value": c.p_value,
                "p_adjusted": c.p_adjusted,
                "verdict": c.verdict,
            }
            if c is not None and not c.comparable:
                item["change"]["comparability_warning"] = c.warning
        item["text"] = q.text.to_dict()
        questions.append(item)
    payload = {
        "questionnaire": result.questionnaire_id,
        "cycle": result.cycle,
        "baseline": result.baseline,
        "questions": questions,
        "responses": result.responses,
        "weighting": result.weighting,
        "confidence_level": result.confidence_level,
        "min_cell_size": result.min_cell_size,
    }
    if result.filters.active:
        payload["filters"] = result.filters.as_dict()
    if result.warnings:
        payload["warnings"] = [{"question": q, "kind": k, "detail": d} for q, k, d in result.warnings]
    if result.weighting_info:
        payload["weighting_info"] = [
            {"cycle": i.cycle, "variables": list(i.variables), "respondents": i.respondents,
             "unclassified": i.unclassified, "deff_kish": i.deff_kish, "n_effective": i.n_effective,
             "problem": i.problem, "margins_from": i.margins_from}
            for i in result.weighting_info]
    return payload


# --------------------------------------------------------------------------- drill-down

COMMENT_LIMIT = 200


def _categories(question: qn.Question, lang_free: bool = True) -> tuple[tuple[Any, qn.Text | None], ...]:
    if question.type == "rating":
        return tuple((v, question.scale.labels.get(v)) for v in question.scale.values)
    if question.type == "yes_no":
        return ((1, qn.Text("Oui", "Yes")), (0, qn.Text("Non", "No")))
    return tuple((o.value, o.label) for o in question.options or ())


def _text_counts(questionnaire_id: str, cycle_ids: Sequence[int], question_ids: Sequence[str],
                 filters: Filters | None) -> pd.DataFrame:
    query = (select(Answer.cycle_id, Answer.question_id, Answer.text_value, Answer.is_na,
                    func.count().label("count"))
             .where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id.in_(list(cycle_ids)),
                    Answer.question_id.in_(list(question_ids))))
    query = _filtered(query, filters, joined=False)
    query = query.group_by(Answer.cycle_id, Answer.question_id, Answer.text_value, Answer.is_na)
    return pd.DataFrame(db.session.execute(query).all(),
                        columns=["cycle_id", "question", "text", "is_na", "count"])


def _distributions(definition: qn.Questionnaire, freq: pd.DataFrame, texts: pd.DataFrame,
                   cycle_id: int, responses: int, min_n: int) -> tuple[Distribution, ...]:
    out = []
    for question in definition.questions:
        if question.type not in ("rating", "yes_no", "choice", "multi_choice"):
            continue
        cats = _categories(question)
        if question.type in ("rating", "yes_no"):
            mine = freq[(freq["cycle_id"] == cycle_id) & (freq["question"] == question.id)]
            by_value = {}
            n_na = 0
            for value, count in zip(mine["value"], mine["count"]):
                if value is None or (isinstance(value, float) and math.isnan(value)):
                    n_na += int(count)
                else:
                    by_value[int(value)] = by_value.get(int(value), 0) + int(count)
            counts = tuple(by_value.get(v, 0) for v, _ in cats)
            n = sum(counts)
        else:
            mine = texts[(texts["cycle_id"] == cycle_id) & (texts["question"] == question.id)]
            tally: dict[str, int] = {}
            n = 0
            n_na = int(mine.loc[mine["is_na"].astype(bool), "count"].sum())
            for text, is_na, count in zip(mine["text"], mine["is_na"], mine["count"]):
                if is_na or text is None:
                    continue
                n += int(count)
                chosen = text.split(qn.MULTI_SEPARATOR) if question.type == "multi_choice" else [text]
                for value in chosen:
                    tally[value] = tally.get(value, 0) + int(count)
            counts = tuple(tally.get(v, 0) for v, _ in cats)
        suppressed = n < min_n
        out.append(Distribution(question.id, question.type, question.text, cats,
                                None if suppressed else counts, None if suppressed else n,
                                None if suppressed else n_na, suppressed))
    return tuple(out)


def _comments(definition: qn.Questionnaire, questionnaire_id: str, cycle_id: int, responses: int,
              filters: Filters | None, min_n: int) -> tuple[Comments, ...]:
    out = []
    for question in definition.questions:
        if question.type != "text":
            continue
        if responses < min_n:
            out.append(Comments(question.id, question.text, None, (), suppressed=True))
            continue
        base = (select(Answer.text_value, Response.language)
                .join(Response, Response.id == Answer.response_id)
                .where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle_id,
                       Answer.question_id == question.id, Answer.text_value.is_not(None)))
        base = _filtered(base, filters, joined=True)
        total = db.session.execute(select(func.count()).select_from(base.subquery())).scalar_one()
        items = db.session.execute(base.order_by(Answer.id.desc()).limit(COMMENT_LIMIT)).all()
        out.append(Comments(question.id, question.text, int(total),
                            tuple((lang, text) for text, lang in items if text and text.strip())))
    return tuple(out)


def _trend(questionnaire_id: str, definition: qn.Questionnaire, filters: Filters,
           min_n: int) -> dict[str, tuple[TrendPoint, ...]]:
    cycles = cycles_with_answers()
    if not cycles:
        return {}
    code_of = {c.id: c.code for c in cycles}
    name_of = {c.code: c.name for c in cycles}
    freq = _frequency_rows([questionnaire_id], list(code_of), filters)
    freq["cycle"] = freq.pop("cycle_id").map(code_of)
    questions = {(questionnaire_id, q.id): q for q in definition.questions}
    table = _analysis_table(freq, questions, ("rating",))
    if table.empty:
        return {}
    defs = pd.DataFrame(
        [(questionnaire_id, q.id, c, q.scale.min, q.scale.max) for q in definition.questions
         if q.type == "rating" for c in code_of.values()],
        columns=["questionnaire", "question", "cycle", "scale_min", "scale_max"])
    summary = analysis.summarize(table, keys=["questionnaire", "question"], definitions=defs,
                                 confidence_level=CONFIDENCE_LEVEL)
    figures = {(r["question"], r["cycle"]): _figures_from_summary(r, "rating", min_n)
               for r in summary.to_dict("records")}
    trend = {}
    for question in definition.questions:
        if question.type != "rating":
            continue
        points = tuple(TrendPoint(c.code, name_of[c.code], figures[(question.id, c.code)])
                       for c in cycles if (question.id, c.code) in figures)
        if points:
            trend[question.id] = points
    return trend


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
    query = _filtered(query, filters, joined=True)
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


#: Driver analysis reads at most about this many respondents (a systematic sample beyond).
DRIVER_SAMPLE = 10_000


def _drivers(questionnaire_id: str, cycle: str, definition: qn.Questionnaire, filters: Filters,
             min_n: int, responses: int = 0):
    """Driver analysis of the overall rating on the other satisfaction ratings (LMG), on a
    systematic sample of about DRIVER_SAMPLE respondents when the cell is larger."""
    outcome = next((q for q in definition.questions if q.type == "rating" and q.dimension == "overall"), None)
    drivers = [q for q in definition.questions if q.type == "rating" and q.importance_of is None
               and outcome is not None and q.id != outcome.id]
    if outcome is None or len(drivers) < 2:
        return None, "not enough rating questions"
    every = max(1, math.ceil(responses / DRIVER_SAMPLE))
    frame = respondent_ratings(questionnaire_id, cycle, [outcome.id] + [q.id for q in drivers], filters,
                               every=every)
    frame = frame.dropna()
    if len(frame) < max(min_n, len(drivers) + 2):
        return None, "too few complete answers"
    try:
        return analysis.driver_analysis(frame, outcome.id, [q.id for q in drivers]), None
    except ValueError as exc:
        return None, str(exc)


def _importance(result: CommitmentResult, drivers) -> pd.DataFrame | None:
    """Stated importance-performance when at least two importance questions are published,
    otherwise derived importance (drivers' share of R^2) against performance (index)."""
    stated = {}
    for q in result.rating_questions:
        if q.importance_of and not q.cycle.suppressed:
            target = next((t for t in result.rating_questions if t.id == q.importance_of), None)
            if target is not None and not target.cycle.suppressed:
                stated[target.id] = (q.cycle.index, target.cycle.index)
    if len(stated) >= 2:
        frame = analysis.importance_performance({k: v[0] for k, v in stated.items()},
                                                {k: v[1] for k, v in stated.items()})
        frame.attrs["kind"] = "stated"
        return frame
    if drivers is None:
        return None
    performance = {}
    for driver in drivers.table.index:
        q = next((t for t in result.rating_questions if t.id == driver), None)
        if q is not None and not q.cycle.suppressed:
            performance[driver] = q.cycle.index
    if len(performance) < 2:
        return None
    frame = analysis.importance_performance(
        {k: float(drivers.table.loc[k, "share"]) for k in performance}, performance)
    frame.attrs["kind"] = "derived"
    return frame


def commitment_detail(questionnaire_id: str, cycle: str | None, baseline: str | None = None, *,
                      filters: Filters | None = None, weighting: str = "none") -> Detail:
    """The drill-down of one commitment (see the module docstring)."""
    filters = filters or Filters()
    result = questionnaire_results(questionnaire_id, cycle, baseline, filters=filters, weighting=weighting)

    def compute():
        min_n = result.min_cell_size
        current = get_cycle(result.cycle)
        base = get_cycle(result.baseline) if result.baseline else None
        cat = _catalogue([questionnaire_id])[questionnaire_id]
        cycle_ids = [current.id] + ([base.id] if base else [])
        counts = _response_counts([questionnaire_id], cycle_ids, filters)
        versions = {cid: sorted(set(counts.loc[counts["cycle_id"] == cid, "version_id"])) for cid in cycle_ids}
        definition = _definition_for(cat, versions[current.id])
        freq = _frequency_rows([questionnaire_id], cycle_ids, filters)
        choice_ids = [q.id for q in definition.questions if q.type in ("choice", "multi_choice")]
        texts = (_text_counts(questionnaire_id, cycle_ids, choice_ids, filters) if choice_ids
                 else pd.DataFrame(columns=["cycle_id", "question", "text", "is_na", "count"]))
        distributions = _distributions(definition, freq, texts, current.id, result.responses, min_n)
        baseline_distributions = ()
        if base is not None:
            baseline_distributions = _distributions(_definition_for(cat, versions[base.id]), freq, texts,
                                                    base.id, result.responses_baseline or 0, min_n)
        comments = _comments(definition, questionnaire_id, current.id, result.responses, filters, min_n)
        drivers, note = _drivers(questionnaire_id, result.cycle, definition, filters, min_n, result.responses)
        importance = _importance(result, drivers)
        trend = _trend(questionnaire_id, definition, filters, min_n)
        return Detail(result, distributions, baseline_distributions, trend, comments, importance,
                      drivers, note)

    return _cached("detail", (questionnaire_id, result.cycle, result.baseline, filters, weighting), compute)


def sites() -> list[str]:
    """Sites (kiosk locations, counters) that have responses, for the filter (cached)."""
    return _cached("sites", (), lambda: [s for s in db.session.execute(
        select(Response.site).where(Response.site.is_not(None)).distinct().order_by(Response.site)).scalars()])
