"""Awards and placements through the API, per role and center."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.credentials.models import Award
from talent.extensions import db
from talent.placement.models import Placement
from tests.api_helpers import Api, api_for, field_names
from talent import clock


@pytest.fixture
def world(client, factory):
    a, b = factory.center(code="CA"), factory.center(code="CB")
    cert = factory.certification(pass_mark=60, min_attendance=0)
    course = factory.course(certification=cert)
    past = clock.today() - timedelta(days=100)
    cohort_a = factory.cohort(center=a, course=course, code="A-1", status="completed", start_date=past,
                              end_date=past + timedelta(days=30))
    t1, t2 = factory.trainee(), factory.trainee()
    e1 = factory.enrollment(trainee=t1, cohort=cohort_a, status="completed", final_score=Decimal("80"),
                            attendance_pct=Decimal("90"))
    factory.enrollment(trainee=t2, cohort=cohort_a, status="failed", final_score=Decimal("20"),
                       attendance_pct=Decimal("90"))
    users = {"admin_a": factory.center_admin(a), "admin_b": factory.center_admin(b),
             "ministry": factory.user("ministry"), "sysadmin": factory.user("admin"),
             "trainee": factory.trainee_user(t1)}
    db.session.commit()
    w = {"a": a, "b": b, "cohort_a": cohort_a, "t1": t1, "t2": t2, "e1": e1}
    w.update({k: api_for(client, u) for k, u in users.items()})
    return w


def test_issue_list_revoke_and_public_verify(world, client):
    cid = world["cohort_a"].id
    assert world["ministry"].post(f"/cohorts/{cid}/awards").status_code == 403
    assert world["admin_b"].post(f"/cohorts/{cid}/awards").status_code == 404
    issued = world["admin_a"].post(f"/cohorts/{cid}/awards")
    assert issued.status_code == 200
    [award] = issued.get_json()
    assert award["trainee_id"] == world["t1"].id and award["status"] == "valid"
    assert award["serial"].startswith("AZAI-")
    # Idempotent.
    again = world["admin_a"].post(f"/cohorts/{cid}/awards").get_json()
    assert [a["id"] for a in again] == [award["id"]]
    assert db.session.scalar(select(func.count()).select_from(Award)) == 1
    listed = world["admin_a"].get("/awards?status=valid").get_json()
    assert [a["id"] for a in listed["items"]] == [award["id"]]
    assert world["admin_b"].get("/awards").get_json()["total"] == 0
    assert world["admin_b"].get(f"/awards/{award['id']}").status_code == 404
    assert world["ministry"].get("/awards").status_code == 403
    # The holder sees their own.
    assert [a["id"] for a in world["trainee"].get("/me/awards").get_json()] == [award["id"]]
    assert world["trainee"].get(f"/awards/{award['id']}").status_code == 200
    # Public verification, no token.
    public = Api(client)
    assert public.get(f"/verify/{award['verification_code']}").get_json()["status"] == "valid"
    # Revoke.
    assert world["admin_b"].post(f"/awards/{award['id']}/revoke", json={"reason": "x"}).status_code == 404
    assert world["trainee"].post(f"/awards/{award['id']}/revoke", json={"reason": "x"}).status_code == 403
    assert world["admin_a"].post(f"/awards/{award['id']}/revoke", json={"reason": ""}).status_code == 422
    revoked = world["admin_a"].post(f"/awards/{award['id']}/revoke", json={"reason": "Exam fraud"})
    assert revoked.status_code == 200 and revoked.get_json()["status"] == "revoked"
    twice = world["admin_a"].post(f"/awards/{award['id']}/revoke", json={"reason": "Again"})
    assert twice.status_code == 409
    assert public.get(f"/verify/{award['verification_code']}").get_json()["status"] == "revoked"
    assert public.get("/verify/unknown-code-123456789").status_code == 404


JOB = {"employer_name": "Azercell", "country_code": "AZ", "job_title": "ML engineer",
       "employment_type": "full_time", "start_date": (clock.today() - timedelta(days=30)).isoformat(),
       "monthly_pay_azn": 2500.5}


def test_placements_record_update_end_and_scope(world):
    tid = world["t1"].id
    assert world["ministry"].post("/placements", json=dict(JOB, trainee_id=tid)).status_code == 403
    assert world["admin_b"].post("/placements", json=dict(JOB, trainee_id=tid)).status_code == 404
    bad = world["admin_a"].post("/placements", json=dict(JOB, trainee_id=tid, country_code="ZZ",
                                                         employment_type="slave"))
    assert bad.status_code == 422 and {"employment_type"} <= field_names(bad)
    bad = world["admin_a"].post("/placements", json=dict(JOB, trainee_id=tid, country_code="ZZ"))
    assert "country_code" in field_names(bad)
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0
    created = world["admin_a"].post("/placements", json=dict(JOB, trainee_id=tid))
    assert created.status_code == 201, created.get_json()
    job = created.get_json()
    assert job["market"] == "local" and job["verification"] == "verified" and job["monthly_pay_azn"] == 2500.5
    pid = job["id"]
    assert world["admin_b"].get(f"/placements/{pid}").status_code == 404
    assert world["admin_a"].get(f"/placements/{pid}").status_code == 200
    listed = world["admin_a"].get("/placements").get_json()
    assert [p["id"] for p in listed["items"]] == [pid]
    assert world["admin_b"].get("/placements").get_json()["total"] == 0
    assert world["ministry"].get("/placements").status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "placement.list_view")) == 1
    moved = world["admin_a"].patch(f"/placements/{pid}", json={"country_code": "DE", "remote": True})
    assert moved.status_code == 200 and moved.get_json()["market"] == "international"
    ended = world["admin_a"].post(f"/placements/{pid}/end", json={"end_date": clock.today().isoformat()})
    assert ended.status_code == 200 and ended.get_json()["end_date"] == clock.today().isoformat()
    again = world["admin_a"].post(f"/placements/{pid}/end", json={"end_date": clock.today().isoformat()})
    assert again.status_code == 409
    # Verify / reject transitions.
    assert world["admin_a"].post(f"/placements/{pid}/verify").status_code == 409
    assert world["admin_a"].post(f"/placements/{pid}/reject", json={"reason": "Not confirmed"}).status_code == 200
    assert world["admin_a"].post(f"/placements/{pid}/verify").status_code == 200
    assert world["admin_b"].post(f"/placements/{pid}/verify").status_code == 404
