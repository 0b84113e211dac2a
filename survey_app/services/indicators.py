"""Operational indicators of the norms: how often operations kept a commitment's norm in a
cycle (``met`` cases out of ``total``), entered on the admin page or imported from a CSV.

One indicator per (commitment, cycle). Entering or importing it again *replaces* it: the
unit's own records are the source of truth and get corrected (a late register, a recount),
so a second import with other counts is a correction, not a conflict; the same counts again
change nothing ("already present"), and each replacement is audited with the old counts.

CSV (``flask indicators import FILE.csv``): the rules of the paper import
(:mod:`.imports`): UTF-8 (with or without BOM) or Windows-1252, ``,`` or ``;``, a header
naming the columns ``commitment,cycle,met,total,source`` (optionally ``period_start`` and
``period_end`` as YYYY-MM-DD), every problem with its line and column, in French or English,
and all or nothing: one bad row and nothing is stored.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import IO

import questionnaires as qn
from flask_babel import gettext as _
from questionnaires.errors import N_
from sqlalchemy import select

from ..database import write_transaction
from ..extensions import db
from ..models import Commitment, Cycle, OperationalIndicator, utcnow
from . import audit
from .imports import ImportProblem, Problem, csv_records, detect_encoding
from .problems import FieldProblems

COLUMNS = ("commitment", "cycle", "met", "total", "source")
OPTIONAL_COLUMNS = ("period_start", "period_end")
SOURCE_MAX = 300


class IndicatorError(FieldProblems):
    """Invalid indicator; ``problems`` maps a field name to its (translatable) message."""


@dataclass(frozen=True)
class IndicatorData:
    commitment: str  # code
    cycle: str  # code
    met: int
    total: int
    source: str
    period_start: dt.date | None = None
    period_end: dt.date | None = None


@dataclass
class IndicatorReport:
    stored: int = 0
    replaced: int = 0
    already: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        """The last line of an import: ``N stored, R replaced, M already present``."""
        return _("%(stored)d stored, %(replaced)d replaced, %(already)d already present",
                 stored=self.stored, replaced=self.replaced, already=self.already)


def _count(text: str, *, positive: bool) -> int | qn.Message:
    text = text.strip()
    if not text.isdigit():
        return qn.Message(N_("must be a whole number (0, 1, 2…), not %(value)s"), value=repr(text))
    value = int(text)
    if positive and value == 0:
        return qn.Message(N_("must be at least 1"))
    return value


def _date(text: str) -> dt.date | qn.Message | None:
    text = text.strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return qn.Message(N_("must be a date written YYYY-MM-DD, not %(value)s"), value=repr(text))


def check(cells: dict[str, str], commitments: set[str], cycles: set[str]) -> tuple[IndicatorData | None, dict[str, qn.Message]]:
    """An indicator from text fields (a CSV row or a form), or the problem of each field."""
    problems: dict[str, qn.Message] = {}
    code = cells.get("commitment", "").strip()
    if code not in commitments:
        problems["commitment"] = qn.Message(N_("unknown commitment %(code)s"), code=repr(code))
    cycle = cells.get("cycle", "").strip()
    if cycle not in cycles:
        problems["cycle"] = qn.Message(N_("unknown cycle %(cycle)s"), cycle=repr(cycle))
    met = _count(cells.get("met", ""), positive=False)
    total = _count(cells.get("total", ""), positive=True)
    for name, value in (("met", met), ("total", total)):
        if isinstance(value, qn.Message):
            problems[name] = value
    if isinstance(met, int) and isinstance(total, int) and met > total:
        problems["met"] = qn.Message(N_("cannot exceed total (%(total)s)"), total=total)
    source = " ".join(cells.get("source", "").split())
    if not source:
        problems["source"] = qn.Message(N_("say where the counts come from (e.g. the permit register)"))
    elif len(source) > SOURCE_MAX:
        problems["source"] = qn.Message(N_("must be at most %(count)s characters"), count=SOURCE_MAX)
    start, end = _date(cells.get("period_start", "")), _date(cells.get("period_end", ""))
    for name, day in (("period_start", start), ("period_end", end)):
        if isinstance(day, qn.Message):
            problems[name] = day
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        problems["period_end"] = qn.Message(N_("must not be before the start of the period"))
    if problems:
        return None, problems
    # No problems: every count and date read cleanly (a Message would be in problems).
    assert isinstance(met, int) and isinstance(total, int)
    assert not isinstance(start, qn.Message) and not isinstance(end, qn.Message)
    return IndicatorData(code, cycle, met, total, source, start, end), {}


def _known() -> tuple[dict[str, int], dict[str, int]]:
    commitments = dict(db.session.execute(select(Commitment.code, Commitment.id)).all())
    cycles = dict(db.session.execute(select(Cycle.code, Cycle.id)).all())
    return commitments, cycles


def _store(rows: list[IndicatorData], report: IndicatorReport, actor: str | None,
           commitment_ids: dict[str, int], cycle_ids: dict[str, int]) -> None:
    """Insert or replace each indicator (in the caller's transaction)."""
    for data in rows:
        key = (commitment_ids[data.commitment], cycle_ids[data.cycle])
        row = db.session.execute(select(OperationalIndicator).where(
            OperationalIndicator.commitment_id == key[0], OperationalIndicator.cycle_id == key[1])).scalar_one_or_none()
        values = (data.met, data.total, data.source, data.period_start, data.period_end)
        if row is not None and (row.met, row.total, row.source, row.period_start, row.period_end) == values:
            report.already += 1
            continue
        if row is None:
            row = OperationalIndicator(commitment_id=key[0], cycle_id=key[1])
            db.session.add(row)
            report.stored += 1
            audit.record("indicator.store", actor, commitment=data.commitment, cycle=data.cycle,
                         met=data.met, total=data.total)
        else:
            report.replaced += 1
            audit.record("indicator.replace", actor, commitment=data.commitment, cycle=data.cycle,
                         met=data.met, total=data.total, old_met=row.met, old_total=row.total)
        row.met, row.total, row.source, row.period_start, row.period_end = values
        row.updated_at, row.updated_by = utcnow(), actor


def save_indicator(fields: dict[str, str], actor: str | None = None) -> IndicatorReport:
    """Store (or replace) one indicator from a form; raises :class:`IndicatorError`."""
    commitment_ids, cycle_ids = _known()
    data, problems = check(fields, set(commitment_ids), set(cycle_ids))
    if data is None:
        raise IndicatorError(problems)
    report = IndicatorReport()
    with write_transaction():
        _store([data], report, actor, commitment_ids, cycle_ids)
    return report


def import_csv(source: IO[bytes], actor: str | None = None) -> IndicatorReport:
    """Import indicators from a seekable binary CSV file, all or nothing.

    Raises :class:`~.imports.ImportProblem` when the file cannot be read (encoding, header);
    a report with ``problems`` (and nothing stored) when some row is invalid.
    """
    encoding = detect_encoding(source)
    records = csv_records(source, encoding)
    _line, header = next(records, (1, []))
    names = [name.strip().lstrip("\ufeff").lower() for name in header]
    if not any(names):
        raise ImportProblem([qn.Message(N_("the file is empty: its first line must name the columns"))])
    file_problems = [qn.Message(N_("column %(column)s is missing"), column=c) for c in COLUMNS if c not in names]
    seen: set[str] = set()
    for name in names:
        if name in seen:
            file_problems.append(qn.Message(N_("column %(column)s appears twice"), column=name))
        seen.add(name)
        if name not in COLUMNS and name not in OPTIONAL_COLUMNS:
            file_problems.append(qn.Message(N_("unknown column %(column)s (expected: %(columns)s)"),
                                            column=repr(name), columns=", ".join(COLUMNS + OPTIONAL_COLUMNS)))
    if file_problems:
        raise ImportProblem(file_problems)
    commitment_ids, cycle_ids = _known()
    report = IndicatorReport()
    rows: list[IndicatorData] = []
    first_line: dict[tuple[str, str], int] = {}
    for line, cells in records:
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(names):
            report.problems.append(Problem(line, None, qn.Message(
                N_("has %(found)s cells, the header names %(expected)s"), found=len(cells), expected=len(names))))
            continue
        data, problems = check(dict(zip(names, cells)), set(commitment_ids), set(cycle_ids))
        for name, message in problems.items():
            report.problems.append(Problem(line, name, message))
        if data is None:
            continue
        key = (data.commitment, data.cycle)
        if key in first_line:
            report.problems.append(Problem(line, "cycle", qn.Message(
                N_("this commitment and cycle are already on line %(line)s"), line=first_line[key])))
            continue
        first_line[key] = line
        rows.append(data)
    if report.problems:
        return report
    with write_transaction():
        _store(rows, report, actor, commitment_ids, cycle_ids)
    return report


@dataclass(frozen=True)
class IndicatorRow:
    commitment: str
    cycle: str
    met: int
    total: int
    source: str
    period_start: dt.date | None
    period_end: dt.date | None


def list_indicators() -> list[IndicatorRow]:
    """Every indicator, by commitment and cycle."""
    rows = db.session.execute(
        select(OperationalIndicator, Commitment.code, Cycle.code)
        .join(Commitment, Commitment.id == OperationalIndicator.commitment_id)
        .join(Cycle, Cycle.id == OperationalIndicator.cycle_id)
        .order_by(Commitment.code, Cycle.code)).all()
    return [IndicatorRow(code, cycle, r.met, r.total, r.source, r.period_start, r.period_end)
            for r, code, cycle in rows]
