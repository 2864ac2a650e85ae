"""What people and administrators do with notifications: compose a message in the recipient's
language, a trainee's channel preferences and unsubscribe links, and the administrator's queue
(list, retry, discard; permission ``outbox:manage``, audited).

Essential messages (about a seat, a cancelled or moved cohort, a certificate issued or revoked,
an invitation) reach anyone with a contact; non-essential ones (session reminders, expiry
notices, follow-ups) only while the person's preference for that channel is on, and each carries
an unsubscribe link. Nothing is written for a person without the channel's contact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import select

from talent import audit, clock
from talent.accounts.models import User
from talent.centers.queries import Page, paginate_rows
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.notifications import outbox
from talent.notifications.models import OutboxStatus, CHANNELS, STATUSES, NotificationPreference, OutboxMessage
from talent.people.models import Trainee
from talent.permissions import Actor, P, require

LANGUAGES = ("az", "en", "ru")
NON_ESSENTIAL = frozenset({"session_reminder", "expiry_60", "expiry_30", "followup"})


# ---- composing ----------------------------------------------------------------------------------

def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def locale_of(trainee: Trainee) -> str:
    if trainee.user_id:
        user = db.session.get(User, trainee.user_id)
        if user is not None and user.locale in LANGUAGES:
            return user.locale
    return current_app.config.get("BABEL_DEFAULT_LOCALE", "az") if current_app else "az"


@dataclass
class Composed:
    subject: str
    text: str
    html: str
    sms: str


def compose(kind: str, locale: str, *, unsubscribe: str | None = None, links: dict[str, str] | None = None,
            **context: Any) -> Composed:
    """Render ``templates/notifications/<kind>.txt`` (subject on its first line, then the body;
    the last paragraph is the SMS text) in ``locale``, and its HTML twin from the same text."""
    with force_locale(locale if locale in LANGUAGES else "az"):
        # The Jinja environment directly: a message needs no request's context processors.
        env = current_app.jinja_env
        rendered = env.get_template(f"notifications/{kind}.txt").render(**context).strip()
        subject, _sep, body = rendered.partition("\n")
        body = body.strip()
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        footer = _("You receive this because you are registered with an AI Talent Center.")
        labels = {"portal": _("Your page"), "verify": _("Check the certificate"), "status": _("Your application"),
                  "share": _("Add it to your LinkedIn profile"), "answer": _("Answer the employer"),
                  "shortlist": _("Open the shortlist")}
        links = {labels.get(key, key): url for key, url in (links or {}).items()}
        text = body
        for label, url in links.items():
            text += f"\n\n{label}: {url}"
        if unsubscribe:
            text += "\n\n" + _("Stop these messages: %(url)s", url=unsubscribe)
        text += "\n\n-- \n" + footer
        html = env.get_template("notifications/email.html").render(
            subject=subject.strip(), paragraphs=paragraphs, links=links or {}, unsubscribe=unsubscribe,
            footer=footer, lang=locale)
    return Composed(subject=subject.strip(), text=text, html=html, sms=paragraphs[-1] if paragraphs else subject)


# ---- preferences and unsubscribe ----------------------------------------------------------------

def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="talent-unsubscribe")


def unsubscribe_token(trainee_id: int, channel: str) -> str:
    return _serializer().dumps({"t": trainee_id, "c": channel})


def unsubscribe_url(trainee_id: int, channel: str) -> str:
    return f"{base_url()}/notifications/unsubscribe/{unsubscribe_token(trainee_id, channel)}"


def read_unsubscribe_token(token: str) -> tuple[Trainee, str]:
    try:
        data = _serializer().loads(token)
        trainee_id, channel = int(data["t"]), str(data["c"])
    except (BadSignature, KeyError, TypeError, ValueError):
        raise NotFound(_l("This link is not valid.")) from None
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None or channel not in CHANNELS:
        raise NotFound(_l("This link is not valid."))
    return trainee, channel


def preferences(trainee_id: int) -> dict[str, bool]:
    rows = db.session.scalars(select(NotificationPreference).where(NotificationPreference.trainee_id == trainee_id))
    found = {row.channel: row.enabled for row in rows}
    return {channel: found.get(channel, True) for channel in CHANNELS}


def wants(trainee_id: int, channel: str, kind: str) -> bool:
    return kind not in NON_ESSENTIAL or preferences(trainee_id)[channel]


def _set(actor: Actor, trainee_id: int, values: dict[str, bool], action: str) -> dict[str, bool]:
    before = preferences(trainee_id)
    for channel, enabled in values.items():
        if channel not in CHANNELS:
            raise ValidationError(_l("Please correct the marked fields."), fields={channel: _l("Unknown channel.")})
        row = db.session.scalar(select(NotificationPreference).where(NotificationPreference.trainee_id == trainee_id,
                                                                     NotificationPreference.channel == channel))
        if row is None:
            row = NotificationPreference(trainee_id=trainee_id, channel=channel, enabled=bool(enabled))
            db.session.add(row)
        else:
            row.enabled = bool(enabled)
    db.session.flush()
    after = preferences(trainee_id)
    if after != before:
        audit.record(actor, action, "trainee", trainee_id, trainee_id=trainee_id,
                     details={"before": before, "after": after})
    return after


def set_my_preferences(actor: Actor, values: dict[str, bool]) -> dict[str, bool]:
    """A trainee turns non-essential messages on or off per channel."""
    require(actor, P.SELF_WRITE)
    if actor.trainee_id is None:
        raise NotFound(_l("Not found."))
    return _set(actor, actor.trainee_id, values, "notifications.preferences")


def unsubscribe(token: str, *, ip: str | None = None) -> tuple[Trainee, str]:
    """The unsubscribe link: turns the channel's non-essential messages off (no sign-in)."""
    trainee, channel = read_unsubscribe_token(token)
    actor = Actor(user_id=trainee.user_id, label=f"unsubscribe link (trainee {trainee.id})", role="anonymous",
                  ip=ip, channel="web")
    _set(actor, trainee.id, {channel: False}, "notifications.unsubscribe")
    return trainee, channel


