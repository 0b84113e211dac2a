"""Results of the satisfaction surveys: frequency tables from the database, statistics from
:mod:`analysis`, disclosure control, ready for pages, the JSON API, exports and reports.

This package is the one place that turns stored answers into published figures. Views, the
API, the exports and the accountability report call it and never query answers themselves,
so every output shows the same numbers and applies the same suppression rule.

Modules (each imports only those above it)
------------------------------------------
``model``        the result objects, filters, errors and the constants (``TOP_BOXES``...)
``cache``        finished results and per-cycle tables, keyed on a fingerprint of the data
``tally``        each cycle's frequency tables per filter cell, persisted, topped up from
                 their high-water mark, recounted when rows changed; ``invalidate_cycle_tables``
``choices``      cycles with answers, the cycle and baseline a request means, sites
``tables``       the frequency tables of a request, summed from the tallies
``definitions``  question definitions across versions, and their comparability
``unweighted``   figures and changes from the frequency tables
``weighted``     figures and changes after raking to population margins
``norms``        number questions with a norm: median (order statistics), share within the
                 norm (Wilson), its change (Newcombe); the shares operations report
``operational``  the commitment's operational indicator and the improvement actions
                 between the cycles compared
``commitments``  one commitment's results, and the overview grouped by unit
``detail``       the drill-down (distributions, trend, comments, drivers)
``payload``      the JSON body of the results API
``protection``   the views that may be published (disclosure control against differencing)

Public interface
----------------
Everything takes cycle *codes* (``"2026"``) and returns plain, immutable data (no ORM
objects), safe to cache, to render in any language and to serialise:

``Filters(channel=None, site=None, language=None)``
    Restricts the responses counted; ``Filters.from_mapping(request.args)`` validates
    query-string values (raises :class:`ResultsError`).

``questionnaire_results(questionnaire_id, cycle, baseline=None, *, filters=None,
weighting="none") -> CommitmentResult``
    One commitment (questionnaire): every rating and yes/no question's :class:`Figures`
    for the cycle and the baseline, their :class:`Change`, the headline figure and the
    attainment of the commitment's target (:class:`Target`); ``norms`` (number questions
    with a norm), ``operational`` (the norm as operations kept it) and ``actions``.

``overview(cycle, baseline=None, *, filters=None, weighting="none") -> Overview``
    Every questionnaire with answers (or in the catalogue), grouped by unit
    (``Overview.units``: list of :class:`UnitResults`), plus the :class:`Methods` note.

``api_payload(result: CommitmentResult) -> dict``
    The JSON body of ``GET /api/v1/results/<id>`` (design.md's field names).

``commitment_detail(questionnaire_id, cycle, baseline=None, *, filters=None,
weighting="none") -> Detail``
    The drill-down: the results above plus each question's answer distribution
    (:class:`Distribution`), the trend of every rating question across all cycles
    (:class:`TrendPoint`), open comments (:class:`Comments`), importance-performance and
    driver analyses.

``frequency_table(questionnaire_ids, cycles, filters=None) -> pandas.DataFrame``
    The raw ``GROUP BY`` (columns ``questionnaire, question, cycle, value, count``;
    ``value`` a float, ``None`` for "not applicable" / no number).

``resolve_cycles(cycle=None, baseline=None, *, default_baseline=True) -> (Cycle, Cycle | None)``
    Cycle rows from codes, with the defaults the pages use (latest cycle with
    answers, the one before it as baseline). ``cycles_with_answers()``, ``get_cycle(code)``
    and ``sites()`` serve the pages' selectors.

``respondent_ratings(questionnaire_id, cycle, question_ids, filters=None) -> DataFrame``
    One row per response, one column per question, read in chunks (for what needs
    respondent rows: driver analysis).

``clear_cache()``
    Forget cached results and tables (benchmarks; a fresh process): the persisted tallies stay.

``invalidate_cycle_tables(questionnaire_id=None, cycle_id=None)``
    Mark persisted tallies for a recount, inside the write transaction that hides responses
    without changing their rows (rows added, changed or removed are detected by themselves).

The attainment rule of a target is :func:`analysis.target_status`, the verdict rule
:func:`analysis.judge_changes`. Translated labels, number formats and the charts of these
objects (each with its table alternative) are in :mod:`survey_app.presentation`
(``overview_charts(overview)``, ``detail_charts(detail)``, ``VERDICTS``,
``TARGET_STATUSES``, ``INDICATORS``...). Population margins are stored by
:mod:`survey_app.services.margins`.

Conventions
-----------
* Figures are on 0-100 (index points, percent, percentage points); intervals are
  ``(low, high)`` tuples at ``confidence_level`` (0.95); changes are cycle minus
  baseline. "Satisfied" is the top ``TOP_BOXES`` (2) boxes of a rating scale. Unweighted:
  t interval for the index, Wilson for percentages, Welch for the index change, Newcombe
  for the percentage change, Holm adjustment of the change's p-values within each
  questionnaire (the family is the questionnaire's published rating questions; yes/no
  questions form their own family). The verdict follows the index (Welch) test for rating
  questions and the score test for yes/no questions.
* Weighted (``weighting="raked"``): each questionnaire's respondents in a cycle are one
  design raked to the cycle's population margins (:func:`analysis.rake`); the index is
  :func:`analysis.mean_ci` with ``calibration`` (R's ``svymean`` on the ``rake()``d design),
  % satisfied :func:`analysis.design_proportion_ci` (logit, R's ``svyciprop``;
  Clopper-Pearson at n where the variance is zero), a filtered view is a ``domain`` of the
  cycle's design, and changes use :func:`analysis.diff_means_ci_from_results` and
  :func:`analysis.diff_proportions_ci_from_results` (MOVER interval), judged by the same
  rule. Unweighted views are the view's answers taken as a sample (conditional on their
  number), as the t and Wilson intervals assume.
* A change between two versions of a question is reported from
  :func:`questionnaires.compare_versions` only (the commitment's warnings and each change's
  ``comparable`` / ``warning``).
* Disclosure control (:mod:`.protection`): the views of a questionnaire in a cycle that may
  be published are decided once, by complementary suppression of groups over the filter
  dimensions, so that no difference of views isolates fewer than ``MIN_CELL_SIZE``
  responses or answers. A question withheld in a view is published as suppressed -- no n,
  no figure -- and takes no part in a change or in the multiplicity family; a withheld
  view has ``responses`` None. Filter values not offered are listed by
  ``offered_values(cycle, dimension, questionnaire_id=None)``. Open comments are shown only
  in the unfiltered view of at least ``MIN_CELL_SIZE`` responses, contact details masked.
"""
from __future__ import annotations

