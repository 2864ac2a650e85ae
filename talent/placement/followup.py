"""Self-service follow-up waves: graduates report their own job situation through a private link.

At 3, 6 and 12 months after their cohort ended, every completer with an email address (or, without
one, a phone number: the link then goes by SMS) who has not withdrawn their follow-up consent receives — once per enrollment and wave (unique in the database)
— a private one-time link to a short form in their language (the language of their account, else
of their course). The link's token is signed (itsdangerous, its own salt) and random; only its
SHA-256 is stored, with an expiry (``LINK_DAYS``). Without an answer after ``REMINDER_DAYS`` one
reminder goes with a new link (the older link stops working); an answer stops every reminder.

The answer is either a job — recorded as a self-reported placement pending the center's
verification, exactly like a job a trainee reports from the portal, so once the center verifies
it it counts in the ministry's placement figures — or "not working" / "studying" (for the 3- and
6-month waves also recorded as the milestone's follow-up outcome, so the center does not phone).

Mail and SMS leave after the commit (:func:`talent.mail.many_after_commit`: written in bulk, like the
requests and their audit events, so a big database's first run is a few statements). A wave is sent only while
it is the graduate's current one (a cohort that ended two years ago gets no 3-month question).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import and_, case, exists, func, or_, select
from sqlalchemy.orm import contains_eager

from talent import audit, clock, mail
from talent.accounts.models import User
from talent.catalog.models import Course, Occupation
from talent.centers.queries import Page
from talent.errors import DomainError, ValidationError
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, scope_centers
from talent.placement.followup_models import ANSWERS, LANGUAGES, PAY_BANDS, WAVES, FollowUpRequest
from talent.placement.models import FollowUp, Placement, PlacementStatus
from talent.placement.queries import milestone_cutoff
from talent.placement.services import (CHECK_MESSAGE, MILESTONES, apply_job_values, existing_employer, clean_job_fields,
                                       placement_market)

LINK_DAYS = 30
REMINDER_DAYS = 14
TOKEN_MAX_LENGTH = 300
PATH = "/followup/"
# A wave is asked while it is the current one: from its month up to the next wave's (12 → 18).
WINDOW_END = {3: 6, 6: 12, 12: 18}
JOB_FIELDS = ("employer_name", "country_code", "occupation_code", "job_title", "employment_type", "remote",
              "start_date")


class FollowUpLinkInvalid(DomainError):
    """A follow-up link that was tampered with, expired, replaced by a reminder or already used."""
    status = 410
    code = "link_invalid"

    def __init__(self, message, *, language: str | None = None):
        super().__init__(message)
        self.language = language   # the graduate's, when the link was theirs (answered, expired, replaced)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="talent-followup")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _new_token(enrollment_id: int, wave: int) -> str:
    return _serializer().dumps({"e": enrollment_id, "w": wave, "n": secrets.token_urlsafe(24)})


def link_for(token: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + PATH + token


def graduate_language(user_locale: str | None, course_language: str | None) -> str:
    for language in (user_locale, course_language):
        if language in LANGUAGES:
            return language
    return "az"


# ---- sending -------------------------------------------------------------------------------

def _message(request: FollowUpRequest, first_name: str, token: str, *, reminder: bool,
             phone: str | None = None) -> dict:
    """The link to the graduate, as an outbox row (:func:`talent.mail.many_after_commit`): by mail
    to ``request.email``, or, when the request has no address (the graduate had none), by SMS to
    ``phone``."""
    with force_locale(request.language):
        if not request.email:
            text = (_("%(name)s, reminder: how are you doing after your course? Answer in two minutes (the link "
                      "is yours alone, works once): %(link)s", name=first_name, link=link_for(token)) if reminder
                    else _("%(name)s, how are you doing after your course? Answer in two minutes (the link is "
                           "yours alone, works once): %(link)s", name=first_name, link=link_for(token)))
            return {"kind": "followup", "channel": "sms", "recipient": phone, "subject": "", "body_text": text,
                    "trainee_id": request.trainee_id, "locale": request.language}
        subject = (_("Reminder: how are you doing after your course? — AI Talent Centers") if reminder
                   else _("How are you doing after your course? — AI Talent Centers"))
        body = "\n".join([
            _("Hello, %(name)s!", name=first_name), "",
            _("%(months)d months ago you completed your course at an AI Talent Center. Tell us in two "
              "minutes whether you are working — your answer helps the centers and the next trainees.",
              months=request.wave), "",
            link_for(token), "",
            _("The link is yours alone, works once and expires in %(days)d days.", days=LINK_DAYS),
            _("If you do not want these questions, withdraw your follow-up consent in your trainee account."),
        ]) + "\n"
    return {"kind": "followup", "channel": "email", "recipient": request.email, "subject": subject,
            "body_text": body, "trainee_id": request.trainee_id, "locale": request.language}


def _due_rows(today: date, wave: int):
    """Completers whose ``wave``-month follow-up is due today and not yet sent."""
    latest_end = milestone_cutoff(today, wave)
    earliest_end = milestone_cutoff(today, WINDOW_END[wave])
    has_email = and_(Trainee.email.is_not(None), Trainee.email != "")
    has_phone = and_(Trainee.phone.is_not(None), Trainee.phone != "")
    stmt = (select(Enrollment.id, Enrollment.trainee_id, Enrollment.cohort_id, Cohort.center_id, Trainee.email,
                   Trainee.phone, Trainee.first_name, User.locale, Course.language)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .outerjoin(User, User.id == Trainee.user_id)
            .where(Enrollment.status == EnrollmentStatus.COMPLETED, Trainee.followup_consent.is_(True),
                   or_(has_email, has_phone),
                   Cohort.end_date <= latest_end, Cohort.end_date > earliest_end,
                   ~exists(select(FollowUpRequest.id).where(FollowUpRequest.enrollment_id == Enrollment.id,
                                                            FollowUpRequest.wave == wave))))
    if wave in MILESTONES:  # the center already reached them for this milestone
        stmt = stmt.where(~exists(select(FollowUp.id).where(FollowUp.enrollment_id == Enrollment.id,
                                                            FollowUp.milestone_months == wave)))
    return db.session.execute(stmt.order_by(Enrollment.id)).all()


INSERT_CHUNK = 500   # requests per multi-row INSERT (11 columns each: far under any parameter limit)


def _insert_unless_sent(values: list[dict]) -> list[FollowUpRequest]:
    """Insert the requests, one multi-row ``INSERT … ON CONFLICT (enrollment_id, wave) DO NOTHING
    RETURNING`` per ``INSERT_CHUNK``; answers the requests this run wrote. A request another run
    (another scheduler or worker) inserted meanwhile is skipped, on PostgreSQL and SQLite alike,
    and the run goes on with the others."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_for
    else:
        from sqlalchemy.dialects.sqlite import insert as insert_for
    written: list[FollowUpRequest] = []
    for start in range(0, len(values), INSERT_CHUNK):
        written.extend(db.session.scalars(
            insert_for(FollowUpRequest).values(values[start:start + INSERT_CHUNK])
            .on_conflict_do_nothing(index_elements=["enrollment_id", "wave"]).returning(FollowUpRequest)))
    return sorted(written, key=lambda request: request.id)


