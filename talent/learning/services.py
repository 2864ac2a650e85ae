"""Cohorts, their schedule, enrollment (with capacity and a waiting list), attendance, scores and
completion. The only code that writes these tables.

Rules enforced here:
- status transitions planned → open → running → completed, and planned/open/running → cancelled;
  anything else is an :class:`InvalidTransition`;
- no enrolling into completed or cancelled cohorts;
- never more ``enrolled`` than the capacity, also under concurrent requests: the cohort row is
  locked (``SELECT … FOR UPDATE`` on PostgreSQL) before seats are counted; when full, a trainee
  goes on the waiting list (``waitlisted``, ordered by ``waitlisted_at`` then id) and is promoted
  automatically when a seat frees;
- a cohort is completed on or after its end date, or earlier with an override reason;
- forms carry ``Cohort.version``: a change made meanwhile is a :class:`Conflict`.

Attendance percentage: sessions marked ``present`` divided by sessions marked ``present`` or
``absent``. Excused sessions are removed from the denominator, unmarked sessions do not count;
no counted session gives no percentage (None).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from talent import audit
from talent.catalog.models import Course
from talent.centers.models import Center
from talent.db import utcnow
from talent.errors import (CapacityFull, Conflict, Duplicate, InvalidTransition, NotFound, ValidationError)
from talent.extensions import db
from talent.labels import label
from talent.learning.models import (ATTENDANCE_MARKS, COHORT_MODES, Attendance, Cohort, CohortSession,
                                    Enrollment, ResultCorrection)
from talent.learning.queries import attendance_percentages, roster
from talent.loading import load
from talent.people.models import Trainee
from talent.people.services import find_by_identity
from talent.people.validation import clean_fin
from talent.permissions import Actor, P, require, require_center, require_trainee
from talent import clock, signals
from talent.validation import FieldError, as_id, clean_free_text, parse_date
from talent.learning.models import CohortStatus, EnrollmentStatus

FIX_FIELDS = _l("Please correct the marked fields.")

TRANSITIONS: dict[str, set[str]] = {
    CohortStatus.PLANNED: {CohortStatus.OPEN, CohortStatus.CANCELLED},
    CohortStatus.OPEN: {CohortStatus.RUNNING, CohortStatus.CANCELLED},
    CohortStatus.RUNNING: {CohortStatus.COMPLETED, CohortStatus.CANCELLED},
    CohortStatus.COMPLETED: set(),
    CohortStatus.CANCELLED: set(),
}
ENROLLABLE = (CohortStatus.PLANNED, CohortStatus.OPEN, CohortStatus.RUNNING)
MARKS_EDITABLE = (CohortStatus.OPEN, CohortStatus.RUNNING)   # attendance and scores are taken in these statuses
ACTIVE_ENROLLMENT = (EnrollmentStatus.APPLIED, EnrollmentStatus.WAITLISTED, EnrollmentStatus.ENROLLED)
CODE_MAX = 40
REASON_MAX = 500


# ---- loading ---------------------------------------------------------------------------------

def get_cohort(actor: Actor, cohort_id: int, perm: P = P.COHORTS_READ, *, lock: bool = False) -> Cohort:
    """A cohort of the actor's centers, or NotFound (another center's cohort is not revealed).
    With ``lock`` the row is locked for the rest of the transaction (PostgreSQL)."""
    return load(actor, Cohort, cohort_id, perm, lock=lock)


def _lock(cohort_id: int) -> Cohort:
    stmt = (select(Cohort).where(Cohort.id == cohort_id).with_for_update(of=Cohort)
            .execution_options(populate_existing=True))
    cohort = db.session.scalar(stmt)
    if cohort is None:
        raise NotFound(_l("Not found."))
    return cohort


def get_enrollment(actor: Actor, enrollment_id: int, perm: P = P.COHORTS_READ) -> Enrollment:
    return load(actor, Enrollment, enrollment_id, perm, center=lambda e: e.cohort.center_id)


def _reason(value: Any, name: str = "reason", *, required: bool = False, message=None,
            max_length: int = REASON_MAX) -> str | None:
    """Free text (a reason, a topic): trimmed, bounded, no control characters."""
    try:
        return clean_free_text(value, max_length=max_length, required=required)
    except FieldError as error:
        text = str(message) if message is not None and not str(value or "").strip() else str(error.message)
        raise ValidationError(FIX_FIELDS, fields={name: text}) from None


def check_version(cohort: Cohort, version: Any) -> None:
    """A form made from an older state of the cohort is refused with a clear conflict."""
    if version in (None, ""):
        return
    try:
        version = int(version)
    except (TypeError, ValueError):
        raise Conflict(_l("The form is out of date. Reload the page and try again.")) from None
    if version != cohort.version:
        raise Conflict(_l("This cohort was changed by someone else meanwhile. Reload the page and try again."))


# ---- cohorts -----------------------------------------------------------------------------------

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


def _as_int(value: Any, name: str, errors: dict[str, str], minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        errors[name] = str(_l("Enter a whole number.")) if value not in (None, "") else str(_l("This field is required."))
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        errors[name] = str(_l("Enter a number from %(min)d to %(max)d.", min=minimum or 0, max=maximum or 0))
        return None
    return number


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
            values[name] = _as_int(data.get(name), name, errors, 1, 2**31 - 1)
    for name in ("start_date", "end_date"):
        if not partial or name in data:
            values[name] = _as_date(data.get(name), name, errors)
    if not partial or "capacity" in data:
        values["capacity"] = _as_int(data.get("capacity"), "capacity", errors, 1, 10_000)
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
            _promote_waitlist(actor, cohort)
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
    _check_transition(cohort, target)
    reason = _reason(reason, required=target == "cancelled", message=_l("Give the reason for cancelling."))
    if target == CohortStatus.CANCELLED:
        cohort.cancelled_reason = reason
        now = utcnow()
        db.session.execute(
            update(Enrollment)
            .where(Enrollment.cohort_id == cohort.id, Enrollment.status.in_(ACTIVE_ENROLLMENT))
            .values(status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now, withdrawal_reason=str(_l("Cohort cancelled"))),
            execution_options={"synchronize_session": False})
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


def _check_transition(cohort: Cohort, target: str) -> None:
    if target not in TRANSITIONS:
        raise ValidationError(FIX_FIELDS, fields={"status": str(_l("Unknown status."))})
    if target not in TRANSITIONS[cohort.status]:
        raise InvalidTransition(_l("A %(status)s cohort cannot become %(target)s.",
                                   status=cohort.status, target=target))


# ---- schedule ----------------------------------------------------------------------------------

def _local_zone():
    """Times typed into forms are wall-clock times at the centers (the configured zone)."""
    from zoneinfo import ZoneInfo

    from flask import current_app
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Baku")
    except Exception:  # an unknown zone name: fall back to Baku
        return ZoneInfo("Asia/Baku")


def _as_datetime(value: Any, name: str, errors: dict[str, str]) -> datetime | None:
    """An aware datetime; a naive one (from a form) is read in the centers' time zone."""
    if isinstance(value, datetime):
        parsed = value
    else:
        text = str(value or "").strip()
        if not text:
            errors[name] = str(_l("This field is required."))
            return None
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            errors[name] = str(_l("Write the time as YYYY-MM-DD HH:MM."))
            return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=_local_zone())
    return parsed.astimezone(timezone.utc)


