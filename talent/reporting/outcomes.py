"""Outcome indicators (issue 20), after the US WIOA primary indicators of performance: what
became of the people who left training, by region, center, course level, gender and market, under
the disclosure rule every ministry answer uses (:func:`suppress`, the cell-key method with the
record keys of the ``enrollment`` domain; medians of fewer than k people are not shown).

Definitions (written out in az/en/ru in :mod:`talent.reporting.outcome_definitions`):

- *exit*: an enrollment that ended completed, failed or withdrawn, of someone who was enrolled
  (``enrolled_at`` set) in a cohort that was not cancelled. Its *exit date* is the cohort's end
  date for completed and failed; for withdrawn the local (Asia/Baku) date of the withdrawal, or the
  cohort's end date when none was recorded. A withdrawal dated before the cohort started is not an
  exit (the person never took part). The *exiters of a period* are the exits whose exit date falls
  in it; a person who leaves two cohorts counts twice. Quarters are calendar quarters of the exit
  date.
- *employed in the 2nd (4th) quarter after exit*: a job (placement, not rejected) held at any time
  during that calendar quarter: started on or before its last day and not ended before its first.
  Measured only for exits whose quarter is over (the base: exits whose 2nd, resp. 4th, quarter
  after the exit quarter has ended by the report date).
- *median monthly pay in the 2nd quarter*: for each exiter employed in that quarter with a pay
  recorded, the highest monthly pay (AZN) of the jobs held in it; the median of those (the mean
  of the middle two for an even number), rounded to 10 AZN. Not shown for fewer than k people or
  when their published count is withheld.
- *credential attainment*: exits whose enrollment has an award (not revoked) issued on or before
  one year after the exit date, over every exit whose year after exit has passed.
- *market*: local / regional / international by the employer's country; only the employment
  indicators have a market: an exiter counts in a market when a job of that market was held in
  the quarter (in each market they held one), over all exiters measured. No credential by market.

Read from the kept exits (:mod:`talent.reporting.exits`, one row per exit with its date, groups,
jobs and award worked out when it was written) while the report summary is current and was built
with the configured regional countries; otherwise a live query (GROUP BY in the database over the
enrollments, jobs and awards). Both end in the same aggregation (:func:`_parts`). In the live query exit quarters are integers
(``year * 4 + quarter``); a job is held in a quarter when it started before the next quarter's first
day and did not end before the quarter's own (dates built per exit); the year after exit compares
like ``yyyymmdd + 10000`` — the same SQL on SQLite and PostgreSQL but for those date helpers.
Counts of exits are counts of a period's events and are anchored
like every such count (docs/disclosure.md §2 step 4).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, ROUND_HALF_UP
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Date, Float, Integer, String, and_, case, cast, exists, extract, func, literal, literal_column, null,
                        or_, select, type_coerce, union_all)

from talent.catalog.models import LEVELS, Course
from talent.centers.models import Center
from talent.credentials.models import Award
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import current_language
from talent.learning.models import Cohort, CohortStatus, Enrollment, EnrollmentStatus
from talent.people.models import GENDERS, Trainee
from talent.permissions import Actor, P, require
from talent.placement.markets import INTERNATIONAL, LOCAL, REGIONAL, current_regional_countries, market_case
from talent.placement.models import Employer, Placement, PlacementStatus
from talent.reporting import exits as kept_exits, kept, summary
from talent.reporting.cellkey import key_name, perturbing, pre_name, report_key_sql
from talent.reporting.models import ReportExit, ReportExitDay
from talent.reporting.dimensions import course_conditions, dialect_name
from talent.reporting.periods import Filters, names_published_period, published_filters, quarter_bounds
from talent.reporting.reports import NamedTable, Report
from talent.reporting.suppression import HIDDEN_RATE, NO_BASE, SHOWN, Cell, RateSpec, Table, TableSpec, suppress
from talent.errors import PermissionDenied

DOMAIN = "enrollment"
EXIT_STATUSES = (EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED, EnrollmentStatus.WITHDRAWN)
MARKETS = (LOCAL, REGIONAL, INTERNATIONAL)
DIMENSIONS = ("region", "center", "level", "gender", "market")
PAY_ROUNDING = 10  # AZN

COUNTS = ["exiters", "q2_base", "employed_q2", "q4_base", "employed_q4", "paid_q2", "cred_base", "credentialed"]
RATES = [RateSpec("employment_q2_rate", "employed_q2", "q2_base"),
         RateSpec("employment_q4_rate", "employed_q4", "q4_base"),
         RateSpec("credential_rate", "credentialed", "cred_base")]
SPEC = TableSpec(counts=COUNTS, rates=RATES, additive=False)
MARKET_COUNTS = ["q2_base", "employed_q2", "q4_base", "employed_q4", "paid_q2"]
MARKET_SPEC = TableSpec(counts=MARKET_COUNTS, rates=RATES[:2], additive=False)
COLUMNS = ["exiters", "q2_base", "employed_q2", "employment_q2_rate", "q4_base", "employed_q4",
           "employment_q4_rate", "paid_q2", "median_pay_q2", "cred_base", "credentialed", "credential_rate"]
MARKET_COLUMNS = ["q2_base", "employed_q2", "employment_q2_rate", "q4_base", "employed_q4", "employment_q4_rate",
                  "paid_q2", "median_pay_q2"]
COLUMN_LABELS = {
    "exiters": _l("Exiters"),
    "q2_base": _l("Measured at Q2"), "employed_q2": _l("Employed in Q2 after exit"),
    "employment_q2_rate": _l("Employment rate Q2 %"),
    "q4_base": _l("Measured at Q4"), "employed_q4": _l("Employed in Q4 after exit"),
    "employment_q4_rate": _l("Employment rate Q4 %"),
    "paid_q2": _l("Employed in Q2 with pay recorded"), "median_pay_q2": _l("Median monthly pay Q2 (AZN)"),
    "cred_base": _l("Measured for credentials"), "credentialed": _l("Credential within a year"),
    "credential_rate": _l("Credential attainment %"),
}
TABLE_TITLES = {"region": _l("Outcomes by region"), "center": _l("Outcomes by center"),
                "level": _l("Outcomes by course level"), "gender": _l("Outcomes by gender"),
                "market": _l("Employment by market")}
KEY_LABELS = {"region": _l("Region"), "center": _l("Center"), "level": _l("Course level"),
              "gender": _l("Gender"), "market": _l("Market")}
GENDER_LABELS = {"F": _l("Women"), "M": _l("Men")}
LEVEL_LABELS = {"foundation": _l("Foundation"), "intermediate": _l("Intermediate"), "advanced": _l("Advanced")}
MARKET_LABELS = {LOCAL: _l("Local"), REGIONAL: _l("Regional"), INTERNATIONAL: _l("International")}


# ---- dates as integers, the same on SQLite and PostgreSQL -----------------------------------------

quarter_index = kept_exits.quarter_index


def _part(field: str, column):
    """A field of a date as an integer. On PostgreSQL ``date_part`` (a double) rather than
    ``extract``, which since PostgreSQL 14 computes a numeric, several times slower per row."""
    if dialect_name() == "postgresql":
        return cast(func.date_part(field, column), Integer)
    return cast(extract(field, column), Integer)


def _quarter_sql(column):
    month = _part("month", column)
    return _part("year", column) * 4 + case((month <= 3, 0), (month <= 6, 1), (month <= 9, 2), else_=3)


def _ymd_sql(column):
    return _part("year", column) * 10000 + _part("month", column) * 100 + _part("day", column)


def _quarter_start_sql(index):
    """The first day of the quarter numbered ``index`` (an integer expression), comparable with the
    date columns: PostgreSQL a date, SQLite its ISO text (how SQLite stores dates)."""
    year, month = index // 4, (index % 4) * 3 + 1
    if dialect_name() == "sqlite":
        return func.printf("%04d-%02d-01", year, month)
    return func.make_date(year, month, 1)


def _year_after_sql(column):
    """The date a year after a date column, as ``yyyymmdd + 10000`` compares: 29 February + a year
    is 28 February (PostgreSQL's date arithmetic; on SQLite the text '…-02-29', which sorts between
    28 February and 1 March)."""
    if dialect_name() == "sqlite":
        return func.printf("%04d-%s", _part("year", column) + 1, func.strftime("%m-%d", column))
    return cast(column + literal_column("interval '1 year'"), Date)


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _local_date_sql(column, timezone: str, today: date):
    """The local calendar date of a stored instant. PostgreSQL converts with the zone itself;
    SQLite (development and tests) shifts by the zone's offset on the report date (Asia/Baku has
    had no daylight saving since 2016)."""
    if dialect_name() == "sqlite":
        offset = ZoneInfo(timezone).utcoffset(datetime.combine(today, time(12)))
        minutes = int(offset.total_seconds() // 60) if offset else 0
        return func.date(column, f"{minutes:+d} minutes")
    return cast(func.timezone(timezone, column), Date)


def _withdrawal_dated():
    return and_(Enrollment.status == EnrollmentStatus.WITHDRAWN, Enrollment.withdrawn_at.is_not(None))


def exit_date_sql(timezone: str, today: date):
    return type_coerce(case((_withdrawal_dated(), _local_date_sql(Enrollment.withdrawn_at, timezone, today)),
                            else_=Cohort.end_date), Date)


# ---- the query ------------------------------------------------------------------------------------
#
# One statement per period; every per-exit look-up runs once, as a join (no correlated subquery
# per indicator and market), and the statement never joins two CTEs row by row (their row
# estimates are guesses, so such a join could be planned as a nested loop):
#
# - ``ended``: the enrollments that may have exited in the period — a cheap pre-filter on stored
#   values (the cohort's end date in the period, or a withdrawal instant within two days of it) —
#   with the person's gender, the record key and the exit date worked out once (the time-zone
#   conversion of a withdrawal);
# - ``exits``: the exits of the period exactly (exit date in the period, not before the cohort's
#   start) with their quarter, yyyymmdd, year after exit and the first days of the quarters after;
# - ``outcome_flags``: per exit, the indicators as 0/1 and the Q2 pay, overall and per market — one outer
#   join to the jobs of the person that can be held in the 2nd or 4th quarter after exit (only
#   for exits whose 2nd quarter is over; ``ix_placements_trainee_id_start_date``), MAX over them,
#   and the award within a year by index;
# - ``fine``: every count and key sum per (center, course, gender) — the one aggregation of the
#   exits; each breakdown sums these few rows (joined to centers and courses for the region and
#   level), as the counts are additive over them;
# - medians (PostgreSQL): ``percentile_cont`` per breakdown over ``paid`` (the exits with a Q2
#   pay only), joined to the breakdown's sums. SQLite reads ``paid`` in a second statement.
#
# ``ended``, ``exits``, ``outcome_flags`` and ``fine`` are MATERIALIZED (PostgreSQL and SQLite >= 3.35
# alike).

GROUP_COLUMNS = ("region", "center", "level", "gender")
BASE_COUNTS = ["exiters", "q2_base", "employed_q2", "q4_base", "employed_q4", "paid_q2", "cred_base", "credentialed"]
MARKET_FLAGS = ["employed_q2", "employed_q4", "paid_q2"]


def _m(name: str, market: str) -> str:
    return f"{name}__{market}"


ALL_COUNTS = BASE_COUNTS + [_m(name, market) for market in MARKETS for name in MARKET_FLAGS]
PAY_COLUMNS = ["pay_q2"] + [_m("pay_q2", market) for market in MARKETS]
MARKET_MEDIAN_DIMENSIONS = (None, "gender")   # the breakdowns whose median pay per market is read


def _flag(condition):
    return case((condition, 1), else_=0)


def _exits(filters: Filters):
    exit_date = exit_date_sql(filters.timezone, filters.today)
    # Necessary (not sufficient) conditions on stored values: a local date is within a day of its
    # UTC instant. The exact conditions follow, on the exit date worked out once.
    window_from = datetime.combine(filters.start - timedelta(days=2), time(0))
    window_to = datetime.combine(filters.end + timedelta(days=3), time(0))
    candidate = or_(and_(_withdrawal_dated(), Enrollment.withdrawn_at >= window_from,
                         Enrollment.withdrawn_at < window_to),
                    and_(~_withdrawal_dated(), Cohort.end_date >= filters.start, Cohort.end_date <= filters.end))
    ended = (select(Enrollment.id.label("id"), Enrollment.trainee_id.label("trainee_id"),
                    Cohort.center_id.label("center"), Cohort.course_id.label("course"),
                    Trainee.gender.label("gender"), Cohort.start_date.label("cohort_start"),
                    exit_date.label("exit_date"), report_key_sql(Enrollment.id, DOMAIN).label("key"))
             .select_from(Enrollment)
             .join(Cohort, Cohort.id == Enrollment.cohort_id)
             .join(Trainee, Trainee.id == Enrollment.trainee_id)
             .where(Enrollment.status.in_(EXIT_STATUSES), Enrollment.enrolled_at.is_not(None),
                    Cohort.status != CohortStatus.CANCELLED, Cohort.start_date <= filters.end, candidate,
                    *course_conditions(filters))
             .cte("ended").prefix_with("MATERIALIZED"))
    e = ended.c
    q = _quarter_sql(e.exit_date)
    return (select(e.id, e.trainee_id, e.center, e.course, e.gender, e.key, q.label("q"),
                   _ymd_sql(e.exit_date).label("ymd"), _year_after_sql(e.exit_date).label("year_after"),
                   *[_quarter_start_sql(q + offset).label(f"from_q{offset}") for offset in (2, 3, 4, 5)])
            .where(e.exit_date >= e.cohort_start, e.exit_date >= filters.start, e.exit_date <= filters.end)
            .cte("exits").prefix_with("MATERIALIZED"))


def _flags(filters: Filters):
    """Per exit of the period: its groups and record key, each indicator as 0/1 and the Q2 pay,
    overall and per market (NULL when not measured or no pay)."""
    exits = _exits(filters)
    x = exits.c
    today_q = quarter_index(filters.today)
    market = market_case(Employer.country_code, current_regional_countries())

    def held(offset: int):
        """Held at any time in the quarter ``offset`` after the exit quarter: started before the
        next quarter's first day, not ended before its own (plain date comparisons per job)."""
        return and_(Placement.start_date < x[f"from_q{offset + 1}"],
                    or_(Placement.end_date.is_(None), Placement.end_date >= x[f"from_q{offset}"]))

    held_q2, held_q4 = held(2), and_(x.q + 4 < today_q, held(4))
    cred_base = x.ymd + 10000 <= _ymd(filters.today)
    awarded = exists(select(Award.id).where(Award.enrollment_id == x.id, Award.revoked_at.is_(None),
                                            Award.issued_on <= x.year_after))
    measured = [x.center, x.course, x.gender, x.key, literal_column("1").label("q2_base"),
                _flag(x.q + 4 < today_q).label("q4_base"),
                _flag(cred_base).label("cred_base"), _flag(and_(cred_base, awarded)).label("credentialed")]
    # The exits whose 2nd quarter after exit is not over yet are measured for nothing (the year
    # after exit is not over either): no job is looked up for them.
    unmeasured = [x.center, x.course, x.gender, x.key, *[literal_column("0").label(n) for n in
                                                          ("q2_base", "q4_base", "cred_base", "credentialed")]]
    for m in (None,) + MARKETS:
        in_market = (lambda c: c) if m is None else (lambda c, m=m: and_(c, market == literal_column(f"'{m}'")))
        name = (lambda n: n) if m is None else (lambda n, m=m: _m(n, m))
        measured += [func.coalesce(func.max(_flag(in_market(held_q2))), 0).label(name("employed_q2")),
                     func.coalesce(func.max(_flag(in_market(held_q4))), 0).label(name("employed_q4")),
                     func.max(case((in_market(held_q2), Placement.monthly_pay_azn), else_=None)).label(name("pay_q2"))]
        unmeasured += [literal_column("0").label(name("employed_q2")), literal_column("0").label(name("employed_q4")),
                       type_coerce(null(), Placement.monthly_pay_azn.type).label(name("pay_q2"))]
    return (union_all(
        select(*measured)
        .select_from(exits)
        .outerjoin(Placement, and_(Placement.trainee_id == x.trainee_id,
                                   Placement.verification != PlacementStatus.REJECTED,
                                   Placement.start_date < x.from_q5,
                                   or_(Placement.end_date.is_(None), Placement.end_date >= x.from_q2)))
        .outerjoin(Employer, Employer.id == Placement.employer_id)
        .where(x.q + 2 < today_q)
        .group_by(x.id, x.center, x.course, x.gender, x.key, x.q, x.ymd, x.year_after, x.from_q2, x.from_q3,
                  x.from_q4, x.from_q5),
        select(*unmeasured).where(x.q + 2 >= today_q))
        .cte("outcome_flags").prefix_with("MATERIALIZED"))


