"""The commitment beside the survey: how often operations kept its norm (the operational
indicator of the cycle and of the baseline, Wilson and Newcombe as for the survey's shares),
and the improvement actions filed under the cycles compared.

Which actions belong to a comparison: an action is filed under the cycle whose measurement
shows its effect, so between a baseline B and a cycle C the changes are the actions of the
cycles after B up to C (of C alone without a baseline).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from ..extensions import db
from ..models import Commitment, Cycle, OperationalIndicator
from ..services.actions import ActionInfo, actions_of
from .choices import ordered_cycles
from .norms import Share, ShareChange, share, share_change


@dataclass(frozen=True)
class OperationalFigures:
    share: Share
    source: str
    period_start: dt.date | None
    period_end: dt.date | None


@dataclass(frozen=True)
class Operational:
    """The operational indicator of a commitment's norm in the cycle (and the baseline)."""

    cycle: OperationalFigures
    baseline: OperationalFigures | None
    change: ShareChange | None


def _figures(row: OperationalIndicator | None, cycle: Cycle, level: float) -> OperationalFigures | None:
    if row is None:
        return None
    return OperationalFigures(share(row.met, row.total, level), row.source,
                              row.period_start or cycle.period_start, row.period_end or cycle.period_end)


def operational(commitment_code: str, cycle: str, baseline: str | None, level: float) -> Operational | None:
    """The indicator of the cycle (None when operations reported none), its baseline and change."""
    rows = db.session.execute(
        select(OperationalIndicator, Cycle)
        .join(Commitment, Commitment.id == OperationalIndicator.commitment_id)
        .join(Cycle, Cycle.id == OperationalIndicator.cycle_id)
        .where(Commitment.code == commitment_code, Cycle.code.in_([c for c in (cycle, baseline) if c]))).all()
    by_cycle = {c.code: _figures(row, c, level) for row, c in rows}
    current = by_cycle.get(cycle)
    if current is None:
        return None
    base = by_cycle.get(baseline) if baseline else None
    change = share_change(current.share, base.share, level) if base is not None else None
    return Operational(current, base, change)


def actions_between(commitment_code: str, cycle: str, baseline: str | None) -> tuple[ActionInfo, ...]:
    """The actions filed under the cycles after ``baseline`` up to ``cycle``."""
    order = [c.code for c in ordered_cycles()]
    if cycle not in order:
        return tuple(a for a in actions_of([commitment_code]) if a.cycle == cycle)
    end = order.index(cycle)
    start = order.index(baseline) + 1 if baseline in order and order.index(baseline) < end else end
    wanted = set(order[start:end + 1])
    return tuple(a for a in actions_of([commitment_code]) if a.cycle in wanted)

