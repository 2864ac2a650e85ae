"""Signing in with the national e-ID (OpenID Connect, issue 21): the linking rules.

The web layer (``talent/web/auth/oidc.py``) runs the protocol with Authlib — code flow, PKCE,
``state``, ``nonce``, the ID token's signature checked against the provider's keys, ``iss``,
``aud``, ``exp`` — and hands this module a :class:`VerifiedIdentity`: claims that passed every
check. Only then are the rules applied, here, in one place:

- a provider subject already linked to an account signs that account in;
- a verified FIN (and birth date, when the provider sends one) that matches a trainee record signs
  that person in as the trainee: their existing account (the subject is linked to it), or, when
  they have none, an account created after they accept the consent text (:func:`accept_consent`);
- a FIN that matches no record writes nothing: :func:`applicant_start` seals the proven FIN and
  birth date (encrypted, an hour) for the session, so the online application form (issue 19)
  fills them in and locks them; nothing is stored until the person applies;
- staff accounts are linked only from a signed-in session of that staff member
  (:func:`link_self`) or by an administrator (:func:`link_by_admin`); never by an e-mail claim
  (this module reads no e-mail from the provider at all);
- each sign-in's provider subject and time are audited (``user.login_eid``).

Services flush, never commit, and never read the request.
"""
from __future__ import annotations

import base64
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit
from talent.accounts.models import User
from talent.accounts.oidc_models import EidIdentity
from talent.db import utcnow
from talent.errors import Conflict, NotFound, ValidationError
from talent.extensions import db
from talent.people.models import Trainee
from talent.people.services import find_by_identity
from talent.people.validation import clean_fin
from talent.permissions import Actor, P, require
from talent.validation import has_control_chars

