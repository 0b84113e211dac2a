"""The template library the console starts a new questionnaire from: the definitions shipped in
``questionnaires/templates`` (public-sector measurement standards, their sources named in each
file), listed with their title and source, and handed to the editor as their file's text (its
comments, which name the sources, included)."""
from __future__ import annotations

from dataclasses import dataclass

import questionnaires as qn


@dataclass(frozen=True)
class Template:
    name: str  # the file's stem, e.g. "mesures-communes-omc"
    title: qn.Text
    source: qn.Text | None
    dimensions: tuple[str, ...]


def list_templates() -> list[Template]:
    """Every shipped template, in file order."""
    return [
        Template(
            name=definition.source.rsplit(".", 1)[0],
            title=definition.title,
            source=definition.reference,
            dimensions=tuple(q.dimension for q in definition.questions if q.dimension),
        )
        for definition in qn.load_templates()
    ]


def template_text(name: str) -> str | None:
    """The YAML text of a template, or None for a name that is not one (never a path)."""
    if name not in {t.name for t in list_templates()}:
        return None
    return (qn.TEMPLATES_DIR / f"{name}.yaml").read_text(encoding="utf-8")
