"""The summary table checked against the live queries (``talent reports check-summary``).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from talent.reporting import summary
from talent import clock
from talent.reporting.cellkey import key_name
from talent.reporting.models import ReportCohortDay
from talent.reporting.periods import Filters
from talent.reporting.queries.common import ENROLLMENT_METRICS
from talent.reporting.queries.current import enrollment_metrics


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
