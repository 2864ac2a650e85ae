"""The 3- and 6-month follow-up of a completer, as the center records it.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit, clock
from talent.db import utcnow
from talent.errors import InvalidTransition, ValidationError
from talent.extensions import db
from talent.learning.models import Enrollment, EnrollmentStatus
from talent.loading import load
from talent.permissions import Actor, P, may_see_trainee
from talent.placement.models import FOLLOWUP_OUTCOMES, FollowUp
from talent.clock import add_months
from talent.placement.services.common import CHECK_MESSAGE, MILESTONES, clean_text


def saved_followup(enrollment_id: int, milestone: int) -> FollowUp | None:
    return db.session.scalar(select(FollowUp).where(FollowUp.enrollment_id == enrollment_id,
                                                    FollowUp.milestone_months == milestone))


def get_followup_enrollment(actor: Actor, enrollment_id: Any) -> Enrollment:
    """The enrollment a follow-up is recorded on: of a cohort of the actor's centers and a
    trainee the actor reaches, else NotFound (the page and the service load it the same way)."""
    return load(actor, Enrollment, enrollment_id, P.PLACEMENTS_WRITE, center=lambda e: e.cohort.center_id,
                visible=lambda e: may_see_trainee(actor, e.trainee_id))


def record_followup(actor: Actor, enrollment_id: int, milestone_months: Any, outcome: str,
                    note: str | None = None) -> FollowUp:
    """Record the outcome of contacting a completer at the 3- or 6-month milestone; recording it
    again corrects the saved one (audited with the old and new values)."""
    enrollment = get_followup_enrollment(actor, enrollment_id)
    cohort = enrollment.cohort
    errors: dict[str, str] = {}
    try:
        milestone = int(milestone_months)
    except (TypeError, ValueError):
        milestone = 0
    if milestone not in MILESTONES:
        errors["milestone_months"] = str(_l("Choose 3 or 6 months."))
    outcome = clean_text(outcome).lower()
    if outcome not in FOLLOWUP_OUTCOMES:
        errors["outcome"] = str(_l("Choose an outcome from the list."))
    note = (note or "").strip() or None
    if note and len(note) > 1000:
        errors["note"] = str(_l("At most %(n)d characters.", n=1000))
    if errors:
        raise ValidationError(CHECK_MESSAGE, fields=errors)
    if enrollment.status != EnrollmentStatus.COMPLETED:
        raise InvalidTransition(_l("Only trainees who completed the course are followed up."))
    if clock.today() < add_months(cohort.end_date, milestone):
        raise InvalidTransition(_l("This follow-up is not due yet."))
    existing = saved_followup(enrollment.id, milestone)
    if existing is not None:  # a saved follow-up is corrected, not recorded twice
        old = {"outcome": existing.outcome, "note": existing.note}
        existing.outcome, existing.note = outcome, note
        existing.recorded_at, existing.recorded_by_id = utcnow(), actor.user_id
        db.session.flush()
        audit.record(actor, "followup.update", "follow_up", existing.id, trainee_id=enrollment.trainee_id,
                     center_id=cohort.center_id, details={"milestone": milestone, "old": old,
                                                          "new": {"outcome": outcome, "note": note}})
        return existing
    followup = FollowUp(enrollment_id=enrollment.id, milestone_months=milestone, outcome=outcome, note=note,
                        recorded_by_id=actor.user_id)
    db.session.add(followup)
    db.session.flush()
    audit.record(actor, "followup.record", "follow_up", followup.id, trainee_id=enrollment.trainee_id,
                 center_id=cohort.center_id, details={"milestone": milestone, "outcome": outcome})
    return followup