STAFF_ROLES = ("admin", "center_admin", "ministry")
MAX_SUBJECT = 255
CONSENT_VERSION = "eid-1"


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a verified ID token (and the matching userinfo answer) said about the person."""
    issuer: str
    subject: str
    fin: str | None = None
    birth_date: date | None = None


@dataclass(frozen=True)
class Outcome:
    """The answer to a sign-in: ``signed_in`` (``user``), ``consent`` (``trainee_id`` waits for the
    person's consent before an account exists), ``no_record`` (nothing written)."""
    kind: str
    user: User | None = None
    trainee_id: int | None = None
    applicant: str | None = None   # ``no_record``: the sealed identity for the application form


class EidRefused(Conflict):
    """The e-ID is valid but cannot sign in here (deactivated account, a record linked to another
    e-ID); the message says why."""
    code = "eid_refused"


# ---- reading the claims ----------------------------------------------------------------------

def identity_from_claims(claims: dict[str, Any], *, issuer: str, fin_claim: str) -> VerifiedIdentity:
    """A :class:`VerifiedIdentity` from checked claims. A malformed FIN or birth date counts as absent
    (it then matches no record); a missing or malformed subject is refused."""
    subject = claims.get("sub")
    if (not isinstance(subject, str) or not subject or len(subject) > MAX_SUBJECT
            or has_control_chars(subject)):
        raise ValidationError(_l("The identity provider sent an answer without a valid subject."))
    fin = None
    raw_fin = claims.get(fin_claim)
    if isinstance(raw_fin, str):
        try:
            fin = clean_fin(raw_fin)
        except Exception:  # noqa: BLE001 - a malformed FIN is no FIN
            fin = None
    return VerifiedIdentity(issuer=issuer, subject=subject, fin=fin,
                            birth_date=_birthdate(claims.get("birthdate")))


def _birthdate(value: Any) -> date | None:
    """OpenID ``birthdate``: ``YYYY-MM-DD`` (``0000-MM-DD`` when the year is withheld: absent)."""
    if not isinstance(value, str) or len(value) != 10:
        return None
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.year > 1 else None


# ---- signing in --------------------------------------------------------------------------------

def _self_actor(user: User, ip: str | None) -> Actor:
    return Actor(user_id=user.id, label=user.email, role=user.role, ip=ip, channel="web")


def _link_of(issuer: str, subject: str) -> EidIdentity | None:
    return db.session.scalar(select(EidIdentity).where(EidIdentity.issuer == issuer,
                                                       EidIdentity.subject == subject))


def _matching_trainee(identity: VerifiedIdentity) -> Trainee | None:
    """The trainee whose FIN the provider verified — and whose birth date matches when the provider
    sends one (the same proof a center gives: ``people.services.find_by_identity``)."""
    if identity.fin is None:
        return None
    if identity.birth_date is not None:
        return find_by_identity(identity.fin, identity.birth_date)
    return db.session.scalar(select(Trainee).where(Trainee.fin == identity.fin))


def _trainee_of(user: User) -> Trainee | None:
    return db.session.scalar(select(Trainee).where(Trainee.user_id == user.id))


def _record_sign_in(link: EidIdentity, user: User, identity: VerifiedIdentity, *, ip: str | None) -> None:
    now = utcnow()
    link.last_sign_in_at = now
    trainee = _trainee_of(user) if user.role == "trainee" else None
    if trainee is not None and identity.fin == trainee.fin:
        link.fin_verified_at = now
    user.last_login_at = now
    db.session.flush()
    audit.record(_self_actor(user, ip), "user.login_eid", "user", user.id,
                 trainee_id=trainee.id if trainee is not None else None,
                 details={"issuer": identity.issuer, "subject": identity.subject,
                          "at": now.isoformat(timespec="seconds"),
                          "fin_verified": bool(trainee is not None and identity.fin == trainee.fin)})


def _usable(user: User) -> None:
    if not user.active:
        raise EidRefused(_l("This account is deactivated. Ask your center or the administrator."))


def sign_in(identity: VerifiedIdentity, *, ip: str | None = None) -> Outcome:
    """Apply the linking rules to a verified identity (see the module's docstring)."""
    link = _link_of(identity.issuer, identity.subject)
    if link is not None:
        user = db.session.get(User, link.user_id)
        _usable(user)
        _record_sign_in(link, user, identity, ip=ip)
        return Outcome("signed_in", user=user)
    trainee = _matching_trainee(identity)
    if trainee is None:
        return Outcome("no_record", applicant=applicant_start(identity))
    if trainee.user_id is None:
        return Outcome("consent", trainee_id=trainee.id)
    user = db.session.get(User, trainee.user_id)
    _usable(user)
    if user.role != "trainee":  # pragma: no cover - trainee records hold trainee accounts only
        raise EidRefused(_l("This identity cannot sign in here. Ask the administrator."))
    existing = db.session.scalar(select(EidIdentity).where(EidIdentity.user_id == user.id))
    if existing is not None:
        raise EidRefused(_l("Your trainee account is already linked to another e-ID sign-in. Ask your "
                            "center to check your record."))
    link = EidIdentity(user_id=user.id, issuer=identity.issuer, subject=identity.subject, linked_by_id=user.id)
    db.session.add(link)
    db.session.flush()
    audit.record(_self_actor(user, ip), "user.link_eid", "user", user.id, trainee_id=trainee.id,
                 details={"issuer": identity.issuer, "subject": identity.subject, "by": "fin"})
    _record_sign_in(link, user, identity, ip=ip)
    return Outcome("signed_in", user=user)


def consent_trainee(trainee_id: Any) -> Trainee | None:
    """The trainee a pending consent is about (None when the record is gone)."""
    return db.session.get(Trainee, trainee_id) if isinstance(trainee_id, int) else None


def accept_consent(issuer: str, subject: str, trainee_id: Any, *, ip: str | None = None) -> User:
    """The person accepted the consent text: create their trainee account, link the subject, sign
    in. ``trainee_id`` is the record :func:`sign_in` matched by the verified FIN minutes ago (kept
    in the signed session, never the FIN itself); the rest is checked again, as the record may
    have changed since."""
    trainee = consent_trainee(trainee_id)
    if trainee is None:
        raise EidRefused(_l("No training record matches this identity any more. Please sign in again."))
    if _link_of(issuer, subject) is not None or trainee.user_id is not None:
        raise EidRefused(_l("An account already exists for this record. Please sign in again."))
    email = (trainee.email or "").strip().lower()
    if not email or db.session.scalar(select(User.id).where(User.email == email)) is not None:
        # No usable address: a placeholder in the reserved .invalid domain (RFC 2606) that can
        # receive nothing; the person signs in with the e-ID only.
        email = f"eid-{trainee.id}-{secrets.token_hex(4)}@eid.invalid"
    user = User(email=email, full_name=trainee.display_name, role="trainee", password_hash=None,
                session_token=secrets.token_hex(16))
    db.session.add(user)
    db.session.flush()
    trainee.user_id = user.id
    link = EidIdentity(user_id=user.id, issuer=issuer, subject=subject, linked_by_id=user.id)
    db.session.add(link)
    db.session.flush()
    actor = _self_actor(user, ip)
    audit.record(actor, "user.create_eid", "user", user.id, trainee_id=trainee.id,
                 center_id=trainee.registered_by_center_id,
                 details={"issuer": issuer, "subject": subject, "consent": CONSENT_VERSION})
    _record_sign_in(link, user, VerifiedIdentity(issuer=issuer, subject=subject, fin=trainee.fin), ip=ip)
    return user


APPLICANT_SESSION_KEY = "eid_applicant"
APPLICANT_SECONDS = 3600


def _applicant_box() -> Fernet:
    """Encryption (not only a signature: the session cookie is readable) keyed by the app's secret."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(secret + b"talent-eid-applicant").digest()))


def applicant_start(identity: VerifiedIdentity) -> str | None:
    """A FIN that matches no trainee record: seal the proven FIN and birth date for the person's
    session (encrypted, valid for ``APPLICANT_SECONDS``) so the online application form fills them
    in and locks them. Nothing is written: only what the person then submits is kept."""
    if not identity.fin:
        return None
    payload = {"fin": identity.fin, "birth_date": identity.birth_date.isoformat() if identity.birth_date else None}
    return _applicant_box().encrypt(json.dumps(payload).encode()).decode()


def applicant_identity(sealed: Any) -> tuple[str, date | None] | None:
    """The FIN and birth date :func:`applicant_start` sealed, or None (absent, tampered, expired)."""
    if not isinstance(sealed, str) or not sealed or len(sealed) > 1000:
        return None
    try:
        data = json.loads(_applicant_box().decrypt(sealed.encode(), ttl=APPLICANT_SECONDS))
        fin = clean_fin(data["fin"])
        born = date.fromisoformat(data["birth_date"]) if data.get("birth_date") else None
    except (InvalidToken, ValueError, KeyError, TypeError):
        return None
    return fin, born


# ---- linking staff -----------------------------------------------------------------------------

def _check_free(issuer: str, subject: str, user: User) -> None:
    other = _link_of(issuer, subject)
    if other is not None and other.user_id != user.id:
        raise Conflict(_l("This e-ID is already linked to another account."))
    if db.session.scalar(select(EidIdentity.id).where(EidIdentity.user_id == user.id)) is not None:
        raise Conflict(_l("This account is already linked to an e-ID. Remove that link first."))


def link_self(actor: Actor, user: User, identity: VerifiedIdentity) -> EidIdentity:
    """A signed-in staff member links their own account to the e-ID they just signed in with at
    the provider (the fresh ID token proves the subject; the session proves the account)."""
    if actor.user_id != user.id or user.role not in STAFF_ROLES or not user.active:
        raise EidRefused(_l("Only a signed-in staff member can link their own account this way."))
    _check_free(identity.issuer, identity.subject, user)
    link = EidIdentity(user_id=user.id, issuer=identity.issuer, subject=identity.subject, linked_by_id=user.id)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "user.link_eid", "user", user.id,
                 details={"issuer": identity.issuer, "subject": identity.subject, "by": "self"})
    return link


def link_by_admin(actor: Actor, user_id: Any, *, issuer: str, subject: Any) -> EidIdentity:
    """An administrator links a staff account to a provider subject (given by the provider's
    registry, not guessed from an e-mail)."""
    require(actor, P.USERS_MANAGE)
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or user.role not in STAFF_ROLES:
        raise NotFound(_l("Not found."))
    subject = subject.strip() if isinstance(subject, str) else ""
    if not subject or len(subject) > MAX_SUBJECT or has_control_chars(subject):
        raise ValidationError(_l("Please correct the marked fields."),
                              fields={"subject": str(_l("Enter the subject the identity provider gives this "
                                                        "person (at most %(n)d characters).", n=MAX_SUBJECT))})
    _check_free(issuer, subject, user)
    link = EidIdentity(user_id=user.id, issuer=issuer, subject=subject, linked_by_id=actor.user_id)
    db.session.add(link)
    db.session.flush()
    audit.record(actor, "user.link_eid", "user", user.id,
                 details={"issuer": issuer, "subject": subject, "by": "admin"})
    return link


def unlink(actor: Actor, user_id: Any) -> None:
    """Remove a staff account's e-ID link: the staff member themselves, or an administrator."""
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        raise NotFound(_l("Not found."))
    if actor.user_id != user.id:
        require(actor, P.USERS_MANAGE)
    if user.role not in STAFF_ROLES:
        raise EidRefused(_l("A trainee's e-ID link follows their FIN and is not removed here."))
    link = db.session.scalar(select(EidIdentity).where(EidIdentity.user_id == user.id))
    if link is None:
        raise NotFound(_l("Not found."))
    details = {"issuer": link.issuer, "subject": link.subject}
    db.session.delete(link)
    db.session.flush()
    audit.record(actor, "user.unlink_eid", "user", user.id, details=details)


# ---- reading ----------------------------------------------------------------------------------

def end_sessions_of_subject(issuer: str, subject: str) -> bool:
    """OpenID Connect Back-Channel Logout: the provider says this subject's session there ended.
    Every session of the linked account ends here too (its session token rotates, which is how a
    password change signs out other sessions). True when an account was linked to the subject;
    an unknown subject changes nothing."""
    link = _link_of(issuer, subject)
    if link is None:
        return False
    user = db.session.get(User, link.user_id)
    user.session_token = secrets.token_hex(16)
    db.session.flush()
    trainee = _trainee_of(user) if user.role == "trainee" else None
    audit.record(Actor.system(label="national e-ID (back-channel logout)", channel="web"), "user.logout_eid",
                 "user", user.id, trainee_id=trainee.id if trainee is not None else None,
                 details={"issuer": issuer, "subject": subject})
    return True


def link_of_user(user_id: int) -> EidIdentity | None:
    return db.session.scalar(select(EidIdentity).where(EidIdentity.user_id == user_id))


def trainee_verified_at(trainee_id: int) -> datetime | None:
    """When the trainee last signed in with the e-ID carrying their own FIN (the proof of identity
    a center sees on the trainee's page), or None."""
    return db.session.scalar(
        select(EidIdentity.fin_verified_at).join(Trainee, Trainee.user_id == EidIdentity.user_id)
        .where(Trainee.id == trainee_id))
