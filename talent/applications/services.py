"""Applications: apply (public, no sign-in), the private status link, and the center's review
(list, accept → the identity rule then enrollment or the waiting list, reject with a reason).
The only code that writes applications.

Rules enforced here:
- only an ``open`` or ``planned`` cohort whose start date is in the future takes applications;
- the answer to an applicant never depends on whether their FIN is known (no existence oracle):
  the same checks, the same message, the same status code for a known and an unknown person —
  records are only looked up when the center accepts;
- one FIN applies once to one cohort while that application is submitted or accepted; a second
  one is refused politely with a message that tells nothing the applicant did not type;
- a honeypot field filled in (a robot) gets the same success answer and nothing is written;
- the course's eligibility rules (``talent.applications.eligibility``): education level and age
  when applying, an earlier certification when accepting;
- accepting applies DESIGN §3's identity rule: FIN **and** birth date match a trainee → that
  trainee; a FIN that is registered with another birth date → refused for review (never attached
  to another person); otherwise a new trainee registered by the cohort's center. The seat comes
  from ``talent.learning.services.enroll_by_fin`` (its capacity rule, cohort row locked);
- only staff of the cohort's center review (``P.APPLICATIONS_REVIEW``; another center's
  application is a 404).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from talent import audit, clock, signals
from talent.applications.consent import CONSENT_VERSION
from talent.applications.eligibility import applicant_refusal, missing_certification
from talent.applications.models import APPLICATION_STATUSES, LANGUAGES, Application, ApplicationStatus
from talent.centers.queries import Page, paginate_rows
from talent.db import utcnow
from talent.errors import Conflict, DomainError, Duplicate, InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.learning import services as learning
from talent.learning.models import Cohort, CohortStatus
from talent.people import services as people
from talent.people.models import Trainee
from talent.people.validation import FieldError, clean_trainee
from talent.permissions import Actor, P, require, scope_centers
from talent.validation import as_id, clean_free_text

FIX_FIELDS = _l("Please correct the marked fields.")
OPEN_FOR_APPLICATIONS = (CohortStatus.OPEN, CohortStatus.PLANNED)
ALREADY_APPLIED = _l("An application with this FIN for this cohort has already been received. Use the private "
                     "link you were given to follow it; you do not need to apply again.")
NOT_OPEN = _l("This cohort does not take applications (any more).")
ANOTHER_BIRTH_DATE = _l("A trainee with this FIN is registered with another birth date. Check the applicant's "
                        "ID card; the application was not accepted.")
MAX_BULK = 200
SORTS = {"created": (Application.created_at, Application.id), "-created": (Application.created_at.desc(),
                                                                           Application.id.desc()),
         "name": (Application.last_name, Application.first_name, Application.id),
         "status": (Application.status, Application.created_at, Application.id)}


def applicant_actor(ip: str | None, channel: str = "web") -> Actor:
    """Who acts when a person applies: nobody signed in."""
    return Actor(user_id=None, label="applicant", role="anonymous", ip=ip, channel=channel)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class Submitted:
    """What an applicant is told: the private status token (the only way back to the application)."""
    token: str
    application: Application | None


def public_cohort(cohort_id: Any) -> Cohort:
    """The cohort an applicant asks about (any status: the page says when it takes no applications)."""
    cohort_id = as_id(cohort_id)
    cohort = db.session.get(Cohort, cohort_id) if cohort_id else None
    if cohort is None:
        raise NotFound(_l("Not found."))
    return cohort


def takes_applications(cohort: Cohort) -> bool:
    return cohort.status in OPEN_FOR_APPLICATIONS and cohort.start_date > clock.today()


def _clean(data: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    raw = {name: data.get(name) for name in ("fin", "first_name", "last_name", "patronymic", "birth_date",
                                             "gender", "email", "phone", "home_region", "education_level")}
    raw["home_region"] = _region_value(data)
    values, errors = clean_trainee(raw, people.region_index())
    values.pop("search_name", None)
    if not errors.get("email") and not errors.get("phone") and not values.get("email") and not values.get("phone"):
        errors["phone"] = str(_l("Give a phone number or an email address so the center can reach you."))
    consent = data.get("consent")
    if consent not in (True, "y", "yes", "on", "true", "1", 1):
        errors["consent"] = str(_l("Your consent is needed to process the application."))
    return values, errors


def _region_value(data: Mapping[str, Any]) -> Any:
    """The form sends ``home_region_id`` (a select), the API ``home_region`` (a code or a name)."""
    value = data.get("home_region")
    if value in (None, "") and data.get("home_region_id") not in (None, ""):
        region_id = as_id(data["home_region_id"])
        region = db.session.get(Region, region_id) if region_id else None
        return region.code if region else "?"
    return value


def submit(data: Mapping[str, Any], *, cohort_id: Any, language: str = "az", ip: str | None = None,
           channel: str = "web") -> Submitted:
    """Apply for a seat in a cohort. Raises ValidationError (field messages), NotFound (no such
    cohort) or Duplicate (already applied); returns the private status token."""
    cohort = public_cohort(cohort_id)
    if data.get("website"):   # the honeypot: a robot filled in the field people never see
        return Submitted(token=secrets.token_urlsafe(24), application=None)
    if not takes_applications(cohort):
        raise ValidationError(NOT_OPEN, fields={"cohort": str(NOT_OPEN)})
    values, errors = _clean(data)
    if not errors:
        refusal = applicant_refusal(cohort.course, cohort.start_date, birth_date=values["birth_date"],
                                    education_level=values.get("education_level"))
        if refusal is not None:
            errors[refusal[0]] = str(refusal[1])
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    if db.session.scalar(select(Application.id).where(
            Application.cohort_id == cohort.id, Application.fin == values["fin"],
            Application.status.in_((ApplicationStatus.SUBMITTED, ApplicationStatus.ACCEPTED))).limit(1)):
        raise Duplicate(ALREADY_APPLIED, fields={"fin": str(ALREADY_APPLIED)})
    token = secrets.token_urlsafe(24)
    application = Application(cohort_id=cohort.id, language=language if language in LANGUAGES else "az",
                              consent_version=CONSENT_VERSION, consent_at=utcnow(),
                              status=ApplicationStatus.SUBMITTED, token_hash=hash_token(token), **values)
    db.session.add(application)
    db.session.flush()
    actor = applicant_actor(ip, channel)
    audit.record(actor, "application.submit", "application", application.id, center_id=cohort.center_id,
                 details={"cohort_id": cohort.id})
    signals.application_changed.send(actor, application=application, event="received", token=token)
    return Submitted(token=token, application=application)


def by_token(token: Any) -> Application:
    """The application behind a private status link, or NotFound."""
    if not isinstance(token, str) or not 20 <= len(token) <= 64 or not token.isascii():
        raise NotFound(_l("This link is not valid."))
    application = db.session.scalar(select(Application).where(Application.token_hash == hash_token(token)))
    if application is None:
        raise NotFound(_l("This link is not valid."))
    return application


def withdraw(token: Any, *, ip: str | None = None, channel: str = "web") -> Application:
    """The applicant withdraws a submitted application through its private link."""
    application = by_token(token)
    locked = db.session.scalar(select(Application).where(Application.id == application.id)
                               .with_for_update(of=Application).execution_options(populate_existing=True))
    if locked.status != ApplicationStatus.SUBMITTED:
        raise InvalidTransition(_l("Only an application waiting for review can be withdrawn."))
    locked.status = ApplicationStatus.WITHDRAWN
    locked.decided_at = utcnow()
    db.session.flush()
    audit.record(applicant_actor(ip, channel), "application.withdraw", "application", locked.id,
                 center_id=locked.cohort.center_id, details={"cohort_id": locked.cohort_id})
    return locked


# ---- the center's review -------------------------------------------------------------------------

def get_application(actor: Actor, application_id: Any) -> Application:
    """An application of a cohort of the actor's centers, or NotFound."""
    require(actor, P.APPLICATIONS_REVIEW)
    application_id = as_id(application_id)
    application = db.session.get(Application, application_id) if application_id else None
    if application is None or not actor.covers_center(application.cohort.center_id):
        raise NotFound(_l("Not found."))
    return application


