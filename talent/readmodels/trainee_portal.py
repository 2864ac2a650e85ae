"""Read model of the trainee portal: what a trainee reads about their own learning (people,
learning, credentials and placement together) and the download of everything held about them.
The actor is always the trainee; nobody else's data is reachable.

The portal's other functions (their record, consents, who looked at it) are people's and are
named here too, so the portal's pages call one module.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from talent import audit, clock
from talent.audit import AuditEvent, action_label
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.models import Attendance, Cohort, CohortSession, Enrollment, EnrollmentStatus
from talent.people.self_service import about_me, my_trainee, set_consents, staff_views
from talent.permissions import Actor
from talent.placement.models import FollowUp, Placement, Vacancy
from talent.placement.profiles_models import ShortlistEntry, TalentProfile

__all__ = ["UPCOMING_SESSIONS", "export_my_data", "my_enrollments", "my_next_sessions", "my_trainee",
           "set_consents", "staff_views"]

UPCOMING_SESSIONS = 5


def my_enrollments(actor: Actor) -> list[Enrollment]:
    trainee = my_trainee(actor)
    return list(db.session.scalars(
        select(Enrollment).join(Cohort, Cohort.id == Enrollment.cohort_id)
        .options(selectinload(Enrollment.cohort))
        .where(Enrollment.trainee_id == trainee.id)
        .order_by(Cohort.start_date.desc(), Enrollment.id.desc())))


def my_next_sessions(actor: Actor, now: datetime | None = None) -> dict[int, list[CohortSession]]:
    """Upcoming sessions of the cohorts I am enrolled in, by cohort id (one query)."""
    trainee = my_trainee(actor)
    now = now or clock.now()
    rows = db.session.scalars(
        select(CohortSession).join(Enrollment, Enrollment.cohort_id == CohortSession.cohort_id)
        .where(Enrollment.trainee_id == trainee.id, Enrollment.status == EnrollmentStatus.ENROLLED,
               CohortSession.starts_at >= now)
        .order_by(CohortSession.starts_at))
    result: dict[int, list[CohortSession]] = {}
    for session in rows:
        bucket = result.setdefault(session.cohort_id, [])
        if len(bucket) < UPCOMING_SESSIONS:
            bucket.append(session)
    return result


def _plain(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _row(obj, columns: list[str]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


def export_my_data(actor: Actor) -> dict[str, Any]:
    """Everything the platform holds about me, as plain JSON-ready data."""
    trainee = my_trainee(actor)
    person = _row(trainee, ["fin", "first_name", "last_name", "patronymic", "birth_date", "gender", "email",
                            "phone", "education_level", "consent_at", "followup_consent",
                            "research_consent", "created_at", "updated_at"])
    person["home_region"] = trainee.home_region.code
    enrollments = my_enrollments(actor)
    enrollment_ids = [e.id for e in enrollments]
    marks: dict[int, list[dict[str, Any]]] = {}
    if enrollment_ids:
        for mark, starts_at in db.session.execute(
                select(Attendance, CohortSession.starts_at)
                .join(CohortSession, CohortSession.id == Attendance.session_id)
                .where(Attendance.enrollment_id.in_(enrollment_ids)).order_by(CohortSession.starts_at)):
            marks.setdefault(mark.enrollment_id, []).append(
                {"session_starts_at": _plain(starts_at), "mark": mark.mark})
    awards = db.session.scalars(select(Award).options(joinedload(Award.certification), joinedload(Award.center))
                                .where(Award.trainee_id == trainee.id).order_by(Award.id)).all()
    placements = db.session.scalars(select(Placement).where(Placement.trainee_id == trainee.id)
                                    .order_by(Placement.id)).all()
    followups = db.session.scalars(select(FollowUp).where(FollowUp.enrollment_id.in_(enrollment_ids or [-1]))
                                   .order_by(FollowUp.id)).all()
    profile = db.session.scalar(select(TalentProfile).where(TalentProfile.trainee_id == trainee.id))
    shortlists = db.session.execute(select(ShortlistEntry, Vacancy).join(Vacancy, Vacancy.id == ShortlistEntry.vacancy_id)
                                    .where(ShortlistEntry.trainee_id == trainee.id).order_by(ShortlistEntry.id)).all()
    events = db.session.scalars(select(AuditEvent).where(about_me(trainee.id))
                                .order_by(AuditEvent.at, AuditEvent.id)).all()
    data = {
        "exported_at": _plain(clock.now()),
        "person": person,
        "enrollments": [
            {**_row(e, ["status", "attendance_pct", "final_score", "applied_at", "enrolled_at", "completed_at",
                        "withdrawn_at", "withdrawal_reason"]),
             "cohort": e.cohort.code, "course": e.cohort.course.title_en, "center": e.cohort.center.name,
             "start_date": _plain(e.cohort.start_date), "end_date": _plain(e.cohort.end_date),
             "attendance": marks.get(e.id, [])}
            for e in enrollments],
        "awards": [
            {**_row(a, ["serial", "verification_code", "issued_on", "expires_on", "revoked_at", "revoked_reason"]),
             "certification": a.certification.code, "center": a.center.name}
            for a in awards],
        "jobs": [
            {**_row(p, ["job_title", "employment_type", "remote", "start_date", "end_date", "monthly_pay_azn",
                        "source", "verification", "occupation_code"]),
             "employer": p.employer.name, "country": p.employer.country_code}
            for p in placements],
        "follow_ups": [_row(f, ["milestone_months", "outcome", "note", "recorded_at"]) for f in followups],
        # Issue 20: whether employers see me, and the shortlists I am on (with my answers).
        "talent_profile": {"visible_since": _plain(profile.visible_since) if profile else None},
        "shortlists": [
            {**_row(e, ["shortlisted_at", "answer", "answered_at"]), "vacancy": v.title, "employer": v.employer.name}
            for e, v in shortlists],
        "record_access": [
            {"at": _plain(ev.at), "by": ev.actor_label, "action": ev.action, "what": action_label(ev.action),
             "channel": ev.channel}
            for ev in events],
    }
    audit.record(actor, "trainee.export", "trainee", trainee.id, trainee_id=trainee.id)
    return data
