"""Accounts: creating users, signing in with lock-out, passwords, center assignments, API tokens.

The only code that writes users and tokens. Like every service it flushes, never commits.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import column, delete, select, table

from talent import audit
from talent.accounts import lockout, twofactor
from talent.accounts.models import ROLES, ApiToken, CenterAssignment, User
from talent.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from talent.centers.models import Center
from talent.db import utcnow
from talent.errors import Conflict, NotFound, ValidationError
from talent.extensions import db
from talent.permissions import Actor, P, require
from talent.validation import normalise_email  # noqa: F401  (accounts look e-mail up this way; re-exported)

GENERIC_LOGIN_ERROR = _l("Invalid email or password, or the account is temporarily locked.")


def load_user_from_session_id(session_id: str) -> User | None:
    """Flask-Login loader: ``"<id>:<session_token>"``; a rotated token ends old sessions."""
    user_id, _, token = (session_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or not secrets.compare_digest(user.session_token, token):
        return None
    return user


def _validate_new_user(email: str, full_name: str, role: str) -> dict[str, str]:
    from email_validator import EmailNotValidError, validate_email
    errors: dict[str, str] = {}
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        errors["email"] = str(_l("Enter a valid email address."))
    if not full_name.strip():
        errors["full_name"] = str(_l("This field is required."))
    if role not in ROLES:
        errors["role"] = str(_l("Unknown role."))
    return errors


def _employer_exists(employer_id: int) -> bool:
    """Is there an employer organisation with this id? (The ``employers`` table is the placement
    domain's, which accounts may not import: asked through the table's name.)"""
    if isinstance(employer_id, bool) or not isinstance(employer_id, int) or not 1 <= employer_id <= 2**31 - 1:
        return False
    employers = table("employers", column("id"))
    return db.session.scalar(select(employers.c.id).where(employers.c.id == employer_id)) is not None


def create_user(actor: Actor, *, email: str, full_name: str, role: str, password: str | None = None,
                center_codes: list[str] | None = None, center_ids: list[int] | None = None,
                locale: str | None = None, employer_id: int | None = None) -> User:
    require(actor, P.USERS_MANAGE)
    return _insert_user(actor, email=email, full_name=full_name, role=role, password=password,
                        center_codes=center_codes, center_ids=center_ids, locale=locale, employer_id=employer_id)


def create_employer_user(actor: Actor, *, employer_id: int, email: str, full_name: str,
                         password: str | None = None, locale: str | None = None) -> User:
    """A user acting for one employer organisation: created by an administrator, or by a center
    administrator for an employer named in one of their center's jobs (that rule is the placement
    domain's: ``talent.placement.services.employer.invite_employer_user`` checks it first)."""
    if not (actor.has(P.USERS_MANAGE) or actor.has(P.EMPLOYER_USERS_INVITE)):
        require(actor, P.USERS_MANAGE)
    return _insert_user(actor, email=email, full_name=full_name, role="employer", password=password,
                        locale=locale, employer_id=employer_id)


