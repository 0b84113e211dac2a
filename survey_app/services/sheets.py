"""Paper and phone sheets: their identity, where they may go, and how they are stored in bulk.

A sheet is known by the number written on it. Its submission id is derived from
(questionnaire, cycle, channel, sheet number) with uuid5, so the CSV import and the paper
entry screen give the same sheet the same id, and a sheet is stored once however often it is
imported or typed. Storing a sheet follows the rules of ``record_response`` (the answers go
through :func:`questionnaires.validate_answers`, idempotency rests on the unique constraint
on ``(questionnaire_id, submission_id)``), but many sheets at a time: one look-up of the
known ids, one multi-row INSERT of responses and one of answers per chunk, so a million
sheets import in under a minute.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, NamedTuple

import questionnaires as qn
from questionnaires.errors import N_
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from ..database import write_transaction
from ..extensions import db
from ..models import Answer, Cycle, Response
from . import catalogue

NAMESPACE = uuid.UUID("5b0d7f4e-1c0a-4e55-9a51-6a1f2b7c3d90")
SHEET_CHANNELS = ("paper", "phone")
LANGUAGES = ("fr", "en")
SHEET_MAX_LENGTH = 40
STORED, ALREADY, CONFLICT = "stored", "already", "conflict"


class SheetError(ValueError):
    """Sheets cannot go where they were sent; ``message`` is a translatable :class:`qn.Message`."""

    def __init__(self, message: qn.Message):
        super().__init__(str(message))
        self.message = message


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
    return str(uuid.uuid5(NAMESPACE, "\x1f".join((questionnaire_id, cycle_code, channel, normalize_sheet(sheet)))))


@dataclass(frozen=True)
class Target:
    """Where sheets go: a published questionnaire's current version, an open cycle, a channel."""

    questionnaire_id: str
    version_id: int
    version_hash: str
    definition: qn.Questionnaire
    cycle_id: int
    cycle_code: str
    channel: str


def target_for(questionnaire_id: str, cycle_code: str, channel: str) -> Target:
    """Check where sheets are sent; raises :class:`SheetError` naming what is wrong."""
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
    cycle = db.session.execute(db.select(Cycle).where(Cycle.code == cycle_code)).scalar_one_or_none()
    if cycle is None:
        raise SheetError(qn.Message(N_("unknown cycle %(cycle)s"), cycle=repr(cycle_code)))
    if cycle.state != "open":
        raise SheetError(qn.Message(N_("cycle %(cycle)s is not open"), cycle=repr(cycle_code)))
    return Target(questionnaire_id, current.id, current.content_hash, definition, cycle.id, cycle.code, channel)


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
    digest = hashlib.sha256(repr((target.version_hash, language, rows)).encode()).hexdigest()
    return Sheet(submission_id, digest, language, rows)


def known(target: Target, submission_ids: Iterable[str]) -> dict[str, tuple[str, str]]:
    """``{submission id: (payload hash, receipt)}`` of the ids already stored."""
    ids = list(set(submission_ids))
    if not ids:
        return {}
    rows = db.session.connection().execute(
        db.select(Response.submission_id, Response.payload_hash, Response.public_id).where(
            Response.questionnaire_id == target.questionnaire_id, Response.submission_id.in_(ids))
    )
    return {row.submission_id: (row.payload_hash, row.public_id) for row in rows}


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


def store_in_transaction(target: Target, sheets: list[Sheet]) -> tuple[list[str], dict[str, int]]:
    """Store the new sheets inside the caller's write transaction.

    Returns each sheet's outcome (see :func:`classify`) and the new responses' ids by
    submission id.
    """
    outcomes = classify(target, sheets)
    new = [sheet for sheet, outcome in zip(sheets, outcomes) if outcome == STORED]
    if not new:
        return outcomes, {}
    today = dt.date.today()
    connection = db.session.connection()
    response_rows = [
        (secrets.token_urlsafe(12), sheet.submission_id, target.questionnaire_id, target.version_id,
         target.cycle_id, target.channel, sheet.language, None, today, False, sheet.digest)
        for sheet in new
    ]
    ids = _insert_responses(connection, response_rows)
    answer_rows = [
        (response_id, target.questionnaire_id, target.cycle_id, *answer)
        for sheet, response_id in zip(new, ids) for answer in sheet.answers
    ]
    _insert_many(connection, Answer.__table__, ANSWER_COLUMNS, answer_rows)
    return outcomes, {sheet.submission_id: response_id for sheet, response_id in zip(new, ids)}


RESPONSE_COLUMNS = ("public_id", "submission_id", "questionnaire_id", "version_id", "cycle_id", "channel",
                    "language", "site", "submitted_on", "partial", "payload_hash")
ANSWER_COLUMNS = ("response_id", "questionnaire_id", "cycle_id", "question_id", "numeric_value",
                  "text_value", "is_na")


def _insert_many(connection, table, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """A plain executemany. On SQLite straight to the driver (SQLAlchemy's per-row parameter
    processing would double an import's time); elsewhere through Core's batched INSERT."""
    if not rows:
        return
    if connection.dialect.name == "sqlite":
        placeholders = ", ".join("?" * len(columns))
        connection.exec_driver_sql(
            f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({placeholders})",
            rows,
        )
    else:
        connection.execute(insert(table), [dict(zip(columns, row)) for row in rows])


def _insert_responses(connection, rows: list[tuple]) -> list[int]:
    """Insert responses, returning their ids in order."""
    responses = Response.__table__
    if connection.dialect.name == "sqlite":
        # The write transaction holds SQLite's only write lock, so the ids after the largest
        # are free; naming them spares a RETURNING per row.
        last = connection.exec_driver_sql("SELECT COALESCE(MAX(id), 0) FROM response").scalar_one()
        ids = list(range(last + 1, last + 1 + len(rows)))
        # SQLAlchemy's Date type stores ISO text on SQLite; the driver is given the same.
        _insert_many(connection, responses, ("id", *RESPONSE_COLUMNS),
                     [(response_id, *row[:8], row[8].isoformat(), *row[9:]) for response_id, row in zip(ids, rows)])
        return ids
    return connection.execute(
        insert(responses).returning(responses.c.id, sort_by_parameter_order=True),
        [dict(zip(RESPONSE_COLUMNS, row)) for row in rows],
    ).scalars().all()


BULK_CACHE_KIB = 256 * 1024


@contextmanager
def bulk_writes() -> Iterator[None]:
    """Around a large import: on SQLite, a page cache large enough for the response indexes
    (random ids land anywhere in them), put back to the default afterwards."""
    if db.engine.dialect.name != "sqlite":
        yield
        return
    connection = db.session.connection()
    previous = connection.exec_driver_sql("PRAGMA cache_size").scalar_one()
    connection.exec_driver_sql(f"PRAGMA cache_size = -{BULK_CACHE_KIB}")
    try:
        yield
    finally:
        db.session.connection().exec_driver_sql(f"PRAGMA cache_size = {previous}")
        db.session.commit()


def store(target: Target, sheets: list[Sheet]) -> list[str]:
    """Store sheets in one write transaction; each sheet's outcome, in order."""
    for attempt in (1, 2):
        try:
            with write_transaction():
                outcomes, _ids = store_in_transaction(target, sheets)
            return outcomes
        except IntegrityError:
            # Another writer stored one of these sheets between the look-up and the INSERT
            # (PostgreSQL; SQLite's write lock forbids it): look again, once.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def receipt_of(target: Target, submission_id: str) -> str | None:
    """The receipt (public id) of a stored sheet, to link to it."""
    found = known(target, [submission_id]).get(submission_id)
    return found[1] if found else None
