"""Submission rules: one validation for the web form and the JSON API, and the storage format.

Answer values (the JSON API's, and what the web form must produce):

============  ===============================  ==========================================
type          value                            stored as (numeric, text)
============  ===============================  ==========================================
rating        int within the scale             (float(value), None)
yes_no        bool                             (1.0 or 0.0, None)
number        int or float within min/max      (float(value), None)
choice        an option value (str)            (None, value)
multi_choice  list of option values            (None, values joined by "|" in option order)
text          str, at most max_length          (None, stripped text)
any allow_na  "na"                             (None, None) with is_na = True
============  ===============================  ==========================================

Choice answers are stored by option *value*, never by position: values are stable across
versions, positions are not. Option values cannot contain "|" (the format forbids it), so a
multi_choice row splits back losslessly; its text is canonical (option order), so a
``GROUP BY text`` counts identical combinations.

No answer: ``None`` (JSON null), ``""`` / whitespace, and ``[]`` for multi_choice all mean "not
answered"; such questions produce no row.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import AnswerError, Message, N_
from .model import NA, Question, Questionnaire

MULTI_SEPARATOR = "|"


class _Invalid(Exception):
    """An unusable value: ``code`` (see ``ERROR_CODES``) and a translatable English message."""

    def __init__(self, code: str, template: str, **params):
        super().__init__(template)
        self.code = code
        self.message = Message(template, **params)


ERROR_CODES = {
    "required": "a required question shown is not answered",
    "type": "the value has the wrong type (not an integer, a boolean, a number, a string, a list)",
    "range": "a rating outside its scale, a number outside min/max or not finite",
    "too_long": "a text longer than max_length",
    "na": '"na" where allow_na is false',
    "option": "a value that is not one of the options",
    "repeated": "a multi_choice answer that repeats an option",
    "unknown_question": "an answer to a question the definition does not have",
    "no_answer": "a response without any answer",
}
"""Why an answer is refused: the codes of :attr:`AnswerCheck.codes` (and of the kiosk's checks)."""

RULE_FIELDS = ("type", "required", "allow_na", "scale", "options", "min", "max", "max_length",
               "show_if")
"""The fields of a question that the answer rules read: what :func:`answer_rules` serves."""


class _Missing:
    def __repr__(self) -> str:
        return "<no answer>"


_MISSING = _Missing()


@dataclass(frozen=True)
class Answer:
    """One validated answer.

    ``value`` is the normalized API value (``"na"`` for "don't know / not applicable"), and
    ``numeric`` / ``text`` / ``is_na`` the columns of its long-format row
    (see :func:`answer_to_storage`).
    """

    question_id: str
    value: Any
    is_na: bool = False
    numeric: float | None = None
    text: str | None = None


class ValidatedAnswers(tuple):
    """The answers of one response, in question order: a tuple of :class:`Answer`.

    Hidden questions (``show_if`` not met) and unanswered ones are absent; ``ignored`` lists
    the ids of the hidden questions that were answered all the same (those answers are not kept).
    """

    ignored: tuple[str, ...] = ()

    def __new__(cls, answers=(), ignored: Iterable[str] = ()):
        self = super().__new__(cls, answers)
        self.ignored = tuple(ignored)
        return self

    def get(self, question_id: str) -> Answer | None:
        for answer in self:
            if answer.question_id == question_id:
                return answer
        return None

    def as_dict(self) -> dict[str, Any]:
        """``{question id: value}`` in the API's form (``"na"`` included)."""
        return {a.question_id: a.value for a in self}


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _fmt(number: int | float) -> str:
    return str(int(number)) if isinstance(number, float) and number.is_integer() else str(number)


def _normalize(question: Question, value: Any) -> Any:
    """The normalized value, ``NA``, or ``_MISSING``; raises ``_Invalid`` with a short message."""
    if value is None:
        return _MISSING
    kind = question.type
    if kind == "text":
        if not isinstance(value, str):
            raise _Invalid("type", N_("must be a string"))
        text = value.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "").strip()
        if not text:
            return _MISSING
        assert question.max_length is not None  # the parser gives every text question one
        if len(text) > question.max_length:
            raise _Invalid("too_long", N_("must be at most %(count)s characters"), count=question.max_length)
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise _Invalid("type", N_("contains invalid characters")) from None
        return text
    if isinstance(value, str):
        if not value.strip():
            return _MISSING
        if value == NA:
            if question.allow_na:
                return NA
            raise _Invalid("na", N_('"na" is not allowed for this question'))

    if kind == "rating":
        scale = question.scale
        assert scale is not None  # a rating question always has a scale
        if not _int(value) or not scale.min <= value <= scale.max:
            code = "range" if _int(value) else "type"
            raise _Invalid(code, N_('must be an integer from %(min)s to %(max)s, or "na"') if question.allow_na
                           else N_("must be an integer from %(min)s to %(max)s"), min=scale.min, max=scale.max)
        return value
    if kind == "yes_no":
        if not isinstance(value, bool):
            raise _Invalid("type", N_('must be true or false, or "na"') if question.allow_na
                           else N_("must be true or false"))
        return value
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _Invalid("type", N_('must be a number, or "na"') if question.allow_na else N_("must be a number"))
        try:
            finite = math.isfinite(float(value))
        except OverflowError:
            finite = False
        if not finite:
            raise _Invalid("range", N_("must be a finite number"))
        if question.min is not None and value < question.min:
            raise _Invalid("range", N_("must be at least %(min)s"), min=_fmt(question.min))
        if question.max is not None and value > question.max:
            raise _Invalid("range", N_("must be at most %(max)s"), max=_fmt(question.max))
        return value
    values = question.option_values
    allowed = ", ".join(values)
    if kind == "choice":
        if not isinstance(value, str) or value not in values:
            code = "option" if isinstance(value, str) else "type"
            raise _Invalid(code, N_('must be one of: %(options)s, or "na"') if question.allow_na
                           else N_("must be one of: %(options)s"), options=allowed)
        return value
    if kind == "multi_choice":
        if not isinstance(value, (list, tuple)):
            raise _Invalid("type", N_('must be a list of options among: %(options)s, or "na"') if question.allow_na
                           else N_("must be a list of options among: %(options)s"), options=allowed)
        if not value:
            return _MISSING
        for item in value:
            if not isinstance(item, str) or item not in values:
                raise _Invalid("option" if isinstance(item, str) else "type", N_("%(value)s is not one of: %(options)s"), value=repr(item), options=allowed)
        if len(set(value)) != len(value):
            raise _Invalid("repeated", N_("must not repeat an option"))
        return [v for v in values if v in value]
    raise _Invalid("type", N_("unsupported question type %(type)s"), type=kind)  # pragma: no cover - the parser forbids it


