"""Opt-in talent profiles and employers' shortlists (issue 20).

A graduate who chooses to be seen by employers has a :class:`TalentProfile` row; taking the choice
back deletes it (the audit trail keeps when). What an employer sees of a visible graduate is
computed at read time from the trainee's own records (name, home region, valid certifications,
skills), so nothing is copied that could outlive the choice. A :class:`ShortlistEntry` is an
employer putting a visible graduate on one of its vacancies; the graduate answers it.
"""
from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, in_check, utcnow


class ShortlistAnswer(StrEnum):
    """Where a shortlist entry stands: waiting for the graduate, their answer, or withdrawn (the
    graduate hid their profile before answering)."""
    PENDING = "pending"
    INTERESTED = "interested"
    NOT_INTERESTED = "not_interested"
    WITHDRAWN = "withdrawn"


class TalentProfile(Base):
    """A graduate visible to employers since ``visible_since`` (no row: not visible)."""
    __tablename__ = "talent_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), unique=True)
    visible_since: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ShortlistEntry(Base):
    """A visible graduate put on an employer's vacancy, and the graduate's answer."""
    __tablename__ = "shortlist_entries"
    __table_args__ = (
        UniqueConstraint("vacancy_id", "trainee_id"),
        CheckConstraint(in_check("answer", tuple(ShortlistAnswer)), name="answer"),
        Index("ix_shortlist_entries_trainee_id_answer", "trainee_id", "answer"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vacancy_id: Mapped[int] = mapped_column(ForeignKey("vacancies.id", ondelete="CASCADE"))
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"))
    employer_id: Mapped[int] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)
    shortlisted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shortlisted_at: Mapped[datetime] = mapped_column(default=utcnow)
    answer: Mapped[str] = mapped_column(String(16), default=ShortlistAnswer.PENDING,
                                        server_default=ShortlistAnswer.PENDING.value)
    answered_at: Mapped[datetime | None]
