"""Awards: issuing, revoking and renewing certifications earned. The only writers of awards.

An enrollment earns its cohort's certification when it is completed with final score >= the
certification's pass mark and attendance >= its minimum. Issuing is idempotent (one original
award per enrollment). Serials ``AZAI-YYYY-NNNNNN`` come from a per-year counter row locked while
issuing, so they have neither gaps nor duplicates, also under concurrent requests.
"""
from __future__ import annotations

import secrets
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from talent import audit
from talent.credentials.models import Award, SerialCounter
from talent.db import utcnow
from talent.errors import Conflict, InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.validation import has_control_chars
from talent.permissions import Actor, P, require
from talent import clock, signals
from talent.clock import add_months
from talent.learning.models import EnrollmentStatus

SERIAL_PREFIX = "AZAI"
REVOKE_REASON_MAX = 500


def new_verification_code() -> str:
    """120 random bits, URL-safe, 20 characters."""
    return secrets.token_urlsafe(15)


def expiry_for(certification, issued_on: date) -> date | None:
    if not certification.validity_months:
        return None
    return add_months(issued_on, certification.validity_months)


def next_serial(year: int) -> str:
    """Take the next number of ``year`` from its counter row, locked until the transaction ends."""
    counter = db.session.scalar(
        select(SerialCounter).where(SerialCounter.year == year).with_for_update())
    if counter is None:
        # First award of the year: insert the row; a concurrent insert wins the race harmlessly.
        try:
            with db.session.begin_nested():
                db.session.add(SerialCounter(year=year, last_number=0))
                db.session.flush()
        except IntegrityError:
            pass
        counter = db.session.scalar(
            select(SerialCounter).where(SerialCounter.year == year).with_for_update()
            .execution_options(populate_existing=True))
    counter.last_number += 1
    db.session.flush()
    return f"{SERIAL_PREFIX}-{year:04d}-{counter.last_number:06d}"


def qualifies(enrollment: Enrollment) -> bool:
    """Does the enrollment earn its cohort's certification?"""
    certification = enrollment.cohort.course.certification
    if certification is None or enrollment.status != EnrollmentStatus.COMPLETED:
        return False
    if enrollment.final_score is None or enrollment.attendance_pct is None:
        return False
    return (enrollment.final_score >= certification.pass_mark
            and enrollment.attendance_pct >= certification.min_attendance)


def _original_award(enrollment_id: int) -> Award | None:
    return db.session.scalar(select(Award).where(Award.enrollment_id == enrollment_id,
                                                 Award.renewal_of_id.is_(None)))


def _new_award(actor: Actor, *, enrollment: Enrollment, certification, center_id: int,
               renewal_of: Award | None = None) -> Award:
    today = clock.today()
    award = Award(serial=next_serial(today.year), verification_code=new_verification_code(),
                  enrollment_id=enrollment.id, trainee_id=enrollment.trainee_id,
                  certification_id=certification.id, center_id=center_id, issued_on=today,
                  expires_on=expiry_for(certification, today),
                  renewal_of_id=renewal_of.id if renewal_of is not None else None)
    db.session.add(award)
    db.session.flush()
    signals.award_issued.send(actor, award=award)
    return award


def issue_award(actor: Actor, enrollment: Enrollment) -> Award | None:
    """Issue the award an enrollment earned. Returns None when it does not qualify and the
    existing award when it was issued already."""
    cohort = enrollment.cohort
    require(actor, P.AWARDS_ISSUE, cohort.center_id)
    # Lock the enrollment so two concurrent issuers cannot both create its award.
    db.session.execute(select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update())
    existing = _original_award(enrollment.id)
    if existing is not None:
        return existing
    if not qualifies(enrollment):
        return None
    certification = cohort.course.certification
    award = _new_award(actor, enrollment=enrollment, certification=certification, center_id=cohort.center_id)
    audit.record(actor, "award.issue", "award", award.id, trainee_id=enrollment.trainee_id,
                 center_id=cohort.center_id,
                 details={"serial": award.serial, "enrollment_id": enrollment.id,
                          "certification": certification.code})
    return award


def issue_for_cohort(actor: Actor, cohort: Cohort) -> list[Award]:
    """Issue every award the cohort's completed enrollments earned (idempotent). Returns the
    awards of all qualifying enrollments, already issued ones included."""
    require(actor, P.AWARDS_ISSUE, cohort.center_id)
    enrollments = db.session.scalars(
        select(Enrollment).where(Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.COMPLETED)
        .order_by(Enrollment.id)).all()
    awards = []
    for enrollment in enrollments:
        award = issue_award(actor, enrollment)
        if award is not None:
            awards.append(award)
    return awards


def get_award(actor: Actor, award_id: int) -> Award:
    """One award for staff of its center, or for its holder; otherwise NotFound."""
    award = db.session.get(Award, award_id)
    if award is None:
        raise NotFound(_l("Not found."))
    if actor.has(P.SELF_READ) and not actor.has(P.AWARDS_READ):
        if actor.trainee_id is None or award.trainee_id != actor.trainee_id:
            raise NotFound(_l("Not found."))
        return award
    require(actor, P.AWARDS_READ, award.center_id)
    return award


