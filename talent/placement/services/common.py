"""What the placement services share: parsing and validating a job's fields, employers, the
market of a placement, the center responsible for a trainee's job, and ending a job.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from talent import audit, clock
from talent.catalog.models import Occupation, Sector
from talent.errors import InvalidTransition, ValidationError
from talent.extensions import db
from talent.geo.models import Country
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.learning.scoping import SCOPE_STATUSES
from talent.people.models import Trainee
from talent.permissions import Actor
from talent.placement.markets import current_regional_countries, market_for
from talent.placement.models import EMPLOYMENT_TYPES, Employer, EmployerConfirmation, Placement, Vacancy
from talent.validation import MAX_ID, parse_int


JOB_FIELDS = ("employer_name", "country_code", "sector_id", "occupation_code", "job_title",
              "employment_type", "remote", "start_date", "end_date", "monthly_pay_azn", "employer_city")


REQUIRED = ("employer_name", "country_code", "job_title", "employment_type", "start_date")


MILESTONES = (3, 6)


MAX_PAY = Decimal("1000000")


EARLIEST_START = date(1990, 1, 1)


CHECK_MESSAGE = _l("Please correct the marked fields.")


def clean_text(value: Any) -> str:
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
        name = clean_text(fields.get("employer_name"))
        if not name:
            errors["employer_name"] = str(required)
        elif len(name) > 200:
            errors["employer_name"] = str(_l("At most %(n)d characters.", n=200))
        out["employer_name"] = name
    if given("employer_city"):
        city = clean_text(fields.get("employer_city")) or None
        if city and len(city) > 120:
            errors["employer_city"] = str(_l("At most %(n)d characters.", n=120))
        out["employer_city"] = city
    if given("country_code"):
        code = clean_text(fields.get("country_code")).upper()
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
        occ = clean_text(fields.get("occupation_code")) or None
        if occ and (len(occ) > 4 or db.session.get(Occupation, occ) is None):
            errors["occupation_code"] = str(_l("Choose an ISCO-08 occupation from the list."))
        out["occupation_code"] = occ
    if given("job_title"):
        title = clean_text(fields.get("job_title"))
        if not title:
            errors["job_title"] = str(required)
        elif len(title) > 200:
            errors["job_title"] = str(_l("At most %(n)d characters.", n=200))
        out["job_title"] = title
    if given("employment_type"):
        kind = clean_text(fields.get("employment_type")).lower()
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
    name = clean_text(name)
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
    name = clean_text(name)
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
    if changes:
        changes.update(ask_employer_again(placement))
    return changes


VACANCY_MESSAGE = _l("Choose one of this employer's vacancies, or none.")


def apply_vacancy(placement: Placement, raw: Any, *, given: bool = True) -> dict[str, Any]:
    """Link a job to the vacancy posted here that it filled (``vacancy_id``; empty: none). Only a
    vacancy of the job's own employer: anything else is a ValidationError on ``vacancy_id``. With
    ``given`` False (a partial update that did not name it) the link stays, and is checked against
    the job's employer, which may have changed. Returns the change for the audit trail."""
    if not given:
        raw = placement.vacancy_id
    vacancy_id = None
    if raw is not None and str(raw).strip() != "":
        vacancy_id = parse_int(raw)
        if vacancy_id is None:
            raise ValidationError(CHECK_MESSAGE, fields={"vacancy_id": str(VACANCY_MESSAGE)})
        vacancy = db.session.get(Vacancy, vacancy_id) if 1 <= vacancy_id <= MAX_ID else None
        if vacancy is None or vacancy.employer_id != placement.employer_id:
            raise ValidationError(CHECK_MESSAGE, fields={"vacancy_id": str(VACANCY_MESSAGE)})
    if vacancy_id == placement.vacancy_id:
        return {}
    placement.vacancy_id = vacancy_id
    return {"vacancy_id": vacancy_id}


def ask_employer_again(placement: Placement) -> dict[str, str]:
    """A job's facts changed after its employer answered (talent/placement/services/employer.py):
    the answer was about other facts, so the job waits for the employer again. Returns the change
    for the audit trail (empty if none)."""
    if placement.id is None or placement.employer_confirmation in (None, EmployerConfirmation.PENDING):
        return {}
    placement.employer_confirmation = EmployerConfirmation.PENDING
    placement.employer_confirmed_by_id = None
    placement.employer_confirmed_at = None
    placement.employer_decline_reason = None
    return {"employer_confirmation": EmployerConfirmation.PENDING.value}


def parse_date(value: Any) -> date | None:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (or a date) → date; empty → None; else ValueError."""
    return _parse_date(value)


def placement_market(placement: Placement) -> str | None:
    return market_for(placement.employer.country_code if placement.employer else None,
                      current_regional_countries())


def responsible_center(trainee_id: int, actor: Actor | None = None) -> int | None:
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


def end_job(actor: Actor, placement: Placement, end_date: Any, action: str) -> Placement:
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
