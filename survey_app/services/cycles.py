"""Improvement cycles and their life: draft → open → closed → published.

The state machine has one home, :data:`TRANSITIONS`: a closed cycle may reopen, a published
one goes back to closed only by unpublishing (and never reopens), an open one cannot be
published, and at most one cycle is open at a time (an online response with no cycle named
goes to *the* open cycle). Every change is audited in the transaction that makes it; the
console's pages and the ``cycles`` commands call the same functions.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from ..database import write_transaction
from ..extensions import db
from ..models import Cycle, utcnow
from . import audit

# For each action: the states it may start from, and the state it leads to.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "open": (("draft", "closed"), "open"),
    "close": (("open",), "closed"),
    "publish": (("closed",), "published"),
    "unpublish": (("published",), "closed"),
}
# The state names set_state accepted before actions had names of their own.
_ACTION_FOR_STATE = {"open": "open", "closed": "close", "published": "publish"}


class CycleError(ValueError):
    """A refused change; ``field`` names what was wrong (``code``, ``name``, ``period_end``,
    ``state``) and ``reason`` says why, in a key the pages translate."""

    def __init__(self, field: str, reason: str, message: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {message}")


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


def open_cycle() -> Cycle | None:
    """The open cycle, or None when no cycle or several are open: the one rule for "the open
    cycle" (see :func:`find_open_cycle`, which also says why there is none)."""
    row, _why = find_open_cycle()
    return db.session.get(Cycle, row.id) if row is not None else None


def list_cycles() -> list[Cycle]:
    return list(db.session.execute(db.select(Cycle).order_by(Cycle.created_at, Cycle.id)).scalars())


def allowed_actions(cycle: Cycle) -> list[str]:
    """The actions the state machine allows from this cycle's state."""
    return [action for action, (sources, _target) in TRANSITIONS.items() if cycle.state in sources]


def create_cycle(code: str, name: str, name_en: str | None = None, period_start: dt.date | None = None,
                 period_end: dt.date | None = None, actor: str | None = None) -> Cycle:
    """Create a draft cycle; the period is optional but, when given, ends on or after it starts."""
    code = (code or "").strip()
    if not code:
        raise CycleError("code", "empty", "must not be empty")
    if len(code) > 40:
        raise CycleError("code", "too_long", "at most 40 characters")
    if period_start and period_end and period_end < period_start:
        raise CycleError("period_end", "before_start", "must be on or after the start of the period")
    if (period_start is None) != (period_end is None):
        raise CycleError("period_end" if period_end is None else "period_start", "half_period",
                         "give both ends of the period, or neither")
    with write_transaction():
        if get_cycle(code) is not None:
            raise CycleError("code", "exists", f"cycle {code!r} already exists")
        cycle = Cycle(code=code, name=(name or "").strip() or code, name_en=(name_en or "").strip() or None,
                      period_start=period_start, period_end=period_end, state="draft")
        db.session.add(cycle)
        audit.record("cycle.create", actor, cycle=code)
    return cycle


def change_state(code: str, action: str, actor: str | None = None, today: dt.date | None = None) -> Cycle:
    """Apply ``action`` (open, close, publish, unpublish) to cycle ``code``, or raise CycleError."""
    sources, target = TRANSITIONS[action]
    today = today or dt.date.today()
    with write_transaction():
        cycle = get_cycle(code)
        if cycle is None:
            raise CycleError("code", "unknown", f"unknown cycle {code!r}")
        if cycle.state not in sources:
            raise CycleError("state", f"{action}_from_{cycle.state}",
                             f"cycle {code!r} is {cycle.state}; it cannot become {target} "
                             f"(only a {' or '.join(sources)} cycle can {action})")
        if action == "open":
            other = db.session.execute(
                db.select(Cycle.code).where(Cycle.state == "open", Cycle.id != cycle.id)
            ).scalar()
            if other is not None:
                raise CycleError("state", "another_open", f"cycle {other!r} is open: close it first")
            if cycle.opens_on is None:
                cycle.opens_on = today
        elif action == "close":
            cycle.closes_on = today
        elif action == "publish":
            cycle.published_at = utcnow()
        elif action == "unpublish":
            cycle.published_at = None
        cycle.state = target
        audit.record(f"cycle.{action}", actor, cycle=code)
    return cycle


def set_state(code: str, state: str, today: dt.date | None = None, actor: str | None = None) -> Cycle:
    """Move cycle ``code`` to ``state`` (open, closed or published)."""
    return change_state(code, _ACTION_FOR_STATE[state], actor=actor, today=today)


def publish_cycle(code: str, actor: str | None = None) -> Cycle:
    """Make a closed cycle's results public (the public results page shows published cycles only)."""
    return change_state(code, "publish", actor=actor)


def unpublish_cycle(code: str, actor: str | None = None) -> Cycle:
    """Withdraw a published cycle's results from the public pages (it becomes closed again)."""
    return change_state(code, "unpublish", actor=actor)
