"""The append-only audit trail: every write, and every staff view of a trainee's personal data.

The database refuses UPDATE and DELETE on ``audit_events`` (triggers created by the migration),
so the trail cannot be rewritten through the application.

Each event about a changed record keeps the old and new value of every changed column
(``details["values"]``), captured from the session before the flush; secrets (password hashes,
TOTP secrets, token hashes, session tokens) are named but their values never stored. An event that
concerns several trainees (a search, a roster view, an export) lists them in ``details`` and in
``audit_event_trainees``, so each trainee's "who looked at my record" finds it.
"""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, event, insert, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

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

    trainee_links: Mapped[list["AuditEventTrainee"]] = relationship(cascade="save-update, merge")


class AuditEventTrainee(Base):
    """The trainees an event concerns when there are several (search results, a roster, an
    export); an index for the trainee's access log (the event's details list them too)."""
    __tablename__ = "audit_event_trainees"

    event_id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                          ForeignKey("audit_events.id"), primary_key=True)
    trainee_id: Mapped[int] = mapped_column(Integer, primary_key=True, index=True)


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


# Columns whose values never enter the trail (named as changed, without values).
SECRET_FIELDS = frozenset({"password_hash", "totp_secret", "token_hash", "session_token", "code_hash",
                           "secret", "private_key"})
# Bookkeeping columns not worth an entry.
QUIET_FIELDS = frozenset({"search_name", "updated_at", "version"})
_CHANGES = "talent_audit_changes"


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, Enum):
        return value.value
    return str(value)


@event.listens_for(Session, "before_flush")
def _capture_changes(session, _context, _instances) -> None:
    """Remember old and new values of changed columns, per (table, primary key), until an audit
    event about that record takes them (or the transaction ends)."""
    store = session.info.setdefault(_CHANGES, {})
    for obj in session.dirty:
        table = getattr(obj, "__tablename__", None)
        if table is None or table.startswith("audit_"):
            continue
        state = inspect(obj)
        if not state.identity:
            continue
        for attr in state.mapper.column_attrs:
            history = state.attrs[attr.key].history
            if not history.has_changes() or attr.key in QUIET_FIELDS:
                continue
            key = (table, str(state.identity[0]))
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            entry = store.setdefault(key, {})
            first_old = entry[attr.key][0] if attr.key in entry else old
            entry[attr.key] = (first_old, new)


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_rollback")
def _forget_changes(session) -> None:
    session.info.pop(_CHANGES, None)


def _values(entity_type: str, entity_id: Any) -> dict[str, Any] | None:
    if entity_id is None:
        return None
    store = db.session.info.get(_CHANGES) or {}
    found = None
    for table in (f"{entity_type}s", entity_type):
        found = store.pop((table, str(entity_id)), None)
        if found:
            break
    if not found:
        return None
    values: dict[str, Any] = {}
    for name, (old, new) in sorted(found.items()):
        if old == new:
            continue
        values[name] = {"secret": True} if name in SECRET_FIELDS else {"old": _plain(old), "new": _plain(new)}
    return values or None


def record(actor, action: str, entity_type: str, entity_id: Any = None, *,
           trainee_id: int | None = None, center_id: int | None = None,
           details: dict[str, Any] | None = None, trainee_ids=None) -> AuditEvent:
    """Append one audit event in the current transaction. ``actor`` is a
    :class:`talent.permissions.Actor`. ``trainee_ids``: the trainees a view or export of several
    contained. The old and new values of the record's changed columns are added by themselves."""
    values = _values(entity_type, entity_id)
    if values:
        details = {**(details or {}), "values": values}
    linked = sorted({int(t) for t in trainee_ids or () if t is not None})
    if linked:
        details = {**(details or {}), "trainee_ids": linked}
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
    event.trainee_links = [AuditEventTrainee(trainee_id=t) for t in linked if t != trainee_id]
    db.session.add(event)
    return event