def add_session(actor: Actor, cohort_id: int, *, starts_at: Any, ends_at: Any = None,
                topic: str | None = None, version: Any = None) -> CohortSession:
    """Schedule one class meeting within the cohort's dates (a 2-hour default length)."""
    cohort = get_cohort(actor, cohort_id, P.COHORTS_WRITE, lock=True)
    check_version(cohort, version)
    if cohort.status in (CohortStatus.COMPLETED, CohortStatus.CANCELLED):
        raise InvalidTransition(_l("A completed or cancelled cohort cannot be changed."))
    errors: dict[str, str] = {}
    start = _as_datetime(starts_at, "starts_at", errors)
    end = _as_datetime(ends_at, "ends_at", errors) if ends_at not in (None, "") else (
        start + timedelta(hours=2) if start else None)
    try:
        topic = _reason(topic, "topic", max_length=200)
    except ValidationError as error:
        errors.update(error.fields)
    if start and end and end <= start:
        errors["ends_at"] = str(_l("The end is not after the start."))
    if start and not (cohort.start_date <= start.astimezone(_local_zone()).date() <= cohort.end_date):
        errors["starts_at"] = str(_l("The session must be within the cohort's dates."))
    if start and not errors and db.session.scalar(
            select(CohortSession.id).where(CohortSession.cohort_id == cohort.id,
                                           CohortSession.starts_at == start)) is not None:
        errors["starts_at"] = str(_l("A session already starts at this time."))
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    session = CohortSession(cohort_id=cohort.id, starts_at=start, ends_at=end, topic=topic)
    db.session.add(session)
    db.session.flush()
    audit.record(actor, "session.create", "cohort_session", session.id, center_id=cohort.center_id,
                 details={"cohort_id": cohort.id})
    return session


