"""Accounts: users, their center assignments, API tokens and second-factor recovery codes."""
from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint, false, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from talent.db import Base, in_check, utcnow

ROLES = ("admin", "center_admin", "trainee", "ministry", "employer")

# An employer user belongs to exactly one employer organisation (``employers``, the placement
# domain's table); nobody else is linked to one.
EMPLOYER_LINK_CHECK = ("(role = 'employer' AND employer_id IS NOT NULL) OR "
                       "(role <> 'employer' AND employer_id IS NULL)")


class CenterAssignment(Base):
    __tablename__ = "center_assignments"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    center_id: Mapped[int] = mapped_column(ForeignKey("centers.id", ondelete="CASCADE"), primary_key=True,
                                           index=True)
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(UserMixin, Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(in_check("role", ROLES), name="role"),
        CheckConstraint("failed_logins >= 0", name="failed_logins_nonnegative"),
        CheckConstraint(EMPLOYER_LINK_CHECK, name="employer_link"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20), index=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    locale: Mapped[str | None] = mapped_column(String(5))
    # Rotated on password change and deactivation: invalidates every session of the user.
    session_token: Mapped[str] = mapped_column(String(64))
    failed_logins: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    locked_until: Mapped[datetime | None]
    password_changed_at: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The organisation an ``employer`` user acts for (None for every other role).
    employer_id: Mapped[int | None] = mapped_column(ForeignKey("employers.id", ondelete="RESTRICT"), index=True)

    assignments: Mapped[list[CenterAssignment]] = relationship(cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated users are logged out
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def has_placeholder_email(self) -> bool:
        """An e-ID account created without a usable address carries a placeholder in the reserved
        ``.invalid`` domain (RFC 2606; ``talent.accounts.oidc``): never shown, never written to."""
        return (self.email or "").lower().endswith(".invalid")

    @property
    def shown_name(self) -> str:
        """What the menu shows for the signed-in person: the email, or for an account with the
        e-ID placeholder address their name (else "e-ID")."""
        if not self.has_placeholder_email:
            return self.email
        return (self.full_name or "").strip() or "e-ID"

    @property
    def center_ids(self) -> frozenset[int]:
        return frozenset(a.center_id for a in self.assignments)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class RecoveryCode(Base):
    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[datetime | None]


class ApiToken(Base):
    """A bearer token: personal (acts as its user) or a service token bound to a role and centers
    through its service user. Only the SHA-256 of the secret is stored."""
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    is_service: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Every token expires (default 90 days, at most API_TOKEN_MAX_DAYS); an expired one gets a 401.
    expires_at: Mapped[datetime]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship(lazy="joined")

    def is_expired(self, now: datetime | None = None) -> bool:
        return self.expires_at <= (now or utcnow())


class IdempotencyRecord(Base):
    """A stored answer to a POST with an ``Idempotency-Key`` header, replayed on retry."""
    __tablename__ = "idempotency_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(200))
    request_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[int] = mapped_column(Integer)
    body: Mapped[str] = mapped_column(String)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    __table_args__ = (
        UniqueConstraint("user_id", "key"),
    )
