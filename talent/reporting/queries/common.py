"""What the report queries share: the metric names, which of them are anchored to the period,
date arithmetic, the regional countries, the placements' base query and the before-the-period
values.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import and_, func, literal_column, select

from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.placement.markets import current_regional_countries
from talent.placement.models import Employer, Placement, PlacementStatus
from talent.reporting.dimensions import dialect_name, with_dimension_joins, course_conditions
from talent.reporting.cellkey import key_name, pre_name
from talent.reporting.periods import Filters


AGE_BANDS = ("under_25", "25_34", "35_44", "45_plus")


ENROLLMENT_METRICS = ("enrolled", "active", "completed", "certified", "completion_num",
                      "completion_den", "cert_num", "cert_den", "placement_num", "placement_den",
                      "placement_pending")


PLACEMENT_METRICS = ("placed", "placements", "local", "regional", "international")


ALL_METRICS = ("centers",) + ENROLLMENT_METRICS + PLACEMENT_METRICS


KEYED_METRICS = ENROLLMENT_METRICS + PLACEMENT_METRICS  # counts of people: a key sum each


# Counts of events dated inside the period (additive over time): published as the difference of
# two perturbed cumulative counts, so they also carry their count and key sum before the period
# (``m__pre``, ``m__pre__key``). Not: active (cohorts overlapping the period), placed (distinct
# people: not additive over time), centers (not people).
ANCHORED_ENROLLMENT = ("enrolled", "completed", "certified", "cert_num", "cert_den", "completion_num",
                       "completion_den", "placement_num", "placement_den", "placement_pending")


ANCHORED_PLACEMENT = ("placements", "local", "regional", "international")


ANCHORED = ANCHORED_ENROLLMENT + ANCHORED_PLACEMENT


TOTAL = "__total__"  # key of the all-groups row in results that carry one


COHORT_DIMENSIONS = ("region", "center", "course", "skill")


def add_days(column, days: int):
    """``column + days`` for a DATE column, on SQLite and PostgreSQL."""
    if dialect_name() == "sqlite":
        return func.date(column, f"+{int(days)} days")
    return column + literal_column(str(int(days)))


def regional_countries() -> tuple[str, ...]:
    return current_regional_countries()


def placement_base(filters: Filters, dimension: str | None, key, extra_columns):
    """Placements (not rejected) starting in the period, of trainees who completed a matching
    cohort that had started on or before the placement's start."""
    stmt = (
        select(key.label("k"), *extra_columns)
        .select_from(Placement)
        .join(Employer, Employer.id == Placement.employer_id)
        .join(Enrollment, and_(Enrollment.trainee_id == Placement.trainee_id, Enrollment.status == EnrollmentStatus.COMPLETED))
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
    )
    stmt = with_dimension_joins(stmt, dimension, trainee_column=Placement.trainee_id)
    return stmt.where(Placement.start_date.between(filters.start, filters.end),
                      Placement.verification != PlacementStatus.REJECTED,
                      Cohort.start_date <= Placement.start_date,
                      *course_conditions(filters))


def with_pre(rows: dict[Any, dict[str, int]], pre: dict[Any, dict[str, int]], names) -> None:
    """Give each group's anchored metrics their count and key sum before the period."""
    for key, values in rows.items():
        before = pre.get(key, {})
        for m in names:
            values[pre_name(m)] = before.get(m, 0)
            values[key_name(pre_name(m))] = before.get(key_name(m), 0)