MAX_SESSIONS = 500


def schedule_weekly(actor: Actor, cohort_id: int, *, weekdays: Iterable[Any], start_time: Any,
                    duration_minutes: Any = 120, topic: str | None = None, version: Any = None) -> int:
    """Schedule a session on each chosen weekday (0 = Monday … 6 = Sunday) from the cohort's
    start date to its end date, at ``start_time`` ("HH:MM", the centers' time zone). Times that
    already have a session are skipped. Returns the number of sessions added."""
    from datetime import time as time_of_day
    cohort = get_cohort(actor, cohort_id, P.COHORTS_WRITE, lock=True)
    check_version(cohort, version)
    if cohort.status in (CohortStatus.COMPLETED, CohortStatus.CANCELLED):
        raise InvalidTransition(_l("A completed or cancelled cohort cannot be changed."))
    errors: dict[str, str] = {}
    days: set[int] = set()
    for day in weekdays or []:
        try:
            number = int(day)
        except (TypeError, ValueError):
            number = -1
        if not 0 <= number <= 6:
            errors["weekdays"] = str(_l("Choose days of the week."))
            break
        days.add(number)
    if not days and "weekdays" not in errors:
        errors["weekdays"] = str(_l("Choose days of the week."))
    if isinstance(start_time, time_of_day):
        at = start_time
    else:
        try:
            at = time_of_day.fromisoformat(str(start_time or "").strip())
        except ValueError:
            at = None
            errors["start_time"] = str(_l("Write the time as HH:MM."))
    minutes = _as_int(duration_minutes, "duration_minutes", errors, 15, 12 * 60)
    try:
        topic = _reason(topic, "topic", max_length=200)
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    zone = _local_zone()
    existing = set(db.session.scalars(select(CohortSession.starts_at).where(CohortSession.cohort_id == cohort.id)))
    wanted = []
    day = cohort.start_date
    while day <= cohort.end_date:
        if day.weekday() in days:
            starts = datetime.combine(day, at.replace(tzinfo=None), tzinfo=zone).astimezone(timezone.utc)
            if starts not in existing:
                wanted.append(starts)
        day += timedelta(days=1)
    if len(wanted) + len(existing) > MAX_SESSIONS:
        raise ValidationError(FIX_FIELDS, fields={"weekdays": str(_l(
            "That would make more than %(n)d sessions.", n=MAX_SESSIONS))})
    for starts in wanted:
        db.session.add(CohortSession(cohort_id=cohort.id, starts_at=starts,
                                     ends_at=starts + timedelta(minutes=minutes), topic=topic))
    db.session.flush()
    audit.record(actor, "session.schedule", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"added": len(wanted), "weekdays": sorted(days)})
    return len(wanted)


def delete_session(actor: Actor, session_id: int) -> None:
    """Remove a session (and its attendance marks); attendance percentages are recomputed."""
    session = db.session.get(CohortSession, as_id(session_id)) if as_id(session_id) else None
    if session is None:
        raise NotFound(_l("Not found."))
    cohort = get_cohort(actor, session.cohort_id, P.COHORTS_WRITE, lock=True)
    if cohort.status in (CohortStatus.COMPLETED, CohortStatus.CANCELLED):
        raise InvalidTransition(_l("A completed or cancelled cohort cannot be changed."))
    db.session.execute(delete(Attendance).where(Attendance.session_id == session.id))
    db.session.delete(session)
    db.session.flush()
    _recompute_attendance(cohort.id)
    audit.record(actor, "session.delete", "cohort_session", session_id, center_id=cohort.center_id,
                 details={"cohort_id": cohort.id})