# ---- the administrator's queue ------------------------------------------------------------------

def list_outbox(actor: Actor, *, status: str | None = None, page: int = 1, per_page: int = 50) -> Page:
    require(actor, P.OUTBOX_MANAGE)
    stmt = select(OutboxMessage).order_by(OutboxMessage.id.desc())
    if status:
        if status not in STATUSES:
            raise ValidationError(_l("Please correct the marked fields."), fields={"status": _l("Unknown status.")})
        stmt = stmt.where(OutboxMessage.status == status)
    result = paginate_rows(stmt, page, per_page)
    result.items = [row[0] for row in result.items]
    return result


def counts(actor: Actor) -> dict[str, int]:
    from sqlalchemy import func
    require(actor, P.OUTBOX_MANAGE)
    found = dict(db.session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)).all())
    return {status: found.get(status, 0) for status in STATUSES}


def _get(actor: Actor, message_id: Any) -> OutboxMessage:
    require(actor, P.OUTBOX_MANAGE)
    try:
        row = db.session.get(OutboxMessage, int(message_id))
    except (TypeError, ValueError):
        row = None
    if row is None:
        raise NotFound(_l("Not found."))
    return row


def retry(actor: Actor, message_id: Any) -> OutboxMessage:
    """Send a failed (or still pending) message again now; it leaves after the commit."""
    row = _get(actor, message_id)
    if row.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
        raise InvalidTransition(_l("Only a failed or pending message can be retried."))
    previous = row.status
    row.status, row.attempts, row.next_attempt_at = OutboxStatus.PENDING, 0, clock.now()
    row.locked_by = row.locked_until = None
    db.session.flush()
    audit.record(actor, "outbox.retry", "outbox_message", row.id, trainee_id=row.trainee_id,
                 details={"from": previous, "kind": row.kind})
    outbox.dispatch_after_commit(row.id)
    return row


def discard(actor: Actor, message_id: Any) -> OutboxMessage:
    """Give up on a failed or pending message: it is kept, marked discarded, never sent."""
    row = _get(actor, message_id)
    if row.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
        raise InvalidTransition(_l("Only a failed or pending message can be discarded."))
    previous = row.status
    row.status = OutboxStatus.DISCARDED
    db.session.flush()
    audit.record(actor, "outbox.discard", "outbox_message", row.id, trainee_id=row.trainee_id,
                 details={"from": previous, "kind": row.kind})
    return row


# ---- writing a trainee's message ----------------------------------------------------------------

def notify_trainee(trainee: Trainee, kind: str, *, context: dict[str, Any], links: dict[str, str] | None = None,
                   sms: bool = False, dedupe_key: str | None = None) -> int:
    """Write the message(s) of ``kind`` for ``trainee`` to the outbox in the current transaction:
    email when they have an address, SMS too when ``sms`` and they have a phone, each only when
    the message is essential or their preference allows it. Returns how many rows were written."""
    if trainee.consent_at is None:
        return 0
    locale = locale_of(trainee)
    written = 0
    targets = [("email", trainee.email)] + ([("sms", trainee.phone)] if sms else [])
    for channel, address in targets:
        if not address or not wants(trainee.id, channel, kind):
            continue
        link = unsubscribe_url(trainee.id, channel) if kind in NON_ESSENTIAL else None
        message = compose(kind, locale, unsubscribe=link, links=links, trainee=trainee, **context)
        body = message.text if channel == "email" else (message.sms + (f" {link}" if link else ""))
        values = dict(kind=kind, channel=channel, recipient=address, subject=message.subject, body_text=body,
                      body_html=message.html if channel == "email" else None, locale=locale, trainee_id=trainee.id)
        if dedupe_key:
            written += outbox.enqueue_unique({**values, "dedupe_key": f"{dedupe_key}:{channel}"})
        else:
            outbox.enqueue(**values)
            written += 1
    return written


# ---- writing an applicant's message (issue 19) ----------------------------------------------------

def notify_applicant(application, kind: str, *, context: dict[str, Any], links: dict[str, str] | None = None) -> int:
    """Write the message of ``kind`` about an online application to the outbox in the current
    transaction: by email in the language the person applied in, only when they gave an address.
    Essential (about their seat): no preference applies."""
    if not application.email:
        return 0
    locale = application.language if application.language in LANGUAGES else "az"
    message = compose(kind, locale, links=links, application=application, **context)
    outbox.enqueue(kind=kind, channel="email", recipient=application.email, subject=message.subject,
                   body_text=message.text, body_html=message.html, locale=locale,
                   trainee_id=application.trainee_id)
    return 1
