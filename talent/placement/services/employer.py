"""The employer's side of a placement (issue 20): an employer user sees the jobs that name their
employer and confirms or declines each; centers invite the employers named in their jobs.

What an employer sees of a person is the least that lets them recognise the job: the trainee's
name, the job title, the start and end dates and the pay — nothing else (no FIN, birth date,
contacts, courses, scores or other jobs). A job that names another employer, or that a center
rejected as not genuine, does not exist for them (404). Nobody else speaks for the employer:
administrators and centers do not confirm or decline in its name (``P.PLACEMENTS_CONFIRM`` is the
employer role's only).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit, signals
from talent.accounts import invitations
from talent.accounts.models import User
from talent.accounts.services import create_employer_user
from talent.centers.queries import Page, paginate_rows
from talent.db import utcnow
from talent.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.people.models import Trainee
from talent.permissions import Actor, P, require
from talent.placement.models import Employer, EmployerConfirmation, Placement, PlacementStatus
from talent.placement.scoping import placement_visible_clause
from talent.placement.services.common import CHECK_MESSAGE, clean_text

DECLINE_REASON_MAX = 500
JOBS_PER_PAGE = 25


@dataclass(frozen=True)
class EmployerJob:
    """One job as its employer sees it (the only fields of a person an employer gets)."""
    id: int
    trainee_name: str
    job_title: str
    start_date: date
    end_date: date | None
    monthly_pay_azn: Decimal | None
    confirmation: str
    confirmed_at: datetime | None
    decline_reason: str | None


def acting_employer_id(actor: Actor) -> int:
    """The employer an employer user acts for; anyone else is refused (403)."""
    require(actor, P.PLACEMENTS_CONFIRM)
    if actor.employer_id is None:
        raise PermissionDenied(_l("You do not have permission to do this."))
    return actor.employer_id


def acting_employer(actor: Actor) -> Employer:
    employer = db.session.get(Employer, acting_employer_id(actor))
    if employer is None:
        raise PermissionDenied(_l("You do not have permission to do this."))
    return employer


def _named_jobs(employer_id: int):
    """Jobs that name the employer and that no center rejected as not genuine."""
    return (Placement.employer_id == employer_id, Placement.verification != PlacementStatus.REJECTED)


def _job(placement: Placement, trainee: Trainee) -> EmployerJob:
    return EmployerJob(id=placement.id, trainee_name=trainee.display_name, job_title=placement.job_title,
                       start_date=placement.start_date, end_date=placement.end_date,
                       monthly_pay_azn=placement.monthly_pay_azn, confirmation=placement.employer_confirmation,
                       confirmed_at=placement.employer_confirmed_at,
                       decline_reason=placement.employer_decline_reason)


def _jobs_statement(employer_id: int, confirmation: str | None):
    stmt = (select(Placement, Trainee).join(Trainee, Trainee.id == Placement.trainee_id)
            .where(*_named_jobs(employer_id))
            .order_by((Placement.employer_confirmation == EmployerConfirmation.PENDING).desc(),
                      Placement.start_date.desc(), Placement.id.desc()))
    if confirmation in tuple(EmployerConfirmation):
        stmt = stmt.where(Placement.employer_confirmation == confirmation)
    return stmt


def _audit_list_view(actor: Actor, employer_id: int, rows) -> None:
    if rows:
        audit.record(actor, "placement.employer_list_view", "employer", employer_id,
                     trainee_ids=[p.trainee_id for p, _ in rows])


def employer_jobs(actor: Actor, *, confirmation: str | None = None, limit: int = 200) -> list[EmployerJob]:
    """The first ``limit`` jobs naming the actor's employer, those waiting for an answer first, then
    the newest (:func:`employer_jobs_page` pages through all of them). The trainees named are
    recorded in the audit trail (each can see that the employer looked)."""
    employer_id = acting_employer_id(actor)
    rows = db.session.execute(_jobs_statement(employer_id, confirmation).limit(limit)).all()
    _audit_list_view(actor, employer_id, rows)
    return [_job(p, t) for p, t in rows]


def employer_jobs_page(actor: Actor, *, confirmation: str | None = None, page: int = 1,
                       per_page: int = JOBS_PER_PAGE) -> Page:
    """One page of the jobs naming the actor's employer (same order as :func:`employer_jobs`), with
    the total; ``items`` are :class:`EmployerJob`. Only the trainees on the page are audited."""
    employer_id = acting_employer_id(actor)
    result = paginate_rows(_jobs_statement(employer_id, confirmation), page, per_page)
    _audit_list_view(actor, employer_id, result.items)
    result.items = [_job(p, t) for p, t in result.items]
    return result


def get_employer_job(actor: Actor, placement_id: int) -> Placement:
    """A job naming the actor's employer, else NotFound (never reveal another employer's jobs)."""
    employer_id = acting_employer_id(actor)
    placement = db.session.get(Placement, placement_id) if isinstance(placement_id, int) else None
    if (placement is None or placement.employer_id != employer_id
            or placement.verification == PlacementStatus.REJECTED):
        raise NotFound(_l("Not found."))
    return placement


def employer_job(actor: Actor, placement_id: int) -> EmployerJob:
    placement = get_employer_job(actor, placement_id)
    return _job(placement, db.session.get(Trainee, placement.trainee_id))


def confirm_job(actor: Actor, placement_id: int) -> Placement:
    """The employer says the job is theirs (pending or earlier declined → confirmed)."""
    placement = get_employer_job(actor, placement_id)
    if placement.employer_confirmation == EmployerConfirmation.CONFIRMED:
        raise InvalidTransition(_l("You have already confirmed this job."))
    placement.employer_confirmation = EmployerConfirmation.CONFIRMED
    placement.employer_confirmed_by_id = actor.user_id
    placement.employer_confirmed_at = utcnow()
    placement.employer_decline_reason = None
    db.session.flush()
    audit.record(actor, "placement.employer_confirm", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"employer_id": placement.employer_id})
    return placement


def decline_job(actor: Actor, placement_id: int, reason: str | None) -> Placement:
    """The employer says the job is not theirs as recorded; the reason is required and shown to
    the center (which may correct the record: a corrected job asks the employer again)."""
    placement = get_employer_job(actor, placement_id)
    if placement.employer_confirmation == EmployerConfirmation.DECLINED:
        raise InvalidTransition(_l("You have already declined this job."))
    reason = clean_text(reason)
    if not reason:
        raise ValidationError(CHECK_MESSAGE, fields={"reason": str(_l(
            "Say why this job is not confirmed; the training center sees the reason."))})
    if len(reason) > DECLINE_REASON_MAX:
        raise ValidationError(CHECK_MESSAGE, fields={"reason": str(_l("At most %(n)d characters.",
                                                                      n=DECLINE_REASON_MAX))})
    placement.employer_confirmation = EmployerConfirmation.DECLINED
    placement.employer_confirmed_by_id = actor.user_id
    placement.employer_confirmed_at = utcnow()
    placement.employer_decline_reason = reason
    db.session.flush()
    audit.record(actor, "placement.employer_decline", "placement", placement.id, trainee_id=placement.trainee_id,
                 center_id=placement.center_id, details={"employer_id": placement.employer_id, "reason": reason})
    # The center that recorded the job is told (its administrators' mail leaves after the commit).
    signals.placement_declined.send(actor, placement=placement)
    return placement


# ---- which employers a center deals with; inviting their users --------------------------------

def employers_of_center_jobs(actor: Actor) -> list[Employer]:
    """Employers a center may invite or post for: those named in jobs the actor's centers see (an
    administrator: every employer)."""
    require(actor, P.EMPLOYER_USERS_INVITE)
    stmt = select(Employer).order_by(Employer.name, Employer.id)
    clause = placement_visible_clause(actor)
    if clause is not None:
        named = select(Placement.employer_id).where(clause)
        stmt = stmt.where(Employer.id.in_(named))
    return list(db.session.scalars(stmt))


def employer_for_center(actor: Actor, employer_id) -> Employer:
    """An employer the actor's centers deal with (named in one of their jobs), else NotFound; an
    administrator reaches every employer."""
    try:
        employer_id = int(employer_id)
    except (TypeError, ValueError):
        raise NotFound(_l("Not found.")) from None
    employer = db.session.get(Employer, employer_id) if 1 <= employer_id <= 2_147_483_647 else None
    if employer is None:
        raise NotFound(_l("Not found."))
    clause = placement_visible_clause(actor)
    if clause is not None and db.session.scalar(
            select(Placement.id).where(Placement.employer_id == employer.id, clause).limit(1)) is None:
        raise NotFound(_l("Not found."))
    return employer


def invite_employer_user(actor: Actor, employer_id, *, email: str, full_name: str) -> User:
    """A center (or an administrator) creates a user for an employer named in one of its jobs and
    sends the invitation to set a password (the mail leaves after the commit)."""
    require(actor, P.EMPLOYER_USERS_INVITE)
    try:
        employer = employer_for_center(actor, employer_id)
    except NotFound:
        raise ValidationError(CHECK_MESSAGE, fields={"employer_id": str(_l(
            "Choose an employer named in one of your center's jobs."))}) from None
    user = create_employer_user(actor, employer_id=employer.id, email=email, full_name=full_name)
    invitations.invite_staff(actor, user.id)
    audit.record(actor, "employer.user_invite", "employer", employer.id, details={"user_id": user.id})
    return user


def confirmation_by(placement: Placement) -> tuple[str, datetime] | None:
    """``(employer name, when)`` if the employer confirmed the job, for the center's pages."""
    if placement.employer_confirmation != EmployerConfirmation.CONFIRMED or placement.employer_confirmed_at is None:
        return None
    return placement.employer.name, placement.employer_confirmed_at


def employer_users(employer_id: int) -> list[User]:
    return list(db.session.scalars(select(User).where(User.employer_id == employer_id).order_by(User.email)))


__all__ = ["EmployerJob", "acting_employer_id", "acting_employer", "employer_jobs", "employer_jobs_page",
           "JOBS_PER_PAGE", "get_employer_job",
           "employer_job", "confirm_job", "decline_job", "employers_of_center_jobs",
           "employer_for_center", "invite_employer_user", "confirmation_by", "employer_users",
           "DECLINE_REASON_MAX"]
