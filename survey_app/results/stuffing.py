"""Ballot stuffing: bursts of near-identical anonymous responses, found in the stored data.

What is stored limits what can be seen. An anonymous response keeps no IP address and no
time of day, only its submission day and its row id, which grows in arrival order
(design.md). So the window of a burst is *one day*, and inside the day *arrival order*: a
burst is a run of responses of one questionnaire, cycle, channel (online or kiosk: paper and
phone are keyed by staff) and site, on one day, that share their answers to the rated
(rating and yes/no) questions -- identically, or all but one when there are at least
:data:`NEAR_MIN_QUESTIONS` of them -- and that are bunched in arrival order far beyond what
chance would produce.

Chance is the questionnaire's own answer pattern in the cycle: the share ``r`` of the cycle's
other responses (other days, sites, channels) that fall within one answer of the pattern,
shrunk towards the share independent answers would give (the cycle's answer distribution of
each question) by :data:`PRIOR_RESPONSES` pseudo-responses, so a cycle with little data
elsewhere still has a sensible rate. A stretch of ``s`` consecutive responses of the day
holding ``k`` of the pattern is a burst when ``k >= STUFFING_MIN_BURST`` and the Poisson
probability of ``k`` or more among ``s`` at rate ``r`` is below ``STUFFING_SIGNIFICANCE``;
the most improbable stretch is the burst. Genuine agreement (many "all 5" responses every
day) has a high ``r`` and is not flagged; the same answers spread over days never bunch.

Detection only flags: what is done with a burst is an evaluator's decision
(:mod:`survey_app.services.stuffing`), applied by :mod:`survey_app.results.exclusion`.
:func:`find_bursts` is the pure rule; :func:`cycle_bursts` reads a questionnaire's cycle and
caches the result until that questionnaire's cycle changes.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from flask import current_app
from scipy import stats
from sqlalchemy import func, select

from ..extensions import db
from ..models import Answer, BurstReview, Response
from .cache import burst_cache
from .definitions import load_catalogue, measured_questions, question_scale
from .tally import cycle_tallies

#: Channels whose responses nobody vouches for: a citizen alone, or at a kiosk.
ANONYMOUS_CHANNELS = ("online", "kiosk")
#: With fewer rated questions, one differing answer is most of the pattern: identical only.
NEAR_MIN_QUESTIONS = 4
#: Weight (in responses) of the independent-answers rate in the chance model.
PRIOR_RESPONSES = 20
#: Candidate patterns examined per day and place (the most frequent ones).
MAX_CENTRES = 50

Pattern = tuple  # one value per rated question: a number, "na", or None (not answered)


@dataclass(frozen=True)
class Arrival:
    """One response as detection sees it: no answer but the rated ones, no person."""

    response_id: int
    channel: str
    site: str | None
    day: dt.date
    pattern: Pattern


@dataclass(frozen=True)
class Burst:
    """A suspected burst: where and when, how many, the answers they share, how unlikely."""

    questionnaire_id: str
    cycle_id: int
    channel: str
    site: str | None
    day: dt.date
    pattern: tuple[tuple[str, Any], ...]  # (question id, value) of the shared answers
    response_ids: tuple[int, ...]
    span: int  # consecutive responses of that day and place the burst lies in
    expected: float  # how many of them chance would give the pattern
    p_value: float

    @property
    def size(self) -> int:
        return len(self.response_ids)

    @property
    def key(self) -> str:
        return burst_key(self.questionnaire_id, self.cycle_id, self.channel, self.site, self.day,
                         dict(self.pattern))


def burst_key(questionnaire_id: str, cycle_id: int, channel: str, site: str | None, day: dt.date,
              pattern: dict[str, Any]) -> str:
    """The name a decision is filed under, the same each time detection finds the burst."""
    text = json.dumps([questionnaire_id, cycle_id, channel, site, day.isoformat(),
                       sorted(pattern.items())], default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _encode(arrivals: Sequence[Arrival], width: int) -> np.ndarray:
    """The patterns as a matrix of small integers (one column per question, one code per
    distinct answer), so distances are computed for every response at once."""
    codes = np.empty((len(arrivals), width), dtype=np.int32)
    for j in range(width):
        index: dict[Any, int] = {}
        codes[:, j] = [index.setdefault(a.pattern[j], len(index)) for a in arrivals]
    return codes


def _within(matrix: np.ndarray, centre: np.ndarray, limit: int) -> np.ndarray:
    return (matrix != centre).sum(axis=1) <= limit


def _independent_rate(shares: np.ndarray, near: bool) -> float:
    """The share of responses within reach of a pattern if answers were independent, given
    the share of each of its answers."""
    exact = float(np.prod(shares))
    reach = exact * (1 + float(((1 - shares) / shares).sum())) if near else exact
    return min(reach, 1.0)


def _best_stretch(positions: np.ndarray, rate: float, least: int) -> tuple[int, int, float, float]:
    """The run of at least ``least`` of ``positions`` (indices in arrival order) least likely
    by chance: (first, last) indices into ``positions``, its expected count, its p-value."""
    pos = np.asarray(positions)
    best = (0, len(pos) - 1, 0.0, 1.0)
    for i in range(len(pos) - least + 1):
        spans = pos[i + least - 1:] - pos[i] + 1
        found = np.arange(least, least + len(spans))
        expected = spans * rate
        p = stats.poisson.sf(found - 1, expected)
        j = int(np.argmin(p))
        if p[j] < best[3]:
            best = (i, i + least - 1 + j, float(expected[j]), float(p[j]))
    return best


def find_bursts(arrivals: Sequence[Arrival], question_ids: Sequence[str], *, min_burst: int,
                significance: float, choices: Sequence[int] | None = None,
                ) -> list[tuple[list[Arrival], Pattern, int, float, float]]:
    """The bursts among one questionnaire's responses in one cycle (the pure rule).

    ``arrivals`` holds every response of the cycle (every channel, in id order); only those
    of :data:`ANONYMOUS_CHANNELS` can form a burst. ``choices`` is the number of possible
    answers of each question (scale points, plus "na" and "not answered"); by default what
    the data show. Returns, per burst, its members, the shared pattern, its span, the
    expected count and the p-value (see the module's note)."""
    width = len(question_ids)
    near = width >= NEAR_MIN_QUESTIONS
    limit = 1 if near else 0
    if not arrivals or width == 0:
        return []
    matrix = _encode(arrivals, width)
    levels = int(matrix.max()) + 1
    # answers per question and code, in the whole cycle
    overall = np.stack([np.bincount(matrix[:, j], minlength=levels) for j in range(width)])
    if choices is None:
        choices = [int((row > 0).sum()) + 1 for row in overall]
    possible = np.asarray(choices, dtype=float)
    total = len(arrivals)
    groups: dict[tuple, list[int]] = {}
    for n, arrival in enumerate(arrivals):
        if arrival.channel in ANONYMOUS_CHANNELS:
            groups.setdefault((arrival.channel, arrival.site, arrival.day), []).append(n)
    found = []
    columns = np.arange(width)
    for rows in groups.values():
        if len(rows) < min_burst:
            continue
        group = matrix[rows]
        # the answer distribution of the rest of the cycle: a burst does not vouch for itself
        outside = overall - np.stack([np.bincount(group[:, j], minlength=levels) for j in range(width)])
        others = total - len(rows)
        remaining = np.ones(len(rows), dtype=bool)
        while remaining.sum() >= min_burst:
            unique, counts = np.unique(group[remaining], axis=0, return_counts=True)
            top = np.argsort(-counts, kind="stable")[:MAX_CENTRES]
            centres = unique[top]
            reach = (((centres[:, None, :] != unique[None, :, :]).sum(axis=2) <= limit) * counts).sum(axis=1)
            best = int(np.lexsort((-counts[top], -reach))[0])
            if reach[best] < min_burst:
                break
            centre = centres[best]
            close = np.flatnonzero(remaining & _within(group, centre, limit))
            # chance: the rest of the cycle, shrunk towards independent answers
            elsewhere = int(_within(matrix, centre, limit).sum()) - int(_within(group, centre, limit).sum())
            shares = (outside[columns, centre] + 1) / (others + possible)
            prior = _independent_rate(shares, near)
            rate = (elsewhere + PRIOR_RESPONSES * prior) / (others + PRIOR_RESPONSES)
            first, last, expected, p_value = _best_stretch(close, rate, min_burst)
            members = close[first:last + 1]
            if len(members) >= min_burst and p_value < significance:
                burst = [arrivals[rows[k]] for k in members]
                span = int(members[-1] - members[0] + 1)
                # the shared pattern as answers: the centre's codes are those of a member
                model = next(arrivals[rows[k]] for k in close if (group[k] == centre).all())
                found.append((burst, model.pattern, span, expected, p_value))
            # either way, this pattern's responses have been judged
            remaining[close] = False
    return found


def _value(numeric: float | None, is_na: bool) -> Any:
    if is_na:
        return "na"
    return None if numeric is None else (int(numeric) if float(numeric).is_integer() else numeric)


def _choices(question: Any) -> int:
    """How many answers a question can get: its scale's points (2 for yes/no), "na" where
    allowed, and no answer where not required."""
    low, high = question_scale(question)
    return high - low + 1 + int(question.allow_na) + int(not question.required)


def _detect(questionnaire_id: str, cycle_id: int) -> tuple[Burst, ...]:
    catalogue = load_catalogue([questionnaire_id]).get(questionnaire_id)
    if catalogue is None:
        return ()
    rated: dict[str, Any] = {}
    for definition in [catalogue.current, *catalogue.versions.values()]:
        rated.update({q.id: q for q in measured_questions(definition) if q.id not in rated})
    ids = list(rated)
    if not ids:
        return ()
    # Core rows, not ORM ones: a cycle's answers are many, and ORM loading triples the cost
    connection = db.session.connection()
    rows = connection.execute(
        select(Response.id, Response.channel, Response.site, Response.submitted_on, Response.partial)
        .where(Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle_id)
        .order_by(Response.id)).all()
    answers: dict[int, dict[str, Any]] = {}
    for response_id, question_id, numeric, is_na in connection.execute(
            select(Answer.response_id, Answer.question_id, Answer.numeric_value, Answer.is_na)
            .where(Answer.questionnaire_id == questionnaire_id, Answer.cycle_id == cycle_id,
                   Answer.question_id.in_(ids))):
        answers.setdefault(response_id, {})[question_id] = _value(numeric, is_na)
    arrivals = []
    for response_id, channel, site, day, partial in rows:
        given = answers.get(response_id, {})
        # a partial kiosk response or one rated answer says too little to call a pattern
        if partial or len(given) < 2:
            continue
        arrivals.append(Arrival(response_id, channel, site, day, tuple(given.get(q) for q in ids)))
    config = current_app.config
    out = []
    for members, centre, span, expected, p_value in find_bursts(
            arrivals, ids, min_burst=config["STUFFING_MIN_BURST"], significance=config["STUFFING_SIGNIFICANCE"],
            choices=[_choices(rated[q]) for q in ids]):
        first = members[0]
        out.append(Burst(questionnaire_id, cycle_id, first.channel, first.site, first.day,
                         tuple((q, v) for q, v in zip(ids, centre) if v is not None),
                         tuple(a.response_id for a in members), span, expected, p_value))
    return tuple(out)


def _responses_of(questionnaire_id: str, cycle_id: int) -> tuple[int, int]:
    """(largest id, number) of a questionnaire's responses in a cycle: the largest id one index
    look-up, the number read from the cycle's stored tally (no count over the responses)."""
    largest = db.session.execute(select(func.max(Response.id)).where(
        Response.questionnaire_id == questionnaire_id, Response.cycle_id == cycle_id)).scalar()
    rows = cycle_tallies([cycle_id])[0].by_questionnaire.get(questionnaire_id, ([], []))[0]
    return int(largest or 0), sum(row[-1] for row in rows)


def cycle_bursts(questionnaire_id: str, cycle_id: int) -> tuple[Burst, ...]:
    """The suspected bursts of one questionnaire in one cycle, cached while that
    questionnaire's cycle is unchanged (a response to another one does not recount it)."""
    config = current_app.config
    key = (db.engine.url.render_as_string(hide_password=True), questionnaire_id, cycle_id,
           _responses_of(questionnaire_id, cycle_id), config["STUFFING_MIN_BURST"], config["STUFFING_SIGNIFICANCE"])
    bursts = burst_cache.get(key)
    if bursts is None:
        bursts = _detect(questionnaire_id, cycle_id)
        burst_cache.put(key, bursts)
    return bursts


@dataclass(frozen=True)
class ReviewedBurst:
    """A burst as evaluators see it: found by detection now (``detected``) or decided
    before, with the decision on it. ``undecided`` responses are flagged and still counted:
    no decision covers them (a new burst, or responses that joined it after the decision)."""

    key: str
    questionnaire_id: str
    cycle_id: int
    channel: str
    site: str | None
    day: dt.date
    pattern: tuple[tuple[str, Any], ...]
    size: int
    span: int | None
    p_value: float | None
    detected: bool
    decision: str | None = None
    reason: str | None = None
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    undecided: int = 0


def reviewed_bursts(questionnaire_id: str, cycle_id: int) -> tuple[ReviewedBurst, ...]:
    """The questionnaire's bursts in the cycle, detected or decided, first arrival first."""
    reviews = {r.key: r for r in db.session.execute(
        select(BurstReview).where(BurstReview.questionnaire_id == questionnaire_id,
                                  BurstReview.cycle_id == cycle_id)).scalars()}
    # a response some decision covers is decided, even if detection now draws its burst
    # a little differently (another centre, a longer run)
    covered = {m.response_id for r in reviews.values() for m in r.members}
    out = []
    for burst in cycle_bursts(questionnaire_id, cycle_id):
        review = reviews.pop(burst.key, None)
        out.append(ReviewedBurst(
            burst.key, questionnaire_id, cycle_id, burst.channel, burst.site, burst.day, burst.pattern,
            burst.size, burst.span, burst.p_value, True,
            review.decision if review else None, review.reason if review else None,
            review.decided_by if review else None, review.decided_at if review else None,
            sum(1 for r in burst.response_ids if r not in covered)))
    # a decision stands even when detection no longer finds its burst (more data changed chance)
    for review in reviews.values():
        out.append(ReviewedBurst(
            review.key, questionnaire_id, cycle_id, review.channel, review.site, review.submitted_on,
            tuple(review.pattern.items()), len(review.members), None, None, False,
            review.decision, review.reason, review.decided_by, review.decided_at, 0))
    return tuple(sorted(out, key=lambda b: (b.day, b.channel, b.site or "", b.key)))


def suspect_count(questionnaire_id: str, cycle_id: int, *, inline: bool = True) -> int | None:
    """Responses flagged as a burst that no decision covers: counted, with a warning.

    ``inline``: for a results page, which checks a cycle of at most ``STUFFING_INLINE_LIMIT``
    responses while it loads; a larger one gives None (not checked here: the page says so,
    and the page of suspected bursts checks it)."""
    if inline and _responses_of(questionnaire_id, cycle_id)[1] > current_app.config["STUFFING_INLINE_LIMIT"]:
        return None
    return sum(b.undecided for b in reviewed_bursts(questionnaire_id, cycle_id))
