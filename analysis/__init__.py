"""Servir statistics: satisfaction indices, intervals, cycle comparisons, weighting,
reliability, planning and disclosure control.

A pure library (NumPy, SciPy, pandas; no Flask, no database; the tests cross-check it
against statsmodels). Names and results follow SciPy: ``confidence_level`` everywhere
(default 0.95), ``method=`` switches, frozen dataclass results with a
``confidence_interval()`` method returning a ``ConfidenceInterval(low, high)`` named tuple.
Bad input (empty data, n = 0, NaN, a value off the scale, weights <= 0, mismatched lengths)
raises ``ValueError`` or ``TypeError`` naming the value. Nothing is rounded.

Scales
------
* Low-level interval functions (``proportion_ci``, ``diff_proportions_ci``) work on
  proportions (0-1).
* Satisfaction figures (``satisfaction_index``, ``percent_satisfied``, ``nps``,
  ``composite_index``, ``summarize``, ``compare_cycles``) are on 0-100: index points,
  percent, percentage points. Changes are cycle minus baseline.

Not applicable answers
----------------------
The string ``"na"`` (and ``None`` in raw sequences) marks a "don't know / not
applicable" answer: it is counted in ``n_na`` and excluded from every denominator.
A float NaN is *not* a marker: it raises, because it usually hides a bug.

Frequency-table forms
---------------------
Everything that is exact from counts has a frequency-table form that gives the same
numbers as the raw answers (the database does the ``GROUP BY``; see design.md "Scale").

One question, one cycle -- a mapping ``{value: count}`` or a pandas Series indexed by
value, with an optional ``"na"`` key::

    counts = {1: 4, 2: 6, 3: 20, 4: 41, 5: 29, "na": 3}
    idx = satisfaction_index_from_counts(counts, scale=(1, 5))
    idx.estimate, idx.confidence_interval(), idx.n, idx.n_na      # t interval
    pct = percent_satisfied_from_counts(counts, scale=(1, 5), top=2)
    pct.estimate, pct.confidence_interval()                        # Wilson, percent
    nps_from_counts({0: 3, 7: 10, 9: 12, 10: 20})                  # adjusted Wald
    mean_ci_from_counts(counts)                                    # also weights/strata:
    #   a DataFrame with value, count [, weight, stratum, cluster] columns
    diff_means_ci_from_counts(counts_cycle, counts_baseline)       # Welch
    mann_whitney_from_counts(counts_cycle, counts_baseline)

Many questions and cycles -- a long DataFrame, one row per distinct value::

    questionnaire  question  cycle  value  count
    permis         q1        2024   1      12
    permis         q1        2024   "na"   3
    ...

(``SELECT questionnaire, question, cycle, value, COUNT(*) AS count FROM answers
GROUP BY questionnaire, question, cycle, value``; ``questionnaire`` is optional.)
The same functions accept answer rows (the same columns without ``count``), which
they first count with ``frequency_table``:

* ``summarize(table, scale)`` -> one row per question and cycle: ``n``, ``n_na``,
  ``index``, ``index_low``, ``index_high``, ``pct_satisfied``, ``pct_low``,
  ``pct_high``, quality letters and more.
* ``compare_cycles(table, baseline, cycle, scale=..., targets=..., definitions=...)``
  -> one row per question: both cycles' figures and for the change ``index_diff``,
  ``index_diff_low``/``_high`` (Welch), ``pct_diff``, ``pct_diff_low``/``_high``
  (Newcombe), ``p_value``, ``p_adjusted`` (Holm by default), ``verdict``
  (``improved``, ``declined``, ``no significant change``), Cohen's d and h,
  Mann-Whitney p, the comparability warning and progress toward the target.

For the results API (``GET /api/v1/results/<q>?cycle=C&baseline=B``), per rating
question: ``n`` = ``n_cycle``; ``index`` / ``index_ci`` = ``index_cycle`` /
``[index_cycle_low, index_cycle_high]``; ``pct_satisfied`` / ``pct_satisfied_ci`` =
``pct_cycle`` / ``[pct_cycle_low, pct_cycle_high]``; ``baseline`` = the ``*_baseline``
columns; ``change`` = ``index_diff``, ``[index_diff_low, index_diff_high]``,
``pct_diff``, ``[pct_diff_low, pct_diff_high]``, ``p_value``, ``p_adjusted``,
``verdict``. Without a baseline, ``summarize`` gives the same per-cycle figures.
Apply the minimum cell size with ``n`` (or ``suppress`` for cross-tabulations).

Needing respondent rows (not exact from per-question counts): ``composite_index``
(the dimensions' covariance), ``cronbach_alpha``, ``driver_analysis``, ``rake``,
``bootstrap_ci``, ``mean_ci`` with clusters, a calibration or a domain given as rows,
``design_proportion_ci`` and ``rao_scott_test``.

Design-based estimates (as R's survey package)
----------------------------------------------
``mean_ci(values, weights, strata, fpc, clusters=, calibration=rake_result, domain=mask,
lonely_psu=)`` is R's ``svymean`` on ``subset(rake(design, ...), mask)``;
``design_proportion_ci(..., method="logit"|"beta"|"mean")`` is ``svyciprop`` (never a
zero-width interval); ``diff_proportions_ci_from_results`` / ``diff_means_ci_from_results``
compare two independent cycles; ``rao_scott_test(rating, cycle, ...)`` is
``svychisq(~rating + cycle, design, statistic="F")``.
"""
from ._common import NA_MARKER, ConfidenceInterval
from .bootstrap import BootstrapResult, bootstrap_ci
from .comparison import compare_cycles, summarize
from .design import LONELY_PSU_OPTIONS
from .design_proportions import (
    DESIGN_PROPORTION_METHODS,
    DesignProportionResult,
    ProportionChangeResult,
    design_proportion_ci,
    diff_proportions_ci_from_results,
)
from .disclosure import (
    QUALITY_LABELS,
    STATCAN_CV_THRESHOLDS,
    SuppressionResult,
    coefficient_of_variation,
    quality_flag,
    suppress,
)
from .drivers import QUADRANTS, DriverResult, driver_analysis, importance_performance
from .frequency import MannWhitneyResult, frequency_table, mann_whitney_from_counts
from .indices import (
    CompositeResult,
    IndexResult,
    NPSResult,
    PercentResult,
    composite_index,
    composite_index_from_results,
    nps,
    nps_from_counts,
    percent_satisfied,
    percent_satisfied_from_counts,
    satisfaction_index,
    satisfaction_index_from_counts,
    satisfied_threshold,
)
from .means import (
    MeanResult,
    WelchResult,
    cohen_d,
    diff_means_ci,
    diff_means_ci_from_counts,
    diff_means_ci_from_results,
    mean_ci,
    mean_ci_from_counts,
)
from .multiple import ADJUST_METHODS, adjust_pvalues
from .planning import margin_of_error, sample_size
from .proportions import (
    DIFF_PROPORTION_METHODS,
    PROPORTION_METHODS,
    ProportionComparison,
    cohen_h,
    compare_proportions,
    diff_proportions_ci,
    proportion_ci,
)
from .rao_scott import RAO_SCOTT_STATISTICS, RaoScottResult, rao_scott_test
from .reliability import AlphaResult, alpha_by_dimension, cronbach_alpha, feldt_ci
from .verdicts import TARGET_STATUSES, VERDICTS, ChangeJudgement, judge_changes, target_status
from .weighting import RakeResult, rake