def _measured(filters: Filters, exit_date):
    """Whether an exit (by its date) is measured at Q2, at Q4 and for credentials on the report
    date: conditions on the kept exit date (talent.reporting.exits.measured_before)."""
    bounds = kept_exits.measured_before(filters.today)
    return exit_date < bounds["q2"], exit_date < bounds["q4"], exit_date <= bounds["cred"]


def _kept_where(stmt, model, filters: Filters):
    stmt = stmt.where(model.exit_date >= filters.start, model.exit_date <= filters.end)
    conditions = course_conditions(filters)
    if conditions:
        stmt = stmt.join(Cohort, Cohort.id == model.cohort_id).where(*conditions)
    return stmt


def _kept_by_course(filters: Filters):
    """Every count and key sum per (center, course, gender) from the kept day sums of the period's
    exits (:class:`ReportExitDay`), each indicator counted where measured on the report date."""
    D = ReportExitDay
    q2, q4, cred = _measured(filters, D.exit_date)
    keyed = perturbing()

    def total(count: str, condition=None):
        value, key = getattr(D, count), getattr(D, count + "_key")
        if condition is not None:
            value, key = case((condition, value), else_=0), case((condition, key), else_=0)
        return [func.sum(value), func.sum(key) if keyed else literal_column("0")]

    sources = {"exiters": ("exiters", None), "q2_base": ("exiters", q2), "employed_q2": ("employed_q2", q2),
               "q4_base": ("exiters", q4), "employed_q4": ("employed_q4", q4), "paid_q2": ("paid_q2", q2),
               "cred_base": ("exiters", cred), "credentialed": ("credentialed", cred)}
    for m in MARKETS:
        for name, condition in (("employed_q2", q2), ("employed_q4", q4), ("paid_q2", q2)):
            sources[_m(name, m)] = (f"{name}_{m}", condition)
    columns = [D.center_id.label("center"), D.course_id.label("course"), D.gender.label("gender")]
    for name in ALL_COUNTS:
        count, key = total(*sources[name])
        columns += [count.label(name), key.label(key_name(name))]
    stmt = _kept_where(select(*columns), D, filters)
    return stmt.group_by(D.center_id, D.course_id, D.gender).subquery()


