"""Reading the audit trail (administrators): filter by actor, trainee, action and date range, a
page at a time or all of it as CSV. The web page (/admin/audit) and the API (GET /api/v1/audit,
/api/v1/audit/export) call this and nothing else.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterator

from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, select

from talent import audit, clock
from talent.audit import AuditEvent, AuditEventTrainee, action_label
from talent.errors import ValidationError
from talent.extensions import db
from talent.permissions import Actor, P, require

EXPORT_MAX_ROWS = 100_000
_ACTION = re.compile(r"^[a-z0-9_.]{1,60}$")
CSV_HEADER = ("id", "at", "actor_id", "actor", "channel", "ip", "action", "what", "entity_type", "entity_id",
              "trainee_id", "trainee_ids", "center_id", "details")


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None        # a user id, or part of the actor's email/label
    trainee_id: int | None = None   # events on the trainee's record or that contained them
    action: str | None = None       # an exact action ("trainee.view") or a prefix ("trainee." / "trainee")
    date_from: date | None = None   # Baku dates, inclusive
    date_to: date | None = None


def _to_date(value: Any, name: str, errors: dict[str, str]) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[name] = str(_l("Enter a date as YYYY-MM-DD."))
        return None


def make_filter(*, actor: Any = None, trainee_id: Any = None, action: Any = None, date_from: Any = None,
                date_to: Any = None) -> AuditFilter:
    """Check filter values from a form or a query string; ValidationError names what is wrong."""
    errors: dict[str, str] = {}
    actor_text = str(actor).strip() if actor not in (None, "") else None
    if actor_text and (len(actor_text) > 254 or not actor_text.isprintable()):
        errors["actor"] = str(_l("At most %(n)d characters.", n=254))
    trainee = None
    if trainee_id not in (None, ""):
        text = str(trainee_id).strip()
        if not text.isdigit() or int(text) > 2_147_483_647:
            errors["trainee_id"] = str(_l("Enter a trainee number."))
        else:
            trainee = int(text)
    action_text = str(action).strip().lower() if action not in (None, "") else None
    if action_text and not _ACTION.match(action_text):
        errors["action"] = str(_l("An action looks like trainee.view (letters, digits, dots)."))
    start, end = _to_date(date_from, "date_from", errors), _to_date(date_to, "date_to", errors)
    if start and end and start > end:
        errors["date_to"] = str(_l("The end date is before the start date."))
    if errors:
        raise ValidationError(_l("Please correct the marked fields."), fields=errors)
    return AuditFilter(actor_text, trainee, action_text, start, end)


def _instant(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=clock.zone()).astimezone(timezone.utc)


def query(actor: Actor, flt: AuditFilter) -> Select:
    """The matching events, newest first."""
    require(actor, P.AUDIT_READ)
    stmt = select(AuditEvent).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
    if flt.actor:
        if flt.actor.isdigit():
            stmt = stmt.where(AuditEvent.actor_id == int(flt.actor))
        else:
            stmt = stmt.where(func.lower(AuditEvent.actor_label).contains(flt.actor.lower(), autoescape=True))
    if flt.trainee_id is not None:
        linked = select(AuditEventTrainee.event_id).where(AuditEventTrainee.trainee_id == flt.trainee_id)
        stmt = stmt.where((AuditEvent.trainee_id == flt.trainee_id) | AuditEvent.id.in_(linked))
    if flt.action:
        if "." in flt.action and not flt.action.endswith("."):
            stmt = stmt.where(AuditEvent.action == flt.action)
        else:
            prefix = flt.action if flt.action.endswith(".") else flt.action + "."
            stmt = stmt.where(AuditEvent.action.startswith(prefix, autoescape=True))
    if flt.date_from:
        stmt = stmt.where(AuditEvent.at >= _instant(flt.date_from))
    if flt.date_to:
        stmt = stmt.where(AuditEvent.at < _instant(flt.date_to + timedelta(days=1)))
    return stmt


def page(actor: Actor, flt: AuditFilter, *, page: int = 1, per_page: int = 50) -> tuple[list[AuditEvent], int]:
    stmt = query(actor, flt)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = list(db.session.scalars(stmt.limit(per_page).offset((max(page, 1) - 1) * per_page)))
    return rows, total


def event_json(event: AuditEvent) -> dict[str, Any]:
    details = event.details or {}
    return {"id": event.id, "at": event.at, "actor_id": event.actor_id, "actor": event.actor_label,
            "channel": event.channel, "ip": event.ip, "action": event.action, "what": action_label(event.action),
            "entity_type": event.entity_type, "entity_id": event.entity_id, "trainee_id": event.trainee_id,
            "trainee_ids": details.get("trainee_ids", []), "center_id": event.center_id, "details": details}


def export_rows(actor: Actor, flt: AuditFilter) -> Iterator[list[Any]]:
    """Every matching event (at most EXPORT_MAX_ROWS), as CSV rows. The export is audited now, in
    the request's transaction; the rows are read while the answer streams."""
    import json
    stmt = query(actor, flt)
    audit.record(actor, "audit.export", "audit", None,
                 details={k: (v.isoformat() if isinstance(v, date) else v)
                          for k, v in flt.__dict__.items() if v not in (None, "")})
    db.session.flush()

    def rows() -> Iterator[list[Any]]:
        for event in db.session.scalars(stmt.limit(EXPORT_MAX_ROWS).execution_options(yield_per=500)):
            data = event_json(event)
            yield [data["id"], event.at.isoformat() if event.at else "", data["actor_id"], data["actor"],
                   data["channel"], data["ip"], data["action"], data["what"], data["entity_type"],
                   data["entity_id"], data["trainee_id"], " ".join(str(t) for t in data["trainee_ids"]),
                   data["center_id"], json.dumps(data["details"], ensure_ascii=False, sort_keys=True, default=str)]
    return rows()
