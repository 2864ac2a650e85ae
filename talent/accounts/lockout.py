"""Slowing down password guessing without letting a stranger lock the owner out (issue 13).

The old rule — five wrong passwords lock the account for 15 minutes — let anyone who knows an
address keep its owner (an administrator, say) out for good. Instead (docs/security.md):

- **Per account, progressive delay**: after ``LOGIN_MAX_FAILURES`` wrong passwords in a row the
  account answers "wrong" to every attempt for ``LOGIN_DELAY_SECONDS`` doubling with each further
  failure, at most ``LOGIN_LOCK_MINUTES``. Attempts during a delay are not checked and not counted.
- **Per address, progressive delay**: after ``LOGIN_ADDRESS_FREE_FAILURES`` failures from one
  client address within an hour (any accounts, known or not), the same doubling delay applies to
  that address — password spraying across many accounts slows down too.
- **Known browsers pass**: a successful sign-in leaves a signed *device cookie* (user id and a
  fingerprint of the password hash; a password change voids it). Sign-ins presenting a valid one
  for the account skip both delays, so the owner's usual browser works while a stranger is being
  slowed. A wrong password presented with the device cookie removes it (one guess per stolen
  cookie).
- **Unlock by email**: when an account enters its delay the owner gets an email (at most
  ``RESET_MAILS_PER_HOUR`` an hour) with a link that clears the delay and trusts the browser it is
  opened in.

Everything is counted in the database (``users.failed_logins``/``locked_until`` and the audit
trail), so every worker sees the same state.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from talent import audit, mail
from talent.accounts.models import User
from talent.audit import AuditEvent
from talent.db import utcnow
from talent.errors import DomainError
from talent.extensions import db
from talent.permissions import Actor

DEVICE_DAYS = 180
UNLOCK_SECONDS = 3600
ADDRESS_WINDOW = timedelta(hours=1)
FAILURE_ACTIONS = ("login.failure", "login.lock", "login.unknown")


def _delay(excess: int) -> timedelta:
    """The wait after ``excess`` failures beyond the free ones (0 -> base, then doubling, capped)."""
    config = current_app.config
    cap = config["LOGIN_LOCK_MINUTES"] * 60
    seconds = config["LOGIN_DELAY_SECONDS"] * (2 ** min(max(excess, 0), 20))
    return timedelta(seconds=min(seconds, cap))


# ---- per account -------------------------------------------------------------------------------

def account_delayed(user: User, now: datetime) -> bool:
    return user.locked_until is not None and user.locked_until > now


def record_account_failure(user: User, now: datetime) -> bool:
    """Count a wrong password; returns True when this failure started the delay."""
    user.failed_logins += 1
    free = current_app.config["LOGIN_MAX_FAILURES"]
    if user.failed_logins < free:
        return False
    user.locked_until = now + _delay(user.failed_logins - free)
    return user.failed_logins == free


def clear_account(user: User) -> None:
    user.failed_logins = 0
    user.locked_until = None


# ---- per address -------------------------------------------------------------------------------

def address_delayed(ip: str | None, now: datetime) -> bool:
    """Has this address failed so often in the last hour that it must wait?"""
    if not ip:
        return False
    count, last = db.session.execute(
        select(func.count(AuditEvent.id), func.max(AuditEvent.at))
        .where(AuditEvent.ip == ip, AuditEvent.action.in_(FAILURE_ACTIONS), AuditEvent.at > now - ADDRESS_WINDOW)
    ).one()
    free = current_app.config["LOGIN_ADDRESS_FREE_FAILURES"]
    if not count or count < free or last is None:
        return False
    if last.tzinfo is None:
        from datetime import timezone
        last = last.replace(tzinfo=timezone.utc)
    return last + _delay(count - free) > now


# ---- known browsers ----------------------------------------------------------------------------

def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"talent-{purpose}")


def _password_fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.id}|{user.password_hash or ''}".encode()).hexdigest()[:24]


def device_token(user: User) -> str:
    """The value of the device cookie a browser gets after a successful sign-in."""
    return _serializer("device").dumps({"u": user.id, "f": _password_fingerprint(user)})


def device_trusted(user: User, token: str | None) -> bool:
    if not token or len(token) > 400:
        return False
    try:
        data = _serializer("device").loads(token, max_age=DEVICE_DAYS * 86400)
    except (BadSignature, SignatureExpired):
        return False
    return (isinstance(data, dict) and data.get("u") == user.id
            and secrets.compare_digest(str(data.get("f", "")), _password_fingerprint(user)))


# ---- unlock by email ---------------------------------------------------------------------------

class UnlockLinkInvalid(DomainError):
    status = 410
    code = "link_invalid"


def _unlock_fingerprint(user: User) -> str:
    # Not single-use: opening it again only clears the delay again (the mail's reader is the owner).
    material = f"{user.id}|{user.password_hash or ''}|{user.session_token}"
    return hashlib.sha256(material.encode()).hexdigest()[:24]


def unlock_token(user: User) -> str:
    return _serializer("unlock").dumps({"u": user.id, "f": _unlock_fingerprint(user)})


def user_for_unlock(token: str) -> User:
    if not isinstance(token, str) or not token or len(token) > 400:
        raise UnlockLinkInvalid(_l("This link is not valid."))
    try:
        data = _serializer("unlock").loads(token, max_age=UNLOCK_SECONDS)
    except SignatureExpired:
        raise UnlockLinkInvalid(_l("This link has expired.")) from None
    except BadSignature:
        raise UnlockLinkInvalid(_l("This link is not valid.")) from None
    user = db.session.get(User, data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    if user is None or not user.active:
        raise UnlockLinkInvalid(_l("This link is not valid."))
    if not secrets.compare_digest(str(data.get("f", "")), _unlock_fingerprint(user)):
        raise UnlockLinkInvalid(_l("This link has already been used or replaced by a newer one."))
    return user


def unlock(token: str, *, ip: str | None = None) -> User:
    """Clear the account's delay (the link's owner proved they read the mail); the caller trusts
    the browser with a device cookie."""
    user = user_for_unlock(token)
    clear_account(user)
    db.session.flush()
    audit.record(Actor(user_id=user.id, label=user.email, role=user.role, ip=ip, channel="web"),
                 "login.unlock", "user", user.id)
    return user


def mail_unlock_link(user: User, ip: str | None) -> None:
    """Tell the owner their account is being slowed down, with the unlock link (after the commit;
    at most RESET_MAILS_PER_HOUR such mails an hour)."""
    since = utcnow() - timedelta(hours=1)
    sent = db.session.scalar(select(func.count(AuditEvent.id)).where(
        AuditEvent.actor_id == user.id, AuditEvent.action == "login.unlock_mail", AuditEvent.at > since)) or 0
    if sent >= current_app.config["RESET_MAILS_PER_HOUR"]:
        return
    audit.record(Actor(user_id=user.id, label=user.email, role=user.role, ip=ip, channel="web"),
                 "login.unlock_mail", "user", user.id)
    link = current_app.config["PUBLIC_BASE_URL"].rstrip("/") + "/login/unlock/" + unlock_token(user)
    mail.send_after_commit(
        user.email, "Giriş cəhdləri / Sign-in attempts — AI Talent Centers",
        "Hesabınıza bir neçə dəfə səhv şifrə ilə daxil olmağa cəhd edilib; yeni brauzerlərdən girişlər "
        "müvəqqəti olaraq gecikdirilir. Əvvəllər istifadə etdiyiniz brauzerdən giriş adi qaydada işləyir.\n"
        "Bu siz idinizsə, gözləmədən bu brauzerdən daxil olmaq üçün (1 saat ərzində):\n"
        "Someone entered a wrong password for your account several times; sign-ins from new browsers are "
        "delayed for a while. Browsers you signed in with before are not affected.\n"
        "If it was you, open this link to sign in from this browser without waiting (within 1 hour):\n\n"
        f"{link}\n\n"
        "Siz deyildinizsə, heç nə etməyin; şifrəniz güclüdürsə, hesabınız təhlükəsizdir.\n"
        "If it was not you, do nothing; with a strong password your account is safe.\n")
