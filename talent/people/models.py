"""Trainees: the people the platform serves. Personal data lives here and nowhere else."""
from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, String, false, text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.db import Base, in_check, utcnow
from talent.geo.models import Region

GENDERS = ("F", "M")
EDUCATION_LEVELS = ("secondary", "vocational", "bachelor", "master", "doctorate")


class Trainee(Base):
    __tablename__ = "trainees"
    __table_args__ = (
        CheckConstraint("length(fin) = 7", name="fin_length"),
        CheckConstraint(in_check("gender", GENDERS), name="gender"),
        CheckConstraint(
            "education_level IS NULL OR " + in_check("education_level", EDUCATION_LEVELS),
            name="education_level"),
        Index("ix_trainees_search_name", "search_name"),
        # Name search is a substring match (LIKE '%word%'), which a b-tree cannot serve: on
        # PostgreSQL a trigram GIN index answers it for words of three letters or more (pg_trgm,
        # created by migration 0002). Elsewhere the options are ignored and it is a plain index.
        Index("ix_trainees_search_name_trgm", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
        # The trainee list's order (people.queries.name_order): the names in Azerbaijani order, so
        # PostgreSQL walks this index for ORDER BY ... LIMIT instead of sorting every trainee
        # (revision 0009). SQLite sorts with its "az" collation function, which an index built
        # without it could not use: PostgreSQL only.
        Index("ix_trainees_name_az", text('last_name COLLATE "az-x-icu"'), text('first_name COLLATE "az-x-icu"'),
              "id").ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fin: Mapped[str] = mapped_column(String(7), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    # Folded "last first patronymic" for case- and accent-insensitive search (see i18n.fold).
    search_name: Mapped[str] = mapped_column(String(320))
    birth_date: Mapped[date] = mapped_column(Date, index=True)
    gender: Mapped[str] = mapped_column(String(1), index=True)
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    phone: Mapped[str | None] = mapped_column(String(20))
    home_region_id: Mapped[int] = mapped_column(ForeignKey("regions.id", ondelete="RESTRICT"), index=True)
    education_level: Mapped[str | None] = mapped_column(String(20))
    consent_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Optional consents the trainee may withdraw from the portal.
    followup_consent: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    research_consent: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    registered_by_center_id: Mapped[int | None] = mapped_column(
        ForeignKey("centers.id", ondelete="SET NULL"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    home_region: Mapped[Region] = relationship(lazy="joined")

    @property
    def full_name(self) -> str:
        parts = [self.last_name, self.first_name, self.patronymic or ""]
        return " ".join(p for p in parts if p)

    @property
    def display_name(self) -> str:
        """First name and last name, the way a certificate shows it."""
        return f"{self.first_name} {self.last_name}"

    @property
    def short_name(self) -> str:
        """First name and initial of the last name: what public verification shows."""
        return f"{self.first_name} {self.last_name[:1]}."

    def __repr__(self) -> str:
        return f"<Trainee {self.id}>"


class TraineeSearch(Base):
    """A staff member's trainee search kept on the server behind a short random handle, so the
    results page is a GET that survives Back and reloads while the searched text (often a FIN)
    never appears in a URL or a log. A handle works only for its user, in the browser session
    that made it, for ``talent.people.services.SEARCH_HANDLE_HOURS``."""
    __tablename__ = "trainee_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    handle: Mapped[str] = mapped_column(String(32), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MembershipVia(StrEnum):
    """Why a trainee belongs to a center (DESIGN §3): the center registered them, or holds an
    enrollment of theirs that gives access (``talent.learning.scoping.SCOPE_STATUSES``). When both
    hold, ``registered``."""
    REGISTERED = "registered"
    ENROLLED = "enrolled"


class TraineeCenter(Base):
    """A trainee's membership of a center: the centers whose staff reach the trainee's record.
    Kept in the writing transaction by the services that create or end the relationship
    (registration here, enrollment in ``talent.learning.membership``, the import, the demo loader)
    and read by every center page and permission check instead of "registered by OR enrolled
    at" (``talent people check-membership`` proves it equals that rule)."""
    __tablename__ = "trainee_centers"
    __table_args__ = (
        CheckConstraint(in_check("via", tuple(MembershipVia)), name="via"),
        # "Which centers is this trainee in" (a permission check) and "is this trainee one of these
        # centers'" probed per candidate (name search: a few trigram hits, each checked here
        # index-only instead of hashing every member of the centers). The primary key (center_id
        # first) serves "the trainees of these centers".
        Index("ix_trainee_centers_trainee_id_center_id", "trainee_id", "center_id"),
        # A center's name search: the centers and the name's trigrams in one GIN index (PostgreSQL,
        # btree_gin for the center), so only the centers' trainees of that name are read. On SQLite
        # a plain index on the two columns: the centers' rows and their names, without the table.
        Index("ix_trainee_centers_center_id_search_name", "center_id", "search_name", postgresql_using="gin",
              postgresql_ops={"search_name": "gin_trgm_ops"}),
    )

    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(ForeignKey("trainees.id", ondelete="CASCADE"), primary_key=True)
    via: Mapped[str] = mapped_column(String(12))
    since: Mapped[datetime] = mapped_column(default=utcnow)
    #: The trainee's ``search_name``, copied (kept by the writers of the rows and by renames:
    #: ``check-membership`` proves it equal) so that a center's name search is one index.
    search_name: Mapped[str] = mapped_column(String(320))
