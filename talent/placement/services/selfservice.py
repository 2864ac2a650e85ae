"""A trainee's own jobs: reported, corrected, withdrawn and ended by the trainee.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit
from talent.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.permissions import Actor, P, require
from talent.placement.models import Placement, PlacementStatus
from talent.placement.services.common import (apply_job_values, clean_job_fields, end_job, existing_employer,
                                              responsible_center)


def _own_trainee_id(actor: Actor) -> int:
    require(actor, P.SELF_WRITE)
    if actor.trainee_id is None:
        raise PermissionDenied(_l("Your account is not linked to a trainee record."))
    return actor.trainee_id


def _own_placement(actor: Actor, placement_id: Any) -> Placement:
    trainee_id = _own_trainee_id(actor)
    try:
        pid = int(placement_id)
    except (TypeError, ValueError):
        raise NotFound(_l("Not found."))
    placement = db.session.get(Placement, pid)
    if placement is None or placement.trainee_id != trainee_id:
        raise NotFound(_l("Not found."))
    return placement


def own_jobs(actor: Actor) -> list[Placement]:
    """The trainee's own jobs, newest first."""
    require(actor, P.SELF_READ)
    if actor.trainee_id is None:
        return []
    return list(db.session.scalars(select(Placement).where(Placement.trainee_id == actor.trainee_id)
                                   .order_by(Placement.start_date.desc(), Placement.id.desc())))


def _refuse_duplicate(trainee_id: int, values: dict[str, Any], *, current: Placement | None = None) -> None:
    """A trainee's job at the same employer from the same start date is already on record: say so
    on the form instead of recording it twice."""
    name = values.get("employer_name", current.employer.name if current else "")
    country = values.get("country_code", current.employer.country_code if current else "")
    start = values.get("start_date", current.start_date if current else None)
    employer = existing_employer(name, country) if name and country else None
    if employer is None or start is None:
        return
    stmt = select(Placement.id).where(Placement.trainee_id == trainee_id, Placement.employer_id == employer.id,
                                      Placement.start_date == start)
    if current is not None:
        stmt = stmt.where(Placement.id != current.id)
    if db.session.scalar(stmt.limit(1)) is not None:
        message = str(_l("This job is already on your list (same employer and start date); "
                         "edit it there instead of reporting it again."))
        raise ValidationError(message, fields={"employer_name": message, "start_date": message})


def report_own_job(actor: Actor, **fields) -> Placement:
    """A trainee reports a job: recorded as self-reported and pending until a center verifies it.
    The same job twice (same employer and start date) is refused."""
    trainee_id = _own_trainee_id(actor)
    values = clean_job_fields(fields)
    _refuse_duplicate(trainee_id, values)
    placement = Placement(trainee_id=trainee_id, source="self_reported", verification=PlacementStatus.PENDING,
                          center_id=responsible_center(trainee_id), created_by_id=actor.user_id)
    apply_job_values(actor, placement, values)
    db.session.add(placement)
    db.session.flush()
    audit.record(actor, "placement.report", "placement", placement.id, trainee_id=trainee_id,
                 center_id=placement.center_id, details={"source": "self_reported"})
    return placement


def update_own_job(actor: Actor, placement_id: int, **fields) -> Placement:
    """A trainee corrects one of their jobs; a change needs the center's verification again."""
    placement = _own_placement(actor, placement_id)
    values = clean_job_fields(fields, partial=True, current=placement)
    _refuse_duplicate(placement.trainee_id, values, current=placement)
    changes = apply_job_values(actor, placement, values)
    if changes and placement.verification != PlacementStatus.PENDING:
        placement.verification = PlacementStatus.PENDING
        placement.verified_by_id = None
        placement.verified_at = None
        placement.rejection_reason = None
    db.session.flush()
    audit.record(actor, "placement.update", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"changes": sorted(changes)})
    return placement


def withdraw_own_job(actor: Actor, placement_id: Any) -> None:
    """A trainee takes back a job they reported that no center has looked at yet (self-reported,
    pending): it is removed; the audit trail keeps that it was reported and withdrawn."""
    placement = _own_placement(actor, placement_id)
    if placement.source != "self_reported" or placement.verification != PlacementStatus.PENDING:
        raise InvalidTransition(_l("Only a job you reported that waits for confirmation can be withdrawn."))
    details = {"employer_id": placement.employer_id, "start_date": placement.start_date.isoformat()}
    audit.record(actor, "placement.withdraw", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details=details)
    db.session.delete(placement)
    db.session.flush()


def end_own_job(actor: Actor, placement_id: int, end_date: Any) -> Placement:
    """A trainee records that one of their jobs ended."""
    placement = _own_placement(actor, placement_id)
    return end_job(actor, placement, end_date, "placement.end")