def _insert_user(actor: Actor, *, email: str, full_name: str, role: str, password: str | None = None,
                 center_codes: list[str] | None = None, center_ids: list[int] | None = None,
                 locale: str | None = None, employer_id: int | None = None) -> User:
    email = normalise_email(email)
    errors = _validate_new_user(email, full_name, role)
    locale = locale or None
    if locale is not None and locale not in ("az", "en", "ru"):
        errors["locale"] = str(_l("Choose one of the offered languages."))
    if role == "employer" and employer_id is None:
        errors["employer_id"] = str(_l("An employer user needs the employer they act for."))
    elif role == "employer" and not _employer_exists(employer_id):
        errors["employer_id"] = str(_l("Choose an employer from the list."))
    elif role != "employer" and employer_id is not None:
        errors["employer_id"] = str(_l("Only employer users belong to an employer."))
    if password is not None:
        problem = password_problem(password, email=email, user_inputs=tuple(full_name.split()))
        if problem:
            errors["password"] = problem
    centers: list[Center] = []
    if center_codes:
        centers = list(db.session.scalars(select(Center).where(Center.code.in_(center_codes))))
        missing = set(center_codes) - {c.code for c in centers}
        if missing:
            errors["centers"] = str(_l("Unknown center: %(codes)s", codes=", ".join(sorted(missing))))
    if center_ids:
        centers += list(db.session.scalars(select(Center).where(Center.id.in_(center_ids))))
    if role == "center_admin" and not centers and "centers" not in errors:
        errors["centers"] = str(_l("A center administrator needs at least one center."))
    if role != "center_admin" and centers:
        errors["centers"] = str(_l("Only center administrators are assigned to centers."))
    if errors:
        raise ValidationError(_l("Please correct the marked fields."), fields=errors)
    if db.session.scalar(select(User.id).where(User.email == email)) is not None:
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"email": str(_l("A user with this email already exists."))})
    user = User(email=email, full_name=full_name.strip(), role=role,
                password_hash=hash_password(password) if password else None,
                session_token=secrets.token_hex(16), locale=locale,
                password_changed_at=utcnow() if password else None,
                employer_id=employer_id if role == "employer" else None)
    user.assignments = [CenterAssignment(center_id=c.id) for c in {c.id: c for c in centers}.values()]
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", "user", user.id,
                 details={"role": role, "centers": sorted(c.code for c in centers),
                          **({"employer_id": employer_id} if role == "employer" else {})})
    return user


def set_centers(actor: Actor, user: User, center_ids: list[int]) -> None:
    require(actor, P.USERS_MANAGE)
    if user.role != "center_admin":
        raise ValidationError(_l("Only center administrators are assigned to centers."),
                              fields={"centers": str(_l("Only center administrators are assigned to centers."))})
    if not center_ids:
        raise ValidationError(_l("A center administrator needs at least one center."),
                              fields={"centers": str(_l("A center administrator needs at least one center."))})
    db.session.execute(delete(CenterAssignment).where(CenterAssignment.user_id == user.id))
    db.session.expire(user, ["assignments"])
    for cid in sorted(set(center_ids)):
        db.session.add(CenterAssignment(user_id=user.id, center_id=cid))
    db.session.flush()
    audit.record(actor, "user.set_centers", "user", user.id, details={"center_ids": sorted(set(center_ids))})


def set_active(actor: Actor, user: User, active: bool) -> None:
    require(actor, P.USERS_MANAGE)
    if actor.user_id == user.id and not active:
        raise Conflict(_l("You cannot deactivate your own account."))
    user.active = active
    if not active:
        user.session_token = secrets.token_hex(16)  # ends every session and token use at once
    db.session.flush()
    audit.record(actor, "user.activate" if active else "user.deactivate", "user", user.id)


def sign_out(actor: Actor, user: User) -> None:
    """End every session of ``user``: the session token in their cookies no longer matches."""
    if actor.user_id != user.id:
        raise NotFound(_l("Not found."))
    user.session_token = secrets.token_hex(16)
    db.session.flush()
    audit.record(actor, "logout", "user", user.id)


