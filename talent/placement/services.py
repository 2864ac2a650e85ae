"""Placements (jobs) and the follow-up of completers: the only code that writes them.

Staff (center administrators for trainees of their centers, admins for everyone) record jobs,
end them, and verify or reject jobs a trainee reported; trainees report, update and end their own
jobs from the portal (``report_own_job`` / ``update_own_job`` / ``end_own_job``). A job found by a
center is verified at once; a self-reported one waits as ``pending`` until a center verifies it.

Job fields (keyword arguments, plain values or their text form as a form or JSON body gives them):

``employer_name`` (required), ``country_code`` (ISO alpha-2, required), ``sector_id``,
``occupation_code`` (ISCO-08), ``job_title`` (required), ``employment_type`` (one of
``EMPLOYMENT_TYPES``, required), ``remote`` (bool), ``start_date`` (required), ``end_date``,
``monthly_pay_azn`` (AZN, optional), ``employer_city``.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from talent import audit
from talent.catalog.models import Occupation, Sector
from talent.db import utcnow
from talent.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.geo.models import Country
from talent.learning.models import Cohort, Enrollment
from talent.learning.scoping import SCOPE_STATUSES
from talent.people.models import Trainee
from talent.loading import load
from talent.permissions import Actor, P, may_see_trainee, require, require_trainee
from talent.placement.markets import current_regional_countries, market_for
from talent.placement.models import EMPLOYMENT_TYPES, FOLLOWUP_OUTCOMES, Employer, FollowUp, Placement
from talent.placement.scoping import deciding_centers, owns_placement, require_placement
from talent import clock
from talent.clock import add_months
from talent.learning.models import EnrollmentStatus
from talent.placement.models import PlacementStatus

JOB_FIELDS = ("employer_name", "country_code", "sector_id", "occupation_code", "job_title",
              "employment_type", "remote", "start_date", "end_date", "monthly_pay_azn", "employer_city")
REQUIRED = ("employer_name", "country_code", "job_title", "employment_type", "start_date")
MILESTONES = (3, 6)
MAX_PAY = Decimal("1000000")
EARLIEST_START = date(1990, 1, 1)
CHECK_MESSAGE = _l("Please correct the marked fields.")


# ---- parsing and validation ----------------------------------------------------------------

def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value is not None else ""


def _parse_date(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(text)


def _parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if value is None:
        return False
    return str(value).strip().lower() in {"1", "true", "yes", "y", "on"}


def clean_job_fields(fields: dict[str, Any], *, partial: bool = False,
                     current: Placement | None = None) -> dict[str, Any]:
    """Check and convert job fields; raises ValidationError naming every bad field.

    With ``partial`` only the given fields are checked (the others come from ``current``)."""
    unknown = sorted(set(fields) - set(JOB_FIELDS))
    errors: dict[str, str] = {name: str(_l("Unknown field.")) for name in unknown}
    out: dict[str, Any] = {}
    required = _l("This field is required.")

    def given(name: str) -> bool:
        return not partial or name in fields

    if given("employer_name"):
        name = _text(fields.get("employer_name"))
        if not name:
            errors["employer_name"] = str(required)
        elif len(name) > 200:
            errors["employer_name"] = str(_l("At most %(n)d characters.", n=200))
        out["employer_name"] = name
    if given("employer_city"):
        city = _text(fields.get("employer_city")) or None
        if city and len(city) > 120:
            errors["employer_city"] = str(_l("At most %(n)d characters.", n=120))
        out["employer_city"] = city
    if given("country_code"):
        code = _text(fields.get("country_code")).upper()
        if not code:
            errors["country_code"] = str(required)
        elif len(code) != 2 or db.session.get(Country, code) is None:
            errors["country_code"] = str(_l("Choose a country from the list."))
        out["country_code"] = code
    if given("sector_id"):
        raw = fields.get("sector_id")
        sector_id = None
        if raw not in (None, "", 0, "0"):
            try:
                sector_id = int(raw)
            except (TypeError, ValueError):
                sector_id = -1
            sector = db.session.get(Sector, sector_id) if sector_id > 0 else None
            if sector is None or not sector.active:
                errors["sector_id"] = str(_l("Choose a sector from the list."))
        out["sector_id"] = sector_id
    if given("occupation_code"):
        occ = _text(fields.get("occupation_code")) or None
        if occ and (len(occ) > 4 or db.session.get(Occupation, occ) is None):
            errors["occupation_code"] = str(_l("Choose an ISCO-08 occupation from the list."))
        out["occupation_code"] = occ
    if given("job_title"):
        title = _text(fields.get("job_title"))
        if not title:
            errors["job_title"] = str(required)
        elif len(title) > 200:
            errors["job_title"] = str(_l("At most %(n)d characters.", n=200))
        out["job_title"] = title
    if given("employment_type"):
        kind = _text(fields.get("employment_type")).lower()
        if kind not in EMPLOYMENT_TYPES:
            errors["employment_type"] = str(_l("Choose an employment type from the list."))
        out["employment_type"] = kind
    if given("remote"):
        out["remote"] = _parse_bool(fields.get("remote"))
    today = clock.today()
    for name in ("start_date", "end_date"):
        if given(name):
            try:
                out[name] = _parse_date(fields.get(name))
            except ValueError:
                errors[name] = str(_l("Enter a date as YYYY-MM-DD."))
                out[name] = None
                continue
            if name == "start_date" and out[name] is None:
                errors[name] = str(required)
    start = out.get("start_date", current.start_date if current else None)
    end = out.get("end_date", current.end_date if current else None)
    if "start_date" not in errors and start is not None:
        if start < EARLIEST_START:
            errors["start_date"] = str(_l("The date is too far in the past."))
        elif start > today + timedelta(days=366):
            errors["start_date"] = str(_l("The start date is more than a year ahead."))
    if "end_date" not in errors and end is not None:
        if end > today:
            errors["end_date"] = str(_l("The end date cannot be in the future."))
        elif start is not None and end < start:
            errors["end_date"] = str(_l("The end date is before the start date."))
    if given("monthly_pay_azn"):
        raw = fields.get("monthly_pay_azn")
        pay = None
        if raw not in (None, ""):
            try:
                pay = Decimal(str(raw).replace(" ", "").replace(",", "."))
                if not pay.is_finite():
                    raise InvalidOperation
            except (InvalidOperation, ValueError):
                errors["monthly_pay_azn"] = str(_l("Enter an amount in AZN, e.g. 1500 or 1500.50."))
                pay = None
            else:
                if pay < 0 or pay > MAX_PAY:
                    errors["monthly_pay_azn"] = str(_l("Enter an amount between 0 and 1,000,000 AZN."))
                elif pay != pay.quantize(Decimal("0.01")):
                    errors["monthly_pay_azn"] = str(_l("At most two decimal places."))
        out["monthly_pay_azn"] = pay
    if errors:
        raise ValidationError(CHECK_MESSAGE, fields=errors)
    return out


def existing_employer(name: str, country_code: str) -> Employer | None:
    name = _text(name)
    employer = db.session.scalars(
        select(Employer).where(Employer.country_code == country_code,
                               func.lower(Employer.name) == name.lower()).order_by(Employer.id)).first()
    if employer is None:
        employer = db.session.scalar(select(Employer).where(Employer.country_code == country_code,
                                                            Employer.name == name))
    return employer


def find_or_create_employer(actor: Actor, name: str, country_code: str, *, sector_id: int | None = None,
                            city: str | None = None) -> Employer:
    """The employer with this name (case-insensitive, spaces collapsed) in this country, or a new one."""
    name = _text(name)
    employer = existing_employer(name, country_code)
    if employer is not None:
        return employer
    employer = Employer(name=name, country_code=country_code, sector_id=sector_id, city=city)
    db.session.add(employer)
    db.session.flush()
    audit.record(actor, "employer.create", "employer", employer.id,
                 details={"name": name, "country": country_code})
    return employer


def apply_job_values(actor: Actor, placement: Placement, values: dict[str, Any]) -> dict[str, Any]:
    """Put cleaned values on a placement; returns what changed (for the audit trail)."""
    changes: dict[str, Any] = {}
    if "employer_name" in values or "country_code" in values:
        name = values.get("employer_name", placement.employer.name if placement.employer_id else "")
        country = values.get("country_code", placement.employer.country_code if placement.employer_id else "")
        employer = find_or_create_employer(actor, name, country, sector_id=values.get("sector_id"),
                                           city=values.get("employer_city"))
        if employer.id != placement.employer_id:
            placement.employer = employer
            placement.employer_id = employer.id
            changes["employer_id"] = employer.id
    for name in ("sector_id", "occupation_code", "job_title", "employment_type", "remote", "start_date",
                 "end_date", "monthly_pay_azn"):
        if name in values and getattr(placement, name) != values[name]:
            setattr(placement, name, values[name])
            value = values[name]
            changes[name] = value.isoformat() if isinstance(value, date) else (
                str(value) if isinstance(value, Decimal) else value)
    return changes


def placement_market(placement: Placement) -> str | None:
    return market_for(placement.employer.country_code if placement.employer else None,
                      current_regional_countries())


def _trainee_center(trainee_id: int, actor: Actor | None = None) -> int | None:
    """The center responsible for a trainee's job: the center of their latest completed (else
    latest) enrollment within the actor's centers, else the registering center."""
    stmt = (select(Cohort.center_id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
            .where(Enrollment.trainee_id == trainee_id, Enrollment.status.in_(SCOPE_STATUSES))
            .order_by((Enrollment.status == EnrollmentStatus.COMPLETED).desc(), Cohort.end_date.desc(), Enrollment.id.desc()))
    if actor is not None and actor.center_ids is not None:
        stmt = stmt.where(Cohort.center_id.in_(sorted(actor.center_ids) or [-1]))
    center_id = db.session.scalars(stmt.limit(1)).first()
    if center_id is None:
        registered = db.session.scalar(select(Trainee.registered_by_center_id).where(Trainee.id == trainee_id))
        if registered is not None and (actor is None or actor.covers_center(registered)):
            center_id = registered
    return center_id


# ---- staff ---------------------------------------------------------------------------------

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
                     followup_milestone: int | None = None, **fields) -> Placement:
    """A center records a job it found for a trainee of its centers (verified at once).

    With ``followup_enrollment_id``/``followup_milestone`` the 3- or 6-month follow-up of that
    enrollment is recorded as ``employed`` in the same step."""
    require(actor, P.PLACEMENTS_WRITE)
    if db.session.get(Trainee, trainee_id) is None:
        raise NotFound(_l("Not found."))
    require_trainee(actor, trainee_id)
    values = clean_job_fields(fields)
    placement = Placement(trainee_id=trainee_id, source="center", verification=PlacementStatus.VERIFIED,
                          verified_by_id=actor.user_id, verified_at=utcnow(),
                          center_id=_trainee_center(trainee_id, actor), created_by_id=actor.user_id)
    apply_job_values(actor, placement, values)
    db.session.add(placement)
    db.session.flush()
    audit.record(actor, "placement.create", "placement", placement.id, trainee_id=trainee_id,
                 center_id=placement.center_id,
                 details={"source": "center", "employer_id": placement.employer_id,
                          "market": placement_market(placement)})
    if followup_enrollment_id is not None:
        record_followup(actor, followup_enrollment_id, followup_milestone or 0, "employed")
    return placement