def _kept_paid(filters: Filters):
    """The kept exits of the period measured at Q2 with a Q2 pay: groups and pays."""
    R = ReportExit
    q2, _q4, _cred = _measured(filters, R.exit_date)
    stmt = select(R.center_id.label("center"), R.course_id.label("course"), R.gender.label("gender"),
                  *[getattr(R, p.replace("__", "_")).label(p) for p in PAY_COLUMNS]).where(q2, R.pay_q2.is_not(None))
    return _kept_where(stmt, R, filters).subquery()


def _parts(filters: Filters, live: bool = False):
    """The CTEs of one period: ``fine`` (every count and key sum per region, center, level and
    gender) and ``paid`` (per exit with a Q2 pay: its groups and pays) — from the kept exits while
    the summary answers (and ``live`` is not asked), else from the live tables."""
    kept = not live and summary.exits_current(db.session, filters.timezone)
    if kept:
        summary.sync(db.session)  # this transaction's own changes first
        by_course, f = _kept_by_course(filters), _kept_paid(filters).c
    else:
        f = _flags(filters).c
        per_exit = {"exiters": literal_column("1")}
        for name in ALL_COUNTS[1:]:
            per_exit[name] = (f[name] if not name.startswith("paid_q2")
                              else _flag(f[name.replace("paid_q2", "pay_q2")].is_not(None)))
        columns = [f.center, f.course, f.gender]
        for name in ALL_COUNTS:
            columns += [func.sum(per_exit[name]).label(name),
                        func.sum(per_exit[name] * f.key).label(key_name(name))]
        by_course = select(*columns).group_by(f.center, f.course, f.gender).subquery()
    c = by_course.c
    fine = (select(Center.region_id.label("region"), c.center, Course.level.label("level"), c.gender,
                   *[c[name] for name in ALL_COUNTS + [key_name(n) for n in ALL_COUNTS]])
            .select_from(by_course)
            .join(Center, Center.id == c.center)
            .join(Course, Course.id == c.course)
            .cte("fine").prefix_with("MATERIALIZED"))
    paid = (select(Center.region_id.label("region"), f.center, Course.level.label("level"), f.gender,
                   *[f[p] for p in PAY_COLUMNS])
            .join(Center, Center.id == f.center)
            .join(Course, Course.id == f.course)
            .where(f.pay_q2.is_not(None))
            .cte("paid"))
    return fine, paid


