"""The trainee portal (/me): my learning, my certificates, my jobs, my data. (The account links
— invitation, password reset — are public pages in talent/web/public/accounts.py.)"""
from __future__ import annotations

import json

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, DateField, DecimalField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from talent.credentials import queries as award_queries
from talent.credentials.pdf import certificate_pdf
from talent.errors import ValidationError
from talent.extensions import db
from talent.readmodels import trainee_portal as self_service
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only
from talent import clock
from wtforms.validators import ValidationError as FieldValidationError
from talent.people.validation import has_control_chars
from talent.catalog.models import Sector
from talent.geo.models import Country
from talent.learning.services import corrections_of
from talent.placement.services import own_jobs
from talent.errors import NotFound
from talent.placement.services import report_own_job
from talent.placement.services import update_own_job
from talent.placement.services import end_own_job
from talent.errors import InvalidTransition
from talent.placement.services import withdraw_own_job
from talent.audit import action_label
from talent.placement.services import profiles as talent_profiles

bp = Blueprint("trainee", __name__)

EMPLOYMENT_TYPE_LABELS = {
    "full_time": _l("Full time"), "part_time": _l("Part time"), "contract": _l("Contract"),
    "internship": _l("Internship"), "self_employed": _l("Self-employed"),
}


# ---- forms ---------------------------------------------------------------------------------

class ConsentForm(FlaskForm):
    followup_consent = BooleanField(_l("The center may contact me after the course to ask about my job"))
    research_consent = BooleanField(_l("My anonymised data may be used for research"))


def no_control_chars(_form, field) -> None:
    if isinstance(field.data, str) and has_control_chars(field.data):
        raise FieldValidationError(_l("The text contains characters that are not allowed."))


class JobForm(FlaskForm):
    employer_name = StringField(_l("Employer"), validators=[DataRequired(), Length(max=200), no_control_chars])
    employer_city = StringField(_l("City"), validators=[Optional(), Length(max=120), no_control_chars])
    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    sector_id = SelectField(_l("Sector"), validators=[Optional()])
    job_title = StringField(_l("Job title"), validators=[DataRequired(), Length(max=200), no_control_chars])
    employment_type = SelectField(_l("Employment type"), validators=[DataRequired()],
                                  choices=[SelectChoice(k, v) for k, v in EMPLOYMENT_TYPE_LABELS.items()])
    remote = BooleanField(_l("Remote work"))
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[Optional()])
    monthly_pay_azn = DecimalField(_l("Monthly pay (AZN, optional)"), places=2, validators=[Optional()])

    def fill_choices(self) -> None:
        countries = db.session.scalars(select(Country)).all()
        countries.sort(key=lambda c: (c.code != "AZ", c.name))
        self.country_code.choices = [SelectChoice(c.code, c.name) for c in countries]
        sectors = db.session.scalars(select(Sector).where(Sector.active.is_(True)).order_by(Sector.code)).all()
        self.sector_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(s.id), s.name) for s in sectors]

    def job_fields(self) -> dict:
        return {
            "employer_name": self.employer_name.data, "employer_city": self.employer_city.data,
            "country_code": self.country_code.data, "sector_id": self.sector_id.data or None,
            "job_title": self.job_title.data, "employment_type": self.employment_type.data,
            "remote": bool(self.remote.data), "start_date": self.start_date.data,
            "end_date": self.end_date.data, "monthly_pay_azn": self.monthly_pay_azn.data,
        }


class EndJobForm(FlaskForm):
    end_date = DateField(_l("End date"), validators=[DataRequired()])


# ---- portal pages --------------------------------------------------------------------------

@bp.route("/")
@permission_required(P.SELF_READ)
def index():
    return redirect(url_for("trainee.learning"))


@bp.route("/learning")
@permission_required(P.SELF_READ)
def learning():
    actor = current_actor()
    enrollments = self_service.my_enrollments(actor)
    sessions = self_service.my_next_sessions(actor)
    corrections = corrections_of([e.id for e in enrollments])  # of the trainee's own enrollments
    return render_template("trainee/learning.html", enrollments=enrollments, sessions=sessions,
                           corrections=corrections)


