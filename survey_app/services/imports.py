"""``flask responses import``: paper or phone sheets from a CSV file, and a kiosk's queue file.

A queue file holds a kiosk's own responses and is submitted through :func:`record_response` as
that kiosk (channel ``kiosk``, the kiosk's site). A CSV holds paper or phone sheets, stored
through :mod:`.sheets`: each row names its sheet (a ``sheet`` column, or a ``submission_id``
column), so importing the same file again, or a file that grew, stores each sheet once, and a
known sheet with other answers is a conflict (the first is kept).

CSV layout (README, "Paper and phone responses"): a header row, then one row per sheet; UTF-8
(with or without BOM) or Windows-1252; ``,`` or ``;`` between cells. Columns: ``sheet`` (the
number written on the sheet) or ``submission_id`` (a UUID), optionally ``language`` (fr or
en) and ``answered_on`` (the day the sheet was filled in, YYYY-MM-DD: it must fall in the
cycle the file is imported into, see :func:`cycles.cycle_for_answer`), then question ids; a cell is read by :func:`questionnaires.answer_from_text` (a rating
as digits, yes/no as oui/non, a choice as its value or number, ``na`` for "don't know", an
empty cell for no answer). The export's layout is accepted too: one 0/1 column
``<question>__<option>`` per option of a multi-choice question, and its descriptive columns
(response, cycle, channel, site, month, version) are ignored. The file is read twice as a
stream (check everything, then store in chunks), never held whole in memory.
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import itertools
import json
import pickle
import tempfile
import uuid
from dataclasses import dataclass, field
from typing import IO, Any
from collections.abc import Generator

import questionnaires as qn
from flask_babel import gettext as _
from questionnaires.errors import N_

from ..extensions import db
from ..i18n import translate
from ..models import Kiosk
from . import cycles, sheets
from .kiosks import submitter_for
from .submissions import Outcome, record_response

QUEUE_FORMAT = "servir-kiosk-queue"
IGNORED_COLUMNS = {"response", "cycle", "channel", "site", "month", "version"}
SHEET, SUBMISSION_ID, LANGUAGE, ANSWERED_ON = "sheet", "submission_id", "language", "answered_on"
CHECKED = {"1", "x", "X", "oui", "yes"}
CHUNK_ROWS = 2000


class ImportProblem(ValueError):
    """The file cannot be imported at all; ``problems`` lists every reason (strings or
    translatable :class:`questionnaires.Message`)."""

    def __init__(self, problems: list):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems

    def texts(self) -> list[str]:
        """The problems in the current language."""
        return [translate(problem) for problem in self.problems]


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


def is_queue_stream(source: IO[bytes]) -> bool:
    source.seek(0)
    start = source.read(64)
    source.seek(0)
    return is_queue_file(start.removeprefix(codecs.BOM_UTF8))


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


# --- paper and phone sheets from a CSV --------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    """One problem of one row (``line`` 1 is the header), or of the file (``line`` None)."""

    line: int | None
    column: str | None
    message: Any  # a questionnaires.Message, or a plain string

    def text(self) -> str:
        """The problem in the current language: ``ligne 3, colonne timeliness : …``."""
        message = translate(self.message)
        if self.line is not None and self.column:
            return _("line %(line)s, column %(column)s: %(message)s",
                     line=self.line, column=self.column, message=message)
        if self.line is not None:
            return _("line %(line)s: %(message)s", line=self.line, message=message)
        return message


@dataclass
class CsvReport:
    stored: int = 0
    already: int = 0
    rejected: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    # All or nothing, and some row was invalid: nothing was stored.
    refused: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The last line of an import: ``N stored, M already present, K rejected``."""
        counts = {"stored": self.stored, "already": self.already, "rejected": self.rejected}
        if self.dry_run:
            return _("dry run: %(stored)d to store, %(already)d already present, %(rejected)d rejected", **counts)
        return _("%(stored)d stored, %(already)d already present, %(rejected)d rejected", **counts)


def detect_encoding(source: IO[bytes]) -> str:
    """``utf-8-sig`` when the whole file is valid UTF-8 (with or without BOM), else ``cp1252``
    (what Excel saves as "CSV" on a French-Canadian Windows)."""
    for encoding in ("utf-8-sig", "cp1252"):
        source.seek(0)
        decoder = codecs.getincrementaldecoder(encoding)("strict")
        try:
            while chunk := source.read(1 << 20):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        source.seek(0)
        return encoding
    raise ImportProblem([qn.Message(N_("the file is neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8"))])


