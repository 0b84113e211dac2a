"""Paper entry by staff: batches of sheets, one sheet at a time, and the optional double entry.

A clerk opens a batch (questionnaire, open cycle, a label such as "Lot 2026-11-30 Ahuntsic")
and keys its sheets in. A first entry stores the sheet as a paper response through
:mod:`.sheets` (the same identity and rules as the CSV import), together with its line in the
batch, in one transaction. A sheet already entered is refused and linked to. In verification
mode a second clerk re-enters a sample: nothing is stored as a response, the re-entry is kept
beside the batch and every disagreement with the first entry is listed on its summary.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import questionnaires as qn
from questionnaires.errors import N_

from ..database import write_transaction
from ..extensions import db
from ..models import Answer, Cycle, PaperBatch, PaperSheet, Questionnaire, Response
from . import catalogue, sheets

MODES = ("entry", "verification")
LABEL_MAX = 120


class PaperError(ValueError):
    """``errors`` maps a field (``questionnaire``, ``cycle``, ``label``, ``sheet``) to a
    translatable message."""

    def __init__(self, errors: dict[str, Any]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def paper_questionnaires() -> list[Questionnaire]:
    """Published questionnaires offered on paper."""
    return [row for row in catalogue.published_questionnaires()
            if "paper" in catalogue.definition_of(row.current_version).channels]


def open_cycles() -> list[Cycle]:
    return list(db.session.execute(db.select(Cycle).where(Cycle.state == "open").order_by(Cycle.code)).scalars())


def recent_batches(limit: int = 20) -> list[PaperBatch]:
    return list(db.session.execute(
        db.select(PaperBatch).order_by(PaperBatch.created_at.desc(), PaperBatch.id.desc()).limit(limit)).scalars())


def get_batch(batch_id: int) -> PaperBatch | None:
    return db.session.get(PaperBatch, batch_id)


def target_of(batch: PaperBatch) -> sheets.Target:
    """Where the batch's sheets go; raises :class:`sheets.SheetError` (e.g. the cycle closed)."""
    return sheets.target_for(batch.questionnaire_id, batch.cycle.code, "paper")


def open_batch(questionnaire_id: str, cycle_code: str, label: str, language: str = "fr",
               actor: str | None = None) -> PaperBatch:
    """The batch of that label, created when new."""
    label = " ".join((label or "").split())
    errors: dict[str, Any] = {}
    if not label:
        errors["label"] = qn.Message(N_("a batch label is required, for example “Lot 2026-11-30 Ahuntsic”"))
    elif len(label) > LABEL_MAX:
        errors["label"] = qn.Message(N_("a batch label has at most %(count)s characters"), count=LABEL_MAX)
    if language not in sheets.LANGUAGES:
        errors["language"] = qn.Message(N_("must be fr or en"))
    try:
        target = sheets.target_for(questionnaire_id, cycle_code, "paper")
    except sheets.SheetError as exc:
        errors["cycle" if "cycle" in exc.message.template else "questionnaire"] = exc.message
    if errors:
        raise PaperError(errors)
    with write_transaction():
        batch = db.session.execute(db.select(PaperBatch).where(
            PaperBatch.questionnaire_id == questionnaire_id, PaperBatch.cycle_id == target.cycle_id,
            PaperBatch.label == label)).scalar_one_or_none()
        if batch is None:
            batch = PaperBatch(questionnaire_id=questionnaire_id, cycle_id=target.cycle_id, label=label,
                               language=language, created_by=actor)
            db.session.add(batch)
    return batch


@dataclass
class Entry:
    """What became of one keyed sheet: ``stored``, ``verified``, ``duplicate`` (already
    entered: ``receipt`` links to it), ``unknown`` (verification of a sheet never entered) or
    ``invalid`` (``errors`` by field: ``sheet`` or a question id)."""

    status: str
    sheet: str = ""
    receipt: str | None = None
    errors: dict[str, Any] = field(default_factory=dict)


def _today() -> dt.date:
    return dt.date.today()


