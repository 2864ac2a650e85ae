"""The metrics of one period per group (enrollments, placements, centers), with or without the
all-groups total row.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from sqlalchemy import Integer, and_, cast, exists, func, literal_column, or_, select
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement

from talent.catalog.models import course_skills
from talent.credentials.models import Award
from talent.learning.models import Cohort, Enrollment, CohortStatus, EnrollmentStatus
from talent.placement.markets import market_case
from talent.placement.models import Employer, Placement, PlacementStatus
from talent.extensions import db
from talent.reporting import summary
from talent.reporting.dimensions import (EVER_ENROLLED, FINISHED, PLACEMENT_WINDOW_DAYS, TRAINEE_DIMENSIONS,
                                         course_filters, dimension_column, report_session,
                                         with_dimension_joins, course_conditions)
from talent.reporting.cellkey import (key_name, perturbing, pre_name,
                                      report_key_sql as key_sql)
from talent.reporting.periods import Filters
from talent.reporting.queries.common import (ALL_METRICS, ANCHORED, ANCHORED_ENROLLMENT, ANCHORED_PLACEMENT,
                                             ENROLLMENT_METRICS, KEPT_GROUP_COLUMNS, KEYED_METRICS, PLACEMENT_METRICS,
                                             TOTAL, add_days, kept_place_conditions, placement_rows, placement_source,
                                             regional_countries, representative_flag, representative_rows, with_pre)
from talent.centers.models import Center
from talent.reporting.models import ReportCohortPlacement, ReportPlacementMonth


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


def placement_metrics(filters: Filters, dimension: str | None = None, *,
                      with_total: bool = False, only: tuple[str, ...] | None = None,
                      live: bool = False) -> dict[Any, dict[str, int]]:
    """Per group: distinct trainees placed, distinct placements, and placements per market (or
    just the metrics in ``only``). ``with_total`` adds the all-groups row under the key ``TOTAL``
    (distinct counts: not the sum of the groups), from a second query without groups."""
    wanted = [m for m in PLACEMENT_METRICS if only is None or m in only]
    if not wanted:
        return {}
    # The flag first (no database work): without one, placement_rows below asks for the source.
    flag = None if live else representative_flag(filters, dimension)
    if flag is not None and placement_source(filters, dimension) is not None:
        out = _kept_placement_metrics(filters, dimension, flag, wanted)
        if with_total:
            whole = out if dimension is None else _kept_placement_metrics(
                filters, None, representative_flag(filters, None), wanted)
            out[TOTAL] = dict(whole.get(0, {n: 0 for m in wanted for n in (m, key_name(m))}))
        return out
    if not live and dimension in _KEPT_GROUPINGS and placement_source(filters, dimension) is not None \
            and summary.markets_current(report_session()):
        out = _kept_distinct_placement_metrics(filters, dimension, wanted)
        if with_total:
            whole = out if dimension is None else placement_metrics(filters, None, only=only)
            out[TOTAL] = dict(whole.get(0, {n: 0 for m in wanted for n in (m, key_name(m))}))
        return out
    key = dimension_column(dimension, filters)
    market = market_case(Employer.country_code, regional_countries())
    # One row per (group, placement): the join to completed cohorts repeats a placement for each
    # matching completion; the representative rows of the summary (or DISTINCT once, where no flag
    # answers the grouping) let the outer queries count placements and markets plainly instead of
    # one COUNT(DISTINCT) (a sort each) per column and key sum.
    inner = placement_rows(filters, dimension, key, lambda p: [
        p.id.label("pid"), p.trainee_id.label("tid"), market.label("market"),
        # A record key is below 256: as INTEGER its sums are plain BIGINTs on PostgreSQL, where the
        # BIGINT expression made every SUM a NUMERIC (a 128-bit state per group and column), and the
        # per-person aggregate below (one group per person placed) spilled past work_mem at 100k.
        cast(key_sql(p.id, "placement"), Integer).label("pkey"),
        cast(key_sql(p.trainee_id, "trainee"), Integer).label("tkey"),
    ], live=live).subquery()
    markets = ("local", "regional", "international")
    # People placed without a COUNT(DISTINCT) (a sort per group and per key sum): the rows are
    # summed per (group, person) first — one hashed aggregate — and the people are then plain rows.
    # A person's record key is one value, so MIN of it is that key.
    per_person = select(
        inner.c.k, inner.c.tid, func.min(inner.c.tkey).label("tkey"), func.count().label("placements"),
        *[func.count().filter(inner.c.market == m).label(m) for m in markets],
        func.coalesce(func.sum(inner.c.pkey), 0).label(key_name("placements")),
        *[func.coalesce(func.sum(inner.c.pkey).filter(inner.c.market == m), 0).label(key_name(m)) for m in markets],
    ).group_by(inner.c.k, inner.c.tid).subquery()
    columns = {"placed": func.count(), key_name("placed"): func.coalesce(func.sum(per_person.c.tkey), 0),
               **{n: func.coalesce(func.sum(per_person.c[n]), 0)
                  for m in ("placements",) + markets for n in (m, key_name(m))}}
    names = [n for m in wanted for n in (m, key_name(m))]
    outer = select(per_person.c.k, *[columns[n].label(n) for n in names]).group_by(per_person.c.k)
    out = {row.k: {n: int(getattr(row, n)) for n in names} for row in report_session().execute(outer)}
    if with_total:
        whole = out if dimension is None else placement_metrics(filters, None, only=only, live=live)
        out[TOTAL] = dict(whole.get(0, {n: 0 for n in names}))
    return out


# The groupings the kept placement rows answer: none, their own columns, a skill through its courses.
_KEPT_GROUPINGS = (None, "skill", *KEPT_GROUP_COLUMNS)


def _kept_distinct_placement_metrics(filters: Filters, dimension: str | None,
                                     wanted: list[str]) -> dict[Any, dict[str, int]]:
    """:func:`placement_metrics` from the kept placement rows where no representative flag answers
    the grouping (a skill, a course filter, courses across centers): one row per (group, placement)
    by DISTINCT, over the rows' own group, market and record keys (no join to cohorts, employers or
    trainees, no key computed per row), and a person placed as the first of their rows in the group
    (``row_number`` over the order the DISTINCT has just sorted by) instead of an aggregate per
    (group, person) and a second one per group: a center's placements per skill at 1M 62 -> 36 ms."""
    F = ReportCohortPlacement
    if dimension == "skill":
        key = course_skills.c.skill_id
    elif dimension is None:
        key = literal_column("0")
    else:
        key = getattr(F, KEPT_GROUP_COLUMNS[dimension])
    keyed = perturbing()
    rows = (select(key.label("k"), F.trainee_id.label("tid"), F.placement_id.label("pid"), F.market.label("market"),
                   (F.pkey if keyed else literal_column("0")).label("pkey"),
                   (F.tkey if keyed else literal_column("0")).label("tkey"))
            .select_from(F)
            .where(F.start_date.between(filters.start, filters.end), *kept_place_conditions(filters, F),
                   *[F.course_id.in_(courses) for courses in course_filters(filters)]))
    if dimension == "skill":
        rows = rows.join(course_skills, course_skills.c.course_id == F.course_id)
    d = rows.distinct().subquery()
    ranked = select(d.c.k, d.c.market, d.c.pkey, d.c.tkey,
                    func.row_number().over(partition_by=(d.c.k, d.c.tid), order_by=d.c.pid).label("rn")).subquery()
    first = ranked.c.rn == 1

    def total(column, cond=None):
        return func.coalesce(func.sum(column) if cond is None else func.sum(column).filter(cond), 0)

    markets = ("local", "regional", "international")
    columns = {"placed": func.count().filter(first), key_name("placed"): total(ranked.c.tkey, first),
               "placements": func.count(), key_name("placements"): total(ranked.c.pkey),
               **{m: func.count().filter(ranked.c.market == m) for m in markets},
               **{key_name(m): total(ranked.c.pkey, ranked.c.market == m) for m in markets}}
    names = [n for m in wanted for n in (m, key_name(m))]
    stmt = select(ranked.c.k, *[columns[n].label(n) for n in names]).group_by(ranked.c.k)
    return {row.k: {n: int(getattr(row, n)) for n in names} for row in report_session().execute(stmt)}