def detect_delimiter(header_line: str) -> str:
    """``;`` or ``,``, whichever separates the header's cells (a header holds no quoted text)."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


@dataclass(frozen=True)
class _Layout:
    width: int
    sheet: int | None
    submission_id: int | None
    language: int | None
    answered_on: int | None
    questions: tuple[tuple[int, qn.Question], ...]
    options: tuple[tuple[int, str, str], ...]  # (index, question id, option value)


def _layout(header: list[str], definition: qn.Questionnaire) -> _Layout:
    names = [name.strip().lstrip("\ufeff") for name in header]
    by_id = {q.id: q for q in definition.questions}
    option_columns = {f"{q.id}__{o.value}": (q.id, o.value)
                      for q in definition.questions if q.type == "multi_choice" for o in q.options or ()}
    problems = []
    if not any(names):
        raise ImportProblem([qn.Message(N_("the file is empty: its first line must name the columns"))])
    if SHEET not in names and SUBMISSION_ID not in names:
        problems.append(qn.Message(N_(
            'the file has neither a "sheet" nor a "submission_id" column: add a column named sheet '
            "holding the number written on each paper sheet (1, 2, 3…), so that importing the file "
            "again stores nothing twice")))
    seen = set()
    for name in names:
        if name in seen and name:
            problems.append(qn.Message(N_("column %(column)s appears twice"), column=name))
        seen.add(name)
        if name and name not in by_id and name not in option_columns and name not in IGNORED_COLUMNS \
                and name not in (SHEET, SUBMISSION_ID, LANGUAGE, ANSWERED_ON):
            problems.append(qn.Message(N_("unknown column %(column)s (not a question of %(questionnaire)s)"),
                                       column=repr(name), questionnaire=definition.id))
    if problems:
        raise ImportProblem(problems)
    index = {name: i for i, name in enumerate(names)}
    return _Layout(
        width=len(names), sheet=index.get(SHEET), submission_id=index.get(SUBMISSION_ID),
        language=index.get(LANGUAGE), answered_on=index.get(ANSWERED_ON),
        questions=tuple((i, by_id[name]) for i, name in enumerate(names) if name in by_id),
        options=tuple((i, *option_columns[name]) for i, name in enumerate(names) if name in option_columns),
    )


def csv_records(source: IO[bytes], encoding: str) -> Generator[tuple[int, list[str]], None, None]:
    """(first line number, cells) of each row, the header first, read as a stream."""
    source.seek(0)
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    try:
        first = text.readline()
        reader = csv.reader(itertools.chain([first], text), delimiter=detect_delimiter(first))
        line = 1
        for cells in reader:
            yield line, cells
            line = reader.line_num + 1
    finally:
        if not source.closed:
            text.detach()  # leave the caller's file open


def _row_identity(layout: _Layout, target: sheets.Target, cells: list[str], line: int,
                  problems: list[Problem]) -> str | None:
    sheet = sheets.normalize_sheet(cells[layout.sheet]) if layout.sheet is not None else ""
    if sheet:
        error = sheets.check_sheet(sheet)
        if error is not None:
            problems.append(Problem(line, SHEET, error))
            return None
        return sheets.sheet_submission_id(target.questionnaire_id, target.cycle_code, target.channel, sheet)
    given = cells[layout.submission_id].strip() if layout.submission_id is not None else ""
    if given:
        try:
            return str(uuid.UUID(given))
        except ValueError:
            problems.append(Problem(line, SUBMISSION_ID, qn.Message(N_("must be a UUID"))))
            return None
    problems.append(Problem(line, SHEET if layout.sheet is not None else SUBMISSION_ID,
                            qn.Message(N_("the sheet number is required"))))
    return None


class _Days(dict):
    """Why each ``answered_on`` cell cannot go to the file's cycle (None: it can), asked of
    :func:`cycles.cycle_for_answer` once per distinct day."""

    def __init__(self, target: sheets.Target):
        super().__init__()
        self.target = target

    def __missing__(self, text: str):
        _cycle, refusal = cycles.cycle_for_answer(text, self.target.cycle_code)
        self[text] = refusal.message if refusal is not None else None
        return self[text]


def _read_row(layout: _Layout, target: sheets.Target, cells: list[str], line: int,
              language: str, days: _Days) -> tuple[sheets.Sheet | None, list[Problem]]:
    problems: list[Problem] = []
    if len(cells) < layout.width:
        cells = cells + [""] * (layout.width - len(cells))
    elif len(cells) > layout.width and any(cell.strip() for cell in cells[layout.width:]):
        problems.append(Problem(line, None, qn.Message(N_("more cells than the header has columns"))))
    submission_id = _row_identity(layout, target, cells, line, problems)
    answers: dict[str, Any] = {}
    for index, question in layout.questions:
        value = qn.answer_from_text(question, cells[index])
        if value is not None:
            answers[question.id] = value
    for index, question_id, option in layout.options:
        if cells[index].strip() in CHECKED:
            answers.setdefault(question_id, []).append(option)
    row_language = cells[layout.language].strip() if layout.language is not None else ""
    row_language = row_language or language
    if row_language not in sheets.LANGUAGES:
        problems.append(Problem(line, LANGUAGE, qn.Message(N_("must be fr or en"))))
    day = cells[layout.answered_on].strip() if layout.answered_on is not None else ""
    if day and days[day] is not None:
        problems.append(Problem(line, ANSWERED_ON, days[day]))
    try:
        sheet = sheets.prepare(target, answers, submission_id=submission_id or "", language=row_language)
    except qn.AnswerError as exc:
        for path, message in exc.errors.items():
            problems.append(Problem(line, None if path == "answers" else path.removeprefix("answers."), message))
        sheet = None
    return (None if problems else sheet), problems


def _chunks(source: IO[bytes], encoding: str, target: sheets.Target, language: str):
    """Chunks of rows, each a list of (line, sheet or None, problems); blank rows skipped."""
    records = csv_records(source, encoding)
    try:
        _line, header = next(records, (1, []))
        layout = _layout(header, target.definition)
        days = _Days(target)
        chunk = []
        for line, cells in records:
            if not any(cell.strip() for cell in cells):
                continue
            chunk.append((line, *_read_row(layout, target, cells, line, language, days)))
            if len(chunk) >= CHUNK_ROWS:
                yield chunk
                chunk = []
        if chunk:
            yield chunk
    finally:
        records.close()


def _conflict(line: int) -> Problem:
    return Problem(line, SHEET, qn.Message(N_(
        "this sheet was already stored with different answers; the first one is kept")))


def _tally(report: CsvReport, chunk, outcomes) -> None:
    valid = [(line, sheet) for line, sheet, _problems in chunk if sheet is not None]
    for (line, _sheet), outcome in zip(valid, outcomes):
        if outcome == sheets.STORED:
            report.stored += 1
        elif outcome == sheets.ALREADY:
            report.already += 1
        else:
            report.rejected += 1
            report.problems.append(_conflict(line))


def import_csv(source: IO[bytes], *, questionnaire: str, cycle: str | None, channel: str = "paper",
               language: str = "fr", skip_invalid: bool = False, dry_run: bool = False,
               answered_on: dt.date | None = None) -> CsvReport:
    """Import a CSV of sheets from a seekable binary file.

    All or nothing by default: every row is checked first, and one invalid row means nothing
    is stored (the report lists every problem). With ``skip_invalid`` the valid rows are
    stored and the others listed. ``dry_run`` checks everything and stores nothing.
    ``answered_on`` is the batch's date: the file goes to the cycle whose period holds it
    (a closed cycle too, until it is published), as every channel's late responses. Raises
    :class:`ImportProblem` when the file as a whole cannot be read (target, encoding, header).
    """
    if language not in sheets.LANGUAGES:
        raise ImportProblem([qn.Message(N_("the language of the rows must be fr or en"))])
    try:
        target = sheets.target_for(questionnaire, cycle, channel, answered_on)
    except sheets.SheetError as exc:
        raise ImportProblem([exc.message]) from exc
    encoding = detect_encoding(source)
    report = CsvReport(dry_run=dry_run)
    with sheets.bulk_writes(), tempfile.TemporaryFile() as spool:
        if skip_invalid and not dry_run:
            chunks = _chunks(source, encoding, target, language)
        else:
            _check(report, source, encoding, target, language, spool)
            if dry_run or report.problems:
                report.refused = not dry_run
                return report
            chunks = _spooled(spool)
        for chunk in chunks:
            for _line, sheet, problems in chunk:
                if sheet is None:
                    report.rejected += 1
                    report.problems.extend(problems)
            _tally(report, chunk, sheets.store(target, [s for _l, s, _p in chunk if s is not None]))
    return report


def _check(report: CsvReport, source: IO[bytes], encoding: str, target: sheets.Target, language: str,
           spool: IO[bytes]) -> None:
    """The first pass: every row checked; while all are valid, their sheets go to ``spool``
    (the second pass stores them from there instead of reading and checking them again)."""
    for chunk in _chunks(source, encoding, target, language):
        invalid = [problems for _line, sheet, problems in chunk if sheet is None]
        report.rejected += len(invalid)
        report.problems.extend(problem for problems in invalid for problem in problems)
        if report.dry_run:
            _tally(report, chunk, sheets.classify(target, [s for _l, s, _p in chunk if s is not None]))
        elif not report.problems:
            pickle.dump(chunk, spool, protocol=pickle.HIGHEST_PROTOCOL)
    db.session.commit()  # end the reads: the store takes the write lock chunk by chunk


def _spooled(spool: IO[bytes]):
    spool.seek(0)
    while True:
        try:
            yield pickle.load(spool)
        except EOFError:
            return


def template_csv(definition: qn.Questionnaire) -> bytes:
    """The header row of an import file for this questionnaire, UTF-8 with BOM (Excel reads
    accents right) and ``;`` (Excel's separator in French)."""
    return codecs.BOM_UTF8 + (";".join([SHEET, LANGUAGE, *(q.id for q in definition.questions)]) + "\r\n").encode()
