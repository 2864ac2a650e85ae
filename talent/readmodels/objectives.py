"""Read model of the progress against the workforce objectives (objectives and the report queries
together): today's value (suppressed like every ministry
figure), a linear projection to the deadline, and on track / at risk / behind.

Definitions (also on the definitions page):
- Counts (enrolled, completed, certified, placed) are cumulative: the baseline value plus every
  event from 1 January of the baseline year to today, within the objective's scope.
- Rates are the rate over the 12 months before today (same definitions as the reports).
- Outcome indicators (employment in the 2nd / 4th quarter after exit, median pay, credential
  attainment; talent.reporting.outcomes) are measured on the latest four exit quarters whose
  follow-up quarter is over (credentials: the exits of the year that ended a year ago).
- A group (gender) narrows any metric to women or men; a market narrows "placed" to the
  placements into that market (jobs, not people) and the employment and pay indicators to jobs of
  that market.
- Projection: the straight line from (1 January of the baseline year, baseline value) through
  (today, today's value), extended to 31 December of the deadline year.
- Status: on track if the projection reaches the target; at risk if it covers at least 80 % of the
  way from the baseline to the target; behind otherwise. After the deadline: achieved / missed.
  Not enough data when today's value is withheld by suppression.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent.catalog.models import Sector, Skill
from talent.errors import PermissionDenied
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import current_language
from talent.objectives.labels import GENDER_LABELS, MARKET_LABELS, METRIC_LABELS, SCOPE_LABELS, STATUS_LABELS
from talent.objectives.models import Objective
from talent.permissions import Actor, P, require
from talent.reporting import outcomes, queries
from talent.reporting.periods import Filters
from talent.reporting.suppression import Cell, RateSpec, TableSpec, suppress
from talent import clock

AT_RISK_SHARE = 0.8
COUNT_SOURCES = {"enrolled": "enrolled", "completed": "completed", "certified": "certified", "placed": "placed"}
RATE_SOURCES = {"completion_rate": ("completion_num", "completion_den"),
                "certification_rate": ("cert_num", "completed"),
                "placement_rate": ("placement_num", "placement_den")}

@dataclass
class Progress:
    objective: Objective
    scope_name: str
    current: Cell
    projected: float | None
    progress_pct: float | None
    status: str

    @property
    def metric_label(self) -> str:
        return str(METRIC_LABELS.get(self.objective.metric, self.objective.metric))

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    def as_json(self) -> dict[str, Any]:
        o = self.objective
        return {"id": o.id, "title": o.title, "metric": o.metric, "scope": o.scope, "scope_name": self.scope_name,
                "gender": o.gender, "market": o.market,
                "target_value": float(o.target_value), "baseline_value": float(o.baseline_value),
                "baseline_year": o.baseline_year, "deadline_year": o.deadline_year,
                "current": self.current.as_json(),
                "projected": None if self.projected is None else round(self.projected, 1),
                "progress_pct": None if self.progress_pct is None else round(self.progress_pct, 1),
                "status": self.status}


def _scope_name(objective: Objective) -> str:
    """Where the objective applies, and for whom: "Bakı · Women · International"."""
    parts = [_place_name(objective)]
    if getattr(objective, "gender", None):
        parts.append(str(GENDER_LABELS[objective.gender]))
    if getattr(objective, "market", None):
        parts.append(str(MARKET_LABELS[objective.market]))
    return " · ".join(parts)


def _place_name(objective: Objective) -> str:
    language = current_language()
    for field, model in (("region_id", Region), ("skill_id", Skill), ("sector_id", Sector)):
        ref = getattr(objective, field)
        if ref is not None:
            obj = db.session.get(model, ref)
            return obj.name_in(language) if obj else ""
    return str(_l("Azerbaijan"))


def _filters(objective: Objective, start: date, end: date, today: date) -> Filters:
    return Filters(start=start, end=end, today=today, kind="custom", region_id=objective.region_id,
                   skill_id=objective.skill_id, sector_id=objective.sector_id,
                   timezone=current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Baku"))


def _national_row(filters: Filters, cache: dict | None, only: tuple[str, ...],
                  gender: str | None = None) -> dict[str, int]:
    """The one-row aggregate of the metrics in ``only`` for ``filters`` (only what the objective
    needs, so a count of awards reads the awards alone), of one gender when ``gender`` is given;
    objectives that share a scope, period and metric reuse it through ``cache`` instead of
    running it again."""
    cache_key = (filters, only, gender)
    if cache is not None and cache_key in cache:
        return cache[cache_key]
    # Objectives of one scope and period that need other metrics share one aggregate: a metric's
    # count, key sum and before-the-period values do not depend on which others are asked with it
    # (objectives_progress collects them). Only where none of this objective's counts is zero,
    # though: a group whose metrics are all zero is absent from an aggregate of those metrics alone
    # (zeros before the period too), so that rare case is read on its own as before.
    wider = cache.get(("needs", filters, gender)) if cache is not None else None
    if wider is not None and set(only) <= wider and wider != set(only):
        row = _national_row(filters, cache, tuple(sorted(wider)), gender)
        if any(row.get(m, 0) for m in only):
            cache[cache_key] = row
            return row
    if gender:
        row = queries.metrics(filters, "gender", only=only).get(gender, queries.zero_metrics())
    else:
        row = queries.metrics(filters, None, only=only).get(0, queries.zero_metrics())
    if cache is not None:
        cache[cache_key] = row
    return row


def current_value(objective: Objective, today: date, k: int | None = None, *, cache: dict | None = None) -> Cell:
    """Today's value of the objective's metric in its scope, suppressed."""
    k = k if k is not None else int(current_app.config.get("SUPPRESSION_K", 5))
    gender, market = getattr(objective, "gender", None), getattr(objective, "market", None)
    if objective.metric in outcomes.OBJECTIVE_METRICS:
        start, end = outcomes.measured_window(objective.metric, today)
        return outcomes.objective_value(objective.metric, _filters(objective, start, end, today), gender=gender,
                                        market=market, k=k, cache=cache)
    if objective.metric in COUNT_SOURCES:
        start = date(objective.baseline_year, 1, 1)
        if today < start:
            return Cell(float(objective.baseline_value), "shown", "count", k)
        filters, only = _needs(objective, today)
        source = only[0]
        row = _national_row(filters, cache, only, gender)
        cell = suppress([_renamed(row, {source: "n"})], TableSpec(counts=["n"]), k=k).rows[0]["cells"]["n"]
        if cell.value is None:
            return cell
        # The published (perturbed) count, never the raw one beside it.
        return Cell(float(objective.baseline_value) + cell.value, "shown", "count", k)
    num, den = RATE_SOURCES[objective.metric]
    filters, only = _needs(objective, today)
    row = _national_row(filters, cache, only, gender)
    spec = TableSpec(counts=[], rates=[RateSpec("rate", num, den)])
    return suppress([_renamed(row, {num: num, den: den})], spec, k=k).rows[0]["cells"]["rate"]


def _needs(objective: Objective, today: date) -> tuple[Filters, tuple[str, ...]] | None:
    """The filters and report metrics of the aggregate a count or rate objective reads today (None
    for the outcome indicators and for a count before its baseline year)."""
    if objective.metric in outcomes.OBJECTIVE_METRICS:
        return None
    if objective.metric in COUNT_SOURCES:
        start = date(objective.baseline_year, 1, 1)
        if today < start:
            return None
        # Placed into a market: the placements into that market (jobs), like the reports' market columns.
        market = getattr(objective, "market", None)
        source = market if (market and objective.metric == "placed") else COUNT_SOURCES[objective.metric]
        return _filters(objective, start, today, today), (source,)
    return _filters(objective, today - timedelta(days=364), today, today), RATE_SOURCES[objective.metric]


def _collect_needs(objectives: list[Objective], today: date, cache: dict) -> None:
    """Note in ``cache`` every metric the objectives read per (scope and period, gender), so that
    :func:`_national_row` reads each such aggregate once with all of them."""
    for objective in objectives:
        needs = _needs(objective, today)
        if needs is not None:
            filters, only = needs
            cache.setdefault(("needs", filters, getattr(objective, "gender", None)), set()).update(only)


def _renamed(row: dict[str, int], names: dict[str, str]) -> dict[str, int]:
    """The metrics' counts, key sums and (when present) counts before the period, under new names."""
    out = {}
    for source, name in names.items():
        for suffix in ("", "__key", "__pre", "__pre__key"):
            if source + suffix in row:
                out[name + suffix] = row[source + suffix]
    return out


