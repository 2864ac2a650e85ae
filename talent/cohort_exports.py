"""The exports of one cohort (roster, results, jobs) as header and rows, in the reader's language,
for the center pages (talent/web/center/exports.py) and any other interface. A read model across
people, learning, credentials and placement; writes the ``export.<kind>`` audit event naming every
trainee in the file."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import case, func, select, true

from talent import audit, clock
from talent.credentials.models import Award
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import current_language
from talent.i18n import az_collate
from talent.labels import label
from talent.learning.models import Cohort, Enrollment
from talent.loading import load
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, trainee_visible_clause
from talent.placement.queries import cohort_placement_rows

KINDS = ("roster", "results", "placements")


def cohort_export(actor: Actor, cohort_id: int, kind: str, fmt: str) -> tuple[Cohort, list, list]:
    """The cohort (of the actor's centers, else NotFound), the header and the rows of ``kind``;
    the export is audited with its format and the trainees it holds."""
    if kind not in KINDS:
        raise ValueError(kind)
    cohort = load(actor, Cohort, cohort_id, P.TRAINEES_READ)
    if kind == "roster":
        header, rows, trainee_ids = _roster(actor, cohort)
    elif kind == "results":
        header, rows, trainee_ids = _results(cohort)
    else:
        header, rows, trainee_ids = _placements(actor, cohort)
    audit.record(actor, f"export.{kind}", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"format": fmt, "rows": len(rows)}, trainee_ids=trainee_ids)
    return cohort, header, rows


def _roster(actor, cohort: Cohort):
    """The cohort's people. The personal details (birth date to education) only of trainees the
    actor reaches: someone on the waiting list (or withdrawn) has FIN, name and status only, as on
    the roster page."""
    header = [_("FIN"), _("Last name"), _("First name"), _("Patronymic"), _("Birth date"), _("Gender"),
              _("Email"), _("Phone"), _("Home region"), _("Education"), _("Status"), _("Enrolled on")]
    visible = true() if actor.center_ids is None else trainee_visible_clause(actor)
    region_name = getattr(Region, f"name_{current_language()}")
    stmt = (select(Trainee.fin, Trainee.last_name, Trainee.first_name, Trainee.patronymic, Trainee.birth_date,
                   Trainee.gender, Trainee.email, Trainee.phone, func.coalesce(func.nullif(region_name, ""), Region.name_az),
                   Trainee.education_level, Enrollment.status, Enrollment.enrolled_at,
                   case((visible, True), else_=False), Trainee.id)
            .join(Enrollment, Enrollment.trainee_id == Trainee.id)
            .join(Region, Region.id == Trainee.home_region_id)
            .where(Enrollment.cohort_id == cohort.id)
            .order_by(az_collate(Trainee.last_name), az_collate(Trainee.first_name), Trainee.id))
    rows = db.session.execute(stmt).all()
    # Values in the reader's language, as on the pages: labels, not codes. Personal details only of
    # trainees the actor reaches.
    out = []
    for r in rows:
        if r[12]:
            out.append(list(r[:5]) + [label(r[5], "gender")] + list(r[6:9])
                       + [label(r[9], "education"), label(r[10], "enrollment_status"), clock.local_date(r[11])])
        else:
            out.append(list(r[:4]) + [None] * 6 + [label(r[10], "enrollment_status"), clock.local_date(r[11])])
    return header, out, [r[-1] for r in rows]


def _results(cohort: Cohort):
    header = [_("FIN"), _("Last name"), _("First name"), _("Status"), _("Attendance %"), _("Final score"),
              _("Completed on"), _("Certificate serial"), _("Issued on"), _("Expires on"), _("Revoked")]
    latest = (select(Award.enrollment_id, func.max(Award.id).label("award_id"))
              .group_by(Award.enrollment_id).subquery())
    stmt = (select(Trainee.fin, Trainee.last_name, Trainee.first_name, Enrollment.status, Enrollment.attendance_pct,
                   Enrollment.final_score, Enrollment.completed_at, Award.serial, Award.issued_on,
                   Award.expires_on, Award.revoked_at, Trainee.id)
            .join(Enrollment, Enrollment.trainee_id == Trainee.id)
            .outerjoin(latest, latest.c.enrollment_id == Enrollment.id)
            .outerjoin(Award, Award.id == latest.c.award_id)
            .where(Enrollment.cohort_id == cohort.id)
            .order_by(az_collate(Trainee.last_name), az_collate(Trainee.first_name), Trainee.id))
    rows = db.session.execute(stmt).all()
    out = [[r[0], r[1], r[2], label(r[3], "enrollment_status"), r[4], r[5], clock.local_date(r[6]), r[7], r[8],
            r[9], _("Yes") if r[10] else ""] for r in rows]
    return header, out, [r[-1] for r in rows]


def _placements(actor, cohort: Cohort):
    require(actor, P.PLACEMENTS_READ, cohort.center_id)
    header = [_("FIN"), _("Last name"), _("First name"), _("Employer"), _("Country"), _("Market"),
              _("Job title"), _("ISCO-08"), _("Employment type"), _("Remote"), _("Start date"), _("End date"),
              _("Monthly pay (AZN)"), _("Source"), _("Verification")]
    rows = cohort_placement_rows(actor, cohort.id)
    kinds = {5: "market", 8: "employment_type", 13: "source", 14: "verification"}
    out = [[label(v, kinds[i]) if i in kinds else v for i, v in enumerate(r[:15])] for r in rows]
    return header, out, [r[-1] for r in rows]
