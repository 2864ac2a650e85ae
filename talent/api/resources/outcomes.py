"""Awards (issue for a cohort, list, detail, revoke; verification is the public
/verify/{code}) and placements (record, update, end, verify or reject, list) through the
credentials and placement services."""
from __future__ import annotations

from typing import Any

from flask import current_app

from talent.api.core import api_actor, operation, paginate
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.credentials import queries as award_queries
from talent.credentials import services as awards
from talent.credentials.models import Award
from talent.learning import services as learning
from talent.permissions import P
from talent.placement import queries as placement_queries
from talent.placement import services as placements
from talent.placement.models import (EMPLOYMENT_TYPES, MARKETS, SOURCES, VERIFICATION_STATES, EmployerConfirmation,
                                     Placement)
from talent import clock

ID = F.integer(minimum=1, maximum=2**31 - 1)

AwardOut = Schema("Award", {
    "id": F.integer(required=True),
    "serial": F.string(required=True, example="AZAI-2025-000123"),
    "verification_code": F.string(required=True),
    "verify_url": F.string(required=True, description="The public verification page."),
    "status": F.enum_of(("valid", "expired", "revoked"), required=True),
    "trainee_id": F.integer(required=True),
    "enrollment_id": F.integer(required=True),
    "certification_id": F.integer(required=True),
    "certification_code": F.string(required=True),
    "center_id": F.integer(required=True),
    "issued_on": F.date(required=True),
    "expires_on": F.date(required=True, nullable=True),
    "revoked_at": F.datetime(required=True, nullable=True),
    "revoked_reason": F.string(required=True, nullable=True),
    "renewal_of_id": F.integer(required=True, nullable=True),
})
AwardQuery = Schema("AwardQuery", {
    "status": F.enum_of(("valid", "expired", "revoked")),
    "expiring_within": F.integer(minimum=1, maximum=3650, description="Valid awards expiring within N days."),
}, register=False)
RevokeIn = Schema("RevokeIn", {"reason": F.string(required=True, min_length=1, max_length=500)})


def award_json(a: Award) -> dict[str, Any]:
    return {"id": a.id, "serial": a.serial, "verification_code": a.verification_code,
            "verify_url": f"{current_app.config['PUBLIC_BASE_URL']}/verify/{a.verification_code}",
            "status": a.status_on(clock.today()), "trainee_id": a.trainee_id, "enrollment_id": a.enrollment_id,
            "certification_id": a.certification_id, "certification_code": a.certification.code,
            "center_id": a.center_id, "issued_on": a.issued_on, "expires_on": a.expires_on,
            "revoked_at": a.revoked_at, "revoked_reason": a.revoked_reason, "renewal_of_id": a.renewal_of_id}


@operation(bp, "/awards", summary="List awards of the token's centers", tags=["Awards"], query=AwardQuery,
           response=AwardOut, paginated=True)
def list_awards(query):
    stmt = award_queries.center_awards(api_actor(), expiring_within=query.get("expiring_within"),
                                       status=query.get("status"))
    return paginate(stmt, award_json, query)


@operation(bp, "/me/awards", summary="The token holder's own awards (trainee)", tags=["Awards"],
           response=AwardOut, response_list=True)
def own_awards():
    return [award_json(a) for a in award_queries.own_awards(api_actor())]


@operation(bp, "/awards/{award_id}", summary="One award", tags=["Awards"], response=AwardOut)
def get_award(award_id: int):
    return award_json(awards.get_award(api_actor(), award_id))


@operation(bp, "/cohorts/{cohort_id}/awards", "POST", summary="Issue the awards a completed cohort earned",
           tags=["Awards"], response=AwardOut, response_list=True, errors=[409],
           description="Idempotent: one award per qualifying enrollment; awards already issued are returned.")