def _storage(question: Question, value: Any) -> tuple[float | None, str | None, bool]:
    if value == NA and question.type != "text":
        return None, None, True
    kind = question.type
    if kind in ("rating", "number"):
        return float(value), None, False
    if kind == "yes_no":
        return (1.0 if value else 0.0), None, False
    if kind == "multi_choice":
        return None, MULTI_SEPARATOR.join(value), False
    return None, value, False


@dataclass(frozen=True)
class AnswerCheck:
    """The verdict on a set of answers, without raising: what :func:`check_answers` returns.

    ``answers`` holds the valid answers of the questions shown, in question order; ``errors``
    maps a field path to a short English message and ``codes`` the same paths to a code of
    ``ERROR_CODES``; ``shown`` lists the ids of the questions shown for these answers, in order
    (a question whose condition depends on an invalid answer counts as shown); ``ignored``
    lists, in question order, the hidden questions that were answered all the same: their
    answers are dropped, and the API says so in its 201 body.
    """

    answers: ValidatedAnswers
    errors: dict[str, str]
    codes: dict[str, str]
    shown: tuple[str, ...]
    ignored: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors


def _answered(value: Any) -> bool:
    """Whether a value says something (see "No answer" above): what a hidden question may not hold."""
    if value is None or value == []:
        return False
    return not (isinstance(value, str) and not value.strip())


def check_answers(questionnaire: Questionnaire, answers: Any) -> AnswerCheck:
    """Apply the submission rules to ``{question id: value}``; every error is collected.

    Rules: an unknown question id is an error (``"answers.<id>"``); a value of the wrong type or
    outside the scale, the bounds or the options is an error (key: the question id); ``"na"`` is
    accepted only where ``allow_na``; a required question must be answered when it is shown;
    an answer to a question whose ``show_if`` does not hold is dropped and listed in
    ``ignored``, whatever its value (conditions see
    the answers as validated, so a question hidden by a hidden question is hidden too); a
    response must contain at least one answer.

    The kiosk applies the same rules in JavaScript (``static/kiosk/rules.js``); the cases of
    ``tests/cases/answer_rules.json`` pin both.
    """
    if not isinstance(answers, Mapping):
        message = Message(N_("must be an object mapping question ids to answers"))
        return AnswerCheck(ValidatedAnswers(), {"answers": message}, {"answers": "type"}, ())
    errors: dict[str, str] = {}
    codes: dict[str, str] = {}
    for key in answers:
        if not isinstance(key, str) or key not in questionnaire:
            errors[f"answers.{key}"] = Message(N_("unknown question"))
            codes[f"answers.{key}"] = "unknown_question"

    questions = questionnaire.questions
    outcomes = [(raw := answers.get(q.id), _outcome(q, raw)) for q in questions]
    kept, shown, ignored = _apply_rules(questions, outcomes, errors, codes)
    result = [Answer(row[0], value, row[3], row[1], row[2]) for value, row in kept]
    return AnswerCheck(ValidatedAnswers(result, ignored), errors, codes, shown, ignored)


