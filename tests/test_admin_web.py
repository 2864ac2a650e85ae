"""Administration pages: catalog and centers CRUD, users and center assignments; admin only."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from talent.accounts.models import User
from talent.catalog.models import Certification, Course, Sector
from talent.centers.models import Center
from talent.extensions import db
from tests.admin_helpers import audit_actions


@pytest.fixture
def admin_client(client, factory, login_as):
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    client.admin = admin
    return client


@pytest.mark.parametrize("path", ["/admin/", "/admin/centers/", "/admin/courses/new", "/admin/users/",
                                  "/admin/users/new", "/admin/sectors/", "/admin/skills/", "/admin/certifications/"])
def test_admin_pages_forbidden_for_other_roles(client, factory, login_as, path):
    center = factory.center()
    ca = factory.center_admin(center)
    db.session.commit()
    login_as(ca)
    assert client.get(path).status_code == 403
    assert client.get("/admin/").status_code == 403


def test_admin_pages_for_ministry_and_post_forbidden(client, factory, login_as):
    center = factory.center()
    ministry = factory.user("ministry")
    db.session.commit()
    login_as(ministry)
    assert client.post("/admin/centers/new", data={"code": "X"}).status_code == 403
    assert client.post(f"/admin/centers/{center.id}/active", data={"active": "0"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(Center, center.id).active is True


@pytest.mark.parametrize("path", ["/admin/", "/admin/centers/", "/admin/centers/new", "/admin/courses/",
                                  "/admin/courses/new", "/admin/certifications/new", "/admin/skills/new",
                                  "/admin/sectors/new", "/admin/users/", "/admin/users/new",
                                  "/admin/sectors/?q=%25&active=1&sort=-name_en&page=x"])
def test_admin_pages_render(admin_client, factory, path):
    factory.course()
    factory.center()
    db.session.commit()
    assert admin_client.get(path).status_code == 200
    assert admin_client.get("/admin/nonsense/").status_code == 404


def test_create_edit_deactivate_center(admin_client, factory):
    region = factory.region("GANJA_DASHKASAN")
    db.session.commit()
    data = {"code": "gnj", "name": "Gəncə Mərkəzi", "region_id": str(region.id), "city": "Gəncə",
            "address": "", "capacity": "80"}
    assert admin_client.post("/admin/centers/new", data=data).status_code == 302
    center = db.session.scalar(select(Center).where(Center.code == "GNJ"))
    assert center.capacity == 80
    html = admin_client.get("/admin/centers/?q=gən").get_data(as_text=True)
    assert "GNJ" in html or "Gəncə" in html
    assert admin_client.get(f"/admin/centers/{center.id}/edit").status_code == 200
    bad = admin_client.post(f"/admin/centers/{center.id}/edit", data=dict(data, capacity="-3"))
    assert bad.status_code == 422 and "invalid-feedback" in bad.get_data(as_text=True)
    assert admin_client.post(f"/admin/centers/{center.id}/edit", data=dict(data, capacity="90")).status_code == 302
    assert admin_client.post(f"/admin/centers/{center.id}/active", data={"active": "0"}).status_code == 302
    assert admin_client.post(f"/admin/centers/{center.id}/active", data={"active": "maybe"}).status_code == 400
    assert admin_client.post("/admin/centers/999999/active", data={"active": "0"}).status_code == 404
    db.session.expire_all()
    center = db.session.get(Center, center.id)
    assert (center.capacity, center.active) == (90, False)
    assert audit_actions(entity_type="center") == ["center.create", "center.update", "center.deactivate"]


def test_duplicate_code_rerenders(admin_client, factory):
    factory.center(code="DUP")
    db.session.commit()
    r = admin_client.post("/admin/sectors/new", data={"code": "ict", "name_az": "a", "name_en": "b", "name_ru": "c"})
    existing = db.session.scalar(select(func.count()).select_from(Sector).where(Sector.code == "ICT"))
    if existing:  # the seeded ICT sector: the code is taken
        assert r.status_code == 422
    before = db.session.scalar(select(func.count()).select_from(Center))
    r = admin_client.post("/admin/centers/new", data={"code": "dup", "name": "x", "region_id": str(factory.region().id),
                                                      "city": "x", "capacity": "5"})
    assert r.status_code == 422 and "already in use" in r.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Center)) == before


def test_create_certification_and_course(admin_client, factory):
    skill = factory.skill()
    db.session.commit()
    r = admin_client.post("/admin/certifications/new", data={
        "code": "NLP-AZ", "name_az": "Azərbaycan dili NLP", "name_en": "Azerbaijani NLP", "skill_id": str(skill.id),
        "level": "advanced", "pass_mark": "70", "min_attendance": "85", "validity_months": "24"})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    cert = db.session.scalar(select(Certification).where(Certification.code == "NLP-AZ"))
    r = admin_client.post("/admin/courses/new", data={
        "code": "NLP1", "title_az": "NLP", "title_en": "NLP", "level": "advanced", "hours": "120",
        "language": "az", "certification_id": str(cert.id), "sector_id": "", "skill_ids": [str(skill.id)]})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    course = db.session.scalar(select(Course).where(Course.code == "NLP1"))
    assert course.certification_id == cert.id and [s.id for s in course.skills] == [skill.id]
    assert admin_client.get(f"/admin/courses/{course.id}/edit").status_code == 200
    bad = admin_client.post(f"/admin/courses/{course.id}/edit", data={
        "code": "NLP1", "title_az": "NLP", "title_en": "NLP", "level": "advanced", "hours": "zero",
        "language": "az"})
    assert bad.status_code == 422


def test_users_create_assign_deactivate(admin_client, factory):
    c1, c2 = factory.center(), factory.center()
    db.session.commit()
    r = admin_client.post("/admin/users/new", data={"email": "New.Admin@Center.az", "full_name": "Nigar",
                                                    "role": "center_admin", "password": "",
                                                    "centers": [str(c1.id)]})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    user = db.session.scalar(select(User).where(User.email == "new.admin@center.az"))
    assert user.center_ids == {c1.id}
    none = admin_client.post("/admin/users/new", data={"email": "x@y.az", "full_name": "X", "role": "center_admin"})
    assert none.status_code == 422
    assert admin_client.get(f"/admin/users/{user.id}/centers").status_code == 200
    assert admin_client.post(f"/admin/users/{user.id}/centers",
                             data={"centers": [str(c1.id), str(c2.id)]}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).center_ids == {c1.id, c2.id}
    assert admin_client.post(f"/admin/users/{user.id}/centers", data={}).status_code == 422
    assert admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).active is False
    # an admin cannot deactivate themself
    assert admin_client.post(f"/admin/users/{admin_client.admin.id}/active", data={"active": "0"}).status_code == 409
    html = admin_client.get(f"/admin/users/?role=center_admin&center_id={c2.id}&sort=-created").get_data(as_text=True)
    assert "new.admin@center.az" in html
    actions = audit_actions(entity_type="user")
    assert {"user.create", "user.set_centers", "user.deactivate"} <= set(actions)
