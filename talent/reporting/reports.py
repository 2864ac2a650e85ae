"""The ministry reports, suppressed: what pages, exports and the JSON API show.

Every public function here takes a parsed :class:`~talent.reporting.periods.Filters` (from
:func:`~talent.reporting.periods.parse_filters`) and the acting user (``actor=``, required:
``reports:read`` is checked and a missing actor is refused, failing closed), and returns a :class:`Report` whose tables went through
:func:`~talent.reporting.suppression.suppress`. Nothing here returns a row about a person.

Drill-down pages carry the hidden cells of the page above (a region's row on the regions page
is the total row of its centers page), so two pages read together reveal no more than one.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent.catalog.models import Course, Skill, course_skills
from talent.centers.models import Center
from talent.errors import NotFound, PermissionDenied
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import az_collate, current_language
from talent.learning.models import Cohort
from talent.permissions import Actor, P, require
from talent.reporting import queries
from talent.reporting.cellkey import key_name, pre_name
from talent.reporting.periods import Filters, quarters_between
from talent.reporting.suppression import (CELLKEY, REST_PREFIX, RateSpec, Table, TableSpec, configured_method,
                                          suppress)

COLUMN_LABELS: dict[str, Any] = {
    "centers": _l("Centers"),
    "enrolled": _l("Enrolled"),
    "active": _l("Active"),
    "completed": _l("Completed"),
    "certified": _l("Certified"),
    "placed": _l("Placed"),
    "placements": _l("Placements"),
    "local": _l("Local market"),
    "regional": _l("Regional market"),
    "international": _l("International market"),
    "placement_pending": _l("Pending (6-month window open)"),
    "completion_rate": _l("Completion rate %"),
    "certification_rate": _l("Certification rate %"),
    "placement_rate": _l("Placement rate at 6 months %"),
    "completion_den": _l("Finished (completion base)"),
    "placement_den": _l("Completers past 6 months (placement base)"),
    "completion_gap": _l("Completion gap (pp)"),
    "certification_gap": _l("Certification gap (pp)"),
    "placement_gap": _l("Placement gap (pp)"),
    "enrollments": _l("Enrollments"),
    "completions": _l("Completions"),
    "awards": _l("Awards"),
    "same_region": _l("Same region"),
    "baku": _l("Baku"),
    "other_az": _l("Elsewhere in Azerbaijan"),
    "az_unknown": _l("Azerbaijan, region unknown"),
}

MAIN_SPEC = TableSpec(
    counts=["enrolled", "active", "completed", "certified", "placed", "placements", "local", "regional",
            "international", "placement_pending"],
    entities=["centers"],
    rates=[RateSpec("completion_rate", "completion_num", "completion_den"),
           RateSpec("certification_rate", "cert_num", "completed"),
           RateSpec("placement_rate", "placement_num", "placement_den")],
    row_sums=[("placements", ["local", "regional", "international"])],
)
MAIN_COLUMNS = ["centers", "enrolled", "active", "completed", "certified", "placed", "completion_rate",
                "certification_rate", "placement_rate", "placement_pending", "placements", "local",
                "regional", "international"]
SORTABLE = set(MAIN_COLUMNS) | {"name"}

FAIRNESS_SPEC = TableSpec(
    counts=["completion_den", "completed", "placement_den"],
    rates=MAIN_SPEC.rates,
)
FAIRNESS_COLUMNS = ["completion_den", "completion_rate", "completion_gap", "completed", "certification_rate",
                    "certification_gap", "placement_den", "placement_rate", "placement_gap"]
FAIRNESS_RAW = ("completion_num", "completion_den", "cert_num", "completed", "placement_num", "placement_den")
FAIRNESS_RATES = (("completion_rate", "completion_gap"), ("certification_rate", "certification_gap"),
                  ("placement_rate", "placement_gap"))

TREND_SPEC = TableSpec(
    counts=["enrollments", "completions", "awards", "placements", "local", "regional", "international"],
    row_sums=[("placements", ["local", "regional", "international"])],
)
TREND_FROM_NATIONAL = {"enrollments": "enrolled", "completions": "completed", "awards": "certified",
                       "placements": "placements", "local": "local", "regional": "regional",
                       "international": "international"}

MOBILITY_SPEC = TableSpec(
    counts=["placements", *queries.MOBILITY_COLUMNS],
    row_sums=[("placements", list(queries.MOBILITY_COLUMNS))],
)
MOBILITY_COLUMNS = ["placements", *queries.MOBILITY_COLUMNS]


@dataclass
class NamedTable:
    name: str
    title: Any
    key_label: Any
    columns: list[str]
    table: Table
    total_label: Any = _l("Total")
    column_labels: dict[str, Any] | None = None   # a report of its own (outcomes) names its columns

    def header(self) -> list[str]:
        labels = COLUMN_LABELS if self.column_labels is None else self.column_labels
        return [str(self.key_label)] + [str(labels.get(c, c)) for c in self.columns]

    def export_rows(self):
        """Rows for CSV/XLSX: the label, then each cell as shown on screen."""
        for row in self.table.rows + ([self.table.total] if self.table.total else []):
            label = row.get("label") if row is not self.table.total else str(self.total_label)
            yield [str(label)] + [row["cells"][c].export_value() if c in row["cells"] else "" for c in self.columns]

    def as_json(self) -> dict[str, Any]:
        data = self.table.as_json()
        data.update(name=self.name, title=str(self.title), columns=self.columns)
        return data


@dataclass
class Report:
    name: str
    title: Any
    filters: Filters
    tables: list[NamedTable] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> NamedTable | None:
        return next((t for t in self.tables if t.name == name), None)

    def as_json(self) -> dict[str, Any]:
        return {"report": self.name, "filters": self.filters.describe(),
                "suppression_k": self.tables[0].table.k if self.tables else None,
                "tables": [t.as_json() for t in self.tables]}


def _check(actor: Actor) -> None:
    """Every report needs its reader: no actor is refused like a reader without the permission."""
    if not isinstance(actor, Actor):
        raise PermissionDenied(_l("You do not have permission to do this."))
    require(actor, P.REPORTS_READ)


def _k() -> int:
    return int(current_app.config.get("SUPPRESSION_K", 5))


def _presets() -> bool:
    """Whether a table's total row takes its hidden cells from the table above it (the regions
    table for a region's centers and for the trends' period row, a region's centers for a center):
    the threshold method only. The cell-key method publishes each cell from its own records and
    ignores ``total_preset`` (suppression.suppress), so the tables above are not computed for it."""
    return configured_method() != CELLKEY


def _localized(obj) -> str:
    return obj.name_in(current_language())


# ---- regions and drill-down -----------------------------------------------------------------------

def _regions(filters: Filters) -> tuple[Table, list[Region], dict[str, int]]:
    """The regions table (suppressed), the regions, and the raw national figures (private)."""
    regions = list(db.session.scalars(select(Region).order_by(Region.id)))
    data, national = queries.metrics_with_total(filters, "region")
    rows = [{"id": r.id, "code": r.code, "label": _localized(r), **data.get(r.id, queries.zero_metrics())}
            for r in regions]
    total = {"code": "AZ", "label": _l("Azerbaijan"), **national}
    return suppress(rows, MAIN_SPEC, total=total, k=_k()), regions, national


def sort_rows(table: NamedTable, column: str | None, descending: bool = False) -> list[str]:
    """Sort a table's rows in place by a shown column (or the name). Withheld cells sort last in
    name order, so their position reveals nothing about their value. Returns messages."""
    messages = []
    if not column:
        return messages
    if column not in SORTABLE or (column != "name" and column not in table.columns):
        return [_l("Unknown sort column; the table is in its usual order.")]
    if column == "name":
        table.table.rows.sort(key=lambda r: str(r["label"]).lower(), reverse=descending)
        return messages
    shown = [r for r in table.table.rows if r["cells"][column].value is not None]
    hidden = [r for r in table.table.rows if r["cells"][column].value is None]
    shown.sort(key=lambda r: (r["cells"][column].value, str(r["label"]).lower()), reverse=descending)
    hidden.sort(key=lambda r: str(r["label"]).lower())
    table.table.rows[:] = shown + hidden
    return messages


def regions_table(filters: Filters, *, actor: Actor) -> Report:
    """One row per economic region (all 14, zeros included) plus the national total."""
    _check(actor)
    table, _, _ = _regions(filters)
    return Report("regions", _l("Regions"), filters, [
        NamedTable("regions", _l("Regions"), _l("Region"), MAIN_COLUMNS, table, _l("Azerbaijan"))])


def national_summary(filters: Filters, *, actor: Actor) -> Report:
    """The national figures: the total row of the regions table (suppressed together with it)."""
    _check(actor)
    table, _, _ = _regions(filters)
    national = Table(rows=[table.total], total=None, k=table.k, columns=table.columns,
                     row_status=[table.total_status], method=table.method)
    market_total = table.total
    report = Report("national", _l("National dashboard"), filters, [
        NamedTable("national", _l("National figures"), _l("Scope"), MAIN_COLUMNS, national),
        NamedTable("regions", _l("Regions"), _l("Region"), MAIN_COLUMNS, table, _l("Azerbaijan")),
    ])
    report.extra["cells"] = market_total["cells"]
    return report


def _get_region(region_id: int) -> Region:
    region = db.session.get(Region, region_id)
    if region is None:
        raise NotFound(_l("Not found."))
    return region


def _region_centers(filters: Filters, region_id: int) -> tuple[Table, Region]:
    region = _get_region(region_id)
    preset = None
    if _presets():
        regions_tbl, regions, _ = _regions(filters)
        index = next(i for i, r in enumerate(regions) if r.id == region.id)
        preset = regions_tbl.row_status[index]
    scoped = filters.scoped(region_id=region.id)
    data, region_total = queries.metrics_with_total(scoped, "center")
    centers = list(db.session.scalars(select(Center).where(Center.region_id == region.id)
                                      .order_by(az_collate(Center.name), Center.id)))
    rows = [{"id": c.id, "code": c.code, "label": c.name, **data.get(c.id, queries.zero_metrics())}
            for c in centers]
    total = {"id": region.id, "label": _localized(region), **region_total}
    table = suppress(rows, MAIN_SPEC, total=total, k=_k(), total_preset=preset)
    return table, region


def region_centers(filters: Filters, region_id: int, *, actor: Actor) -> Report:
    """A region's centers (aggregates per center), with the region as the total row."""
    _check(actor)
    table, region = _region_centers(filters, region_id)
    report = Report("region", _localized(region), filters, [
        NamedTable("centers", _l("Centers"), _l("Center"), MAIN_COLUMNS, table, _localized(region))])
    report.extra["region"] = {"id": region.id, "code": region.code, "name": _localized(region)}
    return report


