"""Raw aggregates for the ministry reports: SQL with GROUP BY in the database, one pass per
source table, never a Python loop over rows.

Nothing here is suppressed: these functions are private to :mod:`talent.reporting`. Beside each
count ``m`` they return ``m__key`` (:func:`talent.reporting.cellkey.key_name`), the sum of the
record keys of the records counted, from the same aggregate: what the cell-key method perturbs
the published value by (docs/disclosure.md). Pages, exports
and the API call :mod:`talent.reporting.reports`, which passes every result through
:func:`talent.reporting.suppression.suppress`.

Each function takes a :class:`~talent.reporting.periods.Filters` and a *dimension* — what to
group by: ``None`` (one national row), ``"region"`` / ``"center"`` / ``"course"`` / ``"skill"``
(of the cohort), or ``"gender"`` / ``"age_band"`` / ``"home"`` (of the trainee). The inner query
computes one row per enrollment (or placement) with 0/1 flags and the group key; the outer query
sums the flags per key. That shape keeps dialect quirks out of GROUP BY and lets a summary table
replace the inner query later without touching the callers.

The exact definitions are written on the definitions page (:mod:`talent.reporting.definitions`).

The package's modules: ``common`` (metric names, shared helpers), ``current`` (one period's
metrics), ``trends``, ``mobility`` and ``checks`` (the summary against the live queries). Every
public name is importable from ``talent.reporting.queries``.
"""

from talent.reporting.queries.common import (AGE_BANDS, ENROLLMENT_METRICS, PLACEMENT_METRICS, ALL_METRICS,
                                             KEYED_METRICS, ANCHORED_ENROLLMENT, ANCHORED_PLACEMENT,
                                             ANCHORED, TOTAL, COHORT_DIMENSIONS, add_days,
                                             regional_countries, placement_base, with_pre)
from talent.reporting.queries.current import (enrollment_flags, enrollment_metrics, placement_metrics,
                                              center_counts, metrics, metrics_by, ADDITIVE_DIMENSIONS,
                                              metrics_with_total, skill_metrics, zero_metrics)
from talent.reporting.queries.trends import TREND_METRICS, TREND_SOURCES, trend_metrics
from talent.reporting.queries.mobility import MOBILITY_COLUMNS, city_region_map, mobility_metrics
from talent.reporting.queries.checks import compare_with_live

__all__ = ['AGE_BANDS', 'ENROLLMENT_METRICS', 'PLACEMENT_METRICS', 'ALL_METRICS', 'KEYED_METRICS',
           'ANCHORED_ENROLLMENT', 'ANCHORED_PLACEMENT', 'ANCHORED', 'TOTAL', 'COHORT_DIMENSIONS', 'add_days',
           'regional_countries', 'enrollment_flags', 'enrollment_metrics', 'placement_base',
           'placement_metrics', 'center_counts', 'with_pre', 'metrics', 'metrics_by', 'ADDITIVE_DIMENSIONS',
           'metrics_with_total', 'skill_metrics', 'zero_metrics', 'TREND_METRICS', 'TREND_SOURCES', 'trend_metrics',
           'MOBILITY_COLUMNS', 'city_region_map', 'mobility_metrics', 'compare_with_live']
