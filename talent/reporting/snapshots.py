"""Making the kept report answers current (talent/reporting/kept.py says when they are read).

One refresh for every kept report, under one lock: take the marks (delete exactly those read), then
compute again, with each report's live statement, every snapshot of a marked year or made with other
record keys, every snapshot asked for (a page that missed, through the worker), and each report's
default periods when missing; a snapshot whose key no longer matches today's (the outcome indicators
key on the report date's measurement bounds) is removed. Runs in:

- the worker (``talent worker``): every ``TALENT_KEPT_REFRESH_SECONDS`` and on a page's request
  (the Dramatiq job ``talent.reports.kept``);
- the embedded ticker of the serving process when there is no broker (``make run``);
- ``talent reports refresh-kept`` (once) and ``talent reports rebuild-summary``; the demo load.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable

from flask import current_app

from talent import clock
from talent.extensions import db
from talent.notifications import worker
from talent.reporting import kept, outcomes, summary, supply_demand
from talent.reporting.periods import published_filters


@dataclass(frozen=True)
class Kept:
    """How one report keeps its answers (functions of the report's module)."""
    key: Callable[[dict[str, Any], str, date], str]
    valid: Callable[[dict[str, Any]], bool]
    compute: Callable[[dict[str, Any], str, date], dict[str, Any]]
    defaults: Callable[[date], list[dict[str, Any]]]
    current: Callable[[Any, str], bool]


REPORTS: dict[str, Kept] = {
    supply_demand.REPORT: Kept(supply_demand.kept_key, supply_demand.kept_valid, supply_demand.kept_compute,
                               supply_demand.kept_defaults, summary.is_current),
    outcomes.REPORT: Kept(outcomes.kept_key, outcomes.kept_valid, outcomes.kept_compute, outcomes.kept_defaults,
                          summary.exits_current),
}


def _timezone() -> str:
    return current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Baku")


def refresh(session, *, asked: list | None = None, defaults: bool = True) -> dict[str, int]:
    """Make the kept answers current (see the module's docstring). ``asked``: [[report, params], …].
    The caller commits. Returns the counts: marks taken, snapshots computed and removed."""
    tz, today = _timezone(), clock.today()
    kept.lock(session)
    session.flush()
    kept.write_marks(session)   # this transaction's own changes: computed below, not marked after
    years, every_year = kept.take_marks(session)
    counts = {"marks_years": len(years) + int(every_year), "computed": 0, "removed": 0}
    wanted: dict[str, tuple[str, dict[str, Any]]] = {}
    stale = {row.key for row in kept.stale(session, years, every_year)}
    for row in kept.snapshots(session):
        spec = REPORTS.get(row.report)
        if spec is None or not spec.valid(row.params) or not spec.current(session, tz):
            session.delete(row)
            counts["removed"] += 1
            continue
        key = spec.key(row.params, tz, today)
        if key != row.key:            # made for another report date, time zone or markets
            session.delete(row)
            counts["removed"] += 1
            wanted.setdefault(key, (row.report, row.params))
        elif row.key in stale:
            wanted[key] = (row.report, row.params)
    candidates = [(item[0], item[1]) for item in asked or []   # from a message: anything but [report, params] is dropped
                  if isinstance(item, (list, tuple)) and len(item) == 2 and isinstance(item[1], dict)
                  and item[0] in REPORTS and REPORTS[item[0]].valid(item[1])]
    if defaults:
        candidates += [(name, params) for name, spec in REPORTS.items() for params in spec.defaults(today)]
    existing = {row.key for row in kept.snapshots(session)}
    for name, params in candidates:
        spec = REPORTS[name]
        if spec.current(session, tz):
            key = spec.key(params, tz, today)
            if key not in existing:
                wanted.setdefault(key, (name, params))
    session.flush()
    for key, (name, params) in sorted(wanted.items()):
        spec = REPORTS[name]
        kept.store(session, name, key, date.fromisoformat(params["start"]).year,
                   date.fromisoformat(params["end"]).year, params, spec.compute(params, tz, today))
        counts["computed"] += 1
    return counts


def refresh_job(asked: list | None = None) -> int:
    """The worker's job (periodic, and on a page's request; the embedded ticker's without a broker):
    :func:`refresh` in its own transaction. Returns the number of snapshots computed."""
    try:
        counts = refresh(db.session, asked=asked)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    if counts["computed"]:
        current_app.logger.info("kept reports: %s snapshot(s) computed", counts["computed"])
    return counts["computed"]


worker.register_job(kept.JOB, refresh_job)


def wrong_snapshots(session) -> list[str]:
    """The snapshots read now whose figures differ from the live statement's (``check-summary``)."""
    tz, today = _timezone(), clock.today()
    out = []
    for row in kept.snapshots(session):
        spec = REPORTS.get(row.report)
        if spec is None or not spec.current(session, tz) or spec.key(row.params, tz, today) != row.key:
            continue   # never read
        filters = published_filters(row.params, tz, today)
        figures = kept.read(session, row.key, filters.start.year, filters.end.year)
        if figures is not None and figures != _json_roundtrip(spec.compute(row.params, tz, today)):
            out.append(f"kept {row.report} {row.params}: the kept figures differ from the live ones")
    return out


def _json_roundtrip(figures: dict[str, Any]) -> Any:
    """The figures as the database gives them back (JSON: tuples become lists)."""
    return json.loads(json.dumps(figures))