def _kept_placement_metrics(filters: Filters, dimension: str | None, flag: str,
                            wanted: list[str]) -> dict[Any, dict[str, int]]:
    """:func:`placement_metrics` from the representative rows in one flat pass: each placement of a
    group is one flagged row, and a person placed is a row that is the person's first in the group
    within the period — its previous flagged row in the group (kept with it) started before the
    period, or there is none. No aggregate per person, no sort."""
    months = month_rows(filters, dimension, flag)
    if months is None:
        return _row_placement_metrics(filters, dimension, flag, wanted, filters.start)
    kept, where, tail = months
    out = _month_placement_metrics(filters, wanted, kept, where)
    if tail is not None:
        # The days of the period's last, partial month from the rows themselves: a row there is its
        # trainee's first in the period when its previous start is before the period's first day.
        for key, values in _row_placement_metrics(tail, dimension, flag, wanted, filters.start).items():
            target = out.setdefault(key, dict.fromkeys(values, 0))
            for name, value in values.items():
                target[name] += value
    return out


def _row_placement_metrics(filters: Filters, dimension: str | None, flag: str, wanted: list[str],
                           first_before) -> dict[Any, dict[str, int]]:
    """The flat pass over the representative rows of ``filters``' period (a row counts as a person
    placed when its previous start is before ``first_before``, the reported period's first day)."""
    F = ReportCohortPlacement
    kept, where = representative_rows(filters, dimension, flag)
    previous = getattr(F, summary.PREVIOUS_OF[flag])
    first = or_(previous.is_(None), previous < first_before)
    # The market kept on the row while it was taken with the configured regional countries (no
    # join to the employers, no CASE per row), else from the employer's country.
    own_market = summary.markets_current(report_session())
    market = F.market if own_market else market_case(Employer.country_code, regional_countries())
    # The record keys kept on the rows (written with them; the summary is read only while its key
    # fingerprint is the configured one), or none when the reports do not perturb.
    keyed = perturbing()
    pkey = F.pkey if keyed else literal_column("0")
    tkey = F.tkey if keyed else literal_column("0")

    def keysum(cond=None):
        return func.coalesce(func.sum(pkey) if cond is None else func.sum(pkey).filter(cond), 0)

    columns = {"placed": func.count().filter(first), key_name("placed"): func.coalesce(func.sum(tkey).filter(first), 0),
               "placements": func.count(), key_name("placements"): keysum(),
               **{m: func.count().filter(market == m) for m in ("local", "regional", "international")},
               **{key_name(m): keysum(market == m) for m in ("local", "regional", "international")}}
    names = [n for m in wanted for n in (m, key_name(m))]
    stmt = select(kept.label("k"), func.count().label("rows_"), *[columns[n].label(n) for n in names]).select_from(F)
    if not own_market:
        stmt = stmt.join(Employer, Employer.id == F.employer_id)
    stmt = stmt.where(*where)
    if dimension is not None:
        stmt = stmt.group_by(kept)
    # A group with no rows is absent, as in the pass per person (the national row of no rows too).
    return {row.k: {n: int(getattr(row, n)) for n in names}
            for row in report_session().execute(stmt) if row.rows_}


