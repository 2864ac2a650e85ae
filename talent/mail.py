"""Sending email through a pluggable sender chosen by ``MAIL_SENDER``:

- ``log`` (development and testing default): the message goes to the log and is written to
  ``instance/mail/<time>-<random>.eml``; nothing leaves the machine.
- ``smtp``: sent through ``SMTP_URL`` (``smtp://user:password@host:port``, ``smtps://`` for TLS,
  ``smtp+starttls://`` for STARTTLS).

Services call :func:`send_after_commit` (the message leaves only once the transaction that
decided to send it has committed; a rollback drops it) or, outside any transaction, :func:`send`.
With ``MAIL_BACKGROUND`` on (production), committed messages are handed to a short-lived thread,
so how long a mail server takes never shows in a response time (password reset answers alike for
known and unknown addresses). Tests read :data:`outbox` (filled by the log sender) or the files.
"""
from __future__ import annotations

import logging
import secrets
import smtplib
import ssl
import queue
import threading
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Callable
from urllib.parse import unquote, urlsplit

from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from talent.extensions import db

log = logging.getLogger("talent.mail")

# The most recent messages of the log sender, newest last (for tests and the development shell).
outbox: list[EmailMessage] = []
OUTBOX_MAX = 100


def build_message(to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM", "no-reply@talent.example.az")
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="talent")
    message.set_content(body)
    return message


def _log_sender(message: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    log.info("mail to %s: %s (written to %s)", message["To"], message["Subject"], path)
    outbox.append(message)
    del outbox[:-OUTBOX_MAX]


def _smtp_sender(message: EmailMessage) -> None:
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise RuntimeError("MAIL_SENDER is smtp but TALENT_SMTP_URL is not set")
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port or 465, context=ssl.create_default_context(), timeout=20)
    else:
        client = smtplib.SMTP(host, port or 587, timeout=20)
    with client:
        if parts.scheme == "smtp+starttls":
            client.starttls(context=ssl.create_default_context())
        if parts.username:
            client.login(unquote(parts.username), unquote(parts.password or ""))
        client.send_message(message)


SENDERS: dict[str, Callable[[EmailMessage], None]] = {"log": _log_sender, "smtp": _smtp_sender}


def send(to: str, subject: str, body: str) -> EmailMessage:
    """Send one plain-text message with the configured sender."""
    message = build_message(to, subject, body)
    name = current_app.config.get("MAIL_SENDER") or "log"
    sender = SENDERS.get(name)
    if sender is None:
        raise RuntimeError(f"Unknown MAIL_SENDER {name!r}; use one of {', '.join(SENDERS)}")
    sender(message)
    return message


# ---- after the commit --------------------------------------------------------------------------

_PENDING = "talent_mail_pending"
BACKGROUND_DELAY = 0.25  # seconds
_queue: "queue.Queue" = queue.Queue()
_worker: threading.Thread | None = None
_worker_lock = threading.Lock()


def send_after_commit(to: str, subject: str, body: str) -> None:
    """Queue a message on the current database session: it is sent when the transaction commits
    and dropped when it rolls back."""
    db.session.info.setdefault(_PENDING, []).append((to, subject, body))


def _deliver(app, messages: list[tuple[str, str, str]]) -> None:
    with app.app_context():
        for to, subject, body in messages:
            try:
                send(to, subject, body)
            except Exception:  # noqa: BLE001 - the transaction is committed; log, never raise into it
                log.exception("mail to %s could not be sent", to)


@event.listens_for(Session, "after_commit")
def _send_committed(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction is still open
        return
    messages = session.info.pop(_PENDING, None)
    if not messages or not has_app_context():
        return
    app = current_app._get_current_object()
    if app.config.get("MAIL_BACKGROUND"):
        _ensure_worker()
        _queue.put((time.monotonic(), app, messages))       # never blocks the request
    else:
        _deliver(app, messages)


def _ensure_worker() -> None:
    global _worker
    if _worker is not None and _worker.is_alive():
        return
    with _worker_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_work, name="talent-mail", daemon=True)
            _worker.start()


def _work() -> None:
    """One long-lived sender per process. It polls the queue every BACKGROUND_DELAY seconds rather
    than waiting on it, so queuing a message wakes nothing: neither the sending nor the thread's
    share of the interpreter shows in the answer that queued it (a reset answers alike for any
    address)."""
    while True:
        time.sleep(BACKGROUND_DELAY)
        while True:
            try:
                _queued_at, app, messages = _queue.get_nowait()
            except queue.Empty:
                break
            try:
                _deliver(app, messages)
            finally:
                _queue.task_done()


@event.listens_for(Session, "after_rollback")
def _drop_rolled_back(session) -> None:
    if session.in_nested_transaction():  # a savepoint rolled back: the transaction goes on
        return
    session.info.pop(_PENDING, None)


def wait_for_background(timeout: float = 10.0) -> None:
    """Wait until messages handed to the background sender are sent (tests)."""
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.02)