def list_applications(actor: Actor, *, cohort_id: Any = None, status: Any = None, sort: Any = None,
                      page: int = 1, per_page: int = 50) -> Page:
    """Applications of the actor's centers (one cohort's, one status), one page."""
    require(actor, P.APPLICATIONS_REVIEW)
    stmt = scope_centers(select(Application).join(Cohort, Cohort.id == Application.cohort_id), actor,
                         Cohort.center_id)
    if cohort_id not in (None, ""):
        cohort = learning.get_cohort(actor, cohort_id, P.APPLICATIONS_REVIEW)
        stmt = stmt.where(Application.cohort_id == cohort.id)
    if status not in (None, ""):
        if status not in APPLICATION_STATUSES:
            raise ValidationError(FIX_FIELDS, fields={"status": str(_l("Unknown status."))})
        stmt = stmt.where(Application.status == status)
    if sort not in (None, "") and sort not in SORTS:
        raise ValidationError(FIX_FIELDS, fields={"sort": str(_l("Unknown sort order."))})
    stmt = stmt.order_by(*SORTS[sort or "created"])
    result = paginate_rows(stmt, max(1, page), max(1, min(per_page, MAX_BULK)))
    result.items = [row[0] for row in result.items]
    audit.record(actor, "application.list", "application", None,
                 details={"cohort_id": as_id(cohort_id), "results": result.total})
    return result


