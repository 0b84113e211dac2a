"""The objects the results engine hands out: figures of a question in a cycle, changes,
targets, one commitment's results, the overview, the drill-down, and the filters and errors
of a results request.

They are frozen dataclasses holding plain data (no ORM objects), safe to cache, to render in
any language and to serialise; every other module of :mod:`survey_app.results` builds them,
and pages, the API, exports and reports read them.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import questionnaires as qn

from ..models import CHANNELS

WEIGHTINGS = ("none", "raked")
LANGUAGES = ("fr", "en")
CONFIDENCE_LEVEL = 0.95
#: Boxes at the top of a rating scale counted as satisfied (4 and 5 on 1-5): the one
#: parameter of "% satisfied", for the unweighted and the weighted figures alike.
TOP_BOXES = 2


class ResultsError(ValueError):
    """Bad request for results (unknown cycle, invalid filter, ...). ``field`` names the
    query parameter at fault, for the API's ``errors`` mapping."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Filters:
    """Which responses count: one channel, one site, one language (None: all)."""

    channel: str | None = None
    site: str | None = None
    language: str | None = None

    @property
    def active(self) -> bool:
        return any((self.channel, self.site, self.language))

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("channel", self.channel), ("site", self.site),
                                  ("language", self.language)) if v}

    @classmethod
    def from_mapping(cls, args: Mapping[str, Any]) -> Filters:
        """Validated filters from query-string arguments (empty values mean "all")."""
        channel = (args.get("channel") or "").strip() or None
        site = (args.get("site") or "").strip() or None
        language = (args.get("language") or "").strip() or None
        if channel is not None and channel not in CHANNELS:
            raise ResultsError("channel", f"must be one of {', '.join(CHANNELS)}")
        if language is not None and language not in LANGUAGES:
            raise ResultsError("language", f"must be one of {', '.join(LANGUAGES)}")
        if site is not None and len(site) > 120:
            raise ResultsError("site", "too long")
        return cls(channel, site, language)


Interval = tuple[float, float]


@dataclass(frozen=True)
class Figures:
    """One question in one cycle.

    For a rating question ``index`` is the satisfaction index and ``pct`` the percent
    satisfied (the top TOP_BOXES boxes); for a yes/no question ``index`` is None and ``pct`` the
    percent answering yes. When ``suppressed`` every figure is None (``n`` too) and
    ``reason`` says why.
    """

    n: int | None
    n_na: int | None
    index: float | None = None
    index_ci: Interval | None = None
    pct: float | None = None
    pct_ci: Interval | None = None
    mean: float | None = None
    quality: str | None = None  # Statistics Canada CV letter of the index (pct for yes/no)
    suppressed: bool = False
    reason: str | None = None
    # design-based standard errors (0-100 scale), given by the weighted figures
    index_se: float | None = None
    pct_se: float | None = None
    # the interval of ``pct`` when not the method's own: "clopper-pearson" at 0 % or 100 %
    pct_interval: str | None = None


@dataclass(frozen=True)
class Change:
    """Cycle minus baseline for one question (only when neither cycle is suppressed)."""

    index_diff: float | None
    index_diff_ci: Interval | None
    pct_diff: float | None
    pct_diff_ci: Interval | None
    p_value: float | None
    p_adjusted: float | None
    verdict: str  # analysis.VERDICTS
    comparable: bool = True
    warning: str = ""


@dataclass(frozen=True)
class QuestionResult:
    id: str
    type: str  # "rating" or "yes_no"
    text: qn.Text
    dimension: str | None
    importance_of: str | None
    scale: tuple[int, int]
    cycle: Figures
    baseline: Figures | None = None
    change: Change | None = None


