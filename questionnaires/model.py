"""The in-memory form of a questionnaire definition: frozen dataclasses.

Objects are built by :func:`questionnaires.parse` (which validates first) and turned back into
the canonical plain definition by :meth:`Questionnaire.to_dict`. ``from_dict(q.to_dict()) == q``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from collections.abc import Mapping

QUESTION_TYPES = ("rating", "yes_no", "choice", "multi_choice", "number", "text")
CHANNELS = ("online", "kiosk", "paper", "phone")
TARGET_INDICATORS = ("pct_satisfied", "index", "pct_met")
#: Units a norm is measured in (a commitment's norm in the console, a number question's norm).
NORM_UNITS = ("working_days", "days", "hours", "minutes", "seconds")
DEFAULT_MAX_LENGTH = 2000
NA = "na"
"""The answer value meaning "don't know / not applicable" (ne sais pas / ne s'applique pas)."""


@dataclass(frozen=True)
class Text:
    """A bilingual text. French is required; English is optional and falls back to French."""

    fr: str
    en: str | None = None

    def get(self, lang: str | None = "fr") -> str:
        if lang == "en" and self.en:
            return self.en
        return self.fr

    def __str__(self) -> str:
        return self.fr

    def to_dict(self) -> dict[str, str]:
        return {"fr": self.fr} if self.en is None else {"fr": self.fr, "en": self.en}


@dataclass(frozen=True)
class Scale:
    """An integer rating scale ``min..max`` with optional labels on some of its points."""

    min: int
    max: int
    labels: dict[int, Text] = field(default_factory=dict, hash=False)

    @property
    def values(self) -> list[int]:
        return list(range(self.min, self.max + 1))

    def label(self, value: int, lang: str | None = "fr") -> str | None:
        text = self.labels.get(value)
        return None if text is None else text.get(lang)

    def to_dict(self) -> dict[str, Any]:
        return {
            "min": self.min,
            "max": self.max,
            "labels": {str(k): v.to_dict() for k, v in sorted(self.labels.items())},
        }


@dataclass(frozen=True)
class Option:
    value: str
    label: Text

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "label": self.label.to_dict()}


