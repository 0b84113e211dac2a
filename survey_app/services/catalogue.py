"""Questionnaire definitions in the database: sync from files, look-ups, parsed versions."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import questionnaires as qn

from ..database import write_transaction
from ..extensions import db
from ..models import Commitment, Questionnaire, QuestionnaireVersion, Unit


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    new_versions: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _upsert_unit(unit: qn.Unit) -> Unit:
    row = db.session.execute(db.select(Unit).where(Unit.code == unit.code)).scalar_one_or_none()
    if row is None:
        row = Unit(code=unit.code)
        db.session.add(row)
    row.name_fr, row.name_en = unit.name.fr, unit.name.en
    return row


def _upsert_commitment(commitment: qn.Commitment) -> Commitment:
    unit = _upsert_unit(commitment.unit)
    row = db.session.execute(
        db.select(Commitment).where(Commitment.code == commitment.code)
    ).scalar_one_or_none()
    if row is None:
        row = Commitment(code=commitment.code, unit=unit)
        db.session.add(row)
    row.unit = unit
    row.title_fr, row.title_en = commitment.title.fr, commitment.title.en
    row.norm_fr = commitment.norm.fr if commitment.norm else None
    row.norm_en = commitment.norm.en if commitment.norm else None
    row.target_indicator = commitment.target_indicator
    row.target_value = commitment.target_value
    return row


def sync_definitions(definitions: list[qn.Questionnaire]) -> SyncReport:
    """Make the database match the definition files: the file is the source of truth.

    A changed file becomes a new version and the current one; earlier versions are kept,
    since responses point to the exact version they answered.
    """
    report = SyncReport()
    with write_transaction():
        for definition in definitions:
            commitment = _upsert_commitment(definition.commitment)
            row = db.session.get(Questionnaire, definition.id)
            if row is None:
                row = Questionnaire(id=definition.id, commitment=commitment, published=definition.published)
                db.session.add(row)
                report.created.append(definition.id)
            row.commitment = commitment
            row.published = definition.published
            digest = definition.version
            version = db.session.execute(
                db.select(QuestionnaireVersion).where(
                    QuestionnaireVersion.questionnaire_id == definition.id,
                    QuestionnaireVersion.content_hash == digest,
                )
            ).scalar_one_or_none()
            if version is None:
                version = QuestionnaireVersion(
                    questionnaire=row,
                    content_hash=digest,
                    definition=definition.to_dict(),
                    source=Path(definition.source).name if definition.source else None,
                )
                db.session.add(version)
                if definition.id not in report.created:
                    report.new_versions.append(definition.id)
            elif definition.id not in report.created:
                report.unchanged.append(definition.id)
            db.session.flush()
            row.current_version = version
    return report


def sync_directory(path: str | Path) -> SyncReport:
    return sync_definitions(qn.load_dir(path))


# Parsed definitions by (version id, content hash): a stored version never changes, so each
# process parses it once.
_parsed_versions: dict[tuple[int, str], qn.Questionnaire] = {}


@dataclass(frozen=True)
class VersionRef:
    """A stored version, by id and content hash: enough to find its parsed definition."""

    id: int
    content_hash: str


def definition_of(version: QuestionnaireVersion | VersionRef) -> qn.Questionnaire:
    """The parsed definition of a stored version (loaded and parsed once per process)."""
    key = (version.id, version.content_hash)
    parsed = _parsed_versions.get(key)
    if parsed is None:
        stored = version if isinstance(version, QuestionnaireVersion) else db.session.get(
            QuestionnaireVersion, version.id
        )
        parsed = _parsed_versions[key] = qn.from_dict(stored.definition)
    return parsed


def published_questionnaires() -> list[Questionnaire]:
    return list(
        db.session.execute(
            db.select(Questionnaire)
            .join(Questionnaire.commitment)
            .join(Commitment.unit)
            .where(Questionnaire.published.is_(True), Questionnaire.current_version_id.is_not(None))
            .order_by(Unit.name_fr, Commitment.code)
        ).scalars()
    )


def get_published(questionnaire_id: str) -> Questionnaire | None:
    row = db.session.get(Questionnaire, questionnaire_id)
    if row is None or not row.published or row.current_version is None:
        return None
    return row


def current_version_ref(questionnaire_id: str) -> VersionRef | None:
    """The current version of a published questionnaire, in one small query (the hot path
    of every submission); None when the questionnaire is unknown or unpublished."""
    row = db.session.connection().execute(
        db.select(QuestionnaireVersion.id, QuestionnaireVersion.content_hash)
        .join(Questionnaire, Questionnaire.current_version_id == QuestionnaireVersion.id)
        .where(Questionnaire.id == questionnaire_id, Questionnaire.published.is_(True))
    ).first()
    return VersionRef(row.id, row.content_hash) if row else None


def version_ref(questionnaire_id: str, content_hash: str) -> VersionRef | None:
    """Any stored version of a questionnaire (a kiosk may answer a version it cached)."""
    row = db.session.execute(
        db.select(QuestionnaireVersion.id, QuestionnaireVersion.content_hash).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.content_hash == content_hash,
        )
    ).first()
    return VersionRef(row.id, row.content_hash) if row else None
