"""National workforce objectives the ministry tracks."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, Integer, Numeric, String
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, in_check, utcnow
from talent.i18n import current_language

METRICS = ("enrolled", "completed", "certified", "placed", "completion_rate", "certification_rate",
           "placement_rate")
SCOPES = ("national", "region", "skill", "sector")
# The outcome indicators (issue 20, talent.reporting.outcomes) an objective can target too.
OUTCOME_METRICS = ("employment_q2_rate", "employment_q4_rate", "median_pay_q2", "credential_rate")
METRICS = METRICS + OUTCOME_METRICS
# A group (gender) and a market narrow any objective's population (e.g. women's completion,
# placements into international jobs); a market only applies to jobs.
OBJECTIVE_GENDERS = ("F", "M")
OBJECTIVE_MARKETS = ("local", "regional", "international")
MARKET_METRICS = ("placed", "employment_q2_rate", "employment_q4_rate", "median_pay_q2")


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
        CheckConstraint("gender IS NULL OR " + in_check("gender", OBJECTIVE_GENDERS), name="gender"),
        CheckConstraint("market IS NULL OR " + in_check("market", OBJECTIVE_MARKETS), name="market"),
        CheckConstraint("market IS NULL OR " + in_check("metric", MARKET_METRICS), name="market_metric"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The title in Azerbaijani (the column keeps its name "title") and, optionally, in English and
    # Russian; ``title`` reads in the page's language, falling back to Azerbaijani.
    title_az: Mapped[str] = mapped_column("title", String(200))
    title_en: Mapped[str | None] = mapped_column(String(200))
    title_ru: Mapped[str | None] = mapped_column(String(200))
    metric: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(10))
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"))
    skill_id: Mapped[int | None] = mapped_column(ForeignKey("skills.id", ondelete="RESTRICT"))
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="RESTRICT"))
    gender: Mapped[str | None] = mapped_column(String(1))    # the group: women (F) or men (M), or everyone
    market: Mapped[str | None] = mapped_column(String(13))   # local / regional / international, or any
    target_value: Mapped[Decimal] = mapped_column(Numeric(12, 2))
    baseline_value: Mapped[Decimal] = mapped_column(Numeric(12, 2), default=0)
    baseline_year: Mapped[int] = mapped_column(Integer)
    deadline_year: Mapped[int] = mapped_column(Integer)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def title_in(self, language: str) -> str:
        return getattr(self, f"title_{language}", None) or self.title_az

    @hybrid_property
    def title(self) -> str:
        return self.title_in(current_language())

    @title.inplace.setter
    def _title_setter(self, value: str) -> None:
        self.title_az = value

    @title.inplace.expression
    @classmethod
    def _title_expression(cls):
        return cls.title_az