def center_breakdown(filters: Filters, center_id: int, *, actor: Actor) -> Report:
    """A center's courses and skills (aggregates only), with the center as the total row."""
    _check(actor)
    center = db.session.get(Center, center_id)
    if center is None:
        raise NotFound(_l("Not found."))
    preset = None
    if _presets():
        region_tbl, region = _region_centers(filters, center.region_id)
        index = next((i for i, r in enumerate(region_tbl.rows) if r["id"] == center.id), None)
        preset = region_tbl.row_status[index] if index is not None else None
    else:
        region = _get_region(center.region_id)
    scoped = filters.scoped(center_id=center.id)
    by_course, center_total = queries.metrics_with_total(scoped, "course")
    total = {"id": center.id, "label": center.name, **center_total}

    ran = select(Cohort.course_id).where(Cohort.center_id == center.id)
    courses = list(db.session.scalars(select(Course).where(Course.id.in_(ran)).order_by(Course.code)))
    course_rows = [{"id": c.id, "code": c.code, "label": f"{c.code} — {c.title}",
                    **by_course.get(c.id, queries.zero_metrics())} for c in courses]
    by_skill = queries.skill_metrics(scoped, by_course)
    skills = list(db.session.scalars(select(Skill).where(Skill.id.in_(
        select(course_skills.c.skill_id).where(course_skills.c.course_id.in_(ran)))).order_by(Skill.code)))
    skill_rows = [{"id": s.id, "code": s.code, "label": _localized(s), **by_skill.get(s.id, queries.zero_metrics())}
                  for s in skills]
    report = Report("center", center.name, filters, [
        NamedTable("courses", _l("Courses"), _l("Course"), MAIN_COLUMNS,
                   suppress(course_rows, MAIN_SPEC, total=dict(total), k=_k(), total_preset=preset), center.name),
        NamedTable("skills", _l("Skills"), _l("Skill"), MAIN_COLUMNS,
                   suppress(skill_rows, MAIN_SPEC, total=dict(total), k=_k(), total_preset=preset), center.name),
    ])
    report.extra["center"] = {"id": center.id, "code": center.code, "name": center.name}
    report.extra["region"] = {"id": region.id, "code": region.code, "name": _localized(region)}
    return report


