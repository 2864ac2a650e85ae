"""Cohort pages: list, create/edit, detail, status, enroll, withdraw, sessions, attendance, scores."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.learning.models import Attendance, Cohort, CohortSession, Enrollment
from talent import clock


@pytest.fixture
def world(factory):
    mine, other = factory.center(code="MINE"), factory.center(code="OTHER")
    cert = factory.certification(pass_mark=60, min_attendance=50)
    course = factory.course(certification=cert)
    cohort = factory.cohort(center=mine, course=course, status="open", capacity=1, code="MINE-1",
                            start_date=clock.today() - timedelta(days=10), end_date=clock.today() - timedelta(days=1))
    foreign = factory.cohort(center=other, status="open", code="OTHER-1")
    admin = factory.center_admin(mine)
    stranger = factory.center_admin(other)
    db.session.commit()
    return {"mine": mine, "other": other, "course": course, "cohort": cohort, "foreign": foreign,
            "admin": admin, "stranger": stranger}


def test_list_is_scoped_filterable_sortable(client, login_as, world, factory):
    login_as(world["admin"])
    page = client.get("/center/cohorts").get_data(as_text=True)
    assert "MINE-1" in page and "OTHER-1" not in page
    assert "MINE-1" not in client.get("/center/cohorts?status=completed").get_data(as_text=True)
    for sort in ("code", "status", "center", "start_asc", "nonsense"):
        assert client.get(f"/center/cohorts?sort={sort}&page=x&center_id=abc").status_code == 200


@pytest.mark.parametrize("role", ["ministry", "trainee"])
def test_forbidden_roles(client, login_as, world, factory, role):
    user = factory.user(role) if role == "ministry" else factory.trainee_user()
    db.session.commit()
    login_as(user)
    cid = world["cohort"].id
    for url in ("/center/cohorts", f"/center/cohorts/{cid}", "/center/cohorts/new", f"/center/cohorts/{cid}/scores"):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/center/cohorts/{cid}/enroll", data={"fin": "1234567"}).status_code == 403


def test_anonymous_redirected_to_login(client, world):
    response = client.get("/center/cohorts")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_other_centers_cohort_is_404(client, login_as, world):
    login_as(world["stranger"])
    cid = world["cohort"].id
    assert client.get(f"/center/cohorts/{cid}").status_code == 404
    assert client.get(f"/center/cohorts/{cid}/edit").status_code == 404
    assert client.post(f"/center/cohorts/{cid}/enroll", data={"fin": "1234567"}).status_code == 404
    assert client.post(f"/center/cohorts/{cid}/status", data={"target": "running"}).status_code == 404
    assert client.get(f"/center/cohorts/{cid}/scores").status_code == 404


def test_create_and_edit_cohort(client, login_as, world):
    login_as(world["admin"])
    data = {"code": "ml-9", "course_id": world["course"].id, "center_id": world["mine"].id,
            "start_date": "2026-09-01", "end_date": "2026-12-01", "capacity": "15", "mode": "online"}
    bad = client.post("/center/cohorts/new", data=dict(data, end_date="2026-01-01"))
    assert bad.status_code == 422 and "before the start date" in bad.get_data(as_text=True)
    assert client.post("/center/cohorts/new", data=dict(data, center_id=world["other"].id)).status_code == 422
    response = client.post("/center/cohorts/new", data=data)
    assert response.status_code == 302
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == "ML-9"))
    assert cohort.status == "planned" and cohort.capacity == 15
    assert client.get(f"/center/cohorts/{cohort.id}/edit").status_code == 200
    edit = dict(data, code="ML-9", capacity="20", version="1")
    assert client.post(f"/center/cohorts/{cohort.id}/edit", data=edit).status_code == 302
    # the same (now stale) form again: a clear conflict, nothing saved
    stale = client.post(f"/center/cohorts/{cohort.id}/edit", data=dict(edit, capacity="25"))
    assert stale.status_code == 409 and "changed by someone else" in stale.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Cohort, cohort.id).capacity == 20


def test_enroll_waitlist_withdraw_flow(client, login_as, world, factory):
    a, b = factory.trainee(), factory.trainee()
    db.session.commit()
    login_as(world["admin"])
    cid = world["cohort"].id
    born = a.birth_date.isoformat()
    assert client.post(f"/center/cohorts/{cid}/enroll", data={"fin": a.fin.lower(), "birth_date": born}).status_code == 302
    response = client.post(f"/center/cohorts/{cid}/enroll", data={"fin": b.fin, "birth_date": born},
                           follow_redirects=True)
    assert "waiting list" in response.get_data(as_text=True)
    bad = client.post(f"/center/cohorts/{cid}/enroll", data={"fin": "ZZZZZZ9", "birth_date": born})
    assert bad.status_code == 422 and "register the trainee" in bad.get_data(as_text=True)
    dup = client.post(f"/center/cohorts/{cid}/enroll", data={"fin": a.fin, "birth_date": born})
    assert dup.status_code == 409
    ea = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == a.id))
    assert client.post(f"/center/enrollments/{ea.id}/withdraw", data={"reason": ""}).status_code == 422
    assert client.post(f"/center/enrollments/{ea.id}/withdraw", data={"reason": "Found a job"}).status_code == 302
    db.session.expire_all()
    statuses = dict(db.session.execute(select(Enrollment.trainee_id, Enrollment.status)).tuples().all())
    assert statuses == {a.id: "withdrawn", b.id: "enrolled"}
    page = client.get(f"/center/cohorts/{cid}").get_data(as_text=True)
    assert "Found a job" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "cohort.roster_view")) >= 1


def test_withdraw_in_other_center_is_404(client, login_as, world, factory):
    e = factory.enrollment(cohort=world["foreign"])
    db.session.commit()
    login_as(world["admin"])
    assert client.post(f"/center/enrollments/{e.id}/withdraw", data={"reason": "x"}).status_code == 404


def test_status_transitions_and_completion(client, login_as, world, factory):
    cohort = world["cohort"]
    trainee = factory.trainee()
    e = factory.enrollment(cohort=cohort)
    s = factory.session(cohort, cohort.start_date)
    db.session.commit()
    login_as(world["admin"])
    url = f"/center/cohorts/{cohort.id}/status"
    assert client.post(url, data={"target": "completed", "version": "1"}).status_code == 409  # open -> completed
    assert client.post(url, data={"target": "running", "version": "1"}).status_code == 302
    assert client.post(url, data={"target": "cancelled", "version": "1"}).status_code == 409  # stale version
    # attendance and scores
    att = client.post(f"/center/cohorts/{cohort.id}/sessions/{s.id}/attendance", data={f"mark-{e.id}": "late"})
    assert att.status_code == 422
    assert client.post(f"/center/cohorts/{cohort.id}/sessions/{s.id}/attendance",
                       data={f"mark-{e.id}": "present"}).status_code == 302
    bad = client.post(f"/center/cohorts/{cohort.id}/scores", data={f"score-{e.id}": "120"})
    assert bad.status_code == 422 and "0 to 100" in bad.get_data(as_text=True)
    assert client.post(f"/center/cohorts/{cohort.id}/scores", data={f"score-{e.id}": "88"}).status_code == 302
    assert client.post(url, data={"target": "completed", "version": "2"}).status_code == 302
    db.session.expire_all()
    e = db.session.get(Enrollment, e.id)
    assert (e.status, e.attendance_pct, e.final_score) == ("completed", Decimal("100.00"), Decimal("88.00"))
    from talent.credentials.models import Award   # completion hands the passer to certification
    assert db.session.scalar(select(func.count()).select_from(Award).where(Award.enrollment_id == e.id)) == 1
    page = client.get(f"/center/cohorts/{cohort.id}").get_data(as_text=True)
    assert "Completed" in page
    # a completed cohort takes no more enrollments
    assert client.post(f"/center/cohorts/{cohort.id}/enroll",
                       data={"fin": trainee.fin, "birth_date": trainee.birth_date.isoformat()}).status_code == 409


def test_complete_early_needs_reason(client, login_as, world, factory):
    cohort = factory.cohort(center=world["mine"], status="running", end_date=clock.today() + timedelta(days=5),
                            start_date=clock.today() - timedelta(days=5))
    db.session.commit()
    login_as(world["admin"])
    url = f"/center/cohorts/{cohort.id}/status"
    response = client.post(url, data={"target": "completed", "version": "1"})
    assert response.status_code == 422 and "reason" in response.get_data(as_text=True)
    assert client.post(url, data={"target": "completed", "version": "1", "reason": "Finished early"}).status_code == 302


def test_sessions_add_and_remove(client, login_as, world):
    cohort = world["cohort"]
    login_as(world["admin"])
    day = cohort.start_date.isoformat()
    assert client.post(f"/center/cohorts/{cohort.id}/sessions", data={"starts_at": f"{day}T10:00",
                                                                     "topic": "Intro"}).status_code == 302
    bad = client.post(f"/center/cohorts/{cohort.id}/sessions", data={"starts_at": "2000-01-01T10:00"})
    assert bad.status_code == 422 and "within the cohort" in bad.get_data(as_text=True)
    assert client.post(f"/center/cohorts/{cohort.id}/sessions", data={"starts_at": "garbage"}).status_code == 422
    session = db.session.scalar(select(CohortSession))
    assert client.get(f"/center/cohorts/{cohort.id}/sessions/{session.id}/attendance").status_code == 200
    assert client.post(f"/center/sessions/{session.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CohortSession)) == 0


def test_attendance_of_other_cohort_session_is_404(client, login_as, world, factory):
    s = factory.session(world["foreign"], world["foreign"].start_date)
    db.session.commit()
    login_as(world["admin"])
    assert client.get(f"/center/cohorts/{world['cohort'].id}/sessions/{s.id}/attendance").status_code == 404
    assert client.post(f"/center/sessions/{s.id}/delete").status_code == 404


def test_csrf_enforced_on_grids(app, client, login_as, world, factory, monkeypatch):
    e = factory.enrollment(cohort=world["cohort"])
    db.session.commit()
    login_as(world["admin"])
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/center/cohorts/{world['cohort'].id}/scores", data={f"score-{e.id}": "50"})
    assert response.status_code in (302, 400)
    db.session.expire_all()
    assert db.session.get(Enrollment, e.id).final_score is None


def test_weekly_schedule_page(client, login_as, world):
    cohort = world["cohort"]
    login_as(world["admin"])
    url = f"/center/cohorts/{cohort.id}/schedule"
    response = client.post(url, data={"weekdays": ["0", "1", "2", "3", "4", "5", "6"], "start_time": "10:00",
                                      "duration_minutes": "120"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(CohortSession)) == 10
    assert client.post(url, data={"start_time": "10:00", "duration_minutes": "120"}).status_code == 422
    client.post("/logout")
    login_as(world["stranger"])
    assert client.post(url, data={"weekdays": ["0"], "start_time": "10:00", "duration_minutes": "60"}).status_code == 404
