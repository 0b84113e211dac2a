"""The one rule of which stored responses the results count: all of them, except those an
evaluator excluded as suspected ballot stuffing (a :class:`~survey_app.models.BurstReview`
with the decision "exclude"). Excluded responses stay stored (nothing is lost, a decision can
be reversed); every reader of answers -- frequency tables, respondent rows, comments,
disclosure control, weighting, exports -- goes through :func:`counted` or, for the frequency
tables, subtracts the GROUP BY over :func:`excluded_responses`
(:func:`survey_app.results.tables.without_excluded`).
"""
from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, func, select

from ..extensions import db
from ..models import BurstMember, BurstReview, Response


def excluded_responses() -> Select:
    """The ids of the responses no result counts."""
    return (select(BurstMember.response_id).join(BurstReview, BurstReview.id == BurstMember.review_id)
            .where(BurstReview.decision == "exclude"))


def counted(query: Any, response_id: Any) -> Any:
    """``query`` without the excluded responses (``response_id``: the column naming them)."""
    return query.where(response_id.not_in(excluded_responses()))


def any_excluded(cycle_ids: Sequence[int]) -> bool:
    """Whether a decision excludes responses of these cycles (one index look-up)."""
    probe = select(BurstReview.id).where(BurstReview.decision == "exclude",
                                         BurstReview.cycle_id.in_(list(cycle_ids))).limit(1)
    return db.session.execute(probe).first() is not None


def excluded_counts(questionnaire_ids: Sequence[str] | None, cycle_ids: Sequence[int]) -> dict[tuple[str, int], int]:
    """Excluded responses per (questionnaire, cycle id): for the methods note."""
    if not any_excluded(cycle_ids):
        return {}
    query = (select(Response.questionnaire_id, Response.cycle_id, func.count(func.distinct(Response.id)))
             .where(Response.id.in_(excluded_responses()), Response.cycle_id.in_(list(cycle_ids))))
    if questionnaire_ids is not None:
        query = query.where(Response.questionnaire_id.in_(list(questionnaire_ids)))
    rows = db.session.execute(query.group_by(Response.questionnaire_id, Response.cycle_id)).all()
    return {(q, c): int(n) for q, c, n in rows}
