"""Two-factor sign-in: TOTP (RFC 6238) with single-use recovery codes.

Required for administrators, ministry analysts and employer users when ``REQUIRE_2FA`` is on (every mode except
testing, unless ``TALENT_REQUIRE_2FA=false``); any other user who enrolled is asked too.

- The TOTP secret is generated at enrolment and only counts once a code from it was confirmed.
- A TOTP code is accepted once: the accepted time step is recorded in the append-only audit trail
  (``entity_type="totp"``, ``entity_id="<user>:<step>"``), which every worker sees, and a step
  already recorded is refused (ASVS 2.8.4).
- Recovery codes: 10 codes of 80 random bits each, stored as salted SHA-256 (ASVS 2.6.2), each
  usable once.
- Wrong codes are counted from the audit trail (failures since the last success within the
  lock window); at ``LOGIN_MAX_FAILURES`` the account is locked like a password lock-out, so
  re-entering the password does not reset the count.

Like every service: flushes, never commits; writes audit events.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

import pyotp
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, select

from talent import audit
from talent.accounts.models import RecoveryCode, User
from talent.audit import AuditEvent
from talent.db import utcnow
from talent.errors import Conflict, NotFound, ValidationError
from talent.extensions import db
from talent.permissions import Actor, P, require
from talent.validation import normalise_email

ROLES_REQUIRING_2FA = frozenset({"admin", "ministry", "employer"})
RECOVERY_CODE_COUNT = 10
ISSUER = "AI Talent Centers"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i: easy to read and type
_RECOVERY_GROUPS = 4
_RECOVERY_GROUP_LEN = 4  # 16 characters of a 31-letter alphabet: ~79 bits

WRONG_CODE = _l("The code is not valid. Check your authenticator app's time and try again.")
LOCKED = _l("Too many wrong codes: the account is temporarily locked. Try again later.")


# ---- who needs it ----------------------------------------------------------------------------

def is_enrolled(user: User) -> bool:
    return bool(user.totp_secret and user.totp_confirmed_at)


def required_for(user: User) -> bool:
    """Must this user use a second factor (enrolling first if need be)?"""
    return bool(current_app.config.get("REQUIRE_2FA")) and user.role in ROLES_REQUIRING_2FA


def needs_second_factor(user: User) -> bool:
    return is_enrolled(user) or required_for(user)


def _own(actor: Actor, user: User) -> None:
    if actor.user_id != user.id:
        raise NotFound(_l("Not found."))


# ---- enrolment -------------------------------------------------------------------------------

def begin_enrolment(actor: Actor, user: User) -> str:
    """Give ``user`` an (unconfirmed) TOTP secret, reusing one already shown, and return it."""
    _own(actor, user)
    if is_enrolled(user):
        raise Conflict(_l("Two-factor sign-in is already set up."))
    if not user.totp_secret:
        user.totp_secret = pyotp.random_base32(32)  # 160 bits
        db.session.flush()
        audit.record(actor, "2fa.enrol_start", "user", user.id)
    return user.totp_secret


def provisioning_uri(user: User) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg(user: User) -> str:
    """The provisioning URI as an inline SVG QR code (no script, no style attribute)."""
    import segno
    return segno.make(provisioning_uri(user), error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title=str(_l("QR code for your authenticator app")))


def confirm_enrolment(actor: Actor, user: User, code: str) -> list[str]:
    """Confirm the secret with a current code; returns the new recovery codes (shown once)."""
    _own(actor, user)
    if is_enrolled(user):
        raise Conflict(_l("Two-factor sign-in is already set up."))
    if not user.totp_secret:
        raise Conflict(_l("Start the set-up again."))
    _check_not_locked(actor, user)
    step = _match_totp(user, code)
    if step is None:
        _fail(actor, user, "enrol")
        raise ValidationError(WRONG_CODE, fields={"code": str(WRONG_CODE)})
    _record_step(actor, user, step, "2fa.enrol")
    user.totp_confirmed_at = utcnow()
    db.session.flush()
    return _new_recovery_codes(actor, user)


# ---- sign-in ---------------------------------------------------------------------------------

def verify(actor: Actor, user: User, code: str) -> str:
    """Check a TOTP or recovery code at sign-in. Returns ``"totp"`` or ``"recovery"``; raises
    ValidationError for a wrong, reused or locked attempt (the failure is recorded)."""
    _own(actor, user)
    if not is_enrolled(user):
        raise Conflict(_l("Two-factor sign-in is not set up."))
    _check_not_locked(actor, user)
    step = _match_totp(user, code)
    if step is not None:
        _record_step(actor, user, step, "2fa.success")
        return "totp"
    if _use_recovery_code(actor, user, code):
        return "recovery"
    _fail(actor, user, "verify")
    raise ValidationError(WRONG_CODE, fields={"code": str(WRONG_CODE)})


def _normalise_totp(code: str) -> str | None:
    digits = re.sub(r"[\s-]", "", code or "")
    return digits if re.fullmatch(r"\d{6}", digits) else None


def _match_totp(user: User, code: str) -> int | None:
    """The time step ``code`` belongs to (current one +-1 for clock drift) if it was never used."""
    digits = _normalise_totp(code)
    if digits is None or not user.totp_secret:
        return None
    totp = pyotp.TOTP(user.totp_secret)
    now = utcnow()
    current = totp.timecode(now)
    for offset in (0, -1, 1):
        step = current + offset
        if secrets.compare_digest(totp.generate_otp(step), digits):
            used = db.session.scalar(select(AuditEvent.id).where(
                AuditEvent.entity_type == "totp", AuditEvent.entity_id == f"{user.id}:{step}").limit(1))
            return None if used is not None else step
    return None


def _record_step(actor: Actor, user: User, step: int, action: str) -> None:
    audit.record(actor, action, "totp", f"{user.id}:{step}", details={"user_id": user.id})
    if action == "2fa.success":
        audit.record(actor, "2fa.success", "user", user.id, details={"method": "totp"})
    db.session.flush()


def _window_start(user: User):
    """Failures count from the later of the lock window's start and the last success."""
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
    last_ok = db.session.scalar(
        select(func.max(AuditEvent.at)).where(AuditEvent.actor_id == user.id,
                                              AuditEvent.action.in_(("2fa.success", "2fa.enrol"))))
    if last_ok is not None and last_ok.tzinfo is None:
        from datetime import timezone
        last_ok = last_ok.replace(tzinfo=timezone.utc)
    return max(since, last_ok) if last_ok is not None else since