# ---- fairness --------------------------------------------------------------------------------

FAIRNESS_GROUPS = {
    "gender": (_l("By gender"), _l("Gender"), [("F", _l("Women")), ("M", _l("Men"))]),
    "age_band": (_l("By age band"), _l("Age (on the cohort's first day)"),
                 [("under_25", _l("Under 25")), ("25_34", _l("25–34")), ("35_44", _l("35–44")),
                  ("45_plus", _l("45 and over"))]),
    "home": (_l("By home region"), _l("Home region"), [("baku", _l("Baku")), ("other", _l("Other regions"))]),
}


def fairness(filters: Filters, *, actor: Actor) -> Report:
    """Completion, certification and placement rates by gender, age band and home region, with
    each group's gap to the overall rate and a flag where it exceeds ``FAIRNESS_GAP_PP``."""
    _check(actor)
    threshold = float(current_app.config.get("FAIRNESS_GAP_PP", 10))
    if not _presets():
        # The cell-key method publishes each cell from its own records (no preset, no complementary
        # suppression): the "All" row needs the national figures of its columns alone — not the
        # whole regions table with its placements and centers (five statements per period).
        national = queries.metrics(filters, None, only=FAIRNESS_RAW).get(0, queries.zero_metrics())
        preset = None
    else:
        # The threshold method keeps the All row's hidden cells as the regions table hides them.
        regions_tbl, _, national = _regions(filters)
        preset = {c: st for c, st in regions_tbl.total_status.items()
                  if c in FAIRNESS_RAW or c.startswith(REST_PREFIX)}
    report = Report("fairness", _l("Fairness"), filters, [])
    report.extra["threshold"] = threshold
    flags = 0
    by_dimension = queries.metrics_by(filters, tuple(FAIRNESS_GROUPS), only=FAIRNESS_RAW)
    for dimension, (title, key_label, groups) in FAIRNESS_GROUPS.items():
        data = by_dimension[dimension]
        rows = [{"code": code, "label": label, **data.get(code, queries.zero_metrics())} for code, label in groups]
        table = suppress(rows, FAIRNESS_SPEC, total={"label": _l("All"), **national}, k=_k(), total_preset=preset)
        overall = table.total["cells"]
        for row in table.rows:
            for rate, gap_name in FAIRNESS_RATES:
                cell, base = row["cells"][rate], overall[rate]
                row.setdefault("gaps", {})
                if cell.value is None or base.value is None:
                    row["gaps"][gap_name] = None
                else:
                    gap = cell.value - base.value
                    row["gaps"][gap_name] = {"value": gap, "flag": abs(gap) > threshold}
                    flags += abs(gap) > threshold
        report.tables.append(FairnessTable(dimension, title, key_label, FAIRNESS_COLUMNS, table, _l("All")))
    report.extra["flags"] = flags
    return report