# ---- enrollment --------------------------------------------------------------------------------

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


def _enroll(actor: Actor, cohort: Cohort, trainee: Trainee, *, waitlist: bool) -> Enrollment:
    """Enroll ``trainee`` (whom the caller has let the actor reach) into ``cohort`` (locked)."""
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
    audit.record(actor, "enrollment.waitlist" if full else "enrollment.enroll", "enrollment", enrollment.id,
                 trainee_id=trainee.id, center_id=cohort.center_id, details={"cohort_id": cohort.id})
    signals.enrollment_changed.send(actor, enrollment=enrollment, event="waitlisted" if full else "enrolled")
    return enrollment


NO_SUCH_PERSON = _l("No trainee with this FIN and birth date is registered. Check both against the ID card, "
                    "or register the trainee.")


def enroll_by_fin(actor: Actor, cohort_id: int, fin: str, birth_date: Any = None, *,
                  waitlist: bool = True) -> Enrollment:
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
    return _enroll(actor, cohort, trainee, waitlist=waitlist)


def withdraw(actor: Actor, enrollment_id: int, reason: str) -> Enrollment:
    """Withdraw an enrolled or waitlisted trainee with a reason; the freed seat goes to the first
    on the waiting list."""
    enrollment = get_enrollment(actor, enrollment_id, P.ENROLLMENTS_WRITE)
    reason = _reason(reason, required=True, message=_l("Give the reason for withdrawing."))
    cohort = _lock(enrollment.cohort_id)
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
    if was_enrolled:
        _promote_waitlist(actor, cohort)
    return enrollment


def waiting_list(cohort_id: int) -> list[Enrollment]:
    return list(db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == cohort_id, Enrollment.status == EnrollmentStatus.WAITLISTED)
        .order_by(Enrollment.waitlisted_at, Enrollment.id)))


def _promote_waitlist(actor: Actor, cohort: Cohort) -> list[Enrollment]:
    """Fill free seats from the waiting list, first come first served (cohort row locked)."""
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
    for enrollment in promoted:
        audit.record(actor, "enrollment.promote", "enrollment", enrollment.id, trainee_id=enrollment.trainee_id,
                     center_id=cohort.center_id, details={"cohort_id": cohort.id})
        signals.enrollment_changed.send(actor, enrollment=enrollment, event="promoted")
    return promoted


# ---- attendance and scores ---------------------------------------------------------------------

def record_attendance(actor: Actor, cohort_id: int, marks: Iterable[tuple[Any, Any, Any]]) -> int:
    """Save attendance marks ``(session_id, enrollment_id, mark)`` of one cohort in one go: mark
    is present, absent or excused (empty removes a mark). Every mark is checked first; one bad
    mark saves nothing. Returns the number of marks written. Recomputes attendance %."""
    cohort = get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE, lock=True)
    if not marks_editable(cohort):
        raise InvalidTransition(_l("Attendance is taken while a cohort is open or running."))
    starts = {sid: at for sid, at in db.session.execute(
        select(CohortSession.id, CohortSession.starts_at).where(CohortSession.cohort_id == cohort.id))}
    session_ids = set(starts)
    enrollment_ids = set(db.session.scalars(select(Enrollment.id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED)))
    now = clock.now()
    errors: dict[str, str] = {}
    future: set[int] = set()
    clean: dict[tuple[int, int], str | None] = {}
    for session_id, enrollment_id, mark in marks:
        key = f"mark-{session_id}-{enrollment_id}"
        try:
            sid, eid = int(session_id), int(enrollment_id)
        except (TypeError, ValueError):
            errors[key] = str(_l("Unknown session or trainee."))
            continue
        if sid not in session_ids or eid not in enrollment_ids:
            errors[key] = str(_l("Unknown session or trainee."))
            continue
        mark = (str(mark).strip().lower() if mark is not None else "") or None
        if mark is not None and mark not in ATTENDANCE_MARKS:
            errors[key] = str(_l("Choose present, absent or excused."))
            continue
        if mark is not None and _aware(starts[sid]) > now:
            errors[key] = str(_l("This session has not started yet."))
            future.add(sid)
            continue
        clean[(sid, eid)] = mark
    if errors:
        if future:
            first = min(_aware(starts[sid]) for sid in future)
            raise ValidationError(_l("Attendance is taken once a session has started; the session of %(when)s "
                                     "has not started yet.",
                                     when=first.astimezone(_local_zone()).strftime("%Y-%m-%d %H:%M")),
                                  fields=errors, code="session_not_started")
        raise ValidationError(FIX_FIELDS, fields=errors)
    if not clean:
        return 0
    keys = list(clean)
    sessions_touched = sorted({sid for sid, _ in keys})
    existing = {(a.session_id, a.enrollment_id): a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id.in_(sessions_touched),
                                 Attendance.enrollment_id.in_(sorted({eid for _, eid in keys}))))}
    now = utcnow()
    written = 0
    for key, mark in clean.items():
        row = existing.get(key)
        if mark is None:
            if row is not None:
                db.session.delete(row)
                written += 1
        elif row is None:
            db.session.add(Attendance(session_id=key[0], enrollment_id=key[1], mark=mark, recorded_at=now))
            written += 1
        elif row.mark != mark:
            row.mark = mark
            row.recorded_at = now
            written += 1
    db.session.flush()
    _recompute_attendance(cohort.id)
    audit.record(actor, "attendance.record", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"sessions": sessions_touched, "marks": written})
    return written


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def session_started(session: CohortSession) -> bool:
    return _aware(session.starts_at) <= clock.now()


