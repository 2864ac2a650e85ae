"""The notification outbox for administrators: ``GET /outbox`` (paged JSON, filter by status);
permission ``outbox:manage`` (talent.notifications.services)."""
from __future__ import annotations

from talent.api.core import api_actor, operation
from talent.api.schema import F, Schema
from talent.api.v1 import bp
from talent.notifications import services
from talent.notifications.models import STATUSES

OutboxQuery = Schema("OutboxQuery", {
    "status": F.string(max_length=10, pattern="^(" + "|".join(STATUSES) + ")$",
                       description="pending, sending, sent, failed or discarded."),
}, register=False)

OutboxMessageOut = Schema("OutboxMessage", {
    "id": F.integer(required=True),
    "kind": F.string(required=True, example="enrolled"),
    "channel": F.string(required=True, example="email"),
    "recipient": F.string(required=True),
    "locale": F.string(required=True),
    "subject": F.string(required=True),
    "status": F.string(required=True, example="sent"),
    "attempts": F.integer(required=True),
    "next_attempt_at": F.datetime(required=True),
    "last_error": F.string(required=True, nullable=True),
    "created_at": F.datetime(required=True),
    "sent_at": F.datetime(required=True, nullable=True),
}, description="One message of the transactional outbox (docs/reliability.md).")


def _json(row) -> dict:
    return {"id": row.id, "kind": row.kind, "channel": row.channel, "recipient": row.recipient, "locale": row.locale,
            "subject": row.subject, "status": row.status, "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at.isoformat(), "last_error": row.last_error,
            "created_at": row.created_at.isoformat(), "sent_at": row.sent_at.isoformat() if row.sent_at else None}


@operation(bp, "/outbox", summary="Outgoing messages (administrators)", tags=["Notifications"], query=OutboxQuery,
           response=OutboxMessageOut, paginated=True,
           description="The notification outbox, newest first: pending, sent, failed and discarded messages.")
def list_outbox(query):
    page = services.list_outbox(api_actor(), status=query.get("status"), page=query["page"], per_page=query["limit"])
    return {"items": [_json(row) for row in page.items], "page": query["page"], "limit": query["limit"],
            "total": page.total, "next_page": query["page"] + 1 if query["page"] * query["limit"] < page.total else None}