def issue_cohort_awards(cohort_id: int):
    actor = api_actor()
    cohort = learning.get_cohort(actor, cohort_id, P.AWARDS_ISSUE)
    return [award_json(a) for a in awards.issue_for_cohort(actor, cohort)]


@operation(bp, "/awards/{award_id}/revoke", "POST", summary="Revoke an award", tags=["Awards"], body=RevokeIn,
           response=AwardOut, errors=[409], description="The award stays visible as revoked.")
def revoke_award(award_id: int, body):
    actor = api_actor()
    return award_json(awards.revoke_award(actor, awards.get_award(actor, award_id), body["reason"]))


# ---- placements ----------------------------------------------------------------------------

PlacementOut = Schema("Placement", {
    "id": F.integer(required=True),
    "trainee_id": F.integer(required=True),
    "employer_id": F.integer(required=True),
    "employer_name": F.string(required=True),
    "country_code": F.string(required=True),
    "market": F.enum_of(MARKETS, required=True, nullable=True),
    "sector_id": F.integer(required=True, nullable=True),
    "occupation_code": F.string(required=True, nullable=True),
    "job_title": F.string(required=True),
    "employment_type": F.enum_of(EMPLOYMENT_TYPES, required=True),
    "remote": F.boolean(required=True),
    "start_date": F.date(required=True),
    "end_date": F.date(required=True, nullable=True),
    "monthly_pay_azn": F.number(required=True, nullable=True),
    "source": F.enum_of(SOURCES, required=True),
    "verification": F.enum_of(VERIFICATION_STATES, required=True),
    "rejection_reason": F.string(required=True, nullable=True,
                                 description="Why the center did not confirm the job (shown to the trainee)."),
    "center_id": F.integer(required=True, nullable=True),
    "created_at": F.datetime(required=True),
    "employer_confirmation": F.enum_of(tuple(EmployerConfirmation), required=True,
                                       description="The employer's word on the job (issue 20)."),
    "employer_confirmed_at": F.datetime(required=True, nullable=True,
                                        description="When the employer confirmed or declined it."),
    "employer_decline_reason": F.string(required=True, nullable=True),
    "vacancy_id": F.integer(required=True, nullable=True,
                            description="The vacancy posted here that the job filled (one of the employer's)."),
})
_JOB = {
    "employer_name": F.string(min_length=1, max_length=200),
    "employer_city": F.string(nullable=True, max_length=120),
    "country_code": F.string(min_length=2, max_length=2, description="ISO 3166-1 alpha-2."),
    "sector_id": ID.but(nullable=True),
    "occupation_code": F.string(nullable=True, max_length=4, description="ISCO-08."),
    "job_title": F.string(min_length=1, max_length=200),
    "employment_type": F.enum_of(EMPLOYMENT_TYPES),
    "remote": F.boolean(),
    "start_date": F.date(),
    "end_date": F.date(nullable=True),
    "monthly_pay_azn": F.number(nullable=True, minimum=0, maximum=1_000_000),
}
_VACANCY = ID.but(nullable=True, description="The vacancy posted here that the job filled: one of the "
                                             "employer's vacancies (GET /vacancies); null for none.")
PlacementIn = Schema("PlacementIn", {
    "trainee_id": ID.but(required=True),
    **{k: (v.but(required=True) if k in placements.REQUIRED else v) for k, v in _JOB.items()},
    "vacancy_id": _VACANCY,
})
PlacementUpdate = Schema("PlacementUpdate", {**_JOB, "vacancy_id": _VACANCY})
EndIn = Schema("PlacementEnd", {"end_date": F.date(required=True)})
RejectIn = Schema("PlacementReject", {"reason": F.string(required=True, min_length=1, max_length=500,
                                                         description="Required; the trainee sees it.")})
PlacementQuery = Schema("PlacementQuery", {
    "verification": F.enum_of(VERIFICATION_STATES),
    "source": F.enum_of(SOURCES),
    "market": F.enum_of(MARKETS),
    "sort": F.enum_of(tuple(placement_queries.PLACEMENT_SORTS), default="-start",
                      description="start, name or employer; '-' for descending."),
}, register=False)


