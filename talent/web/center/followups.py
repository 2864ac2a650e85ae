"""Center workspace: follow-up of completers at 3 and 6 months (queue and outcomes)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from talent.centers.queries import my_centers, page_number
from talent.errors import NotFound, ValidationError
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.permissions import P, require, require_trainee
from talent.placement import followup as self_service_followup
from talent.placement import queries as pq
from talent.placement import services as ps
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only
from talent.people.validation import as_id

OUTCOME_LABELS = {"employed": _l("Employed (record the job)"), "looking": _l("Still looking"),
                  "studying": _l("In further study"), "unreachable": _l("Unreachable")}


class FollowUpForm(FlaskForm):
    outcome = SelectField(_l("Outcome"), validators=[DataRequired()],
                          choices=[(k, v) for k, v in OUTCOME_LABELS.items()])
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=1000)])


@bp.route("/followups")
@permission_required(P.PLACEMENTS_READ)
def followups():
    actor = current_actor()
    args = request.args
    centers = my_centers(actor)
    center_id = args.get("center_id", "")
    filters = pq.FollowUpFilters(
        center_id=as_id(center_id) if as_id(center_id) in {c.id for c in centers} else None,
        milestone=int(args["milestone"]) if args.get("milestone") in ("3", "6") else None,
        sort=args.get("sort") if args.get("sort") in pq.FOLLOWUP_SORTS else "due")
    page = pq.followups_due(actor, filters, page_number(args.get("page")))
    if page.items:
        ps.audit_personal_view(actor, "trainee.view_contacts", [row.trainee_id for row in page.items],
                               details={"page": "center.followups"})
    links = self_service_followup.request_rows(actor, filters.center_id, page_number(args.get("links_page")))
    if links.items:
        ps.audit_personal_view(actor, "trainee.view_list", [row.trainee_id for row in links.items],
                               details={"page": "center.followups", "section": "followup_links"})
    return render_template("center/followups.html", page=page, filters=filters, centers=centers,
                           due_on=lambda end, months: ps.add_months(end, months), links=links,
                           link_rates=self_service_followup.response_rates(actor, filters.center_id,
                                                                           page_number(args.get("rates_page"))))


@bp.route("/followups/<int:enrollment_id>/<int:milestone>", methods=["GET", "POST"])
@permission_required(P.PLACEMENTS_WRITE)
def followup_record(enrollment_id: int, milestone: int):
    actor = current_actor()
    enrollment = ps.get_followup_enrollment(actor, enrollment_id)
    if milestone not in ps.MILESTONES:
        raise NotFound(_l("Not found."))
    saved = ps.saved_followup(enrollment.id, milestone)
    form = FollowUpForm(obj=saved) if request.method == "GET" and saved is not None else FollowUpForm()
    status = 200
    if request.method == "GET":
        ps.audit_personal_view(actor, "trainee.view_contacts", [enrollment.trainee_id],
                               details={"page": "center.followup_record"})
    if form.validate_on_submit():
        if form.outcome.data == "employed":
            return redirect(url_for("center.placement_new", trainee_id=enrollment.trainee_id,
                                    enrollment_id=enrollment.id, milestone=milestone))
        try:
            ps.record_followup(actor, enrollment.id, milestone, form.outcome.data, form.note.data)
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("The follow-up was corrected.") if saved is not None else _("The follow-up was recorded."),
                  "success")
            return redirect(url_for("center.followups"))
    elif request.method == "POST":
        status = 422
    return render_template("center/followup_form.html", form=form, enrollment=enrollment,
                           trainee=enrollment.trainee, cohort=enrollment.cohort, milestone=milestone, saved=saved, outcome_labels=OUTCOME_LABELS,
                           due=ps.add_months(enrollment.cohort.end_date, milestone)), status