def mark_all_present(actor: Actor, cohort_id: int, session_id: int) -> int:
    """Mark every enrolled trainee without a mark for this session as present (marks already
    given — the exceptions — are kept). Only for a session that has started. Returns the number
    of marks written."""
    cohort = get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE)
    sid = as_id(session_id)
    session = db.session.get(CohortSession, sid) if sid else None
    if session is None or session.cohort_id != cohort.id:
        raise NotFound(_l("Not found."))
    if not session_started(session):
        raise ValidationError(_l("Attendance is taken once a session has started; the session of %(when)s "
                                 "has not started yet.",
                                 when=_aware(session.starts_at).astimezone(_local_zone()).strftime("%Y-%m-%d %H:%M")),
                              code="session_not_started")
    marked = set(db.session.scalars(select(Attendance.enrollment_id).where(Attendance.session_id == session.id)))
    unmarked = db.session.scalars(select(Enrollment.id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED).order_by(Enrollment.id))
    return record_attendance(actor, cohort.id, [(session.id, eid, "present") for eid in unmarked
                                                if eid not in marked])


def _recompute_attendance(cohort_id: int) -> None:
    """Attendance % of every enrollment of the cohort, from one GROUP BY (see module doc)."""
    pct = attendance_percentages(cohort_id)
    ids = list(db.session.scalars(select(Enrollment.id).where(
        Enrollment.cohort_id == cohort_id, Enrollment.status == EnrollmentStatus.ENROLLED)))
    if not ids:
        return
    db.session.execute(update(Enrollment), [{"id": i, "attendance_pct": pct.get(i)} for i in ids])
    db.session.flush()
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Enrollment):
            db.session.expire(obj, ["attendance_pct"])


def parse_score(value: Any) -> Decimal | None:
    """A score from 0 to 100 with up to two decimals (a comma works as the decimal point);
    empty is None."""
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = str(value).strip().replace(",", ".")
    if not text:
        return None
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise ValueError(str(_l("Enter a number from 0 to 100."))) from None
    if not score.is_finite() or score < 0 or score > 100:
        raise ValueError(str(_l("Enter a number from 0 to 100.")))
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(str(_l("At most two decimals.")))
    return score.quantize(Decimal("0.01"))


def record_scores(actor: Actor, cohort_id: int, scores: Mapping[Any, Any]) -> int:
    """Save final scores ``{enrollment_id: score}`` (0–100; empty clears) of one cohort in one go;
    one bad score saves nothing. Returns the number changed."""
    cohort = get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE, lock=True)
    if not marks_editable(cohort):
        raise InvalidTransition(_l("Scores are recorded while a cohort is open or running."))
    enrollments = {e.id: e for e in db.session.scalars(select(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))}
    errors: dict[str, str] = {}
    clean: dict[int, Decimal | None] = {}
    for raw_id, raw_score in scores.items():
        key = f"score-{raw_id}"
        try:
            eid = int(raw_id)
        except (TypeError, ValueError):
            errors[key] = str(_l("Unknown trainee."))
            continue
        if eid not in enrollments:
            errors[key] = str(_l("Unknown trainee."))
            continue
        try:
            clean[eid] = parse_score(raw_score)
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    changed = 0
    for eid, score in clean.items():
        enrollment = enrollments[eid]
        if enrollment.final_score != score:
            enrollment.final_score = score
            changed += 1
    db.session.flush()
    audit.record(actor, "scores.record", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"changed": changed})
    return changed


