"""What the live report queries (``queries``) and the per-cohort summary (``summary``) share: the
status groups, the placement window, the report session, and how a dimension and the course and
place filters become SQL. Both import it; neither imports the other's private helpers."""
from __future__ import annotations

from sqlalchemy import ColumnElement, case, extract, literal, literal_column, select

from talent.catalog.models import Course, course_skills
from talent.centers.models import Center
from talent.geo.models import Region
from talent.learning.models import Cohort
from talent.people.models import Trainee
from talent.reporting.periods import Filters
from talent.replica import reports_session
from talent.learning.models import EnrollmentStatus

PLACEMENT_WINDOW_DAYS = 183
EVER_ENROLLED = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED, EnrollmentStatus.WITHDRAWN)
FINISHED = (EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED, EnrollmentStatus.WITHDRAWN)
TRAINEE_DIMENSIONS = ("gender", "age_band", "home")


def report_session():
    """Reports read from the replica when TALENT_REPORTS_DATABASE_URL is set (talent.replica)."""
    return reports_session()


def dialect_name() -> str:
    return report_session().get_bind().dialect.name


def baku_region_id() -> int | None:
    return report_session().scalar(select(Region.id).where(Region.code == Region.BAKU_CODE))


def _ymd(column):
    """A DATE as the integer yyyymmdd (the same on SQLite and PostgreSQL)."""
    return extract("year", column) * 10000 + extract("month", column) * 100 + extract("day", column)


AGE_BAND_LIMITS = ((25, "under_25"), (35, "25_34"), (45, "35_44"))


def age_band_case():
    """Age on the first day of the enrollment's cohort (``Cohort.start_date``), in bands. Fixed for
    an enrollment whatever the report period, so a person's records before and inside a period
    fall in one band and the per-cohort summary can keep it. Whole years: the difference of the
    two dates as yyyymmdd, divided by 10,000 (born 29 February: a year older on 1 March)."""
    age = _ymd(Cohort.start_date) - _ymd(Trainee.birth_date)
    return case(*[(age < years * 10000, literal(band)) for years, band in AGE_BAND_LIMITS],
                else_=literal("45_plus"))


def home_case(baku_id: int | None):
    """``baku`` for trainees whose home region is Baku, else ``other``."""
    return case((Trainee.home_region_id == (baku_id or -1), literal("baku")), else_=literal("other"))


def dimension_column(dimension: str | None, filters: Filters) -> ColumnElement:
    if dimension is None:
        return literal_column("0")
    if dimension == "region":
        return Center.region_id
    if dimension == "center":
        return Cohort.center_id
    if dimension == "course":
        return Cohort.course_id
    if dimension == "skill":
        return course_skills.c.skill_id
    if dimension == "gender":
        return Trainee.gender
    if dimension == "age_band":
        return age_band_case()
    if dimension == "home":
        return home_case(baku_region_id())
    raise ValueError(f"unknown dimension {dimension!r}")


def with_dimension_joins(stmt, dimension: str | None, *, trainee_column=None):
    if dimension == "region":
        stmt = stmt.join(Center, Center.id == Cohort.center_id)
    elif dimension == "skill":
        stmt = stmt.join(course_skills, course_skills.c.course_id == Cohort.course_id)
    elif dimension in TRAINEE_DIMENSIONS:
        stmt = stmt.join(Trainee, Trainee.id == trainee_column)
    return stmt


def course_filters(filters: Filters) -> list:
    """The course filters (level, sector, skill), each as the select of the course ids it keeps."""
    found = []
    if filters.level:
        found.append(select(Course.id).where(Course.level == filters.level))
    if filters.sector_id:
        found.append(select(Course.id).where(Course.sector_id == filters.sector_id))
    if filters.skill_id:
        found.append(select(course_skills.c.course_id).where(course_skills.c.skill_id == filters.skill_id))
    return found


def course_conditions(filters: Filters) -> list[ColumnElement]:
    """The course and place filters, as conditions on Cohort and Course."""
    # Course filters as a semi-join on the (small) courses table: no join needed when unfiltered.
    conds: list[ColumnElement] = [Cohort.course_id.in_(courses) for courses in course_filters(filters)]
    if filters.region_id:
        conds.append(Cohort.center_id.in_(select(Center.id).where(Center.region_id == filters.region_id)))
    if filters.center_id:
        conds.append(Cohort.center_id == filters.center_id)
    return conds
