"""National workforce objectives the ministry tracks."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, in_check, utcnow

METRICS = ("enrolled", "completed", "certified", "placed", "completion_rate", "certification_rate",
           "placement_rate")
SCOPES = ("national", "region", "skill", "sector")


class Objective(Base):
    __tablename__ = "objectives"
    __table_args__ = (
        CheckConstraint(in_check("metric", METRICS), name="metric"),
        CheckConstraint(in_check("scope", SCOPES), name="scope"),
        CheckConstraint("target_value >= 0", name="target_nonnegative"),
        CheckConstraint("deadline_year >= baseline_year", name="years_ordered"),
        CheckConstraint(
            "(scope = 'national' AND region_id IS NULL AND skill_id IS NULL AND sector_id IS NULL)"
            " OR (scope = 'region' AND region_id IS NOT NULL AND skill_id IS NULL AND sector_id IS NULL)"
            " OR (scope = 'skill' AND skill_id IS NOT NULL AND region_id IS NULL AND sector_id IS NULL)"
            " OR (scope = 'sector' AND sector_id IS NOT NULL AND region_id IS NULL AND skill_id IS NULL)",
            name="scope_target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(10))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="RESTRICT"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="RESTRICT"))
    target_value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    baseline_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    baseline_year: Mapped[int] = mapped_column(Integer)
    deadline_year: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