def status_counts(actor: Actor, cohort_id: Any) -> dict[str, int]:
    cohort = learning.get_cohort(actor, cohort_id, P.APPLICATIONS_REVIEW)
    found = dict(db.session.execute(select(Application.status, func.count()).where(
        Application.cohort_id == cohort.id).group_by(Application.status)).all())
    return {status: found.get(status, 0) for status in APPLICATION_STATUSES}


def _locked(actor: Actor, application_id: Any) -> Application:
    """The application with its cohort row locked first, then its own (one order for every
    reviewer: no deadlock between a bulk accept and a single one)."""
    application = get_application(actor, application_id)
    learning.lock_cohort(application.cohort_id)
    locked = db.session.scalar(select(Application).where(Application.id == application.id)
                               .with_for_update(of=Application).execution_options(populate_existing=True))
    if locked.status != ApplicationStatus.SUBMITTED:
        raise InvalidTransition(_l("This application was already decided."))
    return locked


def _trainee_for(actor: Actor, application: Application) -> Trainee:
    """DESIGN §3: FIN and birth date match → that trainee; the FIN with another birth date →
    refused; otherwise a new trainee registered by the cohort's center."""
    trainee = people.find_by_identity(application.fin, application.birth_date)
    if trainee is not None:
        return trainee
    if db.session.scalar(select(Trainee.id).where(Trainee.fin == application.fin)) is not None:
        raise Conflict(ANOTHER_BIRTH_DATE, fields={"fin": str(ANOTHER_BIRTH_DATE)})
    data = {"fin": application.fin, "first_name": application.first_name, "last_name": application.last_name,
            "patronymic": application.patronymic, "birth_date": application.birth_date.isoformat(),
            "gender": application.gender, "email": application.email, "phone": application.phone,
            "home_region_id": application.home_region_id, "education_level": application.education_level}
    try:
        return people.create_trainee(actor, data, center_id=application.cohort.center_id)
    except Duplicate:   # registered meanwhile by someone else: the same rule again
        trainee = people.find_by_identity(application.fin, application.birth_date)
        if trainee is None:
            raise Conflict(ANOTHER_BIRTH_DATE, fields={"fin": str(ANOTHER_BIRTH_DATE)}) from None
        return trainee


