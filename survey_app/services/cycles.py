"""Improvement cycles and their life: draft → open → closed → published.

The state machine has one home, :data:`TRANSITIONS`: a closed cycle may reopen, a published
one goes back to closed only by unpublishing (and never reopens), an open one cannot be
published, and at most one cycle is open at a time (an online response with no cycle named
goes to *the* open cycle). A response answered earlier (a kiosk that synced late, a paper
batch) is filed by the date it was answered, by :func:`cycle_for_answer`. Every change is audited in the transaction that makes it; the
console's pages and the ``cycles`` commands call the same functions.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from questionnaires import Message
from questionnaires.errors import N_

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


class Refusal:
    """Why a response cannot be filed: ``field`` (``answered_on`` or ``cycle``) and a short
    English :class:`questionnaires.Message` the pages translate."""

    def __init__(self, field: str, message: Message):
        self.field = field
        self.message = message

    def __repr__(self) -> str:
        return f"Refusal({self.field!r}, {str(self.message)!r})"


# The states in which a cycle still takes responses answered within its period.
FILING_STATES = ("open", "closed")


def parse_answered_on(value: Any) -> dt.date | None:
    """``answered_on`` as sent (``"YYYY-MM-DD"`` or a date); raises ``ValueError`` otherwise."""
    if value is None or (isinstance(value, dt.date) and not isinstance(value, dt.datetime)):
        return value
    if isinstance(value, str) and len(value.strip()) == 10:
        return dt.date.fromisoformat(value.strip())
    raise ValueError("not a date")


def _holds(cycle, day: dt.date) -> bool:
    """Whether the cycle's period holds ``day``: the period the admin set, else the days the
    cycle was actually open (still running when it has not closed)."""
    start = cycle.period_start or cycle.opens_on
    if start is None or day < start:
        return False
    end = cycle.period_end if cycle.period_start else cycle.closes_on
    if end is None:
        return cycle.state == "open"
    return day <= end


def cycle_for_answer(answered_on: Any = None, named: Any = None,
                     today: dt.date | None = None) -> tuple[Any, Refusal | None]:
    """The cycle a response is filed in, as an ``(id, code, state)`` row, or ``(None, refusal)``.

    The one rule for every channel (API, kiosk batches, paper entry, CSV import): with
    ``answered_on``, the cycle whose period holds that day, if it is open or closed but not
    yet published; a published cycle, a day in the future or in no cycle's period is refused,
    naming ``answered_on``. A cycle ``named`` as well must be that one. Without
    ``answered_on``: the named cycle if it is open, else the open cycle, as always.
    """
    connection = db.session.connection()
    if answered_on is None:
        if named is None:
            row, why = find_open_cycle()
            if row is not None:
                return row, None
            assert why is not None  # find_open_cycle gives a reason when it gives no row
            return None, Refusal("cycle", Message(why))
        if not isinstance(named, str):
            return None, Refusal("cycle", Message(N_("must be a cycle code")))
        row = connection.execute(
            db.select(Cycle.id, Cycle.code, Cycle.state).where(Cycle.code == named)).first()
        if row is None:
            return None, Refusal("cycle", Message(N_("unknown cycle %(cycle)s"), cycle=repr(named)))
        if row.state != "open":
            return None, Refusal("cycle", Message(N_("cycle %(cycle)s is not open"), cycle=repr(named)))
        return row, None
    try:
        day = parse_answered_on(answered_on)
    except (TypeError, ValueError):
        return None, Refusal("answered_on", Message(N_("must be a date written YYYY-MM-DD")))
    assert day is not None  # answered_on is not None here, so neither is the parsed day
    if day > (today or dt.date.today()):
        return None, Refusal("answered_on", Message(
            N_("%(date)s is in the future: a response cannot be answered later than today"), date=day.isoformat()))
    rows = connection.execute(db.select(
        Cycle.id, Cycle.code, Cycle.state, Cycle.period_start, Cycle.period_end, Cycle.opens_on, Cycle.closes_on,
    ).order_by(Cycle.id)).all()
    holding = [row for row in rows if _holds(row, day)]
    filing = [row for row in holding if row.state in FILING_STATES]
    if not holding:
        return None, Refusal("answered_on", Message(
            N_("no cycle's period holds %(date)s"), date=day.isoformat()))
    if not filing:
        cycle = holding[0]
        if cycle.state == "published":
            return None, Refusal("answered_on", Message(
                N_("%(date)s falls in cycle %(cycle)s, whose results are published: it takes no more responses"),
                date=day.isoformat(), cycle=repr(cycle.code)))
        return None, Refusal("answered_on", Message(
            N_("%(date)s falls in cycle %(cycle)s, which is not open yet"), date=day.isoformat(), cycle=repr(cycle.code)))
    # Overlapping periods: the open cycle first, then the latest one.
    cycle = sorted(filing, key=lambda row: (row.state == "open", row.id))[-1]
    if named is not None and named != cycle.code:
        return None, Refusal("answered_on", Message(
            N_("%(date)s falls in cycle %(cycle)s, not %(named)s"), date=day.isoformat(),
            cycle=repr(cycle.code), named=repr(named)))
    return cycle, None


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