def _aggregates(fine, paid, dimension: str | None, medians: bool):
    f = fine.c
    group = cast(f[dimension], String) if dimension else literal_column("'0'")
    sums = [literal_column(f"'{dimension or 'total'}'").label("dim"), group.label("g")]
    for name in ALL_COUNTS:
        sums += [func.sum(f[name]).label(name), func.sum(f[key_name(name)]).label(key_name(name))]
    stmt = select(*sums).select_from(fine)
    if dimension:
        stmt = stmt.group_by(f[dimension])
    if not medians:
        return stmt
    p = paid.c
    # The median pay per market is published nationally (the market table) and read per gender
    # (objectives on a group and a market); the other breakdowns publish the overall median only.
    percentiles = [(func.percentile_cont(0.5).within_group(p[pay]) if dimension in MARKET_MEDIAN_DIMENSIONS
                    or pay == "pay_q2" else cast(null(), Float))
                   .label("median_" + pay.replace("pay_q2", "paid_q2")) for pay in PAY_COLUMNS]
    if dimension:
        by_group = (select(p[dimension].label("g"), *percentiles).group_by(p[dimension])).subquery()
        stmt = stmt.subquery()
        return (select(stmt, *[by_group.c[c.name] for c in percentiles])
                .select_from(stmt.outerjoin(by_group, cast(by_group.c.g, String) == stmt.c.g)))
    overall = select(*percentiles).subquery()
    stmt = stmt.subquery()
    return select(stmt, *[overall.c[c.name] for c in percentiles]).select_from(stmt.join(overall, literal(True)))


