"""Web forms built at run time from a questionnaire definition.

A field-type registry (in the manner of Indico's survey fields) maps each question type to a
WTForms field and to a conversion from the posted strings to an API-style answer. The fields
carry no validators of their own: the answers go through the same rules as the JSON API
(:func:`questionnaires.validate_answers`), so the form and the API can never disagree.
A post that is sent on is read by :class:`PostedPage` without binding the form; both read a
page's values the one way (:class:`PostedValues`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast
from collections.abc import Callable, Hashable

import questionnaires as qn
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, Field, HiddenField, RadioField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.core import UnboundField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import CheckboxInput, ListWidget

from . import citizen_csrf
from .application import this_app
from .citizen_csrf import CitizenCSRF
from .i18n import current_language, localized, translate, wtforms_translations
from .memo import Memo

NA = "na"
FIELD_PREFIX = "q_"


def na_label(question: qn.Question | None = None) -> str:
    """The "na" answer's wording: the question's own (na_label) or the standard one."""
    if question is not None and question.na_label is not None:
        return localized(question.na_label)
    return _("Don't know / not applicable")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


@dataclass(frozen=True)
class FieldType:
    make: Callable[[qn.Question], Field]
    to_answer: Callable[[qn.Question, Any], Any]
    template: str
    # On the paper entry screen every question is one short text box: what a clerk types is
    # read by questionnaires.answer_from_text, as a CSV cell is.
    keyed: Callable[[qn.Question], dict[str, Any]] = lambda q: {}


def sheet_codes(question: qn.Question) -> list[str]:
    """The codes a clerk types for a question, shown beside it (empty: free input)."""
    na = [NA] if question.allow_na else []
    if question.type == "rating":
        assert question.scale is not None  # the parser gives every rating question a scale
        return [str(v) for v in question.scale.values] + na
    if question.type == "yes_no":
        return ["o", "n"] + na
    if question.type == "choice":
        assert question.options is not None  # the parser gives every choice question its options
        return [str(i) for i in range(1, len(question.options) + 1)] + na
    return []


def sheet_hint(question: qn.Question) -> str:
    """How to key a question in, in the current language."""
    na = (" · " + _("na: don't know")) if question.allow_na else ""
    kind = question.type
    if kind == "rating":
        assert question.scale is not None  # the parser gives every rating question a scale
        return _("%(low)s to %(high)s", low=question.scale.min, high=question.scale.max) + na
    if kind == "yes_no":
        return _("o: yes, n: no") + na
    numbered = " · ".join(f"{i}: {localized(o.label)}" for i, o in enumerate(question.options or (), start=1))
    if kind == "choice":
        return numbered + na
    if kind == "multi_choice":
        return _("numbers separated by spaces") + " — " + numbered + na
    if kind == "number":
        return _("a number") + na
    return ""


def _keyed_codes(question: qn.Question) -> dict[str, Any]:
    codes = sheet_codes(question)
    return {"inputmode": "numeric" if question.type == "rating" and not question.allow_na else "text",
            "maxlength": max(len(c) for c in codes) if question.type != "yes_no" else 3,
            "data-codes": " ".join(codes), "size": 4}


def _choices(pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in pairs]


def _with_na(question: qn.Question, pairs: list[tuple[str, str]]) -> list[SelectChoice]:
    return _choices(pairs + [(NA, na_label(question))] if question.allow_na else pairs)


def _rating_choices(question: qn.Question) -> list[SelectChoice]:
    assert question.scale is not None  # the parser gives every rating question a scale
    labels = question.scale.labels
    return _with_na(
        question,
        [(str(v), localized(labels[v]) if v in labels else str(v)) for v in question.scale.values],
    )


def _int_or_raw(question: qn.Question, raw: Any) -> Any:
    if raw == NA:
        return NA
    try:
        return int(raw)
    except (TypeError, ValueError):
        return raw  # the shared rules reject it with a message naming the field


def _yes_no(question: qn.Question, raw: Any) -> Any:
    return {"yes": True, "no": False, NA: NA}.get(raw, raw)


def _number(question: qn.Question, raw: Any) -> Any:
    text = (raw or "").strip().replace(",", ".").replace("\u00a0", "").replace(" ", "")
    if text == NA:
        return NA
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            continue
    return raw


def _same(question: qn.Question, raw: Any) -> Any:
    return raw


REGISTRY: dict[str, FieldType] = {
    "rating": FieldType(
        make=lambda q: RadioField(choices=_rating_choices(q), validate_choice=False),
        to_answer=_int_or_raw,
        template="rating",
        keyed=_keyed_codes,
    ),
    "yes_no": FieldType(
        make=lambda q: RadioField(
            choices=_with_na(q, [("yes", _("Yes")), ("no", _("No"))]), validate_choice=False
        ),
        to_answer=_yes_no,
        template="radio",
        keyed=_keyed_codes,
    ),
    "choice": FieldType(
        make=lambda q: RadioField(
            choices=_with_na(q, [(o.value, localized(o.label)) for o in q.options or ()]),
            validate_choice=False,
        ),
        to_answer=_same,
        template="radio",
        keyed=_keyed_codes,
    ),
    "multi_choice": FieldType(
        make=lambda q: MultiCheckboxField(
            choices=_choices([(o.value, localized(o.label)) for o in q.options or ()]),
            validate_choice=False,
        ),
        to_answer=lambda q, raw: list(raw or []),
        template="checkboxes",
        keyed=lambda q: {"size": 8},
    ),
    "number": FieldType(
        make=lambda q: StringField(render_kw={"inputmode": "decimal", "autocomplete": "off"}),
        to_answer=_number,
        template="input",
        keyed=lambda q: {"inputmode": "decimal", "size": 6},
    ),
    "text": FieldType(
        make=lambda q: TextAreaField(render_kw={"rows": 5, "maxlength": q.max_length}),
        to_answer=_same,
        template="textarea",
        keyed=lambda q: {"size": 30, **({"maxlength": q.max_length} if q.max_length else {})},
    ),
}


PROGRESS_AFTER = 8
"""A form of more questions than this says where the citizen is: "Question x of y"."""


@dataclass(frozen=True)
class Step:
    """One page of the online form, for answers given so far (see :func:`next_step`).

    ``kept``: questions answered on earlier pages, carried as hidden fields; ``asked``: the
    questions this page shows; ``shown``: every question shown for these answers, in order
    (what the numbering counts); ``number``: 1 for the first page.
    """

    kept: tuple[str, ...]
    asked: tuple[str, ...]
    shown: tuple[str, ...]
    number: int = 1

    def state(self, question_id: str) -> str:
        """``asked``, ``kept``, or ``later`` (in the page but hidden: a script may show it)."""
        return "asked" if question_id in self.asked else "kept" if question_id in self.kept else "later"


# The first page of each version: the same for every citizen (a Step is immutable).
_first_steps: Memo[Step] = Memo(limit=256)


def first_step(definition: qn.Questionnaire) -> Step:
    """The first page: the questions shown before any answer (those without a condition)."""
    def build() -> Step:
        shown = qn.check_answers(definition, {}).shown
        return Step((), shown, shown)

    return _first_steps.get((definition.id, definition.version), build)


def next_step(definition: qn.Questionnaire, answers: dict[str, Any], presented: set[str],
              number: int) -> tuple[Step | None, qn.AnswerCheck]:
    """The page that follows one whose questions ``presented`` the citizen has seen, or None
    when the answers are to be sent (or shown again with their errors).

    The shared rules decide (:func:`questionnaires.check_answers`, as for the API and the
    kiosk): a question the answers now show that was never presented makes a further page,
    once the presented ones are answered well.
    """
    check = qn.check_answers(definition, answers)
    pending = tuple(q for q in check.shown if q not in presented)
    if pending and not presented_errors(check, presented):
        kept = tuple(q.id for q in definition.questions if q.id in presented)
        return Step(kept, pending, check.shown, number + 1), check
    return None, check


def presented_errors(check: qn.AnswerCheck, presented: set[str]) -> dict[str, str]:
    """The verdict's errors about what the citizen has seen (a question of a later page that
    is required but not yet shown is not an error yet)."""
    return {path: message for path, message in check.errors.items()
            if path == "answers" or path.removeprefix("answers.") in presented
            or path.removeprefix("answers.") not in set(check.shown)}


def answer_rules_json(definition: qn.Questionnaire) -> dict[str, Any]:
    """What the form's script needs to show conditional questions live: each question's rules
    as the API serves them (the script runs the kiosk's rules.js on them)."""
    return {"questions": [{"id": q.id, **qn.answer_rules(q)} for q in definition.questions]}


class PostedValues:
    """What a posted form page says (answers, pages seen, contact), from each field's value
    (:meth:`value`): one reading for the bound form and for :class:`PostedPage`."""

    questionnaire: qn.Questionnaire

    def value(self, name: str) -> Any:
        raise NotImplementedError

    def _ids(self, name: str) -> set[str]:
        known = {q.id for q in self.questionnaire.questions}
        return {part for part in (self.value(name) or "").split() if part in known}

    def presented(self) -> set[str]:
        """The questions the citizen has seen: all of them when the script showed them live."""
        if self.value("live") == "1":
            return {q.id for q in self.questionnaire.questions}
        # A post without the page's fields (a page cached from before): its first page.
        return self._ids("seen") | self._ids("asked") or set(first_step(self.questionnaire).asked)

    def shown(self) -> tuple[str, ...]:
        """The questions the posted answers show, by the shared rules."""
        return qn.check_answers(self.questionnaire, self.answers()).shown

    def step_number(self) -> int:
        step = self.value("step")
        return int(step) if (step or "").isdigit() else 1

    def posted_step(self, shown: tuple[str, ...]) -> Step:
        """The page as it was posted, to show again (with errors, or in the other language);
        ``shown`` the questions the answers show. Live, every shown question is on it."""
        order = [q.id for q in self.questionnaire.questions]
        kept, asked = self._ids("seen"), self._ids("asked")
        if self.value("live") == "1" or not asked:
            asked = set(shown) - kept
        return Step(tuple(q for q in order if q in kept), tuple(q for q in order if q in asked), shown,
                    self.step_number())

    def submitted_id(self) -> Any:
        """The form's hidden submission id, as posted."""
        return self.value("submission_id")

    def answers(self) -> dict[str, Any]:
        """The posted values as API answers; unanswered questions are left out."""
        answers: dict[str, Any] = {}
        for question in self.questionnaire.questions:
            raw = self.value(FIELD_PREFIX + question.id)
            if raw in (None, "", []) or (isinstance(raw, str) and not raw.strip()):
                continue
            answers[question.id] = REGISTRY[question.type].to_answer(question, raw)
        return answers

    @property
    def offers_follow_up(self) -> bool:
        # The form class has the contact fields exactly then (_new_form_class).
        return self.questionnaire.offers_follow_up

    def contact(self) -> dict[str, Any] | None:
        """The follow-up offer as the API's ``contact``; None when the citizen left it empty."""
        if not self.offers_follow_up:
            return None
        email = (self.value("contact_email") or "").strip()
        phone = (self.value("contact_phone") or "").strip()
        consent = self.value("contact_consent")
        if not (email or phone or consent):
            return None
        contact: dict[str, Any] = {"consent": bool(consent)}
        if email:
            contact["email"] = email
        if phone:
            contact["phone"] = phone
        return contact


class SurveyForm(PostedValues, FlaskForm):
    class Meta:
        csrf_class = CitizenCSRF  # not Flask-WTF's: survey_app/citizen_csrf.py says why

        def get_translations(self, form):
            return wtforms_translations()

    submission_id = HiddenField()
    # The questions seen on earlier pages (their answers ride along in hidden fields), those
    # of this page, its number, and "1" when the page's script showed conditions live.
    seen = HiddenField()
    asked = HiddenField()
    step = HiddenField()
    live = HiddenField()

    questionnaire: qn.Questionnaire

    def value(self, name: str) -> Any:
        return self[name].data

    def bound(self) -> SurveyForm:
        return self

    def set_step(self, step: Step) -> None:
        self.seen.data = " ".join(step.kept)
        self.asked.data = " ".join(step.asked)
        self.step.data = str(step.number)

    def page(self, step: Step):
        """(question, bound field, registry entry, state, number) for each question in order;
        ``number`` is its place among the questions shown ("Question 3 of 12"), or None."""
        places = {question_id: i for i, question_id in enumerate(step.shown, start=1)}
        for question, field, kind in self.question_fields():
            yield question, field, kind, step.state(question.id), places.get(question.id)

    def posted_values(self, question_id: str) -> list[str]:
        """What the browser posted for a question, as strings: a kept answer's hidden fields."""
        data = self[FIELD_PREFIX + question_id].data
        if data in (None, "", []):
            return []
        return [str(v) for v in data] if isinstance(data, list) else [str(data)]

    def question_fields(self):
        """(question, bound field, registry entry) in the definition's order."""
        for question in self.questionnaire.questions:
            yield question, self[FIELD_PREFIX + question.id], REGISTRY[question.type]

    def attach_errors(self, errors: dict[str, str], answers: dict[str, Any]) -> None:
        """Show the shared rules' errors beside their fields, in the visitor's language."""
        for path in errors:
            if path.startswith("contact") and self.offers_follow_up:
                self._contact_error(path)
        for path, _message in errors.items():
            question_id = path.removeprefix("answers.")
            question = _question_or_none(self.questionnaire, question_id)
            if question is None:
                continue
            self[FIELD_PREFIX + question_id].errors = [_message_for(question, answers)]


    def _contact_error(self, path: str) -> None:
        if path == "contact.consent":
            self.contact_consent.errors = [_("Tick the box if you agree to be contacted; otherwise, "
                                             "leave the e-mail address and phone number empty.")]
        elif path == "contact.phone":
            self.contact_phone.errors = [_("Enter a phone number, for example 514 555-0123.")]
        else:
            self.contact_email.errors = [_("Enter an e-mail address (for example nom@exemple.ca) "
                                           "or a phone number.")]

    def contact_fields(self) -> list[Field]:
        """The follow-up fields that have an error, for the error summary."""
        if not self.offers_follow_up:
            return []
        return [f for f in (self.contact_consent, self.contact_email, self.contact_phone) if f.errors]


def _question_or_none(definition: qn.Questionnaire, question_id: str):
    return next((q for q in definition.questions if q.id == question_id), None)


def _message_for(question: qn.Question, answers: dict[str, Any]) -> str:
    if question.id not in answers:
        return _("Please answer this question.")
    if question.type == "rating":
        assert question.scale is not None  # the parser gives every rating question a scale
        return _("Choose a value from %(low)d to %(high)d.", low=question.scale.min, high=question.scale.max)
    if question.type == "number":
        if question.min is not None and question.max is not None:
            return _("Enter a number from %(low)s to %(high)s.", low=_fmt(question.min), high=_fmt(question.max))
        return _("Enter a number, for example 12.")
    if question.type == "text":
        return _("Keep your answer under %(count)d characters.", count=question.max_length)
    if question.type == "multi_choice":
        return _("Choose among the options shown.")
    return _("Choose one of the options shown.")


def _fmt(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


# Form classes by (questionnaire, version, language): a class holds only what a definition
# says (fields, their choices and labels); each request binds its own instance.
_form_classes: Memo[type[SurveyForm]] = Memo(limit=256)


def build_form(definition: qn.Questionnaire, **kwargs) -> SurveyForm:
    """The form for this definition in the current language, instantiated for this request."""
    return form_class(definition)(**kwargs)


def form_class(definition: qn.Questionnaire) -> type[SurveyForm]:
    """The form class of a definition in the current language, built once per process."""
    return _form_classes.get((definition.id, definition.version, current_language()),
                             lambda: _new_form_class(definition))


def _new_form_class(definition: qn.Questionnaire) -> type[SurveyForm]:
    attrs: dict[str, Any] = {"questionnaire": definition}
    for question in definition.questions:
        attrs[FIELD_PREFIX + question.id] = REGISTRY[question.type].make(question)
    if definition.offers_follow_up:
        # Unchecked by default: consent is only what the citizen ticks.
        attrs["contact_consent"] = BooleanField(_l("Yes, you may contact me about my experience."), default=False)
        attrs["contact_email"] = StringField(_l("E-mail address"), render_kw={
            "type": "email", "autocomplete": "email", "inputmode": "email", "maxlength": 254})
        attrs["contact_phone"] = StringField(_l("Or phone number"), render_kw={
            "type": "tel", "autocomplete": "tel", "inputmode": "tel", "maxlength": 30})
    return type(f"SurveyForm_{definition.id.replace('-', '_')}", (SurveyForm,), attrs)


SUBMIT_LABEL = _l("Send my answers")


class PostedPage(PostedValues):
    """A posted form page read without binding a form, for a post that is sent on and shows no
    page (binding a WTForms form builds every field: the costliest step of a submission).

    Each value is what the form's field holds once it processed the post: the field's own
    class reads it (``process_data`` of its default, then ``process_formdata``, as WTForms'
    ``Field.process`` does for a field without filters), on an instance that skips building
    the field. :meth:`bound` gives the form itself when a page is to be shown.
    """

    def __init__(self, definition: qn.Questionnaire, formdata: Any):
        self.questionnaire = definition
        self._formdata = formdata
        self._fields = _unbound_fields(form_class(definition))

    def value(self, name: str) -> Any:
        unbound = self._fields[name]
        field = object.__new__(unbound.field_class)  # Field.__new__ would give an UnboundField
        field.coerce = unbound.kwargs.get("coerce", str)  # SelectField's reading of a value
        if "false_values" in unbound.kwargs:  # BooleanField's
            field.false_values = unbound.kwargs["false_values"]
        field.process_data(unbound.kwargs.get("default"))
        field.process_formdata(self._formdata.getlist(name))
        return field.data

    def validate(self) -> bool:
        """What the bound form's ``validate()`` says: only the CSRF token can fail (no field
        has a validator), checked as the form's own ``csrf_class`` checks it."""
        config = this_app().config
        if not config.get("WTF_CSRF_ENABLED", True):
            return True
        return citizen_csrf.is_valid(self._formdata.get(config.get("WTF_CSRF_FIELD_NAME", "csrf_token")))

    def bound(self) -> SurveyForm:
        return build_form(self.questionnaire)


# The unbound fields of a form class by name, as WTForms' FormMeta collects them.
_unbound_by_class: Memo[dict[str, UnboundField]] = Memo(limit=256)


def _unbound_fields(cls: type[SurveyForm]) -> dict[str, UnboundField]:
    return _unbound_by_class.get(cast(Hashable, cls), lambda: {
        name: getattr(cls, name) for name in dir(cls)
        if not name.startswith("_") and isinstance(getattr(cls, name), UnboundField)})


class SheetForm(FlaskForm):
    """One paper sheet as a clerk keys it in: the sheet number first, then one box per question."""

    sheet = StringField(_l("Sheet number"), render_kw={"autocomplete": "off", "size": 8, "autofocus": True})

    questionnaire: qn.Questionnaire

    def question_fields(self):
        """(question, bound field, hint) in the definition's order."""
        for question in self.questionnaire.questions:
            yield question, self[FIELD_PREFIX + question.id], sheet_hint(question)

    def answers(self) -> dict[str, Any]:
        """What was typed, as API answers (blank boxes left out)."""
        answers = {}
        for question, field, _hint in self.question_fields():
            value = qn.answer_from_text(question, field.data)
            if value is not None:
                answers[question.id] = value
        return answers

    def attach_errors(self, errors: dict[str, Any]) -> None:
        """The shared rules' messages beside their boxes, in the clerk's language."""
        for key, message in errors.items():
            name = "sheet" if key == "sheet" else FIELD_PREFIX + key
            field = self._fields.get(name) or self.sheet
            field.errors = list(field.errors or []) + [translate(message)]


def build_sheet_form(definition: qn.Questionnaire, **kwargs) -> SheetForm:
    """A paper sheet form for this definition, built from the registry's keyed boxes."""
    attrs: dict[str, Any] = {"questionnaire": definition}
    for question in definition.questions:
        attrs[FIELD_PREFIX + question.id] = StringField(
            render_kw={"autocomplete": "off", **REGISTRY[question.type].keyed(question)})
    form_class = type(f"SheetForm_{definition.id.replace('-', '_')}", (SheetForm,), attrs)
    return form_class(**kwargs)
