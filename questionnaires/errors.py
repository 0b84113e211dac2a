"""Errors raised by the definition parser and by answer validation."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Issue:
    """One problem in one definition file.

    ``str(issue)`` is ``"<file>: <path>: <message>"``, for example
    ``permis.yaml: questions[3].scale.max: must be greater than min``. ``path`` is empty for
    problems that concern the whole file (unreadable file, YAML syntax error); ``line`` is the
    1-based line in the YAML file when it is known (it is not part of ``str()``).
    Indices in paths are 0-based, like JSON Schema instance paths.
    """

    file: str
    path: str
    message: str
    line: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        if self.path:
            return f"{self.file}: {self.path}: {self.message}"
        return f"{self.file}: {self.message}"


class DefinitionError(Exception):
    """One or more definition files are invalid; ``errors`` lists every problem found."""

    def __init__(self, errors: list[Issue]):
        self.errors = list(errors)
        super().__init__("\n".join(str(issue) for issue in self.errors))


def N_(template: str) -> str:
    """Marks a message template for translation (Babel's default keyword); returns it unchanged.

    The library stays free of gettext: an application translates a :class:`Message` from its
    ``template`` and ``params``.
    """
    return template


class Message(str):
    """A short English message that also carries its template and parameters, so that an
    application can render it in another language: ``gettext(m.template) % m.params``."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        message = super().__new__(cls, template % params if params else template)
        message.template = template
        message.params = params
        return message


class AnswerError(Exception):
    """A set of answers breaks the submission rules.

    ``errors`` maps a field path to a short English :class:`Message`: the question id for a known
    question (``"overall": "an answer is required"``), ``"answers.<key>"`` for an answer to an
    unknown question, ``"answers"`` when the answers as a whole are unusable. ``codes`` maps the
    same paths to why, as a code of ``questionnaires.answers.ERROR_CODES`` (``"required"``,
    ``"range"``, ...).
    """

    def __init__(self, errors: dict[str, str], codes: dict[str, str] | None = None):
        self.errors = dict(errors)
        self.codes = dict(codes or {})
        super().__init__("; ".join(f"{path}: {message}" for path, message in self.errors.items()))
