"""Creating and editing cohorts and moving them through their statuses.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from talent import audit, signals
from talent.catalog.models import Course
from talent.centers.models import Center
from talent.db import utcnow
from talent.errors import InvalidTransition, ValidationError
from talent.extensions import db
from talent.learning import membership
from talent.learning.models import COHORT_MODES, Cohort, Enrollment, CohortStatus, EnrollmentStatus
from talent.permissions import Actor, P, require, require_center
from talent.validation import FieldError, parse_date
from talent.learning.services.common import (ACTIVE_ENROLLMENT, CODE_MAX, FIX_FIELDS, as_int,
                                             check_transition, check_version, clean_reason, get_cohort)
from talent.learning.services.enrollment import promote_waitlist, seat_counts
from talent.learning.services.grading import complete_cohort


def _as_date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value in (None, ""):
        errors[name] = str(_l("This field is required."))
        return None
    try:
        return parse_date(value)
    except FieldError as error:
        errors[name] = str(error.message)
        return None


def _clean_cohort(data: Mapping[str, Any], *, partial: bool) -> tuple[dict[str, Any], dict[str, str]]:
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    if not partial or "code" in data:
        code = str(data.get("code") or "").strip().upper()
        if not code:
            errors["code"] = str(_l("This field is required."))
        elif len(code) > CODE_MAX or not all(ch.isalnum() or ch in "-_." for ch in code):
            errors["code"] = str(_l("Use up to 40 letters, digits, '-', '_' or '.'."))
        values["code"] = code
    for name in ("course_id", "center_id"):
        if not partial or name in data:
            values[name] = as_int(data.get(name), name, errors, 1, 2**31 - 1)
    for name in ("start_date", "end_date"):
        if not partial or name in data:
            values[name] = _as_date(data.get(name), name, errors)
    if not partial or "capacity" in data:
        values["capacity"] = as_int(data.get("capacity"), "capacity", errors, 1, 10_000)
    if not partial or "mode" in data:
        mode = str(data.get("mode") or "onsite").strip().lower()
        if mode not in COHORT_MODES:
            errors["mode"] = str(_l("Choose on-site, online or hybrid."))
        values["mode"] = mode
    return values, errors


def create_cohort(actor: Actor, data: Mapping[str, Any]) -> Cohort:
    """A new cohort (status planned) of a course at one of the actor's centers."""
    require(actor, P.COHORTS_WRITE)
    values, errors = _clean_cohort(data, partial=False)
    if values.get("start_date") and values.get("end_date") and values["end_date"] < values["start_date"]:
        errors["end_date"] = str(_l("The end date is before the start date."))
    course = db.session.get(Course, values["course_id"]) if values.get("course_id") else None
    if values.get("course_id") and (course is None or not course.active):
        errors["course_id"] = str(_l("Choose an active course."))
    center = db.session.get(Center, values["center_id"]) if values.get("center_id") else None
    if values.get("center_id") and (center is None or not center.active):
        errors["center_id"] = str(_l("Choose an active center."))
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    require_center(actor, P.COHORTS_WRITE, center.id)
    if db.session.scalar(select(Cohort.id).where(Cohort.code == values["code"])) is not None:
        raise ValidationError(FIX_FIELDS, fields={"code": str(_l("A cohort with this code already exists."))})
    cohort = Cohort(status=CohortStatus.PLANNED, version=1, **values)
    try:
        with db.session.begin_nested():   # the same code created concurrently: a field message
            db.session.add(cohort)
            db.session.flush()
    except IntegrityError:
        raise ValidationError(FIX_FIELDS, fields={"code": str(_l("A cohort with this code already exists."))}) from None
    audit.record(actor, "cohort.create", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"code": cohort.code})
    return cohort


