"""Disclosure control that holds against differencing: which views of a questionnaire's
responses in a cycle may be published, decided once per (questionnaire, cycle).

A view is everyone, one filter (``channel``, ``site`` or ``language``) or two filters. The
protected views come from :func:`analysis.disclosure.protected_views` (complementary
suppression of groups on the one-way and two-way tables of the filter dimensions): a
filter value below ``MIN_CELL_SIZE`` is not offered, its responses join a group that is
never offered alone, and a further value is hidden when the hidden ones would together
hold fewer than the threshold. The pattern is computed for the responses, then for each
question's answers within the responses' pattern, so a question's n cannot be differenced
either. Views of three filters are never published. Every page, the API, the report and the
exports ask this module; none decides alone.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from analysis import disclosure
from analysis.disclosure import protected_views
from flask import current_app

from .. import stored
from .cache import cached
from .choices import get_cycle
from .model import Filters
from .tally import counted_tallies

#: The filter dimensions, in the order of a view's key (a later domain joins here).
DIMENSIONS = ("channel", "site", "language")
#: The reason a protected view or question gives instead of its figures.
REASON = "protected: a group below the minimum cell size, or derivable from other views"


def view_of(filters: Filters | None) -> tuple:
    """The key of the view a request's filters select (``()`` for everyone)."""
    chosen = (filters.as_dict() if filters is not None else {})
    return tuple((d, chosen[d]) for d in DIMENSIONS if d in chosen)


@dataclass(frozen=True)
class Protection:
    """The publishable views of one questionnaire in one cycle."""

    min_n: int
    views: frozenset  # views whose responses may be counted and shown
    questions: Mapping[str, frozenset] = field(default_factory=dict)  # question id -> views
    hidden: int = 0  # views holding someone that are not published
    possible: int = 0  # views holding someone (everyone, one filter, two filters)

    def published(self, filters: Filters | None, question_id: str | None = None) -> bool:
        """Whether the view (and, given, the question in it) may show figures."""
        view = view_of(filters)
        if view not in self.views:
            return False
        return question_id is None or view in self.questions.get(question_id, frozenset())

    def offered(self, dimension: str) -> list[str]:
        """The values of a dimension offered as a filter (one-filter views)."""
        return sorted(v[0][1] for v in self.views if len(v) == 1 and v[0][0] == dimension)


def compute_protection(responses: Mapping[tuple, int], answers: Mapping[str, Mapping[tuple, int]],
                       min_n: int) -> Protection:
    """The protection from cell counts: ``(channel, site, language) -> responses`` and,
    per question, the same keys to answers other than "not applicable"."""
    views = protected_views(responses, DIMENSIONS, min_n)
    everything: set[tuple] = {()} | {((d, k[i]),) for k in responses for i, d in enumerate(DIMENSIONS) if k[i] is not None}
    everything |= {((d1, k[i]), (d2, k[j])) for k in responses for i, d1 in enumerate(DIMENSIONS)
                   for j, d2 in enumerate(DIMENSIONS) if i < j and k[i] is not None and k[j] is not None}
    hidden = frozenset(everything - views)
    questions = {qid: protected_views(cells, DIMENSIONS, min_n, hidden=hidden) & views
                 for qid, cells in answers.items()}
    return Protection(min_n, views, questions, len(hidden), len(everything))


def _encode(guard: Protection) -> str:
    return json.dumps({"min_n": guard.min_n, "views": sorted(guard.views), "hidden": guard.hidden,
                       "possible": guard.possible,
                       "questions": {q: sorted(v) for q, v in guard.questions.items()}})


def _views(rows) -> frozenset:
    return frozenset(tuple(tuple(pair) for pair in view) for view in rows)


def _decode(text: str) -> Protection:
    data = json.loads(text)
    return Protection(data["min_n"], _views(data["views"]), {q: _views(v) for q, v in data["questions"].items()},
                      data["hidden"], data["possible"])


def protection(questionnaire_id: str, cycle_id: int) -> Protection:
    """The protection of a questionnaire's responses in a cycle (cached on the data)."""
    min_n = int(current_app.config["MIN_CELL_SIZE"])

    def compute() -> Protection:
        # the cycle's tally holds exactly these cells, less the excluded responses (see .tally)
        responses, answered = counted_tallies([cycle_id])[0].by_questionnaire.get(questionnaire_id, ([], []))
        cells: dict[tuple, int] = {}
        for _qid, _version, channel, site, language, n in responses:
            cell = (channel, site or None, language)
            cells[cell] = cells.get(cell, 0) + n
        answers: dict[str, dict[tuple, int]] = {}
        for _qid, question, channel, site, language, _value, is_na, n in answered:
            if not is_na:
                cell = (channel, site or None, language)
                per_question = answers.setdefault(question, {})
                per_question[cell] = per_question.get(cell, 0) + n
        # decided once for every server: the pattern is a pure function of the cells
        inputs = (sorted(cells.items(), key=repr), sorted(((q, sorted(c.items(), key=repr))
                                                            for q, c in answers.items()), key=repr), min_n)
        return stored.remembered("protection", inputs, lambda: compute_protection(cells, answers, min_n),
                                 code=stored.source_digest(__file__, disclosure.__file__),
                                 encode=_encode, decode=_decode)

    return cached("protection", (questionnaire_id, cycle_id), compute)


def offered_values(cycle: str, dimension: str, questionnaire_id: str | None = None) -> list[str]:
    """Values of a dimension offered as a filter in a cycle: for that questionnaire, or for
    at least one questionnaire with responses (the overview)."""
    found = get_cycle(cycle)
    if found is None:
        return []
    if questionnaire_id is not None:
        ids = [questionnaire_id]
    else:
        ids = sorted({row[0] for row in counted_tallies([found.id])[0].responses})
    values: set[str] = set()
    for qid in ids:
        values.update(protection(qid, found.id).offered(dimension))
    return sorted(values)


def protections(questionnaire_ids: Iterable[str], cycle_ids: Mapping[int, str]) -> dict[tuple[str, str], Protection]:
    """``(questionnaire, cycle code) -> Protection`` for every pair asked."""
    return {(qid, code): protection(qid, cid) for qid in questionnaire_ids for cid, code in cycle_ids.items()}


def published_rows(freq, guard: Mapping[tuple[str, str], Protection], filters: Filters | None):
    """The rows of a frequency table (``questionnaire, question, cycle`` codes) that the
    protection lets through: a question not published in the view has no answers."""
    if freq.empty:
        return freq
    keep = [guard[(qid, code)].published(filters, question) if (qid, code) in guard else False
            for qid, question, code in zip(freq["questionnaire"], freq["question"], freq["cycle"])]
    return freq[keep]
