"""Improvement cycles: draft → open → closed → published."""
from __future__ import annotations

import datetime as dt

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
