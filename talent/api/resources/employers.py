"""Employers (issue 20): an employer's token confirms or declines the jobs that name its employer
and posts vacancies; a center's token posts vacancies for an employer named in its jobs; the list
of open vacancies is public (no token, no personal data)."""
from __future__ import annotations

from typing import Any



from talent.api.blueprint import bp
from talent.api.core import api_actor, operation, paginate
from talent.api.schema import F, Schema
from talent.placement.models import EmployerConfirmation, Vacancy, VacancyStatus
from talent.placement.services import employer as employers
from talent.placement.services import vacancies
from talent.placement import vacancy_queries

ID = F.integer(minimum=1, maximum=2**31 - 1)

# ---- the employer's jobs ---------------------------------------------------------------------

EmployerJobOut = Schema("EmployerJob", {
    "id": F.integer(required=True),
    "trainee_name": F.string(required=True, description="The only personal data an employer gets."),
    "job_title": F.string(required=True),
    "start_date": F.date(required=True),
    "end_date": F.date(required=True, nullable=True),
    "monthly_pay_azn": F.number(required=True, nullable=True),
    "confirmation": F.enum_of(tuple(EmployerConfirmation), required=True),
    "confirmed_at": F.datetime(required=True, nullable=True),
    "decline_reason": F.string(required=True, nullable=True),
}, description="A job as the employer it names sees it.")
EmployerJobQuery = Schema("EmployerJobQuery", {
    "confirmation": F.enum_of(tuple(EmployerConfirmation)),
}, register=False)
DeclineIn = Schema("PlacementDecline", {
    "reason": F.string(required=True, min_length=1, max_length=employers.DECLINE_REASON_MAX,
                       description="Required; the training center sees it."),
})


def job_json(job: employers.EmployerJob) -> dict[str, Any]:
    return {"id": job.id, "trainee_name": job.trainee_name, "job_title": job.job_title,
            "start_date": job.start_date, "end_date": job.end_date, "monthly_pay_azn": job.monthly_pay_azn,
            "confirmation": job.confirmation, "confirmed_at": job.confirmed_at,
            "decline_reason": job.decline_reason}


@operation(bp, "/employer/placements", summary="Jobs that name the token's employer (employer)",
           tags=["Employers"], query=EmployerJobQuery, response=EmployerJobOut, paginated=True,
           description="Waiting ones first, then the newest; paged (``page``, ``limit``). Each trainee on the "
                       "page can see the employer looked.")
def employer_placements(query):
    result = employers.employer_jobs_page(api_actor(), confirmation=query.get("confirmation"), page=query["page"],
                                          per_page=query["limit"])
    return {"items": [job_json(j) for j in result.items], "page": result.page, "limit": result.per_page,
            "total": result.total,
            "next_page": result.page + 1 if result.page * result.per_page < result.total else None}


@operation(bp, "/placements/{placement_id}/confirm", "POST", summary="The employer confirms a job (employer)",
           tags=["Employers"], response=EmployerJobOut, errors=[409],
           description="Only a user of the employer the job names; any other job is a 404.")
def confirm_placement(placement_id: int):
    actor = api_actor()
    placement = employers.confirm_job(actor, placement_id)
    return job_json(employers.employer_job(actor, placement.id))


@operation(bp, "/placements/{placement_id}/decline", "POST", summary="The employer declines a job (employer)",
           tags=["Employers"], body=DeclineIn, response=EmployerJobOut, errors=[409])
def decline_placement(placement_id: int, body):
    actor = api_actor()
    placement = employers.decline_job(actor, placement_id, body["reason"])
    return job_json(employers.employer_job(actor, placement.id))


# ---- vacancies -------------------------------------------------------------------------------

