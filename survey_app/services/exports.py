"""Raw-response exports: CSV, XLSX (a sheet per questionnaire plus a codebook) and SPSS .sav.

One row per response, one column per question (a 0/1 column per option for multi-choice
questions). The export is microdata for analysts, protected in every format:

* a questionnaire with fewer than ``min_n`` responses in the cycle exports no rows at all;
* the quasi-identifiers (channel, site, language, month, and the demographic answers such
  as age group and borough) are first generalised to the results' protected views (a
  channel, site or language not offered as a filter becomes ``other``), then locally
  suppressed (``suppressed``, least important variable first, as sdcMicro) until every
  combination of them holds at least ``min_n`` rows (k-anonymity);
* rows come in a random order (a secure shuffle), numbered after it; the submission date
  is given by month only; no receipt or submission id is exported; email addresses,
  phone numbers and civic addresses typed into text answers are masked;
* the codebook says what was generalised and how many values were suppressed.

The city's statistical unit may take an unprotected export (``protected=False``, admins
only, audited by the view): the same columns without generalisation or suppression, still
without submission ids, by month, in a random order and with contact details masked.

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
import secrets
import tempfile
import textwrap
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from collections.abc import Iterable

import questionnaires as qn
from flask_babel import force_locale, gettext

from ..extensions import db
from ..lazy import lazy_module
from ..models import Answer, Cycle, Questionnaire, QuestionnaireVersion, Response
from . import catalogue

# Loaded on first use (survey_app/lazy.py): a worker serving citizens never imports them.
if TYPE_CHECKING:
    import pandas as pd
    from analysis import disclosure
else:
    pd = lazy_module("pandas")
    disclosure = lazy_module("analysis.disclosure")

SUPPRESSED = "suppressed"
GENERALISED = "other"
NA_CODE = -9  # numeric code for "don't know / not applicable" in .sav (declared missing)
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Choice questions that describe the respondent (also: the cycle's weighting variables).
DEMOGRAPHIC_QUESTIONS = ("age_group", "district", "borough", "arrondissement", "gender", "sex",
                         "income", "household", "education")


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
    suppressed: dict[str, list[str]]  # column -> values generalised to "other"
    min_n: int
    local_suppressions: dict[str, int] = field(default_factory=dict)  # column -> values suppressed
    protected: bool = True
    quasi_identifiers: tuple[str, ...] = ()  # the columns made k-anonymous, least important first


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
        assert question.scale is not None  # the parser gives every rating question a scale
        labels: dict[Any, dict[str, str]] = {v: _bilingual(question.scale.labels[v]) for v in question.scale.labels}
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
        assert question.options is not None  # the parser gives every choice question its options
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
        assert question.options is not None  # the parser gives every choice question its options
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
    versions = list(db.session.execute(
        db.select(QuestionnaireVersion)
        .where(QuestionnaireVersion.id.in_(
            db.select(Response.version_id).where(
                Response.questionnaire_id == questionnaire.id, Response.cycle_id == cycle.id
            ).distinct()
        ))
        .order_by(QuestionnaireVersion.id.desc())
    ).scalars().all())
    if questionnaire.current_version is not None and questionnaire.current_version not in versions:
        versions.insert(0, questionnaire.current_version)
    return [catalogue.definition_of(v) for v in versions]


def _cell(question: qn.Question, numeric, text, is_na) -> dict[str, Any]:
    """{variable: value} for one stored answer."""
    name = _variable(question.id)
    if question.type == "multi_choice":
        assert question.options is not None  # the parser gives every choice question its options
        chosen = set((text or "").split(qn.MULTI_SEPARATOR)) if not is_na else set()
        return {_variable(f"{question.id}__{o.value}"): int(o.value in chosen) for o in question.options}
    if is_na:
        return {name: qn.NA}
    if question.type in ("rating", "yes_no"):
        return {name: int(numeric)}
    if question.type == "number":
        return {name: int(numeric) if float(numeric).is_integer() else numeric}
    return {name: text}


def _quasi_identifiers(ordered: list[qn.Question], cycle: Cycle) -> list[str]:
    """The export's quasi-identifier columns, least important first."""
    margins = getattr(cycle, "population_margins", None) or {}
    demographic = [_variable(q.id) for q in ordered if q.type == "choice"
                   and (q.id in DEMOGRAPHIC_QUESTIONS or q.id in margins)]
    return ["site", "month", *demographic, "language", "channel"]


