"""The append-only audit trail: every write, and every staff view of a trainee's personal data.

The database refuses UPDATE and DELETE on ``audit_events`` (triggers created by the migration),
so the trail cannot be rewritten through the application.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from talent.db import Base, utcnow
from talent.extensions import db


class AuditEvent(Base):
    __tablename__ = "audit_events"
    __table_args__ = (
        Index("ix_audit_events_entity", "entity_type", "entity_id"),
        Index("ix_audit_events_trainee_id_at", "trainee_id", "at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    actor_label: Mapped[str] = mapped_column(String(254))
    channel: Mapped[str] = mapped_column(String(8))
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(60))
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str | None] = mapped_column(String(40))
    # The trainee whose data the event concerns, so a trainee can see who viewed their record.
    trainee_id: Mapped[int | None] = mapped_column(Integer)
    center_id: Mapped[int | None] = mapped_column(Integer, index=True)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)


# Append-only, enforced by the database (used by the migration and by test clean-up).
POSTGRES_TRIGGER = [
    """CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
    BEGIN RAISE EXCEPTION 'audit_events is append-only'; END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()""",
]
POSTGRES_TRIGGER_DROP = [
    "DROP TRIGGER IF EXISTS audit_events_no_update ON audit_events",
    "DROP FUNCTION IF EXISTS audit_events_append_only()",
]
SQLITE_TRIGGER = [
    """CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
    """CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
    BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END""",
]
SQLITE_TRIGGER_DROP = [
    "DROP TRIGGER IF EXISTS audit_events_no_update",
    "DROP TRIGGER IF EXISTS audit_events_no_delete",
]


def record(actor, action: str, entity_type: str, entity_id: Any = None, *,
           trainee_id: int | None = None, center_id: int | None = None,
           details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one audit event in the current transaction. ``actor`` is a
    :class:`talent.permissions.Actor`."""
    event = AuditEvent(
        actor_id=actor.user_id,
        actor_label=actor.label,
        channel=actor.channel,
        ip=actor.ip,
        action=action,
        entity_type=entity_type,
        entity_id=None if entity_id is None else str(entity_id),
        trainee_id=trainee_id,
        center_id=center_id,
        details=details,
    )
    db.session.add(event)
    return event
