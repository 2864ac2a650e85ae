"""Employers, placements (jobs) and the follow-up of completers."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, Column, Date, ForeignKey, Index, Integer, Numeric, String,
                        Table, UniqueConstraint, false, text)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.catalog.models import Occupation, Sector, Skill
from talent.db import Base, in_check, utcnow
from talent.geo.models import Country, Region
from talent.people.models import Trainee

EMPLOYMENT_TYPES = ("full_time", "part_time", "contract", "internship", "self_employed")
SOURCES = ("center", "self_reported")


class PlacementStatus(StrEnum):
    """Where a placement stands (its ``verification`` column): a job a center recorded is verified; one
    the trainee reported is pending until the center verifies or rejects it."""
    VERIFIED = "verified"
    PENDING = "pending"
    REJECTED = "rejected"


VERIFICATION_STATES = tuple(PlacementStatus)


class EmployerConfirmation(StrEnum):
    """What the employer named in a placement said about it (``employer_confirmation``): nothing yet,
    the job is theirs, or it is not (with a reason)."""
    PENDING = "pending"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class VacancyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
FOLLOWUP_OUTCOMES = ("employed", "looking", "studying", "unreachable")
MARKETS = ("local", "regional", "international")


class Employer(Base):
    __tablename__ = "employers"
    __table_args__ = (UniqueConstraint("name", "country_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code", ondelete="RESTRICT"), index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"))
    city: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    country: Mapped[Country] = relationship(lazy="joined")


class Placement(Base):
    __tablename__ = "placements"
    __table_args__ = (
        CheckConstraint("end_date IS NULL OR end_date >= start_date", name="dates_ordered"),
        CheckConstraint("monthly_pay_azn IS NULL OR monthly_pay_azn >= 0", name="pay_nonnegative"),
        CheckConstraint(in_check("employment_type", EMPLOYMENT_TYPES), name="employment_type"),
        CheckConstraint(in_check("source", SOURCES), name="source"),
        CheckConstraint(in_check("verification", VERIFICATION_STATES), name="verification"),
        CheckConstraint(in_check("employer_confirmation", tuple(EmployerConfirmation)),
                        name="employer_confirmation"),
        Index("ix_placements_trainee_id_start_date", "trainee_id", "start_date"),
        # "Has a job the center sees" per completer (the follow-up queue, revision 0023): index-only.
        Index("ix_placements_held_trainee_id", "trainee_id",
              postgresql_include=["end_date", "source", "center_id"],
              sqlite_where=text("verification <> 'rejected'"), postgresql_where=text("verification <> 'rejected'")),
        # The jobs a center recorded, counted per verification from the index alone (the jobs list's
        # total, the dashboard's jobs to verify; revision 0035).
        Index("ix_placements_recorded_center_id_verification", "center_id", "verification",
              sqlite_where=text("source = 'center'"), postgresql_where=text("source = 'center'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="RESTRICT"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"), index=True)
    occupation_code: Mapped[str | None] = mapped_column(ForeignKey("occupations.code", ondelete="RESTRICT"))
    job_title: Mapped[str] = mapped_column(String(200))
    employment_type: Mapped[str] = mapped_column(String(20))
    remote: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    start_date: Mapped[date] = mapped_column(Date, index=True)
    end_date: Mapped[date | None] = mapped_column(Date)
    monthly_pay_azn: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    source: Mapped[str] = mapped_column(String(16))
    verification: Mapped[str] = mapped_column(String(10), index=True)
    verified_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    verified_at: Mapped[datetime | None]
    # Why the center did not confirm a reported job (required to reject; shown to the trainee).
    rejection_reason: Mapped[str | None] = mapped_column(String(500))
    # The center that recorded or verifies it (scoping for center admins).
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The employer's word on the job (talent/placement/services/employer.py): who said it and when.
    employer_confirmation: Mapped[str] = mapped_column(String(10), default=EmployerConfirmation.PENDING,
                                                       server_default=EmployerConfirmation.PENDING.value)
    employer_confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    employer_confirmed_at: Mapped[datetime | None]
    employer_decline_reason: Mapped[str | None] = mapped_column(String(500))
    # The vacancy posted here that this job filled (issue 20: "placed into vacancies posted here");
    # only a vacancy of the job's employer.
    vacancy_id: Mapped[int | None] = mapped_column(ForeignKey("vacancies.id", ondelete="SET NULL"), index=True)

    employer: Mapped[Employer] = relationship(lazy="joined")
    trainee: Mapped[Trainee] = relationship()
    sector: Mapped[Sector | None] = relationship()
    occupation: Mapped[Occupation | None] = relationship()


vacancy_skills = Table(
    "vacancy_skills", Base.metadata,
    Column("vacancy_id", ForeignKey("vacancies.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Vacancy(Base):
    """A job an employer offers, posted by one of its users or by a center on its behalf; listed
    publicly (no person is named in it)."""
    __tablename__ = "vacancies"
    __table_args__ = (
        CheckConstraint("openings >= 1", name="openings_positive"),
        CheckConstraint("pay_min_azn IS NULL OR pay_min_azn >= 0", name="pay_min_nonnegative"),
        CheckConstraint("pay_min_azn IS NULL OR pay_max_azn IS NULL OR pay_min_azn <= pay_max_azn",
                        name="pay_range_ordered"),
        CheckConstraint(in_check("status", tuple(VacancyStatus)), name="status"),
        Index("ix_vacancies_status_closes_on", "status", "closes_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    occupation_code: Mapped[str] = mapped_column(ForeignKey("occupations.code", ondelete="RESTRICT"), index=True)
    # Where the work is: a country, and in Azerbaijan optionally an economic region.
    country_code: Mapped[str] = mapped_column(ForeignKey("countries.code", ondelete="RESTRICT"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    openings: Mapped[int] = mapped_column(Integer)
    pay_min_azn: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    pay_max_azn: Mapped[Decimal | None] = mapped_column(Numeric(10, 2))
    closes_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(10), default=VacancyStatus.OPEN)
    # The center that posted it on the employer's behalf (None when the employer posted it).
    center_id: Mapped[int | None] = mapped_column(ForeignKey("centers.id", ondelete="SET NULL"), index=True)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]

    employer: Mapped[Employer] = relationship(lazy="joined")
    occupation: Mapped[Occupation] = relationship(lazy="joined")
    region: Mapped[Region | None] = relationship(lazy="joined")
    country: Mapped[Country] = relationship(lazy="joined")
    skills: Mapped[list[Skill]] = relationship(secondary=vacancy_skills, lazy="selectin", order_by=Skill.code)


class FollowUp(Base):
    """The outcome recorded when a center contacts a completer 3 or 6 months after the cohort."""
    __tablename__ = "follow_ups"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "milestone_months"),
        CheckConstraint("milestone_months IN (3, 6)", name="milestone"),
        CheckConstraint(in_check("outcome", FOLLOWUP_OUTCOMES), name="outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    milestone_months: Mapped[int] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(12))
    note: Mapped[str | None] = mapped_column(String(1000))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class FollowUpOpen(Base):
    """A follow-up still to make: one row per completed enrollment and milestone (3, 6 months) whose
    trainee consents, with no recorded outcome for that milestone and no job held at or after the
    cohort's end that the cohort's own center sees (recorded by it, or reported by the trainee). Kept
    by the writes that move it, in their transaction (:mod:`talent.placement.followup_queue`), so the
    follow-up queue and the dashboard read these rows instead of every completer (issue 17).

    Whether it is *due* depends on the day (the cohort's end plus the milestone) and on who looks (a
    job another center recorded counts for an administrator, and for that center's own staff): both
    are decided when read; ``job_elsewhere`` says whether such a job exists."""
    __tablename__ = "follow_ups_open"
    __table_args__ = (
        # On PostgreSQL the queue reads the index alone: one range per center and milestone, every
        # column it shows or sorts by beside the key.
        Index("ix_follow_ups_open_center_id_milestone_months_cohort_end", "center_id", "milestone_months",
              "cohort_end", postgresql_include=["job_elsewhere", "trainee_id", "enrollment_id", "cohort_id",
                                                "cohort_code", "last_name", "first_name"]),
        Index("ix_follow_ups_open_trainee_id", "trainee_id"),
    )

    # No foreign keys: the rows are written at the commit, after the transaction's other locks, and a
    # foreign key's check would take a share lock on the enrollment, cohort or trainee that another
    # transaction may hold for update while it waits for this one's trainees (a deadlock). The writes
    # that remove those rows recount their trainees; ``talent followups check-queue`` finds any drift.
    enrollment_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    milestone_months: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(Integer)
    cohort_id: Mapped[int] = mapped_column(Integer, index=True)
    center_id: Mapped[int] = mapped_column(Integer)
    cohort_end: Mapped[date] = mapped_column(Date)
    # Kept for the queue's sort orders (a name or cohort code change recounts the rows).
    cohort_code: Mapped[str] = mapped_column(String(40))
    last_name: Mapped[str] = mapped_column(String(100))
    first_name: Mapped[str] = mapped_column(String(100))
    job_elsewhere: Mapped[bool] = mapped_column(Boolean)


class ReportedJobCenter(Base):
    """A job the trainee reported (``source`` not ``center``), once per center the trainee belongs
    to (``trainee_centers``): the centers whose staff see it. Kept with the follow-ups still to make
    (:mod:`talent.placement.followup_queue`) from the job's writes and the membership's, so a center's
    jobs list and its count of jobs to verify read an index range of their centers instead of joining
    every reported job in the country to the membership (issue 17). No foreign keys, for the reason
    :class:`FollowUpOpen` gives."""
    __tablename__ = "reported_job_centers"
    __table_args__ = (
        Index("ix_reported_job_centers_center_id_verification", "center_id", "verification"),
        Index("ix_reported_job_centers_trainee_id", "trainee_id"),
    )

    placement_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    center_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    trainee_id: Mapped[int] = mapped_column(Integer)
    verification: Mapped[str] = mapped_column(String(10))
