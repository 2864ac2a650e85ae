"""The events people are told about: receivers of the domain signals (``talent.signals``), each
writing outbox rows in the sender's transaction, and the scheduled work (session reminders the
day before, certificate expiry notices 60 and 30 days ahead) run by :func:`tick`.

``create_app`` imports this module, so every receiver is connected in the app, the CLI, the
worker and the tests. Scheduled rows carry a ``dedupe_key`` per (event, person, day/record), so
any number of workers may run the tick at the same time and each notice is written once.
"""
from __future__ import annotations

import logging
import threading
import time as monotonic_time
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from talent import clock, signals
from talent.accounts.models import User
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.models import Cohort, CohortSession, CohortStatus, Enrollment, EnrollmentStatus
from talent.notifications import outbox, services
from talent.people.models import Trainee
from talent.permissions import Actor
from talent.placement import followup
from talent.reporting import snapshots

log = logging.getLogger("talent.schedule")


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
def _on_enrollment(_actor, *, enrollment: Enrollment, event: str, notify: bool = True, **_) -> None:
    if not notify:   # the sender tells the person itself (an accepted application: one message)
        return
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
    context = _cohort_context(cohort)
    if event == "accepted" and application.enrollment_id is not None:
        # One message saying both: accepted, and a seat or a place on the waiting list (the
        # enrollment wrote no notice of its own). In the person's language: their account's when
        # they have one, else the one they applied in; to the address they applied with, else
        # their record's.
        trainee = db.session.get(Trainee, application.trainee_id)
        context["enrollment"] = db.session.get(Enrollment, application.enrollment_id)
        services.notify_applicant(application, "application_accepted", context=context,
                                  locale=services.account_locale(trainee),
                                  recipient=application.email or (trainee.email if trainee.consent_at else None),
                                  links={"portal": f"{services.base_url()}/me"} if trainee.user_id else None)
        return
    services.notify_applicant(application, f"application_{event}", context=context, links=links)


@signals.placement_declined.connect
def _on_placement_declined(_actor, *, placement, **_) -> None:
    """An employer declined a job: the administrators of the center that recorded it are told, with
    the employer's reason and a link to the center's jobs, where they may correct the record."""
    trainee = db.session.get(Trainee, placement.trainee_id)
    services.notify_center_admins(
        placement.center_id, "placement_declined",
        context={"placement": placement, "employer_name": placement.employer.name,
                 "trainee_name": trainee.display_name if trainee else "", "reason": placement.employer_decline_reason,
                 "url": f"{services.base_url()}/center/placements"})



@signals.talent_shortlisted.connect
def _on_shortlisted(_actor, *, entry, vacancy, **_) -> None:
    """Issue 20: a graduate put on an employer's shortlist is told, with the link to answer."""
    trainee = db.session.get(Trainee, entry.trainee_id)
    services.notify_trainee(trainee, "shortlisted",
                            context={"vacancy": vacancy, "employer_name": vacancy.employer.name},
                            links={"answer": f"{services.base_url()}/me/talent"})


@signals.shortlist_answered.connect
def _on_shortlist_answered(_actor, *, entry, vacancy, **_) -> None:
    """Issue 20: the employer's users are told that a graduate answered, each in their language;
    the answer and (when interested) the email are on the shortlist page, not in the message."""
    trainee = db.session.get(Trainee, entry.trainee_id)
    link = f"{services.base_url()}/employer/vacancies/{vacancy.id}/shortlist"
    users = db.session.scalars(select(User).where(User.role == "employer", User.employer_id == entry.employer_id,
                                                  User.active.is_(True)).order_by(User.id))
    for user in users:
        locale = user.locale if user.locale in services.LANGUAGES else "az"
        message = services.compose("shortlist_answered", locale, links={"shortlist": link},
                                   name=trainee.display_name, vacancy=vacancy, interested=entry.answer == "interested")
        outbox.enqueue(kind="shortlist_answered", channel="email", recipient=user.email, subject=message.subject,
                       body_text=message.text, body_html=message.html, locale=locale, user_id=user.id)

