"""Read model of the public course catalog (issue 19): the cohorts anyone may apply to, with their
course, center and region and the seats left — for the page ``/catalog`` and the API
``/api/v1/catalog/cohorts`` alike.

Public: no sign-in and no permission, so nothing here may reach a person. The rows are built from
cohorts, courses, certifications, skills, centers and regions only; the one figure taken from
enrollments is a count (enrolled seats), never a row.

A cohort is in the catalog while it can still be joined: status planned or open, starting today or
later, its course and its center active. Free seats follow the learning domain's capacity rule
(``talent.learning.services.enrollment.free_seats``: capacity minus the ``enrolled`` count, never
below zero), computed here in SQL for a whole page at once; no free seat means the waiting list.

Efficient at a million trainees: the list is one query (the enrolled count a correlated
subquery on the ``(cohort_id, status)`` index, the total a window count over the same rows) plus
one query for the skills of the page's courses, whatever the page size.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from talent import clock
from talent.catalog.models import LEVELS, Course, Skill, course_skills
from talent.centers.models import Center
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import LANGUAGES, fold
from talent.learning.models import COHORT_MODES, Cohort, CohortSession, CohortStatus, Enrollment, EnrollmentStatus

CATALOG_STATUSES = (CohortStatus.PLANNED, CohortStatus.OPEN)
PAGE_SIZE = 20
MAX_PAGE = 100_000
FILTER_NAMES = ("region", "city", "skill", "level", "mode", "language", "start_from", "start_to")


# ---- filters -------------------------------------------------------------------------------

@dataclass(frozen=True)
class CatalogFilters:
    """What a visitor narrows the catalog by (all optional): region and skill by code, city by name
    (any case), level, mode and teaching language by their codes, start date from/to (inclusive)."""
    region: str | None = None
    city: str | None = None
    skill: str | None = None
    level: str | None = None
    mode: str | None = None
    language: str | None = None
    start_from: date | None = None
    start_to: date | None = None

    def as_args(self) -> dict[str, str]:
        """The filters as query-string values (for the page links)."""
        return {name: (value.isoformat() if isinstance(value, date) else value)
                for name in FILTER_NAMES if (value := getattr(self, name))}


def _clean_text(value: Any, max_len: int) -> str | None:
    text = "".join(ch for ch in str(value or "") if ch.isprintable()).strip()
    return " ".join(text.split())[:max_len] or None


def _parse_date(value: str | None) -> date:
    """``YYYY-MM-DD`` (what a date input sends) or ``DD.MM.YYYY``."""
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(value or "", fmt).date()
        except ValueError:
            continue
    raise ValueError(value)


def parse_filters(args: Mapping[str, str]) -> tuple[CatalogFilters, dict[str, str]]:
    """Filters from a query string, and a message per field that could not be read (an unknown
    level or mode, a date that is not a date, dates the wrong way round). Unknown region, city or
    skill codes are not errors: they simply match no cohort."""
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    for name in ("region", "skill"):
        code = _clean_text(args.get(name), 40)
        values[name] = code.upper() if code else None
    values["city"] = _clean_text(args.get("city"), 120)
    for name, allowed, message in (("level", LEVELS, _l("Choose a level from the list.")),
                                   ("mode", COHORT_MODES, _l("Choose a mode from the list.")),
                                   ("language", LANGUAGES, _l("Choose a language from the list."))):
        raw = _clean_text(args.get(name), 20)
        if raw and raw.lower() not in allowed:
            errors[name] = str(message)
        values[name] = raw.lower() if raw and raw.lower() in allowed else None
    for name in ("start_from", "start_to"):
        raw = _clean_text(args.get(name), 20)
        values[name] = None
        if raw:
            try:
                values[name] = _parse_date(raw)
            except ValueError:
                errors[name] = str(_l("Enter a date as YYYY-MM-DD."))
            else:
                if not date(2000, 1, 1) <= values[name] <= date(2100, 12, 31):
                    errors[name] = str(_l("Enter a date between 2000 and 2100."))
                    values[name] = None
    if values["start_from"] and values["start_to"] and values["start_from"] > values["start_to"]:
        errors["start_to"] = str(_l("The end of the period is before its start."))
    return CatalogFilters(**values), errors


def parse_page(raw: Any) -> int:
    """A page number from a query string: anything that is not a number from 1 is page 1, and
    pages beyond ``MAX_PAGE`` are the last one allowed (they are empty anyway)."""
    try:
        page = int(str(raw or "1").strip()[:12])
    except ValueError:
        return 1
    return min(max(page, 1), MAX_PAGE)


# ---- rows ----------------------------------------------------------------------------------

@dataclass
class SkillRef:
    code: str
    name_az: str
    name_en: str
    name_ru: str
    esco_uri: str | None

    def name_in(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_az


@dataclass
class CatalogCohort:
    """One cohort of the catalog, as the list and the API show it (no person's data)."""
    id: int
    code: str
    status: str
    start_date: date
    end_date: date
    mode: str
    capacity: int
    free_seats: int
    course_id: int
    course_code: str
    course_title_az: str
    course_title_en: str
    course_title_ru: str | None
    level: str
    hours: int
    language: str
    center_code: str
    center_name: str
    city: str
    address: str | None
    region_code: str
    region_name_az: str
    region_name_en: str
    region_name_ru: str
    skills: list[SkillRef] = field(default_factory=list)

    @property
    def waiting_list(self) -> bool:
        return self.free_seats <= 0

    def course_title_in(self, language: str) -> str:
        return getattr(self, f"course_title_{language}", None) or self.course_title_az

    def region_name_in(self, language: str) -> str:
        return getattr(self, f"region_name_{language}", None) or self.region_name_az


@dataclass
class CatalogPage:
    items: list[CatalogCohort]
    page: int
    limit: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.limit))

    @property
    def next_page(self) -> int | None:
        return self.page + 1 if self.page * self.limit < self.total else None


