"""Enrollment with capacity and a waiting list, withdrawal, promotion from the list, and the
enrollment a trainee may see.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from talent import audit, signals
from talent.learning import membership
from talent.db import utcnow
from talent.errors import CapacityFull, Duplicate, InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.labels import label
from talent.learning.models import Cohort, Enrollment, CohortStatus, EnrollmentStatus
from talent.accounts.oidc import trainee_verified_at
from talent.people.models import Trainee
from talent.people.services import find_by_identity
from talent.people.validation import clean_fin
from talent.permissions import Actor, P, require, require_trainee
from talent.validation import FieldError, as_id, parse_date
from talent.learning.services.common import (ACTIVE_ENROLLMENT, ENROLLABLE, FIX_FIELDS, MARKS_EDITABLE,
                                             clean_reason, get_cohort, get_enrollment, lock_cohort)


def seat_counts(cohort_id: int) -> dict[str, int]:
    """Enrollments of a cohort by status (one GROUP BY)."""
    rows = db.session.execute(
        select(Enrollment.status, func.count()).where(Enrollment.cohort_id == cohort_id)
        .group_by(Enrollment.status))
    counts = {status: 0 for status in EnrollmentStatus}
    counts.update({status: n for status, n in rows})
    return counts


def free_seats(cohort: Cohort, counts: Mapping[str, int] | None = None) -> int:
    """Seats left for enrollment: none once the cohort no longer enrolls."""
    if cohort.status not in ENROLLABLE:
        return 0
    counts = counts if counts is not None else seat_counts(cohort.id)
    return max(cohort.capacity - counts["enrolled"], 0)


def marks_editable(cohort: Cohort) -> bool:
    """Whether attendance and scores of the cohort may be recorded (the rule the grids show)."""
    return cohort.status in MARKS_EDITABLE


def enroll(actor: Actor, cohort_id: int, trainee_id: int, *, waitlist: bool = True) -> Enrollment:
    """Enroll a trainee, or put them on the waiting list when the cohort is full (with
    ``waitlist=False`` a full cohort is a :class:`CapacityFull`). Locks the cohort row first so
    concurrent enrollments never exceed the capacity. A withdrawn trainee may enroll again.

    By id only a trainee the actor may already see (registered by or enrolled at their centers);
    anyone else is a NotFound exactly like an id nobody has — a center brings a new person in
    with :func:`enroll_by_fin` (FIN and birth date)."""
    require(actor, P.ENROLLMENTS_WRITE)
    cohort = get_cohort(actor, cohort_id, P.ENROLLMENTS_WRITE, lock=True)
    trainee = db.session.get(Trainee, as_id(trainee_id)) if as_id(trainee_id) else None
    if trainee is None:
        raise NotFound(_l("Not found."))
    require_trainee(actor, trainee.id)
    return _enroll(actor, cohort, trainee, waitlist=waitlist)


def _enroll(actor: Actor, cohort: Cohort, trainee: Trainee, *, waitlist: bool,
            details: dict | None = None, notify: bool = True) -> Enrollment:
    """Enroll ``trainee`` (whom the caller has let the actor reach) into ``cohort`` (locked).
    ``notify=False``: the caller tells the person itself (an accepted application's one message)."""
    if cohort.status not in ENROLLABLE:
        raise InvalidTransition(_l("No enrolling into a %(status)s cohort.", status=label(cohort.status, "cohort_status")))
    existing = db.session.scalar(select(Enrollment).where(Enrollment.cohort_id == cohort.id,
                                                          Enrollment.trainee_id == trainee.id))
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        raise Duplicate(_l("This trainee is already in this cohort (%(status)s).",
                            status=label(existing.status, "enrollment_status")),
                        extra={"existing_enrollment_id": existing.id})
    enrolled = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))
    now = utcnow()
    full = enrolled >= cohort.capacity
    if full and not waitlist:
        raise CapacityFull(_l("The cohort is full."))
    enrollment = existing or Enrollment(trainee_id=trainee.id, cohort_id=cohort.id, applied_at=now)
    enrollment.created_by_id = actor.user_id if existing is None else enrollment.created_by_id
    enrollment.withdrawn_at = None
    enrollment.withdrawal_reason = None
    if full:
        enrollment.status = EnrollmentStatus.WAITLISTED
        enrollment.waitlisted_at = now
        enrollment.enrolled_at = None
    else:
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.enrolled_at = now
    db.session.add(enrollment)
    db.session.flush()
    membership.sync([trainee.id])
    audit.record(actor, "enrollment.waitlist" if full else "enrollment.enroll", "enrollment", enrollment.id,
                 trainee_id=trainee.id, center_id=cohort.center_id, details={"cohort_id": cohort.id, **(details or {})})
    signals.enrollment_changed.send(actor, enrollment=enrollment, event="waitlisted" if full else "enrolled",
                                    notify=notify)
    return enrollment


NO_SUCH_PERSON = _l("No trainee with this FIN and birth date is registered. Check both against the ID card, "
                    "or register the trainee.")


