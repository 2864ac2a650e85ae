"""What the learning services share: the statuses' rules, loading and locking a cohort or an
enrollment, reasons, the form version check, integer parsing, the local time zone and the
attendance recount.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from talent.errors import Conflict, InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment, CohortStatus, EnrollmentStatus
from talent.learning.queries import attendance_percentages
from talent.loading import load
from talent.permissions import Actor, P
from talent.validation import FieldError, clean_free_text, parse_int


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


def get_cohort(actor: Actor, cohort_id: int, perm: P = P.COHORTS_READ, *, lock: bool = False) -> Cohort:
    """A cohort of the actor's centers, or NotFound (another center's cohort is not revealed).
    With ``lock`` the row is locked for the rest of the transaction (PostgreSQL)."""
    return load(actor, Cohort, cohort_id, perm, lock=lock)


def lock_cohort(cohort_id: int) -> Cohort:
    stmt = (select(Cohort).where(Cohort.id == cohort_id).with_for_update(of=Cohort)
            .execution_options(populate_existing=True))
    cohort = db.session.scalar(stmt)
    if cohort is None:
        raise NotFound(_l("Not found."))
    return cohort


def get_enrollment(actor: Actor, enrollment_id: int, perm: P = P.COHORTS_READ) -> Enrollment:
    return load(actor, Enrollment, enrollment_id, perm, center=lambda e: e.cohort.center_id)


def clean_reason(value: Any, name: str = "reason", *, required: bool = False, message=None,
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


def as_int(value: Any, name: str, errors: dict[str, str], minimum: int | None = None,
            maximum: int | None = None) -> int | None:
    number = parse_int(value)
    if number is None:
        errors[name] = str(_l("Enter a whole number.")) if value not in (None, "") else str(_l("This field is required."))
        return None
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        errors[name] = str(_l("Enter a number from %(min)d to %(max)d.", min=minimum or 0, max=maximum or 0))
        return None
    return number


def check_transition(cohort: Cohort, target: str) -> None:
    if target not in TRANSITIONS:
        raise ValidationError(FIX_FIELDS, fields={"status": str(_l("Unknown status."))})
    if target not in TRANSITIONS[cohort.status]:
        raise InvalidTransition(_l("A %(status)s cohort cannot become %(target)s.",
                                   status=cohort.status, target=target))


def local_zone():
    """Times typed into forms are wall-clock times at the centers (the configured zone)."""
    from zoneinfo import ZoneInfo

    from flask import current_app
    try:
        return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE") or "Asia/Baku")
    except Exception:  # an unknown zone name: fall back to Baku
        return ZoneInfo("Asia/Baku")


def recompute_attendance(cohort_id: int) -> None:
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
