"""Raw-response exports: CSV, XLSX (a sheet per questionnaire plus a codebook) and SPSS .sav.

One row per response, one column per question (a 0/1 column per option for multi-choice
questions). The anonymity rules apply to every format:

* a questionnaire with fewer than ``min_n`` responses in the cycle exports no rows at all;
* a site, channel or language shared by fewer than ``min_n`` responses is replaced by
  ``suppressed``, so a rare combination cannot single a citizen out;
* the submission date is given by month only, and no receipt or submission id is exported.

Text typed by citizens is neutralised against formula injection (OWASP's CSV injection
advice): a cell that starts with ``= + - @``, a tab or a carriage return gets a leading
apostrophe, and so does such a character right after a ``;`` or ``,`` (a spreadsheet that
splits on another delimiter than the file's would otherwise start a cell there); CSV text
fields are always quoted.

How files are written for people (the formatting helpers at the end): "don't know / not
applicable" is ``na`` in CSV and XLSX, as the codebook says, and -9 declared user-missing in
SPSS; a suppressed value reads "< 10" (the minimum cell size) in every language; the page's
CSV follows the reader's locale (UTF-8 with a byte-order mark, ``;`` and decimal commas in
French, ``,`` in English) while the API's CSV stays plain UTF-8 with commas for notebooks;
XLSX sheets have a frozen bold header, column widths and number formats.
"""
from __future__ import annotations

import csv
import io
import os
import re
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable

import questionnaires as qn
from flask_babel import force_locale, gettext

from ..extensions import db
from ..models import Answer, Cycle, Questionnaire, QuestionnaireVersion, Response
from . import catalogue

SUPPRESSED = "suppressed"
NA_CODE = -9  # numeric code for "don't know / not applicable" in .sav (declared missing)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
QUASI_IDENTIFIERS = ("channel", "language", "site")


class ExportError(LookupError):
    pass


@dataclass(frozen=True)
class Column:
    """One exported variable and its codebook entry."""

    name: str
    label: dict[str, str]
    numeric: bool
    measure: str  # nominal | ordinal | scale (SPSS's measurement levels)
    value_labels: dict[Any, dict[str, str]] = field(default_factory=dict)
    question_id: str | None = None


@dataclass
class ResponseExport:
    questionnaire_id: str
    title: dict[str, str]
    cycle_code: str
    columns: list[Column]
    rows: list[list[Any]]
    responses: int  # responses in the cycle, including withheld ones
    withheld: bool  # True when below the minimum size: no rows are exported
    suppressed: dict[str, list[str]]  # column -> values replaced by "suppressed"
    min_n: int


INNER_FORMULA = re.compile(r"(?<=[;,\t\r\n])(?=[=+\-@])")


