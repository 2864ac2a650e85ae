"""The metrics per quarter (enrollments, completions, awards, placements and their markets) for the
trend charts.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, literal_column, null, select

from talent.credentials.models import Award
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.placement.markets import market_case
from talent.placement.models import Employer
from talent.extensions import db
from talent.reporting import summary
from talent.reporting.dimensions import EVER_ENROLLED, report_session, course_conditions
from talent.reporting.cellkey import key_name, perturbing, pre_name, report_key_sql as key_sql
from talent.reporting.periods import Filters
from talent.reporting.models import ReportPlacementMonth
from talent.reporting.queries.common import (ANCHORED_PLACEMENT, placement_rows, placement_source, regional_countries,
                                             representative_flag)
from talent.reporting.queries.current import enrollment_metrics, month_rows, placement_metrics


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

    if not _month_placements(filters, quarters, out):
        _row_placements(filters, day_buckets, out)
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


def _row_placements(filters: Filters, day_buckets, out) -> None:
    """Placements per quarter and market from the placement rows (representative or DISTINCT)."""
    market = market_case(Employer.country_code, regional_countries())
    # One row per placement (a placement has one start date, hence one quarter): counted and summed
    # plainly, without a COUNT(DISTINCT) per column.
    inner = placement_rows(filters, None, literal_column("0"), lambda p: [
        p.id.label("pid"), market.label("market"), key_sql(p.id, "placement").label("pkey"),
        _bucket_case(p.start_date, day_buckets).label("q")]).subquery()
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


def _month_placements(filters: Filters, quarters: list[tuple[str, date, date]], out) -> bool:
    """Placements per quarter and market from report_placement_months, when it answers the period
    (whole quarters; see ``month_rows``) and the summary is in use. Returns whether it did."""
    session = report_session()
    flag = representative_flag(filters, None)
    if flag is None or placement_source(filters, None) is None:
        return False
    if any(lo.day != 1 or (hi + timedelta(days=1)).day != 1 for _, lo, hi in quarters):
        return False
    found = month_rows(filters, None, flag)
    if found is None or found[2] is not None:   # whole quarters only
        return False
    _, where, _ = found
    M = ReportPlacementMonth
    keyed = perturbing()
    rows = session.execute(select(M.month, M.market, func.sum(M.placements).label("n"), func.sum(M.pkey).label("kk"))
                           .where(*where).group_by(M.month, M.market)).all()
    for row in rows:
        label = next((label for label, lo, hi in quarters if lo <= row.month <= hi), None)
        if label is None:
            continue
        kk = int(row.kk) if keyed else 0
        for name in ("placements", row.market):
            out[label][name] += int(row.n)
            out[label][key_name(name)] += kk
    return True
