"""Improvement cycles: draft → open → closed → published."""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..database import write_transaction
from ..extensions import db
from ..models import Cycle
from . import audit

# Which state each transition may start from.
TRANSITIONS = {
    "open": ("draft", "closed"),
    "closed": ("open",),
    "published": ("closed",),
}


class CycleError(ValueError):
    pass


def get_cycle(code: str) -> Cycle | None:
    return db.session.execute(db.select(Cycle).where(Cycle.code == code)).scalar_one_or_none()


NO_CYCLE_OPEN = "no cycle is open"
SEVERAL_CYCLES_OPEN = "several cycles are open: name one"


def find_open_cycle() -> tuple[Any, str | None]:
    """The cycle that responses go to when they name none: ``(row, None)`` with the row's
    ``id``, ``code``, ``name`` and ``state``, or ``(None, why)`` when no cycle or several
    cycles are open (then a response must name its cycle).

    A plain Core read on the session's connection: it runs on every submission.
    """
    columns = db.select(Cycle.id, Cycle.code, Cycle.name, Cycle.state)
    found = db.session.connection().execute(columns.where(Cycle.state == "open").limit(2)).all()
    if not found:
        return None, NO_CYCLE_OPEN
    if len(found) > 1:
        return None, SEVERAL_CYCLES_OPEN
    return found[0], None


def open_cycle() -> Any | None:
    """The open cycle (a row with ``id``, ``code``, ``name``, ``state``), or None when no
    cycle or several are open: the one rule for "the open cycle" (see :func:`find_open_cycle`)."""
    return find_open_cycle()[0]


def list_cycles() -> list[Cycle]:
    return list(db.session.execute(db.select(Cycle).order_by(Cycle.created_at, Cycle.id)).scalars())


def create_cycle(code: str, name: str) -> Cycle:
    code = code.strip()
    if not code:
        raise CycleError("code: must not be empty")
    with write_transaction():
        if get_cycle(code) is not None:
            raise CycleError(f"code: cycle {code!r} already exists")
        cycle = Cycle(code=code, name=name.strip() or code, state="draft")
        db.session.add(cycle)
    return cycle


def set_state(code: str, state: str, today: dt.date | None = None) -> Cycle:
    today = today or dt.date.today()
    with write_transaction():
        cycle = get_cycle(code)
        if cycle is None:
            raise CycleError(f"code: unknown cycle {code!r}")
        if cycle.state not in TRANSITIONS[state]:
            raise CycleError(f"state: cycle {code!r} is {cycle.state}; it cannot become {state}")
        cycle.state = state
        if state == "open" and cycle.opens_on is None:
            cycle.opens_on = today
        if state == "closed":
            cycle.closes_on = today
    return cycle


def publish_cycle(code: str, actor: str | None = None) -> Cycle:
    """Make a closed cycle's results public (the public results page shows published cycles
    only). Recorded in the audit log."""
    from ..models import utcnow

    with write_transaction():
        cycle = get_cycle(code)
        if cycle is None:
            raise CycleError(f"code: unknown cycle {code!r}")
        if cycle.state not in TRANSITIONS["published"]:
            raise CycleError(f"state: cycle {code!r} is {cycle.state}; only a closed cycle can be published")
        cycle.state = "published"
        cycle.published_at = utcnow()
        audit.record("cycle.publish", actor, cycle=code)
    return cycle