# ---- completion --------------------------------------------------------------------------------

# Why an enrollment does not pass (codes; the pages translate them).
FAIL_REASONS = ("no_score", "did_not_sit", "score_below", "no_attendance", "attendance_below")


class MissingScores(ValidationError):
    """Completion refused: enrolled trainees without a final score that were not marked as not
    having sat the assessment. ``fields`` names each (``enrollments[<id>]``)."""
    code = "missing_scores"


def evaluate(certification, final_score: Decimal | None, attendance_pct: Decimal | None,
             did_not_sit: bool = False) -> tuple[bool, list[str]]:
    """Does a result pass the certification, and if not, why (codes of :data:`FAIL_REASONS`)?
    Without a certification everyone who finishes passes."""
    if certification is None:
        return True, []
    reasons: list[str] = []
    if did_not_sit:
        reasons.append("did_not_sit")
    elif final_score is None:
        reasons.append("no_score")
    elif final_score < Decimal(certification.pass_mark):
        reasons.append("score_below")
    if attendance_pct is None:
        reasons.append("no_attendance")
    elif attendance_pct < Decimal(certification.min_attendance):
        reasons.append("attendance_below")
    return not reasons, reasons


@dataclass
class Outcome:
    """What completing will decide for one enrolled trainee."""
    enrollment: Enrollment
    attendance_pct: Decimal | None
    passes: bool
    reasons: list[str]

    @property
    def missing_score(self) -> bool:
        return "no_score" in self.reasons


@dataclass
class CompletionPreview:
    cohort: Cohort
    rows: list[Outcome] = field(default_factory=list)

    @property
    def passing(self) -> list[Outcome]:
        return [r for r in self.rows if r.passes]

    @property
    def failing(self) -> list[Outcome]:
        return [r for r in self.rows if not r.passes]

    @property
    def missing(self) -> list[Outcome]:
        return [r for r in self.rows if r.missing_score]


def _preview(cohort: Cohort, did_not_sit: set[int] = frozenset()) -> CompletionPreview:
    pct = attendance_percentages(cohort.id)
    cert = cohort.course.certification
    preview = CompletionPreview(cohort)
    for enrollment in roster(cohort.id):
        if enrollment.status != EnrollmentStatus.ENROLLED:
            continue
        attendance = pct.get(enrollment.id)
        marked = enrollment.id in did_not_sit and enrollment.final_score is None
        passes, reasons = evaluate(cert, enrollment.final_score, attendance, marked)
        preview.rows.append(Outcome(enrollment, attendance, passes, reasons))
    return preview


def completion_preview(actor: Actor, cohort_id: int) -> CompletionPreview:
    """Who passes and who does not (and why) if the cohort were completed now. Reads only."""
    cohort = get_cohort(actor, cohort_id, P.COHORTS_READ)
    return _preview(cohort)


def _did_not_sit_ids(values: Iterable[Any] | None, enrollments: Mapping[int, Enrollment]) -> set[int]:
    """The enrollments marked "did not sit the assessment": enrolled here and without a score."""
    ids: set[int] = set()
    errors: dict[str, str] = {}
    for value in values or ():
        eid = as_id(value)
        if eid is None or eid not in enrollments:
            errors["did_not_sit"] = str(_l("Unknown trainee."))
            continue
        if enrollments[eid].final_score is not None:
            errors[f"enrollments[{eid}]"] = str(_l("This trainee has a score; only a trainee without a score "
                                                   "can be marked as not having sat the assessment."))
            continue
        ids.add(eid)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    return ids


