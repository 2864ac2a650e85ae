"""Awards: certifications earned. Never deleted; revoked awards stay visible as revoked."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.catalog.models import Certification
from talent.centers.models import Center
from talent.db import Base, utcnow
from talent.learning.models import Enrollment
from talent.people.models import Trainee


class AwardStatus(StrEnum):
    """An award's standing on a day (computed, not stored: ``Award.status_on``)."""
    VALID = "valid"
    EXPIRED = "expired"
    REVOKED = "revoked"


class Award(Base):
    __tablename__ = "awards"
    __table_args__ = (
        CheckConstraint("expires_on IS NULL OR expires_on >= issued_on", name="dates_ordered"),
        CheckConstraint("(revoked_at IS NULL) = (revoked_reason IS NULL)", name="revocation_has_reason"),
        # One original award per enrollment; renewals link to the award they renew.
        Index("uq_awards_enrollment_original", "enrollment_id", unique=True,
              sqlite_where=text("renewal_of_id IS NULL"), postgresql_where=text("renewal_of_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    serial: Mapped[str] = mapped_column(String(20), unique=True)
    verification_code: Mapped[str] = mapped_column(String(32), unique=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="RESTRICT"), index=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="RESTRICT"), index=True)
    certification_id: Mapped[int] = mapped_column(ForeignKey("certifications.id", ondelete="RESTRICT"),
                                                  index=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="RESTRICT"), index=True)
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    expires_on: Mapped[date | None] = mapped_column(Date, index=True)
    revoked_at: Mapped[datetime | None]
    revoked_reason: Mapped[str | None] = mapped_column(String(500))
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("awards.id", ondelete="RESTRICT"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    certification: Mapped[Certification] = relationship(lazy="joined")
    center: Mapped[Center] = relationship(lazy="joined")
    trainee: Mapped[Trainee] = relationship()
    enrollment: Mapped[Enrollment] = relationship()

    def status_on(self, day: date) -> str:
        if self.revoked_at is not None:
            return AwardStatus.REVOKED
        if self.expires_on is not None and day > self.expires_on:
            return AwardStatus.EXPIRED
        return AwardStatus.VALID


class SerialCounter(Base):
    """The last serial number issued per year; locked while issuing so serials have no gaps."""
    __tablename__ = "serial_counters"
    __table_args__ = (CheckConstraint("last_number >= 0", name="last_number_nonnegative"),)

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(Integer, default=0)
