"""Delivery channels: how one outbox row leaves the platform.

- **email** through the sender named by ``MAIL_SENDER``: ``log`` (development and tests: the
  message is logged, written to ``instance/mail/`` and kept in :data:`sent_log`) or ``smtp``
  (``SMTP_URL``: ``smtp://user:password@host:port``, ``smtps://`` for TLS, ``smtp+starttls://``
  for STARTTLS). A batch reuses one SMTP connection.
- **sms** through a gateway named by ``SMS_DRIVER``: ``log`` (default: logged and kept in
  :data:`sms_log`) or ``http``: ``POST SMS_URL`` with JSON ``{"to": "+994…", "text": "…",
  "id": "<outbox id>"}`` and ``Authorization: Bearer SMS_TOKEN`` when set; any 2xx answer is
  delivered, a 4xx is a permanent failure, anything else is retried.

A channel raises :class:`PermanentFailure` when retrying cannot help (the recipient refused),
any other exception when it may (the server is down): the outbox decides what happens next.
"""
from __future__ import annotations

import json
import logging
import secrets
import smtplib
import ssl
import urllib.error
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from email.header import Header
from email.policy import compat32
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import Callable, Iterator
from urllib.parse import unquote, urlsplit

from flask import current_app

log = logging.getLogger("talent.mail")

# The most recent messages of the log drivers, newest last (tests and the development shell).
sent_log: list[EmailMessage] = []
sms_log: list[dict] = []
LOG_MAX = 100


SMTP_COMPAT32 = compat32.clone(linesep="\r\n")


class PermanentFailure(Exception):
    """Retrying cannot deliver this message (kept as failed with this error)."""


def build_email(to: str, subject: str, text: str, html: str | None = None, *,
                message_id: str | None = None) -> EmailMessage:
    message = EmailMessage()
    message["From"] = current_app.config.get("MAIL_FROM", "no-reply@talent.example.az")
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = message_id or make_msgid(domain="talent")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    return message


def build_email_bytes(to: str, subject: str, text: str, html: str | None = None, *,
                      message_id: str | None = None) -> bytes:
    """The same message as :func:`build_email`, as the bytes that go over SMTP, built with the
    ``email`` package's older (compat32) classes: about a third of the time of an ``EmailMessage``,
    which is most of what sending one costs the worker (``benchmarks/notifications.py``)."""
    def part(body: str, subtype: str) -> MIMEText:
        return MIMEText(body if body.endswith("\n") else body + "\n", subtype, "utf-8")

    message = MIMEMultipart("alternative", _subparts=[part(text, "plain"), part(html, "html")]) if html \
        else part(text, "plain")
    message["From"] = current_app.config.get("MAIL_FROM", "no-reply@talent.example.az")
    message["To"] = to
    message["Subject"] = subject if subject.isascii() else Header(subject, "utf-8")
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = message_id or make_msgid(domain="talent")
    return message.as_bytes(policy=SMTP_COMPAT32)   # CRLF line ends: smtplib sends bytes as they are


# ---- email senders ------------------------------------------------------------------------------

def _log_send(message: EmailMessage) -> None:
    folder = Path(current_app.instance_path) / "mail"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    path = folder / f"{stamp}-{secrets.token_hex(4)}.eml"
    path.write_bytes(bytes(message))
    path.chmod(0o600)
    log.info("mail to %s: %s (written to %s)", message["To"], message["Subject"], path)
    sent_log.append(message)
    del sent_log[:-LOG_MAX]


def _smtp_client() -> smtplib.SMTP:
    url = current_app.config.get("SMTP_URL")
    if not url:
        raise RuntimeError("MAIL_SENDER is smtp but TALENT_SMTP_URL is not set")
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "smtps":
        client = smtplib.SMTP_SSL(host, port or 465, context=ssl.create_default_context(), timeout=20)
    else:
        client = smtplib.SMTP(host, port or 587, timeout=20)
    if parts.scheme == "smtp+starttls":
        client.starttls(context=ssl.create_default_context())
    if parts.username:
        client.login(unquote(parts.username), unquote(parts.password or ""))
    return client


