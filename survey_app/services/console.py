"""The programme at a glance, for the console's home page (/admin/).

Read-only: the open cycle and its responses per channel, the kiosks silent too long (the
kiosks service's rule), and the questionnaires given a new version since the previous cycle
opened.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func

from ..extensions import db
from ..models import CHANNELS, Cycle, Questionnaire, QuestionnaireVersion, Response
from . import cycles, kiosks


@dataclass(frozen=True)
class ChangedQuestionnaire:
    questionnaire: Questionnaire
    versions: int  # versions created since the reference date
    new: bool  # the questionnaire did not exist before it


@dataclass(frozen=True)
class Overview:
    open_cycle: Cycle | None
    responses_by_channel: dict[str, int]
    silent_kiosks: list[kiosks.KioskHealth]
    previous_cycle: Cycle | None
    since: dt.datetime | None
    changed: list[ChangedQuestionnaire]
    drafts: list[Questionnaire]

    @property
    def responses_total(self) -> int:
        return sum(self.responses_by_channel.values())


def _started(cycle: Cycle) -> dt.datetime:
    day = cycle.opens_on or cycle.period_start
    return dt.datetime.combine(day, dt.time()) if day else cycle.created_at


def programme_overview() -> Overview:
    current = cycles.open_cycle()
    counts = {channel: 0 for channel in CHANNELS}
    if current is not None:
        counts.update(db.session.execute(
            db.select(Response.channel, func.count()).where(Response.cycle_id == current.id)
            .group_by(Response.channel)
        ).all())
    silent = [entry for _site, entries in kiosks.health() for entry in entries if entry.silent]
    # The previous cycle: the latest one started before the open cycle (or the latest of all).
    ordered = sorted((c for c in cycles.list_cycles() if c.state != "draft"), key=_started)
    before = [c for c in ordered if current is None or (c.id != current.id and _started(c) <= _started(current))]
    previous = before[-1] if before else None
    since = _started(previous) if previous else None
    changed: list[ChangedQuestionnaire] = []
    if since is not None:
        rows = db.session.execute(
            db.select(QuestionnaireVersion.questionnaire_id, func.count())
            .where(QuestionnaireVersion.created_at >= since)
            .group_by(QuestionnaireVersion.questionnaire_id)
        ).all()
        for questionnaire_id, count in sorted(rows):
            row = db.session.get(Questionnaire, questionnaire_id)
            changed.append(ChangedQuestionnaire(row, count, new=count == len(row.versions)))
    drafts = list(db.session.execute(
        db.select(Questionnaire).where(Questionnaire.draft_version_id.is_not(None)).order_by(Questionnaire.id)
    ).scalars())
    return Overview(current, counts, silent, previous, since, changed, drafts)
