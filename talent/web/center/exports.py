"""Center workspace: exports of their own cohorts (roster, results, jobs) as CSV or XLSX; the rows\nand their audit come from talent.cohort_exports."""
from __future__ import annotations


from flask import render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from talent.centers.queries import my_centers, page_number, paginate_rows
from talent.cohort_exports import KINDS, cohort_export as export_rows
from talent.errors import NotFound
from talent.exports import stream_csv, xlsx_response
from talent.learning.models import COHORT_STATUSES, Cohort
from talent.permissions import P, scope_centers
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.people.validation import as_id
from talent import clock

FORMATS = ("csv", "xlsx")


@bp.route("/exports")
@permission_required(P.TRAINEES_READ)
def exports():
    actor = current_actor()
    args = request.args
    centers = my_centers(actor, include_inactive=True)
    stmt = select(Cohort).order_by(Cohort.end_date.desc(), Cohort.code)
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    center_id = args.get("center_id", "")
    if as_id(center_id) is not None:
        stmt = stmt.where(Cohort.center_id == as_id(center_id))
    status = args.get("status") if args.get("status") in COHORT_STATUSES else None
    if status:
        stmt = stmt.where(Cohort.status == status)
    page = paginate_rows(stmt, page_number(args.get("page")))
    return render_template("center/exports.html", page=page, centers=centers, center_id=center_id,
                           status=status, statuses=COHORT_STATUSES, kinds=KINDS, formats=FORMATS)


@bp.route("/cohorts/<int:cohort_id>/export/<kind>.<fmt>")
@permission_required(P.TRAINEES_READ)
def cohort_export(cohort_id: int, kind: str, fmt: str):
    if kind not in KINDS or fmt not in FORMATS:
        raise NotFound(_("Not found."))
    cohort, header, rows = export_rows(current_actor(), cohort_id, kind, fmt)
    filename = f"{cohort.code}-{kind}-{clock.today().isoformat()}.{fmt}"
    if fmt == "csv":
        return stream_csv(filename, header, rows)
    titles = {"roster": _("Roster"), "results": _("Results"), "placements": _("Jobs")}
    notes = [_("Cohort %(code)s, exported on %(day)s. Personal data: keep it safe and delete it when no longer needed.",
               code=cohort.code, day=clock.today().isoformat())]
    return xlsx_response(filename, [(titles[kind], header, rows)], notes)