def enter_sheet(batch: PaperBatch, sheet_text: str, answers: dict[str, Any], mode: str = "entry",
                actor: str | None = None) -> Entry:
    """Key in one sheet of ``batch`` (``answers`` as the API's values)."""
    sheet = sheets.normalize_sheet(sheet_text)
    problem = sheets.check_sheet(sheet)
    if problem is not None:
        return Entry("invalid", sheet, errors={"sheet": problem})
    try:
        target = target_of(batch)
    except sheets.SheetError as exc:
        return Entry("invalid", sheet, errors={"sheet": exc.message})
    submission_id = sheets.sheet_submission_id(target.questionnaire_id, target.cycle_code, target.channel, sheet)
    receipt = sheets.receipt_of(target, submission_id)
    if mode == "entry" and receipt is not None:
        return Entry("duplicate", sheet, receipt)
    if mode == "verification" and receipt is None:
        return Entry("unknown", sheet)
    try:
        prepared = sheets.prepare(target, answers, submission_id=submission_id, language=batch.language)
    except qn.AnswerError as exc:
        return Entry("invalid", sheet, errors={key.removeprefix("answers."): m for key, m in exc.errors.items()})
    if mode == "verification":
        return _verify(batch, target, sheet, submission_id, receipt, prepared, actor)
    with write_transaction():
        outcomes, _ids = sheets.store_in_transaction(target, [prepared])
        if outcomes[0] == sheets.STORED:  # else another clerk entered it a moment ago
            db.session.add(PaperSheet(batch_id=batch.id, sheet=sheet, mode="entry", submission_id=submission_id,
                                      entered_by=actor, entered_on=_today()))
    status = "stored" if outcomes[0] == sheets.STORED else "duplicate"
    return Entry(status, sheet, sheets.receipt_of(target, submission_id))


def _verify(batch, target, sheet, submission_id, receipt, prepared, actor) -> Entry:
    answers = {question_id: qn.storage_to_answer(target.definition.question(question_id), numeric, text, is_na)
               for question_id, numeric, text, is_na in prepared.answers}
    with write_transaction():
        done = db.session.execute(db.select(PaperSheet.id).where(
            PaperSheet.batch_id == batch.id, PaperSheet.sheet == sheet,
            PaperSheet.mode == "verification")).first()
        if done is not None:
            return Entry("invalid", sheet, receipt,
                         errors={"sheet": qn.Message(N_("this sheet was already verified in this batch"))})
        db.session.add(PaperSheet(batch_id=batch.id, sheet=sheet, mode="verification", submission_id=submission_id,
                                  answers=answers, entered_by=actor, entered_on=_today()))
    return Entry("verified", sheet, receipt)


def entry_count(batch: PaperBatch, mode: str = "entry") -> int:
    return db.session.execute(db.select(db.func.count(PaperSheet.id)).where(
        PaperSheet.batch_id == batch.id, PaperSheet.mode == mode)).scalar_one()


@dataclass(frozen=True)
class Disagreement:
    sheet: str
    question_id: str
    entered: Any  # None: left blank
    verified: Any


@dataclass
class Summary:
    batch: PaperBatch
    entered: list[tuple[str, str | None]]  # (sheet, receipt), in entry order
    verified: int
    disagreements: list[Disagreement]


def stored_answers(response_id: int, definition: qn.Questionnaire) -> dict[str, Any]:
    """A stored response's answers as API values."""
    rows = db.session.execute(db.select(Answer).where(Answer.response_id == response_id)).scalars()
    return {row.question_id: qn.storage_to_answer(definition.question(row.question_id), row.numeric_value,
                                                  row.text_value, row.is_na)
            for row in rows if row.question_id in definition}


def summary(batch: PaperBatch) -> Summary:
    """The batch's sheets, and every answer where a verification differs from the first entry."""
    rows = list(db.session.execute(db.select(PaperSheet).where(PaperSheet.batch_id == batch.id)
                                   .order_by(PaperSheet.id)).scalars())
    responses = {r.submission_id: r for r in db.session.execute(db.select(Response).where(
        Response.questionnaire_id == batch.questionnaire_id,
        Response.submission_id.in_({row.submission_id for row in rows}))).scalars()} if rows else {}
    entered = [(row.sheet, responses[row.submission_id].public_id if row.submission_id in responses else None)
               for row in rows if row.mode == "entry"]
    disagreements = []
    verifications = [row for row in rows if row.mode == "verification"]
    for row in verifications:
        response = responses.get(row.submission_id)
        if response is None:
            continue
        definition = catalogue.definition_of(response.version)
        first = stored_answers(response.id, definition)
        second = row.answers or {}
        for question in definition.questions:
            if first.get(question.id) != second.get(question.id):
                disagreements.append(Disagreement(row.sheet, question.id, first.get(question.id),
                                                  second.get(question.id)))
    return Summary(batch, entered, len(verifications), disagreements)


@dataclass
class SheetView:
    response: Response
    definition: qn.Questionnaire
    sheet: str | None
    batch: PaperBatch | None
    answers: dict[str, Any]


def sheet_view(receipt: str) -> SheetView | None:
    """A stored paper or phone response, read-only, by its receipt."""
    response = db.session.execute(db.select(Response).where(
        Response.public_id == receipt, Response.channel.in_(sheets.SHEET_CHANNELS))).scalar_one_or_none()
    if response is None:
        return None
    line = db.session.execute(db.select(PaperSheet).where(
        PaperSheet.submission_id == response.submission_id, PaperSheet.mode == "entry")).scalars().first()
    definition = catalogue.definition_of(response.version)
    return SheetView(response, definition, line.sheet if line else None,
                     get_batch(line.batch_id) if line else None, stored_answers(response.id, definition))
