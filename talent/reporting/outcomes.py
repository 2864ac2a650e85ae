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

A live query (GROUP BY in the database): the report summary is not used. Quarters are compared as
integers (``year * 4 + quarter``), the year after exit as ``yyyymmdd + 10000``, so the same SQL
runs on SQLite and PostgreSQL. Counts of exits are counts of a period's events and are anchored
like every such count (docs/disclosure.md §2 step 4).
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, ROUND_HALF_UP
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Date, String, and_, case, cast, exists, extract, func, literal, literal_column, or_, select,
                        type_coerce, union_all)

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
from talent.reporting.cellkey import key_name, pre_name, report_key_sql
from talent.reporting.dimensions import course_conditions, dialect_name
from talent.reporting.periods import Filters, quarter_bounds
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

def quarter_index(d: date) -> int:
    """``year * 4 + quarter - 1``: consecutive quarters are consecutive integers."""
    return d.year * 4 + (d.month - 1) // 3


def _quarter_sql(column):
    month = extract("month", column)
    return extract("year", column) * 4 + case((month <= 3, 0), (month <= 6, 1), (month <= 9, 2), else_=3)


def _ymd_sql(column):
    return extract("year", column) * 10000 + extract("month", column) * 100 + extract("day", column)


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


def exit_date_sql(timezone: str, today: date):
    withdrawn = and_(Enrollment.status == EnrollmentStatus.WITHDRAWN, Enrollment.withdrawn_at.is_not(None))
    return type_coerce(case((withdrawn, _local_date_sql(Enrollment.withdrawn_at, timezone, today)),
                            else_=Cohort.end_date), Date)


# ---- the query ------------------------------------------------------------------------------------
#
# One statement per period: ``exits`` (one row per exit of the period: its groups, exit quarter
# and yyyymmdd, worked out once) → ``outcome_flags`` (per exit: each indicator as 0/1, the Q2 pay,
# the record key; every per-exit lookup of jobs and awards runs once, by index) → one GROUP BY per
# breakdown over the flags, glued by UNION ALL. Both CTEs are MATERIALIZED (PostgreSQL and SQLite
# >= 3.35 alike), so the per-exit work is not repeated for each breakdown.

GROUP_COLUMNS = ("region", "center", "level", "gender")
BASE_COUNTS = ["exiters", "q2_base", "employed_q2", "q4_base", "employed_q4", "paid_q2", "cred_base", "credentialed"]
MARKET_FLAGS = ["employed_q2", "employed_q4", "paid_q2"]


def _m(name: str, market: str) -> str:
    return f"{name}__{market}"


ALL_COUNTS = BASE_COUNTS + [_m(name, market) for market in MARKETS for name in MARKET_FLAGS]


def _held_in(x, quarter, market: str | None = None):
    """A job of the exiter (row ``x`` of the exits) held at any time during the quarter numbered
    ``quarter``: started in or before it and not ended before it (``ix_placements_trainee_id_start_date``)."""
    conds = [Placement.trainee_id == x.trainee_id,
             Placement.verification != PlacementStatus.REJECTED,
             _quarter_sql(Placement.start_date) <= quarter,
             or_(Placement.end_date.is_(None), _quarter_sql(Placement.end_date) >= quarter)]
    if market is not None:
        conds.append(Placement.employer_id.in_(
            select(Employer.id).where(market_case(Employer.country_code, current_regional_countries())
                                      == literal_column(f"'{market}'"))))
    return conds


def _pay_in(x, quarter, market: str | None = None):
    """The highest monthly pay of the jobs held in the quarter (NULL when none has a pay)."""
    return (select(func.max(Placement.monthly_pay_azn))
            .where(*_held_in(x, quarter, market), Placement.monthly_pay_azn.is_not(None))
            .scalar_subquery())


def _exits(filters: Filters):
    exit_date = exit_date_sql(filters.timezone, filters.today)
    return (select(Enrollment.id.label("id"), Enrollment.trainee_id.label("trainee_id"),
                   Center.region_id.label("region"), Cohort.center_id.label("center"), Course.level.label("level"),
                   Trainee.gender.label("gender"), _quarter_sql(exit_date).label("q"),
                   _ymd_sql(exit_date).label("ymd"))
            .select_from(Enrollment)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Center, Center.id == Cohort.center_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .join(Course, Course.id == Cohort.course_id)
            .where(Enrollment.status.in_(EXIT_STATUSES), Enrollment.enrolled_at.is_not(None),
                   Cohort.status != CohortStatus.CANCELLED,
                   Cohort.start_date <= filters.end,
                   exit_date >= Cohort.start_date,
                   exit_date >= filters.start, exit_date <= filters.end,
                   *course_conditions(filters))
            .cte("exits").prefix_with("MATERIALIZED"))


def _flag(condition):
    return case((condition, 1), else_=0)


