"""Employers, placements (jobs) and the follow-up of completers."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, Numeric, String,
                        UniqueConstraint, false)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.catalog.models import Occupation, Sector
from talent.db import Base, in_check, utcnow
from talent.geo.models import Country
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
        Index("ix_placements_trainee_id_start_date", "trainee_id", "start_date"),
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

    employer: Mapped[Employer] = relationship(lazy="joined")
    trainee: Mapped[Trainee] = relationship()
    sector: Mapped[Sector | None] = relationship()
    occupation: Mapped[Occupation | None] = relationship()


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
