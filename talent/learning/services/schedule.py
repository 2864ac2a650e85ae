"""A cohort's sessions: one at a time, a weekly series, deleting one.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any, Iterable

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from talent import audit
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.learning.models import Attendance, CohortSession, CohortStatus
from talent.permissions import Actor, P
from talent.validation import as_id
from talent.learning.services.common import (FIX_FIELDS, as_int, check_version, clean_reason, get_cohort,
                                             local_zone, recompute_attendance)


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
        parsed = parsed.replace(tzinfo=local_zone())
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
        topic = clean_reason(topic, "topic", max_length=200)
    except ValidationError as error:
        errors.update(error.fields)
    if start and end and end <= start:
        errors["ends_at"] = str(_l("The end is not after the start."))
    if start and not (cohort.start_date <= start.astimezone(local_zone()).date() <= cohort.end_date):
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
    minutes = as_int(duration_minutes, "duration_minutes", errors, 15, 12 * 60)
    try:
        topic = clean_reason(topic, "topic", max_length=200)
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    zone = local_zone()
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
    recompute_attendance(cohort.id)
    audit.record(actor, "session.delete", "cohort_session", session_id, center_id=cohort.center_id,
                 details={"cohort_id": cohort.id})