def update_placement(actor: Actor, placement_id: int, **fields) -> Placement:
    placement = get_owned_placement(actor, placement_id)
    values = clean_job_fields(fields, partial=True, current=placement)
    changes = apply_job_values(actor, placement, values)
    db.session.flush()
    audit.record(actor, "placement.update", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"changes": sorted(changes)})
    return placement


def _end(actor: Actor, placement: Placement, end_date: Any, action: str) -> Placement:
    if placement.end_date is not None:
        raise InvalidTransition(_l("This job has already ended."))
    values = clean_job_fields({"end_date": end_date}, partial=True, current=placement)
    if values.get("end_date") is None:
        raise ValidationError(CHECK_MESSAGE, fields={"end_date": str(_l("This field is required."))})
    placement.end_date = values["end_date"]
    db.session.flush()
    audit.record(actor, action, "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"end_date": placement.end_date.isoformat()})
    return placement


def end_placement(actor: Actor, placement_id: int, end_date: Any) -> Placement:
    placement = get_owned_placement(actor, placement_id)
    return _end(actor, placement, end_date, "placement.end")


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
    reason = _text(reason)
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


# ---- trainee self-service ------------------------------------------------------------------

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
                          center_id=_trainee_center(trainee_id), created_by_id=actor.user_id)
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
    return _end(actor, placement, end_date, "placement.end")


# ---- follow-up -----------------------------------------------------------------------------

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
    outcome = _text(outcome).lower()
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


# ---- audit of staff views of personal data -------------------------------------------------

def audit_personal_view(actor: Actor, action: str, trainee_ids, *, entity_type: str = "trainee",
                        details: dict[str, Any] | None = None) -> None:
    """Record that staff saw personal data (names, contacts) of these trainees: one event per
    trainee, so each can later see who looked at their record."""
    if not actor.is_staff:
        return
    for trainee_id in sorted(set(int(t) for t in trainee_ids)):
        audit.record(actor, action, entity_type, trainee_id, trainee_id=trainee_id, details=details)
