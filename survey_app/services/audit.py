"""The audit trail: the one place that writes, reads and exports ``AuditEvent`` rows.

:func:`record` adds a row inside the caller's write transaction (so an action and its audit row
commit or fail together); :func:`record_now` commits a row of its own, for reads worth tracing
(sign-ins, downloads). A row says who did what and when, never an answer, a password, a PIN
or a token: :func:`record` refuses detail keys that could carry one.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from ..database import write_transaction
from ..extensions import db
from ..models import AuditEvent

# Detail keys that could carry a secret or a citizen's answers.
FORBIDDEN_DETAIL = frozenset({"password", "new_password", "pin", "token", "answers", "code"})


def record(action: str, actor: str | None = None, **detail: Any) -> AuditEvent:
    """Add an audit row to the current transaction (the caller commits it)."""
    refused = FORBIDDEN_DETAIL.intersection(detail)
    if refused:
        raise ValueError(f"audit detail may not hold {', '.join(sorted(refused))}")
    event = AuditEvent(actor=actor, action=action, detail=detail or None)
    db.session.add(event)
    return event


def record_now(action: str, actor: str | None = None, **detail: Any) -> None:
    """Write an audit row in a transaction of its own."""
    with write_transaction():
        record(action, actor, **detail)


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None  # inclusive

    def apply(self, query: Select) -> Select:
        if self.actor:
            query = query.where(AuditEvent.actor == self.actor.strip().lower())
        if self.action:
            query = query.where(AuditEvent.action == self.action)
        if self.since:
            query = query.where(AuditEvent.at >= dt.datetime.combine(self.since, dt.time()))
        if self.until:
            query = query.where(AuditEvent.at < dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time()))
        return query


def events(where: AuditFilter, limit: int | None = None, offset: int = 0) -> list[AuditEvent]:
    """Matching rows, newest first."""
    query = where.apply(db.select(AuditEvent)).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit is not None:
        query = query.limit(limit).offset(offset)
    return list(db.session.execute(query).scalars())


def count(where: AuditFilter) -> int:
    return db.session.execute(where.apply(db.select(db.func.count(AuditEvent.id)))).scalar_one()


def actions() -> list[str]:
    """Every action recorded so far (for the page's filter)."""
    return list(db.session.execute(
        db.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).scalars())


def describe(detail: dict[str, Any] | None) -> str:
    """The detail as ``key=value`` pairs, for a page, a CSV cell or a terminal."""
    return ", ".join(f"{key}={value}" for key, value in sorted((detail or {}).items()))


def to_csv(rows: list[AuditEvent]) -> str:
    """The rows as CSV; cells a spreadsheet would run as a formula are neutralised."""
    from .exports import neutralize  # on use: the exports pull in pandas

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["at_utc", "actor", "action", "detail"])
    for row in rows:
        writer.writerow([neutralize(value) for value in (
            row.at.strftime("%Y-%m-%d %H:%M:%S"), row.actor or "", row.action, describe(row.detail))])
    return out.getvalue()
