"""Center workspace: awards of my centers — list (and the ones expiring in 90 days), one award
with its certificate, revoke with a reason, renew, and issuing a cohort's awards."""
from __future__ import annotations


from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length

from talent.credentials import services
from talent.credentials.pdf import certificate_pdf
from talent.credentials.queries import EXPIRING_DAYS, center_awards, renewals_of
from talent.errors import ValidationError
from talent.extensions import db
from talent.learning.models import Cohort
from talent.permissions import P
from talent.loading import load
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.redirects import safe_next
from talent.web.transactions import rollback_only
from talent import clock
from talent.credentials.models import AwardStatus

STATUSES = (AwardStatus.VALID, AwardStatus.EXPIRED, AwardStatus.REVOKED)


class RevokeForm(FlaskForm):
    reason = TextAreaField(_l("Reason for revoking"), validators=[DataRequired(), Length(max=500)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token."""


def _award(award_id: int):
    return services.get_award(current_actor(), award_id)


@bp.route("/awards")
@permission_required(P.AWARDS_READ)
def awards():
    actor = current_actor()
    expiring = request.args.get("expiring") == "1"
    status = request.args.get("status")
    status = status if status in STATUSES else None
    page = request.args.get("page", 1, type=int)
    stmt = center_awards(actor, expiring_within=EXPIRING_DAYS if expiring else None, status=status)
    result = db.paginate(stmt, page=max(1, min(page or 1, 100_000)), per_page=50, error_out=False)
    services.record_award_list(actor, list(result.items), expiring=expiring, status=status)
    return render_template("center/awards.html", page=result, expiring=expiring, status=status,
                           statuses=STATUSES, expiring_days=EXPIRING_DAYS,
                           current_date=clock.today())


@bp.route("/awards/<int:award_id>")
@permission_required(P.AWARDS_READ)
def award_detail(award_id: int):
    actor = current_actor()
    award = _award(award_id)
    services.record_award_read(actor, award, "award.view")
    return _detail_page(award)


def _detail_page(award, revoke_form=None, status=200):
    renewals, renewal_of = renewals_of(award)
    return render_template("center/award_detail.html", award=award, renewals=renewals, renewal_of=renewal_of,
                           revoke_form=revoke_form or RevokeForm(), action_form=ActionForm(),
                           current_date=clock.today()), status


@bp.route("/awards/<int:award_id>/certificate.pdf")
@permission_required(P.AWARDS_READ)
def award_pdf(award_id: int):
    actor = current_actor()
    award = _award(award_id)
    services.record_award_read(actor, award, "award.pdf")
    response = make_response(certificate_pdf(award))
    response.mimetype = "application/pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{award.serial}.pdf"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/awards/<int:award_id>/revoke", methods=["POST"])
@permission_required(P.AWARDS_REVOKE)
def award_revoke(award_id: int):
    award = _award(award_id)
    form = RevokeForm()
    if not form.validate_on_submit():
        return _detail_page(award, form, 422)
    try:
        services.revoke_award(current_actor(), award, form.reason.data)
    except ValidationError as error:
        rollback_only()
        apply_errors(form, error)
        return _detail_page(award, form, 422)
    flash(_("The award %(serial)s was revoked.", serial=award.serial), "success")
    return redirect(url_for("center.award_detail", award_id=award.id))


@bp.route("/awards/<int:award_id>/renew", methods=["POST"])
@permission_required(P.AWARDS_ISSUE)
def award_renew(award_id: int):
    award = _award(award_id)
    form = ActionForm()
    if not form.validate_on_submit():
        return _detail_page(award, status=400)
    new = services.renew_award(current_actor(), award)
    flash(_("Renewed: the new award is %(serial)s.", serial=new.serial), "success")
    return redirect(url_for("center.award_detail", award_id=new.id))


@bp.route("/cohorts/<int:cohort_id>/awards/issue", methods=["POST"])
@permission_required(P.AWARDS_ISSUE)
def cohort_issue_awards(cohort_id: int):
    actor = current_actor()
    cohort = load(actor, Cohort, cohort_id, P.AWARDS_ISSUE)
    form = ActionForm()
    if not form.validate_on_submit():
        flash(_("The form expired; please try again."), "danger")
    else:
        issued = services.issue_for_cohort(actor, cohort)
        flash(_("%(count)d award(s) issued or already held for cohort %(code)s.", count=len(issued),
                code=cohort.code), "success")
    return redirect(safe_next(request.form.get("next")) or url_for("center.awards"))
