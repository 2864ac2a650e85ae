"""Vacancies (issue 20): posted by an employer user for their own employer, or by a center (or an
administrator) on behalf of an employer named in one of its jobs; closed by whoever may post for
that employer. Listed publicly (talent/placement/queries.py ``public_vacancies``) without any
personal data.

Fields (plain values or their text form as a form or JSON body gives them): ``title`` (required),
``occupation_code`` (ISCO-08, required), ``skill_ids`` (ids of the skill taxonomy) or
``skill_codes``, ``country_code`` (ISO alpha-2, default ``AZ``), ``region_id`` (an economic region,
only for Azerbaijan), ``openings`` (1–10,000), ``pay_min_azn``/``pay_max_azn`` (monthly, AZN,
optional, min ≤ max), ``closes_on`` (today or later, within a year).
"""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from talent import audit, clock
from talent.catalog.models import Occupation, Skill
from talent.db import utcnow
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.geo.models import Country, Region
from talent.permissions import Actor, P, require, require_center
from talent.placement.models import Vacancy, VacancyStatus
from talent.placement.services.common import CHECK_MESSAGE, MAX_PAY, clean_text, parse_date
from talent.placement.services.employer import employer_for_center
from talent.validation import MAX_ID, parse_int

VACANCY_FIELDS = ("title", "occupation_code", "skill_ids", "skill_codes", "country_code", "region_id",
                  "openings", "pay_min_azn", "pay_max_azn", "closes_on")
MAX_OPENINGS = 10_000
MAX_SKILLS = 20
HOME_COUNTRY = "AZ"


def _int(raw: Any) -> int | None:
    return parse_int(raw, low=-MAX_ID, high=MAX_ID)


def _pay(raw: Any, name: str, errors: dict[str, str]) -> Decimal | None:
    if raw in (None, ""):
        return None
    try:
        pay = Decimal(str(raw).replace(" ", "").replace(",", "."))
        if not pay.is_finite():
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        errors[name] = str(_l("Enter an amount in AZN, e.g. 1500 or 1500.50."))
        return None
    if pay < 0 or pay > MAX_PAY:
        errors[name] = str(_l("Enter an amount between 0 and 1,000,000 AZN."))
    elif pay != pay.quantize(Decimal("0.01")):
        errors[name] = str(_l("At most two decimal places."))
    return pay


