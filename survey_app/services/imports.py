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
(response, cycle, channel, site, month, version) are ignored. The file is read once as a
stream, in chunks checked and stored inside one write transaction (an invalid row rolls it
all back), never held whole in memory; what every row shares (the cell readings, the sheet
ids' common part) is worked out once per file.

A large file goes through a pipeline of two processes: SQLite has one writer, so the rows are
stored by this process alone, in its one write transaction, and the inserts take most of an
import's time; reading and checking the rows (parsing, cell readings, sheet ids,
fingerprints) is pure Python that holds the GIL, so it runs in a forked worker on the
server's other core, which hands over chunks of ready-to-store sheets through a bounded queue
(:func:`_worker_chunks`). Both processes run the same :func:`_read_chunks`; what needs the
database (the header's target, each ``answered_on`` day's cycle, the look-ups and inserts)
stays here. A file under ``SERVIR_IMPORT_PARALLEL_ROWS`` lines, or a platform without fork,
is read in this process. The write transaction is a bulk one (:mod:`.bulk`: on SQLite, no row
trigger or foreign key checked per row, all put back before it ends).
"""
from __future__ import annotations

import codecs
import csv
import datetime as dt
import gc
import io
import itertools
import json
import multiprocessing
import queue
import traceback
import uuid
from contextlib import closing
from dataclasses import dataclass, field
from typing import IO, Any
from collections.abc import Generator

import questionnaires as qn
from flask import current_app
from flask_babel import gettext as _
from questionnaires.errors import N_

from ..database import write_transaction
from ..extensions import db
from ..i18n import translate
from ..models import Kiosk
from . import cycles, sheets
from .bulk import bulk_writes
from .kiosks import submitter_for
from .submissions import Outcome, record_response

QUEUE_FORMAT = "servir-kiosk-queue"
IGNORED_COLUMNS = {"response", "cycle", "channel", "site", "month", "version"}
SHEET, SUBMISSION_ID, LANGUAGE, ANSWERED_ON = "sheet", "submission_id", "language", "answered_on"
CHECKED = {"1", "x", "X", "oui", "yes"}
CHUNK_ROWS = 2000
QUEUED_CHUNKS = 8  # how far the worker may read ahead of the inserts


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

    def summary(self) -> str:
        """The last line of a queue import, in the words of a CSV import's (``CsvReport.summary``)."""
        line = _("%(stored)d stored, %(already)d already present, %(rejected)d rejected",
                 stored=self.stored, already=self.already, rejected=len(self.failed))
        if self.skipped:
            line += " " + _("(%(skipped)d skipped: other questionnaires)", skipped=self.skipped)
        return line


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
        raise ImportProblem([_("not a kiosk queue file: invalid JSON (%(error)s)", error=exc)]) from exc
    items = document.get("responses") if isinstance(document, dict) else None
    if not isinstance(items, list):
        raise ImportProblem([_("not a kiosk queue file: no “responses” list")])
    if document.get("format") not in (None, QUEUE_FORMAT):
        raise ImportProblem([_("unknown file format: %(format)s", format=document.get("format"))])
    named = (document.get("kiosk") or {}).get("id") if isinstance(document.get("kiosk"), dict) else None
    kiosk = db.session.get(Kiosk, kiosk_id or named) if (kiosk_id or named) else None
    if kiosk is None:
        raise ImportProblem([_("the file’s kiosk (%(kiosk)s) is not known here", kiosk=named)])
    report = ImportReport("queue")
    if channel not in (None, "kiosk"):
        report.notes.append(_("--channel %(channel)s ignored: a kiosk’s responses keep the kiosk channel",
                              channel=channel))
    if cycle is not None:
        row = cycles.open_cycle()
        current = row.code if row is not None else None
        if cycle != current:
            raise ImportProblem([
                _("kiosk responses go to the open cycle (%(open)s), not %(cycle)s", open=current, cycle=cycle)
                if current else _("kiosk responses go to the open cycle, and none is open")
            ])
    submitter = submitter_for(kiosk)
    for index, item in enumerate(items):
        if questionnaire is not None and isinstance(item, dict) and item.get("questionnaire") != questionnaire:
            report.skipped += 1
            continue
        _count(report, _("response %(number)d", number=index + 1), record_response(item, submitter))
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


