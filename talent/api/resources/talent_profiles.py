"""Opt-in talent profiles and shortlists (issue 20): an employer's token lists the graduates who
chose to be seen by employers (name, region, valid certifications with their verification links,
skills — nothing else), shortlists one for its own open vacancy and reads a vacancy's shortlist
with the graduates' answers (the email only of those who answered interested)."""
from __future__ import annotations

from typing import Any

from talent.api.blueprint import bp
from talent.api.core import api_actor, operation
from talent.api.schema import F, Schema
from talent.extensions import limiter
from talent.placement.profiles_models import ShortlistAnswer
from talent.placement.services import profiles

ID = F.integer(minimum=1, maximum=2**31 - 1)

ProfileCertificationOut = Schema("TalentProfileCertification", {
    "code": F.string(required=True),
    "name": F.string(required=True),
    "serial": F.string(required=True),
    "issued_on": F.date(required=True),
    "expires_on": F.date(required=True, nullable=True),
    "verify_url": F.string(required=True, description="The certificate's public verification page."),
}, description="A valid certificate of the graduate.")
ProfileSkillOut = Schema("TalentProfileSkill", {
    "code": F.string(required=True),
    "name": F.string(required=True),
})
TalentProfileOut = Schema("TalentProfile", {
    "trainee_id": F.integer(required=True, description="Use it to shortlist the graduate."),
    "name": F.string(required=True),
    "region_code": F.string(required=True),
    "region_name": F.string(required=True),
    "certifications": F.array(ProfileCertificationOut, required=True),
    "skills": F.array(ProfileSkillOut, required=True),
}, description="A graduate who chose to be seen by employers: these fields and nothing else "
               "(no FIN, birth date, gender, email or phone).")
TalentProfileQuery = Schema("TalentProfileQuery", {
    "skill": F.string(max_length=40, description="A skill code, e.g. MACHINE_LEARNING."),
    "region": F.string(max_length=32, description="A region code of the graduate's home, e.g. BAKU."),
    "certification": F.string(max_length=40, description="A certification code: a valid certificate of it."),
}, register=False)
ShortlistIn = Schema("ShortlistIn", {
    "trainee_id": ID.but(required=True, description="A graduate from GET /talent-profiles."),
})
ShortlistEntryOut = Schema("ShortlistEntry", {
    "id": F.integer(required=True),
    "vacancy_id": F.integer(required=True),
    "profile": F.object(TalentProfileOut, required=True),
    "shortlisted_at": F.datetime(required=True),
    "answer": F.enum_of(tuple(ShortlistAnswer), required=True),
    "answered_at": F.datetime(required=True, nullable=True),
    "email": F.string(required=True, nullable=True,
                      description="Only when the graduate answered interested (their consent)."),
}, description="A graduate on a vacancy's shortlist and their answer.")


def profile_json(p: profiles.TalentProfileView) -> dict[str, Any]:
    return {"trainee_id": p.trainee_id, "name": p.name, "region_code": p.region_code, "region_name": p.region_name,
            "certifications": [{"code": c.code, "name": c.name, "serial": c.serial, "issued_on": c.issued_on,
                                "expires_on": c.expires_on, "verify_url": c.verify_url} for c in p.certifications],
            "skills": [{"code": s.code, "name": s.name} for s in p.skills]}


def entry_json(row: profiles.ShortlistRow, vacancy_id: int) -> dict[str, Any]:
    return {"id": row.id, "vacancy_id": vacancy_id, "profile": profile_json(row.profile),
            "shortlisted_at": row.shortlisted_at, "answer": row.answer, "answered_at": row.answered_at,
            "email": row.email}


def _browse_key() -> str:
    return profiles.browse_key(api_actor())


@operation(bp, "/talent-profiles", summary="Graduates who chose to be seen by employers (employer)",
           tags=["Employers"], query=TalentProfileQuery, response=TalentProfileOut, paginated=True,
           description="Newest first. Each graduate listed can see that an employer looked. Pages count "
                       "towards `PROFILE_BROWSE_RATE_LIMIT` per employer organisation, web and API together "
                       "(default 120 per hour, 400 per day); past it the answer is 429 until the window passes.")
@limiter.shared_limit(profiles.browse_limit, "talent-browse", key_func=_browse_key,
                      error_message=profiles.browse_limited_message)
def list_talent_profiles(query):
    result = profiles.visible_profiles(api_actor(), skill=query.get("skill"), region=query.get("region"),
                                       certification=query.get("certification"), page=query.get("page", 1),
                                       per_page=min(query.get("limit", profiles.PER_PAGE), profiles.MAX_PER_PAGE))
    return {"items": [profile_json(p) for p in result.items], "page": result.page, "limit": result.per_page,
            "total": result.total, "next_page": result.next_page}


def _shortlist(vacancy_id: int) -> list[dict[str, Any]]:
    board = profiles.vacancy_shortlist(api_actor(), vacancy_id)
    return [entry_json(row, vacancy_id) for row in board.rows]


@operation(bp, "/vacancies/{vacancy_id}/shortlist", summary="A vacancy's shortlist (employer)", tags=["Employers"],
           response=ShortlistEntryOut, response_list=True,
           description="Only the employer's own vacancies (any other is a 404); graduates who hid their "
                       "profile since are left out.")
def vacancy_shortlist(vacancy_id: int):
    return _shortlist(vacancy_id)


@operation(bp, "/vacancies/{vacancy_id}/shortlist", "POST", summary="Shortlist a graduate (employer)",
           tags=["Employers"], body=ShortlistIn, response=ShortlistEntryOut, status=201, errors=[409],
           description="An open vacancy of the token's employer and a graduate visible to employers; the "
                       "graduate is told and answers. Twice is a 409.")
def shortlist_graduate(vacancy_id: int, body):
    actor = api_actor()
    entry = profiles.shortlist(actor, vacancy_id, body["trainee_id"])
    row = next(r for r in profiles.vacancy_shortlist(actor, vacancy_id).rows if r.id == entry.id)
    return entry_json(row, vacancy_id)
