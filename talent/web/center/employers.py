"""Center workspace: the employers named in our jobs (invite their users) and the vacancies the
center posts on an employer's behalf. Thin views over talent/placement/services/employer.py and
vacancies.py."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from talent.centers.queries import my_centers
from talent.errors import ValidationError
from talent.permissions import P
from talent.placement.services import employer as employers
from talent.placement.services import vacancies
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.employer_forms import CenterVacancyForm, EmployerInviteForm
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only


@bp.route("/employers", methods=["GET", "POST"])
@permission_required(P.EMPLOYER_USERS_INVITE)
def employers_page():
    """Employers named in our jobs, with their users; invite a person of one of them."""
    actor = current_actor()
    named = employers.employers_of_center_jobs(actor)
    form = EmployerInviteForm()
    form.employer_id.choices = [("", "—")] + [(str(e.id), f"{e.name} ({e.country_code})") for e in named]
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                user = employers.invite_employer_user(actor, form.employer_id.data, email=form.email.data or "",
                                                      full_name=form.full_name.data or "")
            except ValidationError as error:
                rollback_only()
                apply_errors(form, error)
            else:
                flash(_("An invitation was sent to %(email)s.", email=user.email), "success")
                return redirect(url_for("center.employers_page"))
    users = {e.id: employers.employer_users(e.id) for e in named}
    return render_template("center/employers.html", form=form, named=named, users=users), status


# A center's pages for employers (P.EMPLOYER_USERS_INVITE: centers and administrators, not employers,
# who post on their own page).
@bp.route("/vacancies", methods=["GET", "POST"])
@permission_required(P.EMPLOYER_USERS_INVITE)
def vacancies_page():
    actor = current_actor()
    form = CenterVacancyForm()
    form.fill_choices()
    form.employer_id.choices = [("", "—")] + [(str(e.id), f"{e.name} ({e.country_code})")
                                             for e in employers.employers_of_center_jobs(actor)]
    form.center_id.choices = [("", "—")] + [(str(c.id), f"{c.code} · {c.name}") for c in my_centers(actor)]
    status = 200
    if request.method == "GET":
        form.country_code.data = form.country_code.data or "AZ"
    elif form.validate_on_submit():
        try:
            vacancy = vacancies.post_vacancy(actor, employer_id=form.employer_id.data or None,
                                             center_id=form.center_id.data or None, **form.vacancy_fields())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("The vacancy “%(title)s” is published.", title=vacancy.title), "success")
            return redirect(url_for("center.vacancies_page"))
    else:
        status = 422
    return render_template("center/vacancies.html", form=form, items=vacancies.managed_vacancies(actor),
                           close_endpoint="center.vacancy_close"), status


@bp.route("/vacancies/<int:vacancy_id>/close", methods=["POST"])
@permission_required(P.EMPLOYER_USERS_INVITE)
def vacancy_close(vacancy_id: int):
    vacancy = vacancies.close_vacancy(current_actor(), vacancy_id)
    flash(_("The vacancy “%(title)s” is closed.", title=vacancy.title), "success")
    return redirect(url_for("center.vacancies_page"))