def update_cohort(actor: Actor, cohort_id: int, data: Mapping[str, Any], *, version: Any = None) -> Cohort:
    """Change a cohort's code, dates, capacity or mode (not its course or center once it has
    enrollments). Refused for completed or cancelled cohorts and below the enrolled count."""
    cohort = get_cohort(actor, cohort_id, P.COHORTS_WRITE, lock=True)
    check_version(cohort, version)
    if cohort.status in (CohortStatus.COMPLETED, CohortStatus.CANCELLED):
        raise InvalidTransition(_l("A completed or cancelled cohort cannot be changed."))
    allowed = {"code", "course_id", "center_id", "start_date", "end_date", "capacity", "mode"}
    values, errors = _clean_cohort({k: v for k, v in data.items() if k in allowed}, partial=True)
    start = values.get("start_date") or cohort.start_date
    end = values.get("end_date") or cohort.end_date
    if start and end and end < start:
        errors["end_date"] = str(_l("The end date is before the start date."))
    if "code" in values and values["code"] and values["code"] != cohort.code:
        if db.session.scalar(select(Cohort.id).where(Cohort.code == values["code"])) is not None:
            errors["code"] = str(_l("A cohort with this code already exists."))
    counts = seat_counts(cohort.id)
    if values.get("capacity") is not None and values["capacity"] < counts["enrolled"]:
        errors["capacity"] = str(_l("%(n)d trainees are enrolled: the capacity cannot be lower.",
                                    n=counts["enrolled"]))
    has_enrollments = sum(counts.values()) > 0
    for name in ("course_id", "center_id"):
        if name in values and values[name] is not None and values[name] != getattr(cohort, name):
            if has_enrollments:
                errors[name] = str(_l("The cohort has enrollments: this cannot change."))
            elif name == "center_id":
                center = db.session.get(Center, values[name])
                if center is None:
                    errors[name] = str(_l("Choose an active center."))
                else:
                    require_center(actor, P.COHORTS_WRITE, center.id)
            elif db.session.get(Course, values[name]) is None:
                errors[name] = str(_l("Choose an active course."))
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    changed = sorted(k for k, v in values.items() if getattr(cohort, k) != v)
    for key in changed:
        setattr(cohort, key, values[key])
    if changed:
        cohort.version += 1
        db.session.flush()
        audit.record(actor, "cohort.update", "cohort", cohort.id, center_id=cohort.center_id,
                     details={"fields": changed})
        if {"start_date", "end_date", "mode"} & set(changed):
            signals.cohort_rescheduled.send(actor, cohort=cohort, changed=changed)
        if "capacity" in changed:
            promote_waitlist(actor, cohort)
    return cohort


def change_status(actor: Actor, cohort_id: int, target: str, *, reason: str | None = None,
                  version: Any = None, today: date | None = None,
                  did_not_sit: Iterable[Any] | None = None) -> Cohort:
    """Move a cohort to ``open``, ``running``, ``completed`` or ``cancelled``. Completing goes
    through :func:`complete_cohort` (scores, attendance and certification)."""
    if target == CohortStatus.COMPLETED:
        return complete_cohort(actor, cohort_id, override_reason=reason, version=version, today=today,
                               did_not_sit=did_not_sit)
    cohort = get_cohort(actor, cohort_id, P.COHORTS_WRITE, lock=True)
    check_version(cohort, version)
    check_transition(cohort, target)
    reason = clean_reason(reason, required=target == "cancelled", message=_l("Give the reason for cancelling."))
    if target == CohortStatus.CANCELLED:
        cohort.cancelled_reason = reason
        now = utcnow()
        withdrawn = list(db.session.scalars(select(Enrollment.trainee_id).where(
            Enrollment.cohort_id == cohort.id, Enrollment.status.in_(ACTIVE_ENROLLMENT))))
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.cohort_id == cohort.id, Enrollment.status.in_(ACTIVE_ENROLLMENT))
            .values(status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now, withdrawal_reason=str(_l("Cohort cancelled"))),
            execution_options={"synchronize_session": False})
        membership.sync(withdrawn)   # their access through this cohort ends
    previous = cohort.status
    cohort.status = target
    cohort.version += 1
    db.session.flush()
    audit.record(actor, f"cohort.{_ACTION[target]}", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"from": previous, "to": target, **({"reason": reason} if reason else {})})
    if target == CohortStatus.CANCELLED:
        signals.cohort_cancelled.send(actor, cohort=cohort)  # the report summary recounts it
    return cohort


_ACTION = {CohortStatus.OPEN: "open", CohortStatus.RUNNING: "start", CohortStatus.COMPLETED: "complete",
           CohortStatus.CANCELLED: "cancel"}
