"""The public course catalog (issue 19, DESIGN §6): ``GET /api/v1/catalog/cohorts`` and
``GET /api/v1/catalog/cohorts/{cohort_id}``, without a token. The same cohorts, filters and seats
as the page ``/catalog`` (both read ``talent.readmodels.catalog``), never a person.

Cacheable: every answer carries a strong ``ETag`` (a digest of its body) and
``Cache-Control: public, max-age=…``; a request whose ``If-None-Match`` names the current tag gets
``304 Not Modified`` without a body. Seats change as people enroll, so the cache time is short.
"""
from __future__ import annotations

import hashlib
from typing import Any

from flask import current_app, request
from flask_babel import lazy_gettext as _l

from talent.api.blueprint import bp
from talent.api.core import json_response, operation
from talent.api.schema import F, Schema
from talent.catalog.models import LEVELS
from talent.errors import NotFound, ValidationError
from talent.i18n import LANGUAGES
from talent.learning.models import COHORT_MODES
from talent.readmodels.catalog import CatalogCohort, CatalogFilters, catalog_cohort, catalog_page

CatalogSkill = Schema("CatalogSkill", {
    "code": F.string(required=True),
    "name_az": F.string(required=True),
    "name_en": F.string(required=True),
    "name_ru": F.string(required=True),
    "esco_uri": F.string(required=True, nullable=True, description="The ESCO skill this skill maps to."),
})
_COHORT_FIELDS = {
    "id": F.integer(required=True),
    "code": F.string(required=True),
    "status": F.enum_of(("planned", "open"), required=True),
    "start_date": F.date(required=True),
    "end_date": F.date(required=True),
    "mode": F.enum_of(COHORT_MODES, required=True),
    "capacity": F.integer(required=True, minimum=1),
    "free_seats": F.integer(required=True, minimum=0,
                            description="Capacity minus the enrolled trainees; 0 means new applicants join "
                                        "the waiting list."),
    "waiting_list": F.boolean(required=True, description="True when no seat is free."),
    "course": F.object(Schema("CatalogCourse", {
        "code": F.string(required=True),
        "title_az": F.string(required=True),
        "title_en": F.string(required=True),
        "title_ru": F.string(required=True, nullable=True),
        "level": F.enum_of(LEVELS, required=True),
        "hours": F.integer(required=True),
        "language": F.enum_of(LANGUAGES, required=True, description="Language of teaching."),
    }), required=True),
    "center": F.object(Schema("CatalogCenter", {
        "code": F.string(required=True),
        "name": F.string(required=True),
        "city": F.string(required=True),
        "address": F.string(required=True, nullable=True),
    }), required=True),
    "region": F.object(Schema("CatalogRegion", {
        "code": F.string(required=True),
        "name_az": F.string(required=True),
        "name_en": F.string(required=True),
        "name_ru": F.string(required=True),
    }), required=True),
    "skills": F.array(CatalogSkill, required=True),
}
CatalogCohortOut = Schema("CatalogCohort", _COHORT_FIELDS,
                          description="A cohort open for applications, as the public catalog shows it.")
CatalogCohortDetailOut = Schema("CatalogCohortDetail", {
    **_COHORT_FIELDS,
    "description_az": F.string(required=True, nullable=True),
    "description_en": F.string(required=True, nullable=True),
    "description_ru": F.string(required=True, nullable=True),
    "certification": F.object(Schema("CatalogCertification", {
        "code": F.string(required=True),
        "name_az": F.string(required=True),
        "name_en": F.string(required=True),
        "name_ru": F.string(required=True, nullable=True),
        "pass_mark": F.integer(required=True, minimum=0, maximum=100),
        "min_attendance": F.integer(required=True, minimum=0, maximum=100),
        "validity_months": F.integer(required=True, nullable=True),
    }), required=True, nullable=True),
    "sessions": F.array(Schema("CatalogSession", {
        "starts_at": F.datetime(required=True),
        "ends_at": F.datetime(required=True),
        "topic": F.string(required=True, nullable=True),
    }), required=True),
}, description="One catalog cohort with its course description, certification rules and schedule.")
CatalogCohortQuery = Schema("CatalogCohortQuery", {
    "region": F.string(max_length=32, description="Region code, e.g. BAKU (an unknown code matches nothing)."),
    "city": F.string(max_length=120, description="City of the center, any case."),
    "skill": F.string(max_length=40, description="Skill code, e.g. MACHINE_LEARNING."),
    "level": F.enum_of(LEVELS),
    "mode": F.enum_of(COHORT_MODES),
    "language": F.enum_of(LANGUAGES, description="Language of teaching."),
    "start_from": F.date(description="Cohorts starting on or after this date."),
    "start_to": F.date(description="Cohorts starting on or before this date."),
}, register=False)