@dataclass(frozen=True)
class Target:
    """Attainment of a commitment's target in the cycle.

    ``status`` is ``met`` when the interval of the measure lies entirely at or above the
    target, ``not met`` when entirely below, ``inconclusive`` otherwise (the rule of
    :func:`analysis.compare_cycles`), ``None`` when the measure is suppressed or missing.
    """

    indicator: str  # pct_satisfied | index | pct_met
    value: float
    question_id: str | None
    estimate: float | None
    ci: Interval | None
    status: str | None
    gap: float | None
    baseline_estimate: float | None = None


@dataclass(frozen=True)
class CommitmentInfo:
    code: str
    title: qn.Text
    norm: qn.Text | None
    unit_code: str
    unit_name: qn.Text
    target_indicator: str | None
    target_value: float | None


@dataclass(frozen=True)
class CommitmentResult:
    """Results of one questionnaire (one commitment) for a cycle, against a baseline."""

    questionnaire_id: str
    title: qn.Text
    commitment: CommitmentInfo
    cycle: str
    baseline: str | None
    filters: Filters
    weighting: str
    responses: int | None  # responses in the cycle (after filters); None: view withheld
    responses_baseline: int | None
    questions: tuple[QuestionResult, ...]
    headline: QuestionResult | None  # the overall rating question
    target: Target | None
    # Comparability of the definitions behind the figures: (question id or None, kind,
    # detail); kind is one of questionnaires.CHANGE_KINDS or "versions" (a cycle's answers
    # come from several versions of the questionnaire).
    warnings: tuple[tuple[str | None, str, str], ...] = ()
    min_cell_size: int = 10
    confidence_level: float = CONFIDENCE_LEVEL
    # With weighting="raked": one WeightingInfo per cycle.
    weighting_info: tuple[WeightingInfo, ...] = ()

    # Number questions that declare a norm (:class:`.norms.NormResult`), the operational
    # indicator of the norm (:class:`.operational.Operational` or None) and the improvement
    # actions between the baseline and the cycle (:class:`survey_app.services.actions.ActionInfo`).
    norms: tuple[Any, ...] = ()
    operational: Any = None
    actions: tuple[Any, ...] = ()
    # Suspected ballot stuffing in the cycle (:mod:`.stuffing`): responses an evaluator
    # excluded (not counted anywhere), and responses flagged that no decision covers yet
    # (counted, with a warning); None: too many responses to check while the page loads.
    excluded: int = 0
    suspect: int | None = 0

    @property
    def satisfaction_questions(self) -> tuple[QuestionResult, ...]:
        """Rating and yes/no questions, without the importance ratings (those are not
        satisfaction: they appear only in the importance-performance view)."""
        return tuple(q for q in self.questions if q.importance_of is None)

    @property
    def rating_questions(self) -> tuple[QuestionResult, ...]:
        """The satisfaction ratings (importance ratings excluded)."""
        return tuple(q for q in self.satisfaction_questions if q.type == "rating")

    @property
    def importance_questions(self) -> tuple[QuestionResult, ...]:
        return tuple(q for q in self.questions if q.importance_of is not None)

    @property
    def met_question(self) -> QuestionResult | None:
        """The yes/no "norm met?" question (dimension ``met``), if any."""
        return next((q for q in self.questions if q.type == "yes_no" and q.dimension == "met"), None)

    def citizens_norm(self) -> tuple[str, Figures | Any] | None:
        """The norm kept as citizens report it: ``("met", Figures)`` from the yes/no "norm
        met?" question when the questionnaire has one, else ``("number", NormFigures)`` from
        the first number question with a norm; None when neither exists."""
        met = self.met_question
        if met is not None:
            return "met", met.cycle
        if self.norms:
            return "number", self.norms[0].cycle
        return None

    def question(self, question_id: str) -> QuestionResult:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)


@dataclass(frozen=True)
class UnitResults:
    code: str
    name: qn.Text
    commitments: tuple[CommitmentResult, ...]