@dataclass
class SendResult:
    sent: dict[int, int]
    reminded: int

    @property
    def total(self) -> int:
        return sum(self.sent.values()) + self.reminded


def send_due(actor: Actor, today: date | None = None) -> SendResult:
    """Send every follow-up wave that is due and not yet sent, and the reminders that are due.

    Idempotent: a second run the same day sends nothing (one request per enrollment and wave,
    unique in the database; a reminder goes once). Two runs at once on PostgreSQL each skip what
    the other inserted (see ``_insert_unless_sent``). Mail leaves only after the commit."""
    require(actor, P.PLACEMENTS_WRITE)
    today = today or clock.today()
    now = clock.now()
    # In bulk (a big database's first run has thousands): per wave one read of the due graduates and
    # multi-row inserts of the requests; the messages and audit events are flushed together.
    sent: dict[int, int] = {}
    for wave in WAVES:
        due = _due_rows(today, wave)
        tokens: dict[int, tuple[str, str, str | None]] = {}
        values = []
        for enrollment_id, trainee_id, cohort_id, center_id, email, phone, first_name, locale, course_language in due:
            if enrollment_id in tokens:      # one request (and one link) per enrollment and wave
                continue
            token = _new_token(enrollment_id, wave)
            tokens[enrollment_id] = (token, first_name, phone)
            values.append(dict(enrollment_id=enrollment_id, trainee_id=trainee_id, cohort_id=cohort_id,
                               center_id=center_id, wave=wave,
                               language=graduate_language(locale, course_language), email=(email or "").strip(),
                               token_hash=token_hash(token), sent_at=now,
                               expires_at=now + timedelta(days=LINK_DAYS), created_at=now))
        written = _insert_unless_sent(values) if values else []
        mail.many_after_commit([_message(request, tokens[request.enrollment_id][1], tokens[request.enrollment_id][0],
                                         reminder=False, phone=tokens[request.enrollment_id][2])
                                for request in written])
        audit.record_many(actor, "followup.request_send", "followup_request", [
            {"entity_id": request.id, "trainee_id": request.trainee_id,
             "details": {"wave": wave, "language": request.language, "channel": "email" if request.email else "sms"}}
            for request in written])
        sent[wave] = len(written)
    stale = db.session.scalars(
        select(FollowUpRequest).join(Trainee, Trainee.id == FollowUpRequest.trainee_id)
        .where(FollowUpRequest.answered_at.is_(None), FollowUpRequest.reminded_at.is_(None),
               FollowUpRequest.sent_at <= now - timedelta(days=REMINDER_DAYS),
               Trainee.followup_consent.is_(True))
        .options(contains_eager(FollowUpRequest.trainee))
        .order_by(FollowUpRequest.id)).all()
    new_tokens = {}
    for request in stale:
        new_tokens[request.id] = _new_token(request.enrollment_id, request.wave)
        request.token_hash = token_hash(new_tokens[request.id])
        request.reminded_at = now
        request.expires_at = now + timedelta(days=LINK_DAYS)
    db.session.flush()      # one batch of updates; each audit event below takes its request's changes
    mail.many_after_commit([_message(request, request.trainee.first_name, new_tokens[request.id], reminder=True,
                                     phone=request.trainee.phone) for request in stale])
    audit.record_many(actor, "followup.request_remind", "followup_request", [
        {"entity_id": request.id, "trainee_id": request.trainee_id, "details": {"wave": request.wave}}
        for request in stale])
    return SendResult(sent=sent, reminded=len(stale))


