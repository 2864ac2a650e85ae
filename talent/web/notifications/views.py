"""``/admin/outbox`` (administrators: pending, sent, failed; retry, discard), ``/me/notifications``
(a trainee's non-essential messages on or off per channel), ``/notifications/unsubscribe/<token>``
(the link in a non-essential message; no sign-in). Every write goes through
``talent.notifications.services``: permission, audit, one transaction per request."""
from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l

from talent.centers.queries import page_number
from talent.errors import DomainError
from talent.notifications import services
from talent.notifications.models import CHANNELS, STATUSES
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.context import current_actor

bp = Blueprint("notifications", __name__)
STATUS_LABELS = {"pending": _l("Pending"), "sending": _l("Sending"), "sent": _l("Sent"), "failed": _l("Failed"),
                 "discarded": _l("Discarded")}


@bp.route("/admin/outbox")
@permission_required(P.OUTBOX_MANAGE)
def outbox():
    actor = current_actor()
    status = request.args.get("status") or None
    if status not in STATUSES:
        status = None
    page = services.list_outbox(actor, status=status, page=page_number(request.args.get("page")))
    return render_template("notifications/pages/outbox.html", page=page, status=status, statuses=STATUSES,
                           counts=services.counts(actor), status_labels=STATUS_LABELS)


def _admin_action(fn, message_id: int, done: str):
    try:
        fn(current_actor(), message_id)
    except DomainError as error:
        flash(str(error.message), "danger")
        return redirect(url_for("notifications.outbox", status=request.args.get("status") or None)), 409
    flash(done, "success")
    return redirect(url_for("notifications.outbox", status=request.args.get("status") or None))


@bp.route("/admin/outbox/<int:message_id>/retry", methods=["POST"])
@permission_required(P.OUTBOX_MANAGE)
def outbox_retry(message_id: int):
    return _admin_action(services.retry, message_id, _("The message will be sent again."))


@bp.route("/admin/outbox/<int:message_id>/discard", methods=["POST"])
@permission_required(P.OUTBOX_MANAGE)
def outbox_discard(message_id: int):
    return _admin_action(services.discard, message_id, _("The message was discarded."))


@bp.route("/me/notifications", methods=["GET", "POST"])
@permission_required(P.SELF_READ)
def preferences():
    actor = current_actor()
    if request.method == "POST":
        services.set_my_preferences(actor, {channel: request.form.get(channel) == "on" for channel in CHANNELS})
        flash(_("Your choices are saved."), "success")
        return redirect(url_for("notifications.preferences"))
    current = services.preferences(actor.trainee_id) if actor.trainee_id else {c: True for c in CHANNELS}
    return render_template("notifications/pages/preferences.html", prefs=current)


@bp.route("/notifications/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    trainee, channel = services.read_unsubscribe_token(token)
    done = False
    if request.method == "POST":
        services.unsubscribe(token, ip=request.remote_addr)
        done = True
    return render_template("notifications/pages/unsubscribe.html", channel=channel, done=done)
