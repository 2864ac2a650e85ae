"""Center workspace: invite a trainee of my centers to the trainee portal (an emailed link to
set a password)."""
from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.routing import BuildError

from talent.accounts.invitations import invite_trainee
from talent.errors import Conflict, ValidationError
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.redirects import safe_next
from talent.web.transactions import rollback_only


def _back(trainee_id: int) -> str:
    """Back to where the button was (``next``), else the trainee's page when that area has one."""
    target = safe_next(request.form.get("next"))
    if target:
        return target
    for endpoint, values in (("center.trainee_detail", {"trainee_id": trainee_id}), ("center.trainees", {})):
        try:
            return url_for(endpoint, **values)
        except BuildError:
            continue
    return url_for("center.awards")


@bp.route("/trainees/<int:trainee_id>/invite", methods=["POST"])
@permission_required(P.TRAINEES_WRITE)
def invite_trainee_to_portal(trainee_id: int):
    try:
        user = invite_trainee(current_actor(), trainee_id)
    except (ValidationError, Conflict) as error:
        rollback_only()
        flash(str(error.message), "danger")
        return redirect(_back(trainee_id))
    flash(_("An invitation was sent to %(email)s.", email=user.email), "success")
    return redirect(_back(trainee_id))