_Outcome = Any  # _MISSING, an _Invalid, or (value, (question id, numeric, text, is_na))
_NOTHING = (None, _MISSING)  # no cell, no answer


def _outcome(question: Question, value: Any) -> _Outcome:
    """One answer on its own: missing, invalid (the ``_Invalid``, not raised), or its value and row."""
    try:
        normalized = _normalize(question, value)
    except _Invalid as exc:
        return exc
    if normalized is _MISSING:
        return _MISSING
    return normalized, (question.id, *_storage(question, normalized))


def _apply_rules(questions: Iterable[Question], outcomes: Iterable[tuple[Any, _Outcome]],
                 errors: dict[str, str], codes: dict[str, str]) -> tuple[list, tuple[str, ...], tuple[str, ...]]:
    """The rules between questions (``show_if``, ``required``, at least one answer), given each
    question's (raw value, :func:`_outcome`): the kept (value, row) pairs, shown and ignored ids."""
    given: dict[str, Any] = {}
    invalid: set[str] = set()
    shown_ids: list[str] = []
    ignored: list[str] = []
    kept: list = []
    for question, (raw, outcome) in zip(questions, outcomes):
        shown: bool | None = True
        if question.show_if is not None:
            # None: the condition depends on an invalid answer, so it cannot be decided.
            shown = None if question.show_if.question in invalid else question.show_if.holds(given)
        if shown is False:
            if _answered(raw):
                ignored.append(question.id)
            continue
        shown_ids.append(question.id)
        if outcome.__class__ is tuple:
            given[question.id] = outcome[0]
            kept.append(outcome)
        elif outcome is _MISSING:
            if question.required and shown:
                errors[question.id] = Message(N_("an answer is required"))
                codes[question.id] = "required"
        else:
            errors[question.id] = outcome.message
            codes[question.id] = outcome.code
            invalid.add(question.id)
    if not errors and not kept:
        errors["answers"] = Message(N_("no answer given"))
        codes["answers"] = "no_answer"
    return kept, tuple(shown_ids), tuple(ignored)


class TypedAnswers:
    """:func:`answer_from_text` then :func:`check_answers`, for many rows of typed cells (a CSV
    import): the same rules, with each question's distinct cell text read once per reader, since
    a million sheets hold few distinct ratings. ``columns`` names the question of each cell
    (None for a cell that is not an answer)."""

    CACHED_TEXTS = 4096  # per question: free text and numbers are read afresh past this many

    def __init__(self, questionnaire: Questionnaire, columns: Iterable[str | None]):
        self.questions = questionnaire.questions
        position = {question_id: i for i, question_id in enumerate(columns) if question_id is not None}
        unknown = [question_id for question_id in position if question_id not in questionnaire]
        if unknown:
            raise ValueError(f"not questions of {questionnaire.id}: {', '.join(unknown)}")
        self._plan: list[tuple[Question, int | None, dict[str, tuple[Any, _Outcome]]]] = [
            (q, position.get(q.id), {}) for q in self.questions]

    def _read(self, question: Question, text: str, cache: dict) -> tuple[Any, _Outcome]:
        value = answer_from_text(question, text)
        found = (value, _outcome(question, value))
        if len(cache) < self.CACHED_TEXTS:
            cache[text] = found
        return found

    def check(self, texts: list[str], values: Mapping[str, Any] | None = None
              ) -> tuple[list[tuple[str, float | None, str | None, bool]], dict[str, str]]:
        """The rows ``(question id, numeric, text, is_na)`` to store, and the errors by question
        id (``"answers"`` for none at all). ``values`` adds answers already read (the export's
        one-column-per-option layout); for a question with a cell too, they join its list."""
        outcomes = []
        for question, index, cache in self._plan:
            found: tuple[Any, _Outcome] | None
            if index is None:
                found = _NOTHING
            else:
                text = texts[index]
                found = cache.get(text)
                if found is None:
                    found = self._read(question, text, cache)
            if values and question.id in values:
                value = found[0]
                value = values[question.id] if value is None else value + values[question.id] \
                    if isinstance(value, list) else value
                found = (value, _outcome(question, value))
            outcomes.append(found)
        errors: dict[str, str] = {}
        kept, _shown, _ignored = _apply_rules(self.questions, outcomes, errors, {})
        return [row for _value, row in kept], errors


