"""The catalog: sectors, AI skills, ISCO occupations, certifications and courses."""
from __future__ import annotations

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Table, Boolean, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.db import Base, in_check
from talent.i18n import LocalizedName
from talent.i18n import current_language

LEVELS = ("foundation", "intermediate", "advanced")
# Education levels from the lowest (the same values as talent.people.models.EDUCATION_LEVELS, which
# the catalog, below people, may not import).
EDUCATION_ORDER = ("secondary", "vocational", "bachelor", "master", "doctorate")


class Sector(LocalizedName, Base):
    __tablename__ = "sectors"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_az: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    name_ru: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Skill(LocalizedName, Base):
    __tablename__ = "skills"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_az: Mapped[str] = mapped_column(String(160))
    name_en: Mapped[str] = mapped_column(String(160))
    name_ru: Mapped[str] = mapped_column(String(160))
    esco_uri: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class Occupation(LocalizedName, Base):
    """An ISCO-08 group (major or unit)."""
    __tablename__ = "occupations"
    __table_args__ = (CheckConstraint(in_check("level", ("major", "sub_major", "minor", "unit")), name="level"),)

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    name_en: Mapped[str] = mapped_column(String(200))
    name_az: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))


class Certification(Base):
    """A credential type a course leads to, with the rule that earns it."""
    __tablename__ = "certifications"
    __table_args__ = (
        CheckConstraint("pass_mark >= 0 AND pass_mark <= 100", name="pass_mark_range"),
        CheckConstraint("min_attendance >= 0 AND min_attendance <= 100", name="min_attendance_range"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
        CheckConstraint(in_check("level", LEVELS), name="level"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name_az: Mapped[str] = mapped_column(String(200))
    name_en: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    criteria: Mapped[str | None] = mapped_column(String(2000))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id", ondelete="RESTRICT"), index=True)
    level: Mapped[str] = mapped_column(String(20))
    pass_mark: Mapped[int] = mapped_column(Integer, default=60)
    min_attendance: Mapped[int] = mapped_column(Integer, default=80)
    validity_months: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    skill: Mapped[Skill] = relationship(lazy="joined")

    def name_in(self, language: str) -> str:
        """The name in ``language``; a missing Russian name falls back to the Azerbaijani one."""
        return getattr(self, f"name_{language}", None) or self.name_az

    @property
    def name(self) -> str:
        return self.name_in(current_language())


course_skills = Table(
    "course_skills",
    Base.metadata,
    Column("course_id", ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True),
    Column("skill_id", ForeignKey("skills.id", ondelete="RESTRICT"), primary_key=True, index=True),
)


class Course(Base):
    __tablename__ = "courses"
    __table_args__ = (
        CheckConstraint("hours > 0", name="hours_positive"),
        CheckConstraint(in_check("level", LEVELS), name="level"),
        CheckConstraint(in_check("language", ("az", "en", "ru")), name="language"),
        CheckConstraint("min_education_level IS NULL OR " + in_check("min_education_level", EDUCATION_ORDER),
                        name="min_education_level"),
        CheckConstraint("min_age IS NULL OR (min_age >= 14 AND min_age <= 80)", name="min_age_range"),
        CheckConstraint("max_age IS NULL OR (max_age >= 14 AND max_age <= 80)", name="max_age_range"),
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="age_range_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    title_az: Mapped[str] = mapped_column(String(200))
    title_en: Mapped[str] = mapped_column(String(200))
    title_ru: Mapped[str | None] = mapped_column(String(200))
    # What the public catalog (issue 19) says about the course, per language; a missing one falls
    # back to the Azerbaijani text, then to nothing.
    description_az: Mapped[str | None] = mapped_column(String(2000))
    description_en: Mapped[str | None] = mapped_column(String(2000))
    description_ru: Mapped[str | None] = mapped_column(String(2000))
    level: Mapped[str] = mapped_column(String(20), index=True)
    hours: Mapped[int] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(2), default="az")
    certification_id: Mapped[int | None] = mapped_column(
        ForeignKey("certifications.id", ondelete="RESTRICT"), index=True)
    sector_id: Mapped[int | None] = mapped_column(ForeignKey("sectors.id", ondelete="SET NULL"), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Who may apply online (issue 19), checked by talent.applications.eligibility: the lowest
    # education level, the age range on the cohort's start date, an earlier certification held.
    min_education_level: Mapped[str | None] = mapped_column(String(20))
    min_age: Mapped[int | None] = mapped_column(Integer)
    max_age: Mapped[int | None] = mapped_column(Integer)
    required_certification_id: Mapped[int | None] = mapped_column(
        ForeignKey("certifications.id", ondelete="RESTRICT"))

    certification: Mapped[Certification | None] = relationship(foreign_keys=[certification_id])
    required_certification: Mapped[Certification | None] = relationship(foreign_keys=[required_certification_id])
    sector: Mapped[Sector | None] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=course_skills, order_by="Skill.code")

    def title_in(self, language: str) -> str:
        """The title in ``language``; a missing Russian title falls back to the Azerbaijani one."""
        return getattr(self, f"title_{language}", None) or self.title_az

    @property
    def title(self) -> str:
        return self.title_in(current_language())

    def description_in(self, language: str) -> str | None:
        """The public description in ``language``, else the Azerbaijani one (or None)."""
        return getattr(self, f"description_{language}", None) or self.description_az
