"""Accounts by invitation (trainees from their center, staff from the admin pages), and password
reset by email link.

Links carry a token signed with itsdangerous (the app's secret key, a salt per purpose) that
expires, and holds a fingerprint of the user's current password hash and session token: setting a
password changes both, so a link works once. Re-inviting rotates the session token, so only the
newest invitation works. An invitation mail leaves only after the transaction that made it
commits (:func:`talent.mail.send_after_commit`).
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any, Callable

from flask import current_app
from flask_babel import force_locale, gettext as _, lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, select

from talent import audit, mail
from talent.accounts.models import ApiToken, User
from talent.accounts.services import create_user, normalise_email, set_password
from talent.audit import AuditEvent
from talent.db import utcnow
from talent.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.people.models import Trainee
from talent.validation import has_control_chars
from talent.permissions import Actor, P, require, require_trainee

INVITE = "invite"
RESET = "reset"
MAX_AGE = {INVITE: 7 * 24 * 3600, RESET: 3600}
PATHS = {INVITE: "/invitation/", RESET: "/password-reset/"}
TOKEN_MAX_LENGTH = 400


class LinkInvalid(DomainError):
    """An invitation or reset link that expired, was used already or was never valid."""
    status = 410
    code = "link_invalid"

    def __init__(self, message, *, expired: bool = False):
        super().__init__(message)
        self.expired = expired


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"talent-{purpose}")


def fingerprint(user: User) -> str:
    material = f"{user.id}|{user.password_hash or ''}|{user.session_token}|{int(bool(user.active))}"
    return hashlib.sha256(material.encode()).hexdigest()[:32]


def make_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": fingerprint(user)})


def link_for(token: str, purpose: str) -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + PATHS[purpose] + token


def user_for_token(token: str, purpose: str) -> User:
    """The user a valid, unused, unexpired link belongs to; otherwise LinkInvalid."""
    if not isinstance(token, str) or not token or len(token) > TOKEN_MAX_LENGTH:
        raise LinkInvalid(_l("This link is not valid."))
    try:
        data = _serializer(purpose).loads(token, max_age=MAX_AGE[purpose])
    except SignatureExpired:
        raise LinkInvalid(_l("This link has expired."), expired=True) from None
    except BadSignature:
        raise LinkInvalid(_l("This link is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise LinkInvalid(_l("This link is not valid."))
    user = db.session.get(User, data["u"])
    if user is None or not user.active or not secrets.compare_digest(str(data.get("f", "")), fingerprint(user)):
        raise LinkInvalid(_l("This link has already been used or replaced by a newer one."))
    return user


def _self_actor(user: User, ip: str | None) -> Actor:
    return Actor(user_id=user.id, label=user.email, role=user.role, ip=ip, channel="web")


# ---- invitations ---------------------------------------------------------------------------

LANGUAGES = ("az", "en", "ru")


def recipient_language(user: User) -> str:
    """The language of a mail to ``user``: their account's, else the platform's default."""
    if user.locale in LANGUAGES:
        return user.locale
    default = current_app.config.get("BABEL_DEFAULT_LOCALE", "az")
    return default if default in LANGUAGES else "az"


def _invitation_mail(user: User, name: str, link: str, *, staff: bool) -> None:
    """The one invitation mail (a trainee's from their center, a staff member's from an
    administrator), in the recipient's language; it leaves after the commit."""
    days = MAX_AGE[INVITE] // 86400
    with force_locale(recipient_language(user)):
        subject = _("Invitation — AI Talent Centers")
        intro = (_("An account was created for you on the AI Talent Centers platform. Set your password "
                   "within %(days)d days:", days=days) if staff else
                 _("Set a password for your trainee account within %(days)d days:", days=days))
        body = "\n".join([_("Hello, %(name)s!", name=name), "", intro, "", link, "",
                          _("The link works once.")]) + "\n"
    mail.send_after_commit(user.email, subject, body, kind="staff_invitation" if staff else "invitation",
                           user_id=user.id, locale=recipient_language(user))


def invite_trainee(actor: Actor, trainee_id: int, *,
                   link_builder: Callable[[str, str], str] = link_for) -> User:
    """Create (or re-send) the trainee's account invitation and email the link."""
    require(actor, P.TRAINEES_WRITE)
    require_trainee(actor, trainee_id)
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None:
        raise NotFound(_l("Not found."))
    email = normalise_email(trainee.email or "")
    if not email:
        raise ValidationError(_l("This trainee has no email address; add one first."),
                              fields={"email": _l("This trainee has no email address; add one first.")})
    if trainee.user_id is not None:
        user = db.session.get(User, trainee.user_id)
        if user.password_hash:
            raise Conflict(_l("This trainee already has an account."))
        user.session_token = secrets.token_hex(16)  # older invitation links stop working
    else:
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            raise Conflict(_l("Another account already uses this email address."))
        user = User(email=email, full_name=trainee.display_name, role="trainee", password_hash=None,
                    session_token=secrets.token_hex(16))
        db.session.add(user)
        db.session.flush()
        trainee.user_id = user.id
    db.session.flush()
    audit.record(actor, "trainee.invite", "user", user.id, trainee_id=trainee.id,
                 center_id=trainee.registered_by_center_id)
    _invitation_mail(user, trainee.first_name, link_builder(make_token(user, INVITE), INVITE), staff=False)
    return user


STAFF_ROLES = ("admin", "center_admin", "ministry", "employer")


