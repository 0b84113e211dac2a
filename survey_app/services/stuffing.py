"""Evaluators' decisions on suspected ballot stuffing: exclude a burst's responses from every
result, or keep them as reviewed and genuine, with a reason; audited, reversible (deciding
again replaces the decision), idempotent (the same decision twice changes nothing).

Detection is :mod:`survey_app.results.stuffing`; what an "exclude" decision takes out of the
results is :mod:`survey_app.results.exclusion`. The responses themselves are never changed.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..models import BURST_DECISIONS, BURST_REASON_MAX, BurstMember, BurstReview, Cycle, utcnow
from ..results.stuffing import ReviewedBurst, cycle_bursts, reviewed_bursts
from . import audit

#: Longest reason kept with a decision.
REASON_MAX = BURST_REASON_MAX


class DecisionError(ValueError):
    """A decision that cannot be recorded; ``field`` names the form field at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Decided:
    burst: ReviewedBurst
    changed: bool


def decide(questionnaire_id: str, cycle_code: str, key: str, decision: str, reason: str,
           actor: str | None) -> Decided:
    """Record ``decision`` ("exclude" or "keep") on the burst named ``key``."""
    if decision not in BURST_DECISIONS:
        raise DecisionError("decision", "choose exclude or keep")
    reason = (reason or "").strip()
    if not reason:
        raise DecisionError("reason", "give the reason for the decision")
    if len(reason) > REASON_MAX:
        raise DecisionError("reason", f"at most {REASON_MAX} characters")
    cycle = db.session.execute(select(Cycle).where(Cycle.code == cycle_code)).scalar_one_or_none()
    if cycle is None:
        raise DecisionError("cycle", f"unknown cycle {cycle_code!r}")
    found = {b.key: b for b in reviewed_bursts(questionnaire_id, cycle.id)}.get(key)
    if found is None:
        raise DecisionError("burst", "no such burst in this questionnaire and cycle")
    detected = {b.key: b for b in cycle_bursts(questionnaire_id, cycle.id)}.get(key)
    with write_transaction():
        review = db.session.execute(select(BurstReview).where(BurstReview.key == key)).scalar_one_or_none()
        previous = review.decision if review else None
        covered = {m.response_id for m in review.members} if review else set()
        # the decision covers what the evaluator saw: the burst as detected now, and what an
        # earlier decision on it covered
        members = covered | set(detected.response_ids if detected else ())
        changed = review is None or (previous, review.reason) != (decision, reason) or members != covered
        if changed:
            if review is None:
                review = BurstReview(key=key, questionnaire_id=questionnaire_id, cycle_id=cycle.id,
                                     channel=found.channel, site=found.site, submitted_on=found.day,
                                     pattern=dict(found.pattern))
                db.session.add(review)
            review.decision, review.reason = decision, reason
            review.decided_by, review.decided_at = actor, utcnow()
            review.members.extend(BurstMember(response_id=r) for r in sorted(members - covered))
            # no answer in the audit row: where, when, how many, what was decided and why
            audit.record(f"stuffing.{decision}", actor, questionnaire=questionnaire_id, cycle=cycle_code,
                         burst=key[:16], channel=found.channel, site=found.site, day=found.day.isoformat(),
                         responses=len(members), previous=previous, reason=reason)
    burst = {b.key: b for b in reviewed_bursts(questionnaire_id, cycle.id)}[key]
    return Decided(burst, changed)