def accept(actor: Actor, application_id: Any) -> Application:
    """Accept: the person's trainee record (identity rule), then a seat or the waiting list."""
    application = _locked(actor, application_id)
    require(actor, P.ENROLLMENTS_WRITE)
    trainee = _trainee_for(actor, application)
    reason = missing_certification(application.cohort.course, trainee.id)
    if reason is not None:
        raise Conflict(reason, fields={"status": str(reason)})
    # One message tells the person both the decision and the seat (or waiting-list place): the
    # enrollment's own notice is not written (application_changed "accepted" says it).
    enrollment = learning.enroll_by_fin(actor, application.cohort_id, application.fin,
                                        application.birth_date.isoformat(), notify=False)
    application.status = ApplicationStatus.ACCEPTED
    application.trainee_id, application.enrollment_id = trainee.id, enrollment.id
    application.decided_at, application.decided_by_id = utcnow(), actor.user_id
    db.session.flush()
    audit.record(actor, "application.accept", "application", application.id, trainee_id=trainee.id,
                 center_id=application.cohort.center_id,
                 details={"cohort_id": application.cohort_id, "enrollment_id": enrollment.id,
                          "enrollment_status": enrollment.status})
    signals.application_changed.send(actor, application=application, event="accepted")
    return application


def reject(actor: Actor, application_id: Any, reason: Any) -> Application:
    """Reject with a reason the applicant sees on their status page."""
    try:
        reason = clean_free_text(reason, max_length=500, required=True)
    except FieldError as error:
        message = _l("Give the reason for rejecting.") if not str(reason or "").strip() else error.message
        raise ValidationError(FIX_FIELDS, fields={"reason": str(message)}) from None
    application = _locked(actor, application_id)
    application.status = ApplicationStatus.REJECTED
    application.reason = reason
    application.decided_at, application.decided_by_id = utcnow(), actor.user_id
    db.session.flush()
    audit.record(actor, "application.reject", "application", application.id,
                 center_id=application.cohort.center_id,
                 details={"cohort_id": application.cohort_id, "reason": reason})
    signals.application_changed.send(actor, application=application, event="rejected")
    return application


@dataclass
class BulkOutcome:
    application_id: int
    ok: bool
    message: str | None = None
    status: str | None = None


def decide_many(actor: Actor, application_ids: Iterable[Any], action: str, reason: Any = None, *,
                cohort_id: int | None = None) -> list[BulkOutcome]:
    """Accept or reject several applications (up to ``MAX_BULK``), each in its own savepoint:
    one that cannot be decided is reported and changes nothing, the others go through. Taken in
    cohort then id order (the lock order of :func:`_locked`)."""
    require(actor, P.APPLICATIONS_REVIEW)
    if action not in ("accept", "reject"):
        raise ValidationError(FIX_FIELDS, fields={"action": str(_l("Choose accept or reject."))})
    ids = sorted({i for i in (as_id(v) for v in application_ids) if i is not None})
    if not ids:
        raise ValidationError(FIX_FIELDS, fields={"ids": str(_l("Choose at least one application."))})
    if len(ids) > MAX_BULK:
        raise ValidationError(FIX_FIELDS, fields={"ids": str(_l("At most %(n)d at a time.", n=MAX_BULK))})
    if action == "reject":
        try:
            reason = clean_free_text(reason, max_length=500, required=True)
        except FieldError as error:
            message = _l("Give the reason for rejecting.") if not str(reason or "").strip() else error.message
            raise ValidationError(FIX_FIELDS, fields={"reason": str(message)}) from None
    order = dict(db.session.execute(select(Application.id, Application.cohort_id)
                                    .where(Application.id.in_(ids))).all())
    if cohort_id is not None:   # a cohort's review page decides that cohort's applications only
        ids = [i for i in ids if order.get(i) == cohort_id]
        if not ids:
            raise ValidationError(FIX_FIELDS, fields={"ids": str(_l("Choose at least one application."))})
    ids.sort(key=lambda i: (order.get(i, 0), i))
    outcomes = []
    for application_id in ids:
        try:
            with db.session.begin_nested():
                done = accept(actor, application_id) if action == "accept" else reject(actor, application_id, reason)
        except DomainError as error:
            outcomes.append(BulkOutcome(application_id, False, str(error.message)))
        except IntegrityError:
            outcomes.append(BulkOutcome(application_id, False, str(_l("Changed meanwhile; try again."))))
        else:
            outcomes.append(BulkOutcome(application_id, True, status=done.status))
    return outcomes
