"""Units and commitments as the console edits them: create, edit, retire, restore.

A commitment is never deleted: its questionnaires' responses point to it, and the
accountability report needs its past results. Retiring hides it from citizens (see
services/catalogue.py). Each change is audited in its transaction.
"""
from __future__ import annotations

from dataclasses import dataclass

import questionnaires as qn
from sqlalchemy import func

from ..database import write_transaction
from ..extensions import db
from ..models import NORM_UNITS, Commitment, Questionnaire, Response, Unit, utcnow
from . import audit

TARGET_INDICATORS = qn.TARGET_INDICATORS


class CommitmentError(ValueError):
    """A refused change; ``field`` names the form field, ``reason`` a key the page translates."""

    def __init__(self, field: str, reason: str):
        self.field = field
        self.reason = reason
        super().__init__(f"{field}: {reason}")


@dataclass(frozen=True)
class CommitmentData:
    code: str
    unit_id: int
    title_fr: str
    title_en: str
    norm_fr: str | None = None
    norm_en: str | None = None
    norm_value: float | None = None
    norm_unit: str | None = None
    target_indicator: str | None = None
    target_value: float | None = None


def list_units() -> list[Unit]:
    return list(db.session.execute(db.select(Unit).order_by(Unit.name_fr)).scalars())


def get_unit(unit_id: int) -> Unit | None:
    return db.session.get(Unit, unit_id)


def list_commitments() -> list[Commitment]:
    return list(db.session.execute(db.select(Commitment).order_by(Commitment.code)).scalars())


def get_commitment(commitment_id: int) -> Commitment | None:
    return db.session.get(Commitment, commitment_id)


def response_counts() -> dict[int, int]:
    """Responses per commitment id (through its questionnaires)."""
    return dict(db.session.execute(
        db.select(Questionnaire.commitment_id, func.count(Response.id))
        .join(Response, Response.questionnaire_id == Questionnaire.id)
        .group_by(Questionnaire.commitment_id)
    ).all())


def _clean(text: str | None) -> str:
    return (text or "").strip()


def _check_unit_names(name_fr: str, name_en: str) -> None:
    if not name_fr:
        raise CommitmentError("name_fr", "required")
    if not name_en:
        raise CommitmentError("name_en", "required")


def create_unit(code: str, name_fr: str, name_en: str, actor: str | None = None) -> Unit:
    code, name_fr, name_en = _clean(code), _clean(name_fr), _clean(name_en)
    if not code:
        raise CommitmentError("code", "required")
    _check_unit_names(name_fr, name_en)
    with write_transaction():
        if db.session.execute(db.select(Unit.id).where(Unit.code == code)).first() is not None:
            raise CommitmentError("code", "exists")
        unit = Unit(code=code, name_fr=name_fr, name_en=name_en)
        db.session.add(unit)
        audit.record("unit.create", actor, unit=code)
    return unit


def update_unit(unit_id: int, name_fr: str, name_en: str, actor: str | None = None) -> Unit:
    name_fr, name_en = _clean(name_fr), _clean(name_en)
    _check_unit_names(name_fr, name_en)
    with write_transaction():
        unit = get_unit(unit_id)
        if unit is None:
            raise CommitmentError("unit", "unknown")
        unit.name_fr, unit.name_en = name_fr, name_en
        audit.record("unit.update", actor, unit=unit.code)
    return unit


def _check(data: CommitmentData) -> None:
    if not _clean(data.code):
        raise CommitmentError("code", "required")
    for name in ("title_fr", "title_en"):
        if not _clean(getattr(data, name)):
            raise CommitmentError(name, "required")
    if (data.norm_value is None) != (data.norm_unit is None):
        raise CommitmentError("norm_unit" if data.norm_unit is None else "norm_value", "norm_pair")
    if data.norm_unit is not None and data.norm_unit not in NORM_UNITS:
        raise CommitmentError("norm_unit", "unknown")
    if data.norm_value is not None and data.norm_value <= 0:
        raise CommitmentError("norm_value", "positive")
    if (data.target_indicator is None) != (data.target_value is None):
        raise CommitmentError("target_value" if data.target_value is None else "target_indicator", "target_pair")
    if data.target_indicator is not None and data.target_indicator not in TARGET_INDICATORS:
        raise CommitmentError("target_indicator", "unknown")
    if data.target_value is not None and not 0 <= data.target_value <= 100:
        raise CommitmentError("target_value", "percent")
    if get_unit(data.unit_id) is None:
        raise CommitmentError("unit_id", "unknown")


def _apply(row: Commitment, data: CommitmentData) -> None:
    row.unit_id = data.unit_id
    row.title_fr, row.title_en = _clean(data.title_fr), _clean(data.title_en)
    row.norm_fr, row.norm_en = _clean(data.norm_fr) or None, _clean(data.norm_en) or None
    row.norm_value, row.norm_unit = data.norm_value, data.norm_unit
    row.target_indicator, row.target_value = data.target_indicator, data.target_value


def create_commitment(data: CommitmentData, actor: str | None = None) -> Commitment:
    _check(data)
    code = _clean(data.code)
    with write_transaction():
        if db.session.execute(db.select(Commitment.id).where(Commitment.code == code)).first() is not None:
            raise CommitmentError("code", "exists")
        row = Commitment(code=code)
        _apply(row, data)
        db.session.add(row)
        audit.record("commitment.create", actor, commitment=code)
    return row


def update_commitment(commitment_id: int, data: CommitmentData, actor: str | None = None) -> Commitment:
    """Edit a commitment (its code stays: reports and files name it)."""
    with write_transaction():
        row = get_commitment(commitment_id)
        if row is None:
            raise CommitmentError("commitment", "unknown")
        _check(CommitmentData(**{**data.__dict__, "code": row.code}))
        _apply(row, data)
        audit.record("commitment.update", actor, commitment=row.code)
    return row


def set_retired(commitment_id: int, retired: bool, actor: str | None = None) -> Commitment:
    """Retire a commitment (hidden from citizens, results kept) or bring it back."""
    with write_transaction():
        row = get_commitment(commitment_id)
        if row is None:
            raise CommitmentError("commitment", "unknown")
        if retired and row.retired_at is None:
            row.retired_at = utcnow()
            audit.record("commitment.retire", actor, commitment=row.code)
        elif not retired and row.retired_at is not None:
            row.retired_at = None
            audit.record("commitment.restore", actor, commitment=row.code)
    return row