def _same(a: Any, b: Any) -> bool:
    """Equality that does not confuse booleans with the integers 0 and 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    return a == b


@dataclass(frozen=True)
class Condition:
    """``show_if``: the question is shown only when an earlier answer matches.

    Exactly one of ``equals`` and ``in_`` is set. For a multi_choice question the condition
    holds when one of the selected options matches. An unanswered (or hidden) question never
    matches; a "don't know" answer matches only ``"na"``.
    """

    question: str
    equals: Any = None
    in_: tuple[Any, ...] | None = None

    def _accepts(self, value: Any) -> bool:
        if self.in_ is not None:
            return any(_same(value, v) for v in self.in_)
        return _same(value, self.equals)

    def holds(self, answers: Mapping[str, Any]) -> bool:
        """Whether the condition holds for ``answers`` (question id → answer value)."""
        value = answers.get(self.question)
        if value is None:
            return False
        if isinstance(value, (list, tuple)):
            return any(self._accepts(v) for v in value)
        return self._accepts(value)

    def to_dict(self) -> dict[str, Any]:
        if self.in_ is not None:
            return {"question": self.question, "in": list(self.in_)}
        return {"question": self.question, "equals": self.equals}


@dataclass(frozen=True)
class Norm:
    """The norm a number question measures: an answer at most ``max`` ``unit`` keeps it."""

    max: int | float
    unit: str

    def kept_by(self, value: float) -> bool:
        return value <= self.max

    def to_dict(self) -> dict[str, Any]:
        return {"max": self.max, "unit": self.unit}


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Text
    help: Text | None = None
    required: bool = False
    allow_na: bool = False
    dimension: str | None = None
    scale: Scale | None = None
    options: tuple[Option, ...] | None = None
    min: int | float | None = None
    max: int | float | None = None
    max_length: int | None = None
    show_if: Condition | None = None
    importance_of: str | None = None
    norm: Norm | None = None
    # The wording of the "na" answer when "don't know / not applicable" is not what is meant,
    # e.g. "Préfère ne pas répondre" for a personal question; None: the standard wording.
    na_label: Text | None = None

    @property
    def option_values(self) -> list[str]:
        return [o.value for o in self.options or ()]

    def option(self, value: str) -> Option:
        for option in self.options or ():
            if option.value == value:
                return option
        raise KeyError(value)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"id": self.id, "type": self.type, "text": self.text.to_dict()}
        if self.help is not None:
            d["help"] = self.help.to_dict()
        d["required"] = self.required
        d["allow_na"] = self.allow_na
        if self.na_label is not None:  # only when set, so existing versions keep their hash
            d["na_label"] = self.na_label.to_dict()
        if self.dimension is not None:
            d["dimension"] = self.dimension
        if self.scale is not None:
            d["scale"] = self.scale.to_dict()
        if self.options is not None:
            d["options"] = [o.to_dict() for o in self.options]
        if self.min is not None:
            d["min"] = self.min
        if self.max is not None:
            d["max"] = self.max
        if self.max_length is not None:
            d["max_length"] = self.max_length
        if self.show_if is not None:
            d["show_if"] = self.show_if.to_dict()
        if self.importance_of is not None:
            d["importance_of"] = self.importance_of
        if self.norm is not None:
            d["norm"] = self.norm.to_dict()
        return d


@dataclass(frozen=True)
class Unit:
    code: str
    name: Text

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name.to_dict()}


@dataclass(frozen=True)
class Commitment:
    code: str
    title: Text
    norm: Text
    unit: Unit
    target_indicator: str
    target_value: int | float

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "title": self.title.to_dict(),
            "norm": self.norm.to_dict(),
            "unit": self.unit.to_dict(),
            "target": {"indicator": self.target_indicator, "value": self.target_value},
        }


@dataclass(frozen=True)
class FollowUp:
    """``follow_up``: at the end of the questionnaire, offer to contact the citizen about their
    experience (an e-mail address or a phone number, with explicit consent)."""

    offer: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"offer": self.offer}


@dataclass(frozen=True)
class Questionnaire:
    """One validated questionnaire definition (one commitment).

    ``source`` is the file name it was read from and ``raw`` the plain data as parsed (both are
    ignored by ``==``). ``version`` is the content hash of the canonical definition.
    """

    id: str
    title: Text
    intro: Text | None
    published: bool
    channels: tuple[str, ...]
    commitment: Commitment
    questions: tuple[Question, ...]
    follow_up: FollowUp | None = None
    # Where the questions come from (``source`` in the file), e.g. a public-sector standard.
    reference: Text | None = None
    source: str = field(default="<string>", compare=False)
    raw: Any = field(default=None, compare=False, repr=False)

    @cached_property
    def _by_id(self) -> dict[str, Question]:
        return {q.id: q for q in self.questions}

    def question(self, question_id: str) -> Question:
        """The question with this id; ``KeyError`` when there is none."""
        return self._by_id[question_id]

    def __contains__(self, question_id: object) -> bool:
        return question_id in self._by_id

    @cached_property
    def version(self) -> str:
        """The first 12 hex digits of the SHA-256 of the canonical JSON, ``published`` left out
        (:func:`questionnaires.content_hash` says what it depends on)."""
        d = self.to_dict()
        d.pop("published", None)
        return hashlib.sha256(canonical_json(d).encode("utf-8")).hexdigest()[:12]

    def to_dict(self) -> dict[str, Any]:
        """The canonical definition: plain JSON-able data, defaults made explicit.

        It is itself a valid definition (it passes ``schema.json``) and
        ``from_dict(q.to_dict()) == q``.
        """
        d: dict[str, Any] = {"id": self.id, "published": self.published, "title": self.title.to_dict()}
        if self.intro is not None:
            d["intro"] = self.intro.to_dict()
        d["channels"] = list(self.channels)
        d["commitment"] = self.commitment.to_dict()
        d["questions"] = [q.to_dict() for q in self.questions]
        # Written only when set, so the versions of existing definitions do not change.
        if self.follow_up is not None:
            d["follow_up"] = self.follow_up.to_dict()
        if self.reference is not None:
            d["source"] = self.reference.to_dict()
        return d

    @property
    def offers_follow_up(self) -> bool:
        return self.follow_up is not None and self.follow_up.offer


def canonical_json(definition: Mapping[str, Any]) -> str:
    return json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