def _month_placement_metrics(filters: Filters, wanted: list[str], kept, where) -> dict[Any, dict[str, int]]:
    """:func:`_kept_placement_metrics` from report_placement_months: the same sums over the
    representative rows, added up per month beforehand. A row is its trainee's first in the group
    within the period when its previous start's quarter begins before the period (which begins on a
    quarter's first day)."""
    M = ReportPlacementMonth
    first = M.prev_quarter < filters.start
    keyed = perturbing()

    def total(column, cond=None):
        value = column if keyed or column is M.placements else literal_column("0")
        summed = func.sum(value) if cond is None else func.sum(value).filter(cond)
        return func.coalesce(summed, 0)

    markets = ("local", "regional", "international")
    columns = {"placed": total(M.placements, first), key_name("placed"): total(M.tkey, first),
               "placements": total(M.placements), key_name("placements"): total(M.pkey),
               **{m: total(M.placements, M.market == m) for m in markets},
               **{key_name(m): total(M.pkey, M.market == m) for m in markets}}
    names = [n for m in wanted for n in (m, key_name(m))]
    stmt = select(kept.label("k"), total(M.placements).label("rows_"), *[columns[n].label(n) for n in names]).where(*where)
    if kept is M.group_id:
        stmt = stmt.group_by(kept)
    return {row.k: {n: int(getattr(row, n)) for n in names}
            for row in report_session().execute(stmt) if row.rows_}