class FairnessTable(NamedTable):
    def export_rows(self):
        for row in self.table.rows + [self.table.total]:
            label = row.get("label") if row is not self.table.total else str(self.total_label)
            out = [str(label)]
            for c in self.columns:
                if c.endswith("_gap"):
                    gap = (row.get("gaps") or {}).get(c)
                    out.append("" if gap is None else round(gap["value"], 1))
                else:
                    out.append(row["cells"][c].export_value())
            yield out

    def as_json(self) -> dict[str, Any]:
        data = super().as_json()
        for row_json, row in zip(data["rows"], self.table.rows):
            row_json.pop("gaps", None)
            for name, gap in (row.get("gaps") or {}).items():
                row_json[name] = None if gap is None else {"value": round(gap["value"], 1), "flag": gap["flag"]}
        if data.get("total"):
            data["total"].pop("gaps", None)
        return data


# ---- mobility --------------------------------------------------------------------------------

def mobility(filters: Filters, *, actor: Actor) -> Report:
    """Where the graduates of each region's centers work (placements starting in the period)."""
    _check(actor)
    regions = list(db.session.scalars(select(Region).order_by(Region.id)))
    data = queries.mobility_metrics(filters)
    cols = [n for c in ("placements", *queries.MOBILITY_COLUMNS)
            for n in (c, key_name(c), pre_name(c), key_name(pre_name(c)))]
    rows = [{"id": r.id, "code": r.code, "label": _localized(r), **{c: data.get(r.id, {}).get(c, 0) for c in cols}}
            for r in regions]
    # The total row counts the rows' placements together (key sums add up like the counts).
    total = {"label": _l("All regions"), **{c: sum(row[c] for row in rows) for c in cols}}
    table = suppress(rows, MOBILITY_SPEC, total=total, k=_k())
    return Report("mobility", _l("Mobility"), filters, [
        NamedTable("mobility", _l("Where graduates work"), _l("Region of the center"), MOBILITY_COLUMNS, table,
                   _l("All regions (sum of rows)"))])


