"""The audit trail for administrators: ``GET /audit`` (filtered, paged JSON) and
``GET /audit/export`` (everything that matches, CSV). Both call talent.auditlog."""
from __future__ import annotations

from talent import auditlog, clock
from talent.api.core import api_actor, operation
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.exports import stream_csv

AuditQuery = Schema("AuditQuery", {
    "actor": F.string(max_length=254, description="A user id, or part of the actor's email."),
    "trainee_id": F.integer(minimum=1, maximum=2_147_483_647,
                            description="Events on this trainee's record or that contained them "
                                        "(searches, roster views, exports)."),
    "action": F.string(max_length=60, pattern=r"^[a-z0-9_.]+$",
                       description="An exact action (trainee.view) or a prefix (trainee or trainee.)."),
    "date_from": F.date(description="From this day (Baku time), inclusive."),
    "date_to": F.date(description="To this day (Baku time), inclusive."),
}, register=False)

AuditEventOut = Schema("AuditEvent", {
    "id": F.integer(required=True),
    "at": F.datetime(required=True),
    "actor_id": F.integer(required=True, nullable=True),
    "actor": F.string(required=True, description="The actor's email (or 'system', 'anonymous')."),
    "channel": F.string(required=True, description="web, api or cli."),
    "ip": F.string(required=True, nullable=True),
    "action": F.string(required=True, example="trainee.update"),
    "what": F.string(required=True, description="The action in words, in the request's language."),
    "entity_type": F.string(required=True),
    "entity_id": F.string(required=True, nullable=True),
    "trainee_id": F.integer(required=True, nullable=True),
    "trainee_ids": F.array(F.integer(), required=True,
                           description="The trainees a search, roster view or export contained."),
    "center_id": F.integer(required=True, nullable=True),
    "details": F("any", required=True, nullable=True,
                 description="What else the event recorded; `values` holds the old and new value of each "
                             "changed field (`{\"old\": …, \"new\": …}`; secrets only `{\"secret\": true}`)."),
}, description="One event of the append-only audit trail.")


def _filter(query) -> auditlog.AuditFilter:
    return auditlog.make_filter(actor=query.get("actor"), trainee_id=query.get("trainee_id"),
                                action=query.get("action"), date_from=query.get("date_from"),
                                date_to=query.get("date_to"))


@operation(bp, "/audit", summary="The audit trail (administrators)", tags=["Audit"], query=AuditQuery,
           response=AuditEventOut, paginated=True,
           description="Who did what, newest first: filter by actor, trainee, action and date range.")
def list_audit(query):
    actor = api_actor()
    events, total = auditlog.page(actor, _filter(query), page=query["page"], per_page=query["limit"])
    return {"items": [auditlog.event_json(e) for e in events], "page": query["page"], "limit": query["limit"],
            "total": total, "next_page": query["page"] + 1 if query["page"] * query["limit"] < total else None}


@operation(bp, "/audit/export", summary="The audit trail as CSV (administrators)", tags=["Audit"],
           query=AuditQuery, content_type="text/csv", raw_schema={"type": "string"},
           description="Every event that matches the filters (at most 100,000), as CSV; the export is audited.")
def export_audit(query):
    rows = auditlog.export_rows(api_actor(), _filter(query))
    return stream_csv(f"audit-{clock.today().isoformat()}.csv", auditlog.CSV_HEADER, rows)
