"""National e-ID (OpenID Connect) links: which provider subject signs in as which user.

One row per linked account: the provider (``issuer``) and its stable identifier of the person
(``subject``, the ID token's ``sub``). Nothing else from the provider is kept: no FIN, no name,
no e-mail (the FIN lives in the trainee record only). ``fin_verified_at`` is the last time a
sign-in carried a FIN claim equal to the linked trainee's FIN: the proof of identity a center sees.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, utcnow


class EidIdentity(Base):
    __tablename__ = "eid_identities"
    __table_args__ = (
        UniqueConstraint("issuer", "subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    issuer: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Who made the link: the person themselves (their own id) or an administrator.
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    last_sign_in_at: Mapped[datetime | None]
    fin_verified_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<EidIdentity {self.id} user={self.user_id}>"
