"""Closing the loop with the citizen: follow-up cases for the units, and the contacts they need.

A citizen who had a bad experience (overall rating in the bottom two boxes, or "norm met?"
answered no) and who agreed to be contacted opens a case for the commitment's unit, due within
a number of working days. Privacy by construction: the case and the contact share only a random
case ref, neither points to a response nor the response to them, the contact never enters the
submission's fingerprint, and it is erased when the case closes or after the retention period
(by ``flask followups purge``, and whenever staff open their queue). Without consent, or without
a low score, nothing of the contact is kept.
"""
from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any
from collections.abc import Iterable

import questionnaires as qn
from flask import current_app
from sqlalchemy import bindparam, delete, select

from ..database import write_transaction
from ..driver import DriverWrite
from ..extensions import db
from ..models import Commitment, Cycle, FollowupCase, FollowupContact, Questionnaire, Unit, User
from . import audit

# Loose on purpose: a citizen's address is checked for shape, never for deliverability.
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
PHONE_DIGITS = (7, 15)  # E.164 allows at most 15 digits
PHONE_PUNCTUATION = re.compile(r"[\s().+-]")
WORKING_STATES = ("open", "in_progress")


def today() -> dt.date:
    """The current day; the one clock of this module (tests move it)."""
    return dt.date.today()


def add_working_days(start: dt.date, days: int) -> dt.date:
    """``start`` plus ``days`` working days, Monday to Friday (no holiday calendar)."""
    day = start
    while days > 0:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


# --- the citizen's side: checking the contact and opening a case --------------------------------

@dataclass(frozen=True)
class Contact:
    email: str | None
    phone: str | None


def check_contact(value: Any, definition: qn.Questionnaire) -> tuple[Contact | None, dict[str, str]]:
    """The contact of a submission's ``contact`` field, or the errors naming what is wrong.

    ``None`` (absent) is no contact and no error.
    """
    if value is None:
        return None, {}
    if not isinstance(value, dict):
        return None, {"contact": "must be an object with email or phone, and consent"}
    errors: dict[str, str] = {}
    if not definition.offers_follow_up:
        errors["contact"] = "this questionnaire does not offer a follow-up"
    unknown = set(value) - {"email", "phone", "consent"}
    if unknown:
        errors["contact"] = f"unknown field {sorted(unknown)[0]!r}"
    if value.get("consent") is not True:
        errors["contact.consent"] = "must be true: the citizen agrees to be contacted"
    email, phone = value.get("email"), value.get("phone")
    if email is None and phone is None:
        errors.setdefault("contact", "give an email or a phone number")
    if email is not None:
        if not isinstance(email, str) or len(email) > 254 or not EMAIL.match(email.strip()):
            errors["contact.email"] = "must be an e-mail address"
        else:
            email = email.strip()
    if phone is not None:
        digits = PHONE_PUNCTUATION.sub("", phone) if isinstance(phone, str) else ""
        if not digits.isdigit() or not PHONE_DIGITS[0] <= len(digits) <= PHONE_DIGITS[1]:
            errors["contact.phone"] = "must be a phone number of 7 to 15 digits"
        else:
            phone = phone.strip()
    if errors:
        return None, errors
    return Contact(email or None, phone or None), {}


def calls_for_follow_up(definition: qn.Questionnaire, answers: Iterable[qn.Answer]) -> bool:
    """A bad experience: the overall rating in the bottom two boxes, or the norm not met."""
    for answer in answers:
        if answer.is_na or answer.question_id not in definition:
            continue
        question = definition.question(answer.question_id)
        if (question.dimension == "overall" and question.type == "rating" and question.scale
                and answer.value <= question.scale.min + 1):
            return True
        if question.dimension == "met" and question.type == "yes_no" and answer.value is False:
            return True
    return False


def shared_comment(definition: qn.Questionnaire, answers: Iterable[qn.Answer]) -> str | None:
    """What the citizen chose to write in the open comments: the only answer a case holds."""
    texts = [
        answer.value for answer in answers
        if not answer.is_na and answer.question_id in definition
        and definition.question(answer.question_id).type == "text" and answer.value
    ]
    return "\n\n".join(texts) or None


# The commitment and unit a questionnaire's case goes to; run on the submission's driver.
_CASE_OWNER = (
    select(Commitment.id, Commitment.unit_id)
    .join(Questionnaire, Questionnaire.commitment_id == Commitment.id)
    .where(Questionnaire.id == bindparam("questionnaire_id"))
)


def open_case(write: DriverWrite, questionnaire_id: str, cycle_id: int, contact: Contact,
              comment: str | None) -> str:
    """Insert a case and its contact in the submission's write transaction."""
    commitment_id, unit_id = write.execute(_CASE_OWNER, {"questionnaire_id": questionnaire_id}).fetchone()
    ref = secrets.token_urlsafe(16)
    opened = today()
    write.insert_rows(FollowupCase.__table__, [{
        "ref": ref, "commitment_id": commitment_id, "unit_id": unit_id, "cycle_id": cycle_id,
        "opened_on": opened, "state": "open", "comment": comment,
        "due_on": add_working_days(opened, int(current_app.config["FOLLOWUP_DUE_WORKING_DAYS"])),
    }])
    write.insert_rows(FollowupContact.__table__, [{
        "case_ref": ref, "email": contact.email, "phone": contact.phone, "consented_on": opened,
    }])
    return ref