def record_many(actor, action: str, entity_type: str, events: list[dict[str, Any]]) -> int:
    """Append many audit events of one kind in one statement (scheduled work: thousands of
    follow-up links in a run), like :func:`record` (the changed values of each record flushed
    before are attached) but without trainee lists. Each item: ``entity_id`` and optionally
    ``trainee_id``, ``center_id``, ``details``."""
    if not events:
        return 0
    now = utcnow()
    rows = []
    for item in events:
        details = item.get("details")
        values = _values(entity_type, item.get("entity_id"))
        if values:
            details = {**(details or {}), "values": values}
        rows.append({"at": now, "actor_id": actor.user_id, "actor_label": actor.label, "channel": actor.channel,
                     "ip": actor.ip, "action": action, "entity_type": entity_type,
                     "entity_id": None if item.get("entity_id") is None else str(item["entity_id"]),
                     "trainee_id": item.get("trainee_id"), "center_id": item.get("center_id"), "details": details})
    db.session.execute(insert(AuditEvent.__table__), rows)
    return len(events)


# ---- what an action means, in words ------------------------------------------------------------

ACTION_LABELS = {
    "trainee.view": _l("Opened your record"),
    "trainee.view_contacts": _l("Viewed your contact details"),
    "trainee.view_list": _l("Saw you in a list of trainees"),
    "trainee.search": _l("Found you in a search"),
    "trainee.create": _l("Registered you"),
    "trainee.update": _l("Changed your record"),
    "trainee.fin_known": _l("Entered your FIN and was told it is registered"),
    "trainee.invite": _l("Invited you to your account"),
    "trainee.consent": _l("Changed your consents"),
    "trainee.export": _l("Downloaded all your data"),
    "cohort.roster_view": _l("Viewed a cohort roster with you on it"),
    "export.roster": _l("Exported a cohort roster with you on it"),
    "export.results": _l("Exported cohort results with yours"),
    "export.placements": _l("Exported cohort jobs with yours"),
    "import.trainees": _l("Imported a file with your details"),
    "enrollment.enroll": _l("Enrolled you in a cohort"),
    "enrollment.waitlist": _l("Put you on a waiting list"),
    "enrollment.promote": _l("Moved you from the waiting list into a cohort"),
    "enrollment.withdraw": _l("Withdrew you from a cohort"),
    "attendance.record": _l("Recorded your attendance"),
    "scores.record": _l("Recorded your score"),
    "award.issue": _l("Issued you a certificate"),
    "award.revoke": _l("Revoked your certificate"),
    "award.renew": _l("Renewed your certificate"),
    "award.view": _l("Viewed your certificate"),
    "award.pdf": _l("Downloaded your certificate"),
    "award.list": _l("Saw your certificate in a list"),
    "placement.create": _l("Recorded a job of yours"),
    "placement.report": _l("Recorded a job of yours"),
    "placement.update": _l("Changed a job of yours"),
    "placement.verify": _l("Verified a job of yours"),
    "placement.reject": _l("Rejected a job of yours"),
    "placement.view": _l("Viewed a job of yours"),
    "placement.list_view": _l("Saw your jobs in a list"),
    "placement.employer_list_view": _l("Your employer saw the job you reported with them"),
    "placement.employer_confirm": _l("Your employer confirmed your job"),
    "placement.employer_decline": _l("Your employer declined your job"),
    "talent_profile.opt_in": _l("You showed your profile to employers"),
    "talent_profile.opt_out": _l("You hid your profile from employers"),
    "talent_profile.employer_view": _l("An employer saw your talent profile"),
    "talent_profile.shortlist": _l("An employer shortlisted you for a vacancy"),
    "talent_profile.shortlist_view": _l("An employer looked at a shortlist with you on it"),
    "talent_profile.answer": _l("You answered an employer's shortlist"),
    "followup.record": _l("Recorded a follow-up about you"),
}
_PREFIX_LABELS = {
    "trainee": _l("Used your record"),
    "enrollment": _l("Changed your enrollment"),
    "award": _l("Used your certificate"),
    "placement": _l("Used your job record"),
    "export": _l("Exported data with yours"),
}


def action_label(action: str) -> str:
    """The action in words in the current language; never the raw code."""
    label = ACTION_LABELS.get(action) or _PREFIX_LABELS.get(action.partition(".")[0])
    return str(label or _l("Used your data"))
