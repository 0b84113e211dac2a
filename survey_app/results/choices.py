"""What a results page can be asked for: the cycles that have answers, the cycle and baseline
a request means (with the pages' defaults), and the sites responses came from.

The pages' selectors and every results request resolve cycle codes here, so an unknown
cycle is the same :class:`ResultsError` everywhere.
"""
from __future__ import annotations

from sqlalchemy import func, select

from ..extensions import db
from ..models import Cycle, Response
from .cache import cached
from .model import ResultsError
from .tally import counted_tallies


def ordered_cycles() -> list[Cycle]:
    """Every cycle, in the order of its period (opening date, else creation)."""
    return list(db.session.execute(
        select(Cycle).order_by(func.coalesce(Cycle.opens_on, Cycle.created_at), Cycle.id)
    ).scalars())


def cycles_with_answers() -> list[Cycle]:
    """Cycles holding at least one response, oldest first."""
    ordered = ordered_cycles()
    if not ordered:
        return []
    # one index probe per cycle (a DISTINCT over the responses would read them all)
    probes = [select(Response.id).where(Response.cycle_id == c.id).limit(1).exists() for c in ordered]
    used = db.session.execute(select(*[p.label(f"c{i}") for i, p in enumerate(probes)])).one()
    return [c for c, has in zip(ordered, used) if has]


def get_cycle(code: str) -> Cycle | None:
    """The cycle of that code, or None."""
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
        found = get_cycle(cycle)
        if found is None:
            raise ResultsError("cycle", f"unknown cycle {cycle!r}")
        current = found
    if baseline is None:
        if not default_baseline:
            return current, None
        position = [c.id for c in ordered].index(current.id) if current in ordered else len(ordered)
        earlier = list(ordered[:position])
        return current, (earlier[-1] if earlier else None)
    base = get_cycle(baseline)
    if base is None:
        raise ResultsError("baseline", f"unknown cycle {baseline!r}")
    if base.id == current.id:
        raise ResultsError("baseline", "must differ from the cycle")
    return current, base


def sites() -> list[str]:
    """Sites (kiosk locations, counters) that have responses, for the filter (cached)."""
    def compute() -> list[str]:
        # from the cycles' tallies (a few rows each), not a DISTINCT over every response
        tallies = counted_tallies([c.id for c in cycles_with_answers()])
        return sorted({row[3] for tally in tallies for row in tally.responses if row[3]})

    return cached("sites", (), compute)
