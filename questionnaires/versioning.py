"""Comparing two versions of a questionnaire: which questions are no longer comparable."""

from __future__ import annotations

from dataclasses import dataclass

from .model import Question, Questionnaire

CHANGE_KINDS = ("type", "wording", "scale", "options", "added", "removed")


@dataclass(frozen=True)
class Change:
    """One difference between two versions that affects comparability of a question.

    ``kind`` is one of ``type`` (the question type changed; nothing else is reported for it),
    ``wording`` (the question text changed, in French or English), ``scale`` (bounds or anchor
    labels of a rating scale), ``options`` (option values added or removed, or labels reworded),
    ``added`` and ``removed``. ``detail`` is a short English description.
    """

    question_id: str
    kind: str
    detail: str


def _langs(old, new) -> list[str]:
    return [lang for lang in ("fr", "en") if getattr(old, lang) != getattr(new, lang)]


def _question_changes(old: Question, new: Question) -> list[Change]:
    qid = new.id
    if old.type != new.type:
        return [Change(qid, "type", f"type {old.type} → {new.type}")]
    changes: list[Change] = []
    langs = _langs(old.text, new.text)
    if langs:
        changes.append(Change(qid, "wording", f"text changed ({', '.join(langs)})"))
    if old.scale != new.scale and old.scale is not None and new.scale is not None:
        if (old.scale.min, old.scale.max) != (new.scale.min, new.scale.max):
            detail = f"scale {old.scale.min}–{old.scale.max} → {new.scale.min}–{new.scale.max}"
        else:
            points = sorted(
                p for p in set(old.scale.labels) | set(new.scale.labels)
                if old.scale.labels.get(p) != new.scale.labels.get(p)
            )
            detail = "labels changed for " + ", ".join(str(p) for p in points)
        changes.append(Change(qid, "scale", detail))
    if old.options != new.options:
        old_values, new_values = old.option_values, new.option_values
        added = [v for v in new_values if v not in old_values]
        removed = [v for v in old_values if v not in new_values]
        parts = []
        if added:
            parts.append("added " + ", ".join(added))
        if removed:
            parts.append("removed " + ", ".join(removed))
        relabelled = [
            o.value for o in new.options or ()
            if o.value in old_values and old.option(o.value).label != o.label
        ]
        if relabelled:
            parts.append("reworded " + ", ".join(relabelled))
        if parts:  # a mere reordering keeps answers comparable
            changes.append(Change(qid, "options", "; ".join(parts)))
    return changes


def compare_versions(old: Questionnaire, new: Questionnaire) -> list[Change]:
    """What makes answers to ``new`` not comparable with answers to ``old``, question by question.

    Questions are matched by id. Changes come in the order of ``new``'s questions, then the
    removed questions in ``old``'s order. Help texts, ``required``, ``allow_na``, ``show_if`` and
    the order of questions or options are not reported.
    """
    changes: list[Change] = []
    for question in new.questions:
        if question.id not in old:
            changes.append(Change(question.id, "added", "new question"))
        else:
            changes.extend(_question_changes(old.question(question.id), question))
    for question in old.questions:
        if question.id not in new:
            changes.append(Change(question.id, "removed", "question removed"))
    return changes