__all__ = [
    # intervals
    "ConfidenceInterval",
    "proportion_ci",
    "diff_proportions_ci",
    "compare_proportions",
    "ProportionComparison",
    "PROPORTION_METHODS",
    "DIFF_PROPORTION_METHODS",
    "mean_ci",
    "mean_ci_from_counts",
    "MeanResult",
    "diff_means_ci",
    "diff_means_ci_from_counts",
    "diff_means_ci_from_results",
    "WelchResult",
    "bootstrap_ci",
    "BootstrapResult",
    # design-based (R survey): weighted proportions, change, Rao-Scott
    "design_proportion_ci",
    "DesignProportionResult",
    "DESIGN_PROPORTION_METHODS",
    "diff_proportions_ci_from_results",
    "ProportionChangeResult",
    "rao_scott_test",
    "RaoScottResult",
    "RAO_SCOTT_STATISTICS",
    "LONELY_PSU_OPTIONS",
    # indices
    "satisfaction_index",
    "satisfaction_index_from_counts",
    "IndexResult",
    "percent_satisfied",
    "percent_satisfied_from_counts",
    "PercentResult",
    "satisfied_threshold",
    "nps",
    "nps_from_counts",
    "NPSResult",
    "composite_index",
    "composite_index_from_results",
    "CompositeResult",
    # effect sizes and tests
    "cohen_d",
    "cohen_h",
    "mann_whitney_from_counts",
    "MannWhitneyResult",
    "adjust_pvalues",
    "ADJUST_METHODS",
    # frequency tables and cycles
    "NA_MARKER",
    "frequency_table",
    "summarize",
    "compare_cycles",
    "judge_changes",
    "ChangeJudgement",
    "target_status",
    "VERDICTS",
    "TARGET_STATUSES",
    # reliability and drivers
    "cronbach_alpha",
    "feldt_ci",
    "alpha_by_dimension",
    "AlphaResult",
    "driver_analysis",
    "DriverResult",
    "importance_performance",
    "QUADRANTS",
    # planning, weighting, disclosure
    "sample_size",
    "margin_of_error",
    "rake",
    "RakeResult",
    "suppress",
    "SuppressionResult",
    "coefficient_of_variation",
    "quality_flag",
    "STATCAN_CV_THRESHOLDS",
    "QUALITY_LABELS",
]