def figures_statement(filters: Filters, medians: bool, live: bool = False,
                      dimensions: tuple[str | None, ...] = (None,) + GROUP_COLUMNS):
    """The per-exit CTE ``paid`` and the one statement of the aggregates of ``dimensions`` (None:
    the total; every breakdown by default), with the medians when ``medians`` (PostgreSQL only)."""
    fine, paid = _parts(filters, live)
    return paid, union_all(*[_aggregates(fine, paid, dimension, medians) for dimension in dimensions])


def _figures(filters: Filters, *, with_medians: bool = True, live: bool = False,
             dimensions: tuple[str | None, ...] = (None,) + GROUP_COLUMNS) -> dict[tuple[str, Any], dict[str, Any]]:
    """Every count (with its key sum) per (breakdown, group) — ``("total", 0)`` for everyone — and,
    with ``with_medians``, the median Q2 pay and the number of people behind it
    (``median_paid_q2`` as ``(median, n)``; per market nationally and per gender, None for the
    other breakdowns, which do not publish it). One statement (two on SQLite, which
    has no percentile: the pays are read in order and the median taken here)."""
    in_database = with_medians and dialect_name() == "postgresql"
    paid, stmt = figures_statement(filters, in_database, live, dimensions)
    out: dict[tuple[str, Any], dict[str, Any]] = {}
    for row in db.session.execute(stmt).mappings():
        dim = row["dim"]
        g = 0 if dim == "total" else (int(row["g"]) if dim in ("region", "center") else row["g"])
        values = {k: int(v or 0) for k, v in row.items() if k not in ("dim", "g") and not k.startswith("median_")}
        if in_database:
            for name in ["paid_q2"] + [_m("paid_q2", market) for market in MARKETS]:
                median = row["median_" + name]
                values["median_" + name] = None if median is None else (Decimal(str(median)), values[name])
        out[(dim, g)] = values
    if with_medians and not in_database:
        p = paid.c
        lists: dict[tuple[str, Any, str], list[Decimal]] = {}
        for row in db.session.execute(select(p.region, p.center, p.level, p.gender, *[p[c] for c in PAY_COLUMNS])
                                      ).mappings():
            for dim, g in (("total", 0), *((d, row[d]) for d in GROUP_COLUMNS if d in dimensions)):
                for pay in PAY_COLUMNS if dim in ("total", "gender") else PAY_COLUMNS[:1]:
                    if row[pay] is not None:
                        lists.setdefault((dim, g, pay), []).append(Decimal(str(row[pay])))
        for values_key, values in out.items():
            for pay in PAY_COLUMNS:
                found = lists.get((*values_key, pay))
                values["median_" + pay.replace("pay_q2", "paid_q2")] = (_median(found), len(found)) if found else None
    return out


