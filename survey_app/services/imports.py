"""``flask responses import``: paper or phone responses from a CSV file, and a kiosk's queue file.

Every response goes through :func:`record_response`, with the credentials its channel needs:
a CSV is entered by staff (channel ``paper`` or ``phone``), a queue file holds a kiosk's own
responses and is submitted as that kiosk (channel ``kiosk``, the kiosk's site). Both are
idempotent: importing the same file twice, or a queue file whose responses the tablet later
syncs itself, stores each response once.

CSV layout: a header row, then one row per response. Columns are question ids (a rating as
an integer, yes/no as ``yes``/``no`` (or ``oui``/``non``, ``1``/``0``), a choice as its option
value, several choices separated by ``|`` or ``;``, a number, a text; ``na`` for "don't know"
where allowed; an empty cell for no answer). The export's layout is accepted too: one 0/1
column ``<question>__<option>`` per option of a multi-choice question, and its descriptive
columns (response, cycle, channel, site, month, version) are ignored. Optional columns:
``submission_id`` (a UUID), ``language`` (fr or en).
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

import questionnaires as qn

from ..extensions import db
from ..models import Cycle, Kiosk
from . import catalogue, cycles
from .kiosks import submitter_for
from .submissions import Outcome, Submitter, record_response

QUEUE_FORMAT = "servir-kiosk-queue"
CSV_CHANNELS = ("paper", "phone")
IGNORED_COLUMNS = {"response", "cycle", "channel", "site", "month", "version"}
YES = {"yes", "oui", "y", "o", "1", "true", "vrai"}
NO = {"no", "non", "n", "0", "false", "faux"}
# Row ids without a submission_id column: the same file imported again gives the same ids.
NAMESPACE = uuid.UUID("5b0d7f4e-1c0a-4e55-9a51-6a1f2b7c3d90")


class ImportProblem(ValueError):
    """The file cannot be imported at all; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class ImportReport:
    kind: str  # "csv" or "queue"
    stored: int = 0
    already: int = 0
    failed: list[tuple[str, Outcome]] = field(default_factory=list)
    skipped: int = 0
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failed


def is_queue_file(data: bytes) -> bool:
    return data.lstrip()[:1] == b"{"


def import_file(data: bytes, *, questionnaire: str | None = None, cycle: str | None = None,
                channel: str | None = None, language: str = "fr") -> ImportReport:
    if is_queue_file(data):
        return import_queue(data, questionnaire=questionnaire, cycle=cycle, channel=channel)
    if questionnaire is None or cycle is None:
        raise ImportProblem(["a CSV file needs --questionnaire and --cycle"])
    return import_csv(data, questionnaire=questionnaire, cycle=cycle, channel=channel or "paper",
                      language=language)


# --- a kiosk's queue file ---------------------------------------------------------------------

def import_queue(data: bytes, *, questionnaire: str | None = None, cycle: str | None = None,
                 channel: str | None = None, kiosk_id: int | None = None) -> ImportReport:
    """Submit a kiosk's saved queue as that kiosk (even if it was revoked since: the file was
    brought by staff). The payloads are sent unchanged, so that a response the tablet syncs
    later, or a second import, is recognised as already stored."""
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportProblem([f"not a kiosk queue file: invalid JSON ({exc})"]) from exc
    items = document.get("responses") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ImportProblem(['not a kiosk queue file: no "responses" list'])
    if document.get("format") not in (None, QUEUE_FORMAT):
        raise ImportProblem([f"unknown file format {document.get('format')!r}"])
    named = (document.get("kiosk") or {}).get("id") if isinstance(document.get("kiosk"), dict) else None
    kiosk = db.session.get(Kiosk, kiosk_id or named) if (kiosk_id or named) else None
    if kiosk is None:
        raise ImportProblem([f"the file's kiosk ({named!r}) is not known here"])
    report = ImportReport("queue")
    if channel not in (None, "kiosk"):
        report.notes.append(f"--channel {channel} ignored: a kiosk's responses keep the kiosk channel")
    if cycle is not None:
        row = cycles.open_cycle()
        current = row.code if row is not None else None
        if cycle != current:
            raise ImportProblem([
                f"kiosk responses go to the open cycle ({current or 'none is open'}), not {cycle!r}"
            ])
    submitter = submitter_for(kiosk)
    for index, item in enumerate(items):
        if questionnaire is not None and isinstance(item, dict) and item.get("questionnaire") != questionnaire:
            report.skipped += 1
            continue
        _count(report, f"item {index}", record_response(item, submitter))
    return report


