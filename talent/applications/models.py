"""An application for a seat in a cohort, and the consent text the applicant accepted."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.db import Base, in_check, utcnow
from talent.learning.models import Cohort
from talent.people.models import EDUCATION_LEVELS, GENDERS


class ApplicationStatus(StrEnum):
    """submitted → accepted (an enrollment or a place on the waiting list) / rejected (with a
    reason); the applicant may withdraw a submitted application."""
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"


APPLICATION_STATUSES = tuple(ApplicationStatus)
LANGUAGES = ("az", "en", "ru")


class Application(Base):
    __tablename__ = "applications"
    __table_args__ = (
        CheckConstraint(in_check("status", APPLICATION_STATUSES), name="status"),
        CheckConstraint("length(fin) = 7", name="fin_length"),
        CheckConstraint(in_check("gender", GENDERS), name="gender"),
        CheckConstraint("education_level IS NULL OR " + in_check("education_level", EDUCATION_LEVELS),
                        name="education_level"),
        CheckConstraint(in_check("language", LANGUAGES), name="language"),
        CheckConstraint("email IS NOT NULL OR phone IS NOT NULL", name="contact"),
        # One application of a FIN to a cohort (a rejected or withdrawn one stays, as history).
        Index("ix_applications_cohort_fin", "cohort_id", "fin"),
        Index("ix_applications_cohort_status", "cohort_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="RESTRICT"))
    fin: Mapped[str] = mapped_column(String(7), index=True)
    birth_date: Mapped[date] = mapped_column(Date)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str] = mapped_column(String(1))
    home_region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    education_level: Mapped[str | None] = mapped_column(String(20))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(20))
    language: Mapped[str] = mapped_column(String(2), default="az")
    consent_version: Mapped[str] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(12), default=ApplicationStatus.SUBMITTED)
    reason: Mapped[str | None] = mapped_column(String(500))
    trainee_id: Mapped[int | None] = mapped_column(ForeignKey("trainees.id", ondelete="SET NULL"), index=True)
    enrollment_id: Mapped[int | None] = mapped_column(ForeignKey("enrollments.id", ondelete="SET NULL"))
    # SHA-256 of the private status token; the token itself is only ever in the applicant's link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    decided_at: Mapped[datetime | None]
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    cohort: Mapped[Cohort] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.last_name, self.first_name, self.patronymic or "") if p)

    def __repr__(self) -> str:
        return f"<Application {self.id}>"