from .cache import clear_cache
from .choices import cycles_with_answers, get_cycle, resolve_cycles, sites
from .commitments import overview, questionnaire_results
from .detail import commitment_detail
from .model import (
    CONFIDENCE_LEVEL,
    TOP_BOXES,
    WEIGHTINGS,
    Change,
    CommitmentInfo,
    CommitmentResult,
    Comments,
    Detail,
    Distribution,
    Figures,
    Filters,
    Methods,
    Overview,
    QuestionResult,
    ResultsError,
    Target,
    TrendPoint,
    UnitResults,
    WeightingInfo,
)
from .payload import api_payload
from .protection import offered_values
from .tables import frequency_table, respondent_ratings
from .tally import invalidate_cycle_tables

__all__ = [
    "ResultsError",
    "Filters",
    "Figures",
    "Change",
    "QuestionResult",
    "Target",
    "CommitmentInfo",
    "CommitmentResult",
    "UnitResults",
    "Methods",
    "Overview",
    "Distribution",
    "TrendPoint",
    "Comments",
    "Detail",
    "WeightingInfo",
    "WEIGHTINGS",
    "TOP_BOXES",
    "CONFIDENCE_LEVEL",
    "resolve_cycles",
    "cycles_with_answers",
    "get_cycle",
    "sites",
    "offered_values",
    "frequency_table",
    "respondent_ratings",
    "questionnaire_results",
    "overview",
    "commitment_detail",
    "api_payload",
    "clear_cache",
    "invalidate_cycle_tables",
]