# ---- scheduled work -----------------------------------------------------------------------------

def session_reminders(day: date) -> int:
    """Remind every enrolled trainee of each session that starts tomorrow (in the app's zone).
    In bulk: one statement reads the sessions with their trainees, the notices are written by
    :func:`services.notify_trainees` (a bounded number of statements however many there are)."""
    tomorrow = day + timedelta(days=1)
    zone = clock.zone()
    start = datetime.combine(tomorrow, time.min, tzinfo=zone)
    end = start + timedelta(days=1)
    pairs = db.session.execute(
        select(CohortSession, Trainee).join(Cohort, Cohort.id == CohortSession.cohort_id)
        .join(Enrollment, Enrollment.cohort_id == Cohort.id).join(Trainee, Trainee.id == Enrollment.trainee_id)
        .where(CohortSession.starts_at >= start, CohortSession.starts_at < end,
               Cohort.status.in_((CohortStatus.OPEN, CohortStatus.RUNNING, CohortStatus.PLANNED)),
               Enrollment.status == EnrollmentStatus.ENROLLED)
        .options(joinedload(CohortSession.cohort))
        .order_by(CohortSession.starts_at, CohortSession.id, Trainee.id)).all()
    contexts: dict[int, dict] = {}
    notices = []
    for session, trainee in pairs:
        if session.id not in contexts:
            contexts[session.id] = {**_cohort_context(session.cohort), "session": session,
                                    "starts_at": session.starts_at.astimezone(zone)}
        notices.append(services.Notice(trainee, f"reminder:{session.id}:{trainee.id}:{tomorrow}", contexts[session.id]))
    return services.notify_trainees("session_reminder", notices, sms=True)


EXPIRY_NOTICES = ((60, 30, "expiry_60"), (30, 0, "expiry_30"))


def expiry_notices(day: date) -> int:
    """Tell holders of a valid award that expires within 60 (then 30) days; once per award,
    notice and expiry date (a day the tick did not run is caught up on the next). In bulk, like
    :func:`session_reminders`."""
    written = 0
    for within, after, kind in EXPIRY_NOTICES:
        pairs = db.session.execute(select(Award, Trainee).join(Trainee, Trainee.id == Award.trainee_id).where(
            Award.revoked_at.is_(None), Award.expires_on.is_not(None),
            Award.expires_on > day + timedelta(days=after), Award.expires_on <= day + timedelta(days=within))
            .order_by(Award.id)).all()
        written += services.notify_trainees(kind, [
            services.Notice(trainee, f"{kind}:{award.trainee_id}:{award.id}:{award.expires_on}",
                            {"award": award, "days": (award.expires_on - day).days}, _verify_links(award))
            for award, trainee in pairs])
    return written


@signals.scheduled_tick.connect
def _on_tick(_sender, *, day: date, **_) -> dict:
    return {"session_reminders": session_reminders(day), "expiry_notices": expiry_notices(day)}


@signals.scheduled_tick.connect
def _on_tick_followups(_sender, *, day: date, **_) -> dict:
    """The graduates' follow-up waves and their reminders (idempotent: one request per enrollment
    and wave), so the worker's or the embedded ticker's schedule sends them without a cron job."""
    result = followup.send_due(Actor.system(label="scheduled work", channel="worker"), today=day)
    return {"followup_links": sum(result.sent.values()), "followup_reminders": result.reminded}


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


# ---- the embedded ticker ------------------------------------------------------------------------
# Without a broker (the embedded default: ``make run``, SQLite, no Redis) nothing else would run the
# scheduled work or retry a failed message. The serving process therefore runs one small daemon
# thread: every ``OUTBOX_SWEEP_SECONDS`` it delivers what is due (retries after their backoff, rows
# of a process that died), every ``SCHEDULE_SECONDS`` it runs :func:`tick_and_sweep`, and every
# ``KEPT_REFRESH_SECONDS`` it makes the kept report answers current: the same code ``talent worker``
# runs. It starts with the first request (so ``talent db upgrade`` or any
# other command starts nothing), only when ``EMBEDDED_SCHEDULER`` is on (default: on, except under
# tests) and no ``BROKER_URL`` is set. Several processes (gunicorn workers) may each run one: the
# scheduled rows are keyed per event and day and each outbox row is claimed once.