def neutralize(value: Any) -> Any:
    """Make a text cell inert in spreadsheets (numbers are left alone), also when a
    spreadsheet splits it on ``;`` or ``,``."""
    if not isinstance(value, str):
        return value
    value = INNER_FORMULA.sub("'", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def _variable(name: str) -> str:
    """An SPSS-safe variable name (letters, digits, underscore; starts with a letter)."""
    cleaned = re.sub(r"[^A-Za-z0-9_]", "_", name)
    return cleaned if cleaned[:1].isalpha() else f"v_{cleaned}"


def N_(message: str) -> str:
    """Mark a message for the catalogues; it is translated later by :func:`_both`."""
    return message


def _both(message: str) -> dict[str, str]:
    """A catalogue message in French and in English (codebooks carry both languages)."""
    result = {}
    for lang in ("fr", "en"):
        with force_locale(lang):
            result[lang] = gettext(message)
    return result


def _bilingual(text: qn.Text | None) -> dict[str, str]:
    if text is None:
        return {"fr": "", "en": ""}
    return {"fr": text.fr, "en": text.en or text.fr}


def _na_label(question: qn.Question) -> dict[str, str]:
    """The codebook's words for "na": the question's own opt-out, or the standard wording."""
    return _bilingual(question.na_label) if question.na_label else _both(NA_MESSAGE)


def _question_columns(question: qn.Question) -> list[Column]:
    label = _bilingual(question.text)
    if question.type == "rating":
        labels = {v: _bilingual(question.scale.labels[v]) for v in question.scale.labels}
        if question.allow_na:
            labels[NA_CODE] = _na_label(question)
        return [Column(_variable(question.id), label, True, "ordinal", labels, question.id)]
    if question.type == "yes_no":
        labels = {1: _both(N_("Yes")), 0: _both(N_("No"))}
        if question.allow_na:
            labels[NA_CODE] = _na_label(question)
        return [Column(_variable(question.id), label, True, "nominal", labels, question.id)]
    if question.type == "number":
        labels = {NA_CODE: _na_label(question)} if question.allow_na else {}
        return [Column(_variable(question.id), label, True, "scale", labels, question.id)]
    if question.type == "multi_choice":
        return [
            Column(
                _variable(f"{question.id}__{option.value}"),
                {lang: f"{label[lang]} — {_bilingual(option.label)[lang]}" for lang in ("fr", "en")},
                True,
                "nominal",
                {1: _both(N_("Selected")), 0: _both(N_("Not selected"))},
                question.id,
            )
            for option in question.options
        ]
    if question.type == "choice":
        labels = {o.value: _bilingual(o.label) for o in question.options}
        if question.allow_na:
            labels[qn.NA] = _na_label(question)
        return [Column(_variable(question.id), label, False, "nominal", labels, question.id)]
    return [Column(_variable(question.id), label, False, "nominal", {}, question.id)]


NA_MESSAGE = N_("Don't know / not applicable")
META_LABELS = {
    "response": N_("Response number in this export"),
    "cycle": N_("Cycle"),
    "channel": N_("Channel"),
    "language": N_("Language"),
    "site": N_("Site"),
    "month": N_("Month of response"),
    "version": N_("Questionnaire version"),
    "partial": N_("Partial response (1: left unfinished at a kiosk)"),
}


def _meta_columns() -> list[Column]:
    return [Column(name, _both(label), name in ("response", "partial"), "nominal")
            for name, label in META_LABELS.items()]


def _definitions(questionnaire: Questionnaire, cycle: Cycle) -> list[qn.Questionnaire]:
    """The versions answered in this cycle (current first), for the union of their questions."""
    versions = db.session.execute(
        db.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.id.in_(
            db.select(Response.version_id).where(
                Response.questionnaire_id == questionnaire.id, Response.cycle_id == cycle.id
            ).distinct()
        ))
        .order_by(QuestionnaireVersion.id.desc())
    ).scalars().all()
    if questionnaire.current_version is not None and questionnaire.current_version not in versions:
        versions.insert(0, questionnaire.current_version)
    return [catalogue.definition_of(v) for v in versions]


def _cell(question: qn.Question, numeric, text, is_na) -> dict[str, Any]:
    """{variable: value} for one stored answer."""
    name = _variable(question.id)
    if question.type == "multi_choice":
        chosen = set((text or "").split(qn.MULTI_SEPARATOR)) if not is_na else set()
        return {_variable(f"{question.id}__{o.value}"): int(o.value in chosen) for o in question.options}
    if is_na:
        return {name: qn.NA}
    if question.type in ("rating", "yes_no"):
        return {name: int(numeric)}
    if question.type == "number":
        return {name: int(numeric) if float(numeric).is_integer() else numeric}
    return {name: text}