def complete_cohort(actor: Actor, cohort_id: int, *, override_reason: str | None = None,
                    version: Any = None, today: date | None = None, did_not_sit: Iterable[Any] | None = None):
    """Complete a running cohort: each enrolled trainee becomes ``completed`` when the final score
    reaches the certification's pass mark and attendance its minimum, otherwise ``failed``
    (no certification: completed). The waiting list is closed (withdrawn). Before the end date an
    override reason is required.

    With a certification, every enrolled trainee needs a final score: a trainee without one must
    be listed in ``did_not_sit`` ("did not sit the assessment": failed for that reason) or be
    withdrawn first; otherwise nothing changes and :class:`MissingScores` names them.
    Completed enrollments are handed to certification
    (the ``talent.signals.cohort_completed`` signal: ``talent.credentials``). Returns the cohort."""
    cohort = get_cohort(actor, cohort_id, P.COHORTS_WRITE, lock=True)
    check_version(cohort, version)
    _check_transition(cohort, CohortStatus.COMPLETED)
    today = today or clock.today()
    reason = _reason(override_reason)
    if today < cohort.end_date and not reason:
        raise ValidationError(
            _l("The cohort ends on %(date)s. Completing it earlier needs a reason.", date=cohort.end_date.isoformat()),
            fields={"reason": str(_l("Give the reason for completing before the end date."))})
    cert = cohort.course.certification
    enrollments = {e.id: e for e in db.session.scalars(select(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))}
    not_sat = _did_not_sit_ids(did_not_sit, enrollments)
    missing = sorted(eid for eid, e in enrollments.items() if e.final_score is None and eid not in not_sat)
    if cert is not None and missing:
        raise MissingScores(
            _l("Trainees without a final score: %(n)d. Enter their scores, mark those who did not sit the "
               "assessment, or withdraw them; then complete the cohort.", n=len(missing)),
            fields={f"enrollments[{eid}]": str(_l("No final score.")) for eid in missing})
    _recompute_attendance(cohort.id)
    now = utcnow()
    outcome = {"completed": 0, "failed": 0}
    for enrollment in sorted(enrollments.values(), key=lambda e: e.id):
        enrollment.did_not_sit = enrollment.id in not_sat
        passed, _why = evaluate(cert, enrollment.final_score, enrollment.attendance_pct, enrollment.did_not_sit)
        enrollment.status = EnrollmentStatus.COMPLETED if passed else EnrollmentStatus.FAILED
        enrollment.completed_at = now
        outcome[enrollment.status] += 1
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.cohort_id == cohort.id, Enrollment.status.in_((EnrollmentStatus.APPLIED, EnrollmentStatus.WAITLISTED)))
        .values(status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now, withdrawal_reason=str(_l("Cohort completed"))),
        execution_options={"synchronize_session": False})
    cohort.status = CohortStatus.COMPLETED
    cohort.completed_at = now
    cohort.completion_override_reason = reason if today < cohort.end_date else None
    cohort.version += 1
    db.session.flush()
    audit.record(actor, "cohort.complete", "cohort", cohort.id, center_id=cohort.center_id,
                 details={**outcome, **({"did_not_sit": sorted(not_sat)} if not_sat else {}),
                          **({"override_reason": reason} if cohort.completion_override_reason else {})})
    # credentials issues the awards; the report summary recounts the cohort (bulk updates above)
    signals.cohort_completed.send(actor, cohort=cohort)
    return cohort


# ---- corrections after completion -----------------------------------------------------------

def correction_days() -> int:
    """How many days after completion a result may be corrected (``TALENT_CORRECTION_DAYS``)."""
    from flask import current_app
    return int(current_app.config.get("CORRECTION_DAYS", 30))


def correction_deadline(cohort: Cohort) -> date | None:
    """The last day (centers' time zone) a completed cohort's results may be corrected."""
    if cohort.status != CohortStatus.COMPLETED or cohort.completed_at is None:
        return None
    return clock.local_date(cohort.completed_at) + timedelta(days=correction_days())