_ticker: threading.Thread | None = None
_ticker_stop = threading.Event()
_ticker_lock = threading.Lock()
FIRST_ROUND_DELAY = 5.0   # seconds after the first request: the server answers it first


def embedded_round(app: Flask, *, schedule: bool, kept: bool = False) -> dict:
    """One round of the embedded ticker, in its own app context and transactions: the scheduled
    work when ``schedule`` (committed), then the sweep of due rows, then, when ``kept``, the kept
    report answers made current (the worker's job, :func:`snapshots.refresh_job`).
    Never raises."""
    with app.app_context():
        result: dict = {}
        try:
            if schedule:
                result = tick()
                db.session.commit()
            result.update(outbox.sweep())
        except Exception:  # noqa: BLE001 - logged; the next round tries again
            db.session.rollback()
            log.exception("embedded scheduler: a round failed; the next one tries again")
            db.session.remove()
            return {}
        try:
            if kept:
                result["kept_snapshots"] = snapshots.refresh_job()
            return result
        except Exception:  # noqa: BLE001 - the page answers live meanwhile; the next round tries again
            log.exception("embedded scheduler: the kept reports' refresh failed; the next round tries again")
            return result
        finally:
            db.session.remove()


def _ticking(app: Flask, stop: threading.Event, first_delay: float) -> None:
    sweep_every = float(app.config.get("OUTBOX_SWEEP_SECONDS", 60))
    schedule_every = float(app.config.get("SCHEDULE_SECONDS", 3600))
    kept_every = float(app.config.get("KEPT_REFRESH_SECONDS", 60))
    last_schedule = last_kept = None
    wait = first_delay
    while not stop.wait(wait):
        now = monotonic_time.monotonic()
        due = last_schedule is None or now - last_schedule >= schedule_every
        if due:
            last_schedule = now
        kept_due = last_kept is None or now - last_kept >= kept_every
        if kept_due:
            last_kept = now
        embedded_round(app, schedule=due, kept=kept_due)
        wait = min(sweep_every, schedule_every, kept_every)


def embedded_scheduler_wanted(app: Flask) -> bool:
    return bool(app.config.get("EMBEDDED_SCHEDULER")) and not app.config.get("BROKER_URL")


def start_embedded_scheduler(app: Flask, *, first_delay: float | None = None) -> bool:
    """Start the ticker thread of this process unless it runs already; True when it runs."""
    global _ticker
    if not embedded_scheduler_wanted(app):
        return False
    with _ticker_lock:
        if _ticker is None or not _ticker.is_alive():
            _ticker_stop.clear()
            delay = FIRST_ROUND_DELAY if first_delay is None else first_delay
            _ticker = threading.Thread(target=_ticking, args=(app, _ticker_stop, delay),
                                       name="talent-scheduler", daemon=True)
            _ticker.start()
            log.info("embedded scheduler: sweep every %ss, scheduled work every %ss",
                     app.config.get("OUTBOX_SWEEP_SECONDS"), app.config.get("SCHEDULE_SECONDS"))
    return True


def stop_embedded_scheduler(timeout: float = 10.0) -> None:
    global _ticker
    with _ticker_lock:
        thread, _ticker = _ticker, None
    _ticker_stop.set()
    if thread is not None:
        thread.join(timeout)


def embedded_scheduler_running() -> bool:
    return _ticker is not None and _ticker.is_alive()


def init_embedded_scheduler(app: Flask) -> None:
    """Start the ticker with the first request the app serves (see above; the configuration is
    read then, so a test may switch it on)."""

    @app.before_request
    def _start_scheduler() -> None:
        if not embedded_scheduler_running() and embedded_scheduler_wanted(app):
            start_embedded_scheduler(app)
