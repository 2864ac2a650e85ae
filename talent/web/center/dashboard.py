"""Center workspace: dashboard (seats, cohorts running and ending, low attendance, follow-ups)."""
from __future__ import annotations


from flask import current_app, render_template

from talent.readmodels import center_dashboard as cq
from talent.placement import queries as pq
from talent.placement.services import audit_personal_view
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent import clock


@bp.route("/")
@permission_required(P.COHORTS_READ)
def dashboard():
    actor = current_actor()
    today = clock.today()
    seats = cq.seat_usage(actor)
    low = cq.low_attendance(actor)
    if low:
        audit_personal_view(actor, "trainee.view_list", [row[1] for row in low],
                            details={"page": "center.dashboard", "list": "low_attendance"})
    due = pq.followups_due_count(actor, today)
    names = {s.center_id: s for s in seats}
    return render_template(
        "center/dashboard.html", seats=seats, running=cq.running_and_upcoming(actor, today),
        ending=cq.ending_soon(actor, today), low=low, due=due, due_total=sum(due.values()),
        pending=pq.pending_count(actor), names=names, today=today,
        view_functions=current_app.view_functions)