# ---- the link ------------------------------------------------------------------------------

NOT_VALID = _l("This link is not valid. Check that you opened the whole link from the message.")
USED = _l("This follow-up has already been answered. Thank you!")
REPLACED = _l("This link was replaced by a newer one: use the link in the most recent message.")
EXPIRED = _l("This link has expired. Your center will contact you.")


def request_for_token(token: Any) -> FollowUpRequest:
    """The open follow-up request of a valid link; otherwise :class:`FollowUpLinkInvalid` with a
    message saying why (not valid, replaced, already answered, expired)."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        raise FollowUpLinkInvalid(NOT_VALID)
    try:
        data = _serializer().loads(token)
    except BadSignature:
        raise FollowUpLinkInvalid(NOT_VALID) from None
    if not isinstance(data, dict) or not isinstance(data.get("e"), int) or data.get("w") not in WAVES:
        raise FollowUpLinkInvalid(NOT_VALID)
    request = db.session.scalar(select(FollowUpRequest).where(FollowUpRequest.token_hash == token_hash(token)))
    if request is None:
        known = db.session.scalar(select(FollowUpRequest).where(FollowUpRequest.enrollment_id == data["e"],
                                                                FollowUpRequest.wave == data["w"]))
        if known is not None and known.answered_at is not None:
            raise FollowUpLinkInvalid(USED, language=known.language)
        if known is not None:
            raise FollowUpLinkInvalid(REPLACED, language=known.language)
        raise FollowUpLinkInvalid(NOT_VALID)
    if request.answered_at is not None:
        raise FollowUpLinkInvalid(USED, language=request.language)
    if request.expires_at <= clock.now():
        raise FollowUpLinkInvalid(EXPIRED, language=request.language)
    return request


def _graduate_actor(request: FollowUpRequest, ip: str | None) -> Actor:
    user_id = request.trainee.user_id
    return Actor(user_id=user_id, label=f"follow-up link ({request.wave} months)", role="trainee",
                 trainee_id=request.trainee_id, ip=ip, channel="web")


def answer(token: Any, fields: dict[str, Any], *, ip: str | None = None) -> FollowUpRequest:
    """Record a graduate's answer through their link (once). ``fields``: ``situation`` (one of
    ``ANSWERS``) and, for a job, the job fields of :data:`JOB_FIELDS` plus ``pay_band``.

    Raises FollowUpLinkInvalid for a bad link and ValidationError (naming every bad field) for
    bad answers; nothing is written then."""
    request = request_for_token(token)
    # One answer even when the form is sent twice at once (a second request waits, then sees it).
    request = db.session.scalar(select(FollowUpRequest).where(FollowUpRequest.id == request.id)
                                .with_for_update().execution_options(populate_existing=True))
    if request.answered_at is not None:
        raise FollowUpLinkInvalid(USED, language=request.language)
    situation = str(fields.get("situation") or "").strip()
    errors: dict[str, str] = {}
    if situation not in ANSWERS:
        errors["situation"] = str(_l("Choose one of the answers."))
    pay_band = str(fields.get("pay_band") or "").strip() or None
    if pay_band is not None and pay_band not in PAY_BANDS:
        errors["pay_band"] = str(_l("Choose a pay band from the list."))
    values: dict[str, Any] = {}
    if situation == "employed":
        job = {name: fields.get(name) for name in JOB_FIELDS}
        occupation = str(job.get("occupation_code") or "").strip()
        if not str(job.get("job_title") or "").strip() and occupation:
            known = db.session.get(Occupation, occupation) if len(occupation) <= 4 else None
            if known is not None:
                job["job_title"] = known.name_in(request.language)
        try:
            values = clean_job_fields(job)
        except ValidationError as error:
            errors.update(error.fields)
    if errors:
        raise ValidationError(CHECK_MESSAGE, fields=errors)
    actor = _graduate_actor(request, ip)
    cohort = request.cohort
    if situation == "employed":
        employer = existing_employer(values["employer_name"], values["country_code"])
        placement = None
        if employer is not None:   # the same job reported already (portal or an earlier wave)
            placement = db.session.scalar(select(Placement).where(
                Placement.trainee_id == request.trainee_id, Placement.employer_id == employer.id,
                Placement.start_date == values["start_date"]))
        if placement is None:
            placement = Placement(trainee_id=request.trainee_id, source="self_reported", verification=PlacementStatus.PENDING,
                                  center_id=cohort.center_id, created_by_id=actor.user_id)
            apply_job_values(actor, placement, values)
            db.session.add(placement)
            db.session.flush()
            audit.record(actor, "placement.report", "placement", placement.id, trainee_id=request.trainee_id,
                         center_id=placement.center_id,
                         details={"source": "self_reported", "followup_wave": request.wave,
                                  "market": placement_market(placement)})
        request.placement_id = placement.id
    elif request.wave in MILESTONES:
        exists_already = db.session.scalar(select(FollowUp.id).where(
            FollowUp.enrollment_id == request.enrollment_id, FollowUp.milestone_months == request.wave))
        if exists_already is None:
            db.session.add(FollowUp(enrollment_id=request.enrollment_id, milestone_months=request.wave,
                                    outcome="studying" if situation == "studying" else "looking",
                                    note="Answered by the graduate through the follow-up link.",
                                    recorded_by_id=None))
    request.answered_at = clock.now()
    request.outcome = situation
    request.pay_band = pay_band if situation == "employed" else None
    db.session.flush()
    audit.record(actor, "followup.answer", "followup_request", request.id, trainee_id=request.trainee_id,
                 center_id=cohort.center_id, details={"wave": request.wave, "outcome": situation})
    return request


# ---- the center's queue --------------------------------------------------------------------

def _overdue(now: datetime):
    return and_(FollowUpRequest.answered_at.is_(None),
                FollowUpRequest.sent_at <= now - timedelta(days=REMINDER_DAYS))


def _of_centers(actor: Actor, center_id: int | None):
    """``followup_requests`` of the actor's centers (of ``center_id`` when given), by the center kept
    on each link (its cohort's: one index range per center, where the cohorts' ids were one index
    descent per cohort); None when that is every link."""
    centers = None if actor.center_ids is None else set(actor.center_ids)
    if center_id:
        centers = {center_id} if centers is None else centers & {center_id}
    if centers is None:
        return None
    return FollowUpRequest.center_id.in_(sorted(centers) or [-1])


def request_rows(actor: Actor, center_id: int | None = None, page: int = 1, per_page: int = 25) -> Page:
    """The follow-up links sent to graduates of the actor's cohorts, newest first: rows with the
    graduate's name, cohort, wave, sent / reminded / answered, the answer and the job it created
    (pending verification until the center decides). Personal data: the caller audits the view.
    The total is counted on the links alone (a link always has its cohort and trainee)."""
    require(actor, P.PLACEMENTS_READ)
    require(actor, P.TRAINEES_READ)
    now = clock.now()
    stmt = (select(FollowUpRequest.id, FollowUpRequest.wave, FollowUpRequest.sent_at, FollowUpRequest.reminded_at,
                   FollowUpRequest.answered_at, FollowUpRequest.outcome, FollowUpRequest.pay_band,
                   FollowUpRequest.placement_id, FollowUpRequest.trainee_id, Trainee.last_name, Trainee.first_name,
                   Cohort.code.label("cohort_code"), Placement.verification.label("verification"),
                   _overdue(now).label("overdue"))
            .join(Cohort, Cohort.id == FollowUpRequest.cohort_id)
            .join(Trainee, Trainee.id == FollowUpRequest.trainee_id)
            .outerjoin(Placement, Placement.id == FollowUpRequest.placement_id))
    # The rows shown are scoped by their cohort's center (the personal data rests on the live rule);
    # the total by the center kept on each link, which equals it.
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    if center_id:
        stmt = stmt.where(Cohort.center_id == center_id)
    condition = _of_centers(actor, center_id)
    page = max(1, page)
    rows = list(db.session.execute(stmt.order_by(FollowUpRequest.sent_at.desc(), FollowUpRequest.id.desc())
                                   .limit(per_page).offset((page - 1) * per_page)).all())
    count = select(func.count()).select_from(FollowUpRequest)
    total = db.session.scalar(count if condition is None else count.where(condition)) or 0
    return Page(items=rows, page=page, per_page=per_page, total=total)


def response_rates(actor: Actor, center_id: int | None = None, page: int = 1, per_page: int = 25) -> Page:
    """Per cohort of the actor's centers that links went to, newest cohorts first, a page of them:
    links sent, answered, overdue and the response rate (answered / sent). Items: dicts of
    cohort_code, sent, answered, overdue, rate. The cohorts of the page are chosen first, then only
    their links are added up (a center with thousands of cohorts gets 25 rows, not a table of all)."""
    require(actor, P.PLACEMENTS_READ)
    now = clock.now()
    cohorts = select(Cohort.id, Cohort.code, Cohort.end_date).where(
        exists(select(FollowUpRequest.id).where(FollowUpRequest.cohort_id == Cohort.id)))
    cohorts = scope_centers(cohorts, actor, Cohort.center_id)
    if center_id:
        cohorts = cohorts.where(Cohort.center_id == center_id)
    # Counted on the links alone: their distinct cohorts, by the center kept on each link.
    condition = _of_centers(actor, center_id)
    linked = select(FollowUpRequest.cohort_id).distinct()
    linked = linked if condition is None else linked.where(condition)
    total = db.session.scalar(select(func.count()).select_from(linked.subquery())) or 0
    page = max(1, page)
    chosen = (cohorts.order_by(Cohort.end_date.desc(), Cohort.code, Cohort.id)
              .limit(per_page).offset((page - 1) * per_page).subquery("chosen"))
    answered = func.count(FollowUpRequest.answered_at)
    stmt = (select(chosen.c.code.label("cohort_code"), func.count(FollowUpRequest.id).label("sent"),
                   answered.label("answered"), func.sum(case((_overdue(now), 1), else_=0)).label("overdue"))
            .join(FollowUpRequest, FollowUpRequest.cohort_id == chosen.c.id)
            .group_by(chosen.c.id, chosen.c.code, chosen.c.end_date)
            .order_by(chosen.c.end_date.desc(), chosen.c.code, chosen.c.id))
    items = [{"cohort_code": row.cohort_code, "sent": row.sent, "answered": row.answered,
              "overdue": int(row.overdue or 0), "rate": row.answered / row.sent if row.sent else 0.0}
             for row in db.session.execute(stmt)]
    return Page(items=items, page=page, per_page=per_page, total=total)
