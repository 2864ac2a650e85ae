"""Self-service follow-up: the private one-time links graduates receive 3, 6 and 12 months after
their cohort ended (one row per enrollment and wave; only the SHA-256 of the link's token is kept)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.db import Base, in_check, utcnow
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee

WAVES = (3, 6, 12)
# What a graduate answers: a job (a self-reported placement pending the center's verification),
# not working, or studying.
ANSWERS = ("employed", "not_working", "studying")
PAY_BANDS = ("lt500", "500_999", "1000_1999", "2000_3499", "3500_plus", "undisclosed")
LANGUAGES = ("az", "en", "ru")


class FollowUpRequest(Base):
    __tablename__ = "followup_requests"
    __table_args__ = (
        UniqueConstraint("enrollment_id", "wave"),
        CheckConstraint("wave IN (3, 6, 12)", name="wave"),
        CheckConstraint("outcome IS NULL OR " + in_check("outcome", ANSWERS), name="outcome"),
        CheckConstraint("pay_band IS NULL OR " + in_check("pay_band", PAY_BANDS), name="pay_band"),
        CheckConstraint(in_check("language", LANGUAGES), name="language"),
        # A center's links as one index range (the follow-up queue's counts; revision
        # 0038_followup_request_center).
        Index("ix_followup_requests_center_id_cohort_id", "center_id", "cohort_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    enrollment_id: Mapped[int] = mapped_column(ForeignKey("enrollments.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), index=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    # The cohort's center. A link goes to a completed enrollment, and a cohort with enrollments never
    # moves to another center (learning.services.cohorts.update_cohort): the copy stays right.
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="RESTRICT"))
    wave: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2), default="az")
    # The address the link went to; empty when the graduate had none and it went by SMS to their phone.
    email: Mapped[str] = mapped_column(String(254))
    # SHA-256 (hex) of the newest link's token; a reminder replaces it (the older link stops working).
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    reminded_at: Mapped[datetime | None]
    expires_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(12))
    pay_band: Mapped[str | None] = mapped_column(String(12))
    placement_id: Mapped[int | None] = mapped_column(ForeignKey("placements.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrollment: Mapped[Enrollment] = relationship()
    trainee: Mapped[Trainee] = relationship()
    cohort: Mapped[Cohort] = relationship()