def _smtp_send(message: EmailMessage, client: smtplib.SMTP | None = None) -> None:
    try:
        if client is not None:
            client.send_message(message)
            return
        with _smtp_client() as own:
            own.send_message(message)
    except smtplib.SMTPRecipientsRefused as error:
        raise PermanentFailure(f"recipient refused: {error.recipients}") from error


@contextmanager
def email_connection() -> Iterator[Callable[[EmailMessage], None]]:
    """A function that sends one message, valid for the ``with`` block (one SMTP connection for
    a whole batch; reopened once if the server dropped it)."""
    with outbox_connection() as send:
        yield lambda message: send(message=message)


@contextmanager
def outbox_connection() -> Iterator[Callable[..., None]]:
    """``send(to=, subject=, text=, html=, message_id=)`` (or ``send(message=EmailMessage)``), valid
    for the ``with`` block: the log sender builds an :class:`EmailMessage`, the SMTP sender the
    bytes of :func:`build_email_bytes`, all over one connection (reopened once if dropped)."""
    name = current_app.config.get("MAIL_SENDER") or "log"
    if name == "log":
        def log_send(message: EmailMessage | None = None, **fields) -> None:
            if message is None:
                message = build_email(fields["to"], fields["subject"], fields["text"], fields.get("html"),
                                      message_id=fields.get("message_id"))
            _log_send(message)
        yield log_send
        return
    if name != "smtp":
        raise RuntimeError(f"Unknown MAIL_SENDER {name!r}; use log or smtp")
    state: dict = {"client": None}
    sender = current_app.config.get("MAIL_FROM", "no-reply@talent.example.az")

    def deliver(client: smtplib.SMTP, message: EmailMessage | None, fields: dict) -> None:
        if message is not None:
            _smtp_send(message, client)
            return
        raw = build_email_bytes(fields["to"], fields["subject"], fields["text"], fields.get("html"),
                                message_id=fields.get("message_id"))
        try:
            client.sendmail(sender, [fields["to"]], raw)
        except smtplib.SMTPRecipientsRefused as error:
            raise PermanentFailure(f"recipient refused: {error.recipients}") from error

    def send(message: EmailMessage | None = None, **fields) -> None:
        if state["client"] is None:
            state["client"] = _smtp_client()
        try:
            deliver(state["client"], message, fields)
        except smtplib.SMTPServerDisconnected:
            state["client"] = _smtp_client()
            deliver(state["client"], message, fields)
    try:
        yield send
    finally:
        if state["client"] is not None:
            try:
                state["client"].quit()
            except Exception:  # noqa: BLE001 - the messages are sent; a failed goodbye is not an error
                pass


def send_email_now(message: EmailMessage) -> None:
    with email_connection() as send:
        send(message)


# ---- SMS gateway ----------------------------------------------------------------------------------

def _sms_log(to: str, text: str, ref: str) -> None:
    log.info("sms to %s (%s): %s", to, ref, text)
    sms_log.append({"to": to, "text": text, "id": ref})
    del sms_log[:-LOG_MAX]


def _sms_http(to: str, text: str, ref: str) -> None:
    url = current_app.config.get("SMS_URL")
    if not url:
        raise RuntimeError("SMS_DRIVER is http but TALENT_SMS_URL is not set")
    request = urllib.request.Request(url, data=json.dumps({"to": to, "text": text, "id": ref}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
    token = current_app.config.get("SMS_TOKEN")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:  # noqa: S310 - configured gateway URL
            answer.read()
    except urllib.error.HTTPError as error:
        if 400 <= error.code < 500 and error.code not in (408, 429):
            raise PermanentFailure(f"SMS gateway refused the message: HTTP {error.code}") from error
        raise


SMS_DRIVERS: dict[str, Callable[[str, str, str], None]] = {"log": _sms_log, "http": _sms_http}


def send_sms(to: str, text: str, ref: str) -> None:
    name = current_app.config.get("SMS_DRIVER") or "log"
    driver = SMS_DRIVERS.get(name)
    if driver is None:
        raise RuntimeError(f"Unknown SMS_DRIVER {name!r}; use one of {', '.join(SMS_DRIVERS)}")
    driver(to, text, ref)