def authenticate(email: str, password: str, *, ip: str | None = None, device: str | None = None) -> User:
    """Check credentials with progressive delays per account and per address (talent/accounts/
    lockout.py); ``device`` is the browser's device cookie, which skips both for its account.
    Raises ValidationError with one generic message whether or not the account exists, the
    password was wrong or an attempt came during a delay (then the password is not checked)."""
    email = normalise_email(email)
    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    now = utcnow()
    if user is None or not user.active:
        if lockout.address_delayed(ip, now):
            verify_password(None, password)
        elif not verify_password(None, password):
            audit.record(Actor(user_id=None, label="anonymous", role="anonymous", ip=ip, channel="web"),
                         "login.unknown", "user", None)
        raise ValidationError(GENERIC_LOGIN_ERROR)
    trusted = lockout.device_trusted(user, device)
    if not trusted and (lockout.account_delayed(user, now) or lockout.address_delayed(ip, now)):
        verify_password(None, password)
        _audit_login(user, "login.locked", ip)
        raise ValidationError(GENERIC_LOGIN_ERROR)
    if not verify_password(user.password_hash, password):
        started_delay = lockout.record_account_failure(user, now)
        _audit_login(user, "login.lock" if started_delay else "login.failure", ip,
                     {"device": True} if trusted else None)
        if started_delay:
            lockout.mail_unlock_link(user, ip)
        db.session.flush()
        raise DeviceRefused(GENERIC_LOGIN_ERROR) if trusted else ValidationError(GENERIC_LOGIN_ERROR)
    lockout.clear_account(user)
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    db.session.flush()
    _audit_login(user, "login.success", ip)
    return user


class DeviceRefused(ValidationError):
    """A wrong password from a browser holding the account's device cookie: the interface drops
    the cookie (one guess per stolen cookie)."""


def _audit_login(user: User, action: str, ip: str | None, details: dict | None = None) -> None:
    actor = Actor(user_id=user.id, label=user.email, role=user.role, ip=ip, channel="web")
    audit.record(actor, action, "user", user.id, details=details)


def change_password(actor: Actor, user: User, current_password: str, new_password: str) -> None:
    if actor.user_id != user.id:
        raise NotFound(_l("Not found."))
    if not verify_password(user.password_hash, current_password):
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"current_password": str(_l("The current password is wrong."))})
    set_password(actor, user, new_password)


def set_password(actor: Actor, user: User, new_password: str) -> None:
    """Set a password (after checking the policy, and that it is not the current one) and end
    every other session of the user."""
    problem = password_problem(new_password, email=user.email, user_inputs=tuple(user.full_name.split()))
    if problem is None and user.password_hash and verify_password(user.password_hash, new_password):
        problem = str(_l("The new password must differ from the current one."))
    if problem:
        raise ValidationError(_l("Please correct the marked fields."), fields={"new_password": problem})
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()
    user.session_token = secrets.token_hex(16)
    user.failed_logins = 0
    user.locked_until = None
    db.session.flush()
    audit.record(actor, "user.password_change", "user", user.id)


# ---- API tokens ----------------------------------------------------------------------------

TOKEN_PREFIX = "tlt_"


def _token_digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def confirm_identity(actor: Actor, password: str | None, code: str | None = None) -> None:
    """A signed-in person proves it is still them before something sensitive (a new API token):
    the current password, and the second factor where one is set up. A session or cookie alone is
    not enough (ASVS 3.7.1). Raises ValidationError naming the field at fault."""
    user = db.session.get(User, actor.user_id) if actor.user_id is not None else None
    if user is None:
        raise NotFound(_l("Not found."))
    if not verify_password(user.password_hash, password or ""):
        # Counted like a wrong password at sign-in (the interfaces commit this failure).
        if lockout.record_account_failure(user, utcnow()):
            lockout.mail_unlock_link(user, actor.ip)
        audit.record(actor, "reauth.failure", "user", user.id)
        db.session.flush()
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"current_password": str(_l("The current password is wrong."))})
    if twofactor.is_enrolled(user):
        twofactor.reauthenticate(actor, user, code or "")


def token_lifetime(days) -> int:
    """The number of days a new token lives: the default, or a chosen one within the maximum."""
    config = current_app.config
    maximum = config["API_TOKEN_MAX_DAYS"]
    if days in (None, ""):
        return min(config["API_TOKEN_DAYS"], maximum)
    try:
        value = int(days)
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= maximum:
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"days": str(_l("Choose between 1 and %(n)d days.", n=maximum))})
    return value


