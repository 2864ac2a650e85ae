"""Centers, courses and certifications: lists and details for every token (centers scoped to a
center administrator's own), created and changed by the administrator through the same services
as the administration pages."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from talent.api.core import api_actor, apply_sort, operation, paginate, sort_field
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.catalog import services as catalog
from talent.catalog.models import EDUCATION_ORDER, LEVELS, Certification, Course
from talent.centers import services as centers
from talent.centers.models import Center
from talent.geo.models import Region
from talent.loading import load
from talent.permissions import P, require, scope_centers

CODE = F.string(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")

# ---- centers -------------------------------------------------------------------------------

CenterOut = Schema("Center", {
    "id": F.integer(required=True),
    "code": F.string(required=True),
    "name": F.string(required=True),
    "region_id": F.integer(required=True),
    "region_code": F.string(required=True),
    "city": F.string(required=True),
    "address": F.string(required=True, nullable=True),
    "capacity": F.integer(required=True),
    "active": F.boolean(required=True),
})
CenterIn = Schema("CenterIn", {
    "code": CODE.but(required=True, max_length=32),
    "name": F.string(required=True, min_length=1, max_length=200),
    "region_id": F.integer(required=True, minimum=1, maximum=2**31 - 1),
    "city": F.string(required=True, min_length=1, max_length=120),
    "address": F.string(nullable=True, max_length=300),
    "capacity": F.integer(required=True, minimum=1, maximum=100000),
})
CenterUpdate = Schema("CenterUpdate", {**CenterIn.partial("_CenterPartial").fields,
                                       "active": F.boolean(description="Deactivate or reactivate.")})
CenterQuery = Schema("CenterQuery", {
    "region": F.string(max_length=32, description="Region code, e.g. BAKU."),
    "active": F.boolean(),
    "sort": sort_field(("code", "name", "capacity"), "code"),
}, register=False)


def center_json(c: Center) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "name": c.name, "region_id": c.region_id,
            "region_code": c.region.code, "city": c.city, "address": c.address, "capacity": c.capacity,
            "active": c.active}


@operation(bp, "/centers", summary="List centers", tags=["Centers"], query=CenterQuery, response=CenterOut,
           paginated=True, description="A center administrator sees their own centers.")
def list_centers(query):
    actor = api_actor()
    require(actor, P.CENTERS_READ)
    stmt = scope_centers(select(Center).join(Region, Region.id == Center.region_id), actor, Center.id)
    if query.get("region"):
        stmt = stmt.where(Region.code == query["region"].upper())
    if query.get("active") is not None:
        stmt = stmt.where(Center.active.is_(query["active"]))
    stmt = apply_sort(stmt, query.get("sort"), {"code": Center.code, "name": Center.name,
                                                "capacity": Center.capacity}, "code", Center.id)
    return paginate(stmt, center_json, query)


def _center(center_id: int) -> Center:
    return load(api_actor(), Center, center_id, P.CENTERS_READ, center=lambda c: c.id)


@operation(bp, "/centers/{center_id}", summary="One center", tags=["Centers"], response=CenterOut)
def get_center(center_id: int):
    return center_json(_center(center_id))


@operation(bp, "/centers", "POST", summary="Create a center (administrator)", tags=["Centers"],
           body=CenterIn, response=CenterOut, status=201, idempotent=True)
def create_center(body):
    return center_json(centers.create_center(api_actor(), **body))


@operation(bp, "/centers/{center_id}", "PATCH", summary="Change a center (administrator)", tags=["Centers"],
           body=CenterUpdate, response=CenterOut)
def update_center(center_id: int, body):
    return center_json(_update(api_actor(), centers.update_center, centers.set_center_active, center_id, body))


# ---- certifications ------------------------------------------------------------------------

CertificationOut = Schema("Certification", {
    "id": F.integer(required=True),
    "code": F.string(required=True),
    "name_az": F.string(required=True),
    "name_en": F.string(required=True),
    "description": F.string(required=True, nullable=True),
    "criteria": F.string(required=True, nullable=True),
    "skill_id": F.integer(required=True),
    "level": F.enum_of(LEVELS, required=True),
    "pass_mark": F.integer(required=True, minimum=0, maximum=100),
    "min_attendance": F.integer(required=True, minimum=0, maximum=100),
    "validity_months": F.integer(required=True, nullable=True),
    "active": F.boolean(required=True),
})
CertificationIn = Schema("CertificationIn", {
    "code": CODE.but(required=True),
    "name_az": F.string(required=True, min_length=1, max_length=200),
    "name_en": F.string(required=True, min_length=1, max_length=200),
    "description": F.string(nullable=True, max_length=2000),
    "criteria": F.string(nullable=True, max_length=2000),
    "skill_id": F.integer(required=True, minimum=1, maximum=2**31 - 1),
    "level": F.enum_of(LEVELS, required=True),
    "pass_mark": F.integer(required=True, minimum=0, maximum=100),
    "min_attendance": F.integer(required=True, minimum=0, maximum=100),
    "validity_months": F.integer(nullable=True, minimum=1, maximum=600),
})
CertificationUpdate = Schema("CertificationUpdate", {
    **CertificationIn.partial("_CertificationPartial").fields, "active": F.boolean()})
CatalogQuery = Schema("CatalogQuery", {
    "active": F.boolean(),
    "level": F.enum_of(LEVELS),
    "sort": sort_field(("code",), "code"),
}, register=False)


def certification_json(c: Certification) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "name_az": c.name_az, "name_en": c.name_en,
            "description": c.description, "criteria": c.criteria, "skill_id": c.skill_id, "level": c.level,
            "pass_mark": c.pass_mark, "min_attendance": c.min_attendance,
            "validity_months": c.validity_months, "active": c.active}


@operation(bp, "/certifications", summary="List certifications", tags=["Catalog"], query=CatalogQuery,
           response=CertificationOut, paginated=True)
def list_certifications(query):
    api_actor()
    stmt = select(Certification)
    if query.get("active") is not None:
        stmt = stmt.where(Certification.active.is_(query["active"]))
    if query.get("level"):
        stmt = stmt.where(Certification.level == query["level"])
    stmt = apply_sort(stmt, query.get("sort"), {"code": Certification.code}, "code", Certification.id)
    return paginate(stmt, certification_json, query)


def _get(model, obj_id: int):
    """A catalog entry: any token's user may read the catalog (no permission of its own)."""
    return load(api_actor(), model, obj_id, None)


