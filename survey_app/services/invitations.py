"""Invitations: single-use links for a mail merge, stored as hashes, reported as counts only.

A batch of codes is made at once; each code (144 random bits) appears only in the CSV the
admin downloads, and the database keeps its sha256. Following ``/i/<code>`` opens the
questionnaire; the invitation is consumed by the very transaction that stores the response
(:func:`~survey_app.services.submissions.record_response` given a :class:`Ticket`), with one
conditional UPDATE that must hit exactly one row. Nothing ties the response to the invitation:
no column, no foreign key, no exact time on either side; only the number of invitations used
is ever reported.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, bindparam, case, func, insert, select, update

from ..auth import hash_token
from ..database import write_transaction
from ..driver import DriverWrite
from ..extensions import db
from ..models import AuditEvent, Cycle, Invitation, InvitationBatch
from . import catalogue

# 18 random bytes: 144 bits, 24 URL-safe characters (no padding to trip a mail merge).
CODE_BYTES = 18
CODE_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,64}$")
MAX_COUNT = 100_000
CSV_COLUMNS = ("code", "url")


class InvitationError(ValueError):
    """Invalid batch settings; ``errors`` maps option names to messages."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class InvitationGone(Exception):
    """The link cannot be used: ``reason`` is "used", "expired" or "unknown"."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Ticket:
    """A usable invitation, as the form and the submission need it (never its code)."""

    token_hash: str
    questionnaire_id: str
    cycle_code: str | None


@dataclass(frozen=True)
class CreatedBatch:
    batch_id: int
    codes: list[str]


@dataclass(frozen=True)
class BatchSummary:
    batch: InvitationBatch
    created: int
    used: int
    expired: int

    @property
    def waiting(self) -> int:
        return self.created - self.used - self.expired


def new_code() -> str:
    return secrets.token_urlsafe(CODE_BYTES)


def code_hash(code: str) -> str:
    return hash_token(code)


def _today(today: dt.date | None) -> dt.date:
    return today or dt.date.today()


def _check(questionnaire_id: str, count: Any, cycle_code: str | None,
           expires_on: dt.date | None, today: dt.date) -> Cycle | None:
    errors: dict[str, str] = {}
    row = catalogue.get_published(questionnaire_id or "")
    if row is None:
        errors["questionnaire"] = f"unknown or unpublished questionnaire {questionnaire_id!r}"
    elif "online" not in catalogue.published_definition(row).channels:
        errors["questionnaire"] = f"questionnaire {questionnaire_id!r} is not offered online"
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_COUNT:
        errors["count"] = f"must be a whole number from 1 to {MAX_COUNT}"
    cycle = None
    if cycle_code:
        cycle = db.session.execute(db.select(Cycle).where(Cycle.code == cycle_code)).scalar_one_or_none()
        if cycle is None:
            errors["cycle"] = f"unknown cycle {cycle_code!r}"
        elif cycle.state not in ("draft", "open"):
            errors["cycle"] = f"cycle {cycle_code!r} is {cycle.state}: it takes no more responses"
    if expires_on is not None and expires_on < today:
        errors["expires"] = "must be today or later"
    if errors:
        raise InvitationError(errors)
    return cycle


def create_batch(questionnaire_id: str, count: int, cycle_code: str | None = None,
                 expires_on: dt.date | None = None, actor: str | None = None,
                 today: dt.date | None = None) -> CreatedBatch:
    """Make ``count`` invitations; the codes are returned once and never stored."""
    cycle = _check(questionnaire_id, count, cycle_code, expires_on, _today(today))
    codes = [new_code() for _ in range(count)]
    with write_transaction():
        batch = InvitationBatch(questionnaire_id=questionnaire_id, cycle_id=cycle.id if cycle else None,
                                expires_on=expires_on, created_by=actor)
        db.session.add(batch)
        db.session.flush()
        db.session.execute(insert(Invitation.__table__),
                           [{"batch_id": batch.id, "token_hash": code_hash(code)} for code in codes])
        db.session.add(AuditEvent(actor=actor, action="invitations.create", detail={
            "batch": batch.id, "questionnaire": questionnaire_id, "count": count,
            "cycle": cycle_code, "expires_on": expires_on.isoformat() if expires_on else None,
        }))
        batch_id = batch.id
    return CreatedBatch(batch_id, codes)


def csv_text(codes: Iterable[str], url_of: Callable[[str], str]) -> str:
    """The mail-merge file: one row per invitation, columns ``code,url``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for code in codes:
        writer.writerow((code, url_of(code)))
    return out.getvalue()


def ticket_for(code: str, today: dt.date | None = None) -> Ticket:
    """The invitation behind a link's code, or :class:`InvitationGone` saying why not."""
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise InvitationGone("unknown")
    row = db.session.execute(
        db.select(Invitation.token_hash, Invitation.used_on, InvitationBatch.questionnaire_id,
                  InvitationBatch.expires_on, Cycle.code.label("cycle_code"))
        .join(InvitationBatch, Invitation.batch_id == InvitationBatch.id)
        .outerjoin(Cycle, InvitationBatch.cycle_id == Cycle.id)
        .where(Invitation.token_hash == code_hash(code))
    ).first()
    if row is None:
        raise InvitationGone("unknown")
    if row.used_on is not None:
        raise InvitationGone("used")
    if row.expires_on is not None and row.expires_on < _today(today):
        raise InvitationGone("expired")
    return Ticket(row.token_hash, row.questionnaire_id, row.cycle_code)


# Built once: the submission runs it on the driver (survey_app/driver.py).
_CONSUME = (
    update(Invitation.__table__)
    .where(Invitation.token_hash == bindparam("token_hash"), Invitation.used_on.is_(None),
           Invitation.batch_id.in_(
               select(InvitationBatch.id).where(InvitationBatch.expires_on.is_(None)
                                                | (InvitationBatch.expires_on >= bindparam("today", type_=Date)))))
    .values(used_on=bindparam("today", type_=Date))
)


def consume(write: DriverWrite, ticket: Ticket, today: dt.date | None = None) -> bool:
    """Mark the invitation used, inside the submission's write transaction; False when it was
    already used or has expired meanwhile (the caller then rolls back)."""
    cursor = write.execute(_CONSUME, {"token_hash": ticket.token_hash, "today": _today(today)})
    return cursor.rowcount == 1


def batch_summaries(today: dt.date | None = None) -> list[BatchSummary]:
    """Every batch, newest first, with its counts: created, used, expired (unused, past expiry)."""
    today = _today(today)
    expired = case(
        (Invitation.used_on.is_(None) & InvitationBatch.expires_on.is_not(None)
         & (InvitationBatch.expires_on < today), 1), else_=0)
    rows = db.session.execute(
        db.select(InvitationBatch, func.count(Invitation.id), func.count(Invitation.used_on),
                  func.coalesce(func.sum(expired), 0))
        .outerjoin(Invitation, Invitation.batch_id == InvitationBatch.id)
        .group_by(InvitationBatch.id)
        .order_by(InvitationBatch.id.desc())
    ).all()
    return [BatchSummary(batch, created, used, int(expired_count))
            for batch, created, used, expired_count in rows]


def used_count(questionnaire_id: str | None = None) -> int:
    """How many invitations were used (optionally for one questionnaire): all that is reported."""
    query = db.select(func.count(Invitation.id)).where(Invitation.used_on.is_not(None))
    if questionnaire_id is not None:
        query = query.join(InvitationBatch).where(InvitationBatch.questionnaire_id == questionnaire_id)
    return db.session.execute(query).scalar_one()