@bp.route("/certificates")
@permission_required(P.SELF_READ)
def certificates():
    awards = award_queries.own_awards(current_actor())
    return render_template("trainee/certificates.html", awards=awards, today=clock.today())


@bp.route("/certificates/<int:award_id>.pdf")
@permission_required(P.SELF_READ)
def certificate_download(award_id: int):
    award = award_queries.own_award(current_actor(), award_id)
    response = make_response(certificate_pdf(award))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{award.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _jobs_page(form: JobForm | None = None, status: int = 200, edit=None):
    actor = current_actor()
    if form is None:
        form = JobForm(formdata=None)
        form.fill_choices()
    return render_template("trainee/jobs.html", jobs=own_jobs(actor), form=form, edit=edit,
                           end_form=EndJobForm(formdata=None), types=EMPLOYMENT_TYPE_LABELS), status


def _my_job(actor, placement_id: int):
    """One of my jobs; anyone else's is NotFound."""
    job = next((p for p in own_jobs(actor) if p.id == placement_id), None)
    if job is None:
        raise NotFound(_l("Not found."))
    return job


@bp.route("/jobs", methods=["GET", "POST"])
@permission_required(P.SELF_READ)
def jobs():
    if request.method == "GET":
        return _jobs_page()
    form = JobForm()
    form.fill_choices()
    if not form.validate_on_submit():
        return _jobs_page(form, 422)
    try:
        report_own_job(current_actor(), **form.job_fields())
    except ValidationError as error:
        rollback_only()
        apply_errors(form, error)
        return _jobs_page(form, 422)
    flash(_("Thank you. Your job is recorded and waits for your center to confirm it."), "success")
    return redirect(url_for("trainee.jobs"))


@bp.route("/jobs/<int:placement_id>/edit", methods=["GET", "POST"])
@permission_required(P.SELF_WRITE)
def job_edit(placement_id: int):
    actor = current_actor()
    placement = _my_job(actor, placement_id)
    if request.method == "GET":
        form = JobForm(formdata=None, data={
            "employer_name": placement.employer.name, "employer_city": placement.employer.city,
            "country_code": placement.employer.country_code,
            "sector_id": str(placement.sector_id) if placement.sector_id else "",
            "job_title": placement.job_title, "employment_type": placement.employment_type,
            "remote": placement.remote, "start_date": placement.start_date, "end_date": placement.end_date,
            "monthly_pay_azn": placement.monthly_pay_azn})
        form.fill_choices()
        return render_template("trainee/job_edit.html", form=form, job=placement)
    form = JobForm()
    form.fill_choices()
    if form.validate_on_submit():
        try:
            update_own_job(actor, placement.id, **form.job_fields())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
        else:
            flash(_("Your job was updated; your center will confirm the change."), "success")
            return redirect(url_for("trainee.jobs"))
    return render_template("trainee/job_edit.html", form=form, job=placement), 422


@bp.route("/jobs/<int:placement_id>/end", methods=["POST"])
@permission_required(P.SELF_WRITE)
def job_end(placement_id: int):
    actor = current_actor()
    _my_job(actor, placement_id)
    form = EndJobForm()
    if not form.validate_on_submit():
        flash(_("Enter the date the job ended."), "danger")
        return redirect(url_for("trainee.jobs")), 303
    try:
        end_own_job(actor, placement_id, form.end_date.data)
    except ValidationError as error:
        rollback_only()
        flash(" ".join([str(error.message)] + [str(m) for m in error.fields.values()]), "danger")
        return _jobs_page(status=422)
    flash(_("The job is recorded as ended."), "success")
    return redirect(url_for("trainee.jobs"))


@bp.route("/jobs/<int:placement_id>/withdraw", methods=["GET", "POST"])
@permission_required(P.SELF_WRITE)
def job_withdraw(placement_id: int):
    """Take back a job I reported that waits for confirmation: a confirmation page, then the
    report is removed."""
    actor = current_actor()
    placement = _my_job(actor, placement_id)
    form = FlaskForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            withdraw_own_job(actor, placement.id)
        except InvalidTransition as error:
            flash(str(error.message), "danger")
            return redirect(url_for("trainee.jobs")), 303
        flash(_("Your report was withdrawn."), "success")
        return redirect(url_for("trainee.jobs"))
    return render_template("trainee/job_withdraw.html", form=form, job=placement,
                           types=EMPLOYMENT_TYPE_LABELS), 200 if request.method == "GET" else 422


@bp.route("/data", methods=["GET"])
@permission_required(P.SELF_READ)
def my_data():
    actor = current_actor()
    trainee = self_service.my_trainee(actor)
    form = ConsentForm(formdata=None, data={"followup_consent": trainee.followup_consent,
                                            "research_consent": trainee.research_consent})
    return render_template("trainee/my_data.html", trainee=trainee, form=form,
                           events=self_service.staff_views(actor), action_label=action_label)


@bp.route("/data/consents", methods=["POST"])
@permission_required(P.SELF_WRITE)
def consents():
    form = ConsentForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("trainee.my_data"))
    self_service.set_consents(current_actor(), followup=form.followup_consent.data,
                              research=form.research_consent.data)
    flash(_("Your choices were saved."), "success")
    return redirect(url_for("trainee.my_data"))


