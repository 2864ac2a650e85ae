"""Online applications: the public form (``/catalog/cohorts/<id>/apply``, phone-first, az/en/ru, no
sign-in, rate limited per address and per FIN, with a honeypot), the private status page
(``/applications/<token>``) and the review of a cohort's applications by its center's staff
(``/center/cohorts/<id>/applications``: filter, sort, bulk accept or reject).

Views load, call one service, and redirect; the rules (eligibility, duplicates, the identity rule,
capacity, scope) are in talent.applications.services."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import BooleanField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from talent.accounts import oidc as eid
from talent.applications import services as applications
from talent.applications.consent import CONSENT_VERSION, consent_text
from talent.applications.models import APPLICATION_STATUSES, ApplicationStatus
from talent.centers.queries import page_number
from talent.errors import DomainError, NotFound, ValidationError
from talent.extensions import db, limiter
from talent.geo.models import Region
from talent.i18n import current_language
from talent.labels import choices
from talent.learning import services as learning
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.context import client_ip, current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only

bp = Blueprint("applications", __name__)

STATUS_LABELS = {ApplicationStatus.SUBMITTED: _l("Received, waiting for review"),
                 ApplicationStatus.ACCEPTED: _l("Accepted"), ApplicationStatus.REJECTED: _l("Not accepted"),
                 ApplicationStatus.WITHDRAWN: _l("Withdrawn")}
SORT_LABELS = {"created": _l("Oldest first"), "-created": _l("Newest first"), "name": _l("Name"),
               "status": _l("Status")}
PER_PAGE = 100


class ApplyForm(FlaskForm):
    phone = StringField(_l("Mobile phone"), validators=[Optional(), Length(max=40)],
                        render_kw={"inputmode": "tel", "autocomplete": "tel", "placeholder": "050 123 45 67"})
    email = StringField(_l("Email (optional if you give a phone)"), validators=[Optional(), Length(max=254)],
                        render_kw={"inputmode": "email", "autocomplete": "email"})
    fin = StringField(_l("FIN (7 characters on your ID card)"), validators=[Length(max=20)],
                      render_kw={"autocapitalize": "characters", "autocomplete": "off", "maxlength": 7})
    birth_date = StringField(_l("Birth date"), validators=[Length(max=20)],
                             render_kw={"type": "date", "autocomplete": "bday"})
    first_name = StringField(_l("First name"), validators=[Length(max=100)], render_kw={"autocomplete": "given-name"})
    last_name = StringField(_l("Last name"), validators=[Length(max=100)], render_kw={"autocomplete": "family-name"})
    patronymic = StringField(_l("Father's name (optional)"), validators=[Optional(), Length(max=100)])
    gender = RadioField(_l("Gender"), choices=[SelectChoice("F", _l("Female")), SelectChoice("M", _l("Male"))], validate_choice=False)
    home_region_id = SelectField(_l("Home region"), validate_choice=False)
    education_level = SelectField(_l("Education level"), validate_choice=False)
    consent = BooleanField(_l("I agree to the processing of my data as described above."))
    # The honeypot: hidden from people (CSS and aria), filled in by robots.
    website = StringField(_l("Leave this field empty"), validators=[Optional(), Length(max=200)],
                          render_kw={"tabindex": "-1", "autocomplete": "off"})

    def fill_choices(self) -> None:
        language = current_language()
        regions = sorted(db.session.scalars(select(Region)), key=lambda r: r.name_in(language))
        self.home_region_id.choices = [SelectChoice("", "—")] + [SelectChoice(str(r.id), r.name_in(language))
                                                                 for r in regions]
        self.education_level.choices = [SelectChoice("", "—")] + [SelectChoice(k, v) for k, v in choices("education")]

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in (
            "fin", "birth_date", "first_name", "last_name", "patronymic", "gender", "home_region_id",
            "education_level", "email", "phone", "website")} | {"consent": bool(self.consent.data)}


def _apply_address_limit() -> str:
    return current_app.config.get("APPLY_RATE_LIMIT_ADDRESS") or "20 per hour"


def _apply_fin_limit() -> str:
    return current_app.config.get("APPLY_RATE_LIMIT_FIN") or "5 per hour"


def _address_key() -> str:
    return "apply-address:" + (request.remote_addr or "unknown")


def _fin_key() -> str:
    return "apply-fin:" + ((request.form.get("fin") or "").strip().upper()[:20] or "none")


def _is_get() -> bool:
    return request.method != "POST"


@bp.route("/catalog/cohorts/<int:cohort_id>/apply", methods=["GET", "POST"])
@limiter.limit(_apply_address_limit, key_func=_address_key, exempt_when=_is_get)
@limiter.limit(_apply_fin_limit, key_func=_fin_key, exempt_when=_is_get)
def apply(cohort_id: int):
    cohort = applications.public_cohort(cohort_id)
    form = ApplyForm()
    form.fill_choices()
    # Signed in with the national e-ID and no record yet: the FIN (and birth date) it proved are
    # filled in and locked; a posted value cannot replace them.
    verified = eid.applicant_identity(session.get(eid.APPLICANT_SESSION_KEY))
    if verified is not None:
        form.fin.data = verified[0]
        form.fin.render_kw = {**(form.fin.render_kw or {}), "readonly": True}
        if verified[1] is not None:
            form.birth_date.data = verified[1].isoformat()
            form.birth_date.render_kw = {**(form.birth_date.render_kw or {}), "readonly": True}
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            values = form.values()
            if verified is not None:
                values["fin"] = verified[0]
                values["birth_date"] = verified[1] if verified[1] is not None else values["birth_date"]
            try:
                result = applications.submit(values, cohort_id=cohort.id, language=current_language(),
                                             ip=client_ip())
            except DomainError as error:
                rollback_only()
                status = 409 if error.status == 409 else 422
                apply_errors(form, error)
            else:
                flash(_("Your application was received. Keep this page's address: it is the only way to "
                        "follow your application."), "success")
                return redirect(url_for("applications.status", token=result.token))
    return render_template("applications/apply.html", form=form, cohort=cohort,
                           open=applications.takes_applications(cohort),
                           consent=consent_text(current_language()), consent_version=CONSENT_VERSION,
                           verified=verified is not None), status


@bp.route("/applications/<token>")
@limiter.limit("60 per minute")
def status(token: str):
    try:
        application = applications.by_token(token)
    except NotFound:
        return render_template("applications/status_invalid.html"), 404
    return render_template("applications/status.html", application=application, status_labels=STATUS_LABELS,
                           form=FlaskForm())


@bp.route("/applications/<token>/withdraw", methods=["POST"])
@limiter.limit("20 per minute")
def withdraw(token: str):
    form = FlaskForm()
    if not form.validate_on_submit():
        rollback_only()
        flash(_("The form expired or is incomplete; please try again."), "danger")
        return redirect(url_for("applications.status", token=token))
    try:
        applications.withdraw(token, ip=client_ip())
    except NotFound:
        rollback_only()
        return render_template("applications/status_invalid.html"), 404
    except DomainError as error:
        rollback_only()
        flash(str(error.message), "danger")
    else:
        flash(_("Your application was withdrawn."), "success")
    return redirect(url_for("applications.status", token=token))


# ---- the center's review -------------------------------------------------------------------------

class DecideForm(FlaskForm):
    action = SelectField(_l("Action"), choices=[SelectChoice("accept", _l("Accept")),
                                                 SelectChoice("reject", _l("Reject"))])
    reason = TextAreaField(_l("Reason (for rejecting)"), validators=[Optional(), Length(max=500)])


@bp.route("/center/cohorts/<int:cohort_id>/applications")
@permission_required(P.APPLICATIONS_REVIEW)
def review(cohort_id: int):
    actor = current_actor()
    cohort = learning.get_cohort(actor, cohort_id, P.APPLICATIONS_REVIEW)
    status_filter = request.args.get("status", "")
    sort = request.args.get("sort", "")
    try:
        page = applications.list_applications(actor, cohort_id=cohort.id, status=status_filter or None,
                                              sort=sort or None, page=page_number(request.args.get("page")),
                                              per_page=PER_PAGE)
    except ValidationError as error:
        flash(" ".join(str(m) for m in error.fields.values()), "danger")
        return redirect(url_for("applications.review", cohort_id=cohort.id))
    return render_template("applications/review.html", cohort=cohort, page=page, form=DecideForm(),
                           counts=applications.status_counts(actor, cohort.id), statuses=APPLICATION_STATUSES,
                           status_labels=STATUS_LABELS, sort_labels=SORT_LABELS,
                           filters={"status": status_filter, "sort": sort},
                           free=learning.free_seats(cohort),
                           regions={r.id: r.name_in(current_language()) for r in db.session.scalars(select(Region))})


@bp.route("/center/cohorts/<int:cohort_id>/applications/decide", methods=["POST"])
@permission_required(P.APPLICATIONS_REVIEW)
def decide(cohort_id: int):
    actor = current_actor()
    cohort = learning.get_cohort(actor, cohort_id, P.APPLICATIONS_REVIEW)
    form = DecideForm()
    back = redirect(url_for("applications.review", cohort_id=cohort.id, status=request.args.get("status", ""),
                            sort=request.args.get("sort", "")))
    if not form.validate_on_submit():
        rollback_only()
        flash(_("The form expired or is incomplete; please try again."), "danger")
        return back
    try:
        outcomes = applications.decide_many(actor, request.form.getlist("ids"), form.action.data, form.reason.data,
                                            cohort_id=cohort.id)
    except ValidationError as error:
        rollback_only()
        flash(" ".join(str(m) for m in error.fields.values()) or str(error.message), "danger")
        return back
    done = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if done:
        flash(_("%(n)d applications decided.", n=len(done)), "success")
    for outcome in failed[:20]:
        flash(_("Application %(id)d: %(message)s", id=outcome.application_id, message=outcome.message), "danger")
    return back