def response_export(questionnaire_id: str, cycle_code: str, min_n: int) -> ResponseExport:
    """Every response of a questionnaire in a cycle, ready for any of the formats."""
    questionnaire = db.session.get(Questionnaire, questionnaire_id)
    cycle = db.session.execute(db.select(Cycle).where(Cycle.code == cycle_code)).scalar_one_or_none()
    if questionnaire is None:
        raise ExportError(f"questionnaire: unknown questionnaire {questionnaire_id!r}")
    if cycle is None:
        raise ExportError(f"cycle: unknown cycle {cycle_code!r}")
    definitions = _definitions(questionnaire, cycle)
    questions: dict[str, qn.Question] = {}
    for definition in definitions:
        for question in definition.questions:
            questions.setdefault(question.id, question)
    current_order = [q.id for q in definitions[0].questions] if definitions else []
    ordered = [questions[i] for i in current_order] + [
        q for i, q in questions.items() if i not in current_order
    ]
    columns = _meta_columns() + [c for q in ordered for c in _question_columns(q)]
    hashes = dict(db.session.execute(
        db.select(QuestionnaireVersion.id, QuestionnaireVersion.content_hash)
        .where(QuestionnaireVersion.questionnaire_id == questionnaire_id)
    ).all())

    responses = db.session.execute(
        db.select(Response.id, Response.channel, Response.language, Response.site,
                  Response.submitted_on, Response.version_id, Response.partial)
        .where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle.id)
        .order_by(Response.id)
    ).all()
    title = _bilingual(definitions[0].title) if definitions else {"fr": questionnaire_id, "en": questionnaire_id}
    if len(responses) < min_n:
        return ResponseExport(questionnaire_id, title, cycle.code, columns, [], len(responses),
                              True, {}, min_n)

    rare = {
        name: sorted({str(v) for v, n in Counter(getattr(r, name) for r in responses).items()
                      if v is not None and n < min_n})
        for name in QUASI_IDENTIFIERS
    }
    by_response: dict[int, dict[str, Any]] = {}
    for i, r in enumerate(responses, start=1):
        by_response[r.id] = {
            "response": i,
            "cycle": cycle.code,
            "channel": SUPPRESSED if r.channel in rare["channel"] else r.channel,
            "language": SUPPRESSED if r.language in rare["language"] else r.language,
            "site": SUPPRESSED if (r.site or "") in rare["site"] else r.site,
            "month": r.submitted_on.strftime("%Y-%m"),
            "version": hashes.get(r.version_id),
            "partial": int(bool(r.partial)),
        }
    answers = db.session.execute(
        db.select(Answer.response_id, Answer.question_id, Answer.numeric_value,
                  Answer.text_value, Answer.is_na)
        .where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle.id)
        .execution_options(yield_per=20_000)
    )
    for response_id, question_id, numeric, text, is_na in answers:
        question = questions.get(question_id)
        row = by_response.get(response_id)
        if question is not None and row is not None:
            row.update(_cell(question, numeric, text, is_na))
    names = [c.name for c in columns]
    rows = [[row.get(name) for name in names] for row in by_response.values()]
    return ResponseExport(questionnaire_id, title, cycle.code, columns, rows, len(responses),
                          False, {k: v for k, v in rare.items() if v}, min_n)


def to_csv(export: ResponseExport, lang: str | None = None) -> str:
    """CSV with a header row; "na" marks "don't know / not applicable". Without ``lang``
    plain UTF-8 with commas (the API); with it, in the reader's convention (:func:`write_csv`)."""
    rows = export.rows if lang is None else [[written(v, export.min_n) for v in row] for row in export.rows]
    return write_csv([c.name for c in export.columns], rows, lang)


