"""Catalog and center services: create, edit, deactivate; validation; permissions; audit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from talent.catalog import services as cs
from talent.catalog.models import Certification, Course, Sector, Skill
from talent.centers import services as centers
from talent.centers.models import Center
from talent.errors import NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from tests.admin_helpers import actor, audit_actions, request_context


@pytest.fixture(autouse=True)
def _request(app):
    with request_context(app):
        yield


@pytest.fixture
def admin(factory):
    return actor(factory.user("admin"))


def test_create_update_deactivate_center(admin, factory):
    region = factory.region("GANJA_DASHKASAN")
    c = centers.create_center(admin, code=" gnj-1 ", name="Gəncə AI Mərkəzi", region_id=str(region.id),
                              city="Gəncə", capacity="120")
    assert (c.code, c.capacity, c.region_id, c.active) == ("GNJ-1", 120, region.id, True)
    centers.update_center(admin, c.id, capacity=150)
    assert c.capacity == 150 and c.name == "Gəncə AI Mərkəzi"
    centers.set_center_active(admin, c.id, False)
    assert c.active is False
    assert audit_actions(entity_type="center") == ["center.create", "center.update", "center.deactivate"]


def test_center_validation_writes_nothing(admin, factory):
    factory.center(code="DUP")
    before = db.session.scalar(select(func.count()).select_from(Center))
    with pytest.raises(ValidationError) as err:
        centers.create_center(admin, code="bad code!", name="", region_id="x", city="", capacity="0")
    assert set(err.value.fields) == {"code", "name", "region_id", "city", "capacity"}
    with pytest.raises(ValidationError) as err:
        centers.create_center(admin, code="dup", name="N", region_id=factory.region().id, city="B", capacity=5)
    assert "code" in err.value.fields
    assert db.session.scalar(select(func.count()).select_from(Center)) == before


def test_center_admin_cannot_manage_centers(factory):
    center = factory.center()
    ca = actor(factory.center_admin(center))
    with pytest.raises(PermissionDenied):
        centers.update_center(ca, center.id, capacity=5)
    with pytest.raises(PermissionDenied):
        cs.create_sector(ca, code="X", name_az="a", name_en="b", name_ru="c")


def test_sector_and_skill(admin):
    s = cs.create_sector(admin, code="space", name_az="Kosmos", name_en="Space", name_ru="Космос")
    assert s.code == "SPACE"
    with pytest.raises(ValidationError) as err:
        cs.create_skill(admin, code="LLM", name_az="a", name_en="b", name_ru="", esco_uri="javascript:alert(1)")
    assert set(err.value.fields) == {"name_ru", "esco_uri"}
    k = cs.create_skill(admin, code="LLM_OPS", name_az="a", name_en="b", name_ru="c",
                        esco_uri="http://data.europa.eu/esco/skill/x")
    cs.set_skill_active(admin, k.id, False)
    assert k.active is False
    with pytest.raises(NotFound):
        cs.update_sector(admin, 999999, name_en="x")


def test_certification_and_course(admin, factory):
    skill = factory.skill()
    cert = cs.create_certification(admin, code="MLF", name_az="ML əsasları", name_en="ML basics",
                                   skill_id=skill.id, level="foundation", pass_mark="70",
                                   min_attendance="80", validity_months="")
    assert (cert.pass_mark, cert.validity_months) == (70, None)
    with pytest.raises(ValidationError) as err:
        cs.update_certification(admin, cert.id, pass_mark="101", level="guru", min_attendance="abc")
    assert set(err.value.fields) == {"pass_mark", "level", "min_attendance"}
    assert cert.pass_mark == 70
    course = cs.create_course(admin, code="ML101", title_az="ML", title_en="ML", level="foundation",
                              hours=40, language="az", certification_id=cert.id, sector_id="",
                              skill_ids=[skill.id])
    assert [s.id for s in course.skills] == [skill.id]
    cs.update_course(admin, course.id, hours="60", skill_ids=[])
    assert course.hours == 60 and course.skills == []
    with pytest.raises(ValidationError) as err:
        cs.update_course(admin, course.id, skill_ids=[999999], language="de")
    assert set(err.value.fields) == {"skill_ids", "language"}
    cs.set_course_active(admin, course.id, False)
    cs.set_certification_active(admin, cert.id, False)
    assert not course.active and not cert.active
    # A course keeps its (now inactive) certification on an unrelated edit...
    cs.update_course(admin, course.id, hours=61)
    # ...but a new course cannot pick an inactive certification.
    with pytest.raises(ValidationError) as err:
        cs.create_course(admin, code="ML102", title_az="x", title_en="x", level="foundation", hours=1,
                         language="en", certification_id=cert.id)
    assert "certification_id" in err.value.fields
    assert "course.deactivate" in audit_actions(entity_type="course")