def cache_seconds() -> int:
    return current_app.config.get("CATALOG_CACHE_SECONDS", 60)


def _cohort_json(c: CatalogCohort) -> dict[str, Any]:
    return {
        "id": c.id, "code": c.code, "status": str(c.status), "start_date": c.start_date, "end_date": c.end_date,
        "mode": c.mode, "capacity": c.capacity, "free_seats": c.free_seats, "waiting_list": c.waiting_list,
        "course": {"code": c.course_code, "title_az": c.course_title_az, "title_en": c.course_title_en,
                   "title_ru": c.course_title_ru, "level": c.level, "hours": c.hours, "language": c.language},
        "center": {"code": c.center_code, "name": c.center_name, "city": c.city, "address": c.address},
        "region": {"code": c.region_code, "name_az": c.region_name_az, "name_en": c.region_name_en,
                   "name_ru": c.region_name_ru},
        "skills": [{"code": s.code, "name_az": s.name_az, "name_en": s.name_en, "name_ru": s.name_ru,
                    "esco_uri": s.esco_uri} for s in c.skills],
    }


def _cacheable(data: Any):
    """The JSON answer with its ETag and public cache time, or 304 when the client has it."""
    response = json_response(data)
    response.set_etag(hashlib.sha256(response.get_data()).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={cache_seconds()}"
    return response.make_conditional(request)


@operation(bp, "/catalog/cohorts", summary="Public catalog: cohorts open for applications", tags=["Public catalog"],
           public=True, query=CatalogCohortQuery, response=CatalogCohortOut, paginated=True,
           description="No token. Planned and open cohorts starting today or later, soonest first, with "
                       "their course, center, region, skills and free seats; never a person. Answers carry "
                       "an `ETag` and `Cache-Control: public`; send `If-None-Match` to get 304.")
def list_catalog_cohorts(query):
    start_from, start_to = query.get("start_from"), query.get("start_to")
    if start_from and start_to and start_from > start_to:
        raise ValidationError(_l("The request has invalid fields."),
                              fields={"start_to": str(_l("The end of the period is before its start."))})
    filters = CatalogFilters(
        region=(query.get("region") or "").strip().upper() or None,
        city=(query.get("city") or "").strip() or None,
        skill=(query.get("skill") or "").strip().upper() or None,
        level=query.get("level"), mode=query.get("mode"), language=query.get("language"),
        start_from=start_from, start_to=start_to)
    result = catalog_page(filters, page=query.get("page", 1), limit=query.get("limit", 50))
    return _cacheable({"items": [_cohort_json(c) for c in result.items], "page": result.page,
                       "limit": result.limit, "total": result.total, "next_page": result.next_page})


@operation(bp, "/catalog/cohorts/{cohort_id}", summary="Public catalog: one cohort", tags=["Public catalog"],
           public=True, response=CatalogCohortDetailOut,
           description="No token. A cohort of the catalog with its course description, certification rules "
                       "and schedule. Cancelled, running, completed and past cohorts are not found (404).")
def get_catalog_cohort(cohort_id: int):
    detail = catalog_cohort(cohort_id)
    if detail is None:
        raise NotFound(_l("Not found."))
    course, cert = detail.course, detail.certification
    data = _cohort_json(detail.cohort)
    data.update(
        description_az=course.description_az, description_en=course.description_en,
        description_ru=course.description_ru,
        certification=None if cert is None else {
            "code": cert.code, "name_az": cert.name_az, "name_en": cert.name_en, "name_ru": cert.name_ru,
            "pass_mark": cert.pass_mark, "min_attendance": cert.min_attendance,
            "validity_months": cert.validity_months},
        sessions=[{"starts_at": s.starts_at, "ends_at": s.ends_at, "topic": s.topic} for s in detail.sessions])
    return _cacheable(data)