def to_xlsx(exports: Iterable[ResponseExport], lang: str) -> bytes:
    """A workbook: one sheet per questionnaire, then a codebook sheet for all of them."""
    from openpyxl import Workbook

    exports = list(exports)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for export in exports:
        sheet = workbook.create_sheet(export.questionnaire_id[:31])
        sheet.append([c.name for c in export.columns])
        if export.withheld:
            sheet.append([_withheld_note(export, lang)])
        for row in export.rows:
            sheet.append(["" if v is None else neutralize(written(v, export.min_n)) for v in row])
        format_sheet(sheet)
    with force_locale(lang):
        codebook = workbook.create_sheet(gettext("codebook"))
        codebook.append([gettext("questionnaire"), gettext("variable"), gettext("label"),
                         gettext("measure"), gettext("values")])
    for export in exports:
        for column in export.columns:
            values = "; ".join(f"{_written_code(k)} = {v[lang]}" for k, v in column.value_labels.items())
            codebook.append([export.questionnaire_id, column.name, neutralize(column.label[lang]),
                             column.measure, neutralize(values)])
    with force_locale(lang):
        codebook.append([])
        codebook.append([gettext("na: the answer “don’t know / not applicable” (or the question’s own "
                                 "opt-out); in the SPSS file, -9, declared as a missing value. "
                                 "< %(n)s: a value shared by fewer than %(n)s responses, withheld.",
                                 n=min((e.min_n for e in exports), default=10))])
    format_sheet(codebook, wrap_last=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _withheld_note(export: ResponseExport, lang: str) -> str:
    with force_locale(lang):
        return gettext(
            "Fewer than %(count)d responses in this cycle: rows withheld to protect respondents’ anonymity.",
            count=export.min_n,
        )


def to_sav(export: ResponseExport, lang: str) -> bytes:
    """An SPSS file with variable labels, value labels and "na" declared as user-missing."""
    import pandas as pd
    import pyreadstat

    frame = pd.DataFrame([[written(v, export.min_n) for v in row] for row in export.rows],
                         columns=[c.name for c in export.columns])
    for column in export.columns:
        if column.numeric:
            frame[column.name] = pd.to_numeric(
                frame[column.name].replace(qn.NA, NA_CODE), errors="coerce"
            ).astype("float64")
        else:
            frame[column.name] = frame[column.name].astype("object").where(frame[column.name].notna(), "")
            frame[column.name] = frame[column.name].astype(str)
    value_labels = {
        c.name: {(float(k) if c.numeric else str(k)): v[lang] for k, v in c.value_labels.items()}
        for c in export.columns if c.value_labels
    }
    missing = {c.name: [float(NA_CODE)] for c in export.columns if c.numeric and NA_CODE in c.value_labels}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.sav")
        pyreadstat.write_sav(
            frame, path,
            file_label=f"{export.questionnaire_id} {export.cycle_code}"[:64],
            column_labels={c.name: c.label[lang][:255] for c in export.columns},
            variable_value_labels=value_labels,
            missing_ranges=missing,
            variable_measure={c.name: c.measure for c in export.columns},
            note=_withheld_note(export, lang) if export.withheld else None,
        )
        with open(path, "rb") as handle:
            return handle.read()


# --- Writing files for people: codes, delimiters, number formats ------------------------------

CSV_CONVENTIONS = {"fr": (";", ","), "en": (",", ".")}  # (delimiter, decimal mark) of the locale's Excel


def written(value: Any, min_n: int) -> Any:
    """A suppressed value as "< 10": no word, so the same in every language."""
    return f"< {min_n}" if value == SUPPRESSED else value


def _written_code(code: Any) -> Any:
    """The code the CSV and XLSX data hold for a value label (the .sav holds NA_CODE)."""
    return qn.NA if code == NA_CODE else code


def write_csv(header: list[str], rows: Iterable[list[Any]], lang: str | None = None) -> str:
    """A CSV document. Without ``lang``: plain UTF-8, commas, decimal points (for programs).
    With ``lang``: as the reader's spreadsheet opens it, a byte-order mark first (Excel reads
    UTF-8 only then), and in French ``;`` between fields and a decimal comma."""
    delimiter, decimal = CSV_CONVENTIONS.get(lang or "en", CSV_CONVENTIONS["en"])
    buffer = io.StringIO()
    # Text always quoted: a cell stays one cell even where a spreadsheet splits on ";".
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n", quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(header)
    for row in rows:
        out = []
        for value in row:
            if value is None:
                value = ""
            elif isinstance(value, bool):
                value = str(value)
            elif isinstance(value, float) and decimal != ".":
                value = _Bare(repr(value).replace(".", decimal))
            out.append(neutralize(value) if isinstance(value, str) and not isinstance(value, _Bare) else value)
        writer.writerow(out)
    return ("\ufeff" if lang else "") + buffer.getvalue()


class _Bare(float):
    """A number written as given (a decimal comma), unquoted like the other numbers."""

    def __new__(cls, text: str):
        number = float.__new__(cls, float(text.replace(",", ".")))
        number.text = text
        return number

    def __repr__(self) -> str:
        return self.text

    __str__ = __repr__


def format_sheet(sheet, *, number_formats: dict[int, str] | None = None, wrap_last: bool = False) -> None:
    """A readable sheet: bold frozen header row, columns as wide as their content (within
    bounds), whole numbers as "0" and other numbers as given in ``number_formats`` by column
    index (default: "General", all the digits)."""
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    number_formats = number_formats or {}
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"
    widths: dict[int, int] = {}
    for row in sheet.iter_rows():
        for cell in row:
            value = cell.value
            if value is None:
                continue
            index = cell.column
            if isinstance(value, bool):
                pass
            elif isinstance(value, int):
                cell.number_format = "0"
            elif isinstance(value, float):
                cell.number_format = number_formats.get(index - 1, "General")
            widths[index] = max(widths.get(index, 0), min(len(str(value)), 60))
    last = max(widths, default=0)
    for index, width in widths.items():
        sheet.column_dimensions[get_column_letter(index)].width = max(8, width + 2)
        if wrap_last and index == last:
            sheet.column_dimensions[get_column_letter(index)].width = 80
            for cell in sheet[get_column_letter(index)]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
