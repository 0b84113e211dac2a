"""The web editor of questionnaire definitions: save a draft, publish, history, diff, files.

A definition typed or uploaded in the browser goes through the same parser as
``questionnaires check`` (``questionnaires.parse_yaml``), so the page lists exactly the errors
the command prints, and nothing is stored while there is one. A saved definition becomes the
questionnaire's *draft* version; publishing makes it the current version citizens answer.
Versions remember where they came from (a file of QUESTIONNAIRES_DIR or the web editor, and by
whom), and the page compares the current version with the file on disk, so the folder and
the editor never silently replace each other (``questionnaires sync`` refuses too).
"""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

import questionnaires as qn
import yaml
from flask import current_app
from sqlalchemy import func

from ..database import write_transaction
from ..extensions import db
from ..models import Questionnaire, QuestionnaireVersion, Response
from . import audit, catalogue


class EditorError(ValueError):
    """An action the editor refuses (unknown questionnaire or version, nothing to publish)."""


@dataclass(frozen=True)
class DiskFile:
    """The definition file of a questionnaire in QUESTIONNAIRES_DIR, compared with the database.

    ``state``: ``same`` (the file holds the latest version), ``differs``, or ``invalid``
    (the file does not pass ``questionnaires check``).
    """

    name: str
    state: str
    text: str
    content_hash: str | None


@dataclass(frozen=True)
class VersionEntry:
    number: int
    version: QuestionnaireVersion
    responses: int
    is_current: bool
    is_draft: bool


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added", "removed" or "hunk"
    text: str


def get_questionnaire(questionnaire_id: str) -> Questionnaire | None:
    return db.session.get(Questionnaire, questionnaire_id)


def list_questionnaires() -> list[Questionnaire]:
    return list(db.session.execute(db.select(Questionnaire).order_by(Questionnaire.id)).scalars())


def draft_of(row: Questionnaire) -> QuestionnaireVersion | None:
    return db.session.get(QuestionnaireVersion, row.draft_version_id) if row.draft_version_id else None


def latest_version(row: Questionnaire) -> QuestionnaireVersion | None:
    """The version an editor starts from: the draft when there is one, else the current one."""
    return draft_of(row) or row.current_version


def version_number(row: Questionnaire, version: QuestionnaireVersion) -> int:
    return [v.id for v in row.versions].index(version.id) + 1


def get_version(row: Questionnaire, version_id: int) -> QuestionnaireVersion:
    version = db.session.get(QuestionnaireVersion, version_id)
    if version is None or version.questionnaire_id != row.id:
        raise EditorError(f"unknown version {version_id} of {row.id}")
    return version


def history(row: Questionnaire) -> list[VersionEntry]:
    """Every version, newest first, with how many responses answered it."""
    counts = dict(db.session.execute(
        db.select(Response.version_id, func.count()).where(Response.questionnaire_id == row.id)
        .group_by(Response.version_id)
    ).all())
    entries = [VersionEntry(number, version, counts.get(version.id, 0),
                            version.id == row.current_version_id, version.id == row.draft_version_id)
               for number, version in enumerate(row.versions, start=1)]
    return list(reversed(entries))


def source_file_name(questionnaire_id: str) -> str:
    """The name a definition of this id is reported under (as ``questionnaires check`` would)."""
    return f"{questionnaire_id}.yaml"


def parse_definition(text: str, source: str) -> qn.Questionnaire:
    """Parse and validate YAML text; raises questionnaires.DefinitionError with every problem."""
    return qn.parse_yaml(text, source=source)


def save_draft(text: str, source: str, actor: str | None,
               questionnaire_id: str | None = None) -> tuple[Questionnaire, bool]:
    """Validate a definition and store it as the draft of its questionnaire (a new
    questionnaire starts unpublished). ``questionnaire_id``, when editing one, must match the
    definition's id. Returns (questionnaire, whether anything changed); raises
    DefinitionError and stores nothing when the definition is invalid."""
    definition = parse_definition(text, source)
    if questionnaire_id is not None and definition.id != questionnaire_id:
        raise qn.DefinitionError([qn.Issue(source, "id", f'must stay "{questionnaire_id}" on this page '
                                           "(upload a new questionnaire from the list instead)")])
    with write_transaction():
        row, version, created = catalogue.store_definition(definition, source_kind="web", created_by=actor)
        if row.current_version_id is None:
            row.current_version = version  # a new questionnaire: unpublished until published
            changed = True
        elif version.id == row.current_version_id:
            changed = row.draft_version_id is not None  # back to the current version
            row.draft_version_id = None
        else:
            changed = row.draft_version_id != version.id
            row.draft_version_id = version.id
        if changed:
            audit.record("questionnaire.save", actor, questionnaire=row.id,
                               version=version.content_hash, created=created)
    return row, changed


