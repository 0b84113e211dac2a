"""Improvement actions: what a unit decided to change to keep a commitment better, filed per
commitment and cycle (the cycle whose measurement shows the effect: an action of cycle 2026
was carried out after 2025 was measured, and 2026 measures it).

Entered on ``/admin/actions/`` (admins, and staff for any unit: users have no unit yet) or
with ``flask actions add``; read by the results (API, drill-down, trend chart, report).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import questionnaires as qn
from questionnaires.errors import N_
from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..models import ACTION_STATUSES, Commitment, Cycle, ImprovementAction, Unit
from . import audit
from .problems import FieldProblems

TITLE_MAX = 300


class ActionError(FieldProblems):
    """Invalid action; ``problems`` maps a field name to its (translatable) message."""


@dataclass(frozen=True)
class ActionData:
    commitment: str  # code
    cycle: str  # code
    title_fr: str
    title_en: str = ""
    description_fr: str = ""
    description_en: str = ""
    owner_unit: str = ""  # unit code; empty: the commitment's unit
    status: str = "planned"
    starts_on: dt.date | None = None
    ends_on: dt.date | None = None


def _clean(text: str | None) -> str:
    return " ".join((text or "").split())


def _check(data: ActionData) -> tuple[Commitment, Cycle, Unit | None]:
    problems: dict[str, qn.Message] = {}
    commitment = db.session.execute(select(Commitment).where(Commitment.code == data.commitment.strip())).scalar_one_or_none()
    if commitment is None:
        problems["commitment"] = qn.Message(N_("unknown commitment %(code)s"), code=repr(data.commitment))
    cycle = db.session.execute(select(Cycle).where(Cycle.code == data.cycle.strip())).scalar_one_or_none()
    if cycle is None:
        problems["cycle"] = qn.Message(N_("unknown cycle %(cycle)s"), cycle=repr(data.cycle))
    for name in ("title_fr", "title_en"):
        value = _clean(getattr(data, name))
        if name == "title_fr" and not value:
            problems[name] = qn.Message(N_("a French title is required"))
        elif len(value) > TITLE_MAX:
            problems[name] = qn.Message(N_("must be at most %(count)s characters"), count=TITLE_MAX)
    if data.status not in ACTION_STATUSES:
        problems["status"] = qn.Message(N_("must be one of %(values)s"), values=", ".join(ACTION_STATUSES))
    owner = None
    if data.owner_unit.strip():
        owner = db.session.execute(select(Unit).where(Unit.code == data.owner_unit.strip())).scalar_one_or_none()
        if owner is None:
            problems["owner_unit"] = qn.Message(N_("unknown unit %(code)s"), code=repr(data.owner_unit))
    if data.starts_on and data.ends_on and data.ends_on < data.starts_on:
        problems["ends_on"] = qn.Message(N_("must not be before the start date"))
    if problems:
        raise ActionError(problems)
    assert commitment is not None and cycle is not None  # else problems were raised above
    return commitment, cycle, owner


def add_action(data: ActionData, actor: str | None = None) -> ImprovementAction:
    """Record an action; raises :class:`ActionError` naming every faulty field."""
    commitment, cycle, owner = _check(data)
    with write_transaction():
        row = ImprovementAction(
            commitment_id=commitment.id, cycle_id=cycle.id, title_fr=_clean(data.title_fr),
            title_en=_clean(data.title_en) or None, description_fr=(data.description_fr or "").strip() or None,
            description_en=(data.description_en or "").strip() or None,
            owner_unit_id=owner.id if owner else None, status=data.status,
            starts_on=data.starts_on, ends_on=data.ends_on, created_by=actor)
        db.session.add(row)
        db.session.flush()
        audit.record("action.add", actor, id=row.id, commitment=commitment.code, cycle=cycle.code,
                     status=data.status)
    return row


def set_status(action_id: int, status: str, actor: str | None = None) -> ImprovementAction:
    """Move an action to another status; raises :class:`ActionError` (field ``status``)."""
    if status not in ACTION_STATUSES:
        raise ActionError({"status": qn.Message(N_("must be one of %(values)s"), values=", ".join(ACTION_STATUSES))})
    with write_transaction():
        row = db.session.get(ImprovementAction, action_id)
        if row is None:
            raise ActionError({"action": qn.Message(N_("unknown action"))})
        old, row.status = row.status, status
        audit.record("action.status", actor, id=row.id, old=old, new=status)
    return row


@dataclass(frozen=True)
class ActionInfo:
    """An action as the results show it (plain data, safe to cache)."""

    id: int
    commitment: str
    cycle: str
    title: qn.Text
    description: qn.Text | None
    owner_unit: qn.Text
    status: str
    starts_on: dt.date | None
    ends_on: dt.date | None


def actions_of(commitment_codes: list[str] | None = None) -> list[ActionInfo]:
    """Actions of the given commitments (None: all), by commitment, cycle and entry order."""
    query = (select(ImprovementAction, Commitment.code, Cycle.code)
             .join(Commitment, Commitment.id == ImprovementAction.commitment_id)
             .join(Cycle, Cycle.id == ImprovementAction.cycle_id)
             .order_by(Commitment.code, Cycle.code, ImprovementAction.id))
    if commitment_codes is not None:
        query = query.where(Commitment.code.in_(commitment_codes))
    out = []
    for row, code, cycle in db.session.execute(query).all():
        unit = row.owner_unit or row.commitment.unit
        description = qn.Text(row.description_fr, row.description_en) if row.description_fr else None
        out.append(ActionInfo(row.id, code, cycle, qn.Text(row.title_fr, row.title_en), description,
                              qn.Text(unit.name_fr, unit.name_en), row.status, row.starts_on, row.ends_on))
    return out