def correct_result(actor: Actor, enrollment_id: int, *, reason: Any, final_score: Any = None,
                   attendance_pct: Any = None, today: date | None = None) -> ResultCorrection:
    """Amend the final score and/or the attendance % of a completed cohort's trainee, with a reason,
    up to :func:`correction_days` after completion. The result is evaluated again (completed ↔
    failed); an award is then issued (idempotent) or revoked with the correction as its reason.
    Empty values are left as they were. The old and new values are kept (shown to the trainee)
    and audited."""
    enrollment = get_enrollment(actor, enrollment_id, P.COHORTS_WRITE)
    cohort = _lock(enrollment.cohort_id)
    db.session.refresh(enrollment)
    if cohort.status != CohortStatus.COMPLETED or enrollment.status not in (EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED):
        raise InvalidTransition(_l("Only the results of a completed cohort are corrected; "
                                   "before completion, change them on the scores and attendance pages."))
    deadline = correction_deadline(cohort)
    if (today or clock.today()) > deadline:
        raise InvalidTransition(_l("Results can be corrected for %(n)d days after completion; "
                                   "the last day was %(date)s.", n=correction_days(), date=deadline.isoformat()))
    errors: dict[str, str] = {}
    values: dict[str, Decimal | None] = {}
    for name, raw in (("final_score", final_score), ("attendance_pct", attendance_pct)):
        try:
            values[name] = parse_score(raw)
        except ValueError as error:
            errors[name] = str(error)
    try:
        reason = _reason(reason, required=True, message=_l("Give the reason for the correction."))
    except ValidationError as error:
        errors.update(error.fields)
    new_score = values.get("final_score") if values.get("final_score") is not None else enrollment.final_score
    new_att = values.get("attendance_pct") if values.get("attendance_pct") is not None else enrollment.attendance_pct
    if not errors and (new_score, new_att) == (enrollment.final_score, enrollment.attendance_pct):
        errors["final_score"] = str(_l("Enter a new score or a new attendance."))
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    old = {"final_score": enrollment.final_score, "attendance_pct": enrollment.attendance_pct,
           "status": enrollment.status, "did_not_sit": enrollment.did_not_sit}
    if new_score is not None:
        enrollment.did_not_sit = False  # a score exists now
    passed, why = evaluate(cohort.course.certification, new_score, new_att, enrollment.did_not_sit)
    enrollment.final_score = new_score
    enrollment.attendance_pct = new_att
    enrollment.status = EnrollmentStatus.COMPLETED if passed else EnrollmentStatus.FAILED
    correction = ResultCorrection(enrollment_id=enrollment.id, corrected_by_id=actor.user_id, reason=reason,
                                  old_score=old["final_score"], new_score=new_score,
                                  old_attendance=old["attendance_pct"], new_attendance=new_att,
                                  old_status=old["status"], new_status=enrollment.status)
    db.session.add(correction)
    db.session.flush()

    def plain(value):
        return None if value is None else str(value)
    awards = signals.merged(signals.result_corrected.send(actor, enrollment=enrollment, reason=reason))
    audit.record(actor, "enrollment.correct", "enrollment", enrollment.id, trainee_id=enrollment.trainee_id,
                 center_id=cohort.center_id,
                 details={"cohort_id": cohort.id, "reason": reason, "correction_id": correction.id,
                          "old": {k: plain(v) if k != "did_not_sit" else v for k, v in old.items()},
                          "new": {"final_score": plain(new_score), "attendance_pct": plain(new_att),
                                  "status": enrollment.status, "did_not_sit": enrollment.did_not_sit},
                          "fail_reasons": why, **awards})
    return correction


def corrections_of(enrollment_ids: Iterable[int]) -> dict[int, list[ResultCorrection]]:
    """The corrections of these enrollments, oldest first (one query)."""
    ids = sorted(set(enrollment_ids))
    result: dict[int, list[ResultCorrection]] = {}
    if not ids:
        return result
    for row in db.session.scalars(select(ResultCorrection).where(ResultCorrection.enrollment_id.in_(ids))
                                  .order_by(ResultCorrection.corrected_at, ResultCorrection.id)):
        result.setdefault(row.enrollment_id, []).append(row)
    return result


def view_roster(actor: Actor, cohort: Cohort) -> list[Enrollment]:
    """The roster of a cohort for staff; a view of trainees' personal data, so audited."""
    require(actor, P.TRAINEES_READ, cohort.center_id)
    rows = roster(cohort.id)
    audit.record(actor, "cohort.roster_view", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"trainees": len(rows)}, trainee_ids=[row.trainee_id for row in rows])
    return rows


# ---- trainee-facing helper ---------------------------------------------------------------------

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
