"""The public list of vacancies (issue 20): open vacancies whose closing date has not passed, with
filters, in one query per page. Nothing about a person is read: a vacancy names an employer, a
job, skills, a place, openings, a pay range and a closing date."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Select, func, or_, select

from talent import clock
from talent.catalog.models import Skill
from talent.extensions import db
from talent.geo.models import Region
from talent.placement.models import Employer, Vacancy, VacancyStatus, vacancy_skills

SORTS = ("closes_on", "-closes_on", "-created_at", "-pay_max_azn")
MAX_QUERY = 100


def public_vacancies(filters: dict[str, Any] | None = None) -> Select:
    """``select(Vacancy)`` of the open vacancies matching ``filters``: ``q`` (words of the title or
    the employer's name), ``occupation`` (an ISCO-08 code or its first digits, e.g. ``25``),
    ``skill`` (a skill code), ``region`` (a region code), ``country`` (alpha-2), ``pay_from``
    (the highest pay reaches at least this), ``sort`` (one of ``SORTS``)."""
    filters = filters or {}
    stmt = (select(Vacancy).join(Employer, Employer.id == Vacancy.employer_id)
            .where(Vacancy.status == VacancyStatus.OPEN, Vacancy.closes_on >= clock.today()))
    text = " ".join(str(filters.get("q") or "").split())[:MAX_QUERY]
    for word in text.split():
        word = word.lower()
        stmt = stmt.where(or_(func.lower(Vacancy.title).contains(word, autoescape=True),
                              func.lower(Employer.name).contains(word, autoescape=True)))
    occupation = str(filters.get("occupation") or "").strip()
    if occupation:
        stmt = stmt.where(Vacancy.occupation_code.startswith(occupation[:4], autoescape=True))
    skill = str(filters.get("skill") or "").strip().upper()
    if skill:
        stmt = stmt.where(Vacancy.id.in_(select(vacancy_skills.c.vacancy_id)
                                         .join(Skill, Skill.id == vacancy_skills.c.skill_id)
                                         .where(func.upper(Skill.code) == skill[:40])))
    region = str(filters.get("region") or "").strip().upper()
    if region:
        stmt = stmt.where(Vacancy.region_id.in_(select(Region.id).where(func.upper(Region.code) == region[:32])))
    country = str(filters.get("country") or "").strip().upper()
    if country:
        stmt = stmt.where(Vacancy.country_code == country[:2])
    if filters.get("pay_from") not in (None, ""):
        stmt = stmt.where(Vacancy.pay_max_azn >= filters["pay_from"])
    sort = filters.get("sort") if filters.get("sort") in SORTS else "closes_on"
    order = {"closes_on": Vacancy.closes_on.asc(), "-closes_on": Vacancy.closes_on.desc(),
             "-created_at": Vacancy.created_at.desc(), "-pay_max_azn": Vacancy.pay_max_azn.desc()}[sort]
    return stmt.order_by(order, Vacancy.id)


class VacancyChoice:
    """A vacancy as a center picks it when recording the job that filled it."""

    def __init__(self, vacancy_id: int, label: str) -> None:
        self.id, self.label = vacancy_id, label


RECENT_DAYS = 366
MAX_CHOICES = 1000


def vacancy_choices() -> list[VacancyChoice]:
    """Vacancies a job may have filled: open, or closing within the last year; by employer name.
    "Employer — title (closes on)"; the service checks that the vacancy is the job's employer's."""
    since = clock.today() - timedelta(days=RECENT_DAYS)
    rows = (select(Vacancy.id, Vacancy.title, Vacancy.closes_on, Employer.name)
            .join(Employer, Employer.id == Vacancy.employer_id)
            .where(or_(Vacancy.status == VacancyStatus.OPEN, Vacancy.closes_on >= since))
            .order_by(Employer.name, Vacancy.title, Vacancy.id).limit(MAX_CHOICES))
    return [VacancyChoice(vid, f"{employer} — {title} ({closes.isoformat()})")
            for vid, title, closes, employer in db.session.execute(rows)]
