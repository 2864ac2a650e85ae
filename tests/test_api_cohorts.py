"""Cohorts, enrollments, attendance and scores through the API, per role."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talent.accounts.models import IdempotencyRecord
from talent.audit import AuditEvent
from talent.extensions import db
from talent.learning.models import Attendance, Cohort, Enrollment
from tests.api_helpers import Api, api_for, field_names
from talent import clock


@pytest.fixture
def world(client, factory):
    a, b = factory.center(code="CA"), factory.center(code="CB")
    course = factory.course()
    w = {
        "a": a, "b": b, "course": course,
        "cohort_a": factory.cohort(center=a, course=course, code="A-1", capacity=1),
        "cohort_b": factory.cohort(center=b, course=course, code="B-1"),
        "admin_a_user": factory.center_admin(a),
        "admin_b_user": factory.center_admin(b),
        "ministry_user": factory.user("ministry"),
        "sysadmin_user": factory.user("admin"),
        "trainee_user": factory.trainee_user(),
    }
    db.session.commit()
    for role in ("admin_a", "admin_b", "ministry", "sysadmin", "trainee"):
        w[role] = api_for(client, w[f"{role}_user"])
    return w


def _new_cohort(w, **over):
    body = {"code": "NEW-1", "course_id": w["course"].id, "center_id": w["a"].id,
            "start_date": (clock.today() + timedelta(days=10)).isoformat(),
            "end_date": (clock.today() + timedelta(days=70)).isoformat(), "capacity": 2}
    body.update(over)
    return body


def test_list_is_scoped_to_own_centers(world):
    codes = {c["code"] for c in world["admin_a"].get("/cohorts").get_json()["items"]}
    assert codes == {"A-1"}
    assert {c["code"] for c in world["sysadmin"].get("/cohorts").get_json()["items"]} == {"A-1", "B-1"}
    assert world["ministry"].get("/cohorts").status_code == 403
    assert world["trainee"].get("/cohorts").status_code == 403


def test_list_pagination_filter_and_sort(world, factory):
    for i in range(5):
        factory.cohort(center=world["a"], course=world["course"], code=f"P-{i}", status="planned")
    db.session.commit()
    api = world["admin_a"]
    page = api.get("/cohorts?limit=2&page=1&sort=code&status=planned").get_json()
    assert page["total"] == 5 and page["next_page"] == 2 and [c["code"] for c in page["items"]] == ["P-0", "P-1"]
    last = api.get("/cohorts?limit=2&page=3&sort=code&status=planned").get_json()
    assert [c["code"] for c in last["items"]] == ["P-4"] and last["next_page"] is None
    assert api.get("/cohorts?limit=501").status_code == 422
    assert api.get("/cohorts?limit=0").status_code == 422
    assert api.get("/cohorts?sort=nonsense").status_code == 422
    assert api.get("/cohorts?page=abc").status_code == 422


def test_other_centers_cohort_is_404(world):
    cid = world["cohort_b"].id
    assert world["admin_a"].get(f"/cohorts/{cid}").status_code == 404
    assert world["admin_b"].get(f"/cohorts/{cid}").status_code == 200
    assert world["admin_a"].patch(f"/cohorts/{cid}", json={"capacity": 5}).status_code == 404
    assert world["admin_a"].get("/cohorts/999999").status_code == 404


def test_create_cohort_and_audit_channel(world):
    response = world["admin_a"].post("/cohorts", json=_new_cohort(world))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["status"] == "planned" and body["enrolled"] == 0
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.create"))
    assert event.channel == "api" and event.actor_id == world["admin_a_user"].id


def test_create_cohort_forbidden_roles(world):
    assert world["ministry"].post("/cohorts", json=_new_cohort(world)).status_code == 403
    assert world["trainee"].post("/cohorts", json=_new_cohort(world)).status_code == 403
    # A center admin may not create at another center.
    assert world["admin_a"].post("/cohorts", json=_new_cohort(world, center_id=world["b"].id)).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 2


@pytest.mark.parametrize("body,fields", [
    ({"capacity": "ten"}, {"capacity"}),
    ({"capacity": True}, {"capacity"}),
    ({"start_date": "12.05.2030"}, {"start_date"}),
    ({"mode": "teleport"}, {"mode"}),
    ({"surprise": 1}, {"surprise"}),
    ({"code": None}, {"code"}),
    ({"capacity": 1.5}, {"capacity"}),
])
def test_bad_fields_are_422_with_field_names(world, body, fields):
    response = world["admin_a"].post("/cohorts", json=_new_cohort(world, **body))
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert fields <= field_names(response)
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 2


def test_missing_fields_and_service_checks(world):
    response = world["admin_a"].post("/cohorts", json={})
    assert {"code", "course_id", "center_id", "start_date", "end_date", "capacity"} <= field_names(response)
    later = _new_cohort(world, start_date="2030-05-10", end_date="2030-05-01")
    assert "end_date" in field_names(world["admin_a"].post("/cohorts", json=later))


def test_broken_json_wrong_type_and_huge_bodies(world, app, monkeypatch):
    api = world["admin_a"]
    r = api.post("/cohorts", data="{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.mimetype == "application/problem+json"
    r = api.post("/cohorts", data="code=x", headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 415
    r = api.post("/cohorts", data=json.dumps(_new_cohort(world)), headers={"Content-Type": "text/plain"})
    assert r.status_code == 415
    r = api.post("/cohorts", data="[1, 2]", headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    r = api.post("/cohorts", data='{"capacity": NaN}', headers={"Content-Type": "application/json"})
    assert r.status_code == 400
    monkeypatch.setitem(app.config, "API_MAX_JSON_BYTES", 1000)
    r = api.post("/cohorts", json=_new_cohort(world, code="X" * 5000))
    assert r.status_code == 413 and r.mimetype == "application/problem+json"
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 2


def test_idempotency_key_replays_and_refuses_other_bodies(world):
    api = world["admin_a"]
    headers = {"Idempotency-Key": "create-cohort-1"}
    first = api.post("/cohorts", json=_new_cohort(world), headers=headers)
    again = api.post("/cohorts", json=_new_cohort(world), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.get_json() == again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 3
    other = api.post("/cohorts", json=_new_cohort(world, code="NEW-2"), headers=headers)
    assert other.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 3
    # A failed request stores nothing: the key can be used again once the body is right.
    bad = api.post("/cohorts", json=_new_cohort(world, capacity=0), headers={"Idempotency-Key": "k2"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    # Keys are per user.
    assert world["admin_b"].post("/cohorts", json=_new_cohort(world, code="NEW-3", center_id=world["b"].id),
                                 headers=headers).status_code == 201


def test_update_with_stale_version_is_409(world):
    api = world["admin_a"]
    cid = world["cohort_a"].id
    version = api.get(f"/cohorts/{cid}").get_json()["version"]
    ok = api.patch(f"/cohorts/{cid}", json={"capacity": 3, "version": version})
    assert ok.status_code == 200 and ok.get_json()["capacity"] == 3
    stale = api.patch(f"/cohorts/{cid}", json={"capacity": 4, "version": version})
    assert stale.status_code == 409
    assert api.get(f"/cohorts/{cid}").get_json()["capacity"] == 3


def test_status_transitions(world):
    api = world["admin_a"]
    cid = api.post("/cohorts", json=_new_cohort(world)).get_json()["id"]
    bad = api.post(f"/cohorts/{cid}/status", json={"status": "completed"})
    assert bad.status_code == 409 and bad.get_json()["code"] == "invalid_transition"
    assert api.post(f"/cohorts/{cid}/status", json={"status": "open"}).get_json()["status"] == "open"
    assert api.post(f"/cohorts/{cid}/status", json={"status": "cancelled"}).status_code == 422
    done = api.post(f"/cohorts/{cid}/status", json={"status": "cancelled", "reason": "No trainer"})
    assert done.status_code == 200 and done.get_json()["cancelled_reason"] == "No trainer"
    assert world["ministry"].post(f"/cohorts/{cid}/status", json={"status": "open"}).status_code == 403
    assert world["admin_b"].post(f"/cohorts/{cid}/status", json={"status": "open"}).status_code == 404


def test_enroll_capacity_waitlist_duplicate_and_withdraw(world, factory):
    # By id: trainees the center registered; by FIN (with the birth date): anyone registered.
    t1, t3 = factory.trainee(registered_by_center_id=world["a"].id), factory.trainee(registered_by_center_id=world["a"].id)
    t2 = factory.trainee(registered_by_center_id=world["a"].id)
    elsewhere = factory.trainee(registered_by_center_id=world["b"].id)
    db.session.commit()
    api = world["admin_a"]
    cid = world["cohort_a"].id  # capacity 1
    first = api.post(f"/cohorts/{cid}/enrollments", json={"trainee_id": t1.id})
    assert first.status_code == 201 and first.get_json()["status"] == "enrolled"
    full = api.post(f"/cohorts/{cid}/enrollments", json={"trainee_id": t2.id, "waitlist": False})
    assert full.status_code == 409 and full.get_json()["code"] == "capacity"
    waiting = api.post(f"/cohorts/{cid}/enrollments", json={"fin": t2.fin, "birth_date": t2.birth_date.isoformat()})
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waitlisted"
    assert api.post(f"/cohorts/{cid}/enrollments", json={"trainee_id": elsewhere.id}).status_code == 404
    assert api.post(f"/cohorts/{cid}/enrollments", json={"fin": elsewhere.fin}).status_code == 422
    dup = api.post(f"/cohorts/{cid}/enrollments", json={"trainee_id": t1.id})
    assert dup.status_code == 409 and dup.get_json()["code"] == "duplicate"
    # The answer names the enrollment it clashes with, which the center can open.
    existing = dup.get_json()["existing_enrollment_id"]
    assert existing == first.get_json()["id"] and api.get(f"/enrollments/{existing}").status_code == 200
    assert [e["trainee_id"] for e in api.get(f"/cohorts/{cid}/waitlist").get_json()] == [t2.id]
    both = api.post(f"/cohorts/{cid}/enrollments", json={"trainee_id": t3.id, "fin": t3.fin})
    assert both.status_code == 422
    out = api.post(f"/enrollments/{first.get_json()['id']}/withdraw", json={"reason": "Moved away"})
    assert out.status_code == 200 and out.get_json()["status"] == "withdrawn"
    promoted = api.get(f"/enrollments/{waiting.get_json()['id']}").get_json()
    assert promoted["status"] == "enrolled"
    roster = api.get(f"/cohorts/{cid}/enrollments").get_json()
    assert {e["trainee_id"] for e in roster} == {t1.id, t2.id}
    assert "fin" not in roster[0]
    # Other roles and centers.
    assert world["ministry"].post(f"/cohorts/{cid}/enrollments", json={"trainee_id": t3.id}).status_code == 403
    assert world["admin_b"].post(f"/cohorts/{cid}/enrollments", json={"trainee_id": t3.id}).status_code == 404
    assert world["admin_b"].get(f"/cohorts/{cid}/enrollments").status_code == 404
    assert world["admin_b"].get(f"/enrollments/{first.get_json()['id']}").status_code == 404
    assert world["admin_b"].post(f"/enrollments/{first.get_json()['id']}/withdraw",
                                 json={"reason": "x"}).status_code == 404


def test_sessions_attendance_and_scores_bulk(world, factory):
    cohort = world["cohort_a"]
    t1 = factory.trainee()
    e1 = factory.enrollment(trainee=t1, cohort=cohort)
    db.session.commit()
    api = world["admin_a"]
    day = cohort.start_date + timedelta(days=1)
    s = api.post(f"/cohorts/{cohort.id}/sessions", json={"starts_at": f"{day.isoformat()}T10:00:00+04:00",
                                                          "topic": "Intro"})
    assert s.status_code == 201
    sid = s.get_json()["id"]
    assert [x["id"] for x in api.get(f"/cohorts/{cohort.id}/sessions").get_json()] == [sid]
    bad = api.post(f"/cohorts/{cohort.id}/attendance", json={"marks": [
        {"session_id": sid, "enrollment_id": e1.id, "mark": "present"},
        {"session_id": sid, "enrollment_id": 99999, "mark": "present"}]})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0
    ok = api.post(f"/cohorts/{cohort.id}/attendance", json={"marks": [
        {"session_id": sid, "enrollment_id": e1.id, "mark": "present"}]})
    assert ok.status_code == 200 and ok.get_json()["written"] == 1
    bad_scores = api.post(f"/cohorts/{cohort.id}/scores", json={"scores": [
        {"enrollment_id": e1.id, "score": 101}]})
    assert bad_scores.status_code == 422
    scores = api.post(f"/cohorts/{cohort.id}/scores", json={"scores": [{"enrollment_id": e1.id, "score": 88.5}]})
    assert scores.status_code == 200 and scores.get_json()["written"] == 1
    got = api.get(f"/enrollments/{e1.id}").get_json()
    assert got["final_score"] == 88.5 and got["attendance_pct"] == 100
    assert world["admin_b"].post(f"/cohorts/{cohort.id}/scores",
                                 json={"scores": [{"enrollment_id": e1.id, "score": 1}]}).status_code == 404
    assert world["ministry"].post(f"/cohorts/{cohort.id}/attendance", json={"marks": [
        {"session_id": sid, "enrollment_id": e1.id, "mark": "absent"}]}).status_code == 403
