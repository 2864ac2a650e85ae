"""Placements as the centers' staff record, verify, reject and end them; the audit of staff views
of personal data.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from talent import audit
from talent.db import utcnow
from talent.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, require_trainee
from talent.placement.models import Placement, PlacementStatus
from talent.placement.scoping import deciding_centers, owns_placement, require_placement
from talent.placement.services.common import (CHECK_MESSAGE, apply_job_values, apply_vacancy, clean_job_fields,
                                              clean_text, end_job, placement_market, responsible_center)

_UNSET = object()
from talent.placement.services.followup_records import record_followup


def get_placement(actor: Actor, placement_id: int, *, perm: P = P.PLACEMENTS_READ) -> Placement:
    """A placement the staff actor may see (its trainee belongs to their centers), else NotFound."""
    require(actor, perm)
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        raise NotFound(_l("Not found."))
    require_placement(actor, placement)   # another center's record, or a trainee not of mine: 404
    return placement


def get_owned_placement(actor: Actor, placement_id: int) -> Placement:
    """A job whose facts the actor may change: one their center recorded (a job the trainee
    reported is the trainee's to change; a center verifies or rejects it)."""
    placement = get_placement(actor, placement_id, perm=P.PLACEMENTS_WRITE)
    if not owns_placement(actor, placement):
        raise NotFound(_l("Not found."))
    return placement


def _deciding_center(actor: Actor, placement: Placement) -> int | None:
    """The center that verifies or rejects ``placement`` for ``actor``: one of theirs that enrolled
    the trainee. A decision another center took stands (a :class:`InvalidTransition`); the
    center that took it may change it."""
    if actor.center_ids is None or placement.source == "center":
        return placement.center_id   # an administrator; or the recording center (get_placement checked)
    centers = deciding_centers(actor, placement.trainee_id)
    if not centers:
        raise PermissionDenied(_l("Only a center where this trainee is enrolled verifies their jobs."))
    if placement.verification != PlacementStatus.PENDING and placement.center_id not in centers:
        raise InvalidTransition(_l("Another center has already decided on this job."))
    return placement.center_id if placement.center_id in centers else min(centers)


def record_placement(actor: Actor, trainee_id: int, *, followup_enrollment_id: int | None = None,
                     followup_milestone: int | None = None, vacancy_id: Any = None, **fields) -> Placement:
    """A center records a job it found for a trainee of its centers (verified at once).

    ``vacancy_id``: the vacancy posted here that the job filled (one of the employer's; optional).

    With ``followup_enrollment_id``/``followup_milestone`` the 3- or 6-month follow-up of that
    enrollment is recorded as ``employed`` in the same step."""
    require(actor, P.PLACEMENTS_WRITE)
    if db.session.get(Trainee, trainee_id) is None:
        raise NotFound(_l("Not found."))
    require_trainee(actor, trainee_id)
    values = clean_job_fields(fields)
    placement = Placement(trainee_id=trainee_id, source="center", verification=PlacementStatus.VERIFIED,
                          verified_by_id=actor.user_id, verified_at=utcnow(),
                          center_id=responsible_center(trainee_id, actor), created_by_id=actor.user_id)
    apply_job_values(actor, placement, values)
    apply_vacancy(placement, vacancy_id)
    db.session.add(placement)
    db.session.flush()
    audit.record(actor, "placement.create", "placement", placement.id, trainee_id=trainee_id,
                 center_id=placement.center_id,
                 details={"source": "center", "employer_id": placement.employer_id,
                          "market": placement_market(placement), "vacancy_id": placement.vacancy_id})
    if followup_enrollment_id is not None:
        record_followup(actor, followup_enrollment_id, followup_milestone or 0, "employed")
    return placement


def update_placement(actor: Actor, placement_id: int, vacancy_id: Any = _UNSET, **fields) -> Placement:
    placement = get_owned_placement(actor, placement_id)
    values = clean_job_fields(fields, partial=True, current=placement)
    changes = apply_job_values(actor, placement, values)
    changes.update(apply_vacancy(placement, None if vacancy_id is _UNSET else vacancy_id,
                                 given=vacancy_id is not _UNSET))
    db.session.flush()
    audit.record(actor, "placement.update", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"changes": sorted(changes)})
    return placement


def end_placement(actor: Actor, placement_id: int, end_date: Any) -> Placement:
    placement = get_owned_placement(actor, placement_id)
    return end_job(actor, placement, end_date, "placement.end")


def verify_placement(actor: Actor, placement_id: int) -> Placement:
    """Confirm a job a trainee reported (pending or earlier rejected → verified): a center that
    enrolled the trainee, and not over another center's decision (see ``_deciding_center``)."""
    placement = get_placement(actor, placement_id, perm=P.PLACEMENTS_VERIFY)
    if placement.verification == PlacementStatus.VERIFIED:
        raise InvalidTransition(_l("This job is already verified."))
    placement.center_id = _deciding_center(actor, placement)
    placement.verification = PlacementStatus.VERIFIED
    placement.verified_by_id = actor.user_id
    placement.verified_at = utcnow()
    placement.rejection_reason = None
    db.session.flush()
    audit.record(actor, "placement.verify", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id)
    return placement


REASON_MAX = 500


def reject_placement(actor: Actor, placement_id: int, reason: str | None = None) -> Placement:
    """Mark a reported job as not confirmed (it stays on record, counted nowhere). The reason is
    required: it is stored and shown to the trainee, who can correct the report. Who may decide
    as for :func:`verify_placement`."""
    placement = get_placement(actor, placement_id, perm=P.PLACEMENTS_VERIFY)
    if placement.verification == PlacementStatus.REJECTED:
        raise InvalidTransition(_l("This job is already rejected."))
    placement.center_id = _deciding_center(actor, placement)
    reason = clean_text(reason)
    if not reason:
        raise ValidationError(CHECK_MESSAGE, fields={"reason": str(_l(
            "Say why the job is not confirmed; the trainee sees the reason."))})
    if len(reason) > REASON_MAX:
        raise ValidationError(CHECK_MESSAGE, fields={"reason": str(_l("At most %(n)d characters.", n=REASON_MAX))})
    placement.rejection_reason = reason
    placement.verification = PlacementStatus.REJECTED
    placement.verified_by_id = actor.user_id
    placement.verified_at = utcnow()
    db.session.flush()
    audit.record(actor, "placement.reject", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"reason": reason})
    return placement


def audit_personal_view(actor: Actor, action: str, trainee_ids, *, entity_type: str = "trainee",
                        details: dict[str, Any] | None = None) -> None:
    """Record that staff saw personal data (names, contacts) of these trainees: one event per
    trainee, so each can later see who looked at their record."""
    if not actor.is_staff:
        return
    for trainee_id in sorted(set(int(t) for t in trainee_ids)):
        audit.record(actor, action, entity_type, trainee_id, trainee_id=trainee_id, details=details)
