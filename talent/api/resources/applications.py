"""Online applications (issue 19): ``POST /api/v1/applications`` for anyone (no token; rate limited
per address and per FIN; 201 with the private status link, 422 with field messages in the
request's language) and ``GET /api/v1/applications`` for center staff (their centers only)."""
from __future__ import annotations

from typing import Any

from flask import current_app, request
from flask_babel import get_locale

from talent.api.core import api_actor, operation
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.applications import services as applications
from talent.applications.models import APPLICATION_STATUSES, Application
from talent.extensions import limiter
from talent.notifications.services import base_url
from talent.people.models import EDUCATION_LEVELS

ApplicationIn = Schema("ApplicationIn", {
    "cohort_id": F.integer(required=True, minimum=1, maximum=2**31 - 1),
    "fin": F.string(required=True, min_length=1, max_length=20,
                    description="7 digits or capital Latin letters (trimmed, upper-cased)."),
    "birth_date": F.date(required=True),
    "first_name": F.string(required=True, min_length=1, max_length=100),
    "last_name": F.string(required=True, min_length=1, max_length=100),
    "patronymic": F.string(nullable=True, max_length=100),
    "gender": F.string(required=True, min_length=1, max_length=10, description="F or M."),
    "home_region": F.string(required=True, min_length=1, max_length=120,
                            description="Region code, or its Azerbaijani or English name."),
    "education_level": F.enum_of(EDUCATION_LEVELS, nullable=True),
    "email": F.string(nullable=True, max_length=254),
    "phone": F.string(nullable=True, max_length=40, description="Any common Azerbaijani form."),
    "consent": F.boolean(required=True, description="Consent to the processing of the data (the text of "
                                                     "`consent_version`)."),
    "website": F.string(nullable=True, max_length=200, description="Leave empty."),
})
Received = Schema("ApplicationReceived", {
    "status": F.enum_of(APPLICATION_STATUSES, required=True),
    "status_url": F.string(required=True, description="The private link to follow the application."),
})
ApplicationOut = Schema("Application", {
    "id": F.integer(required=True),
    "cohort_id": F.integer(required=True),
    "status": F.enum_of(APPLICATION_STATUSES, required=True),
    "fin": F.string(required=True),
    "birth_date": F.date(required=True),
    "first_name": F.string(required=True),
    "last_name": F.string(required=True),
    "patronymic": F.string(required=True, nullable=True),
    "gender": F.string(required=True),
    "home_region_id": F.integer(required=True),
    "education_level": F.string(required=True, nullable=True),
    "email": F.string(required=True, nullable=True),
    "phone": F.string(required=True, nullable=True),
    "consent_version": F.string(required=True),
    "reason": F.string(required=True, nullable=True),
    "trainee_id": F.integer(required=True, nullable=True),
    "enrollment_id": F.integer(required=True, nullable=True),
    "created_at": F.datetime(required=True),
    "decided_at": F.datetime(required=True, nullable=True),
})
ApplicationQuery = Schema("ApplicationQuery", {
    "cohort_id": F.integer(minimum=1, maximum=2**31 - 1),
    "status": F.enum_of(APPLICATION_STATUSES),
    "sort": F.enum_of(tuple(applications.SORTS), default="created"),
}, register=False)


def application_json(a: Application) -> dict[str, Any]:
    return {"id": a.id, "cohort_id": a.cohort_id, "status": a.status, "fin": a.fin, "birth_date": a.birth_date,
            "first_name": a.first_name, "last_name": a.last_name, "patronymic": a.patronymic, "gender": a.gender,
            "home_region_id": a.home_region_id, "education_level": a.education_level, "email": a.email,
            "phone": a.phone, "consent_version": a.consent_version, "reason": a.reason,
            "trainee_id": a.trainee_id, "enrollment_id": a.enrollment_id, "created_at": a.created_at,
            "decided_at": a.decided_at}


def application_address_limit() -> str:
    return current_app.config.get("APPLY_RATE_LIMIT_ADDRESS") or "20 per hour"


def application_fin_limit() -> str:
    return current_app.config.get("APPLY_RATE_LIMIT_FIN") or "5 per hour"


def _address_key() -> str:
    return "apply-address:" + (request.remote_addr or "unknown")


def _fin_key() -> str:
    body = request.get_json(silent=True)
    fin = body.get("fin") if isinstance(body, dict) else None
    return "apply-fin:" + (str(fin).strip().upper()[:20] if fin else "none")


@operation(bp, "/applications", "POST", summary="Apply for a seat in a cohort", tags=["Applications"],
           public=True, body=ApplicationIn, response=Received, status=201, errors=(404, 409, 422, 429),
           description="Anyone, no token. The same answer whether or not the FIN is known. The answer's "
                       "`status_url` is the only way back to the application: keep it private.")
@limiter.limit(application_address_limit, key_func=_address_key)
@limiter.limit(application_fin_limit, key_func=_fin_key)
def apply(body):
    data = dict(body)
    cohort_id = data.pop("cohort_id")
    if data.get("birth_date") is not None:
        data["birth_date"] = data["birth_date"].isoformat()
    result = applications.submit(data, cohort_id=cohort_id, language=str(get_locale() or "az"),
                                 ip=request.remote_addr, channel="api")
    return {"status": "submitted", "status_url": f"{base_url()}/applications/{result.token}"}


@operation(bp, "/applications", summary="List applications (center staff)", tags=["Applications"],
           query=ApplicationQuery, response=ApplicationOut, paginated=True,
           description="Applications to the cohorts of the token's centers (an administrator: all).")
def list_applications(query):
    page = applications.list_applications(api_actor(), cohort_id=query.get("cohort_id"),
                                          status=query.get("status"), sort=query.get("sort"),
                                          page=query.get("page", 1), per_page=query.get("limit", 25))
    return {"items": [application_json(a) for a in page.items], "page": page.page, "limit": page.per_page,
            "total": page.total, "next_page": page.page + 1 if page.page * page.per_page < page.total else None}


Decision = Schema("ApplicationDecision", {
    "ids": F.array(F.integer(minimum=1, maximum=2**31 - 1), required=True, min_items=1,
                   max_items=applications.MAX_BULK, description="The applications to decide."),
    "action": F.enum_of(("accept", "reject"), required=True),
    "reason": F.string(nullable=True, max_length=500, description="Required to reject; the applicant sees it."),
})
DecisionOut = Schema("ApplicationDecisionOutcome", {
    "application_id": F.integer(required=True),
    "ok": F.boolean(required=True),
    "status": F.enum_of(APPLICATION_STATUSES, required=True, nullable=True),
    "message": F.string(required=True, nullable=True, description="Why this one was not decided."),
})


@operation(bp, "/applications/decisions", "POST", summary="Accept or reject applications (center staff)",
           tags=["Applications"], body=Decision, response=DecisionOut, response_list=True, errors=(404, 422),
           description="Each application is decided on its own (cohort row locked, then the application): one "
                       "that cannot be decided is reported with the reason and changes nothing; the others go "
                       "through. Accepting applies the identity rule and the cohort's capacity (enrolled or "
                       "waitlisted).")
def decide_applications(body):
    outcomes = applications.decide_many(api_actor(), body["ids"], body["action"], body.get("reason"))
    return [{"application_id": o.application_id, "ok": o.ok, "status": o.status, "message": o.message}
            for o in outcomes]