def clean_vacancy_fields(fields: dict[str, Any]) -> dict[str, Any]:
    """Check and convert a vacancy's fields; raises ValidationError naming every bad field."""
    errors: dict[str, str] = {name: str(_l("Unknown field.")) for name in sorted(set(fields) - set(VACANCY_FIELDS))}
    required = str(_l("This field is required."))
    out: dict[str, Any] = {}

    title = clean_text(fields.get("title"))
    if not title:
        errors["title"] = required
    elif len(title) > 200:
        errors["title"] = str(_l("At most %(n)d characters.", n=200))
    out["title"] = title

    occupation = clean_text(fields.get("occupation_code"))
    if not occupation:
        errors["occupation_code"] = required
    elif len(occupation) > 4 or db.session.get(Occupation, occupation) is None:
        errors["occupation_code"] = str(_l("Choose an ISCO-08 occupation from the list."))
    out["occupation_code"] = occupation

    skills: list[Skill] = []
    raw_ids = fields.get("skill_ids") or []
    raw_codes = fields.get("skill_codes") or []
    if isinstance(raw_ids, (str, int)):
        raw_ids = [raw_ids]
    if isinstance(raw_codes, str):
        raw_codes = [c for c in raw_codes.replace(";", ",").split(",") if c.strip()]
    if not isinstance(raw_ids, (list, tuple)) or not isinstance(raw_codes, (list, tuple)):
        errors["skill_ids"] = str(_l("Choose skills from the list."))
    elif len(raw_ids) + len(raw_codes) > MAX_SKILLS:
        errors["skill_ids"] = str(_l("At most %(n)d skills.", n=MAX_SKILLS))
    else:
        ids = {_int(v) for v in raw_ids}
        codes = {clean_text(c).upper() for c in raw_codes}
        if None in ids or any(len(c) > 40 for c in codes):
            errors["skill_ids"] = str(_l("Choose skills from the list."))
        else:
            found = list(db.session.scalars(select(Skill).where(
                (Skill.id.in_(sorted(ids) or [-1])) | (func.upper(Skill.code).in_(sorted(codes) or [""])))))
            if ({s.id for s in found} >= ids and {s.code.upper() for s in found} >= codes
                    and all(s.active for s in found)):
                skills = sorted(found, key=lambda s: s.code)
            else:
                errors["skill_codes" if codes and not ids else "skill_ids"] = str(_l("Choose skills from the list."))
    out["skills"] = skills

    country = clean_text(fields.get("country_code") or HOME_COUNTRY).upper()
    if len(country) != 2 or db.session.get(Country, country) is None:
        errors["country_code"] = str(_l("Choose a country from the list."))
    out["country_code"] = country

    region_id = None
    if fields.get("region_id") not in (None, "", 0, "0"):
        region_id = _int(fields.get("region_id"))
        region = db.session.get(Region, region_id) if region_id and region_id > 0 else None
        if region is None:
            errors["region_id"] = str(_l("Choose a region from the list."))
        elif country != HOME_COUNTRY:
            errors["region_id"] = str(_l("A region is only given for work in Azerbaijan."))
    out["region_id"] = region_id

    openings = _int(fields.get("openings")) if fields.get("openings") not in (None, "") else None
    if fields.get("openings") in (None, ""):
        errors["openings"] = required
    elif openings is None or not 1 <= openings <= MAX_OPENINGS:
        errors["openings"] = str(_l("Enter a whole number from 1 to %(n)d.", n=MAX_OPENINGS))
    out["openings"] = openings

    out["pay_min_azn"] = _pay(fields.get("pay_min_azn"), "pay_min_azn", errors)
    out["pay_max_azn"] = _pay(fields.get("pay_max_azn"), "pay_max_azn", errors)
    if ("pay_min_azn" not in errors and "pay_max_azn" not in errors and out["pay_min_azn"] is not None
            and out["pay_max_azn"] is not None and out["pay_min_azn"] > out["pay_max_azn"]):
        errors["pay_max_azn"] = str(_l("The highest pay is below the lowest."))

    today = clock.today()
    try:
        closes_on = parse_date(fields.get("closes_on"))
    except ValueError:
        closes_on = None
        errors["closes_on"] = str(_l("Enter a date as YYYY-MM-DD."))
    else:
        if closes_on is None:
            errors["closes_on"] = required
        elif closes_on < today:
            errors["closes_on"] = str(_l("The closing date has passed; choose today or a later day."))
        elif closes_on > today + timedelta(days=366):
            errors["closes_on"] = str(_l("The closing date is more than a year ahead."))
    out["closes_on"] = closes_on

    if errors:
        raise ValidationError(CHECK_MESSAGE, fields=errors)
    return out


def _posting_center(actor: Actor, center_id: Any) -> int | None:
    """The center posting on an employer's behalf: the one given (of the actor's), or the actor's
    only center; None for an administrator who names none."""
    if center_id not in (None, "", 0, "0"):
        cid = _int(center_id)
        if cid is None or cid < 1:
            raise ValidationError(CHECK_MESSAGE, fields={"center_id": str(_l("Choose a center from the list."))})
        require_center(actor, P.VACANCIES_WRITE, cid)
        return cid
    if actor.center_ids is not None and actor.center_ids:
        return min(actor.center_ids)
    return None


