"""The events people are told about: receivers of the domain signals (``talent.signals``), each
writing outbox rows in the sender's transaction, and the scheduled work (session reminders the
day before, certificate expiry notices 60 and 30 days ahead) run by :func:`tick`.

``create_app`` imports this module, so every receiver is connected in the app, the CLI, the
worker and the tests. Scheduled rows carry a ``dedupe_key`` per (event, person, day/record), so
any number of workers may run the tick at the same time and each notice is written once.
"""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from sqlalchemy import func, select

from talent import clock, signals
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.models import Cohort, CohortSession, CohortStatus, Enrollment, EnrollmentStatus
from talent.notifications import outbox, services
from talent.people.models import Trainee


def _cohort_context(cohort: Cohort, locale: str | None = None) -> dict:
    return {"cohort": cohort, "course_title": cohort.course.title, "center": cohort.center}


def _verify_links(award: Award) -> dict[str, str]:
    verify = f"{services.base_url()}/verify/{award.verification_code}"
    share = "https://www.linkedin.com/profile/add?" + urlencode({
        "startTask": "CERTIFICATION_NAME", "name": award.certification.name if award.certification else award.serial,
        "certUrl": verify, "certId": award.serial})
    return {"verify": verify, "share": share}


# ---- receivers ----------------------------------------------------------------------------------

@signals.enrollment_changed.connect
def _on_enrollment(_actor, *, enrollment: Enrollment, event: str, **_) -> None:
    trainee = db.session.get(Trainee, enrollment.trainee_id)
    cohort = db.session.get(Cohort, enrollment.cohort_id)
    services.notify_trainee(trainee, event, context=_cohort_context(cohort),
                            links={"portal": f"{services.base_url()}/me"})


@signals.cohort_cancelled.connect
def _on_cancelled(_actor, *, cohort: Cohort, **_) -> None:
    # The cancellation withdrew every active enrollment with one bulk update and one timestamp.
    latest = db.session.scalar(select(func.max(Enrollment.withdrawn_at)).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.WITHDRAWN))
    if latest is None:
        return
    trainee_ids = db.session.scalars(select(Enrollment.trainee_id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.WITHDRAWN, Enrollment.withdrawn_at == latest))
    for trainee in db.session.scalars(select(Trainee).where(Trainee.id.in_(list(trainee_ids)))):
        services.notify_trainee(trainee, "cohort_cancelled", context=_cohort_context(cohort), sms=True)


@signals.cohort_rescheduled.connect
def _on_rescheduled(_actor, *, cohort: Cohort, **_) -> None:
    trainees = db.session.scalars(select(Trainee).join(Enrollment, Enrollment.trainee_id == Trainee.id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status.in_((EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED))))
    for trainee in trainees:
        services.notify_trainee(trainee, "cohort_moved", context=_cohort_context(cohort), sms=True)


@signals.award_issued.connect
def _on_award_issued(_actor, *, award: Award, **_) -> None:
    trainee = db.session.get(Trainee, award.trainee_id)
    services.notify_trainee(trainee, "award_issued", context={"award": award}, links=_verify_links(award))


@signals.award_revoked.connect
def _on_award_revoked(_actor, *, award: Award, reason: str, **_) -> None:
    trainee = db.session.get(Trainee, award.trainee_id)
    services.notify_trainee(trainee, "award_revoked", context={"award": award, "reason": reason})


@signals.application_changed.connect
def _on_application(_actor, *, application, event: str, token: str | None = None, **_) -> None:
    cohort = db.session.get(Cohort, application.cohort_id)
    links = {"status": f"{services.base_url()}/applications/{token}"} if token else None
    services.notify_applicant(application, f"application_{event}", context=_cohort_context(cohort), links=links)


# ---- scheduled work -----------------------------------------------------------------------------

def session_reminders(day: date) -> int:
    """Remind every enrolled trainee of each session that starts tomorrow (in the app's zone)."""
    tomorrow = day + timedelta(days=1)
    zone = clock.zone()
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    sessions = db.session.scalars(select(CohortSession).join(Cohort).where(
        CohortSession.starts_at >= start, CohortSession.starts_at < end,
        Cohort.status.in_((CohortStatus.OPEN, CohortStatus.RUNNING, CohortStatus.PLANNED))).order_by(CohortSession.starts_at))
    written = 0
    for session in sessions:
        cohort = session.cohort
        trainees = db.session.scalars(select(Trainee).join(Enrollment, Enrollment.trainee_id == Trainee.id).where(
            Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))
        for trainee in trainees:
            written += services.notify_trainee(
                trainee, "session_reminder", sms=True, dedupe_key=f"reminder:{session.id}:{trainee.id}:{tomorrow}",
                context={**_cohort_context(cohort), "session": session,
                         "starts_at": session.starts_at.astimezone(zone)})
    return written


EXPIRY_NOTICES = ((60, 30, "expiry_60"), (30, 0, "expiry_30"))


def expiry_notices(day: date) -> int:
    """Tell holders of a valid award that expires within 60 (then 30) days; once per award,
    notice and expiry date (a day the tick did not run is caught up on the next)."""
    written = 0
    for within, after, kind in EXPIRY_NOTICES:
        awards = db.session.scalars(select(Award).where(
            Award.revoked_at.is_(None), Award.expires_on.is_not(None),
            Award.expires_on > day + timedelta(days=after), Award.expires_on <= day + timedelta(days=within))
            .order_by(Award.id))
        for award in awards:
            trainee = db.session.get(Trainee, award.trainee_id)
            written += services.notify_trainee(
                trainee, kind, dedupe_key=f"{kind}:{award.trainee_id}:{award.id}:{award.expires_on}",
                context={"award": award, "days": (award.expires_on - day).days}, links=_verify_links(award))
    return written


@signals.scheduled_tick.connect
def _on_tick(_sender, *, day: date, **_) -> dict:
    return {"session_reminders": session_reminders(day), "expiry_notices": expiry_notices(day)}


def tick(day: date | None = None) -> dict:
    """One run of the scheduled work in the caller's transaction (every receiver of
    ``scheduled_tick``); the caller commits, and the rows leave after the commit."""
    return signals.merged(signals.scheduled_tick.send("talent.notifications", day=day or clock.today()))


def tick_and_sweep() -> None:
    """One round of the worker's scheduled work: the day's reminders and notices are written and
    committed (their own transaction, outside any request or command), then what is due is sent."""
    tick()
    db.session.commit()
    outbox.sweep()