def validate_answers(questionnaire: Questionnaire, answers: Mapping[str, Any]) -> ValidatedAnswers:
    """The answers that pass :func:`check_answers`; raises :class:`AnswerError` with every error."""
    check = check_answers(questionnaire, answers)
    if not check.valid:
        raise AnswerError(check.errors, check.codes)
    return check.answers


def answer_rules(question: Question) -> dict[str, Any]:
    """What a client needs to check an answer to ``question`` the way :func:`check_answers` does.

    The fields of ``RULE_FIELDS`` in the definition's own canonical form (``Question.to_dict()``,
    defaults written out, ``None`` where a field does not apply): ``scale`` is
    ``{"min", "max", "labels"}``, ``options`` ``[{"value", "label"}]``, ``max_length`` is set on
    every text question, and ``show_if`` is ``{"question": id, "equals": value}`` or
    ``{"question": id, "in": [values]}``. The JSON API serves them with every question.
    """
    canonical = question.to_dict()
    return {name: canonical.get(name) for name in RULE_FIELDS}


def answer_to_storage(question: Question, value: Any) -> tuple[float | None, str | None, bool]:
    """``(numeric, text, is_na)`` for one answer row; ``value`` is checked with the same rules.

    Raises ``ValueError`` for an invalid value or for no answer (which has no row).
    """
    try:
        normalized = _normalize(question, value)
    except _Invalid as exc:
        raise ValueError(f"{question.id}: {exc.message}") from None
    if normalized is _MISSING:
        raise ValueError(f"{question.id}: no answer to store")
    return _storage(question, normalized)


def storage_to_answer(question: Question, numeric: Any, text: str | None, is_na: bool) -> Any:
    """The API value of a stored row (inverse of :func:`answer_to_storage`).

    Numbers that are whole come back as ``int`` (a ``number`` answer of 3.0 reads as 3).
    Accepts ``Decimal`` from a NUMERIC column.
    """
    if is_na:
        return NA
    kind = question.type
    if kind in ("rating", "yes_no", "number"):
        if numeric is None:
            raise ValueError(f"{question.id}: stored row has no numeric value")
        number = float(numeric)
        if kind == "yes_no":
            return number != 0
        if kind == "rating" or number.is_integer():
            return int(number)
        return number
    if text is None:
        raise ValueError(f"{question.id}: stored row has no text")
    if kind == "multi_choice":
        return text.split(MULTI_SEPARATOR) if text else []
    return text


# Typed answers: a CSV cell, or what a clerk keys in from a paper sheet.
YES_WORDS = frozenset({"yes", "oui", "y", "o", "1", "true", "vrai"})
NO_WORDS = frozenset({"no", "non", "n", "0", "false", "faux"})


def _option(question: Question, text: str) -> str:
    """An option by its value, else by its 1-based number on the sheet (``2`` → second option)."""
    values = question.option_values
    if text in values:
        return text
    if text.isdigit() and 1 <= int(text) <= len(values):
        return values[int(text) - 1]
    return text


def answer_from_text(question: Question, raw: str | None) -> Any:
    """The API value of a typed answer, or ``None`` for a blank one.

    Rating and number as digits (a decimal comma is read as a point), yes/no as
    ``oui``/``non``, ``yes``/``no``, ``o``/``n`` or ``1``/``0``, a choice as its option value or
    its number, several choices separated by ``|``, ``;``, ``,`` or spaces, ``na`` for "don't
    know". What does not convert is returned as typed, for :func:`validate_answers` to reject
    with its usual message.
    """
    text = (raw or "").strip()
    if not text:
        return None
    kind = question.type
    if kind == "text":
        return text
    if text.lower() == NA:
        return NA
    if kind == "rating":
        return int(text) if text.isdigit() else text
    if kind == "yes_no":
        lowered = text.lower()
        return True if lowered in YES_WORDS else False if lowered in NO_WORDS else text
    if kind == "number":
        cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        for convert in (int, float):
            try:
                return convert(cleaned)
            except ValueError:
                continue
        return text
    if kind == "choice":
        return _option(question, text)
    separator = "|" if "|" in text else ";" if ";" in text else None
    parts = text.split(separator) if separator else text.replace(",", " ").split()
    return [_option(question, part.strip()) for part in parts if part.strip()]