def month_rows(filters: Filters, dimension: str | None, flag: str):
    """``(group column, conditions, tail)`` of the report_placement_months rows that answer this
    grouping and period, or None: a grouping the roll-up keeps (national; per region, center or
    sector with its flag), a period starting on a quarter's first day and holding at least one whole
    month, no course filter but a sector objective's, and markets taken with the configured regional
    countries. ``tail`` is the period's last month when the period ends before that month does (a
    count objective's period ends today): its days are read from the placement rows, None otherwise."""
    start, after = filters.start, filters.end + timedelta(days=1)
    if start.day != 1 or start.month not in (1, 4, 7, 10):
        return None
    last_month = filters.end.replace(day=1)
    whole_to = filters.end if after.day == 1 else last_month - timedelta(days=1)
    if whole_to < start:
        return None
    if filters.level or filters.skill_id or (filters.sector_id and flag != "rep_sector"):
        return None
    tail = None if whole_to == filters.end else replace(filters, start=last_month, kind="custom")
    M = ReportPlacementMonth
    where = [M.month.between(start, whole_to)]
    if flag == "rep_all" and dimension is None and not (filters.region_id or filters.center_id):
        where.append(M.scope == "all")
    elif flag == "rep_region" and dimension in (None, "region") and not filters.center_id:
        where.append(M.scope == "region")
        if filters.region_id:
            where.append(M.group_id == filters.region_id)
    elif flag == "rep_center" and dimension in (None, "center"):
        where.append(M.scope == "center")
        if filters.center_id:
            where.append(M.group_id == filters.center_id)
        if filters.region_id:
            where.append(M.group_id.in_(select(Center.id).where(Center.region_id == filters.region_id)))
    elif flag == "rep_sector" and dimension is None:
        where += [M.scope == "sector", M.group_id == filters.sector_id]
    else:
        return None
    if not summary.markets_current(report_session()):
        return None
    return (literal_column("0") if dimension is None else M.group_id), where, tail


def center_counts(filters: Filters, dimension: str | None = None) -> dict[Any, int]:
    """Centers that ran at least one matching cohort (not cancelled) overlapping the period.
    Nationally, per region or per center, as the centers with such a cohort: one probe per center
    (``ix_cohorts_center_id_end_date``) instead of every such cohort read and its centers
    deduplicated (18 -> 0.6 ms at 1M); per course or skill, the distinct centers of the cohorts."""
    if dimension in TRAINEE_DIMENSIONS:
        return {}
    if dimension in (None, "region", "center"):
        # An alias: the filters' own subqueries on centers (a region filter) stay uncorrelated.
        C = aliased(Center)
        key = {None: literal_column("0"), "region": C.region_id, "center": C.id}[dimension]
        ran = exists(select(Cohort.id).where(Cohort.center_id == C.id, *_ran_in(filters)))
        stmt = select(key.label("k"), func.count().label("n")).select_from(C).where(ran)
        if dimension is not None:
            stmt = stmt.group_by(key)
        return {row.k: int(row.n) for row in report_session().execute(stmt) if row.n}
    return _center_counts_of_cohorts(filters, dimension)


def _ran_in(filters: Filters) -> list:
    """A cohort counts for its center: not cancelled, overlapping the period, matching the filters."""
    return [Cohort.status != CohortStatus.CANCELLED, Cohort.start_date <= filters.end,
            Cohort.end_date >= filters.start, *course_conditions(filters)]


def _center_counts_of_cohorts(filters: Filters, dimension: str | None) -> dict[Any, int]:
    """:func:`center_counts` as the distinct centers of the matching cohorts, per group (the
    definition; the grouping by course or skill, where a center counts once per course or skill)."""
    key = dimension_column(dimension, filters)
    inner = select(key.label("k"), Cohort.center_id.label("cid")).select_from(Cohort)
    inner = with_dimension_joins(inner, dimension)
    inner = inner.where(*_ran_in(filters)).subquery()
    outer = select(inner.c.k, func.count(func.distinct(inner.c.cid)).label("n")).group_by(inner.c.k)
    return {row.k: int(row.n) for row in report_session().execute(outer)}


def metrics(filters: Filters, dimension: str | None = None,
            only: tuple[str, ...] | None = None) -> dict[Any, dict[str, int]]:
    """Every metric (or those in ``only``) per group; groups with no data are absent. When the
    reports perturb, the anchored metrics also carry what came before the period."""
    out = _metrics(filters, dimension, only)
    anchored = tuple(m for m in ANCHORED if only is None or m in only)
    before = filters.before_start()
    if perturbing() and anchored:
        with_pre(out, _metrics(before, dimension, anchored) if before else {}, anchored)
    return out


def metrics_by(filters: Filters, dimensions: tuple[str, ...],
               only: tuple[str, ...] | None = None) -> dict[str, dict[Any, dict[str, int]]]:
    """:func:`metrics` for several dimensions: ``{dimension: metrics(filters, dimension, only)}``,
    the same figures. When every dimension is the trainee's (gender, age band, home) and only
    enrollment metrics are asked for, the summary's group rows are read once, grouped by all the
    dimensions together, and each dimension's groups are summed from those rows (every enrollment
    row falls in exactly one combination, so the sums are exact): two statements per period instead
    of two per dimension and period (the fairness page: 12 → 4 with the before-the-period values)."""
    if not _one_pass(filters, dimensions, only):
        return {d: metrics(filters, d, only) for d in dimensions}
    out = {d: _metrics(filters, d, only, enrollments=rows)
           for d, rows in _enrollments_by(filters, dimensions, only).items()}
    anchored = tuple(m for m in ANCHORED if only is None or m in only)
    before = filters.before_start()
    if perturbing() and anchored:
        pre = ({d: _metrics(before, d, anchored, enrollments=rows)
                for d, rows in _enrollments_by(before, dimensions, anchored).items()}
               if before else {d: {} for d in dimensions})
        for d in dimensions:
            with_pre(out[d], pre[d], anchored)
    return out


