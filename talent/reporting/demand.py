"""Demand for training (issue 19): online applications, applicants per seat and the funnel
applied → accepted → enrolled → completed → certified → placed, by the region of the cohort's
center, under the disclosure rule every ministry answer uses (:func:`suppress`; the cell-key
method with record keys of the ``application`` domain).

A live query (GROUP BY in the database) over ``applications``; the report summary is not used.
Definitions:
- *applications*: applications received for cohorts starting in the period (and of the skill,
  sector and course level chosen);
- *applicants*: distinct FINs among them (a person applying to two cohorts counts once per region);
- *seats*: the capacity of those cohorts that had at least one application (a count of seats, not
  of people: never perturbed); *applicants per seat* is the published applicants divided by it;
- *accepted*, *enrolled* (a seat taken: enrolled, completed or not passed), *completed*,
  *certified* (an award of that enrollment), *placed* (a job of the person that started on or
  after the cohort's start): applications at each step.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, case, exists, func, literal, select

from talent.applications.models import Application, ApplicationStatus
from talent.centers.models import Center
from talent.credentials.models import Award
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import current_language
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.permissions import Actor, P, require
from talent.placement.models import Placement
from talent.reporting.cellkey import report_key_sql
from talent.reporting.dimensions import course_conditions
from talent.reporting.periods import Filters
from talent.reporting.suppression import (HIDDEN_RATE, NO_BASE, SHOWN, Cell, RateSpec, Table, TableSpec,
                                          suppress)

DOMAIN = "application"
FUNNEL = ["applications", "accepted", "enrolled", "completed", "certified", "placed"]
SPEC = TableSpec(counts=["applicants"] + FUNNEL, entities=["seats"],
                 rates=[RateSpec("acceptance_rate", "accepted", "applications")], additive=False)
COLUMNS = ["seats", "applications", "applicants", "per_seat", "acceptance_rate", "accepted", "enrolled",
           "completed", "certified", "placed"]
COLUMN_LABELS = {
    "seats": _l("Seats"), "applications": _l("Applications"), "applicants": _l("Applicants"),
    "per_seat": _l("Applicants per seat"), "acceptance_rate": _l("Accepted %"), "accepted": _l("Accepted"),
    "enrolled": _l("Enrolled"), "completed": _l("Completed"), "certified": _l("Certified"), "placed": _l("Placed"),
}


@dataclass
class DemandReport:
    table: Table
    columns: list[str]
    filters: Filters

    def as_json(self) -> dict[str, Any]:
        """The shape of every ministry report in the API (one table, its cells published only)."""
        data = self.table.as_json()
        data.update(name="applications", title=str(_l("Demand for training")), columns=self.columns)
        return {"report": "applications", "filters": self.filters.describe(), "suppression_k": self.table.k,
                "tables": [data]}


def _flags():
    seat_taken = Enrollment.status.in_((EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED))
    certified = exists(select(Award.id).where(Award.enrollment_id == Application.enrollment_id))
    placed = exists(select(Placement.id).where(Placement.trainee_id == Application.trainee_id,
                                               Placement.start_date >= Cohort.start_date))
    return {
        "applications": literal(True),
        "accepted": Application.status == ApplicationStatus.ACCEPTED,
        "enrolled": and_(Application.status == ApplicationStatus.ACCEPTED, seat_taken),
        "completed": and_(Application.status == ApplicationStatus.ACCEPTED,
                          Enrollment.status == EnrollmentStatus.COMPLETED),
        "certified": and_(Application.status == ApplicationStatus.ACCEPTED, certified),
        "placed": and_(Application.status == ApplicationStatus.ACCEPTED, Application.trainee_id.is_not(None), placed),
    }


def _base(filters: Filters):
    return (select(Application.id).join(Cohort, Cohort.id == Application.cohort_id)
            .join(Center, Center.id == Cohort.center_id)
            .outerjoin(Enrollment, Enrollment.id == Application.enrollment_id)
            .where(Cohort.start_date >= filters.start, Cohort.start_date <= filters.end,
                   *course_conditions(filters)))


def _figures(filters: Filters, by_region: bool) -> dict[Any, dict[str, int]]:
    group = Center.region_id if by_region else literal(0)
    key = report_key_sql(Application.id, DOMAIN)
    columns = []
    for name, condition in _flags().items():
        columns += [func.sum(case((condition, 1), else_=0)).label(name),
                    func.sum(case((condition, key), else_=0)).label(f"{name}__key")]
    stmt = _base(filters).with_only_columns(group.label("g"), *columns).group_by(group)
    out: dict[Any, dict[str, int]] = {}
    for row in db.session.execute(stmt).mappings():
        out[row["g"]] = {k: int(v or 0) for k, v in row.items() if k != "g"}
    # Applicants: one record per FIN (its first application in the group), keyed by that application.
    firsts = (_base(filters).with_only_columns(group.label("g"), func.min(Application.id).label("first_id"))
              .group_by(group, Application.fin).subquery())
    for g, n, key_sum in db.session.execute(select(firsts.c.g, func.count(), func.sum(
            report_key_sql(firsts.c.first_id, DOMAIN))).group_by(firsts.c.g)):
        out.setdefault(g, {}).update(applicants=int(n or 0), applicants__key=int(key_sum or 0))
    # Seats: the capacity of the cohorts applied to (a count of seats, not of people).
    cohorts = (_base(filters).with_only_columns(group.label("g"), Cohort.id.label("cohort_id"),
                                                Cohort.capacity.label("capacity"))
               .distinct().subquery())
    for g, seats in db.session.execute(select(cohorts.c.g, func.sum(cohorts.c.capacity)).group_by(cohorts.c.g)):
        out.setdefault(g, {})["seats"] = int(seats or 0)
    return out


def _zero() -> dict[str, int]:
    values = {name: 0 for name in FUNNEL + ["applicants", "seats"]}
    values.update({f"{name}__key": 0 for name in FUNNEL + ["applicants"]})
    return values


def _with_per_seat(row: dict[str, Any], k: int) -> dict[str, Any]:
    """Applicants per seat, from the *published* applicants (a ratio of two shown figures)."""
    applicants, seats = row["cells"]["applicants"], row["cells"]["seats"].value
    if not seats:
        row["cells"]["per_seat"] = Cell(None, NO_BASE, "ratio", k)
    elif applicants.value is None:
        row["cells"]["per_seat"] = Cell(None, HIDDEN_RATE, "ratio", k)
    else:
        row["cells"]["per_seat"] = Cell(round(applicants.value / seats, 2), SHOWN, "ratio", k)
    return row


def demand_by_region(filters: Filters, *, actor: Actor) -> DemandReport:
    """One row per economic region (all 14) and the national total; only published cells."""
    require(actor, P.REPORTS_READ)
    language = current_language()
    regions = list(db.session.scalars(select(Region).order_by(Region.id)))
    figures = _figures(filters, by_region=True)
    national = _figures(filters, by_region=False).get(0, {})
    rows = [{"id": r.id, "code": r.code, "label": r.name_in(language), **{**_zero(), **figures.get(r.id, {})}}
            for r in regions]
    total = {"code": "AZ", "label": _l("Azerbaijan"), **{**_zero(), **national}}
    table = suppress(rows, SPEC, total=total, k=int(current_app.config.get("SUPPRESSION_K", 5)))
    for row in table.rows + ([table.total] if table.total else []):
        _with_per_seat(row, table.k)
    table.columns = COLUMNS
    return DemandReport(table=table, columns=COLUMNS, filters=filters)