def _count(report: ImportReport, where: str, outcome: Outcome) -> None:
    if outcome.status == 201:
        report.stored += 1
    elif outcome.status == 200:
        report.already += 1
    else:
        report.failed.append((where, outcome))


# --- paper and phone responses from a CSV ------------------------------------------------------

def _cell_value(question: qn.Question, raw: str) -> Any:
    """The API value of one cell; the shared rules reject what does not fit."""
    text = raw.strip()
    if not text:
        return None
    if text.lower() == qn.NA and question.type != "text":
        return qn.NA
    kind = question.type
    if kind == "rating":
        try:
            return int(text)
        except ValueError:
            return text
    if kind == "yes_no":
        lowered = text.lower()
        return True if lowered in YES else False if lowered in NO else text
    if kind == "number":
        cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        for convert in (int, float):
            try:
                return convert(cleaned)
            except ValueError:
                continue
        return text
    if kind == "multi_choice":
        separator = "|" if "|" in text else ";"
        return [part.strip() for part in text.split(separator) if part.strip()]
    return text


def import_csv(data: bytes, *, questionnaire: str, cycle: str, channel: str = "paper",
               language: str = "fr") -> ImportReport:
    """Check every row first; store nothing unless the whole file is valid."""
    if channel not in CSV_CHANNELS:
        raise ImportProblem([f"--channel must be one of {', '.join(CSV_CHANNELS)} for a CSV file"])
    if language not in ("fr", "en"):
        raise ImportProblem(["--language must be fr or en"])
    current = catalogue.current_version_ref(questionnaire)
    if current is None:
        raise ImportProblem([f"unknown or unpublished questionnaire {questionnaire!r}"])
    definition = catalogue.definition_of(current)
    row = db.session.execute(db.select(Cycle).where(Cycle.code == cycle)).scalar_one_or_none()
    if row is None or row.state != "open":
        raise ImportProblem([f"cycle {cycle!r} is not open" if row else f"unknown cycle {cycle!r}"])
    if channel not in definition.channels:
        raise ImportProblem([f"questionnaire {questionnaire!r} is not offered on the {channel} channel"])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportProblem(["the CSV file must be UTF-8"]) from exc
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    header = [name.strip() for name in (reader.fieldnames or [])]
    reader.fieldnames = header
    by_id = {q.id: q for q in definition.questions}
    option_columns = {
        f"{q.id}__{o.value}": (q, o.value) for q in definition.questions if q.type == "multi_choice"
        for o in q.options
    }
    unknown = [name for name in header if name not in by_id and name not in option_columns
               and name not in IGNORED_COLUMNS and name not in ("submission_id", "language")]
    problems = [f"unknown column {name!r}" for name in unknown]
    if not header:
        problems.append("the file is empty")
    if problems:
        raise ImportProblem(problems)

    digest = hashlib.sha256(data).hexdigest()
    payloads = []
    for number, cells in enumerate(reader, start=2):  # line 1 is the header
        if not any((value or "").strip() for value in cells.values() if isinstance(value, str)):
            continue
        answers: dict[str, Any] = {}
        for name, raw in cells.items():
            if name in by_id:
                value = _cell_value(by_id[name], raw or "")
                if value is not None:
                    answers[name] = value
            elif name in option_columns and (raw or "").strip() in ("1", "x", "X"):
                question, option = option_columns[name]
                answers.setdefault(question.id, []).append(option)
        given_id = (cells.get("submission_id") or "").strip()
        submission_id = given_id or str(uuid.uuid5(NAMESPACE, f"{digest}:{number}"))
        try:
            qn.validate_answers(definition, answers)
        except qn.AnswerError as exc:
            problems.extend(f"line {number}: {path}: {message}" for path, message in exc.errors.items())
        if given_id:
            try:
                uuid.UUID(given_id)
            except ValueError:
                problems.append(f"line {number}: submission_id: must be a UUID")
        row_language = (cells.get("language") or "").strip() or language
        if row_language not in ("fr", "en"):
            problems.append(f"line {number}: language: must be fr or en")
        payloads.append((number, {
            "submission_id": submission_id,
            "questionnaire": questionnaire,
            "version": current.content_hash,
            "cycle": cycle,
            "channel": channel,
            "language": row_language,
            "answers": answers,
        }))
    if problems:
        raise ImportProblem(problems)
    report = ImportReport("csv")
    staff = Submitter("staff")
    for number, payload in payloads:
        _count(report, f"line {number}", record_response(payload, staff))
    return report