@operation(bp, "/certifications/{certification_id}", summary="One certification", tags=["Catalog"],
           response=CertificationOut)
def get_certification(certification_id: int):
    return certification_json(_get(Certification, certification_id))


@operation(bp, "/certifications", "POST", summary="Create a certification (administrator)", tags=["Catalog"],
           body=CertificationIn, response=CertificationOut, status=201, idempotent=True)
def create_certification(body):
    return certification_json(catalog.create_certification(api_actor(), **body))


@operation(bp, "/certifications/{certification_id}", "PATCH", summary="Change a certification (administrator)",
           tags=["Catalog"], body=CertificationUpdate, response=CertificationOut)
def update_certification(certification_id: int, body):
    return certification_json(_update(api_actor(), catalog.update_certification, catalog.set_certification_active, certification_id, body))


# ---- courses -------------------------------------------------------------------------------

CourseOut = Schema("Course", {
    "id": F.integer(required=True),
    "code": F.string(required=True),
    "title_az": F.string(required=True),
    "title_en": F.string(required=True),
    "description_az": F.string(required=True, nullable=True),
    "description_en": F.string(required=True, nullable=True),
    "description_ru": F.string(required=True, nullable=True),
    "level": F.enum_of(LEVELS, required=True),
    "hours": F.integer(required=True),
    "language": F.enum_of(("az", "en", "ru"), required=True),
    "certification_id": F.integer(required=True, nullable=True),
    "sector_id": F.integer(required=True, nullable=True),
    "skill_ids": F.array(F.integer(), required=True),
    "active": F.boolean(required=True),
    # Who may apply online (issue 19, talent.applications.eligibility); null: no rule.
    "min_education_level": F.enum_of(EDUCATION_ORDER, required=True, nullable=True),
    "min_age": F.integer(required=True, nullable=True),
    "max_age": F.integer(required=True, nullable=True),
    "required_certification_id": F.integer(required=True, nullable=True),
})
CourseIn = Schema("CourseIn", {
    "code": CODE.but(required=True),
    "title_az": F.string(required=True, min_length=1, max_length=200),
    "title_en": F.string(required=True, min_length=1, max_length=200),
    "description_az": F.string(nullable=True, max_length=2000),
    "description_en": F.string(nullable=True, max_length=2000),
    "description_ru": F.string(nullable=True, max_length=2000),
    "level": F.enum_of(LEVELS, required=True),
    "hours": F.integer(required=True, minimum=1, maximum=10000),
    "language": F.enum_of(("az", "en", "ru"), required=True),
    "certification_id": F.integer(nullable=True, minimum=1, maximum=2**31 - 1),
    "sector_id": F.integer(nullable=True, minimum=1, maximum=2**31 - 1),
    "skill_ids": F.array(F.integer(minimum=1, maximum=2**31 - 1), max_items=50),
    # Who may apply online (issue 19): all optional, null for no rule; checked when a person applies
    # (education, age on the cohort's start date) and when the center accepts (the certification).
    "min_education_level": F.enum_of(EDUCATION_ORDER, nullable=True,
                                     description="The lowest education level an applicant must have."),
    "min_age": F.integer(nullable=True, minimum=14, maximum=80,
                         description="The lowest age on the cohort's start date (14-80)."),
    "max_age": F.integer(nullable=True, minimum=14, maximum=80,
                         description="The highest age on the cohort's start date (14-80, not below min_age)."),
    "required_certification_id": F.integer(nullable=True, minimum=1, maximum=2**31 - 1,
                                           description="A certification the applicant must hold (valid) when the "
                                                       "center accepts."),
})
CourseUpdate = Schema("CourseUpdate", {**CourseIn.partial("_CoursePartial").fields, "active": F.boolean()})