@bp.route("/data.json")
@permission_required(P.SELF_READ)
def my_data_download():
    data = self_service.export_my_data(current_actor())
    response = make_response(json.dumps(data, ensure_ascii=False, indent=2))
    response.mimetype = "application/json"
    response.headers["Content-Disposition"] = 'attachment; filename="my-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


# ---- my talent profile: seen by employers or not, and their shortlists (issue 20) ----------------

@bp.route("/talent")
@permission_required(P.SELF_READ)
def talent_profile():
    """Whether employers see me, exactly what they see (a preview), and the shortlists I am on."""
    actor = current_actor()
    return render_template("trainee/talent.html", mine=talent_profiles.my_profile(actor),
                           shortlists=talent_profiles.my_shortlists(actor), form=FlaskForm())


@bp.route("/talent/visibility", methods=["POST"])
@permission_required(P.SELF_WRITE)
def talent_visibility():
    actor = current_actor()
    form = FlaskForm()
    choice = request.form.get("visible", "")
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("trainee.talent_profile")), 303
    if choice not in ("1", "0"):
        flash(_("Choose whether employers may see your profile."), "danger")
        return redirect(url_for("trainee.talent_profile")), 303
    try:
        if choice == "1":
            talent_profiles.opt_in(actor)
            flash(_("Employers can now see your profile. You can hide it at any time."), "success")
        else:
            withdrawn = talent_profiles.opt_out(actor)
            flash(_("Your profile is hidden from employers.") + (" " + _(
                "Shortlists waiting for your answer were withdrawn.") if withdrawn else ""), "success")
    except (ValidationError, InvalidTransition) as error:
        rollback_only()
        flash(str(error.message), "danger")
    return redirect(url_for("trainee.talent_profile")), 303


@bp.route("/talent/shortlists/<int:entry_id>/answer", methods=["POST"])
@permission_required(P.SELF_WRITE)
def talent_answer(entry_id: int):
    actor = current_actor()
    form = FlaskForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
        return redirect(url_for("trainee.talent_profile")), 303
    try:
        entry = talent_profiles.answer_shortlist(actor, entry_id, request.form.get("answer", ""))
    except ValidationError as error:
        rollback_only()
        flash(" ".join([str(error.message)] + [str(m) for m in error.fields.values()]), "danger")
    except InvalidTransition as error:
        rollback_only()
        flash(str(error.message), "danger")
    else:
        if entry.answer == "interested":
            flash(_("You said you are interested: the employer now sees your email address."), "success")
        else:
            flash(_("You said you are not interested: the employer sees only your answer."), "success")
    return redirect(url_for("trainee.talent_profile")), 303