def enroll_by_fin(actor: Actor, cohort_id: int, fin: str, birth_date: Any = None, *,
                  waitlist: bool = True, notify: bool = True) -> Enrollment:
    """Enroll the registered trainee with this FIN **and** birth date (one trainee, one record:
    any center may enroll any registered person, by proving it met them — the ID card). An
    unknown FIN and a wrong birth date get the same answer, from the same single statement.
    Enrolling gives the center the person's record only once they hold a seat (see
    ``learning.scoping.SCOPE_STATUSES``); the waiting list gives nothing."""
    errors: dict[str, str] = {}
    try:
        clean_fin(fin)
    except FieldError as error:
        errors["fin"] = str(error.message)
    try:
        birth = parse_date(birth_date)
    except FieldError as error:
        errors["birth_date"] = str(error.message)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    cohort = get_cohort(actor, cohort_id, P.ENROLLMENTS_WRITE, lock=True)
    trainee = find_by_identity(fin, birth)
    if trainee is None:
        raise ValidationError(FIX_FIELDS, fields={"fin": str(NO_SUCH_PERSON)})
    # Issue 21 "identity as proof": a person who signed in with the national e-ID carrying this FIN
    # has proven who they are; the enrollment's audit keeps that beside the FIN + birth date check.
    proof = {"proof": "fin_birth_date"}
    eid_at = trainee_verified_at(trainee.id)
    if eid_at is not None:
        proof["eid_verified_at"] = eid_at.isoformat(timespec="seconds")
    return _enroll(actor, cohort, trainee, waitlist=waitlist, details=proof, notify=notify)


def withdraw(actor: Actor, enrollment_id: int, reason: str) -> Enrollment:
    """Withdraw an enrolled or waitlisted trainee with a reason; the freed seat goes to the first
    on the waiting list."""
    enrollment = get_enrollment(actor, enrollment_id, P.ENROLLMENTS_WRITE)
    reason = clean_reason(reason, required=True, message=_l("Give the reason for withdrawing."))
    cohort = lock_cohort(enrollment.cohort_id)
    db.session.refresh(enrollment)
    if enrollment.status not in ACTIVE_ENROLLMENT:
        raise InvalidTransition(_l("Only an applied, waitlisted or enrolled trainee can withdraw."))
    if cohort.status in (CohortStatus.COMPLETED, CohortStatus.CANCELLED):
        raise InvalidTransition(_l("A completed or cancelled cohort cannot be changed."))
    was_enrolled = enrollment.status == EnrollmentStatus.ENROLLED
    enrollment.status = EnrollmentStatus.WITHDRAWN
    enrollment.withdrawn_at = utcnow()
    enrollment.withdrawal_reason = reason
    db.session.flush()
    audit.record(actor, "enrollment.withdraw", "enrollment", enrollment.id, trainee_id=enrollment.trainee_id,
                 center_id=cohort.center_id, details={"cohort_id": cohort.id, "reason": reason})
    # Access obtained through the enrollment ends with it; the promoted gain theirs (one sync, so the
    # trainees' rows are locked in one order).
    if was_enrolled:
        promote_waitlist(actor, cohort, also_sync=[enrollment.trainee_id])
    else:
        membership.sync([enrollment.trainee_id])
    return enrollment


def waiting_list(cohort_id: int) -> list[Enrollment]:
    return list(db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == cohort_id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .order_by(Enrollment.waitlisted_at, Enrollment.id)))


def promote_waitlist(actor: Actor, cohort: Cohort, *, also_sync: Iterable[int] = ()) -> list[Enrollment]:
    """Fill free seats from the waiting list, first come first served (cohort row locked). The
    promoted trainees' center membership is synced together with ``also_sync``'s."""
    also_sync = list(also_sync)
    promoted = _promote(cohort)
    membership.sync([e.trainee_id for e in promoted] + also_sync)
    for enrollment in promoted:
        audit.record(actor, "enrollment.promote", "enrollment", enrollment.id, trainee_id=enrollment.trainee_id,
                     center_id=cohort.center_id, details={"cohort_id": cohort.id})
        signals.enrollment_changed.send(actor, enrollment=enrollment, event="promoted")
    return promoted


def _promote(cohort: Cohort) -> list[Enrollment]:
    if cohort.status not in ENROLLABLE:
        return []
    enrolled = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))
    free = cohort.capacity - enrolled
    if free <= 0:
        return []
    promoted = waiting_list(cohort.id)[:free]
    now = utcnow()
    for enrollment in promoted:
        enrollment.status = EnrollmentStatus.ENROLLED
        enrollment.enrolled_at = now
    db.session.flush()
    return promoted


def trainee_enrollment(actor: Actor, enrollment_id: int) -> Enrollment:
    """An enrollment the actor may see through its trainee (staff of their centers, or the
    trainee)."""
    enrollment = db.session.get(Enrollment, as_id(enrollment_id)) if as_id(enrollment_id) else None
    if enrollment is None:
        raise NotFound(_l("Not found."))
    require_trainee(actor, enrollment.trainee_id)
    if actor.center_ids is not None and not actor.covers_center(enrollment.cohort.center_id):
        raise NotFound(_l("Not found."))   # another center's enrollment stays theirs
    return enrollment
