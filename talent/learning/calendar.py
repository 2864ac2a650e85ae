"""A trainee's sessions as an iCalendar feed (RFC 5545) at a private URL.

Each trainee has at most one feed secret (``CalendarFeed``). The URL's token is
``HMAC-SHA256(secret key, "calendar|trainee|nonce")`` (URL-safe, 43 characters), so the page can
show the URL again while the database alone does not hold a working one; ``token_hash`` finds the
feed. Regenerating draws a new nonce: the old URL stops working at once.

The calendar is written here rather than by a library: it is a handful of properties, and the
rules that matter (CRLF line ends, TEXT escaping, lines folded at 75 octets, a VTIMEZONE for every
TZID used) are short. Times are local Baku time (``TZID=Asia/Baku``, no daylight saving since
2016, UTC+4) with the zone defined in the file; DTSTAMP is UTC as the RFC requires.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from base64 import urlsafe_b64encode
from datetime import datetime, timezone
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit, clock
from talent.errors import NotFound, PermissionDenied
from talent.extensions import db
from talent.learning.calendar_models import CalendarFeed
from talent.learning.models import Cohort, CohortSession, CohortStatus, Enrollment, EnrollmentStatus
from talent.people.models import Trainee
from talent.permissions import Actor, P, require

FEED_TZ = "Asia/Baku"
FEED_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED)
TOKEN_LENGTH = 43
PRODID = "-//AI Talent Centers//talent//EN"


def _token(trainee_id: int, nonce: str) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), f"calendar|{trainee_id}|{nonce}".encode(),
                      hashlib.sha256).digest()
    return urlsafe_b64encode(digest).decode().rstrip("=")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _own_trainee_id(actor: Actor) -> int:
    require(actor, P.SELF_READ)
    if actor.trainee_id is None:
        raise PermissionDenied(_l("Your account is not linked to a trainee record."))
    return actor.trainee_id


def _feed(trainee_id: int) -> CalendarFeed | None:
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.trainee_id == trainee_id))


def feed_token(actor: Actor) -> str | None:
    """The token of the trainee's feed URL, or None before they created one."""
    feed = _feed(_own_trainee_id(actor))
    return _token(feed.trainee_id, feed.nonce) if feed is not None else None


def regenerate(actor: Actor) -> str:
    """Create the trainee's feed, or replace its secret (the previous URL stops working)."""
    require(actor, P.SELF_WRITE)
    trainee_id = _own_trainee_id(actor)
    feed = _feed(trainee_id)
    nonce = secrets.token_hex(16)
    token = _token(trainee_id, nonce)
    if feed is None:
        feed = CalendarFeed(trainee_id=trainee_id, nonce=nonce, token_hash=_hash(token), created_at=clock.now())
        db.session.add(feed)
        action = "calendar.create"
    else:
        feed.nonce, feed.token_hash, feed.created_at, feed.last_used_at = nonce, _hash(token), clock.now(), None
        action = "calendar.regenerate"
    db.session.flush()
    audit.record(actor, action, "calendar_feed", feed.id, trainee_id=trainee_id)
    return token


def trainee_for_token(token: Any) -> Trainee:
    """The trainee whose current feed URL carries ``token``; NotFound otherwise (the same answer
    for a malformed, unknown or replaced token)."""
    if not isinstance(token, str) or len(token) != TOKEN_LENGTH:
        raise NotFound(_l("Not found."))
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _hash(token)))
    if feed is None or not hmac.compare_digest(_token(feed.trainee_id, feed.nonce), token):
        raise NotFound(_l("Not found."))
    feed.last_used_at = clock.now()
    return db.session.get(Trainee, feed.trainee_id)


def trainee_sessions(trainee_id: int) -> list[tuple[CohortSession, Cohort]]:
    """Every session of the cohorts the trainee is (or was) enrolled in, oldest first (one query)."""
    rows = db.session.execute(
        select(CohortSession, Cohort).join(Cohort, Cohort.id == CohortSession.cohort_id)
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(Enrollment.trainee_id == trainee_id, Enrollment.status.in_(FEED_STATUSES))
        .order_by(CohortSession.starts_at, CohortSession.id)).all()
    return [(session, cohort) for session, cohort in rows]


# ---- RFC 5545 ------------------------------------------------------------------------------

def escape_text(value: str) -> str:
    """TEXT value escaping (RFC 5545 §3.3.11)."""
    return (value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def fold(line: str) -> str:
    """Fold a content line at 75 octets (§3.1), never inside a UTF-8 character."""
    out, current, size = [], "", 0
    for char in line:
        width = len(char.encode())
        if size + width > 75:
            out.append(current)
            current, size = " ", 1
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def _local(instant: datetime, zone: ZoneInfo) -> str:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(zone).strftime("%Y%m%dT%H%M%S")


def _utc(instant: datetime) -> str:
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")


VTIMEZONE = ("BEGIN:VTIMEZONE", f"TZID:{FEED_TZ}", "BEGIN:STANDARD", "DTSTART:19700101T000000",
             "TZOFFSETFROM:+0400", "TZOFFSETTO:+0400", "TZNAME:+04", "END:STANDARD", "END:VTIMEZONE")


def render_ics(trainee: Trainee, sessions: Iterable[tuple[CohortSession, Cohort]], *, language: str = "az",
               calendar_name: str = "AI Talent Centers", host: str = "talent") -> str:
    zone = ZoneInfo(FEED_TZ)
    stamp = _utc(clock.now())
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape_text(calendar_name)}", f"X-WR-TIMEZONE:{FEED_TZ}", *VTIMEZONE]
    for session, cohort in sessions:
        title = cohort.course.title_in(language)
        description = " · ".join(part for part in (session.topic, cohort.code) if part)
        location = ", ".join(part for part in (cohort.center.name, cohort.center.city) if part)
        lines += ["BEGIN:VEVENT", f"UID:session-{session.id}-trainee-{trainee.id}@{host}", f"DTSTAMP:{stamp}",
                  f"DTSTART;TZID={FEED_TZ}:{_local(session.starts_at, zone)}",
                  f"DTEND;TZID={FEED_TZ}:{_local(session.ends_at, zone)}",
                  f"SUMMARY:{escape_text(title)}"]
        if description:
            lines.append(f"DESCRIPTION:{escape_text(description)}")
        if location:
            lines.append(f"LOCATION:{escape_text(location)}")
        lines.append("STATUS:CANCELLED" if cohort.status == CohortStatus.CANCELLED else "STATUS:CONFIRMED")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