# ---- trends ----------------------------------------------------------------------------------

def trends(filters: Filters, *, actor: Actor) -> Report:
    """Quarterly series of enrollments, completions, awards and placements, and the market mix."""
    _check(actor)
    quarters = quarters_between(filters.start, filters.end)
    data = queries.trend_metrics(filters, quarters)
    rows = [{"code": label, "label": label, **data[label]} for label, _, _ in quarters]
    total = {"label": _l("Period"), **{n: sum(r[n] for r in rows) for c in TREND_SPEC.counts
                                       for n in (c, key_name(c))}}
    if rows and pre_name("enrollments") in rows[0]:
        # The period's anchor is the first quarter's: everything before the period.
        total.update({n: rows[0][n] for c in TREND_SPEC.counts for n in (pre_name(c), key_name(pre_name(c)))})
    preset = None
    if _presets():
        regions_tbl, _, _ = _regions(filters)
        preset = {col: regions_tbl.total_status[src] for col, src in TREND_FROM_NATIONAL.items()}
    table = suppress(rows, TREND_SPEC, total=total, k=_k(), total_preset=preset)
    return Report("trends", _l("Trends"), filters, [
        NamedTable("trends", _l("Quarterly series"), _l("Quarter"), TREND_SPEC.counts, table, _l("Period"))])


def chart(table: NamedTable, columns: list[str], kind: str = "bar", *, stacked: bool = False,
          with_total: bool = False) -> dict[str, Any]:
    """Chart.js data for some columns of a table: the published values; a withheld one is null in
    ``data`` and listed in ``withheld`` (dataset, point, symbol) so the chart draws it as a marked
    bar up to ``k - 1`` labelled with its symbol (never as an empty bar or a zero)."""
    rows = table.table.rows + ([table.table.total] if with_total and table.table.total else [])
    withheld = [[i, j, r["cells"][c].symbol or "x"] for i, c in enumerate(columns)
                for j, r in enumerate(rows) if r["cells"][c].value is None]
    return {
        "type": kind,
        "stacked": stacked,
        "labels": [str(r.get("label")) for r in rows],
        "datasets": [{"label": str(COLUMN_LABELS.get(c, c)),
                      "data": [r["cells"][c].value for r in rows]} for c in columns],
        "withheld": withheld,
        "withheldHeight": max(table.table.k - 1, 1),
        "withheldLabel": str(_l("withheld")),
    }


REPORTS = {
    "dashboard": national_summary,
    "regions": regions_table,
    "fairness": fairness,
    "mobility": mobility,
    "trends": trends,
}
