"""The employer's pages (/employer, phone-first): the jobs that name the employer, to confirm or
decline each, and the employer's vacancies, to post and close. Thin views over
talent/placement/services/employer.py and vacancies.py."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from talent.centers.queries import page_number
from talent.errors import ValidationError
from talent.placement.models import EmployerConfirmation
from talent.placement.services import employer as employers
from talent.placement.services import vacancies
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.context import current_actor
from talent.web.employer_forms import DeclineForm, VacancyForm
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only

bp = Blueprint("employer", __name__)

CONFIRMATION_FILTERS = tuple(EmployerConfirmation)


@bp.route("/")
@permission_required(P.PLACEMENTS_CONFIRM)
def index():
    return redirect(url_for("employer.placements"))


@bp.route("/placements")
@permission_required(P.PLACEMENTS_CONFIRM)
def placements():
    actor = current_actor()
    shown = request.args.get("confirmation", "")
    shown = shown if shown in CONFIRMATION_FILTERS else ""
    page = employers.employer_jobs_page(actor, confirmation=shown or None, page=page_number(request.args.get("page")))
    return render_template("employer/placements.html", jobs=page.items, page=page,
                           employer=employers.acting_employer(actor), shown=shown)


@bp.route("/placements/<int:placement_id>/confirm", methods=["POST"])
@permission_required(P.PLACEMENTS_CONFIRM)
def placement_confirm(placement_id: int):
    employers.confirm_job(current_actor(), placement_id)
    flash(_("You confirmed the job. Thank you."), "success")
    return redirect(url_for("employer.placements"))


@bp.route("/placements/<int:placement_id>/decline", methods=["GET", "POST"])
@permission_required(P.PLACEMENTS_CONFIRM)
def placement_decline(placement_id: int):
    """Declining is a step of its own: the job, a required reason (the center sees it), a button."""
    actor = current_actor()
    job = employers.employer_job(actor, placement_id)
    form = DeclineForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                employers.decline_job(actor, placement_id, form.reason.data)
            except ValidationError as error:
                rollback_only()
                apply_errors(form, error)
            else:
                flash(_("You declined the job; the training center sees your reason."), "success")
                return redirect(url_for("employer.placements"))
    return render_template("employer/decline.html", form=form, job=job), status


@bp.route("/vacancies", methods=["GET", "POST"])
@permission_required(P.PLACEMENTS_CONFIRM)
def vacancies_page():
    actor = current_actor()
    form = VacancyForm()
    form.fill_choices()
    status = 200
    if request.method == "GET":
        form.country_code.data = form.country_code.data or "AZ"
    elif form.validate_on_submit():
        try:
            vacancy = vacancies.post_vacancy(actor, **form.vacancy_fields())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("The vacancy “%(title)s” is published.", title=vacancy.title), "success")
            return redirect(url_for("employer.vacancies_page"))
    else:
        status = 422
    return render_template("employer/vacancies.html", form=form, items=vacancies.managed_vacancies(actor),
                           employer=employers.acting_employer(actor),
                           close_endpoint="employer.vacancy_close"), status


@bp.route("/vacancies/<int:vacancy_id>/close", methods=["POST"])
@permission_required(P.PLACEMENTS_CONFIRM)
def vacancy_close(vacancy_id: int):
    vacancy = vacancies.close_vacancy(current_actor(), vacancy_id)
    flash(_("The vacancy “%(title)s” is closed.", title=vacancy.title), "success")
    return redirect(url_for("employer.vacancies_page"))