REPORT = "outcomes"


def _encode(figures: dict[tuple[str, Any], dict[str, Any]]) -> dict[str, Any]:
    """The figures as JSON (a snapshot's ``figures``): the medians as [text, people]."""
    return {"rows": [[dim, g, {name: [str(v[0]), v[1]] if isinstance(v, tuple) else v for name, v in values.items()}]
                     for (dim, g), values in figures.items()]}


def _decode(figures: dict[str, Any]) -> dict[tuple[str, Any], dict[str, Any]]:
    return {(dim, g): {name: (Decimal(v[0]), v[1]) if isinstance(v, list) else v for name, v in values.items()}
            for dim, g, values in figures["rows"]}


def _kept_bounds(filters: Filters) -> tuple[date, date, date]:
    """The measurement bounds of the report date that matter for this period (clipped to it): two
    report dates with the same bounds give the same figures."""
    bounds = kept_exits.measured_before(filters.today)
    after = filters.end + timedelta(days=1)
    return (min(max(bounds["q2"], filters.start), after), min(max(bounds["q4"], filters.start), after),
            min(max(bounds["cred"], filters.start - timedelta(days=1)), filters.end))


def kept_key(params: dict[str, Any], timezone: str, today: date) -> str:
    """The snapshot's key: the period, the time zone, the markets, whether key sums are kept (the
    disclosure method) and the measurement bounds of the report date (so a later report date that
    measures more exits of the period is another answer)."""
    filters = published_filters(params, timezone, today)
    bounds = "|".join(b.isoformat() for b in _kept_bounds(filters))
    markets = kept_exits.markets_label(current_regional_countries())
    return f"{REPORT}/{kept.FORMAT}|{params['start']}|{params['end']}|{timezone}|{markets}|{int(perturbing())}|{bounds}"


def kept_valid(params: dict[str, Any]) -> bool:
    return names_published_period(params)


def kept_compute(params: dict[str, Any], timezone: str, today: date) -> dict[str, Any]:
    return _encode(_figures(published_filters(params, timezone, today)))


def kept_defaults(today: date) -> list[dict[str, Any]]:
    """Kept even when nobody asked: this year and the two before it (the years whose exits are
    measured), and the windows of whole quarters the objectives on employment and pay are measured
    on today."""
    years = [{"kind": "year", "start": date(y, 1, 1).isoformat(), "end": date(y, 12, 31).isoformat()}
             for y in (today.year, today.year - 1, today.year - 2)]
    windows = {measured_window(metric, today) for metric in ("employment_q2_rate", "employment_q4_rate")}
    # With the cell-key method a window's counts are published from the running totals since 1 January
    # of its first year: the quarters before it in that year are kept too.
    windows |= {(date(start.year, 1, 1), start - timedelta(days=1)) for start, _end in list(windows)
                if start != date(start.year, 1, 1)}
    return years + [{"kind": "quarters", "start": start.isoformat(), "end": end.isoformat()}
                    for start, end in sorted(windows)]


def _kept_params(filters: Filters) -> dict[str, Any] | None:
    """The params of a kept answer for these filters: a published period, or an objective's window
    of whole quarters (``quarters``), with no region, center or course filter; else None."""
    if filters.region_id or filters.center_id or filters.skill_id or filters.sector_id or filters.level:
        return None
    kind = filters.kind if filters.kind in ("year", "quarter") else "quarters"
    params = {"kind": kind, "start": filters.start.isoformat(), "end": filters.end.isoformat()}
    return params if names_published_period(params) else None


def _kept_figures(filters: Filters) -> dict[tuple[str, Any], dict[str, Any]] | None:
    """The kept figures (every breakdown, with medians) when they are current, else None (and, with
    a worker, a request to keep them)."""
    session = db.session
    params = _kept_params(filters)
    if params is None or not summary.exits_current(session, filters.timezone):
        return None
    summary.sync(session)   # this transaction's own changes first: a change of kept exits marks its years
    figures = kept.read(session, kept_key(params, filters.timezone, filters.today),
                        filters.start.year, filters.end.year)
    if figures is not None:
        return _decode(figures)
    kept.ask(REPORT, params)
    return None


