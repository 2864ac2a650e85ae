"""Email, the entry point the services use: every message goes through the transactional outbox
(``talent.notifications``; docs/reliability.md).

:func:`send_after_commit` writes an outbox row in the caller's transaction: it is handed to the
worker when the transaction commits (delivered in-process on the embedded default) and never
exists when it rolls back. :func:`send` sends at once, outside any transaction (the shell).

The sender is chosen by ``MAIL_SENDER``: ``log`` (development and testing default: the message is
logged, written to ``instance/mail/<time>-<random>.eml`` and kept in :data:`outbox`) or ``smtp``
through ``SMTP_URL`` (``smtp://user:password@host:port``, ``smtps://`` for TLS,
``smtp+starttls://`` for STARTTLS). Tests read :data:`outbox` or the files.
"""
from __future__ import annotations

from email.message import EmailMessage

from talent.notifications import channels
from talent.notifications import outbox as _outbox
from talent.notifications import worker as _worker

# The most recent messages of the log sender, newest last (for tests and the development shell).
outbox: list[EmailMessage] = channels.sent_log
OUTBOX_MAX = channels.LOG_MAX


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    return channels.build_email(to, subject, body)


def send(to: str, subject: str, body: str) -> EmailMessage:
    """Send one plain-text message now with the configured sender (no transaction, no outbox)."""
    message = build_message(to, subject, body)
    channels.send_email_now(message)
    return message


def send_after_commit(to: str | None, subject: str, body: str, *, kind: str = "mail", html: str | None = None,
                      user_id: int | None = None, trainee_id: int | None = None, locale: str = "az") -> None:
    """Write the message to the outbox in the current transaction: it leaves after the commit and
    never after a rollback. ``to=None`` writes a row that is never sent (so a caller can do the
    same database work whether or not it has someone to write to)."""
    _outbox.enqueue(kind=kind, recipient=to, subject=subject, body_text=body, body_html=html,
                    user_id=user_id, trainee_id=trainee_id, locale=locale)


def sms_after_commit(to: str | None, text: str, *, kind: str = "sms", trainee_id: int | None = None,
                     locale: str = "az") -> None:
    """Write an SMS to the outbox in the current transaction (the configured gateway sends it after
    the commit, never after a rollback)."""
    _outbox.enqueue(kind=kind, channel="sms", recipient=to, subject="", body_text=text, trainee_id=trainee_id,
                    locale=locale)


def many_after_commit(messages: list[dict]) -> None:
    """Write many messages (each a dict of :func:`send_after_commit`'s or :func:`sms_after_commit`'s
    fields: ``channel``, ``recipient``, ``subject``, ``body_text``, ``kind``, ``trainee_id``,
    ``locale``) to the outbox with one statement; they leave after the commit."""
    _outbox.enqueue_many(messages)


def wait_for_background(timeout: float = 10.0) -> None:
    """Wait until messages handed to the in-process background sender are sent (tests)."""
    _worker.wait_for_background(timeout)