def publish(questionnaire_id: str, actor: str | None) -> Questionnaire:
    """Make the draft (or the current version) what citizens answer."""
    with write_transaction():
        row = get_questionnaire(questionnaire_id)
        if row is None or row.current_version_id is None:
            raise EditorError(f"unknown questionnaire {questionnaire_id!r}")
        draft = draft_of(row)
        if draft is None and row.published:
            raise EditorError(f"{questionnaire_id!r} is already published and has no draft")
        if draft is not None:
            row.current_version = draft
            row.draft_version_id = None
        row.published = True
        audit.record("questionnaire.publish", actor, questionnaire=row.id,
                           version=row.current_version.content_hash)
    return row


def unpublish(questionnaire_id: str, actor: str | None) -> Questionnaire:
    """Stop offering a questionnaire to citizens (its versions and responses stay)."""
    with write_transaction():
        row = get_questionnaire(questionnaire_id)
        if row is None:
            raise EditorError(f"unknown questionnaire {questionnaire_id!r}")
        if not row.published:
            raise EditorError(f"{questionnaire_id!r} is not published")
        row.published = False
        audit.record("questionnaire.unpublish", actor, questionnaire=row.id)
    return row


def discard_draft(questionnaire_id: str, actor: str | None) -> Questionnaire:
    """Drop the draft: the current version stays (the draft version stays in the history)."""
    with write_transaction():
        row = get_questionnaire(questionnaire_id)
        if row is None or row.draft_version_id is None:
            raise EditorError(f"{questionnaire_id!r} has no draft")
        row.draft_version_id = None
        audit.record("questionnaire.discard_draft", actor, questionnaire=row.id)
    return row


# ---------------------------------------------------------------- files, text and differences


def as_yaml(version: QuestionnaireVersion) -> str:
    """A version as YAML (the canonical definition; comments of a file are not stored)."""
    return yaml.safe_dump(version.definition, allow_unicode=True, sort_keys=False, width=100)


def disk_files() -> dict[str, DiskFile]:
    """The definition files of QUESTIONNAIRES_DIR by questionnaire id (an invalid file under
    its file name's stem)."""
    folder = Path(current_app.config["QUESTIONNAIRES_DIR"])
    found: dict[str, DiskFile] = {}
    if not folder.is_dir():
        return found
    for path in sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
            definition = qn.parse_yaml(text, source=path.name)
        except (OSError, UnicodeDecodeError):
            continue
        except qn.DefinitionError:
            found.setdefault(path.stem, DiskFile(path.name, "invalid", "", None))
            continue
        found[definition.id] = DiskFile(path.name, "same", text, definition.version)
    return found


def disk_file(row: Questionnaire, files: dict[str, DiskFile] | None = None) -> DiskFile | None:
    """This questionnaire's file on disk, its state compared with the latest stored version."""
    found = (disk_files() if files is None else files).get(row.id)
    latest = latest_version(row)
    if found is None or found.state == "invalid" or latest is None:
        return found
    state = "same" if found.content_hash == latest.content_hash else "differs"
    return DiskFile(found.name, state, found.text, found.content_hash)


def editor_text(row: Questionnaire) -> str:
    """What the editor starts from: the file itself (with its comments) when it holds the
    latest version, else the latest version as YAML."""
    found = disk_file(row)
    if found is not None and found.state == "same":
        return found.text
    return as_yaml(latest_version(row))


def diff(old: QuestionnaireVersion, new: QuestionnaireVersion) -> list[DiffLine]:
    """A line diff of two versions' YAML, with three lines of context around each change."""
    lines: list[DiffLine] = []
    for line in list(difflib.unified_diff(as_yaml(old).splitlines(), as_yaml(new).splitlines(),
                                          lineterm="", n=3))[2:]:
        if line.startswith("@@"):
            lines.append(DiffLine("hunk", line))
        elif line.startswith("+"):
            lines.append(DiffLine("added", line[1:]))
        elif line.startswith("-"):
            lines.append(DiffLine("removed", line[1:]))
        else:
            lines.append(DiffLine("same", line[1:]))
    return lines


def comparability(old: QuestionnaireVersion, new: QuestionnaireVersion) -> list[qn.Change]:
    """What makes answers to ``new`` not comparable with answers to ``old`` (the library's rule)."""
    return qn.compare_versions(catalogue.definition_of(old), catalogue.definition_of(new))