def course_json(c: Course) -> dict[str, Any]:
    return {"id": c.id, "code": c.code, "title_az": c.title_az, "title_en": c.title_en,
            "description_az": c.description_az, "description_en": c.description_en,
            "description_ru": c.description_ru, "level": c.level,
            "hours": c.hours, "language": c.language, "certification_id": c.certification_id,
            "sector_id": c.sector_id, "skill_ids": [s.id for s in c.skills], "active": c.active,
            "min_education_level": c.min_education_level, "min_age": c.min_age, "max_age": c.max_age,
            "required_certification_id": c.required_certification_id}


@operation(bp, "/courses", summary="List courses", tags=["Catalog"], query=CatalogQuery, response=CourseOut,
           paginated=True)
def list_courses(query):
    api_actor()
    stmt = select(Course).options(selectinload(Course.skills))
    if query.get("active") is not None:
        stmt = stmt.where(Course.active.is_(query["active"]))
    if query.get("level"):
        stmt = stmt.where(Course.level == query["level"])
    stmt = apply_sort(stmt, query.get("sort"), {"code": Course.code}, "code", Course.id)
    return paginate(stmt, course_json, query)


@operation(bp, "/courses/{course_id}", summary="One course", tags=["Catalog"], response=CourseOut)
def get_course(course_id: int):
    return course_json(_get(Course, course_id))


@operation(bp, "/courses", "POST", summary="Create a course (administrator)", tags=["Catalog"],
           body=CourseIn, response=CourseOut, status=201, idempotent=True)
def create_course(body):
    return course_json(catalog.create_course(api_actor(), **body))


@operation(bp, "/courses/{course_id}", "PATCH", summary="Change a course (administrator)", tags=["Catalog"],
           body=CourseUpdate, response=CourseOut)
def update_course(course_id: int, body):
    return course_json(_update(api_actor(), catalog.update_course, catalog.set_course_active, course_id, body))


def _update(actor, update, set_active, obj_id: int, body: dict):
    """PATCH of a catalog row: the fields through ``update``, ``active`` through ``set_active``
    (the services keep activation a separate, separately audited action)."""
    active = body.pop("active", None)
    obj = update(actor, obj_id, **body) if body or active is None else None
    if active is not None:
        obj = set_active(actor, obj_id, active)
    return obj
