"""What the report queries share: the metric names, which of them are anchored to the period,
date arithmetic, the regional countries, the placements' base query and the before-the-period
values.
"""
from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from sqlalchemy import and_, func, literal_column, select

from talent.extensions import db
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.placement.markets import current_regional_countries
from talent.placement.models import Employer, Placement, PlacementStatus
from talent.reporting import summary
from talent.reporting.dimensions import dialect_name, report_session, with_dimension_joins, course_conditions
from talent.reporting.models import ReportCohortPlacement
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


def placement_source(filters: Filters, dimension: str | None, *, live: bool = False):
    """Where the placements counted with completed cohorts come from: the kept per-cohort rows
    (:class:`~talent.reporting.models.ReportCohortPlacement`) while the summary is built, else the
    live tables. Returns the object whose ``id``, ``trainee_id`` and ``start_date`` the callers
    select (``Placement`` itself, live), or None for the live tables."""
    session = report_session()
    if live or not summary.usable(session, filters, dimension):
        return None
    if session is db.session:
        summary.sync(session)  # this transaction's own changes first
    F = ReportCohortPlacement
    return SimpleNamespace(id=F.placement_id, trainee_id=F.trainee_id, start_date=F.start_date, table=F)


def placement_base(filters: Filters, dimension: str | None, key, extra_columns, *, live: bool = False):
    """Placements (not rejected) starting in the period, of trainees who completed a matching
    cohort that had started on or before the placement's start: one row per (placement, such
    cohort). ``extra_columns(p)`` gives the selected columns, ``p`` having ``id``, ``trainee_id``
    and ``start_date`` (the placement's); the employer (``Employer``) and the cohort (``Cohort``)
    are joined. Read from the summary when it is built (``live`` forces the live tables)."""
    return _placement_base(filters, dimension, key, extra_columns, placement_source(filters, dimension, live=live))


def _placement_base(filters: Filters, dimension: str | None, key, extra_columns, source):
    if source is None:
        stmt = (
            select(key.label("k"), *extra_columns(Placement))
            .select_from(Placement)
            .join(Employer, Employer.id == Placement.employer_id)
            .join(Enrollment, and_(Enrollment.trainee_id == Placement.trainee_id,
                                   Enrollment.status == EnrollmentStatus.COMPLETED))
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
        )
        stmt = with_dimension_joins(stmt, dimension, trainee_column=Placement.trainee_id)
        return stmt.where(Placement.start_date.between(filters.start, filters.end),
                          Placement.verification != PlacementStatus.REJECTED,
                          Cohort.start_date <= Placement.start_date,
                          *course_conditions(filters))
    F = source.table
    stmt = (select(key.label("k"), *extra_columns(source))
            .select_from(F)
            .join(Employer, Employer.id == F.employer_id)
            .join(Cohort, Cohort.id == F.cohort_id))
    stmt = with_dimension_joins(stmt, dimension, trainee_column=F.trainee_id)
    return stmt.where(F.start_date.between(filters.start, filters.end), *course_conditions(filters),
                      *kept_place_conditions(filters, F))


def kept_place_conditions(filters: Filters, F=ReportCohortPlacement) -> list:
    """The place filter on the kept placement rows' own copy of their cohort's region and center,
    which equals the cohort's (``talent reports check-summary`` proves it). Beside the cohort
    conditions it selects the same rows, but PostgreSQL reads one center's rows of the period
    through ``(center_id, start_date)`` instead of every row of the period hashed against the
    center's cohorts (a center's placements per skill at 1M: 181 -> 108 ms)."""
    where = []
    if filters.region_id:
        where.append(F.region_id == filters.region_id)
    if filters.center_id:
        where.append(F.center_id == filters.center_id)
    return where


# Which representative flag of report_cohort_placements makes a grouping's placement rows unique
# (talent.reporting.models.ReportCohortPlacement): per scope (none, a region, a center), the
# dimensions for which one flag gives exactly one row per (group, placement). Other combinations
# (course filters, skills, courses across centers, age bands inside a scope) deduplicate.
_REPRESENTATIVE = {
    None: {None: "rep_all", "gender": "rep_all", "home": "rep_all", "region": "rep_region",
           "center": "rep_center", "age_band": "rep_age"},
    "region": {None: "rep_region", "gender": "rep_region", "home": "rep_region", "region": "rep_region",
               "center": "rep_center"},
    "center": {None: "rep_center", "gender": "rep_center", "home": "rep_center", "region": "rep_center",
               "center": "rep_center", "course": "rep_course"},
}


def representative_flag(filters: Filters, dimension: str | None) -> str | None:
    """The flag whose rows hold each (group, placement) once for this report, or None."""
    if (filters.sector_id and dimension is None and not (filters.level or filters.skill_id or filters.region_id
                                                          or filters.center_id)):
        return "rep_sector"   # nationally, in one sector (the objectives on a sector)
    if filters.level or filters.sector_id or filters.skill_id:
        return None
    scope = "center" if filters.center_id else "region" if filters.region_id else None
    return _REPRESENTATIVE[scope].get(dimension)


def placement_rows(filters: Filters, dimension: str | None, key, extra_columns, *, live: bool = False):
    """:func:`placement_base` reduced to one row per (group, placement): from the representative
    rows of the summary when they answer this grouping (no DISTINCT pass), else with DISTINCT.
    ``extra_columns`` must depend on the placement only (its id, trainee, employer, start)."""
    source = placement_source(filters, dimension, live=live)
    flag = representative_flag(filters, dimension)
    if source is None or flag is None:
        return _placement_base(filters, dimension, key, extra_columns, source).distinct()
    kept, where = representative_rows(filters, dimension, flag)
    return (select(kept.label("k"), *extra_columns(source))
            .select_from(source.table).join(Employer, Employer.id == source.table.employer_id).where(*where))


def representative_rows(filters: Filters, dimension: str | None, flag: str):
    """The group column and the conditions of the representative rows (``flag``) of the period and
    scope: they carry their groups, so no join to cohorts, centers or trainees is needed. The kept
    column of the dimension's name replaces its column on those tables (``0`` for no dimension)."""
    F = ReportCohortPlacement
    kept = literal_column("0") if dimension is None else getattr(F, KEPT_GROUP_COLUMNS.get(dimension, dimension))
    where = [F.start_date.between(filters.start, filters.end), getattr(F, flag).is_(True)]
    if flag == "rep_sector":
        where.append(F.sector_id == filters.sector_id)
    return kept, where + kept_place_conditions(filters, F)


# The cohort groupings the kept placement rows carry as their own columns.
KEPT_GROUP_COLUMNS = {"region": "region_id", "center": "center_id", "course": "course_id"}


def with_pre(rows: dict[Any, dict[str, int]], pre: dict[Any, dict[str, int]], names) -> None:
    """Give each group's anchored metrics their count and key sum before the period."""
    for key, values in rows.items():
        before = pre.get(key, {})
        for m in names:
            values[pre_name(m)] = before.get(m, 0)
            values[key_name(pre_name(m))] = before.get(key_name(m), 0)