ALL_DIMENSIONS: tuple[str | None, ...] = (None,) + GROUP_COLUMNS


def _anchored_figures(filters: Filters, *, dimensions: tuple[str | None, ...] = ALL_DIMENSIONS,
                      with_medians: bool = True) -> dict[tuple[str, Any], dict[str, Any]]:
    """The period's figures with, per group, the same counts from the anchor to the day before the
    period (``m__pre``): a period's count of exits is published as a difference of perturbed
    running totals, like every count of a period's events (docs/disclosure.md). The period's own
    figures are the kept ones when current (every breakdown, with medians); else only
    ``dimensions`` (None: the total) are computed, with the medians when ``with_medians`` (an
    objective needs one group and, unless it is the median pay, no median)."""
    rows = _kept_figures(filters)
    if rows is None:
        rows = _figures(filters, with_medians=with_medians, dimensions=dimensions)
    before = filters.before_start()
    if before is not None and current_app.config.get("DISCLOSURE_METHOD", "cellkey") == "cellkey":
        pre = _kept_figures(before) or _figures(before, with_medians=False, dimensions=dimensions)
        for group in set(rows) | set(pre):
            values = rows.setdefault(group, {})
            earlier = pre.get(group, {})
            for name in ALL_COUNTS:
                values.setdefault(name, 0)
                values.setdefault(key_name(name), 0)
                values[pre_name(name)] = earlier.get(name, 0)
                values[key_name(pre_name(name))] = earlier.get(key_name(name), 0)
    return rows


def _market_row(values: dict[str, Any], market: str) -> dict[str, Any]:
    """A group's figures for one market under the plain names (q2_base, employed_q2, ...)."""
    out = {}
    for name in MARKET_COUNTS:
        source = _m(name, market) if name in MARKET_FLAGS else name
        for suffix in ("", "__key", "__pre", "__pre__key"):
            if source + suffix in values:
                out[name + suffix] = values[source + suffix]
    out["median_paid_q2"] = values.get("median_" + _m("paid_q2", market))
    return out


def _median(values: list[Decimal]) -> Decimal:
    values = sorted(values)
    n = len(values)
    middle = n // 2
    return values[middle] if n % 2 else (values[middle - 1] + values[middle]) / 2


def rounded_pay(value: Decimal) -> int:
    return int((Decimal(value) / PAY_ROUNDING).quantize(Decimal(1), rounding=ROUND_HALF_UP) * PAY_ROUNDING)


def median_cell(median: tuple[Decimal, int] | None, paid: Cell, k: int) -> Cell:
    """The median pay: shown when at least k people are behind it and their published count is
    shown (so a shown median never says more than the count beside it)."""
    if median is None or median[1] == 0:
        return Cell(None, NO_BASE, "amount", k)
    value, n = median
    if n < k or paid.value is None or paid.value < k:
        return Cell(None, HIDDEN_RATE, "amount", k)
    return Cell(rounded_pay(value), SHOWN, "amount", k)


# ---- the report -----------------------------------------------------------------------------------

def _named(name: str, columns: list[str], table: Table) -> NamedTable:
    """One published table (pages, CSV, XLSX and the API read it like the other reports')."""
    return NamedTable(name, TABLE_TITLES[name], KEY_LABELS[name], columns, table, column_labels=COLUMN_LABELS)


def _zero() -> dict[str, int]:
    out: dict[str, int] = {}
    for name in ALL_COUNTS:
        out[name] = 0
        out[key_name(name)] = 0
    return out


def _with_medians(table: Table, medians: list[Any], total_median, k: int) -> Table:
    for row, median in zip(table.rows, medians):
        row["cells"]["median_pay_q2"] = median_cell(median, row["cells"]["paid_q2"], k)
    if table.total is not None:
        table.total["cells"]["median_pay_q2"] = median_cell(total_median, table.total["cells"]["paid_q2"], k)
    return table


def _rows_for(dimension: str, figures) -> list[tuple[Any, dict[str, Any]]]:
    """(group value, key fields) of every row of a breakdown, in order: every region, level and
    gender; the centers that had exits."""
    language = current_language()
    if dimension == "region":
        return [(r.id, {"id": r.id, "code": r.code, "label": r.name_in(language)})
                for r in db.session.scalars(select(Region).order_by(Region.id))]
    if dimension == "level":
        return [(level, {"code": level, "label": str(LEVEL_LABELS[level])}) for level in LEVELS]
    if dimension == "gender":
        return [(g, {"code": g, "label": str(GENDER_LABELS[g])}) for g in GENDERS]
    ids = sorted(g for d, g in figures if d == "center")
    centers = list(db.session.scalars(select(Center).where(Center.id.in_(ids)).order_by(Center.name))) if ids else []
    return [(c.id, {"id": c.id, "code": c.code, "label": c.name}) for c in centers]