class _Reader:
    """Reads the rows of one file into sheets, with what is the same for every row worked out
    once: the layout, the questions' cell readings (:class:`qn.TypedAnswers`), the sheet ids'
    common part, the answer rows' fingerprints. Needs no database (it runs in the worker)."""

    def __init__(self, layout: _Layout, target: sheets.Target, language: str):
        self.layout, self.target, self.language = layout, target, language
        columns: list[str | None] = [None] * layout.width
        for index, question in layout.questions:
            columns[index] = question.id
        self.answers = qn.TypedAnswers(target.definition, columns)
        self.sheet_id = sheets.SheetIds(target.questionnaire_id, target.cycle_code, target.channel)
        self.reprs: dict = {}

    def identity(self, cells: list[str], line: int, problems: list[Problem]) -> str | None:
        layout = self.layout
        sheet = sheets.normalize_sheet(cells[layout.sheet]) if layout.sheet is not None else ""
        if sheet:
            error = sheets.check_sheet(sheet)
            if error is not None:
                problems.append(Problem(line, SHEET, error))
                return None
            return self.sheet_id(sheet, normalized=True)
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

    def row(self, cells: list[str], line: int) -> tuple[sheets.Sheet | None, list[Problem], str]:
        """The row's sheet (None if it has a problem), its problems, and its ``answered_on``
        cell (checked by :func:`_dated`, which needs the database)."""
        layout = self.layout
        problems: list[Problem] = []
        if len(cells) < layout.width:
            cells = cells + [""] * (layout.width - len(cells))
        elif len(cells) > layout.width and "".join(cells[layout.width:]).strip():
            problems.append(Problem(line, None, qn.Message(N_("more cells than the header has columns"))))
        submission_id = self.identity(cells, line, problems)
        checked: dict[str, list[str]] | None = None
        if layout.options:
            checked = {}
            for index, question_id, option in layout.options:
                if cells[index].strip() in CHECKED:
                    checked.setdefault(question_id, []).append(option)
        rows, errors = self.answers.check(cells, checked)
        language = (cells[layout.language].strip() if layout.language is not None else "") or self.language
        if language not in sheets.LANGUAGES:
            problems.append(Problem(line, LANGUAGE, qn.Message(N_("must be fr or en"))))
        day = cells[layout.answered_on].strip() if layout.answered_on is not None else ""
        for question_id, message in errors.items():
            problems.append(Problem(line, None if question_id == "answers" else question_id, message))
        if problems:
            return None, problems, day
        answers = tuple(rows)
        digest = sheets.fingerprint(self.target.version_hash, language, answers, self.reprs)
        return sheets.Sheet(submission_id or "", digest, language, answers), problems, day


def _read_chunks(records, reader: _Reader):
    """Chunks of the rows after the header, each a list of (line, sheet or None, problems,
    answered_on cell); blank rows skipped."""
    chunk = []
    for line, cells in records:
        if not "".join(cells).strip():
            continue
        chunk.append((line, *reader.row(cells, line)))
        if len(chunk) >= CHUNK_ROWS:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _chunks(source: IO[bytes], encoding: str, target: sheets.Target, language: str):
    """Chunks of checked rows, each a list of (line, sheet or None, problems), read here or,
    for a large file, by a worker (see the module's paragraph)."""
    in_worker = _in_worker(source)
    records = csv_records(source, encoding)
    with closing(records):
        _line, header = next(records, (1, []))
        layout = _layout(header, target.definition)
        reader = _Reader(layout, target, language)
        chunks = _worker_chunks(source, encoding, reader) if in_worker else _read_chunks(records, reader)
        if in_worker:
            records.close()  # the worker reads the file from here on
        with closing(chunks):
            if layout.answered_on is None:
                for chunk in chunks:
                    yield [entry[:3] for entry in chunk]
                return
            days = _Days(target)
            for chunk in chunks:
                yield [_dated(entry, days) for entry in chunk]


def _dated(entry, days: _Days):
    """A row whose ``answered_on`` cannot go to the file's cycle becomes invalid."""
    line, sheet, problems, day = entry
    if day and days[day] is not None:
        return line, None, [*problems, Problem(line, ANSWERED_ON, days[day])]
    return line, sheet, problems


def _in_worker(source: IO[bytes]) -> bool:
    """Whether the file is large enough to be read by a worker, and a worker can be forked."""
    if "fork" not in multiprocessing.get_all_start_methods() or multiprocessing.current_process().daemon:
        return False
    threshold = int(current_app.config["IMPORT_PARALLEL_ROWS"])
    source.seek(0)
    lines = 0
    while lines < threshold and (block := source.read(1 << 20)):
        lines += block.count(b"\n")
    source.seek(0)
    return lines >= threshold


def _worker_chunks(source: IO[bytes], encoding: str, reader: _Reader):
    """The chunks of :func:`_read_chunks`, read by a forked worker while this process stores
    those it handed over already. Fork, not spawn: the worker inherits the reader and the open
    file (an uploaded file may be in memory) and starts at once."""
    context = multiprocessing.get_context("fork")
    handover = context.Queue(maxsize=QUEUED_CHUNKS)
    worker = context.Process(target=_work, args=(source, encoding, reader, handover), daemon=True)
    worker.start()
    try:
        while True:
            try:
                chunk = handover.get(timeout=1)
            except queue.Empty:
                if not worker.is_alive():
                    raise RuntimeError(f"the import's reader stopped (exit code {worker.exitcode})") from None
                continue
            if chunk is None:
                return
            if isinstance(chunk, str):
                raise RuntimeError(f"the import's reader failed:\n{chunk}")
            yield chunk
    finally:
        if worker.is_alive():
            worker.terminate()
        worker.join()
        handover.close()


