"""Learning: cohorts (runs of a course at a center), their sessions, enrollments and attendance."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint,
                        false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.catalog.models import Course
from talent.centers.models import Center
from talent.db import Base, in_check, utcnow
from talent.people.models import Trainee



class CohortStatus(StrEnum):
    """A cohort's life: planned → open (enrolling) → running → completed, or cancelled. The members
    are the stored strings (a ``StrEnum`` compares equal to them)."""
    PLANNED = "planned"
    OPEN = "open"
    RUNNING = "running"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class EnrollmentStatus(StrEnum):
    """An enrollment's life (DESIGN: applied → enrolled …); "waitlisted" is the ordered waiting list
    of a full cohort."""
    APPLIED = "applied"
    WAITLISTED = "waitlisted"
    ENROLLED = "enrolled"
    COMPLETED = "completed"
    FAILED = "failed"
    WITHDRAWN = "withdrawn"


COHORT_STATUSES = tuple(CohortStatus)
COHORT_MODES = ("onsite", "online", "hybrid")
ENROLLMENT_STATUSES = tuple(EnrollmentStatus)
ATTENDANCE_MARKS = ("present", "absent", "excused")


class Cohort(Base):
    __tablename__ = "cohorts"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("end_date >= start_date", name="dates_ordered"),
        CheckConstraint(in_check("status", COHORT_STATUSES), name="status"),
        CheckConstraint(in_check("mode", COHORT_MODES), name="mode"),
        # A center's cohorts, by end date (revision 0039): whether a center ran a cohort in a period
        # is one probe (the reports' centers column), and the lookups by center alone use it too.
        Index("ix_cohorts_center_id_end_date", "center_id", "end_date"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("courses.id", ondelete="RESTRICT"), index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="RESTRICT"))
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date] = mapped_column(Date, index=True)
    capacity: Mapped[int] = mapped_column(Integer)
    mode: Mapped[str] = mapped_column(String(10), default="onsite")
    status: Mapped[str] = mapped_column(String(12), default=CohortStatus.PLANNED, index=True)
    completed_at: Mapped[datetime | None]
    completion_override_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_reason: Mapped[str | None] = mapped_column(String(500))
    # Bumped on every change: forms carry it to detect stale edits.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    course: Mapped[Course] = relationship(lazy="joined")
    center: Mapped[Center] = relationship(lazy="joined")
    sessions: Mapped[list["CohortSession"]] = relationship(
        back_populates="cohort", order_by="CohortSession.starts_at", cascade="all, delete-orphan")

    def __repr__(self) -> str:
        return f"<Cohort {self.code}>"


class CohortSession(Base):
    """One scheduled class meeting of a cohort."""
    __tablename__ = "cohort_sessions"
    __table_args__ = (
        CheckConstraint("ends_at >= starts_at", name="times_ordered"),
        UniqueConstraint("cohort_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    topic: Mapped[str | None] = mapped_column(String(200))

    cohort: Mapped[Cohort] = relationship(back_populates="sessions")


class Enrollment(Base):
    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("trainee_id", "cohort_id"),
        CheckConstraint(in_check("status", ENROLLMENT_STATUSES), name="status"),
        CheckConstraint("attendance_pct IS NULL OR (attendance_pct >= 0 AND attendance_pct <= 100)",
                        name="attendance_range"),
        CheckConstraint("final_score IS NULL OR (final_score >= 0 AND final_score <= 100)",
                        name="score_range"),
        Index("ix_enrollments_cohort_id_status", "cohort_id", "status"),
        # The completers of a center's cohorts (the follow-up queue, revision 0023): index-only.
        Index("ix_enrollments_completed_cohort_id", "cohort_id", postgresql_include=["trainee_id"],
              sqlite_where=text("status = 'completed'"), postgresql_where=text("status = 'completed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="RESTRICT"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"))
    status: Mapped[str] = mapped_column(String(12), index=True)
    attendance_pct: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    final_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    applied_at: Mapped[datetime] = mapped_column(default=utcnow)
    waitlisted_at: Mapped[datetime | None]
    enrolled_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    withdrawn_at: Mapped[datetime | None]
    withdrawal_reason: Mapped[str | None] = mapped_column(String(500))
    # Marked by the center administrator when completing: the trainee has no final score because
    # they did not sit the assessment (the enrollment then fails for that reason).
    did_not_sit: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    trainee: Mapped[Trainee] = relationship(lazy="joined")
    cohort: Mapped[Cohort] = relationship()


class Attendance(Base):
    __tablename__ = "attendance"
    __table_args__ = (CheckConstraint(in_check("mark", ATTENDANCE_MARKS), name="mark"),)

    session_id: Mapped[int] = mapped_column(ForeignKey("cohort_sessions.id", ondelete="CASCADE"),
                                            primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"),
                                               primary_key=True, index=True)
    mark: Mapped[str] = mapped_column(String(8))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class ResultCorrection(Base):
    """A final score or attendance amended after the cohort was completed: the old and new values,
    the outcome before and after, the reason and who made it. Shown to the trainee."""
    __tablename__ = "result_corrections"
    __table_args__ = (CheckConstraint(in_check("old_status", ENROLLMENT_STATUSES), name="old_status"),
                      CheckConstraint(in_check("new_status", ENROLLMENT_STATUSES), name="new_status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"), index=True)
    corrected_at: Mapped[datetime] = mapped_column(default=utcnow)
    corrected_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(500))
    old_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    new_score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    old_attendance: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    new_attendance: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    old_status: Mapped[str] = mapped_column(String(12))
    new_status: Mapped[str] = mapped_column(String(12))

    enrollment: Mapped[Enrollment] = relationship()