def _flags(filters: Filters):
    """Per exit: the groups, the record key, each indicator as 0/1 and the Q2 pay (overall and per
    market; NULL when not measured or no pay)."""
    x = _exits(filters).c
    today_q = quarter_index(filters.today)
    q2_base = x.q + 2 < today_q      # the 2nd quarter after the exit quarter is over
    q4_base = x.q + 4 < today_q
    year_after = x.ymd + 10000
    cred_base = year_after <= _ymd(filters.today)
    awarded = exists(select(Award.id).where(Award.enrollment_id == x.id, Award.revoked_at.is_(None),
                                            _ymd_sql(Award.issued_on) <= year_after))
    columns = [x.region, x.center, x.level, x.gender, report_key_sql(x.id, DOMAIN).label("key"),
               literal(1).label("exiters"), _flag(q2_base).label("q2_base"), _flag(q4_base).label("q4_base"),
               _flag(cred_base).label("cred_base"), _flag(and_(cred_base, awarded)).label("credentialed")]
    for market in (None,) + MARKETS:
        suffix = (lambda name: name) if market is None else (lambda name, m=market: _m(name, m))
        columns += [
            _flag(and_(q2_base, exists(select(Placement.id).where(*_held_in(x, x.q + 2, market))))).label(
                suffix("employed_q2")),
            _flag(and_(q4_base, exists(select(Placement.id).where(*_held_in(x, x.q + 4, market))))).label(
                suffix("employed_q4")),
            case((q2_base, _pay_in(x, x.q + 2, market)), else_=None).label(suffix("pay_q2")),
        ]
    return select(*columns).cte("outcome_flags").prefix_with("MATERIALIZED")


def _pay_column(name: str) -> str:
    return name.replace("paid_q2", "pay_q2")


def _aggregates(flags, dimension: str | None, medians: bool):
    f = flags.c
    group = cast(f[dimension], String) if dimension else literal_column("'0'")
    columns = [literal_column(f"'{dimension or 'total'}'").label("dim"), group.label("g")]
    for name in ALL_COUNTS:
        value = f[name] if not name.startswith("paid_q2") else _flag(f[_pay_column(name)].is_not(None))
        columns += [func.sum(value).label(name), func.sum(value * f.key).label(key_name(name))]
    if medians:
        for name in ["paid_q2"] + [_m("paid_q2", market) for market in MARKETS]:
            columns.append(func.percentile_cont(0.5).within_group(f[_pay_column(name)]).label("median_" + name))
    stmt = select(*columns).select_from(flags)
    return stmt.group_by(f[dimension]) if dimension else stmt


def figures_statement(filters: Filters, medians: bool):
    """The flags CTE and the one statement of every breakdown's aggregates (benchmarks/outcomes_bench.py
    explains it)."""
    flags = _flags(filters)
    return flags, union_all(*[_aggregates(flags, dimension, medians) for dimension in (None,) + GROUP_COLUMNS])


def _figures(filters: Filters, *, with_medians: bool = True) -> dict[tuple[str, Any], dict[str, Any]]:
    """Every count (with its key sum) per (breakdown, group) — ``("total", 0)`` for everyone — and,
    with ``with_medians``, the median Q2 pay and the number of people behind it
    (``median_paid_q2`` as ``(median, n)``, per market too). One statement (two on SQLite, which
    has no percentile: the pays are read in order and the median taken here)."""
    in_database = with_medians and dialect_name() == "postgresql"
    flags, stmt = figures_statement(filters, in_database)
    f = flags.c
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
        pays = [_pay_column(name) for name in ["paid_q2"] + [_m("paid_q2", market) for market in MARKETS]]
        lists: dict[tuple[str, Any, str], list[Decimal]] = {}
        for row in db.session.execute(select(f.region, f.center, f.level, f.gender, *[f[p] for p in pays])
                                      .where(f.pay_q2.is_not(None))).mappings():
            for dim, g in (("total", 0), *((d, row[d]) for d in GROUP_COLUMNS)):
                for pay in pays:
                    if row[pay] is not None:
                        lists.setdefault((dim, g, pay), []).append(Decimal(str(row[pay])))
        for values_key, values in out.items():
            for pay in pays:
                found = lists.get((*values_key, pay))
                values["median_" + pay.replace("pay_q2", "paid_q2")] = (_median(found), len(found)) if found else None
    return out


def _anchored_figures(filters: Filters) -> dict[tuple[str, Any], dict[str, Any]]:
    """The period's figures with, per group, the same counts from the anchor to the day before the
    period (``m__pre``): a period's count of exits is published as a difference of perturbed
    running totals, like every count of a period's events (docs/disclosure.md)."""
    rows = _figures(filters)
    before = filters.before_start()
    if before is not None and current_app.config.get("DISCLOSURE_METHOD", "cellkey") == "cellkey":
        pre = _figures(before, with_medians=False)
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


def _quarter_start(index: int) -> date:
    return date(index // 4, 3 * (index % 4) + 1, 1)


def _quarter_end(index: int) -> date:
    return quarter_bounds(index // 4, index % 4 + 1)[1]


def _years_before(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year - years)
    except ValueError:   # 29 February
        return d.replace(year=d.year - years, day=28)


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
                    k: int | None = None) -> Cell:
    """The published value of one outcome indicator for a group (gender) and market, under the
    same disclosure rule as the report (the rate from the published numerator and denominator,
    the median only of at least k people)."""
    k = k if k is not None else int(current_app.config.get("SUPPRESSION_K", 5))
    values = {**_zero(), **_anchored_figures(filters).get(("gender", gender) if gender else ("total", 0), {})}
    row = {"code": "objective", **(_market_row(values, market) if market else values)}
    if metric == "median_pay_q2":
        paid = suppress([row], TableSpec(counts=["paid_q2"]), k=k).rows[0]["cells"]["paid_q2"]
        return median_cell(row.get("median_paid_q2"), paid, k)
    rate = OBJECTIVE_RATES[metric]
    return suppress([row], TableSpec(counts=[], rates=[rate]), k=k).rows[0]["cells"][rate.name]