def recent_failures(user: User) -> int:
    return db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.actor_id == user.id,
                                                AuditEvent.action == "2fa.failure",
                                                AuditEvent.at > _window_start(user))) or 0


def _check_not_locked(actor: Actor, user: User) -> None:
    if user.locked_until is not None and user.locked_until > utcnow():
        audit.record(actor, "2fa.locked", "user", user.id)
        db.session.flush()
        raise ValidationError(LOCKED, fields={"code": str(LOCKED)})


def _fail(actor: Actor, user: User, stage: str) -> None:
    audit.record(actor, "2fa.failure", "user", user.id, details={"stage": stage})
    db.session.flush()
    if recent_failures(user) >= current_app.config["LOGIN_MAX_FAILURES"]:
        user.locked_until = utcnow() + timedelta(minutes=current_app.config["LOGIN_LOCK_MINUTES"])
        audit.record(actor, "2fa.lock", "user", user.id)
        db.session.flush()
        raise ValidationError(LOCKED, fields={"code": str(LOCKED)})


# ---- recovery codes --------------------------------------------------------------------------

def _normalise_recovery(code: str) -> str:
    return re.sub(r"[^a-z0-9]", "", (code or "").lower())


def _digest(salt: str, code: str) -> str:
    return hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()


def _generate_code() -> str:
    groups = ["".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_GROUP_LEN))
              for _ in range(_RECOVERY_GROUPS)]
    return "-".join(groups)


def _new_recovery_codes(actor: Actor, user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = [_generate_code() for _ in range(RECOVERY_CODE_COUNT)]
    for code in codes:
        salt = secrets.token_hex(8)
        db.session.add(RecoveryCode(user_id=user.id,
                                    code_hash=f"{salt}${_digest(salt, _normalise_recovery(code))}"))
    db.session.flush()
    audit.record(actor, "2fa.recovery_codes", "user", user.id, details={"count": len(codes)})
    return codes


def _use_recovery_code(actor: Actor, user: User, code: str) -> bool:
    wanted = _normalise_recovery(code)
    if len(wanted) != _RECOVERY_GROUPS * _RECOVERY_GROUP_LEN:
        return False
    unused = db.session.scalars(select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                           RecoveryCode.used_at.is_(None)))
    for row in unused:
        salt, _, digest = row.code_hash.partition("$")
        if secrets.compare_digest(_digest(salt, wanted), digest):
            row.used_at = utcnow()
            db.session.flush()
            audit.record(actor, "2fa.success", "user", user.id, details={"method": "recovery_code"})
            audit.record(actor, "2fa.recovery_used", "user", user.id,
                         details={"remaining": remaining_recovery_codes(user)})
            return True
    return False


def remaining_recovery_codes(user: User) -> int:
    return db.session.scalar(select(func.count(RecoveryCode.id)).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))) or 0


def regenerate_recovery_codes(actor: Actor, user: User, code: str) -> list[str]:
    """New recovery codes (old ones stop working), after a current TOTP code."""
    _own(actor, user)
    if not is_enrolled(user):
        raise Conflict(_l("Two-factor sign-in is not set up."))
    _check_not_locked(actor, user)
    step = _match_totp(user, code)
    if step is None:
        _fail(actor, user, "regenerate")
        raise ValidationError(WRONG_CODE, fields={"code": str(WRONG_CODE)})
    _record_step(actor, user, step, "2fa.reauth")
    return _new_recovery_codes(actor, user)


def reauthenticate(actor: Actor, user: User, code: str) -> None:
    """A current TOTP code (or an unused recovery code) from a signed-in user, before something
    sensitive such as a new API token. Failures count towards the lock like at sign-in."""
    _own(actor, user)
    _check_not_locked(actor, user)
    step = _match_totp(user, code)
    if step is not None:
        _record_step(actor, user, step, "2fa.reauth")
        return
    if _use_recovery_code(actor, user, code):
        return
    _fail(actor, user, "reauth")
    raise ValidationError(WRONG_CODE, fields={"code": str(WRONG_CODE)})


# ---- administration --------------------------------------------------------------------------

def reset(actor: Actor, user: User) -> None:
    """An administrator clears a user's second factor (lost phone and codes): the user enrols
    again at the next sign-in. Ends the user's sessions."""
    require(actor, P.USERS_MANAGE)
    if actor.user_id == user.id:
        raise Conflict(_l("Ask another administrator to reset your own two-factor sign-in."))
    user.totp_secret = None
    user.totp_confirmed_at = None
    user.session_token = secrets.token_hex(16)
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    audit.record(actor, "2fa.reset", "user", user.id)


def user_by_email(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(_l("Not found."))
    return user
