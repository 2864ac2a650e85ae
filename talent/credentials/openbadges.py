"""Open Badges 3.0: an award as an ``OpenBadgeCredential``, the issuer profile, and the same
credential signed as a VC-JWT.

The holder is identified only by a salted SHA-256 identity hash, never by plaintext personal data:
- with an email on record: ``emailAddress`` hashed with a per-credential salt that is published
  in the credential (so an employer who knows the applicant's email can check it);
- otherwise the FIN, hashed with the server's secret salt, which is not published (a FIN is short
  enough to guess if its salt were known).
The server salt is ``app.config["IDENTITY_SALT"]`` or generated once into ``instance/identity_salt``.
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from datetime import date, datetime, time, timezone
from pathlib import Path
from typing import Any

from flask import current_app

from talent import clock
from talent.credentials import signing
from talent.credentials.models import Award

CONTEXT = ["https://www.w3.org/ns/credentials/v2",
           "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
ISSUER_NAME_EN = "Regional AI Training and Talent Centers of Azerbaijan"
ISSUER_NAME_AZ = "Azərbaycanın Regional Süni İntellekt Təlim və İstedad Mərkəzləri"
STATUS_TYPE = "TalentVerificationStatus"
LEVEL_NAMES = {"foundation": "Foundation", "intermediate": "Intermediate", "advanced": "Advanced"}


def base_url() -> str:
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/")


def identity_salt() -> str:
    configured = current_app.config.get("IDENTITY_SALT")
    if configured:
        return configured
    path = Path(current_app.instance_path) / "identity_salt"
    if not path.exists():
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def _sha256(value: str) -> str:
    return "sha256$" + hashlib.sha256(value.encode("utf-8")).hexdigest()


def credential_salt(award: Award) -> str:
    """A salt per credential, derived from the server salt (stable across requests)."""
    return hmac.new(identity_salt().encode(), award.verification_code.encode(), hashlib.sha256).hexdigest()[:32]


def identity_object(award: Award) -> dict[str, Any]:
    trainee = award.trainee
    if trainee.email:
        salt = credential_salt(award)
        return {"type": "IdentityObject", "hashed": True, "identityType": "emailAddress",
                "identityHash": _sha256(trainee.email.strip().lower() + salt), "salt": salt}
    return {"type": "IdentityObject", "hashed": True, "identityType": "nationalIdentityNumber",
            "identityHash": _sha256(trainee.fin + identity_salt())}


def _instant(day: date, end_of_day: bool = False) -> datetime:
    """The start (or last second) of a calendar date in the app's zone, in UTC: an award's dates
    are Baku dates, so 5 December starts at 20:00 UTC on the 4th (not at midnight UTC, which
    at 20:17 UTC put an award issued that minute into the future)."""
    local = datetime.combine(day, time(23, 59, 59) if end_of_day else time(0, 0), tzinfo=clock.zone())
    return local.astimezone(timezone.utc)


def _timestamp(day: date, end_of_day: bool = False) -> str:
    return _instant(day, end_of_day).strftime("%Y-%m-%dT%H:%M:%SZ")


def credential_url(award: Award, suffix: str = "json") -> str:
    return f"{base_url()}/credentials/{award.verification_code}.{suffix}"


def verify_url(award: Award) -> str:
    return f"{base_url()}/verify/{award.verification_code}"


def issuer_profile(*, with_context: bool = False) -> dict[str, Any]:
    profile: dict[str, Any] = {
        "id": f"{base_url()}/issuer",
        "type": ["Profile"],
        "name": ISSUER_NAME_EN,
        "url": base_url(),
        "description": ISSUER_NAME_AZ,
        "address": {"type": ["Address"], "addressCountry": "Azerbaijan", "addressCountryCode": "AZ"},
    }
    if with_context:
        profile = {"@context": CONTEXT, **profile}
    return profile


def criteria_narrative(certification) -> str:
    if certification.criteria:
        return certification.criteria
    return (f"Complete the course with a final score of at least {certification.pass_mark} out of 100 "
            f"and attendance of at least {certification.min_attendance}%.")


def achievement(certification) -> dict[str, Any]:
    skill = certification.skill
    alignment: dict[str, Any] = {
        "type": ["Alignment"],
        "targetName": skill.name_en,
        "targetCode": skill.code,
        "targetType": "ceasn:Competency",
    }
    if skill.esco_uri:
        alignment.update(targetUrl=skill.esco_uri, targetFramework="ESCO")
    else:
        alignment.update(targetUrl=f"{base_url()}/skills/{skill.code}",
                         targetFramework="AI skill taxonomy of the talent centers")
    level = LEVEL_NAMES.get(certification.level, certification.level)
    return {
        "id": f"{base_url()}/achievements/{certification.code}",
        "type": ["Achievement"],
        "achievementType": "Certification",
        "name": certification.name_en,
        "description": certification.description or f"{certification.name_en} ({level} level)",
        "humanCode": certification.code,
        "criteria": {"narrative": criteria_narrative(certification)},
        "alignment": [alignment],
        "fieldOfStudy": skill.name_en,
        "tag": [f"level:{certification.level}", skill.code],
        # OB 3.0 has no level property of its own; the result description carries the level.
        "resultDescription": [{
            "id": f"{base_url()}/achievements/{certification.code}#level",
            "type": ["ResultDescription"],
            "name": "Level",
            "resultType": "ext:Level",
            "allowedValue": [level],
        }],
        "level": certification.level,
        "inLanguage": "en",
        "creator": issuer_profile(),
    }


def credential(award: Award) -> dict[str, Any]:
    """The award as an ``OpenBadgeCredential`` (unsigned)."""
    certification = award.certification
    level = LEVEL_NAMES.get(certification.level, certification.level)
    subject: dict[str, Any] = {
        "type": ["AchievementSubject"],
        "identifier": [identity_object(award)],
        "achievement": achievement(certification),
        "result": [{"type": ["Result"],
                    "resultDescription": f"{base_url()}/achievements/{certification.code}#level",
                    "value": level}],
    }
    body: dict[str, Any] = {
        "@context": CONTEXT,
        "id": credential_url(award),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certification.name_en,
        "description": f"{certification.name_en} — {certification.name_az}",
        "issuer": issuer_profile(),
        "validFrom": _timestamp(award.issued_on),
        "awardedDate": _timestamp(award.issued_on),
        "credentialSubject": subject,
        "credentialStatus": {"id": f"{base_url()}/api/v1/verify/{award.verification_code}",
                             "type": STATUS_TYPE},
        "evidence": [{"type": ["Evidence"], "id": verify_url(award),
                      "name": f"Certificate {award.serial}", "description": "Public verification page"}],
    }
    if award.expires_on is not None:
        body["validUntil"] = _timestamp(award.expires_on, end_of_day=True)
    return body


def credential_jwt(award: Award) -> str:
    """The credential signed as a VC-JWT (EdDSA): registered claims plus the credential in ``vc``."""
    body = credential(award)
    issued = _instant(award.issued_on)
    claims: dict[str, Any] = {
        "iss": body["issuer"]["id"],
        "jti": body["id"],
        "nbf": int(issued.timestamp()),
        "iat": int(issued.timestamp()),
        "vc": body,
    }
    if award.expires_on is not None:
        until = _instant(award.expires_on, end_of_day=True)
        claims["exp"] = int(until.timestamp())
    return signing.sign(claims)