def placement_json(p: Placement, market: str | None = None) -> dict[str, Any]:
    return {"id": p.id, "trainee_id": p.trainee_id, "employer_id": p.employer_id,
            "employer_name": p.employer.name, "country_code": p.employer.country_code,
            "market": market if market is not None else placements.placement_market(p),
            "sector_id": p.sector_id, "occupation_code": p.occupation_code, "job_title": p.job_title,
            "employment_type": p.employment_type, "remote": p.remote, "start_date": p.start_date,
            "end_date": p.end_date, "monthly_pay_azn": p.monthly_pay_azn, "source": p.source,
            "verification": p.verification, "rejection_reason": p.rejection_reason, "center_id": p.center_id,
            "created_at": p.created_at, "employer_confirmation": p.employer_confirmation,
            "employer_confirmed_at": p.employer_confirmed_at, "employer_decline_reason": p.employer_decline_reason,
            "vacancy_id": p.vacancy_id}


@operation(bp, "/placements", summary="List jobs of the token's trainees", tags=["Placements"],
           query=PlacementQuery, response=PlacementOut, paginated=True,
           description="Personal data: the view is audited per trainee.")
def list_placements(query):
    actor = api_actor()
    filters = placement_queries.PlacementFilters(verification=query.get("verification"),
                                                 source=query.get("source"), market=query.get("market"),
                                                 sort=query.get("sort", "-start"))
    result = placement_queries.placements_page(actor, filters, page=query["page"], per_page=query["limit"])
    placements.audit_personal_view(actor, "placement.list_view", [row[0].trainee_id for row in result.items],
                                   details={"channel": "api"})
    total = result.total
    return {"items": [placement_json(row[0], row[-1]) for row in result.items], "page": query["page"],
            "limit": query["limit"], "total": total,
            "next_page": query["page"] + 1 if query["page"] * query["limit"] < total else None}


@operation(bp, "/placements/{placement_id}", summary="One job", tags=["Placements"], response=PlacementOut)
def get_placement(placement_id: int):
    actor = api_actor()
    placement = placements.get_placement(actor, placement_id)
    placements.audit_personal_view(actor, "placement.view", [placement.trainee_id])
    return placement_json(placement)


@operation(bp, "/placements", "POST", summary="Record a job a center found (verified at once)",
           tags=["Placements"], body=PlacementIn, response=PlacementOut, status=201, idempotent=True)
def create_placement(body):
    trainee_id = body.pop("trainee_id")
    return placement_json(placements.record_placement(api_actor(), trainee_id, **body))


@operation(bp, "/placements/{placement_id}", "PATCH", summary="Change a job", tags=["Placements"],
           body=PlacementUpdate, response=PlacementOut)
def update_placement(placement_id: int, body):
    return placement_json(placements.update_placement(api_actor(), placement_id, **body))


@operation(bp, "/placements/{placement_id}/end", "POST", summary="End a job", tags=["Placements"],
           body=EndIn, response=PlacementOut, errors=[409])
def end_placement(placement_id: int, body):
    return placement_json(placements.end_placement(api_actor(), placement_id, body["end_date"]))


@operation(bp, "/placements/{placement_id}/verify", "POST", summary="Verify a self-reported job",
           tags=["Placements"], response=PlacementOut, errors=[409])
def verify_placement(placement_id: int):
    return placement_json(placements.verify_placement(api_actor(), placement_id))


@operation(bp, "/placements/{placement_id}/reject", "POST", summary="Reject a self-reported job",
           tags=["Placements"], body=RejectIn, response=PlacementOut, errors=[409])
def reject_placement(placement_id: int, body):
    return placement_json(placements.reject_placement(api_actor(), placement_id, body["reason"]))
