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

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, ROUND_HALF_UP
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (Date, and_, case, cast, exists, extract, func, literal, literal_column, or_, select,
                        type_coerce)

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

def _held_in(x, quarter, market: str | None = None):
    """A job of the exiter (row ``x`` of :func:`_exits`) held at any time during the quarter
    numbered ``quarter``."""
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


def _exits(filters: Filters, dimension: str | None):
    """One row per exit of the period: its id, the person, the group, the exit quarter (as an
    integer) and the exit date as yyyymmdd. The exit date is worked out once here."""
    exit_date = exit_date_sql(filters.timezone, filters.today)
    return (select(Enrollment.id.label("id"), Enrollment.trainee_id.label("trainee_id"),
                   _group(dimension).label("g"), _quarter_sql(exit_date).label("q"),
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
            .subquery("exits"))


def _flags(filters: Filters, x, market: str | None = None) -> dict[str, Any]:
    today_q = quarter_index(filters.today)
    q2_base = x.q + 2 < today_q      # the 2nd quarter after the exit quarter is over
    q4_base = x.q + 4 < today_q
    employed_q2 = and_(q2_base, exists(select(Placement.id).where(*_held_in(x, x.q + 2, market))))
    employed_q4 = and_(q4_base, exists(select(Placement.id).where(*_held_in(x, x.q + 4, market))))
    paid_q2 = and_(q2_base, _pay_in(x, x.q + 2, market).is_not(None))
    flags = {"q2_base": q2_base, "employed_q2": employed_q2, "q4_base": q4_base, "employed_q4": employed_q4,
             "paid_q2": paid_q2}
    if market is None:
        year_after = x.ymd + 10000
        cred_base = year_after <= _ymd(filters.today)
        awarded = exists(select(Award.id).where(Award.enrollment_id == x.id, Award.revoked_at.is_(None),
                                                _ymd_sql(Award.issued_on) <= year_after))
        flags = {"exiters": literal(True), **flags, "cred_base": cred_base, "credentialed": and_(cred_base, awarded)}
    return flags


def _flag_names(market: str | None) -> list[str]:
    return list(MARKET_COUNTS) if market else ["exiters"] + MARKET_COUNTS + ["cred_base", "credentialed"]


def _group(dimension: str | None):
    return {None: literal(0), "region": Center.region_id, "center": Cohort.center_id,
            "level": Course.level, "gender": Trainee.gender}[dimension]


def _counts(filters: Filters, dimension: str | None, market: str | None = None) -> dict[Any, dict[str, int]]:
    """Counts and key sums of each flag, per group, in one GROUP BY over the period's exits."""
    x = _exits(filters, dimension).c
    key = report_key_sql(x.id, DOMAIN)
    columns = []
    for name, condition in _flags(filters, x, market).items():
        columns += [func.sum(case((condition, 1), else_=0)).label(name),
                    func.sum(case((condition, key), else_=0)).label(key_name(name))]
    stmt = select(x.g, *columns).group_by(x.g)
    return {row["g"]: {k: int(v or 0) for k, v in row.items() if k != "g"}
            for row in db.session.execute(stmt).mappings()}


def _anchored_counts(filters: Filters, dimension: str | None, market: str | None = None):
    """The period's counts with, per group, the same counts from the anchor to the day before the
    period (``m__pre``): a period's count of exits is published as a difference of perturbed
    running totals, like every count of a period's events (docs/disclosure.md)."""
    rows = _counts(filters, dimension, market)
    before = filters.before_start()
    if before is not None and current_app.config.get("DISCLOSURE_METHOD", "cellkey") == "cellkey":
        pre = _counts(before, dimension, market)
        for g in set(rows) | set(pre):
            values = rows.setdefault(g, {})
            earlier = pre.get(g, {})
            for name in _flag_names(market):
                values.setdefault(name, 0)
                values.setdefault(key_name(name), 0)
                values[pre_name(name)] = earlier.get(name, 0)
                values[key_name(pre_name(name))] = earlier.get(key_name(name), 0)
    return rows


def _pays(filters: Filters, dimension: str | None, market: str | None = None) -> dict[Any, tuple[Decimal, int]]:
    """The median Q2 pay and the number of people behind it, per group. PostgreSQL takes the
    median itself; on SQLite the pays are read in order and the median taken here (the amounts
    never leave this module: only a median of at least k people is published)."""
    x = _exits(filters, dimension).c
    inner = (select(x.g.label("g"), _pay_in(x, x.q + 2, market).label("pay"))
             .where(x.q + 2 < quarter_index(filters.today)).subquery())
    if dialect_name() == "postgresql":
        stmt = (select(inner.c.g, func.percentile_cont(0.5).within_group(inner.c.pay), func.count(inner.c.pay))
                .where(inner.c.pay.is_not(None)).group_by(inner.c.g))
        return {g: (Decimal(str(median)), int(n)) for g, median, n in db.session.execute(stmt)}
    out: dict[Any, list[Decimal]] = {}
    stmt = select(inner.c.g, inner.c.pay).where(inner.c.pay.is_not(None)).order_by(inner.c.g, inner.c.pay)
    for g, value in db.session.execute(stmt):
        out.setdefault(g, []).append(Decimal(str(value)))
    return {g: (_median(values), len(values)) for g, values in out.items()}


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

@dataclass
class OutcomeTable:
    """One published table (the interface of reports.NamedTable: pages, CSV, XLSX and the API)."""
    name: str
    title: Any
    key_label: Any
    columns: list[str]
    table: Table
    total_label: Any = _l("Total")

    def header(self) -> list[str]:
        return [str(self.key_label)] + [str(COLUMN_LABELS.get(c, c)) for c in self.columns]

    def export_rows(self):
        for row in self.table.rows + ([self.table.total] if self.table.total else []):
            label = row.get("label") if row is not self.table.total else str(self.total_label)
            yield [str(label)] + [row["cells"][c].export_value() if c in row["cells"] else "" for c in self.columns]

    def as_json(self) -> dict[str, Any]:
        data = self.table.as_json()
        data.update(name=self.name, title=str(self.title), columns=self.columns)
        return data


@dataclass
class OutcomesReport:
    filters: Filters
    tables: list[OutcomeTable] = field(default_factory=list)
    name: str = "outcomes"
    title: Any = _l("Outcome indicators")

    def table(self, name: str) -> OutcomeTable | None:
        return next((t for t in self.tables if t.name == name), None)

    def as_json(self) -> dict[str, Any]:
        return {"report": "outcomes", "filters": self.filters.describe(),
                "suppression_k": self.tables[0].table.k if self.tables else None,
                "tables": [t.as_json() for t in self.tables]}


def _zero(names) -> dict[str, int]:
    out = {}
    for name in names:
        out[name] = 0
        out[key_name(name)] = 0
    return out


def _with_medians(table: Table, medians: dict[Any, tuple], keys: list[Any], total_median, k: int) -> Table:
    for row, g in zip(table.rows, keys):
        row["cells"]["median_pay_q2"] = median_cell(medians.get(g), row["cells"]["paid_q2"], k)
    if table.total is not None:
        table.total["cells"]["median_pay_q2"] = median_cell(total_median, table.total["cells"]["paid_q2"], k)
    return table


def _rows_for(dimension: str) -> list[tuple[Any, dict[str, Any]]]:
    """(group value, key fields) of every row of a dimension's table, in order."""
    language = current_language()
    if dimension == "region":
        return [(r.id, {"id": r.id, "code": r.code, "label": r.name_in(language)})
                for r in db.session.scalars(select(Region).order_by(Region.id))]
    if dimension == "level":
        return [(level, {"code": level, "label": str(LEVEL_LABELS[level])}) for level in LEVELS]
    if dimension == "gender":
        return [(g, {"code": g, "label": str(GENDER_LABELS[g])}) for g in GENDERS]
    raise ValueError(dimension)


def _dimension_table(filters: Filters, dimension: str, national: dict[str, int], total_median, k: int) -> OutcomeTable:
    figures = _anchored_counts(filters, dimension)
    medians = _pays(filters, dimension)
    names = _flag_names(None)
    if dimension == "center":
        ids = sorted(g for g in figures if g is not None)
        centers = {c.id: c for c in db.session.scalars(select(Center).where(Center.id.in_(ids)))} if ids else {}
        keyed = [(cid, {"id": cid, "code": centers[cid].code, "label": centers[cid].name}) for cid in sorted(ids, key=lambda i: centers[i].name)]
    else:
        keyed = _rows_for(dimension)
    rows = [{**fields, **_zero(names), **figures.get(g, {})} for g, fields in keyed]
    total = {"code": "AZ", "label": _l("Azerbaijan"), **_zero(names), **national}
    table = suppress(rows, SPEC, total=total, k=k)
    _with_medians(table, medians, [g for g, _ in keyed], total_median, k)
    table.columns = COLUMNS
    return OutcomeTable(dimension, TABLE_TITLES[dimension], KEY_LABELS[dimension], COLUMNS, table)


def _market_table(filters: Filters, k: int) -> OutcomeTable:
    rows, keys = [], []
    for market in MARKETS:
        figures = _anchored_counts(filters, None, market).get(0, {})
        names = _flag_names(market)
        rows.append({"code": market, "label": str(MARKET_LABELS[market]), **_zero(names), **figures})
        keys.append(market)
    table = suppress(rows, MARKET_SPEC, k=k)
    medians = {market: _pays(filters, None, market).get(0) for market in MARKETS}
    _with_medians(table, medians, keys, None, k)
    table.columns = MARKET_COLUMNS
    return OutcomeTable("market", TABLE_TITLES["market"], KEY_LABELS["market"], MARKET_COLUMNS, table)


def _check(actor: Actor) -> None:
    if not isinstance(actor, Actor):
        raise PermissionDenied(_l("You do not have permission to do this."))
    require(actor, P.REPORTS_READ)


def national_figures(filters: Filters, market: str | None = None) -> dict[str, int]:
    """The one-row counts (with key sums and anchors) of the whole filtered population: the total
    row of every table and the source of the objectives' current values."""
    return _anchored_counts(filters, None, market).get(0, {})


def national_median(filters: Filters, market: str | None = None):
    return _pays(filters, None, market).get(0)


def outcomes(filters: Filters, *, actor: Actor, dimensions: tuple[str, ...] = DIMENSIONS) -> OutcomesReport:
    """The outcome indicators of the exiters of the period, one table per breakdown (region,
    center, course level, gender, market), each with the national total; published cells only."""
    _check(actor)
    k = int(current_app.config.get("SUPPRESSION_K", 5))
    national = national_figures(filters)
    total_median = national_median(filters)
    report = OutcomesReport(filters=filters)
    for dimension in dimensions:
        if dimension == "market":
            report.tables.append(_market_table(filters, k))
        else:
            report.tables.append(_dimension_table(filters, dimension, national, total_median, k))
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
    dimension = "gender" if gender else None
    key = gender if gender else 0
    names = _flag_names(market)
    row = {"code": "objective", **_zero(names), **_anchored_counts(filters, dimension, market).get(key, {})}
    if metric == "median_pay_q2":
        paid = suppress([row], TableSpec(counts=["paid_q2"]), k=k).rows[0]["cells"]["paid_q2"]
        return median_cell(_pays(filters, dimension, market).get(key), paid, k)
    rate = OBJECTIVE_RATES[metric]
    return suppress([row], TableSpec(counts=[], rates=[rate]), k=k).rows[0]["cells"][rate.name]
