"""Center workspace: jobs of trainees (record, edit, end, verify or reject a reported job)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from talent.catalog.models import Occupation, Sector
from talent.centers.queries import page_number
from talent.errors import ValidationError
from talent.extensions import db
from talent.geo.models import Country
from talent.people.models import Trainee
from talent.loading import UNSCOPED, load
from talent.permissions import P, may_see_trainee
from talent.placement import queries as pq
from talent.placement import services as ps
from talent.placement import vacancy_queries
from talent.placement.models import EMPLOYMENT_TYPES, MARKETS, SOURCES, VERIFICATION_STATES
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only
from talent.people.validation import as_id
from talent.placement.models import PlacementStatus
from talent.centers.queries import my_centers

EMPLOYMENT_LABELS = {"full_time": _l("Full time"), "part_time": _l("Part time"), "contract": _l("Contract"),
                     "internship": _l("Internship"), "self_employed": _l("Self-employed")}
VERIFICATION_LABELS = {"verified": _l("Verified"), "pending": _l("Pending"), "rejected": _l("Rejected")}
SOURCE_LABELS = {"center": _l("Center"), "self_reported": _l("Self-reported")}
MARKET_LABELS = {"local": _l("Local"), "regional": _l("Regional"), "international": _l("International")}


class PlacementForm(FlaskForm):
    employer_name = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200)])
    employer_city = StringField(_l("Employer city"), validators=[Optional(), Length(max=120)])
    country_code = SelectField(_l("Employer country"), validators=[DataRequired()])
    sector_id = SelectField(_l("Sector"), validators=[Optional()])
    occupation_code = SelectField(_l("Occupation (ISCO-08)"), validators=[Optional()])
    job_title = StringField(_l("Job title"), validators=[DataRequired(), Length(max=200)])
    employment_type = SelectField(_l("Employment type"), validators=[DataRequired()],
                                  choices=[(k, v) for k, v in EMPLOYMENT_LABELS.items()])
    remote = BooleanField(_l("Remote work"))
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    monthly_pay_azn = StringField(_l("Monthly pay (AZN, optional)"), validators=[Optional(), Length(max=20)])
    # The vacancy posted here that the job filled (optional; the service accepts only the employer's).
    vacancy_id = SelectField(_l("Vacancy filled (optional)"), validators=[Optional()], validate_choice=False)

    def fill_choices(self) -> None:
        countries = db.session.scalars(select(Country)).all()
        az = [c for c in countries if c.code == "AZ"]
        rest = sorted((c for c in countries if c.code != "AZ"), key=lambda c: c.name)
        self.country_code.choices = [("", "—")] + [(c.code, f"{c.name} ({c.code})") for c in az + rest]
        sectors = db.session.scalars(select(Sector).where(Sector.active.is_(True)).order_by(Sector.code)).all()
        self.sector_id.choices = [("", "—")] + [(str(s.id), s.name) for s in sectors]
        occupations = db.session.scalars(select(Occupation).where(Occupation.level == "unit")
                                         .order_by(Occupation.code)).all()
        self.occupation_code.choices = [("", "—")] + [(o.code, f"{o.code} {o.name}") for o in occupations]
        self.vacancy_id.choices = [("", "—")] + [(str(v.id), v.label) for v in vacancy_queries.vacancy_choices()]

    def job_fields(self) -> dict:
        fields = {name: getattr(self, name).data for name in ps.JOB_FIELDS}
        fields["vacancy_id"] = self.vacancy_id.data or None
        return fields


class EndForm(FlaskForm):
    end_date = DateField(_l("End date"), validators=[DataRequired()])


class RejectForm(FlaskForm):
    # Required by the service (reject_placement); the trainee sees it.
    reason = TextAreaField(_l("Why is the job not confirmed?"), validators=[Optional(), Length(max=ps.REASON_MAX)])


def _int_arg(name: str) -> int | None:
    value = request.values.get(name, "")
    return as_id(value)


@bp.route("/placements")
@permission_required(P.PLACEMENTS_READ)
def placements():
    actor = current_actor()
    args = request.args
    filters = pq.PlacementFilters(
        verification=args.get("verification") if args.get("verification") in VERIFICATION_STATES else None,
        source=args.get("source") if args.get("source") in SOURCES else None,
        market=args.get("market") if args.get("market") in MARKETS else None,
        sort=args.get("sort") if args.get("sort") in pq.PLACEMENT_SORTS else "-start")
    page = pq.placements_page(actor, filters, page_number(args.get("page")))
    if page.items:
        ps.audit_personal_view(actor, "trainee.view_list", [row[0].trainee_id for row in page.items],
                               details={"page": "center.placements"})
    return render_template("center/placements.html", page=page, filters=filters,
                           labels={"employment": EMPLOYMENT_LABELS, "verification": VERIFICATION_LABELS,
                                   "source": SOURCE_LABELS, "market": MARKET_LABELS},
                           end_form=EndForm(), reject_form=RejectForm())


def _trainee_for_form(actor, trainee_id: int) -> Trainee:
    return load(actor, Trainee, trainee_id, P.PLACEMENTS_WRITE, center=UNSCOPED,
                visible=lambda t: may_see_trainee(actor, t.id))


@bp.route("/trainees/<int:trainee_id>/placements/new", methods=["GET", "POST"])
@permission_required(P.PLACEMENTS_WRITE)
def placement_new(trainee_id: int):
    actor = current_actor()
    trainee = _trainee_for_form(actor, trainee_id)
    enrollment_id, milestone = _int_arg("enrollment_id"), _int_arg("milestone")
    form = PlacementForm()
    form.fill_choices()
    if request.method == "GET":
        form.country_code.data = form.country_code.data or "AZ"
        ps.audit_personal_view(actor, "trainee.view", [trainee.id], details={"page": "center.placement_new"})
    status = 200
    if form.validate_on_submit():
        try:
            ps.record_placement(actor, trainee.id, followup_enrollment_id=enrollment_id,
                                followup_milestone=milestone, **form.job_fields())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("The job was recorded."), "success")
            return redirect(url_for("center.followups") if enrollment_id else url_for("center.placements"))
    elif request.method == "POST":
        status = 422
    return render_template("center/placement_form.html", form=form, trainee=trainee, placement=None,
                           enrollment_id=enrollment_id, milestone=milestone), status


@bp.route("/placements/<int:placement_id>/edit", methods=["GET", "POST"])
@permission_required(P.PLACEMENTS_WRITE)
def placement_edit(placement_id: int):
    actor = current_actor()
    placement = ps.get_owned_placement(actor, placement_id)
    form = PlacementForm(obj=placement) if request.method == "GET" else PlacementForm()
    form.fill_choices()
    if request.method == "GET":
        form.employer_name.data = placement.employer.name
        form.employer_city.data = placement.employer.city
        form.country_code.data = placement.employer.country_code
        form.sector_id.data = str(placement.sector_id) if placement.sector_id else ""
        form.occupation_code.data = placement.occupation_code or ""
        form.monthly_pay_azn.data = str(placement.monthly_pay_azn) if placement.monthly_pay_azn is not None else ""
        form.vacancy_id.data = str(placement.vacancy_id) if placement.vacancy_id else ""
    status = 200
    if form.validate_on_submit():
        try:
            ps.update_placement(actor, placement.id, **form.job_fields())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("The job was updated."), "success")
            return redirect(url_for("center.placements"))
    elif request.method == "POST":
        status = 422
    return render_template("center/placement_form.html", form=form, trainee=placement.trainee,
                           placement=placement, enrollment_id=None, milestone=None), status


@bp.route("/placements/<int:placement_id>/end", methods=["POST"])
@permission_required(P.PLACEMENTS_WRITE)
def placement_end(placement_id: int):
    actor = current_actor()
    form = EndForm()
    if not form.validate_on_submit():
        ps.get_owned_placement(actor, placement_id)
        return render_template("errors/error.html", status=422, incident=None,
                               message=_("Enter the date the job ended as YYYY-MM-DD.")), 422
    try:
        ps.end_placement(actor, placement_id, form.end_date.data)
    except ValidationError as error:
        rollback_only()
        message = " ".join([str(error.message)] + [str(m) for m in error.fields.values()])
        return render_template("errors/error.html", status=422, message=message, incident=None), 422
    flash(_("The end of the job was recorded."), "success")
    return redirect(url_for("center.placements"))


@bp.route("/placements/<int:placement_id>/verify", methods=["POST"])
@permission_required(P.PLACEMENTS_VERIFY)
def placement_verify(placement_id: int):
    ps.verify_placement(current_actor(), placement_id)
    flash(_("The job was verified."), "success")
    return redirect(url_for("center.placements", verification=PlacementStatus.PENDING))


@bp.route("/placements/<int:placement_id>/reject", methods=["GET", "POST"])
@permission_required(P.PLACEMENTS_VERIFY)
def placement_reject(placement_id: int):
    """Rejecting is a step of its own: the job, a required reason (the trainee sees it), and a
    confirmation button; nothing changes until it is pressed with a reason."""
    actor = current_actor()
    placement = ps.get_placement(actor, placement_id, perm=P.PLACEMENTS_VERIFY)
    form = RejectForm()
    status = 200
    if request.method == "GET":
        ps.audit_personal_view(actor, "trainee.view", [placement.trainee_id],
                               details={"page": "center.placement_reject"})
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                ps.reject_placement(actor, placement.id, form.reason.data)
            except ValidationError as error:
                rollback_only()
                apply_errors(form, error)
            else:
                flash(_("The job was marked as not confirmed; the trainee sees your reason."), "success")
                return redirect(url_for("center.placements", verification=PlacementStatus.PENDING))
    return render_template("center/placement_reject.html", form=form, placement=placement,
                           labels={"employment": EMPLOYMENT_LABELS}), status


@bp.route("/completers")
@permission_required(P.PLACEMENTS_WRITE)
def completers():
    """Completers of my cohorts, to record a job for any of them (not only those due a follow-up)."""
    actor = current_actor()
    args = request.args
    centers = my_centers(actor)
    center_id = args.get("center_id", "")
    center = as_id(center_id) if as_id(center_id) in {c.id for c in centers} else None
    without_job = args.get("without_job") == "1"
    sort = args.get("sort") if args.get("sort") in pq.COMPLETER_SORTS else "-ended"
    page = pq.completers_page(actor, center_id=center, without_job=without_job, sort=sort,
                              page=page_number(args.get("page")))
    if page.items:
        ps.audit_personal_view(actor, "trainee.view_list", [row.trainee_id for row in page.items],
                               details={"page": "center.completers"})
    return render_template("center/placement_completers.html", page=page, centers=centers, center_id=center,
                           without_job=without_job, sort=sort)
