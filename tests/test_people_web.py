"""Trainee pages: search (POST, folded names), register (+ enroll), detail (audited), edit."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.learning.models import Enrollment
from talent.people.models import Trainee


@pytest.fixture
def world(factory):
    mine, other = factory.center(code="MINE"), factory.center(code="OTHER")
    admin = factory.center_admin(mine)
    stranger = factory.center_admin(other)
    t = factory.trainee(first_name="Rəşad", last_name="İsmayılov", patronymic=None, registered_by_center_id=mine.id)
    db.session.commit()
    return {"mine": mine, "other": other, "admin": admin, "stranger": stranger, "trainee": t}


def form(**kw):
    data = {"fin": "7XYZ123", "last_name": "Əliyeva", "first_name": "Günay", "patronymic": "", "birth_date": "2000-02-03",
            "gender": "F", "email": "gunay@example.az", "phone": "055 111 22 33", "home_region_id": "1",
            "education_level": "master"}
    data.update(kw)
    return data


def test_search_page_get_and_post(client, login_as, world):
    login_as(world["admin"])
    assert client.get("/center/trainees").status_code == 200
    page = client.post("/center/trainees", data={"q": "ismayilov"}, follow_redirects=True).get_data(as_text=True)
    assert "İsmayılov Rəşad" in page
    page = client.post("/center/trainees", data={"q": world["trainee"].fin}, follow_redirects=True).get_data(as_text=True)
    assert "İsmayılov Rəşad" in page
    assert client.post("/center/trainees", data={"q": ""}, follow_redirects=True).status_code == 422


def test_search_does_not_cross_centers(client, login_as, world):
    login_as(world["stranger"])
    page = client.post("/center/trainees", data={"q": "ismayilov"}, follow_redirects=True).get_data(as_text=True)
    assert "Rəşad" not in page and "0 found" in page


@pytest.mark.parametrize("role", ["ministry", "trainee"])
def test_forbidden_roles(client, login_as, world, factory, role):
    user = factory.user(role) if role == "ministry" else factory.trainee_user()
    db.session.commit()
    login_as(user)
    tid = world["trainee"].id
    for url in ("/center/trainees", "/center/trainees/new", f"/center/trainees/{tid}", f"/center/trainees/{tid}/edit"):
        assert client.get(url).status_code == 403, url
    assert client.post("/center/trainees", data={"q": "x"}, follow_redirects=True).status_code == 403


def test_detail_is_audited_and_scoped(client, login_as, world):
    tid = world["trainee"].id
    login_as(world["stranger"])
    assert client.get(f"/center/trainees/{tid}").status_code == 404
    assert client.get(f"/center/trainees/{tid}/edit").status_code == 404
    client.post("/logout")
    login_as(world["admin"])
    assert client.get(f"/center/trainees/{tid}").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.view"))
    assert event.trainee_id == tid and event.actor_id == world["admin"].id


def test_register_trainee(client, login_as, world):
    login_as(world["admin"])
    assert client.get("/center/trainees/new").status_code == 200
    bad = client.post("/center/trainees/new", data=form(fin="12", phone="12345", center_id=str(world["mine"].id)))
    assert bad.status_code == 422
    text = bad.get_data(as_text=True)
    assert "7 characters" in text and "Azerbaijani phone" in text
    assert client.post("/center/trainees/new", data=form(center_id=str(world["other"].id))).status_code == 422
    response = client.post("/center/trainees/new", data=form(center_id=str(world["mine"].id)))
    assert response.status_code == 302
    t = db.session.scalar(select(Trainee).where(Trainee.fin == "7XYZ123"))
    assert t.phone == "+994551112233" and t.registered_by_center_id == world["mine"].id
    dup = client.post("/center/trainees/new", data=form(center_id=str(world["mine"].id)))
    assert dup.status_code == 422 and "already registered" in dup.get_data(as_text=True)


def test_register_and_enroll_into_cohort(client, login_as, world, factory):
    cohort = factory.cohort(center=world["mine"], status="open")
    foreign = factory.cohort(center=world["other"], status="open")
    db.session.commit()
    login_as(world["admin"])
    assert client.get(f"/center/trainees/new?cohort_id={foreign.id}").status_code == 404
    response = client.post(f"/center/trainees/new?cohort_id={cohort.id}", data=form())
    assert response.status_code == 302 and f"/center/cohorts/{cohort.id}" in response.headers["Location"]
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort.id)) == 1


def test_edit_trainee(client, login_as, world):
    tid = world["trainee"].id
    login_as(world["admin"])
    assert client.get(f"/center/trainees/{tid}/edit").status_code == 200
    data = form(fin=world["trainee"].fin, last_name="Quliyev", first_name="Rəşad", gender="M")
    assert client.post(f"/center/trainees/{tid}/edit", data=dict(data, email="bad")).status_code == 422
    assert client.post(f"/center/trainees/{tid}/edit", data=data).status_code == 302
    db.session.expire_all()
    t = db.session.get(Trainee, tid)
    assert t.last_name == "Quliyev" and t.search_name == "quliyev resad"