def is_service_user(user: User) -> bool:
    """The user behind a service token (no person: never invited, never signs in)."""
    return db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == user.id,
                                                       ApiToken.is_service.is_(True)).limit(1)) is not None


def invite_staff(actor: Actor, user_id: Any, *, link_builder: Callable[[str, str], str] = link_for) -> User:
    """Send (or send again) a staff user without a password the invitation to set one. Only the
    newest link works (the session token rotates) and it expires after ``MAX_AGE[INVITE]``; the
    mail leaves after the commit."""
    if not actor.has(P.USERS_MANAGE) and actor.has(P.EMPLOYER_USERS_INVITE):
        require(actor, P.EMPLOYER_USERS_INVITE)   # a center: employer users only (see below)
    else:
        require(actor, P.USERS_MANAGE)
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        user = None
    if user is None or user.role not in STAFF_ROLES or is_service_user(user):
        raise NotFound(_l("Not found."))
    if not actor.has(P.USERS_MANAGE) and user.role != "employer":
        # A center invites employer users only (which employers: talent.placement.services.employer);
        # staff accounts are the administrators' to invite.
        raise PermissionDenied(_l("You do not have permission to do this."))
    if user.password_hash:
        raise Conflict(_l("This user has already set a password; they can use \"Forgot password?\" on the "
                          "sign-in page."))
    if not user.active:
        raise InvalidTransition(_l("This user is deactivated; activate them before sending an invitation."))
    user.session_token = secrets.token_hex(16)  # older invitation links stop working
    db.session.flush()
    audit.record(actor, "user.invite", "user", user.id, details={"role": user.role})
    _invitation_mail(user, user.full_name, link_builder(make_token(user, INVITE), INVITE), staff=True)
    return user


def create_staff_user(actor: Actor, *, password: str | None = None, **fields) -> User:
    """A staff user from the admin pages: with a password, ready to sign in; without one, invited
    by mail to set it (the mail leaves after the commit)."""
    user = create_user(actor, password=password or None, **fields)
    if not password and user.role in STAFF_ROLES:  # a trainee's invitation comes from their center
        invite_staff(actor, user.id)
    return user


def last_invitations(user_ids) -> dict[int, Any]:
    """When each of these users was last sent an invitation (from the audit trail)."""
    from sqlalchemy import func

    ids = [str(i) for i in user_ids]
    if not ids:
        return {}
    rows = db.session.execute(select(AuditEvent.entity_id, func.max(AuditEvent.at))
                              .where(AuditEvent.entity_type == "user", AuditEvent.entity_id.in_(ids),
                                     AuditEvent.action.in_(("user.invite", "trainee.invite")))
                              .group_by(AuditEvent.entity_id))
    return {int(entity_id): at for entity_id, at in rows}


def accept_invitation(token: str, password: str, *, ip: str | None = None) -> User:
    user = user_for_token(token, INVITE)
    actor = _self_actor(user, ip)
    set_password(actor, user, password)
    audit.record(actor, "user.invitation_accept", "user", user.id,
                 trainee_id=db.session.scalar(select(Trainee.id).where(Trainee.user_id == user.id)))
    return user


# ---- password reset ------------------------------------------------------------------------

def request_password_reset(email: str, *, ip: str | None = None,
                           link_builder: Callable[[str, str], str] = link_for) -> None:
    """Email a reset link when an active account has this email. Answers the same either way, and
    in the same time: known and unknown addresses run the same queries, sign a link, write one
    audit event and build the message; only a known one (within RESET_MAILS_PER_HOUR for the
    account) queues the message, which leaves after the commit (in the background in production).
    """
    email = normalise_email(email)
    if not email or len(email) > 254 or has_control_chars(email):
        return
    found = db.session.scalar(select(User).where(User.email == email))
    user = found if found is not None and found.active else None
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.actor_id == (user.id if user else -1),
                                                AuditEvent.action == "user.password_reset_request",
                                                AuditEvent.at > since)) or 0
    within_limit = recent < current_app.config["RESET_MAILS_PER_HOUR"]
    if user is not None:
        token = make_token(user, RESET)
        action = "user.password_reset_request" if within_limit else "user.password_reset_limited"
        audit.record(_self_actor(user, ip), action, "user", user.id)
    else:
        token = _serializer(RESET).dumps({"u": 0, "f": secrets.token_hex(16)})
        audit.record(Actor(user_id=None, label="anonymous", role="anonymous", ip=ip, channel="web"),
                     "user.password_reset_unknown", "user", None)
    link = link_builder(token, RESET)
    minutes = MAX_AGE[RESET] // 60
    body = (f"Yeni şifrə təyin etmək üçün ({minutes} dəqiqə ərzində):\n"
            f"To set a new password (within {minutes} minutes):\n\n{link}\n\n"
            "Bu sorğunu siz etməmisinizsə, bu məktubu nəzərə almayın.\n"
            "If you did not ask for this, ignore this message.\n")
    db.session.flush()
    # Unknown or limited: the outbox row is written all the same and never sent (no recipient),
    # so both answers do the same database work before and after the commit.
    mail.send_after_commit(user.email if user is not None and within_limit else None,
                           "Şifrənin bərpası / Password reset — AI Talent Centers", body, kind="password_reset",
                           user_id=user.id if user is not None else None)


def reset_password(token: str, password: str, *, ip: str | None = None) -> User:
    user = user_for_token(token, RESET)
    actor = _self_actor(user, ip)
    set_password(actor, user, password)
    audit.record(actor, "user.password_reset", "user", user.id)
    return user