@dataclass(frozen=True)
class Methods:
    """What a reader needs to judge the figures (the methods note)."""

    confidence_level: float
    min_cell_size: int
    weighting: str
    index_interval: str
    pct_interval: str
    index_change: str
    pct_change: str
    adjustment: str
    responses: dict[str, int]  # cycle code -> responses (after filters)
    by_channel: dict[str, dict[str, int]]  # cycle code -> channel -> responses
    warnings: tuple[tuple[str, str | None, str, str], ...]  # (questionnaire id, *CommitmentResult.warnings)
    margins: dict[str, dict[str, float]] | None = None  # the cycle's population margins, when weighted
    # disclosure control's cost in the cycle: (views withheld, views holding someone)
    views_withheld: tuple[int, int] = (0, 0)
    # cycle code -> responses excluded as suspected ballot stuffing by an evaluator's
    # decision, responses flagged as such but not yet decided (still counted), and the
    # questionnaires too large to check while the page loads
    excluded: dict[str, int] = field(default_factory=dict)
    suspect: dict[str, int] = field(default_factory=dict)
    unchecked: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Overview:
    cycle: str
    cycle_name: qn.Text  # the names the admin gave, French and English
    baseline: str | None
    baseline_name: qn.Text | None
    filters: Filters
    weighting: str
    units: tuple[UnitResults, ...]
    methods: Methods

    @property
    def commitments(self) -> tuple[CommitmentResult, ...]:
        return tuple(c for u in self.units for c in u.commitments)


@dataclass(frozen=True)
class Distribution:
    """Answer counts of one question in one cycle; ``counts`` is None when suppressed.

    ``categories`` are ``(value, label)`` pairs in scale or option order; the
    not-applicable count is ``n_na``. For a multi-choice question the counts are the
    number of respondents choosing each option and ``n`` the number of respondents.
    """

    question_id: str
    type: str
    text: qn.Text
    categories: tuple[tuple[Any, qn.Text | None], ...]
    counts: tuple[int, ...] | None
    n: int | None
    n_na: int | None
    suppressed: bool = False


@dataclass(frozen=True)
class TrendPoint:
    cycle: str
    cycle_name: qn.Text
    figures: Figures


@dataclass(frozen=True)
class Comments:
    question_id: str
    text: qn.Text
    total: int | None  # None when suppressed
    items: tuple[tuple[str, str], ...]  # (language, text), at most COMMENT_LIMIT
    suppressed: bool = False


@dataclass(frozen=True)
class Detail:
    result: CommitmentResult
    distributions: tuple[Distribution, ...]
    baseline_distributions: tuple[Distribution, ...]
    trend: dict[str, tuple[TrendPoint, ...]]  # rating question id -> points, oldest first
    comments: tuple[Comments, ...]
    importance: pd.DataFrame | None  # analysis.importance_performance, or None
    drivers: Any | None  # analysis.DriverResult, or None
    drivers_note: str | None = None
    # Every improvement action of the commitment, whatever its cycle (drawn on the trend).
    all_actions: tuple[Any, ...] = ()


def finite(x: Any) -> float | None:
    """A finite float or None (NaN and infinities are not figures)."""
    if x is None:
        return None
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def interval(low: Any, high: Any) -> Interval | None:
    """``(low, high)`` when both are finite, else None."""
    lo, hi = finite(low), finite(high)
    return None if lo is None or hi is None else (lo, hi)


def suppressed_figures(min_n: int) -> Figures:
    """The figures of a question below the minimum cell size: no n, no figure."""
    return Figures(n=None, n_na=None, suppressed=True, reason=f"fewer than {min_n} answers")


@dataclass(frozen=True)
class WeightingInfo:
    """How one questionnaire's respondents in one cycle were weighted."""

    cycle: str
    variables: tuple[str, ...]  # raked on these (empty: not weighted)
    respondents: int
    unclassified: int  # respondents without a category: weight 1
    deff_kish: float | None
    n_effective: float | None
    max_factor: float | None
    dropped: tuple[tuple[str, str], ...] = ()  # (variable, category) margins with no respondent
    problem: str | None = None  # "no margins", "no variables", "failed: ..."
    margins_from: str | None = None  # the cycle whose margins were used
