"""Reads about awards: public verification, the center administrator's lists, a holder's awards."""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload

from talent.credentials.models import Award
from talent.errors import NotFound
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, scope_centers
from talent import clock
from talent.credentials.models import AwardStatus
from talent.learning.models import EnrollmentStatus

# Codes are secrets.token_urlsafe(15): 20 URL-safe characters. Anything else cannot exist.
CODE_RE = re.compile(r"^[A-Za-z0-9_-]{16,32}$")
SERIAL_RE = re.compile(r"^AZAI-\d{4}-\d{6}$")
# Looked up instead of a malformed code, so every unknown code costs the same database query.
_NO_CODE = "~" * 20

EXPIRING_DAYS = 90


def _award_with_details() -> Select:
    return select(Award).options(joinedload(Award.trainee), joinedload(Award.certification),
                                 joinedload(Award.center))


@cache
def _by_code(public: bool) -> Select:
    """The look-up by verification code, built once (its loader options made building it a
    tenth of a public verification's time). ``public``: what the public answer shows and nothing
    more — the holder's two names, not the rest of the trainee, nor the home region, the
    certification's skill or the center's region, which the joined defaults would add: one
    statement of four tables, not seven (most of its SQL time was PostgreSQL planning the
    seven-table join)."""
    if public:
        stmt = select(Award).options(
            joinedload(Award.trainee).load_only(Trainee.first_name, Trainee.last_name).lazyload("*"),
            joinedload(Award.certification).lazyload("*"),
            joinedload(Award.center).lazyload("*"))
    else:
        stmt = _award_with_details()
    return stmt.where(Award.verification_code == bindparam("code"))


def award_by_code(code: Any, *, public: bool = False) -> Award | None:
    """The award with this verification code, or None for unknown or malformed codes. Always
    runs one query, so a malformed code answers as fast as an unknown one. ``public``: loaded for
    the verification answer only (see ``_by_code``)."""
    value = code if isinstance(code, str) and CODE_RE.match(code) else _NO_CODE
    return db.session.scalar(_by_code(public), {"code": value})


def award_by_serial_and_birth_date(serial: Any, birth_date: date | None) -> Award | None:
    """The alternative public look-up: the serial printed on the certificate plus the holder's
    birth date. Both must match."""
    value = serial.strip().upper() if isinstance(serial, str) else ""
    if not SERIAL_RE.match(value) or birth_date is None:
        value, birth_date = "~", date(1900, 1, 1)
    return db.session.scalar(
        _award_with_details().join(Trainee, Trainee.id == Award.trainee_id)
        .where(Award.serial == value, Trainee.birth_date == birth_date))


@dataclass(frozen=True)
class Verification:
    status: str  # valid | expired | revoked | not_found
    award: Award | None = None

    def as_dict(self, language: str = "en") -> dict[str, Any]:
        """The public answer: the same keys for every state, null where unknown."""
        award = self.award
        if award is None:
            return {"status": self.status, "serial": None, "holder": None, "certification": None,
                    "center": None, "issued_on": None, "expires_on": None, "revoked_on": None}
        cert = award.certification
        return {
            "status": self.status,
            "serial": award.serial,
            "holder": award.trainee.short_name,
            "certification": {"code": cert.code, "name": cert.name_in(language),
                              "name_az": cert.name_az, "name_en": cert.name_en, "level": cert.level},
            "center": {"code": award.center.code, "name": award.center.name, "city": award.center.city},
            "issued_on": award.issued_on.isoformat(),
            "expires_on": award.expires_on.isoformat() if award.expires_on else None,
            "revoked_on": clock.local_date(award.revoked_at).isoformat() if award.revoked_at else None,
        }


def verify(award: Award | None, today: date | None = None) -> Verification:
    if award is None:
        return Verification("not_found")
    return Verification(award.status_on(today or clock.today()), award)


def verify_code(code: Any) -> Verification:
    return verify(award_by_code(code, public=True))


# ---- staff lists ---------------------------------------------------------------------------

def center_awards(actor: Actor, *, expiring_within: int | None = None, status: str | None = None,
                  today: date | None = None) -> Select:
    """Awards of the actor's centers (newest first); ``expiring_within`` days keeps the valid
    awards that expire in that window, soonest first."""
    require(actor, P.AWARDS_READ)
    today = today or clock.today()
    stmt = (select(Award).options(joinedload(Award.trainee), joinedload(Award.certification),
                                  joinedload(Award.center)))
    stmt = scope_centers(stmt, actor, Award.center_id)
    if expiring_within is not None:
        stmt = stmt.where(Award.revoked_at.is_(None), Award.expires_on.is_not(None),
                          Award.expires_on >= today,
                          Award.expires_on <= today + timedelta(days=expiring_within))
        return stmt.order_by(Award.expires_on, Award.id)
    if status == AwardStatus.REVOKED:
        stmt = stmt.where(Award.revoked_at.is_not(None))
    elif status == AwardStatus.EXPIRED:
        stmt = stmt.where(Award.revoked_at.is_(None), Award.expires_on < today)
    elif status == AwardStatus.VALID:
        stmt = stmt.where(Award.revoked_at.is_(None),
                          (Award.expires_on.is_(None)) | (Award.expires_on >= today))
    return stmt.order_by(Award.issued_on.desc(), Award.id.desc())


def expiring_awards(actor: Actor, days: int = EXPIRING_DAYS) -> list[Award]:
    return list(db.session.scalars(center_awards(actor, expiring_within=days)))


def cohort_award_summary(actor: Actor, cohort: Cohort) -> dict[str, int]:
    """Completed enrollments of a cohort and how many of them hold an award."""
    from sqlalchemy import func
    require(actor, P.AWARDS_READ, cohort.center_id)
    row = db.session.execute(
        select(func.count(Enrollment.id), func.count(Award.id))
        .select_from(Enrollment)
        .outerjoin(Award, (Award.enrollment_id == Enrollment.id) & Award.renewal_of_id.is_(None))
        .where(Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.COMPLETED)).one()
    return {"completed": row[0], "awarded": row[1]}


# ---- the holder ----------------------------------------------------------------------------

def own_awards(actor: Actor) -> list[Award]:
    """The signed-in trainee's awards, newest first."""
    require(actor, P.SELF_READ)
    if actor.trainee_id is None:
        return []
    return list(db.session.scalars(
        select(Award).options(joinedload(Award.certification), joinedload(Award.center))
        .where(Award.trainee_id == actor.trainee_id)
        .order_by(Award.issued_on.desc(), Award.id.desc())))


def own_award(actor: Actor, award_id: Any) -> Award:
    """One of the signed-in trainee's awards; anyone else's is NotFound."""
    require(actor, P.SELF_READ)
    try:
        number = int(award_id)
    except (TypeError, ValueError):
        number = 0
    award = db.session.get(Award, number) if 0 < number < 2**31 else None
    if award is None or actor.trainee_id is None or award.trainee_id != actor.trainee_id:
        raise NotFound(_l("Not found."))
    return award


def renewals_of(award: Award) -> tuple[list[Award], Award | None]:
    """The awards that renewed ``award``, and the one it renews (None for a first award)."""
    renewals = list(db.session.scalars(select(Award).where(Award.renewal_of_id == award.id)))
    renewal_of = db.session.get(Award, award.renewal_of_id) if award.renewal_of_id else None
    return renewals, renewal_of
