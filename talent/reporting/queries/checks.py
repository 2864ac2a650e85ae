"""The summary table checked against the live queries (``talent reports check-summary``).
"""
from __future__ import annotations

from datetime import date
from typing import Any, Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from zoneinfo import ZoneInfo

from talent.reporting import exits, summary
from talent import clock
from talent.reporting.cellkey import key_name
from talent.reporting.models import ReportCohortDay, ReportCohortPlacement
from talent.reporting.periods import Filters
from talent.reporting.queries.common import ENROLLMENT_METRICS, PLACEMENT_METRICS
from talent.reporting.queries.current import enrollment_metrics, placement_metrics
from talent.reporting.queries.mobility import MOBILITY_COLUMNS, mobility_metrics


def _nonzero(data: dict[Any, dict[str, int]]) -> dict[Any, dict[str, int]]:
    return {k: v for k, v in data.items() if any(v.values())}


def compare_with_live(session: Session, years: Iterable[int] | None = None,
                      today: date | None = None) -> list[str] | None:
    """Every difference between the per-cohort summary (:mod:`talent.reporting.summary`) and
    the live queries, per year (every year with enrollments, awards or placements unless given),
    dimension and metric — the enrollment figures, the placement figures (people placed,
    placements, markets) and mobility, and the representative flags of the cohorts' placement rows
    against a recomputation; None when the summary is not built."""
    tz = summary.built_timezone(session)
    if tz is None:
        return None
    today = today or clock.today()
    if years is None:
        bounds = session.execute(select(func.min(ReportCohortDay.day), func.max(ReportCohortDay.day))).one()
        years = range(bounds[0].year, bounds[1].year + 1) if bounds[0] else []
        placed = session.execute(select(func.min(ReportCohortPlacement.start_date),
                                        func.max(ReportCohortPlacement.start_date))).one()
        if placed[0]:
            years = sorted(set(years) | set(range(placed[0].year, placed[1].year + 1)))
    out = []

    def compare(label: str, built, live, metrics) -> None:
        for key in sorted(set(built) | set(live), key=str):
            a, b = built.get(key, {}), live.get(key, {})
            for metric in tuple(metrics) + tuple(key_name(m) for m in metrics):
                if a.get(metric, 0) != b.get(metric, 0):
                    out.append(f"{label} {key}: {metric} summary {a.get(metric, 0)} live {b.get(metric, 0)}")

    for year in years:
        filters = Filters(start=date(year, 1, 1), end=date(year, 12, 31), today=today, kind="year", year=year,
                          timezone=tz)
        for dimension in summary.SUMMARY_DIMENSIONS:
            label = f"{year} {dimension or 'national'}"
            compare(label, _nonzero(summary.enrollment_metrics(session, filters, dimension)),
                    _nonzero(enrollment_metrics(filters, dimension, live=True)), ENROLLMENT_METRICS)
            compare(f"{label} placements", _nonzero(placement_metrics(filters, dimension)),
                    _nonzero(placement_metrics(filters, dimension, live=True)), PLACEMENT_METRICS)
        compare(f"{year} mobility", _nonzero(mobility_metrics(filters)),
                _nonzero(mobility_metrics(filters, live=True)), ("placements",) + MOBILITY_COLUMNS)
    out.extend(summary.wrong_representatives(session))
    out.extend(summary.wrong_previous_starts(session))
    out.extend(summary.wrong_center_days(session))
    out.extend(summary.wrong_placement_months(session))
    out.extend(summary.wrong_total_cohorts(session))
    out.extend(exits.wrong_exits(session, ZoneInfo(tz), summary.built_markets(session)))
    return out