def create_token(actor: Actor, user: User, name: str, *, service: bool = False, days: int | None = None,
                 password: str | None = None, code: str | None = None) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the secret, shown once. A person (web, API)
    confirms their password and second factor first; the CLI (``Actor.system()``) is trusted."""
    if user.id != actor.user_id or service:
        require(actor, P.TOKENS_MANAGE)
    else:
        require(actor, P.TOKENS_OWN)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if not name or len(name) > 100:
        errors["name"] = str(_l("Give the token a name of 1 to 100 characters."))
    try:
        lifetime = token_lifetime(days)
    except ValidationError as error:
        errors.update(error.fields)
    if errors:
        raise ValidationError(_l("Please correct the marked fields."), fields=errors)
    if not user.active:
        raise Conflict(_l("The user is deactivated."))
    if actor.user_id is not None:
        confirm_identity(actor, password, code)
    return _new_token(actor, user, name, lifetime, service=service)


REAUTH_FIELDS = frozenset({"current_password", "code"})


def create_service_token(actor: Actor, *, email: str, name: str, role: str, center_ids: list[int] | None,
                         days: int | None = None, password: str | None = None,
                         code: str | None = None) -> tuple[ApiToken, str]:
    """A service user holding ``role`` (and centers) with one service token. The administrator
    confirms their identity first, so a failed confirmation writes nothing but its own count."""
    require(actor, P.TOKENS_MANAGE)
    lifetime = token_lifetime(days)
    if actor.user_id is not None:
        confirm_identity(actor, password, code)
    user = create_user(actor, email=email, full_name=name, role=role, center_ids=center_ids)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"name": str(_l("Give the token a name of 1 to 100 characters."))})
    return _new_token(actor, user, name, lifetime, service=True)


def _new_token(actor: Actor, user: User, name: str, lifetime: int, *, service: bool) -> tuple[ApiToken, str]:
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name, prefix=secret[:10], token_hash=_token_digest(secret),
                     is_service=service, expires_at=utcnow() + timedelta(days=lifetime))
    db.session.add(token)
    db.session.flush()
    audit.record(actor, "token.create", "api_token", token.id,
                 details={"user_id": user.id, "name": name, "days": lifetime})
    return token, secret


def revoke_token(actor: Actor, token: ApiToken) -> None:
    if token.user_id != actor.user_id:
        require(actor, P.TOKENS_MANAGE)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.flush()
        audit.record(actor, "token.revoke", "api_token", token.id)


class TokenRefused(Exception):
    """A bearer token that is not accepted; ``reason`` is ``invalid`` or ``expired``."""

    def __init__(self, reason: str, token: ApiToken | None = None):
        super().__init__(reason)
        self.reason = reason
        self.token = token


def check_token(secret: str) -> tuple[User, ApiToken]:
    """The active user behind a bearer token (updating its last-use time), or TokenRefused."""
    if not secret or not secret.startswith(TOKEN_PREFIX) or len(secret) > 200:
        raise TokenRefused("invalid")
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        raise TokenRefused("invalid")
    if token.is_expired():
        raise TokenRefused("expired", token)
    token.last_used_at = utcnow()
    return token.user, token


def user_for_token(secret: str) -> tuple[User, ApiToken] | None:
    """The active user behind a bearer token, or None. Updates last-use time."""
    try:
        return check_token(secret)
    except TokenRefused:
        return None


def list_tokens(actor: Actor, user_id: int | None = None) -> list[ApiToken]:
    stmt = select(ApiToken).order_by(ApiToken.created_at.desc())
    if user_id is None or user_id != actor.user_id:
        if user_id is not None or not actor.has(P.TOKENS_MANAGE):
            require(actor, P.TOKENS_MANAGE)
        if user_id is not None:
            stmt = stmt.where(ApiToken.user_id == user_id)
    else:
        stmt = stmt.where(ApiToken.user_id == actor.user_id)
    return list(db.session.scalars(stmt))
