"""Questionnaire definitions in the database: sync from files, look-ups, parsed versions.

A version comes from a file of QUESTIONNAIRES_DIR (``questionnaires sync``) or from the web
editor (services/questionnaire_editor.py); both record it through :func:`store_definition`.
A retired commitment's questionnaires are no longer offered to citizens."""
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
    # Questionnaires whose file differs from a version last saved in the web editor: left as
    # they are (``force`` replaces them), as (questionnaire id, who edited it) pairs.
    refused: list[tuple[str, str | None]] = field(default_factory=list)


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


def stored_version(questionnaire_id: str, digest: str) -> QuestionnaireVersion | None:
    return db.session.execute(
        db.select(QuestionnaireVersion).where(
            QuestionnaireVersion.questionnaire_id == questionnaire_id,
            QuestionnaireVersion.content_hash == digest,
        )
    ).scalar_one_or_none()


def store_definition(definition: qn.Questionnaire, *, source_kind: str = "file",
                     created_by: str | None = None) -> tuple[Questionnaire, QuestionnaireVersion, bool]:
    """Record a validated definition inside the caller's transaction: its commitment and unit,
    the questionnaire (new ones unpublished unless the caller publishes) and the version
    (reused when the same content is already stored). Returns (questionnaire, version, created)."""
    commitment = _upsert_commitment(definition.commitment)
    row = db.session.get(Questionnaire, definition.id)
    created = row is None
    if created:
        row = Questionnaire(id=definition.id, commitment=commitment, published=False)
        db.session.add(row)
    row.commitment = commitment
    version = stored_version(definition.id, definition.version)
    if version is None:
        version = QuestionnaireVersion(
            questionnaire=row,
            content_hash=definition.version,
            definition=definition.to_dict(),
            source=Path(definition.source).name if source_kind == "file" and definition.source else None,
            source_kind=source_kind,
            created_by=created_by,
        )
        db.session.add(version)
    db.session.flush()
    return row, version, created


def edited_in_browser(row: Questionnaire) -> bool:
    """Whether the questionnaire's latest saved version (current or draft) came from the web editor."""
    latest = db.session.get(QuestionnaireVersion, row.draft_version_id) if row.draft_version_id else row.current_version
    return latest is not None and latest.source_kind == "web"


def sync_definitions(definitions: list[qn.Questionnaire], force: bool = False) -> SyncReport:
    """Make the database match the definition files: the file is the source of truth.

    A changed file becomes a new version and the current one; earlier versions are kept,
    since responses point to the exact version they answered. A questionnaire last edited in
    the web editor is not overwritten by a different file unless ``force`` is given: it is
    listed in ``refused`` instead, so neither side silently replaces the other.
    """
    report = SyncReport()
    with write_transaction():
        for definition in definitions:
            existing = db.session.get(Questionnaire, definition.id)
            if existing is not None and not force and edited_in_browser(existing):
                latest_id = existing.draft_version_id or existing.current_version_id
                latest = db.session.get(QuestionnaireVersion, latest_id)
                if latest.content_hash != definition.version:
                    report.refused.append((definition.id, latest.created_by))
                    continue
            row, version, created = store_definition(definition)
            if created or row.current_version_id != version.id:
                # Only a new file content sets the state: an admin's unpublish in the browser
                # survives a sync of the same file.
                row.published = definition.published
            if created:
                report.created.append(definition.id)
            elif row.current_version_id == version.id:
                report.unchanged.append(definition.id)
            else:
                report.new_versions.append(definition.id)
            row.current_version = version
            row.draft_version_id = None  # the file wins over a draft it replaces
    return report


def sync_directory(path: str | Path, force: bool = False) -> SyncReport:
    return sync_definitions(qn.load_dir(path), force=force)


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
            .where(Questionnaire.published.is_(True), Questionnaire.current_version_id.is_not(None),
                   Commitment.retired_at.is_(None))
            .order_by(Unit.name_fr, Commitment.code)
        ).scalars()
    )


def get_published(questionnaire_id: str) -> Questionnaire | None:
    row = db.session.get(Questionnaire, questionnaire_id)
    if row is None or not row.published or row.current_version is None or row.commitment.retired:
        return None
    return row


def current_version_ref(questionnaire_id: str) -> VersionRef | None:
    """The current version of a published questionnaire, in one small query (the hot path
    of every submission); None when the questionnaire is unknown or unpublished."""
    row = db.session.connection().execute(
        db.select(QuestionnaireVersion.id, QuestionnaireVersion.content_hash)
        .join(Questionnaire, Questionnaire.current_version_id == QuestionnaireVersion.id)
        .join(Commitment, Commitment.id == Questionnaire.commitment_id)
        .where(Questionnaire.id == questionnaire_id, Questionnaire.published.is_(True),
               Commitment.retired_at.is_(None))
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