def _enrolled_seats():
    """Enrolled trainees of the outer query's cohort (a correlated count on the index)."""
    return (select(func.count()).select_from(Enrollment)
            .where(Enrollment.cohort_id == Cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED)
            .correlate(Cohort).scalar_subquery())


def _public_cohorts(today: date) -> Select:
    """Cohorts in the catalog, joined to their course, center and region (no columns chosen)."""
    return (select()
            .select_from(Cohort)
            .join(Course, Course.id == Cohort.course_id)
            .join(Center, Center.id == Cohort.center_id)
            .join(Region, Region.id == Center.region_id)
            .where(Cohort.status.in_(CATALOG_STATUSES), Cohort.start_date >= today,
                   Course.active.is_(True), Center.active.is_(True)))


def _filtered(stmt: Select, filters: CatalogFilters) -> Select:
    if filters.region:
        stmt = stmt.where(Region.code == filters.region)
    if filters.city:
        stmt = stmt.where(Center.city.in_(_cities_named(filters.city)))
    if filters.skill:
        stmt = stmt.where(select(course_skills.c.course_id)
                          .join(Skill, Skill.id == course_skills.c.skill_id)
                          .where(course_skills.c.course_id == Course.id, Skill.code == filters.skill)
                          .exists())
    if filters.level:
        stmt = stmt.where(Course.level == filters.level)
    if filters.mode:
        stmt = stmt.where(Cohort.mode == filters.mode)
    if filters.language:
        stmt = stmt.where(Course.language == filters.language)
    if filters.start_from:
        stmt = stmt.where(Cohort.start_date >= filters.start_from)
    if filters.start_to:
        stmt = stmt.where(Cohort.start_date <= filters.start_to)
    return stmt


def _cities_named(name: str) -> list[str]:
    """The centers' spellings of a city typed in any case, with or without Azerbaijani letters
    ("BAKI", "baki" and "Bakı" are one city): matched in Python with the same folding as the
    trainee search, since SQL's lower() knows neither İ/ı nor ə."""
    wanted = fold(name)
    return [city for city in db.session.scalars(select(Center.city).distinct()) if fold(city) == wanted] or [""]


_COLUMNS = (Cohort.id, Cohort.code, Cohort.status, Cohort.start_date, Cohort.end_date, Cohort.mode,
            Cohort.capacity, Course.id, Course.code, Course.title_az, Course.title_en, Course.title_ru,
            Course.level, Course.hours, Course.language, Center.code, Center.name, Center.city, Center.address,
            Region.code, Region.name_az, Region.name_en, Region.name_ru)