def progress(objective: Objective, today: date | None = None, *, cache: dict | None = None) -> Progress:
    today = today or clock.today()
    cell = current_value(objective, today, cache=cache)
    baseline, target = float(objective.baseline_value), float(objective.target_value)
    start, deadline = date(objective.baseline_year, 1, 1), date(objective.deadline_year, 12, 31)
    scope_name = _scope_name(objective)
    if cell.value is None:
        return Progress(objective, scope_name, cell, None, None, "no_data")
    current = float(cell.value)
    progress_pct = None if target == baseline else 100.0 * (current - baseline) / (target - baseline)
    if today > deadline:
        return Progress(objective, scope_name, cell, current, progress_pct,
                        "achieved" if current >= target else "missed")
    # Whole days covered, today and the deadline's last day included.
    elapsed, total = (today - start).days + 1, (deadline - start).days + 1
    if elapsed <= 0:
        projected = current
    else:
        projected = baseline + (current - baseline) * total / elapsed
    if objective.metric in RATE_SOURCES or objective.metric in outcomes.OBJECTIVE_RATES:
        projected = max(0.0, min(100.0, projected))
    if projected >= target:
        status = "on_track"
    elif target > baseline and projected >= baseline + AT_RISK_SHARE * (target - baseline):
        status = "at_risk"
    else:
        status = "behind"
    return Progress(objective, scope_name, cell, projected, progress_pct, status)