def revoke_award(actor: Actor, award: Award, reason: str) -> Award:
    require(actor, P.AWARDS_REVOKE, award.center_id)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"reason": _l("Give a reason for revoking.")})
    if has_control_chars(reason):
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"reason": _l("The text contains characters that are not allowed.")})
    if len(reason) > REVOKE_REASON_MAX:
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"reason": _l("At most %(n)d characters.", n=REVOKE_REASON_MAX)})
    if award.revoked_at is not None:
        raise InvalidTransition(_l("This award is already revoked."))
    award.revoked_at = utcnow()
    award.revoked_reason = reason
    award.revoked_by_id = actor.user_id
    db.session.flush()
    audit.record(actor, "award.revoke", "award", award.id, trainee_id=award.trainee_id,
                 center_id=award.center_id, details={"serial": award.serial, "reason": reason})
    signals.award_revoked.send(actor, award=award, reason=reason)
    return award


def renew_award(actor: Actor, award: Award) -> Award:
    """Issue a new award renewing ``award`` (linked by ``renewal_of_id``)."""
    require(actor, P.AWARDS_ISSUE, award.center_id)
    if award.revoked_at is not None:
        raise InvalidTransition(_l("A revoked award cannot be renewed."))
    db.session.execute(select(Award.id).where(Award.id == award.id).with_for_update())
    if db.session.scalar(select(Award.id).where(Award.renewal_of_id == award.id)) is not None:
        raise Conflict(_l("This award has already been renewed."))
    new = _new_award(actor, enrollment=award.enrollment, certification=award.certification,
                     center_id=award.center_id, renewal_of=award)
    audit.record(actor, "award.renew", "award", new.id, trainee_id=award.trainee_id,
                 center_id=award.center_id,
                 details={"serial": new.serial, "renewal_of": award.serial})
    return new


def settle_after_correction(actor: Actor, enrollment: Enrollment, reason: str) -> dict[str, list[str]]:
    """Make the enrollment's awards follow its corrected result: when it now qualifies, it holds
    one valid award (issued — idempotently — or, if every award it had was revoked, a new one
    linked to the last revoked); when it no longer qualifies, every valid award is revoked with
    the correction as the reason. Returns the serials issued and revoked."""
    require(actor, P.AWARDS_ISSUE, enrollment.cohort.center_id)
    require(actor, P.AWARDS_REVOKE, enrollment.cohort.center_id)
    db.session.execute(select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update())
    awards = list(db.session.scalars(select(Award).where(Award.enrollment_id == enrollment.id).order_by(Award.id)))
    valid = [a for a in awards if a.revoked_at is None]
    issued: list[str] = []
    revoked: list[str] = []
    if qualifies(enrollment):
        if not awards:
            award = issue_award(actor, enrollment)
            issued.append(award.serial)
        elif not valid:
            cohort = enrollment.cohort
            award = _new_award(actor, enrollment=enrollment, certification=cohort.course.certification,
                               center_id=cohort.center_id, renewal_of=awards[-1])
            audit.record(actor, "award.reissue", "award", award.id, trainee_id=enrollment.trainee_id,
                         center_id=cohort.center_id,
                         details={"serial": award.serial, "replaces": awards[-1].serial, "reason": reason})
            issued.append(award.serial)
    else:
        text = str(_l("Result corrected: %(reason)s", reason=reason))[:REVOKE_REASON_MAX]
        for award in valid:
            revoke_award(actor, award, text)
            revoked.append(award.serial)
    return {"awards_issued": issued, "awards_revoked": revoked}


# ---- reactions to learning's events (talent.signals) ----------------------------------------

@signals.cohort_completed.connect
def _on_cohort_completed(actor: Actor, *, cohort: Cohort, **_) -> None:
    """A completed cohort's qualifying enrollments get their awards."""
    if cohort.course.certification_id is not None:
        issue_for_cohort(actor, cohort)


@signals.result_corrected.connect
def _on_result_corrected(actor: Actor, *, enrollment: Enrollment, reason: str, **_) -> dict[str, list[str]]:
    """A corrected result's awards follow it (the serials issued and revoked, for the audit)."""
    if enrollment.cohort.course.certification_id is None:
        return {}
    return settle_after_correction(actor, enrollment, reason)


# ---- what staff saw (audited like every read of personal data) ----------------------------------

AWARD_READS = ("award.view", "award.pdf")


def record_award_read(actor: Actor, award: Award, action: str = "award.view") -> None:
    """Staff opened (``award.view``) or downloaded (``award.pdf``) one award of a trainee."""
    if action not in AWARD_READS:
        raise ValueError(action)
    audit.record(actor, action, "award", award.id, trainee_id=award.trainee_id, center_id=award.center_id)


def record_award_list(actor: Actor, awards: list[Award], *, expiring: bool, status: str | None) -> None:
    """Staff saw a page of the award list: one event naming every trainee on it."""
    if not awards:
        return
    audit.record(actor, "award.list", "award", None,
                 details={"trainee_ids": sorted({a.trainee_id for a in awards}), "expiring": expiring,
                          "status": status})
