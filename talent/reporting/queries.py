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
"""
from __future__ import annotations

import csv
from datetime import date, timedelta
from functools import lru_cache
from typing import Any, Iterable

from sqlalchemy import and_, case, func, literal, literal_column, null, or_, select
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from talent.centers.models import Center
from talent.config import ROOT
from talent.credentials.models import Award
from talent.geo.models import Region
from talent.i18n import fold
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.placement.markets import current_regional_countries, market_case
from talent.placement.models import Employer, Placement
from talent.extensions import db
from talent.reporting import summary
from talent import clock
from talent.reporting.dimensions import (EVER_ENROLLED, FINISHED, PLACEMENT_WINDOW_DAYS,  # noqa: F401
                                         TRAINEE_DIMENSIONS, dialect_name, dimension_column, report_session,
                                         with_dimension_joins, age_band_case,
                                         baku_region_id, course_conditions)
from talent.reporting.cellkey import distinct_key_sum, key_name, perturbing, pre_name, report_key_sql as key_sql
from talent.reporting.models import ReportCohortDay
from talent.reporting.periods import Filters
from talent.learning.models import CohortStatus, EnrollmentStatus
from talent.placement.models import PlacementStatus

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


def enrollment_flags(filters: Filters) -> dict[str, ColumnElement]:
    """The condition that makes an enrollment row count in each enrollment metric."""
    in_period = lambda col: and_(col >= filters.start_at, col < filters.end_before)  # noqa: E731
    ended_in_period = Cohort.end_date.between(filters.start, filters.end)
    cutoff = filters.today - timedelta(days=PLACEMENT_WINDOW_DAYS)
    completed = Enrollment.status == EnrollmentStatus.COMPLETED
    completed_in_period = and_(completed, in_period(Enrollment.completed_at))
    has_award = (select(Award.id)
                 .where(Award.enrollment_id == Enrollment.id, Award.renewal_of_id.is_(None),
                        Award.revoked_at.is_(None))
                 .exists())
    placed_within = (
        select(Placement.id)
        .where(Placement.trainee_id == Enrollment.trainee_id,
               Placement.verification != PlacementStatus.REJECTED,
               Placement.start_date <= add_days(Cohort.end_date, PLACEMENT_WINDOW_DAYS),
               or_(Placement.end_date.is_(None), Placement.end_date >= Cohort.end_date))
        .exists())
    eligible = and_(completed, ended_in_period, Cohort.end_date <= cutoff)
    # EXISTS, not IN (subquery): inside an aggregate FILTER PostgreSQL re-ran the IN subquery for
    # every enrollment row (hours at 1M trainees); EXISTS probes ix_awards_enrollment_id instead.
    awarded_in_period = (select(Award.id)
                         .where(Award.enrollment_id == Enrollment.id,
                                Award.issued_on.between(filters.start, filters.end),
                                Award.revoked_at.is_(None), Award.renewal_of_id.is_(None))
                         .exists())
    return {
        "certified": awarded_in_period,
        "enrolled": and_(Enrollment.status.in_(EVER_ENROLLED), in_period(Enrollment.enrolled_at)),
        "active": and_(Enrollment.status == EnrollmentStatus.ENROLLED, Cohort.start_date <= filters.end,
                       Cohort.end_date >= filters.start),
        "completed": completed_in_period,
        "completion_num": and_(completed, ended_in_period),
        "completion_den": and_(Enrollment.status.in_(FINISHED), ended_in_period),
        "cert_num": and_(completed_in_period, has_award),
        "cert_den": completed_in_period,
        "placement_num": and_(eligible, placed_within),
        "placement_den": eligible,
        "placement_pending": and_(completed, ended_in_period, Cohort.end_date > cutoff),
    }


def enrollment_metrics(filters: Filters, dimension: str | None = None,
                       only: tuple[str, ...] | None = None, *, live: bool = False) -> dict[Any, dict[str, int]]:
    """Per group: enrolled, active, completed, certified and the numerators/denominators of the
    completion, certification and 6-month placement rates (or just the metrics in ``only``).

    From the per-cohort summary (:mod:`talent.reporting.summary`) when it is built and the
    dimension is one of the cohort's; otherwise (or with ``live=True``) one pass over the
    enrollments that can count at all (the WHERE is the OR of the metrics' conditions, so a narrow
    request such as awards alone uses the awards' date index). Both give the same figures."""
    wanted = [m for m in ENROLLMENT_METRICS if only is None or m in only]
    out: dict[Any, dict[str, int]] = {}
    if not wanted:
        return out
    session = report_session()
    if not live and summary.usable(session, filters, dimension):
        if session is db.session:
            summary.sync(session)  # this transaction's own changes first
        for key, values in summary.enrollment_metrics(session, filters, dimension, wanted).items():
            out[key] = {n: values.get(n, 0) for m in wanted for n in (m, key_name(m))}
        return out
    flags = enrollment_flags(filters)
    # The cheap condition first: placement_num implies placement_den, cert_num implies cert_den.
    cheap = {"placement_num": "placement_den", "cert_num": "cert_den"}
    where_parts = [flags[cheap.get(m, m)] for m in wanted]
    key = dimension_column(dimension, filters).label("k")
    record_key = key_sql(Enrollment.id, "enrollment")
    stmt = (
        select(key, *[func.count().filter(flags[m]).label(m) for m in wanted],
               *[func.coalesce(func.sum(record_key).filter(flags[m]), 0).label(key_name(m)) for m in wanted])
        .select_from(Enrollment)
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
    )
    stmt = with_dimension_joins(stmt, dimension, trainee_column=Enrollment.trainee_id)
    stmt = stmt.where(or_(*where_parts), *course_conditions(filters))
    if dimension is not None:
        stmt = stmt.group_by(key)
    for row in session.execute(stmt):
        out.setdefault(row.k, {}).update({n: int(getattr(row, n)) for m in wanted for n in (m, key_name(m))})
    for values in out.values():
        for m in ENROLLMENT_METRICS if only is None else [m for m in ENROLLMENT_METRICS if m in only]:
            values.setdefault(m, 0)
            values.setdefault(key_name(m), 0)
    return out


def _placement_base(filters: Filters, dimension: str | None, key, extra_columns):
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


def placement_metrics(filters: Filters, dimension: str | None = None, *,
                      with_total: bool = False, only: tuple[str, ...] | None = None) -> dict[Any, dict[str, int]]:
    """Per group: distinct trainees placed, distinct placements, and placements per market (or
    just the metrics in ``only``: each distinct count is a sort of its own).
    ``with_total`` adds the all-groups row under the key ``TOTAL`` (distinct counts: not the sum
    of the groups) — one ROLLUP query on PostgreSQL, a second query elsewhere."""
    wanted = [m for m in PLACEMENT_METRICS if only is None or m in only]
    if not wanted:
        return {}
    key = dimension_column(dimension, filters)
    market = market_case(Employer.country_code, regional_countries())
    inner = _placement_base(filters, dimension, key, [
        Placement.id.label("pid"), Placement.trainee_id.label("tid"), market.label("market"),
        key_sql(Placement.id, "placement").label("pkey"), key_sql(Placement.trainee_id, "trainee").label("tkey"),
    ]).subquery()
    rollup = with_total and dimension is not None and dialect_name() == "postgresql"
    markets = ("local", "regional", "international")
    columns = {
        "placed": func.count(func.distinct(inner.c.tid)),
        "placements": func.count(func.distinct(inner.c.pid)),
        **{m: func.count(func.distinct(case((inner.c.market == m, inner.c.pid)))) for m in markets},
        key_name("placed"): distinct_key_sum(inner.c.tid, inner.c.tkey),
        key_name("placements"): distinct_key_sum(inner.c.pid, inner.c.pkey),
        **{key_name(m): distinct_key_sum(case((inner.c.market == m, inner.c.pid)), inner.c.pkey) for m in markets},
    }
    names = [n for m in wanted for n in (m, key_name(m))]
    outer = select(inner.c.k, *[columns[n].label(n) for n in names]
                   ).group_by(func.rollup(inner.c.k) if rollup else inner.c.k)
    out = {}
    for row in report_session().execute(outer):
        out[TOTAL if (rollup and row.k is None) else row.k] = {n: int(getattr(row, n)) for n in names}
    if with_total and not rollup:
        out[TOTAL] = placement_metrics(filters, None, only=only).get(0, {n: 0 for n in names})
    elif with_total:
        out.setdefault(TOTAL, {n: 0 for n in names})
    return out


def center_counts(filters: Filters, dimension: str | None = None) -> dict[Any, int]:
    """Centers that ran at least one matching cohort (not cancelled) overlapping the period."""
    if dimension in TRAINEE_DIMENSIONS:
        return {}
    key = dimension_column(dimension, filters)
    inner = select(key.label("k"), Cohort.center_id.label("cid")).select_from(Cohort)
    inner = with_dimension_joins(inner, dimension)
    inner = inner.where(Cohort.status != CohortStatus.CANCELLED, Cohort.start_date <= filters.end,
                        Cohort.end_date >= filters.start, *course_conditions(filters)).subquery()
    outer = select(inner.c.k, func.count(func.distinct(inner.c.cid)).label("n")).group_by(inner.c.k)
    return {row.k: int(row.n) for row in report_session().execute(outer)}


def _with_pre(rows: dict[Any, dict[str, int]], pre: dict[Any, dict[str, int]], names) -> None:
    """Give each group's anchored metrics their count and key sum before the period."""
    for key, values in rows.items():
        before = pre.get(key, {})
        for m in names:
            values[pre_name(m)] = before.get(m, 0)
            values[key_name(pre_name(m))] = before.get(key_name(m), 0)


def metrics(filters: Filters, dimension: str | None = None,
            only: tuple[str, ...] | None = None) -> dict[Any, dict[str, int]]:
    """Every metric (or those in ``only``) per group; groups with no data are absent. When the
    reports perturb, the anchored metrics also carry what came before the period."""
    out = _metrics(filters, dimension, only)
    anchored = tuple(m for m in ANCHORED if only is None or m in only)
    before = filters.before_start()
    if perturbing() and anchored:
        _with_pre(out, _metrics(before, dimension, anchored) if before else {}, anchored)
    return out


def _metrics(filters: Filters, dimension: str | None = None,
             only: tuple[str, ...] | None = None) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    sources = [enrollment_metrics(filters, dimension, only)]
    if only is None or set(only) & set(PLACEMENT_METRICS):
        sources.append(placement_metrics(filters, dimension, only=only))
    for source in sources:
        for key, values in source.items():
            out.setdefault(key, {}).update(values)
    if only is None or "centers" in only:
        for key, n in center_counts(filters, dimension).items():
            out.setdefault(key, {})["centers"] = n
    for values in out.values():
        for m in ALL_METRICS:
            values.setdefault(m, 0)
        for m in KEYED_METRICS:
            values.setdefault(key_name(m), 0)
    return out


ADDITIVE_DIMENSIONS = ("region", "center", "course", "gender", "age_band", "home")


def metrics_with_total(filters: Filters, dimension: str) -> tuple[dict[Any, dict[str, int]], dict[str, int]]:
    """Per group and for all groups together. Each enrollment falls in exactly one group of an
    additive dimension, so the total of the enrollment metrics is the sum of the groups (one
    scan instead of two); people placed, placements and centers are distinct counts and get
    their own (small) queries."""
    if dimension not in ADDITIVE_DIMENSIONS:
        return metrics(filters, dimension), metrics(filters, None).get(0, zero_metrics())
    rows, total = _metrics_with_total(filters, dimension)
    before = filters.before_start()
    if perturbing():
        pre_rows, pre_total = _metrics_with_total(before, dimension, anchored=True) if before else ({}, {})
        _with_pre(rows, pre_rows, ANCHORED)
        _with_pre({0: total}, {0: pre_total}, ANCHORED)
    return rows, total


def _metrics_with_total(filters: Filters, dimension: str, *, anchored: bool = False):
    """:func:`metrics_with_total` for one period (only the anchored metrics with ``anchored``)."""
    enrollment_only = ANCHORED_ENROLLMENT if anchored else None
    placement_only = ANCHORED_PLACEMENT if anchored else None
    rows: dict[Any, dict[str, int]] = {}
    for key, values in enrollment_metrics(filters, dimension, enrollment_only).items():
        rows.setdefault(key, {}).update(values)
    placements = placement_metrics(filters, dimension, with_total=True, only=placement_only)
    placement_total = placements.pop(TOTAL)
    for key, values in placements.items():
        rows.setdefault(key, {}).update(values)
    if anchored:
        total = {n: sum(r.get(n, 0) for r in rows.values()) for m in ANCHORED_ENROLLMENT for n in (m, key_name(m))}
        total.update(placement_total)
        return rows, total
    if dimension not in TRAINEE_DIMENSIONS:
        for key, n in center_counts(filters, dimension).items():
            rows.setdefault(key, {})["centers"] = n
    for values in rows.values():
        for m in ALL_METRICS:
            values.setdefault(m, 0)
        for m in KEYED_METRICS:
            values.setdefault(key_name(m), 0)
    # Key sums add up like the counts they go with.
    total = {n: sum(r[n] for r in rows.values()) for m in ENROLLMENT_METRICS for n in (m, key_name(m))}
    total.update(placement_total)
    # A center belongs to one region, so centers add up over regions and over a region's centers.
    if dimension in ("region", "center"):
        total["centers"] = sum(r["centers"] for r in rows.values())
    elif dimension not in TRAINEE_DIMENSIONS:
        total["centers"] = center_counts(filters, None).get(0, 0)
    for m in ALL_METRICS:
        total.setdefault(m, 0)
    for m in KEYED_METRICS:
        total.setdefault(key_name(m), 0)
    return rows, total


def zero_metrics() -> dict[str, int]:
    return {**{m: 0 for m in ALL_METRICS}, **{key_name(m): 0 for m in KEYED_METRICS},
            **{n: 0 for m in ANCHORED for n in (pre_name(m), key_name(pre_name(m)))}}


# ---- trends ----------------------------------------------------------------------------------

def _bucket_case(column, buckets: list[tuple[str, Any, Any]]):
    return case(*[((and_(column >= lo, column < hi)), literal(label)) for label, lo, hi in buckets],
                else_=null())


def _live_trend_counts(filters: Filters, ts_buckets, day_buckets, count_by) -> None:
    """Enrollments, completions and awards per quarter from the live tables."""
    enroll_base = (select(key_sql(Enrollment.id, "enrollment").label("rkey"))
                   .select_from(Enrollment).join(Cohort, Cohort.id == Enrollment.cohort_id))
    count_by("enrollments", _bucket_case(Enrollment.enrolled_at, ts_buckets), enroll_base,
             [Enrollment.status.in_(EVER_ENROLLED), Enrollment.enrolled_at >= filters.start_at,
              Enrollment.enrolled_at < filters.end_before])
    count_by("completions", _bucket_case(Enrollment.completed_at, ts_buckets), enroll_base,
             [Enrollment.status == EnrollmentStatus.COMPLETED, Enrollment.completed_at >= filters.start_at,
              Enrollment.completed_at < filters.end_before])
    award_base = (select(key_sql(Award.enrollment_id, "enrollment").label("rkey")).select_from(Award).join(Enrollment, Enrollment.id == Award.enrollment_id)
                  .join(Cohort, Cohort.id == Enrollment.cohort_id))
    count_by("awards", _bucket_case(Award.issued_on, day_buckets), award_base,
             [Award.revoked_at.is_(None), Award.renewal_of_id.is_(None),
              Award.issued_on.between(filters.start, filters.end)])


TREND_METRICS = ("enrollments", "completions", "awards", "placements", "local", "regional", "international")
TREND_SOURCES = {"enrollments": "enrolled", "completions": "completed", "awards": "certified",
                 "placements": "placements", "local": "local", "regional": "regional",
                 "international": "international"}


def trend_metrics(filters: Filters, quarters: list[tuple[str, date, date]]) -> dict[str, dict[str, int]]:
    """Per quarter: enrollments (enrolled_at), completions (completed_at), awards (issued_on, not
    revoked, originals), placements (start_date) and placements per market."""
    from datetime import datetime, time
    from zoneinfo import ZoneInfo
    tz = ZoneInfo(filters.timezone)

    def instants(lo: date, hi: date):
        return (datetime.combine(lo, time.min, tzinfo=tz), datetime.combine(hi + timedelta(days=1), time.min, tzinfo=tz))
    ts_buckets = [(label, *instants(lo, hi)) for label, lo, hi in quarters]
    day_buckets = [(label, lo, hi + timedelta(days=1)) for label, lo, hi in quarters]
    out: dict[str, dict[str, int]] = {label: {n: 0 for m in TREND_METRICS for n in (m, key_name(m))}
                                      for label, _, _ in quarters}
    conds = course_conditions(filters)

    def count_by(metric: str, bucket, base, where):
        inner = base.add_columns(bucket.label("q")).where(*where, *conds).subquery()
        stmt = (select(inner.c.q, func.count().label("n"), func.coalesce(func.sum(inner.c.rkey), 0).label("kk"))
                .where(inner.c.q.is_not(None)).group_by(inner.c.q))
        for row in report_session().execute(stmt):
            out[row.q][metric] = int(row.n)
            out[row.q][key_name(metric)] = int(row.kk)

    session = report_session()
    if summary.usable(session, filters, None):
        if session is db.session:
            summary.sync(session)
        for label, values in summary.trend_counts(session, filters, day_buckets).items():
            out[label].update(values)
    else:
        _live_trend_counts(filters, ts_buckets, day_buckets, count_by)

    market = market_case(Employer.country_code, regional_countries())
    # One row per placement (a placement has one start date, hence one quarter): counted and summed
    # plainly, without a COUNT(DISTINCT) per column.
    inner = _placement_base(filters, None, literal_column("0"), [
        Placement.id.label("pid"), market.label("market"), key_sql(Placement.id, "placement").label("pkey"),
        _bucket_case(Placement.start_date, day_buckets).label("q")]).distinct().subquery()
    markets = ("local", "regional", "international")
    stmt = select(
        inner.c.q, func.count().label("placements"),
        *[func.count().filter(inner.c.market == m).label(m) for m in markets],
        func.coalesce(func.sum(inner.c.pkey), 0).label(key_name("placements")),
        *[func.coalesce(func.sum(inner.c.pkey).filter(inner.c.market == m), 0).label(key_name(m)) for m in markets],
    ).where(inner.c.q.is_not(None)).group_by(inner.c.q)
    for row in report_session().execute(stmt):
        for m in ("placements",) + markets:
            out[row.q][m] = int(getattr(row, m))
            out[row.q][key_name(m)] = int(getattr(row, key_name(m)))
    before = filters.before_start()
    if perturbing():
        # Each quarter's cumulative anchor: everything before the period, then the quarters before it.
        running = {m: 0 for m in TREND_METRICS}
        running.update({key_name(m): 0 for m in TREND_METRICS})
        if before is not None:
            pre = enrollment_metrics(before, None, ("enrolled", "completed", "certified")).get(0, {})
            pre.update(placement_metrics(before, None, only=ANCHORED_PLACEMENT).get(0, {}))
            for trend, national in TREND_SOURCES.items():
                running[trend] = pre.get(national, 0)
                running[key_name(trend)] = pre.get(key_name(national), 0)
        for label, _, _ in quarters:
            for m in TREND_METRICS:
                out[label][pre_name(m)] = running[m]
                out[label][key_name(pre_name(m))] = running[key_name(m)]
                running[m] += out[label][m]
                running[key_name(m)] += out[label][key_name(m)]
    return out


# ---- mobility --------------------------------------------------------------------------------

MOBILITY_COLUMNS = ("same_region", "baku", "other_az", "az_unknown", "regional", "international")


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _spellings(name: str) -> set[str]:
    """The forms ``lower(trim(city))`` can take for a city name on SQLite (ASCII-only lower) and
    PostgreSQL (full lower), from the usual ways of writing it."""
    name = " ".join(name.split())
    forms = {name, name.lower(), name.upper(), name.title(), fold(name)}
    return {f(x) for x in forms for f in (str.lower, _ascii_lower)}


@lru_cache(maxsize=1)
def _seed_cities() -> tuple[tuple[str, str], ...]:
    path = ROOT / "seeds" / "region_cities.csv"
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return ()
    out = []
    for row in rows:
        for name in (row.get("city_az"), row.get("city_en")):
            if name and row.get("region_code"):
                out.append((row["region_code"].strip(), name.strip()))
    return tuple(out)


def city_region_map() -> dict[str, int]:
    """Spelling of a city (as ``lower(trim(city))`` gives it) -> region id: the reference list of
    the regions' main cities (seeds/region_cities.csv, Azerbaijani and English names) plus the
    cities of the centers. A spelling claimed by two regions is left out (unknown)."""
    regions = dict(report_session().execute(select(Region.code, Region.id)).all())
    claims: dict[str, set[int]] = {}
    for code, name in _seed_cities():
        if code in regions:
            for s in _spellings(name):
                claims.setdefault(s, set()).add(regions[code])
    for city, region_id in report_session().execute(select(Center.city, Center.region_id).distinct()):
        if city:
            for s in _spellings(city):
                claims.setdefault(s, set()).add(region_id)
    return {s: next(iter(ids)) for s, ids in claims.items() if len(ids) == 1}


def mobility_metrics(filters: Filters) -> dict[Any, dict[str, int]]:
    """Per region of the center where the trainee completed: placements by where they work (with
    what came before the period when the reports perturb: every column is anchored)."""
    out = _mobility_metrics(filters)
    before = filters.before_start()
    if perturbing():
        _with_pre(out, _mobility_metrics(before) if before else {}, ("placements",) + MOBILITY_COLUMNS)
    return out


def _mobility_metrics(filters: Filters) -> dict[Any, dict[str, int]]:
    mapping = city_region_map()
    by_region: dict[int, list[str]] = {}
    for spelling, region_id in mapping.items():
        by_region.setdefault(region_id, []).append(spelling)
    city = func.lower(func.trim(Employer.city))
    whens = [(city.in_(sorted(spellings)), literal(region_id)) for region_id, spellings in by_region.items()]
    employer_region = case(*whens, else_=null()) if whens else null()
    market = market_case(Employer.country_code, regional_countries())
    # One row per (region, placement): the join to completed enrollments repeats a placement for
    # each matching completion; DISTINCT once here lets the outer query count and sum plainly
    # instead of one COUNT(DISTINCT) (a sort each) per column and per key sum.
    inner = _placement_base(filters, "region", Center.region_id, [
        Placement.id.label("pid"), market.label("market"), employer_region.label("emp_region"),
        key_sql(Placement.id, "placement").label("pkey")]).distinct().subquery()
    baku = baku_region_id() or -1
    local = inner.c.market == "local"

    conditions = {
        "same_region": and_(local, inner.c.emp_region == inner.c.k),
        "baku": and_(local, inner.c.emp_region == baku, inner.c.k != baku),
        "other_az": and_(local, inner.c.emp_region.is_not(None), inner.c.emp_region != inner.c.k,
                         inner.c.emp_region != baku),
        "az_unknown": and_(local, inner.c.emp_region.is_(None)),
        "regional": inner.c.market == "regional",
        "international": inner.c.market == "international",
    }
    stmt = select(
        inner.c.k,
        func.count().label("placements"),
        func.coalesce(func.sum(inner.c.pkey), 0).label(key_name("placements")),
        *[func.count().filter(cond).label(c) for c, cond in conditions.items()],
        *[func.coalesce(func.sum(inner.c.pkey).filter(cond), 0).label(key_name(c)) for c, cond in conditions.items()],
    ).group_by(inner.c.k)
    cols = [n for c in ("placements",) + MOBILITY_COLUMNS for n in (c, key_name(c))]
    return {row.k: {c: int(getattr(row, c)) for c in cols} for row in report_session().execute(stmt)}


# ---- the summary checked against the live queries (talent reports check-summary) -------------

def _nonzero(data: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    return {k: v for k, v in data.items() if any(v.values())}


def compare_with_live(session: Session, years: Iterable[int] | None = None,
                      today: date | None = None) -> list[str] | None:
    """Every difference between the per-cohort summary (:mod:`talent.reporting.summary`) and
    the live queries, per year (every year with
    enrollments or awards unless given), dimension and metric; None when the summary is not built."""
    tz = summary.built_timezone(session)
    if tz is None:
        return None
    today = today or clock.today()
    if years is None:
        bounds = session.execute(select(func.min(ReportCohortDay.day), func.max(ReportCohortDay.day))).one()
        years = range(bounds[0].year, bounds[1].year + 1) if bounds[0] else []
    out = []
    for year in years:
        filters = Filters(start=date(year, 1, 1), end=date(year, 12, 31), today=today, kind="year", year=year,
                          timezone=tz)
        for dimension in summary.SUMMARY_DIMENSIONS:
            built = _nonzero(summary.enrollment_metrics(session, filters, dimension))
            live = _nonzero(enrollment_metrics(filters, dimension, live=True))
            for key in sorted(set(built) | set(live), key=str):
                a, b = built.get(key, {}), live.get(key, {})
                for metric in ENROLLMENT_METRICS + tuple(key_name(m) for m in ENROLLMENT_METRICS):
                    if a.get(metric, 0) != b.get(metric, 0):
                        out.append(f"{year} {dimension or 'national'} {key}: {metric} summary {a.get(metric, 0)} "
                                   f"live {b.get(metric, 0)}")
    return out
