"""Reads about cohorts: the list of a center admin's cohorts with seat counts, the roster,
attendance percentages and the attendance grid. Aggregates are GROUP BY in SQL."""
from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import contains_eager

from talent.catalog.models import Course
from talent.centers.models import Center
from talent.extensions import db
from talent.i18n import az_collate
from talent.learning.models import COHORT_STATUSES, Attendance, Cohort, CohortSession, Enrollment
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, scope_centers
from talent.learning.models import EnrollmentStatus

# The cohort list's sorts; codes in Azerbaijani alphabetical order (talent.i18n.az_collate, applied
# when the statement is built: the collation's name depends on the database).
COHORT_SORTS = {
    "start": lambda: (Cohort.start_date.desc(), Cohort.id.desc()),
    "start_asc": lambda: (Cohort.start_date.asc(), Cohort.id.asc()),
    "code": lambda: (az_collate(Cohort.code).asc(), Cohort.id),
    "status": lambda: (Cohort.status.asc(), Cohort.start_date.desc()),
    "center": lambda: (az_collate(Center.code).asc(), Cohort.start_date.desc()),
}


def enrollment_count(*statuses: str):
    """The cohort's enrollments in these statuses, as a column of a select of cohorts: counted for
    the rows the page shows (after the sort and the limit) through the cohort's index, instead of
    grouping every enrollment of the database first (0.22 s at a million trainees)."""
    return (select(func.count()).select_from(Enrollment)
            .where(Enrollment.cohort_id == Cohort.id, Enrollment.status.in_(statuses))
            .correlate(Cohort).scalar_subquery())


def cohort_list(actor: Actor, *, status: str | None = None, center_id: int | None = None,
                sort: str = "start", q: str | None = None) -> Select:
    """Rows ``(Cohort, enrolled, waitlisted, finished)`` of the actor's centers, filtered and
    sorted; ``finished`` counts the trainees who completed or did not pass (a completed cohort's
    people: it has nobody ``enrolled`` any more)."""
    require(actor, P.COHORTS_READ)
    stmt = (select(Cohort, enrollment_count(EnrollmentStatus.ENROLLED), enrollment_count(EnrollmentStatus.WAITLISTED),
                   enrollment_count(EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED))
            .join(Center, Center.id == Cohort.center_id))
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    if status in COHORT_STATUSES:
        stmt = stmt.where(Cohort.status == status)
    if center_id:
        stmt = stmt.where(Cohort.center_id == center_id)
    q = "".join(ch for ch in (q or "") if ch.isprintable()).strip()[:40]
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Cohort.code.ilike(f"%{escaped}%", escape="\\"))
    return stmt.order_by(*COHORT_SORTS.get(sort, COHORT_SORTS["start"])())


def actor_centers(actor: Actor) -> list[Center]:
    stmt = select(Center).order_by(Center.code)
    return list(db.session.scalars(scope_centers(stmt, actor, Center.id)))


def active_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).where(Course.active.is_(True)).order_by(Course.code)))


def roster(cohort_id: int) -> list[Enrollment]:
    """Enrollments of a cohort with their trainees (one query): enrolled and finished first, then
    the waiting list in its order, then withdrawn; by name within each."""
    order = case((Enrollment.status.in_((EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED)), 0),
                 (Enrollment.status == EnrollmentStatus.APPLIED, 1), (Enrollment.status == EnrollmentStatus.WAITLISTED, 2), else_=3)
    # The trainees come from the join the order needs (not from a second, eager join of the same
    # table), without their home region: the pages that show a roster use names and FINs only.
    stmt = (select(Enrollment).join(Enrollment.trainee)
            .where(Enrollment.cohort_id == cohort_id)
            .options(contains_eager(Enrollment.trainee).lazyload(Trainee.home_region))
            .order_by(order, Enrollment.waitlisted_at, az_collate(Trainee.last_name), az_collate(Trainee.first_name), Enrollment.id))
    return list(db.session.scalars(stmt))


def sessions(cohort_id: int) -> list[CohortSession]:
    return list(db.session.scalars(select(CohortSession).where(CohortSession.cohort_id == cohort_id)
                                   .order_by(CohortSession.starts_at)))


def attendance_percentages(cohort_id: int) -> dict[int, Decimal]:
    """Attendance % per enrollment: present / (present + absent); excused sessions are left out
    of the denominator; an enrollment with no counted session is absent from the result."""
    present = func.sum(case((Attendance.mark == "present", 1), else_=0))
    counted = func.sum(case((Attendance.mark.in_(("present", "absent")), 1), else_=0))
    rows = db.session.execute(
        select(Attendance.enrollment_id, present, counted)
        .join(Enrollment, Enrollment.id == Attendance.enrollment_id)
        .where(Enrollment.cohort_id == cohort_id)
        .group_by(Attendance.enrollment_id))
    result: dict[int, Decimal] = {}
    for enrollment_id, n_present, n_counted in rows:
        if n_counted:
            result[enrollment_id] = (Decimal(100) * n_present / n_counted).quantize(
                Decimal("0.01"), rounding=ROUND_HALF_UP)
    return result


def attendance_marks(cohort_id: int, session_ids: list[int] | None = None) -> dict[tuple[int, int], str]:
    """``{(session_id, enrollment_id): mark}`` for a cohort (optionally some sessions)."""
    stmt = (select(Attendance.session_id, Attendance.enrollment_id, Attendance.mark)
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(CohortSession.cohort_id == cohort_id))
    if session_ids is not None:
        stmt = stmt.where(Attendance.session_id.in_(session_ids or [-1]))
    return {(s, e): m for s, e, m in db.session.execute(stmt)}


def session_mark_counts(cohort_id: int) -> dict[int, dict[str, int]]:
    """Per session: how many present / absent / excused (GROUP BY)."""
    stmt = (select(Attendance.session_id, Attendance.mark, func.count())
            .join(CohortSession, CohortSession.id == Attendance.session_id)
            .where(CohortSession.cohort_id == cohort_id)
            .group_by(Attendance.session_id, Attendance.mark))
    result: dict[int, dict[str, int]] = {}
    for session_id, mark, n in db.session.execute(stmt):
        result.setdefault(session_id, {})[mark] = n
    return result


def existing_enrollment(cohort_id: int, fin: str) -> Enrollment | None:
    """The enrollment in this cohort (not withdrawn) of the trainee with this FIN, if any: what a
    refused duplicate enrollment links to. Only this cohort's roster is searched, which the center
    already sees, so it tells nothing about people elsewhere."""
    fin = (fin or "").strip().upper()
    return db.session.scalar(select(Enrollment).join(Trainee, Trainee.id == Enrollment.trainee_id)
                             .where(Enrollment.cohort_id == cohort_id, Trainee.fin == fin,
                                    Enrollment.status != EnrollmentStatus.WITHDRAWN))


def normalise_cohort_code(raw: object) -> str:
    """A cohort code as stored: trimmed and in capitals (the cohort service saves it so)."""
    return str(raw or "").strip().upper()


def cohort_by_code(raw: object) -> Cohort | None:
    """The cohort with this code however it was typed ("ml-1", " ML-1 "): the one lookup by code
    that every interface (CLI, web, API) uses, so none of them accepts a code another refuses."""
    code = normalise_cohort_code(raw)
    if not code:
        return None
    return db.session.scalar(select(Cohort).where(Cohort.code == code))
