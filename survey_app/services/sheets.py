"""Paper and phone sheets: their identity, where they may go, and how they are stored in bulk.

A sheet is known by the number written on it. Its submission id is derived from
(questionnaire, cycle, channel, sheet number) with uuid5, so the CSV import and the paper
entry screen give the same sheet the same id, and a sheet is stored once however often it is
imported or typed. Storing a sheet follows the rules of ``record_response`` (the answers go
through :func:`questionnaires.validate_answers`, idempotency rests on the unique constraint
on ``(questionnaire_id, submission_id)``), but many sheets at a time: per chunk, one
``executemany`` of plain tuples for the responses and one for the answers, inside the
import's one write transaction, and a look-up of the ids already stored (on SQLite, only of
those the INSERT skipped).
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import itertools
import operator
import os
import secrets
import uuid
from dataclasses import dataclass
from typing import Any, NamedTuple
from collections.abc import Iterable

import questionnaires as qn
from questionnaires.errors import N_
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from ..database import sqlite_file
from ..extensions import db
from ..models import Answer, Cycle, Questionnaire, QuestionnaireVersion, Response
from . import catalogue, cycles
from .bulk import BulkWrites

NAMESPACE = uuid.UUID("5b0d7f4e-1c0a-4e55-9a51-6a1f2b7c3d90")
SHEET_CHANNELS = ("paper", "phone")
LANGUAGES = ("fr", "en")
SHEET_MAX_LENGTH = 40
STORED, ALREADY, CONFLICT = "stored", "already", "conflict"


class SheetError(ValueError):
    """Sheets cannot go where they were sent; ``message`` is a translatable :class:`qn.Message`."""

    def __init__(self, message: qn.Message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        # What was wrong when it is not the questionnaire: "cycle" or "answered_on".
        self.field = field


def normalize_sheet(text: Any) -> str:
    """The sheet number as it identifies the sheet: surrounding and repeated spaces ignored."""
    return " ".join(str(text or "").split())


def check_sheet(sheet: str) -> qn.Message | None:
    """Why a sheet number cannot be used, or None."""
    if not sheet:
        return qn.Message(N_("the sheet number is required"))
    if len(sheet) > SHEET_MAX_LENGTH:
        return qn.Message(N_("a sheet number has at most %(count)s characters"), count=SHEET_MAX_LENGTH)
    return None


def sheet_submission_id(questionnaire_id: str, cycle_code: str, channel: str, sheet: str) -> str:
    """The one submission id of a sheet (the CSV import and the entry screen agree on it)."""
    return SheetIds(questionnaire_id, cycle_code, channel)(sheet)


class SheetIds:
    """The submission ids of the sheets of one questionnaire, cycle and channel: the
    ``uuid.uuid5(NAMESPACE, "questionnaire\\x1fcycle\\x1fchannel\\x1fsheet")`` of every sheet,
    computed from a hash of the common part (an import derives a million of them)."""

    def __init__(self, questionnaire_id: str, cycle_code: str, channel: str):
        self._prefix = hashlib.sha1(NAMESPACE.bytes + "\x1f".join((questionnaire_id, cycle_code, channel, "")).encode())

    def __call__(self, sheet: str, normalized: bool = False) -> str:
        digest = self._prefix.copy()
        digest.update((sheet if normalized else normalize_sheet(sheet)).encode())
        raw = bytearray(digest.digest()[:16])
        raw[6] = (raw[6] & 0x0F) | 0x50  # version 5
        raw[8] = (raw[8] & 0x3F) | 0x80  # RFC 4122 variant
        text = raw.hex()
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@dataclass(frozen=True)
class Target:
    """Where sheets go: a published questionnaire's current version, a cycle that takes them
    (the open one, or the one whose period holds the batch's date), a channel."""

    questionnaire_id: str
    version_id: int
    version_hash: str
    definition: qn.Questionnaire
    cycle_id: int
    cycle_code: str
    channel: str


def target_for(questionnaire_id: str, cycle_code: str | None, channel: str,
               answered_on: dt.date | None = None) -> Target:
    """Check where sheets are sent; raises :class:`SheetError` naming what is wrong.

    The cycle follows :func:`cycles.cycle_for_answer`: with the batch's date ``answered_on``,
    the cycle whose period holds it (a closed one too, until it is published); without, the
    named cycle if it is open (or the open cycle when none is named).
    """
    if channel not in SHEET_CHANNELS:
        raise SheetError(qn.Message(N_("the channel must be paper or phone, not %(channel)s"), channel=repr(channel)))
    current = catalogue.current_version_ref(questionnaire_id)
    if current is None:
        raise SheetError(qn.Message(N_("unknown or unpublished questionnaire %(questionnaire)s"),
                                    questionnaire=repr(questionnaire_id)))
    definition = catalogue.definition_of(current)
    if channel not in definition.channels:
        raise SheetError(qn.Message(N_("questionnaire %(questionnaire)s is not offered on the %(channel)s channel"),
                                    questionnaire=repr(questionnaire_id), channel=channel))
    cycle, refusal = cycles.cycle_for_answer(answered_on, cycle_code)
    if refusal is not None:
        raise SheetError(refusal.message, refusal.field)
    return Target(questionnaire_id, current.id, current.content_hash, definition, cycle.id, cycle.code, channel)


def check_references(target: Target) -> None:
    """Inside an import's write transaction, whose bulk mode checks no foreign key row by row
    (survey_app/database.py ``BULK_WRITE``): the questionnaire, version and cycle that every
    response stored will name exist, and none can go before the transaction ends (it holds
    the write lock); each answer names a response stored just before it. Raises
    :class:`SheetError` for a questionnaire or cycle removed since :func:`target_for`."""
    found = db.session.connection().execute(db.select(
        db.select(Questionnaire.id).where(Questionnaire.id == target.questionnaire_id).exists(),
        db.select(QuestionnaireVersion.id).where(QuestionnaireVersion.id == target.version_id).exists(),
        db.select(Cycle.id).where(Cycle.id == target.cycle_id).exists())).one()
    if not (found[0] and found[1]):
        raise SheetError(qn.Message(N_("unknown or unpublished questionnaire %(questionnaire)s"),
                                    questionnaire=repr(target.questionnaire_id)))
    if not found[2]:
        raise SheetError(qn.Message(N_("unknown cycle %(cycle)s"), cycle=repr(target.cycle_code)), "cycle")


class Sheet(NamedTuple):
    """One sheet's validated answers, ready to store (a tuple: an import spools millions)."""

    submission_id: str
    digest: str
    language: str
    answers: tuple[tuple[str, float | None, str | None, bool], ...]  # (question, numeric, text, is_na)


def prepare(target: Target, answers: dict[str, Any], *, submission_id: str, language: str = "fr") -> Sheet:
    """Validate a sheet's answers with the shared rules; raises :class:`qn.AnswerError`.

    The sheet's fingerprint (the response's ``payload_hash``) covers its version, language
    and stored answers. It is not ``submissions.payload_hash``: sheet ids are derived here and
    never sent by an API client, and a JSON dump per row would cost a fifth of an import.
    """
    validated = qn.validate_answers(target.definition, answers)
    rows = tuple((a.question_id, a.numeric, a.text, a.is_na) for a in validated)
    return Sheet(submission_id, fingerprint(target.version_hash, language, rows), language, rows)


REMEMBERED_ROWS = 65536  # free texts are all distinct: past this many, reprs are not kept


def _remember(reprs: dict, row: tuple) -> str:
    text = repr(row)
    if len(reprs) < REMEMBERED_ROWS:
        reprs.setdefault(row, (row, text))
    return text


def fingerprint(version_hash: str, language: str, rows: tuple, reprs: dict | None = None) -> str:
    """sha256 of ``repr((version_hash, language, rows))``; ``reprs`` keeps each answer row's
    ``repr`` across the sheets of an import (few distinct rows, a million sheets)."""
    if reprs is None:
        return hashlib.sha256(repr((version_hash, language, rows)).encode()).hexdigest()
    get = reprs.get
    # An entry is (row, repr) and counts only for that very row object: rows that compare
    # equal may differ in repr (-0.0 and 0.0), while a reader hands out the same row objects.
    parts = [entry[1] if (entry := get(row)) is not None and entry[0] is row else _remember(reprs, row)
             for row in rows]
    inner = ", ".join(parts) + ("," if len(parts) == 1 else "")
    return hashlib.sha256(f"({version_hash!r}, {language!r}, ({inner}))".encode()).hexdigest()


def known(target: Target, submission_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{submission id: (payload hash, receipt)}`` of the ids already stored."""
    ids = list(set(submission_ids))
    if not ids:
        return {}
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        # Straight to the driver, a few hundred ids at a time: an import looks up every sheet.
        cursor = connection.connection.cursor()
        found: dict[str, tuple[str, str]] = {}
        for first in range(0, len(ids), LOOKUP_IDS):
            part = ids[first:first + LOOKUP_IDS]
            cursor.execute(
                "SELECT submission_id, payload_hash, public_id FROM response WHERE questionnaire_id = ?"
                f" AND submission_id IN ({', '.join('?' * len(part))})", (target.questionnaire_id, *part))
            found.update((row[0], (row[1], row[2])) for row in cursor.fetchall())
        return found
    rows = connection.execute(
        db.select(Response.submission_id, Response.payload_hash, Response.public_id).where(
            Response.questionnaire_id == target.questionnaire_id, Response.submission_id.in_(ids))
    )
    return {row.submission_id: (row.payload_hash, row.public_id) for row in rows}


LOOKUP_IDS = 500


def classify(target: Target, sheets: list[Sheet]) -> list[str]:
    """What storing ``sheets`` would do to each: stored, already (identical) or conflict
    (the first one kept), counting earlier sheets of the same list as stored."""
    seen = {sid: digest for sid, (digest, _receipt) in known(target, (s.submission_id for s in sheets)).items()}
    outcomes = []
    for sheet in sheets:
        first = seen.get(sheet.submission_id)
        if first is None:
            seen[sheet.submission_id] = sheet.digest
            outcomes.append(STORED)
        else:
            outcomes.append(ALREADY if first == sheet.digest else CONFLICT)
    return outcomes


def receipts(count: int) -> list[str]:
    """``count`` new receipts (public ids), each as ``secrets.token_urlsafe(12)``: 16 characters
    from 12 random bytes, drawn at once."""
    text = base64.urlsafe_b64encode(secrets.token_bytes(12 * count)).decode()
    return [text[i:i + 16] for i in range(0, 16 * count, 16)]


def store_in_transaction(target: Target, sheets: list[Sheet],
                         bulk: BulkWrites | None = None) -> tuple[list[str], dict[str, int]]:
    """Store the new sheets inside the caller's write transaction.

    Returns each sheet's outcome (see :func:`classify`) and the new responses' ids by
    submission id.
    """
    connection = db.session.connection()
    if connection.dialect.name == "sqlite":
        return _store_sqlite(connection, target, sheets, bulk)
    outcomes = classify(target, sheets)
    new = [sheet for sheet, outcome in zip(sheets, outcomes) if outcome == STORED]
    if not new:
        return outcomes, {}
    ids = _insert_core(connection, target, new)
    return outcomes, {sheet.submission_id: response_id for sheet, response_id in zip(new, ids)}


RESPONSE_COLUMNS = ("id", "public_id", "submission_id", "questionnaire_id", "version_id", "cycle_id", "channel",
                    "language", "site", "submitted_on", "partial", "payload_hash")
# The answer's own cells first: each row is the sheet's row plus the same three cells.
ANSWER_COLUMNS = ("question_id", "numeric_value", "text_value", "is_na", "response_id", "questionnaire_id",
                  "cycle_id")


def _store_sqlite(connection, target: Target, sheets: list[Sheet],
                  bulk: BulkWrites | None) -> tuple[list[str], dict[str, int]]:
    """:func:`store_in_transaction` inserting first: the first sheet of each submission id goes
    to an INSERT that skips the ids already stored, and only those skipped are looked up, so
    that new sheets (nearly all of an import) cost one search of the unique index, not two.
    The outcomes are :func:`classify`'s."""
    first: dict[str, int] = {}
    for index, sheet in enumerate(sheets):
        first.setdefault(sheet.submission_id, index)
    new_ids = _insert_sqlite(connection, target, [sheets[index] for index in first.values()], bulk)
    skipped = [sid for sid in first if sid not in new_ids]
    seen = {sid: digest for sid, (digest, _receipt) in known(target, skipped).items()}
    seen.update((sid, sheets[first[sid]].digest) for sid in new_ids)
    outcomes = [STORED if sheet.submission_id in new_ids and first[sheet.submission_id] == index
                else ALREADY if seen[sheet.submission_id] == sheet.digest else CONFLICT
                for index, sheet in enumerate(sheets)]
    return outcomes, new_ids


def _insert_sqlite(connection, target: Target, tried: list[Sheet], bulk: BulkWrites | None) -> dict[str, int]:
    """Plain tuples to the driver's executemany (SQLAlchemy's per-row parameter processing
    would double an import's time); a sheet whose submission id is stored already is skipped.
    The write transaction holds SQLite's only write lock, so the ids after the largest are
    free; naming them spares a RETURNING per row. The new responses' ids by submission id."""
    if not tried:
        return {}
    cursor = connection.connection.cursor()
    last = cursor.execute("SELECT COALESCE(MAX(id), 0) FROM response").fetchone()[0]
    ids = range(last + 1, last + 1 + len(tried))
    today = dt.date.today().isoformat()  # SQLAlchemy's Date is ISO text on SQLite
    common = (target.questionnaire_id, target.version_id, target.cycle_id, target.channel)
    fail = bulk is not None and bulk.untriggered
    inserted = _insert_rows(cursor, "response", RESPONSE_COLUMNS, fail, [
        (response_id, receipt, sheet.submission_id, *common, sheet.language, None, today, False, sheet.digest)
        for response_id, receipt, sheet in zip(ids, receipts(len(tried)), tried)],
        " ON CONFLICT (questionnaire_id, submission_id) DO NOTHING")
    new = list(zip(ids, tried))
    if inserted < len(tried):
        stored = {row[0] for row in cursor.execute("SELECT id FROM response WHERE id > ?", (last,))}
        new = [(response_id, sheet) for response_id, sheet in new if response_id in stored]
    # Each answer row is the sheet's row plus its response's three cells, joined by map in C:
    # an import has ten times more answers than sheets.
    answers = itertools.chain.from_iterable(sheet.answers for _response_id, sheet in new)
    tails = itertools.chain.from_iterable(
        itertools.repeat((response_id, target.questionnaire_id, target.cycle_id), len(sheet.answers))
        for response_id, sheet in new)
    _insert_rows(cursor, "answer", ANSWER_COLUMNS, fail, list(map(operator.add, answers, tails)))
    return {sheet.submission_id: response_id for response_id, sheet in new}


ROWS_PER_INSERT = 256


def _insert_rows(cursor, table: str, columns: tuple[str, ...], fail: bool, rows: list[tuple], suffix: str = "") -> int:
    """One INSERT per :data:`ROWS_PER_INSERT` rows (a statement run per row costs SQLite a
    tenth of an import's time), the remainder row by row; the cells are regrouped in C.
    ``suffix`` ends each statement (an ON CONFLICT clause). The number of rows inserted.

    ``fail``, in a bulk transaction where no trigger is left on these tables (an OR clause
    would override the conflict clauses of the statements a trigger runs): ``OR FAIL``, a
    broken constraint stops a statement without undoing the rows it inserted before, so
    SQLite keeps no statement journal (a copy of every page a statement of many rows changes,
    a tenth of an import's time again); the error rolls back the whole import anyway."""
    full = len(rows) - len(rows) % ROWS_PER_INSERT
    cells = iter(itertools.chain.from_iterable(rows[:full]))
    cursor.executemany(_insert_sql(table, columns, fail, ROWS_PER_INSERT) + suffix,
                       zip(*[cells] * (len(columns) * ROWS_PER_INSERT)))
    inserted = max(cursor.rowcount, 0)
    cursor.executemany(_insert_sql(table, columns, fail) + suffix, rows[full:])
    return inserted + max(cursor.rowcount, 0)


def _insert_sql(table: str, columns: tuple[str, ...], fail: bool = False, rows: int = 1) -> str:
    values = f"({', '.join('?' * len(columns))})"
    return (f"INSERT {'OR FAIL ' if fail else ''}INTO {table} ({', '.join(columns)})"
            f" VALUES {', '.join([values] * rows)}")


def _insert_core(connection, target: Target, new: list[Sheet]) -> list[int]:
    """Through Core's batched INSERT (PostgreSQL), the responses' ids returned in order."""
    today = dt.date.today()
    responses = Response.__table__
    ids = connection.execute(
        insert(responses).returning(responses.c.id, sort_by_parameter_order=True),
        [dict(zip(RESPONSE_COLUMNS[1:], (receipt, sheet.submission_id, target.questionnaire_id, target.version_id,
                                         target.cycle_id, target.channel, sheet.language, None, today, False,
                                         sheet.digest)))
         for receipt, sheet in zip(receipts(len(new)), new)],
    ).scalars().all()
    connection.execute(insert(Answer.__table__), [
        dict(zip(ANSWER_COLUMNS, answer + (response_id, target.questionnaire_id, target.cycle_id)))
        for sheet, response_id in zip(new, ids) for answer in sheet.answers
    ])
    return ids


LARGE_JOURNAL_BYTES = 64 * 1024 * 1024


def shrink_journal() -> None:
    """After an import on SQLite: its one transaction grew the write-ahead log to the size of
    what it wrote (a gigabyte and more for a million sheets), and SQLite keeps the file at that
    size; once the log is large, a checkpoint that truncates it gives the space back."""
    path = sqlite_file(db.engine)
    if path is None or not os.path.exists(path + "-wal") or os.path.getsize(path + "-wal") < LARGE_JOURNAL_BYTES:
        return
    raw = db.engine.raw_connection()
    try:
        # Outside any transaction; while a reader still uses the log, SQLite leaves it as is.
        driver: Any = raw.driver_connection  # the sqlite3 connection
        driver.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        raw.close()


def store_chunk(target: Target, sheets: list[Sheet], bulk: BulkWrites) -> list[str]:
    """Store sheets inside an import's write transaction (in ``bulk``, which counts the rows
    added); each sheet's outcome, in order."""
    if db.session.connection().dialect.name == "sqlite":
        # SQLite's write lock, held since BEGIN IMMEDIATE, keeps every other writer out.
        outcomes = store_in_transaction(target, sheets, bulk)[0]
        bulk.stored(sum(1 + len(sheet.answers) for sheet, outcome in zip(sheets, outcomes) if outcome == STORED))
        return outcomes
    for attempt in (1, 2):
        try:
            with db.session.begin_nested():
                return store_in_transaction(target, sheets)[0]
        except IntegrityError:
            # Another writer stored one of these sheets between the look-up and the INSERT:
            # look again, once.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def receipt_of(target: Target, submission_id: str) -> str | None:
    """The receipt (public id) of a stored sheet, to link to it."""
    found = known(target, [submission_id]).get(submission_id)
    return found[1] if found else None