def post_vacancy(actor: Actor, *, employer_id: Any = None, center_id: Any = None, **fields) -> Vacancy:
    """An employer user posts for their employer (``employer_id`` is theirs whatever is given); a
    center or an administrator names the employer, one named in their jobs."""
    require(actor, P.VACANCIES_WRITE)
    posting_center = None
    if actor.employer_id is not None:
        if employer_id not in (None, "") and _int(employer_id) != actor.employer_id:
            raise ValidationError(CHECK_MESSAGE, fields={"employer_id": str(_l("You post for your own employer only."))})
        employer_id = actor.employer_id
    else:
        if employer_id in (None, ""):
            raise ValidationError(CHECK_MESSAGE, fields={"employer_id": str(_l("This field is required."))})
        try:
            employer_id = employer_for_center(actor, employer_id).id
        except NotFound:
            raise ValidationError(CHECK_MESSAGE, fields={"employer_id": str(_l(
                "Choose an employer named in one of your center's jobs."))}) from None
        posting_center = _posting_center(actor, center_id)
    values = clean_vacancy_fields(fields)
    vacancy = Vacancy(employer_id=employer_id, title=values["title"], occupation_code=values["occupation_code"],
                      country_code=values["country_code"], region_id=values["region_id"],
                      openings=values["openings"], pay_min_azn=values["pay_min_azn"],
                      pay_max_azn=values["pay_max_azn"], closes_on=values["closes_on"], status=VacancyStatus.OPEN,
                      center_id=posting_center, posted_by_id=actor.user_id)
    vacancy.skills = values["skills"]
    db.session.add(vacancy)
    db.session.flush()
    audit.record(actor, "vacancy.create", "vacancy", vacancy.id, center_id=posting_center,
                 details={"employer_id": employer_id, "title": vacancy.title, "openings": vacancy.openings})
    return vacancy


def get_managed_vacancy(actor: Actor, vacancy_id: Any) -> Vacancy:
    """A vacancy the actor may close: their employer's; for a center, one it posted or one of an
    employer named in its jobs; an administrator's any. Else NotFound."""
    require(actor, P.VACANCIES_WRITE)
    vid = _int(vacancy_id)
    vacancy = db.session.get(Vacancy, vid) if vid and vid > 0 else None
    if vacancy is None:
        raise NotFound(_l("Not found."))
    if actor.employer_id is not None:
        if vacancy.employer_id != actor.employer_id:
            raise NotFound(_l("Not found."))
    elif actor.center_ids is not None and not (vacancy.center_id in actor.center_ids):
        raise NotFound(_l("Not found."))
    return vacancy


def close_vacancy(actor: Actor, vacancy_id: Any) -> Vacancy:
    vacancy = get_managed_vacancy(actor, vacancy_id)
    if vacancy.status == VacancyStatus.CLOSED:
        raise InvalidTransition(_l("This vacancy is already closed."))
    vacancy.status = VacancyStatus.CLOSED
    vacancy.closed_at = utcnow()
    db.session.flush()
    audit.record(actor, "vacancy.close", "vacancy", vacancy.id, center_id=vacancy.center_id,
                 details={"employer_id": vacancy.employer_id})
    return vacancy


def managed_vacancies(actor: Actor, *, limit: int = 200) -> list[Vacancy]:
    """The vacancies the actor manages (see :func:`get_managed_vacancy`), newest first."""
    require(actor, P.VACANCIES_WRITE)
    stmt = select(Vacancy).order_by(Vacancy.status, Vacancy.closes_on.desc(), Vacancy.id.desc()).limit(limit)
    if actor.employer_id is not None:
        stmt = stmt.where(Vacancy.employer_id == actor.employer_id)
    elif actor.center_ids is not None:
        stmt = stmt.where(Vacancy.center_id.in_(sorted(actor.center_ids) or [-1]))
    return list(db.session.scalars(stmt))


__all__ = ["VACANCY_FIELDS", "MAX_OPENINGS", "clean_vacancy_fields", "post_vacancy", "get_managed_vacancy",
           "close_vacancy", "managed_vacancies"]
