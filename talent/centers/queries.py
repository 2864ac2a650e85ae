"""Reads for the center dashboard (and a small row paginator the center pages share).

Every function takes the acting user and limits itself to their centers (admins: all centers).
Aggregates are GROUP BY in SQL; lists are one query each (no N+1).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Select, and_, func, select

from talent.catalog.models import Certification, Course
from talent.centers.models import Center
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, scope_centers
from talent import clock
from talent.learning.models import CohortStatus, EnrollmentStatus

SEAT_COHORT_STATUSES = (CohortStatus.OPEN, CohortStatus.RUNNING)
ENDING_SOON_DAYS = 14
UPCOMING_DAYS = 60


# ---- pagination of row queries -------------------------------------------------------------

@dataclass
class Page:
    """A page of rows, shaped like Flask-SQLAlchemy's Pagination for the ``pagination`` macro."""
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current - 1 < num < self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def page_number(raw: Any) -> int:
    try:
        return max(1, min(int(raw), 100000))
    except (TypeError, ValueError):
        return 1


def paginate_rows(stmt: Select, page: int, per_page: int = 25) -> Page:
    """Count and fetch one page of ``stmt`` (which must already be ordered)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, page)
    rows = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    return Page(items=rows, page=page, per_page=per_page, total=total)


# ---- dashboard -----------------------------------------------------------------------------

@dataclass
class SeatUsage:
    center_id: int
    code: str
    name: str
    capacity: int
    used: int
    active_cohorts: int

    @property
    def free(self) -> int:
        return max(self.capacity - self.used, 0)

    @property
    def used_pct(self) -> int:
        return min(100, round(100 * self.used / self.capacity)) if self.capacity else 0


def seat_usage(actor: Actor) -> list[SeatUsage]:
    """Seats used and free per center of the actor.

    Definition: a center's seats are its ``capacity`` (trainees it can host at once). Seats
    *used* are the trainees with enrollment status ``enrolled`` in the center's cohorts whose
    status is ``open`` or ``running`` (planned, completed and cancelled cohorts hold no seats;
    applicants and the waiting list hold none either). *Free* = capacity − used, never below 0.
    Deactivated centers are left out.
    """
    require(actor, P.CENTERS_READ)
    cohort_join = and_(Cohort.center_id == Center.id, Cohort.status.in_(SEAT_COHORT_STATUSES))
    enrollment_join = and_(Enrollment.cohort_id == Cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED)
    stmt = (select(Center.id, Center.code, Center.name, Center.capacity,
                   func.count(Enrollment.id), func.count(func.distinct(Cohort.id)))
            .select_from(Center)
            .outerjoin(Cohort, cohort_join)
            .outerjoin(Enrollment, enrollment_join)
            .where(Center.active.is_(True))
            .group_by(Center.id, Center.code, Center.name, Center.capacity)
            .order_by(Center.code))
    stmt = scope_centers(stmt, actor, Center.id)
    return [SeatUsage(*row) for row in db.session.execute(stmt).all()]


def _enrolled_counts():
    return (select(Enrollment.cohort_id, func.count(Enrollment.id).label("enrolled"))
            .where(Enrollment.status == EnrollmentStatus.ENROLLED).group_by(Enrollment.cohort_id).subquery())


def _cohort_rows(actor: Actor, *conditions, order_by, limit: int):
    counts = _enrolled_counts()
    stmt = (select(Cohort, func.coalesce(counts.c.enrolled, 0))
            .outerjoin(counts, counts.c.cohort_id == Cohort.id)
            .where(*conditions).order_by(*order_by).limit(limit))
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    return list(db.session.execute(stmt).all())


def running_and_upcoming(actor: Actor, today: date | None = None, limit: int = 20):
    """Running cohorts, and planned/open ones starting within ``UPCOMING_DAYS`` days:
    rows of (Cohort, enrolled count), soonest first."""
    require(actor, P.COHORTS_READ)
    today = today or clock.today()
    from sqlalchemy import or_
    return _cohort_rows(
        actor,
        or_(Cohort.status == CohortStatus.RUNNING,
            and_(Cohort.status.in_((CohortStatus.PLANNED, CohortStatus.OPEN)), Cohort.start_date <= today + timedelta(days=UPCOMING_DAYS))),
        order_by=(Cohort.status != CohortStatus.RUNNING, Cohort.start_date, Cohort.code), limit=limit)


def ending_soon(actor: Actor, today: date | None = None, days: int = ENDING_SOON_DAYS, limit: int = 20):
    """Running cohorts whose end date is within ``days`` days (or already past and not yet
    completed): rows of (Cohort, enrolled count)."""
    require(actor, P.COHORTS_READ)
    today = today or clock.today()
    return _cohort_rows(actor, Cohort.status == CohortStatus.RUNNING, Cohort.end_date <= today + timedelta(days=days),
                        order_by=(Cohort.end_date, Cohort.code), limit=limit)


def low_attendance(actor: Actor, limit: int = 25):
    """Enrolled trainees of running cohorts whose attendance is below the minimum of the
    certification the course leads to: rows of (enrollment id, trainee id, full name, cohort id,
    cohort code, center id, attendance %, minimum), lowest attendance first. Personal data:
    the caller audits the view."""
    require(actor, P.TRAINEES_READ)
    stmt = (select(Enrollment.id, Trainee.id, Trainee.last_name, Trainee.first_name, Cohort.id, Cohort.code,
                   Cohort.center_id, Enrollment.attendance_pct, Certification.min_attendance)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .join(Certification, Certification.id == Course.certification_id)
            .where(Enrollment.status == EnrollmentStatus.ENROLLED, Cohort.status == CohortStatus.RUNNING,
                   Enrollment.attendance_pct.is_not(None),
                   Enrollment.attendance_pct < Certification.min_attendance)
            .order_by(Enrollment.attendance_pct, Trainee.last_name, Enrollment.id)
            .limit(limit))
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    return list(db.session.execute(stmt).all())


def my_centers(actor: Actor, *, include_inactive: bool = False) -> list[Center]:
    require(actor, P.CENTERS_READ)
    stmt = select(Center).order_by(Center.code)
    if not include_inactive:
        stmt = stmt.where(Center.active.is_(True))
    return list(db.session.scalars(scope_centers(stmt, actor, Center.id)))


def center_by_code(raw: object) -> Center | None:
    """The center with this code however it was typed ("baku1", " BAKU1 "); codes are stored in
    capitals. The one lookup by code for every interface."""
    code = str(raw or "").strip().upper()
    if not code:
        return None
    return db.session.scalar(select(Center).where(Center.code == code))