def _dimension_table(figures, dimension: str, k: int) -> NamedTable:
    keyed = _rows_for(dimension, figures)
    national = figures.get(("total", 0), {})
    rows = [{**fields, **_zero(), **figures.get((dimension, g), {})} for g, fields in keyed]
    total = {"code": "AZ", "label": _l("Azerbaijan"), **_zero(), **national}
    table = suppress(rows, SPEC, total=total, k=k)
    _with_medians(table, [figures.get((dimension, g), {}).get("median_paid_q2") for g, _ in keyed],
                  national.get("median_paid_q2"), k)
    table.columns = COLUMNS
    return _named(dimension, COLUMNS, table)


def _market_table(figures, k: int) -> NamedTable:
    national = {**_zero(), **figures.get(("total", 0), {})}
    rows = [{"code": market, "label": str(MARKET_LABELS[market]), **_market_row(national, market)}
            for market in MARKETS]
    table = suppress(rows, MARKET_SPEC, k=k)
    _with_medians(table, [row["median_paid_q2"] for row in rows], None, k)
    table.columns = MARKET_COLUMNS
    return _named("market", MARKET_COLUMNS, table)


def _check(actor: Actor) -> None:
    if not isinstance(actor, Actor):
        raise PermissionDenied(_l("You do not have permission to do this."))
    require(actor, P.REPORTS_READ)


def outcomes(filters: Filters, *, actor: Actor, dimensions: tuple[str, ...] = DIMENSIONS) -> Report:
    """The outcome indicators of the exiters of the period, one table per breakdown (region,
    center, course level, gender, market), each with the national total; published cells only."""
    _check(actor)
    k = int(current_app.config.get("SUPPRESSION_K", 5))
    figures = _anchored_figures(filters)
    report = Report(name="outcomes", title=_l("Outcome indicators"), filters=filters)
    for dimension in dimensions:
        if dimension == "market":
            report.tables.append(_market_table(figures, k))
        else:
            report.tables.append(_dimension_table(figures, dimension, k))
    return report


# ---- objectives on the outcome indicators ------------------------------------------------------------

OBJECTIVE_RATES = {rate.name: rate for rate in RATES}
OBJECTIVE_METRICS = ("employment_q2_rate", "employment_q4_rate", "median_pay_q2", "credential_rate")


_quarter_start = kept_exits.quarter_start


def _quarter_end(index: int) -> date:
    return quarter_bounds(index // 4, index % 4 + 1)[1]


_years_before = kept_exits.years_before


def measured_window(metric: str, today: date) -> tuple[date, date]:
    """The exits an objective's current value is measured on: the latest four exit quarters whose
    2nd (employment Q2, median pay) or 4th (employment Q4) quarter after exit is over by today;
    for credentials the exits of the year that ended a year before today."""
    today_q = quarter_index(today)
    if metric in ("employment_q2_rate", "median_pay_q2"):
        return _quarter_start(today_q - 6), _quarter_end(today_q - 3)
    if metric == "employment_q4_rate":
        return _quarter_start(today_q - 8), _quarter_end(today_q - 5)
    if metric == "credential_rate":
        last = _years_before(today, 1)
        return _years_before(today, 2) + timedelta(days=1), last
    raise ValueError(metric)


def objective_value(metric: str, filters: Filters, *, gender: str | None = None, market: str | None = None,
                    k: int | None = None, cache: dict | None = None) -> Cell:
    """The published value of one outcome indicator for a group (gender) and market, under the
    same disclosure rule as the report (the rate from the published numerator and denominator,
    the median only of at least k people). Only the total (or the gender breakdown) is computed,
    and the medians only for the median pay; objectives sharing a window share the figures through
    ``cache``."""
    k = k if k is not None else int(current_app.config.get("SUPPRESSION_K", 5))
    dimensions = ("gender",) if gender else (None,)
    medians = metric == "median_pay_q2"
    cache_key = ("outcomes", filters, dimensions, medians)
    figures = cache.get(cache_key) if cache is not None else None
    if figures is None and cache is not None and not medians:
        figures = cache.get(("outcomes", filters, dimensions, True))   # the median pay's figures hold the counts too
    if figures is None:
        figures = _anchored_figures(filters, dimensions=dimensions, with_medians=medians)
        if cache is not None:
            cache[cache_key] = figures
    values = {**_zero(), **figures.get(("gender", gender) if gender else ("total", 0), {})}
    row = {"code": "objective", **(_market_row(values, market) if market else values)}
    if metric == "median_pay_q2":
        paid = suppress([row], TableSpec(counts=["paid_q2"]), k=k).rows[0]["cells"]["paid_q2"]
        return median_cell(row.get("median_paid_q2"), paid, k)
    rate = OBJECTIVE_RATES[metric]
    return suppress([row], TableSpec(counts=[], rates=[rate]), k=k).rows[0]["cells"][rate.name]
