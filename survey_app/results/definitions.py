"""Question definitions across versions, as the results need them: each questionnaire's
commitment, its current definition and every version's, the definition a cycle's answers
were given under, and what makes two cycles' questions not comparable.

Comparability has one source, :func:`questionnaires.compare_versions`: the warnings of a
commitment and the comparability of each change (weighted or not) are both read from it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import questionnaires as qn
from sqlalchemy import select

from ..extensions import db
from ..models import Commitment, Questionnaire, Unit
from ..services import catalogue
from .model import CommitmentInfo


@dataclass(frozen=True)
class Catalogue:
    """What the results need to know about one questionnaire."""

    id: str
    title: qn.Text
    commitment: CommitmentInfo
    current: qn.Questionnaire
    versions: dict[int, qn.Questionnaire]  # version id -> definition
    published: bool = True


def load_catalogue(questionnaire_ids: Sequence[str] | None) -> dict[str, Catalogue]:
    """Questionnaires with a definition (None: all), in unit, commitment and id order."""
    query = (select(Questionnaire).join(Questionnaire.commitment).join(Commitment.unit)
             .order_by(Unit.name_fr, Commitment.code, Questionnaire.id))
    if questionnaire_ids is not None:
        query = query.where(Questionnaire.id.in_(list(questionnaire_ids)))
    out: dict[str, Catalogue] = {}
    for row in db.session.execute(query).scalars():
        if row.current_version is None:
            continue
        current = catalogue.definition_of(row.current_version)
        versions = {v.id: catalogue.definition_of(v) for v in row.versions}
        c = row.commitment
        info = CommitmentInfo(
            code=c.code,
            title=qn.Text(c.title_fr, c.title_en),
            norm=qn.Text(c.norm_fr, c.norm_en) if c.norm_fr else None,
            unit_code=c.unit.code,
            unit_name=qn.Text(c.unit.name_fr, c.unit.name_en),
            target_indicator=c.target_indicator,
            target_value=c.target_value,
        )
        out[row.id] = Catalogue(row.id, current.title, info, current, versions, bool(row.published))
    return out


def definition_for(cat: Catalogue, version_ids: Sequence[int]) -> qn.Questionnaire:
    """The definition a cycle's answers were given under: the latest version used."""
    used = [v for v in sorted(version_ids, reverse=True) if v in cat.versions]
    return cat.versions[used[0]] if used else cat.current


def question_scale(question: qn.Question) -> tuple[int, int]:
    """The scale a question's figures are read on: its rating scale, 0-1 for yes/no."""
    if question.type == "rating" and question.scale is not None:
        return question.scale.min, question.scale.max
    return 0, 1


def measured_questions(definition: qn.Questionnaire,
                       types: tuple[str, ...] = ("rating", "yes_no")) -> list[qn.Question]:
    """The questions that have figures (rating and yes/no by default)."""
    return [q for q in definition.questions if q.type in types]


def comparability_changes(old: qn.Questionnaire, new: qn.Questionnaire) -> list[qn.Change]:
    """What makes answers to ``new`` not comparable with answers to ``old`` (questions added
    or removed have no change to compare, so they are left out)."""
    return [c for c in qn.compare_versions(old, new) if c.kind not in ("added", "removed")]


def comparability(old: qn.Questionnaire, new: qn.Questionnaire) -> dict[str, str]:
    """Question id -> the warning of a change between a baseline answered under ``old`` and
    a cycle answered under ``new`` (the questions absent are comparable)."""
    details: dict[str, list[str]] = {}
    for change in comparability_changes(old, new):
        details.setdefault(change.question_id, []).append(change.detail)
    return {question_id: "; ".join(parts) for question_id, parts in details.items()}


def version_warnings(cat: Catalogue, baseline_versions: Sequence[int], cycle_versions: Sequence[int],
                     cycle: str, baseline: str | None) -> list[tuple[str | None, str, str]]:
    """A commitment's warnings: a cycle answered under several versions, and every change
    between the baseline's and the cycle's definitions."""
    warnings: list[tuple[str | None, str, str]] = []
    for code, used in ((cycle, cycle_versions), (baseline, baseline_versions)):
        if code is not None and len(set(used)) > 1:
            warnings.append((None, "versions", code))
    if baseline is not None and baseline_versions and cycle_versions:
        old = definition_for(cat, baseline_versions)
        new = definition_for(cat, cycle_versions)
        for change in comparability_changes(old, new):
            warnings.append((change.question_id, change.kind, change.detail))
    return warnings
