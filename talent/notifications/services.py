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
from talent.accounts.models import CenterAssignment, User
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


def account_locale(trainee: Trainee) -> str | None:
    """The language the person chose for their account, if they have an account and chose one."""
    if trainee.user_id:
        user = db.session.get(User, trainee.user_id)
        if user is not None and user.locale in LANGUAGES:
            return user.locale
    return None


def locale_of(trainee: Trainee) -> str:
    return account_locale(trainee) or (current_app.config.get("BABEL_DEFAULT_LOCALE", "az") if current_app else "az")


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


@dataclass
class Notice:
    """One scheduled notice for :func:`notify_trainees`: whom, its key (per event and day or
    record; the channel is appended) and what the template needs."""
    trainee: Trainee
    dedupe_key: str
    context: dict[str, Any]
    links: dict[str, str] | None = None


IN_CHUNK = 1000   # ids per IN list (far under any database's parameter limit)


def _chunks(values: list, size: int | None = None):
    size = size or IN_CHUNK
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _account_locales(trainees: list[Trainee]) -> dict[int, str]:
    """trainee id → the language of their account (those who have one and chose one)."""
    by_user = {t.user_id: t.id for t in trainees if t.user_id}
    found: dict[int, str] = {}
    for chunk in _chunks(sorted(by_user)):
        for user_id, locale in db.session.execute(select(User.id, User.locale).where(User.id.in_(chunk))):
            if locale in LANGUAGES:
                found[by_user[user_id]] = locale
    return found


def _preferences_of(trainee_ids: list[int]) -> dict[tuple[int, str], bool]:
    found: dict[tuple[int, str], bool] = {}
    for chunk in _chunks(sorted(set(trainee_ids))):
        for trainee_id, channel, enabled in db.session.execute(
                select(NotificationPreference.trainee_id, NotificationPreference.channel,
                       NotificationPreference.enabled).where(NotificationPreference.trainee_id.in_(chunk))):
            found[(trainee_id, channel)] = enabled
    return found


def notify_trainees(kind: str, notices: list[Notice], *, sms: bool = False) -> int:
    """:func:`notify_trainee` with a ``dedupe_key`` for many trainees at once (the scheduled
    work): the same rules and messages, but per ``IN_CHUNK`` notices the keys already written, the
    trainees' languages and their preferences are each read in one statement, and the rows are
    inserted by :func:`outbox.enqueue_unique_many` (multi-row INSERTs keyed per event, person and
    day or record: a second run, or another worker's, writes nothing). Chunk by chunk, so the
    composed messages of a big first run are never all in memory. Returns how many rows were written."""
    channels = ("email", "sms") if sms else ("email",)
    wanted = [(n, channel, f"{n.dedupe_key}:{channel}") for n in notices if n.trainee.consent_at is not None
              for channel in channels if (n.trainee.email if channel == "email" else n.trainee.phone)]
    return sum(_notify_chunk(kind, chunk) for chunk in _chunks(wanted))


def _notify_chunk(kind: str, wanted: list[tuple[Notice, str, str]]) -> int:
    done = outbox.existing_keys([key for _n, _channel, key in wanted])
    wanted = [item for item in wanted if item[2] not in done]
    if not wanted:
        return 0
    trainees = list({n.trainee.id: n.trainee for n, _channel, _key in wanted}.values())
    locales = _account_locales(trainees)
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "az")
    preferences = _preferences_of([t.id for t in trainees]) if kind in NON_ESSENTIAL else {}
    rows = []
    for notice, channel, key in wanted:
        trainee = notice.trainee
        if not preferences.get((trainee.id, channel), True):
            continue
        locale = locales.get(trainee.id, default)
        link = unsubscribe_url(trainee.id, channel) if kind in NON_ESSENTIAL else None
        message = compose(kind, locale, unsubscribe=link, links=notice.links, trainee=trainee, **notice.context)
        body = message.text if channel == "email" else (message.sms + (f" {link}" if link else ""))
        rows.append(dict(kind=kind, channel=channel, recipient=trainee.email if channel == "email" else trainee.phone,
                         subject=message.subject[:300], body_text=body,
                         body_html=message.html if channel == "email" else None, locale=locale,
                         trainee_id=trainee.id, dedupe_key=key))
    return outbox.enqueue_unique_many(rows)


# ---- writing an applicant's message (issue 19) ----------------------------------------------------

def notify_applicant(application, kind: str, *, context: dict[str, Any], links: dict[str, str] | None = None,
                     locale: str | None = None, recipient: str | None = None) -> int:
    """Write the message of ``kind`` about an online application to the outbox in the current
    transaction: by email (``recipient``, by default the address they applied with; nothing
    without one) in ``locale`` (by default the language the person applied in). Essential (about
    their seat): no preference applies."""
    recipient = recipient or application.email
    if not recipient:
        return 0
    locale = locale or application.language
    locale = locale if locale in LANGUAGES else "az"
    message = compose(kind, locale, links=links, application=application, **context)
    outbox.enqueue(kind=kind, channel="email", recipient=recipient, subject=message.subject,
                   body_text=message.text, body_html=message.html, locale=locale,
                   trainee_id=application.trainee_id)
    return 1


# ---- writing a message to a center's administrators (issue 20) -----------------------------------

def center_admins(center_id: int) -> list[User]:
    """The active administrators assigned to a center, by email."""
    return list(db.session.scalars(
        select(User).join(CenterAssignment, CenterAssignment.user_id == User.id)
        .where(CenterAssignment.center_id == center_id, User.role == "center_admin", User.active.is_(True))
        .order_by(User.email)))


def notify_center_admins(center_id: int | None, kind: str, *, context: dict[str, Any],
                         trainee_id: int | None = None) -> int:
    """Write the message of ``kind`` to every active administrator of a center, each by email in
    their own language (their account's, else the default), in the current transaction: it leaves
    after the commit. Essential (about the center's own records): no preference applies."""
    if center_id is None:
        return 0
    written = 0
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "az")
    for user in center_admins(center_id):
        if not user.email:
            continue
        locale = user.locale if user.locale in LANGUAGES else default
        message = compose(kind, locale, user=user, **context)
        outbox.enqueue(kind=kind, channel="email", recipient=user.email, subject=message.subject,
                       body_text=message.text, body_html=message.html, locale=locale, trainee_id=trainee_id,
                       user_id=user.id)
        written += 1
    return written