VacancyOut = Schema("Vacancy", {
    "id": F.integer(required=True),
    "title": F.string(required=True),
    "employer_id": F.integer(required=True),
    "employer_name": F.string(required=True),
    "occupation_code": F.string(required=True, description="ISCO-08."),
    "occupation_name": F.string(required=True),
    "skills": F.array(F.string(), required=True, description="Skill codes."),
    "country_code": F.string(required=True),
    "region_code": F.string(required=True, nullable=True),
    "openings": F.integer(required=True, minimum=1),
    "pay_min_azn": F.number(required=True, nullable=True),
    "pay_max_azn": F.number(required=True, nullable=True),
    "closes_on": F.date(required=True),
    "status": F.enum_of(tuple(VacancyStatus), required=True),
    "created_at": F.datetime(required=True),
}, description="A vacancy; it names no person.")
VacancyIn = Schema("VacancyIn", {
    "employer_id": ID.but(description="A center or administrator: the employer posted for (one named in "
                                      "the center's jobs). An employer's token posts for its own."),
    "center_id": ID.but(description="A center posting on an employer's behalf: which of the token's centers."),
    "title": F.string(required=True, min_length=1, max_length=200),
    "occupation_code": F.string(required=True, min_length=1, max_length=4, description="ISCO-08, e.g. 2521."),
    "skill_codes": F.array(F.string(min_length=1, max_length=40), max_items=vacancies.MAX_SKILLS,
                           description="Codes of the skill taxonomy."),
    "country_code": F.string(min_length=2, max_length=2, description="ISO 3166-1 alpha-2; default AZ."),
    "region_id": ID.but(nullable=True, description="An economic region (work in Azerbaijan only)."),
    "openings": F.integer(required=True, minimum=1, maximum=vacancies.MAX_OPENINGS),
    "pay_min_azn": F.number(nullable=True, minimum=0, maximum=1_000_000),
    "pay_max_azn": F.number(nullable=True, minimum=0, maximum=1_000_000),
    "closes_on": F.date(required=True, description="Today or later, within a year."),
})
VacancyQuery = Schema("VacancyQuery", {
    "q": F.string(max_length=100, description="Words of the title or the employer's name."),
    "occupation": F.string(max_length=4, pattern=r"^[0-9]{1,4}$", description="ISCO-08 code or its first digits."),
    "skill": F.string(max_length=40, description="A skill code."),
    "region": F.string(max_length=32, description="A region code, e.g. BAKU."),
    "country": F.string(min_length=2, max_length=2, description="ISO 3166-1 alpha-2."),
    "pay_from": F.integer(minimum=0, maximum=1_000_000, description="The highest pay reaches at least this (AZN)."),
    "sort": F.enum_of(vacancy_queries.SORTS, default="closes_on"),
}, register=False)


def vacancy_json(v: Vacancy) -> dict[str, Any]:
    return {"id": v.id, "title": v.title, "employer_id": v.employer_id, "employer_name": v.employer.name,
            "occupation_code": v.occupation_code, "occupation_name": v.occupation.name,
            "skills": [s.code for s in v.skills], "country_code": v.country_code,
            "region_code": v.region.code if v.region else None, "openings": v.openings,
            "pay_min_azn": v.pay_min_azn, "pay_max_azn": v.pay_max_azn, "closes_on": v.closes_on,
            "status": v.status, "created_at": v.created_at}


@operation(bp, "/vacancies", summary="Open vacancies (public)", tags=["Employers"], query=VacancyQuery,
           response=VacancyOut, paginated=True, public=True,
           description="No token. Open vacancies whose closing date has not passed; no personal data.")
def list_vacancies(query):
    return paginate(vacancy_queries.public_vacancies(query), vacancy_json, query)


@operation(bp, "/vacancies", "POST", summary="Post a vacancy (employer, center, administrator)",
           tags=["Employers"], body=VacancyIn, response=VacancyOut, status=201, idempotent=True)
def create_vacancy(body):
    return vacancy_json(vacancies.post_vacancy(api_actor(), **body))


@operation(bp, "/vacancies/{vacancy_id}/close", "POST", summary="Close a vacancy", tags=["Employers"],
           response=VacancyOut, errors=[409])
def close_vacancy(vacancy_id: int):
    return vacancy_json(vacancies.close_vacancy(api_actor(), vacancy_id))