def _row(values) -> CatalogCohort:
    (cid, code, status, start, end, mode, capacity, course_id, course_code, title_az, title_en, title_ru, level,
     hours, language, center_code, center_name, city, address, region_code, region_az, region_en, region_ru,
     enrolled) = values[:24]
    return CatalogCohort(
        id=cid, code=code, status=status, start_date=start, end_date=end, mode=mode, capacity=capacity,
        free_seats=max(capacity - (enrolled or 0), 0), course_id=course_id, course_code=course_code,
        course_title_az=title_az, course_title_en=title_en, course_title_ru=title_ru, level=level, hours=hours,
        language=language, center_code=center_code, center_name=center_name, city=city, address=address,
        region_code=region_code, region_name_az=region_az, region_name_en=region_en, region_name_ru=region_ru)


def _skills_of(course_ids: set[int]) -> dict[int, list[SkillRef]]:
    """The skills of several courses in one query, in skill-code order."""
    if not course_ids:
        return {}
    rows = db.session.execute(
        select(course_skills.c.course_id, Skill.code, Skill.name_az, Skill.name_en, Skill.name_ru, Skill.esco_uri)
        .join(Skill, Skill.id == course_skills.c.skill_id)
        .where(course_skills.c.course_id.in_(course_ids))
        .order_by(course_skills.c.course_id, Skill.code))
    skills: dict[int, list[SkillRef]] = {}
    for course_id, *values in rows:
        skills.setdefault(course_id, []).append(SkillRef(*values))
    return skills


def catalog_page(filters: CatalogFilters, *, page: int = 1, limit: int = PAGE_SIZE) -> CatalogPage:
    """One page of the catalog, soonest start first (then by code)."""
    today = clock.today()
    total_over = func.count().over().label("total")
    stmt = (_filtered(_public_cohorts(today), filters)
            .add_columns(*_COLUMNS, _enrolled_seats().label("enrolled"), total_over)
            .order_by(Cohort.start_date, Cohort.code, Cohort.id)
            .limit(limit).offset((page - 1) * limit))
    rows = db.session.execute(stmt).all()
    if rows:
        total = rows[0].total
    elif page > 1:
        # A page past the end: count what there is (the window count has no row to ride on).
        total = db.session.scalar(_filtered(_public_cohorts(today), filters).add_columns(func.count(Cohort.id)))
    else:
        total = 0
    items = [_row(row) for row in rows]
    skills = _skills_of({item.course_id for item in items})
    for item in items:
        item.skills = skills.get(item.course_id, [])
    return CatalogPage(items=items, page=page, limit=limit, total=total)


# ---- one cohort ----------------------------------------------------------------------------

@dataclass
class CatalogCohortDetail:
    """A catalog cohort with everything its page shows: the course (description, skills, hours),
    the certification and its rules, the schedule, the center's address and the seats left."""
    cohort: CatalogCohort
    course: Course
    sessions: list[CohortSession]

    @property
    def certification(self):
        return self.course.certification


def catalog_cohort(cohort_id: int) -> CatalogCohortDetail | None:
    """The cohort if it is in the catalog, else None (cancelled, running, completed, past, unknown
    or of an inactive course or center: the interfaces answer 404)."""
    if not 1 <= cohort_id <= 2**31 - 1:
        return None
    row = db.session.execute(
        _public_cohorts(clock.today()).add_columns(*_COLUMNS, _enrolled_seats().label("enrolled"))
        .where(Cohort.id == cohort_id)).first()
    if row is None:
        return None
    item = _row(row)
    course = db.session.scalar(select(Course).where(Course.id == item.course_id)
                               .options(selectinload(Course.skills), selectinload(Course.certification)))
    item.skills = [SkillRef(s.code, s.name_az, s.name_en, s.name_ru, s.esco_uri) for s in course.skills]
    sessions = list(db.session.scalars(select(CohortSession).where(CohortSession.cohort_id == cohort_id)
                                       .order_by(CohortSession.starts_at)))
    return CatalogCohortDetail(cohort=item, course=course, sessions=sessions)


# ---- filter choices ------------------------------------------------------------------------

@dataclass
class FilterChoices:
    regions: list[Region]
    cities: list[str]
    skills: list[Skill]


def filter_choices() -> FilterChoices:
    """What the catalog's filter form offers: every region, the cities of active centers, the
    active skills."""
    regions = list(db.session.scalars(select(Region).order_by(Region.code)))
    cities = sorted(set(db.session.scalars(select(Center.city).where(Center.active.is_(True)).distinct())))
    skills = list(db.session.scalars(select(Skill).where(Skill.active.is_(True)).order_by(Skill.code)))
    return FilterChoices(regions=regions, cities=cities, skills=skills)