def _one_pass(filters: Filters, dimensions: tuple[str, ...], only: tuple[str, ...] | None) -> bool:
    if len(dimensions) < 2 or not set(dimensions) <= set(TRAINEE_DIMENSIONS):
        return False
    if only is None or set(only) & set(PLACEMENT_METRICS):  # placements are distinct counts: per dimension
        return False
    return summary.usable(report_session(), filters, dimensions[0])


def _enrollments_by(filters: Filters, dimensions: tuple[str, ...],
                    only: tuple[str, ...]) -> dict[str, dict[Any, dict[str, int]]]:
    """:func:`enrollment_metrics` (summary path) of each dimension, from one grouping by all."""
    wanted = [m for m in ENROLLMENT_METRICS if m in only]
    out: dict[str, dict[Any, dict[str, int]]] = {d: {} for d in dimensions}
    if not wanted:
        return out
    session = report_session()
    if session is db.session:
        summary.sync(session)  # this transaction's own changes first
    names = [n for m in wanted for n in (m, key_name(m))]
    combined = summary.enrollment_metrics(session, filters, tuple(dimensions), wanted)
    for i, d in enumerate(dimensions):
        groups = out[d]
        for key, values in combined.items():
            group = groups.setdefault(key[i], dict.fromkeys(names, 0))
            for n in names:
                group[n] += values.get(n, 0)
        # As the summary leaves out groups whose metrics are all zero.
        out[d] = {k: v for k, v in groups.items() if any(v.values())}
    return out


def _metrics(filters: Filters, dimension: str | None = None,
             only: tuple[str, ...] | None = None, *,
             enrollments: dict[Any, dict[str, int]] | None = None) -> dict[Any, dict[str, int]]:
    out: dict[Any, dict[str, int]] = {}
    sources = [enrollment_metrics(filters, dimension, only) if enrollments is None else enrollments]
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
        with_pre(rows, pre_rows, ANCHORED)
        with_pre({0: total}, {0: pre_total}, ANCHORED)
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


def skill_metrics(filters: Filters, by_course: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    """:func:`metrics` by skill, given the same filters' metrics by course (``by_course``, as
    :func:`metrics` or :func:`metrics_with_total` give them). A cohort counts once for each skill
    of its course, so a skill's enrollment metrics are the sums of its courses' (the grouping by
    skill joined course_skills and read the same summary rows a second time: 27 ms of a center
    page's SQL at 1M); people placed, placements and centers are distinct counts, read per skill.
    When the reports perturb a period that does not start at the anchor, the anchored metrics'
    values before it come from courses that may have no row in the period: then the plain
    :func:`metrics` (a whole year, the default view, starts at the anchor: nothing before it)."""
    before = filters.before_start()
    if perturbing() and before is not None:
        return metrics(filters, "skill")
    skills_of: dict[int, list[int]] = {}
    for course_id, skill_id in report_session().execute(select(course_skills.c.course_id, course_skills.c.skill_id)):
        skills_of.setdefault(course_id, []).append(skill_id)
    names = [n for m in ENROLLMENT_METRICS for n in (m, key_name(m))]
    enrolled: dict[Any, dict[str, int]] = {}
    for course_id, values in by_course.items():
        if any(values.get(n) for n in names):   # as enrollment_metrics leaves out all-zero groups
            for skill_id in skills_of.get(course_id, ()):
                row = enrolled.setdefault(skill_id, dict.fromkeys(names, 0))
                for n in names:
                    row[n] += values.get(n, 0)
    out = _metrics(filters, "skill", enrollments=enrolled)
    if perturbing():
        with_pre(out, {}, ANCHORED)   # as metrics() with nothing before the period
    return out


def zero_metrics() -> dict[str, int]:
    return {**{m: 0 for m in ALL_METRICS}, **{key_name(m): 0 for m in KEYED_METRICS},
            **{n: 0 for m in ANCHORED for n in (pre_name(m), key_name(pre_name(m)))}}