def _work(source: IO[bytes], encoding: str, reader: _Reader, handover) -> None:
    """The worker: every chunk after the header, then None (or the traceback of a failure)."""
    # The worker's copy of this process's objects includes the open database connection: no
    # collection may finalise it (closing it would roll back in the shared WAL index).
    gc.disable()
    try:
        records = csv_records(source, encoding)
        next(records)
        for chunk in _read_chunks(records, reader):
            _hand_over(handover, chunk)
        _hand_over(handover, None)
    except BaseException:  # handed over, to be raised by the importing process
        _hand_over(handover, traceback.format_exc())


def _hand_over(handover, item) -> None:
    """Put, waiting while the queue is full, and end when the importing process is gone."""
    while True:
        try:
            handover.put(item, timeout=1)
            return
        except queue.Full:
            parent = multiprocessing.parent_process()
            if parent is not None and not parent.is_alive():
                raise SystemExit(1) from None


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


class _Refused(Exception):
    """All or nothing, and a row was invalid: the import's transaction is rolled back."""


def import_csv(source: IO[bytes], *, questionnaire: str, cycle: str | None, channel: str = "paper",
               language: str = "fr", skip_invalid: bool = False, dry_run: bool = False,
               answered_on: dt.date | None = None) -> CsvReport:
    """Import a CSV of sheets from a seekable binary file, in one write transaction.

    All or nothing by default: one invalid row means nothing is stored (the rows already
    stored are rolled back, the rest are still checked, and the report lists every problem).
    With ``skip_invalid`` the valid rows are stored and the others listed. ``dry_run`` checks
    everything and stores nothing. ``answered_on`` is the batch's date: the file goes to the
    cycle whose period holds it (a closed cycle too, until it is published), as every
    channel's late responses. Raises :class:`ImportProblem` when the file as a whole cannot
    be read (target, encoding, header).
    """
    if language not in sheets.LANGUAGES:
        raise ImportProblem([qn.Message(N_("the language of the rows must be fr or en"))])
    try:
        target = sheets.target_for(questionnaire, cycle, channel, answered_on)
    except sheets.SheetError as exc:
        raise ImportProblem([exc.message]) from exc
    encoding = detect_encoding(source)
    report = CsvReport(dry_run=dry_run)
    if dry_run:
        with closing(_chunks(source, encoding, target, language)) as chunks:
            for chunk in chunks:
                _reject(report, chunk)
                _tally(report, chunk, sheets.classify(target, [s for _l, s, _p in chunk if s is not None]))
        db.session.commit()  # end the reads
        return report
    invalid: list[Problem] = []  # the problems of invalid rows, conflicts apart
    invalid_rows = 0
    try:
        # The write lock is taken at BEGIN IMMEDIATE, before the first look-up: no other
        # writer can store one of these sheets between its look-up and its INSERT.
        with write_transaction(bulk=True), bulk_writes() as bulk, \
                closing(_chunks(source, encoding, target, language)) as chunks:
            try:
                sheets.check_references(target)
            except sheets.SheetError as exc:
                raise ImportProblem([exc.message]) from exc
            for chunk in chunks:
                problems = _reject(report, chunk)
                invalid.extend(problems)
                invalid_rows += sum(1 for _line, sheet, _problems in chunk if sheet is None)
                if skip_invalid or not invalid:
                    stored = [s for _l, s, _p in chunk if s is not None]
                    _tally(report, chunk, sheets.store_chunk(target, stored, bulk))
            if invalid and not skip_invalid:
                raise _Refused
    except _Refused:
        report.stored = report.already = 0
        report.rejected = invalid_rows
        report.problems = invalid
        report.refused = True
    sheets.shrink_journal()
    return report


def _reject(report: CsvReport, chunk) -> list[Problem]:
    """Count and list a chunk's invalid rows; their problems."""
    found = [problem for _line, sheet, problems in chunk if sheet is None for problem in problems]
    report.rejected += sum(1 for _line, sheet, _problems in chunk if sheet is None)
    report.problems.extend(found)
    return found


def template_csv(definition: qn.Questionnaire) -> bytes:
    """The header row of an import file for this questionnaire, UTF-8 with BOM (Excel reads
    accents right) and ``;`` (Excel's separator in French)."""
    return codecs.BOM_UTF8 + (";".join([SHEET, LANGUAGE, *(q.id for q in definition.questions)]) + "\r\n").encode()
