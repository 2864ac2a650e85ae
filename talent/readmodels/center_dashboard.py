"""Read model of the center dashboard: seats used per center, cohorts running, upcoming and ending
soon, trainees with low attendance (centers, catalog, people and learning together).

Every function takes the acting user and limits itself to their centers (admins: all centers).
Aggregates are GROUP BY in SQL; lists are one query each (no N+1).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from talent import clock
from talent.catalog.models import Certification, Course
from talent.centers.models import Center
from talent.extensions import db
from talent.learning.models import Cohort, CohortStatus, Enrollment, EnrollmentStatus
from talent.learning.queries import enrollment_count
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, scope_centers

SEAT_COHORT_STATUSES = (CohortStatus.OPEN, CohortStatus.RUNNING)
ENDING_SOON_DAYS = 14
UPCOMING_DAYS = 60


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


def _cohort_rows(actor: Actor, *conditions, order_by, limit: int):
    stmt = (select(Cohort, enrollment_count(EnrollmentStatus.ENROLLED))
            .where(*conditions).order_by(*order_by).limit(limit))
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    return list(db.session.execute(stmt).all())


def running_and_upcoming(actor: Actor, today: date | None = None, limit: int = 20):
    """Running cohorts, and planned/open ones starting within ``UPCOMING_DAYS`` days:
    rows of (Cohort, enrolled count), soonest first."""
    require(actor, P.COHORTS_READ)
    today = today or clock.today()
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