# --- the staff's side: the queue, a case, closing ----------------------------------------------

class CaseNotFound(Exception):
    """No such case, or not one of the user's unit."""


def purge(on: dt.date | None = None) -> int:
    """Erase the contacts past the retention period and those of closed cases; how many."""
    on = on or today()
    limit = on - dt.timedelta(days=int(current_app.config["FOLLOWUP_RETENTION_DAYS"]))
    closed = select(FollowupCase.ref).where(FollowupCase.state == "closed")
    with write_transaction():
        result = db.session.execute(
            delete(FollowupContact).where(
                (FollowupContact.consented_on < limit) | FollowupContact.case_ref.in_(closed)
            )
        )
    return result.rowcount or 0  # type: ignore[attr-defined]  # a DELETE returns a CursorResult


def unit_of(user: User) -> Unit | None:
    return db.session.get(Unit, user.unit_id) if user.unit_id is not None else None


def _visible(user: User):
    query = db.select(FollowupCase)
    if user.role != "admin":
        query = query.where(FollowupCase.unit_id == (user.unit_id if user.unit_id is not None else -1))
    return query


def queue(user: User, closed: bool = False) -> list[FollowupCase]:
    """The cases a user works on (their unit's; every unit's for an admin), soonest due first.

    Opening the queue erases the contacts past their retention first.
    """
    purge()
    query = _visible(user).where(
        FollowupCase.state == "closed" if closed else FollowupCase.state.in_(WORKING_STATES)
    ).order_by(FollowupCase.due_on, FollowupCase.id)
    return list(db.session.execute(query).scalars())


def get_case(user: User, ref: str) -> FollowupCase:
    case = db.session.execute(_visible(user).where(FollowupCase.ref == ref)).scalar_one_or_none()
    if case is None:
        raise CaseNotFound(ref)
    return case


def contact_for(user: User, case: FollowupCase) -> FollowupContact | None:
    """The citizen's contact, for the staff of the case's unit only (not other admins)."""
    if user.unit_id is None or user.unit_id != case.unit_id:
        return None
    return db.session.execute(
        db.select(FollowupContact).where(FollowupContact.case_ref == case.ref)
    ).scalar_one_or_none()


def record_view(user: User, case: FollowupCase, contact_shown: bool) -> None:
    audit.record_now("followup.view", user.email, case=case.ref, contact_shown=contact_shown)


def update_case(user: User, ref: str, state: str, note: str | None) -> FollowupCase:
    """Set a working state (open, in_progress) and the staff note."""
    if state not in WORKING_STATES:
        raise ValueError(state)
    with write_transaction():
        case = get_case(user, ref)
        if case.state == "closed":
            raise CaseNotFound(ref)
        case.state = state
        case.staff_note = (note or "").strip() or None
        audit.record("followup.update", user.email, case=ref, state=state)
    return case


def close_case(user: User, ref: str, note: str | None = None) -> FollowupCase:
    """Close a case: the contact is erased at once, and the copy of the comment with it."""
    with write_transaction():
        case = get_case(user, ref)
        if case.state != "closed":
            case.state = "closed"
            case.closed_on = today()
            case.comment = None
            if note is not None:
                case.staff_note = note.strip() or None
            db.session.execute(delete(FollowupContact).where(FollowupContact.case_ref == ref))
            audit.record("followup.close", user.email, case=ref, on_time=case.closed_on <= case.due_on)
    return case


# --- counts for the report and the results API -------------------------------------------------

@dataclass(frozen=True)
class FollowupFigures:
    opened: int
    closed: int
    closed_on_time: int

    @property
    def pct_closed_on_time(self) -> float | None:
        return None if not self.opened else 100 * self.closed_on_time / self.opened

    def as_counts(self) -> dict[str, Any]:
        return {"opened": self.opened, "closed": self.closed, "closed_within_delay": self.closed_on_time,
                "pct_closed_within_delay": self.pct_closed_on_time}


def figures(cycle_code: str | None, commitment_code: str | None = None) -> FollowupFigures:
    """Cases opened in a cycle, those closed, and those closed by their due date."""
    query = db.select(FollowupCase.state, FollowupCase.closed_on, FollowupCase.due_on).join(Cycle)
    query = query.where(Cycle.code == cycle_code)
    if commitment_code is not None:
        query = query.join(Commitment, Commitment.id == FollowupCase.commitment_id).where(
            Commitment.code == commitment_code)
    rows = db.session.execute(query).all()
    closed = [row for row in rows if row.state == "closed"]
    return FollowupFigures(len(rows), len(closed), sum(1 for row in closed if row.closed_on <= row.due_on))
