"""The outbox table and per-person channel preferences.

An :class:`OutboxMessage` is one message to one address through one channel, written in the
transaction of the event that caused it, with its bodies already rendered in the recipient's
language. Its ``status`` is the truth about delivery (``pending`` → ``sending`` → ``sent``;
``failed`` after the last attempt; ``discarded`` by an administrator): the broker only wakes the
worker, so a message delivered twice by the broker is still sent once (see ``outbox.claim``).

``dedupe_key`` (unique when set) makes scheduled work safe with several workers: a reminder or an
expiry notice carries ``<event>:<person>:<day>`` and the second insert of the same key is skipped.
"""
from __future__ import annotations

from datetime import datetime

from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, in_check, utcnow

class OutboxStatus(StrEnum):
    """Where a message stands: pending (to send, maybe after a backoff), sending (a worker holds its
    lease), sent, failed (attempts used up; an administrator may retry), discarded."""
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    DISCARDED = "discarded"


STATUSES = tuple(OutboxStatus)
CHANNELS = ("email", "sms")


class OutboxMessage(Base):
    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(in_check("status", STATUSES), name="status"),
        CheckConstraint(in_check("channel", CHANNELS), name="channel"),
        Index("ix_outbox_messages_status_next_attempt_at", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(10), default="email")
    kind: Mapped[str] = mapped_column(String(40), index=True)        # event name: enrolled, mail, ...
    recipient: Mapped[str] = mapped_column(String(254))              # email address or phone number
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    locale: Mapped[str] = mapped_column(String(5), default="az")
    subject: Mapped[str] = mapped_column(String(300), default="")
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_by: Mapped[str | None] = mapped_column(String(80))
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class NotificationPreference(Base):
    """A person's choice for non-essential messages on one channel (no row: on). Essential ones
    (invitations, password resets, a cancelled cohort, a revoked certificate) ignore it."""
    __tablename__ = "notification_preferences"
    __table_args__ = (
        UniqueConstraint("trainee_id", "channel"),
        CheckConstraint(in_check("channel", CHANNELS), name="channel"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(10))
    enabled: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