def response_export(questionnaire_id: str, cycle_code: str, min_n: int, *,
                    protected: bool = True) -> ResponseExport:
    """Every response of a questionnaire in a cycle, ready for any of the formats."""
    from ..results.exclusion import counted  # responses excluded as ballot stuffing stay out
    from ..results.protection import protection  # the results' protected views

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

    responses = db.session.execute(counted(
        db.select(Response.id, Response.channel, Response.language, Response.site,
                  Response.submitted_on, Response.version_id, Response.partial)
        .where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle.id), Response.id)
    ).all()
    title = _bilingual(definitions[0].title) if definitions else {"fr": questionnaire_id, "en": questionnaire_id}
    if protected and len(responses) < min_n:
        return ResponseExport(questionnaire_id, title, cycle.code, columns, [], len(responses),
                              True, {}, min_n)

    guard = protection(questionnaire_id, cycle.id) if protected else None
    generalised: dict[str, set[str]] = {name: set() for name in ("channel", "site", "language")}

    def general(name: str, value: str | None) -> str | None:
        if guard is None or (value is None and name == "site"):
            return value
        if value in guard.offered(name):
            return value
        generalised[name].add(str(value))
        return GENERALISED

    by_response: dict[int, dict[str, Any]] = {}
    for r in responses:
        by_response[r.id] = {
            "cycle": cycle.code,
            "channel": general("channel", r.channel),
            "language": general("language", r.language),
            "site": general("site", r.site),
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
        answered = questions.get(question_id)
        row = by_response.get(response_id)
        if answered is not None and row is not None:
            if answered.type == "text":
                text = disclosure.mask_contact_details(text)
            row.update(_cell(answered, numeric, text, is_na))
    names = [c.name for c in columns]
    rows = list(by_response.values())
    secrets.SystemRandom().shuffle(rows)  # no order that follows submission
    local: dict[str, int] = {}
    keys = [k for k in _quasi_identifiers(ordered, cycle) if k in names] if protected else []
    if keys and rows:
        frame = pd.DataFrame([[row.get(k) for k in keys] for row in rows], columns=keys)
        frame, local = disclosure.k_anonymize(frame, keys, k=min_n, code=SUPPRESSED)
        for row, values in zip(rows, frame.itertuples(index=False, name=None)):
            for key, value in zip(keys, values):
                row[key] = None if value == "" else value
    for i, row in enumerate(rows, start=1):
        row["response"] = i
    table = [[row.get(name) for name in names] for row in rows]
    return ResponseExport(questionnaire_id, title, cycle.code, columns, table, len(responses),
                          False, {k: sorted(v) for k, v in generalised.items() if v}, min_n,
                          {k: v for k, v in local.items() if v}, protected, tuple(keys))


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
        title = gettext("protection")
    for export in exports:
        for variable, note in protection_notes(export, lang):
            codebook.append([export.questionnaire_id, variable, title, "", neutralize(note)])
        codebook.append([])
        codebook.append([gettext("na: the answer “don’t know / not applicable” (or the question’s own "
                                 "opt-out); in the SPSS file, -9, declared as a missing value. "
                                 "< %(n)s: a value shared by fewer than %(n)s responses, withheld.",
                                 n=min((e.min_n for e in exports), default=10))])
    format_sheet(codebook, wrap_last=True)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


GENERALISED_LABEL = N_("other: a value below the minimum cell size, or withheld with it, in the results")
SUPPRESSED_LABEL = N_("suppressed: value removed so that every combination of these variables holds at "
                      "least the minimum cell size of rows")


def protection_notes(export: ResponseExport, lang: str) -> list[tuple[str, str]]:
    """(variable, sentence) pairs saying what protection changed in an export."""
    with force_locale(lang):
        if not export.protected:
            return [("*", gettext("Unprotected export for the city's statistical unit: no generalisation, "
                                  "no suppression. Do not publish or pass on."))]
        notes = [("*", gettext("Rows in random order; quasi-identifiers: %(names)s; every combination "
                               "holds at least %(k)d rows.", names=", ".join(export.quasi_identifiers),
                               k=export.min_n))]
        for variable, values in export.suppressed.items():
            notes.append((variable, gettext("%(count)d values generalised to “%(code)s”.", count=len(values),
                                            code=GENERALISED)))
        for variable, count in export.local_suppressions.items():
            notes.append((variable, gettext("%(count)d values suppressed (“%(code)s”).", count=count,
                                            code=SUPPRESSED)))
    return notes


def _withheld_note(export: ResponseExport, lang: str) -> str:
    with force_locale(lang):
        return gettext(
            "Fewer than %(count)d responses in this cycle: rows withheld to protect respondents’ anonymity.",
            count=export.min_n,
        )


def _document_lines(text: str, limit: int = 80) -> list[str]:
    """``text`` in lines of at most ``limit`` UTF-8 bytes (an SPSS document's records)."""
    lines = []
    for line in textwrap.wrap(text, 60):
        while len(line.encode()) > limit:
            cut = limit // 4  # a character takes at most four bytes
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line)
    return lines


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
    if export.protected:
        # the codes protection wrote, labelled where they may appear
        touched = set(export.suppressed) | set(export.local_suppressions)
        for column in export.columns:
            if column.name in touched and not column.numeric:
                labels = value_labels.setdefault(column.name, {})
                labels[GENERALISED] = _both(GENERALISED_LABEL)[lang]
                labels[SUPPRESSED] = _both(SUPPRESSED_LABEL)[lang]
    # list[Any]: pyreadstat asks for list[int | float | str | MissingRange], and lists are invariant
    missing: dict[str, list[Any]] = {c.name: [float(NA_CODE)] for c in export.columns if c.numeric and NA_CODE in c.value_labels}
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "export.sav")
        pyreadstat.write_sav(
            frame, path,
            file_label=f"{export.questionnaire_id} {export.cycle_code}"[:64],
            column_labels={c.name: c.label[lang][:255] for c in export.columns},
            variable_value_labels=value_labels,  # type: ignore[arg-type]  # pyreadstat labels string variables too
            missing_ranges=missing,
            variable_measure={c.name: c.measure for c in export.columns},
            # SPSS documents are lines of at most 80 bytes (accents take two in UTF-8)
            note=_withheld_note(export, lang) if export.withheld else _document_lines(
                " ".join(f"{name}: {note}" for name, note in protection_notes(export, lang))),
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

    text: str

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