def objectives_progress(*, actor: Actor, today: date | None = None) -> list[Progress]:
    """Every objective with its progress, nearest deadline first (for a reader of the reports)."""
    if not isinstance(actor, Actor):
        raise PermissionDenied(_l("You do not have permission to do this."))
    require(actor, P.REPORTS_READ)
    objectives = list(db.session.scalars(select(Objective).order_by(Objective.deadline_year, Objective.title)))
    cache: dict = {}
    _collect_needs(objectives, today or clock.today(), cache)
    return [progress(o, today, cache=cache) for o in objectives]


class ObjectivesTable:
    """The objectives as an exportable table (same interface as reports.NamedTable)."""
    name = "objectives"
    title = _l("Objectives")

    def __init__(self, items: list[Progress]):
        self.items = items
        # The rows as plain values, read now: a CSV download streams its body after the request
        # has committed and its session has closed, when the objectives can no longer be loaded.
        self._rows = [self._row(p) for p in items]

    def header(self) -> list[str]:
        return [str(h) for h in (_l("Objective"), _l("Metric"), _l("Scope"), _l("Baseline year"), _l("Baseline"),
                                 _l("Deadline year"), _l("Target"), _l("Today"), _l("Projection"),
                                 _l("Status"))]

    @staticmethod
    def _row(p: Progress) -> list[Any]:
        o = p.objective
        return [o.title, p.metric_label, f"{SCOPE_LABELS[o.scope]}: {p.scope_name}", o.baseline_year,
                float(o.baseline_value), o.deadline_year, float(o.target_value), p.current.export_value(),
                "" if p.projected is None else round(p.projected, 1), p.status_label]

    def export_rows(self):
        return iter(self._rows)

    def as_json(self) -> dict[str, Any]:
        return {"name": self.name, "objectives": [p.as_json() for p in self.items]}
