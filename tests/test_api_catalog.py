"""Centers, courses and certifications through the API, per role."""
from __future__ import annotations

import pytest

from talent.extensions import db
from tests.api_helpers import api_for, field_names


@pytest.fixture
def world(client, factory):
    a, b = factory.center(code="CA"), factory.center(code="CB", region="GANJA_DASHKASAN")
    course = factory.course(code="CRS-A")
    users = {"admin_a": factory.center_admin(a), "ministry": factory.user("ministry"),
             "sysadmin": factory.user("admin"), "trainee": factory.trainee_user()}
    db.session.commit()
    w = {"a": a, "b": b, "course": course}
    w.update({k: api_for(client, u) for k, u in users.items()})
    return w


def test_centers_read_scoping(world):
    assert [c["code"] for c in world["admin_a"].get("/centers").get_json()["items"]] == ["CA"]
    assert world["admin_a"].get(f"/centers/{world['b'].id}").status_code == 404
    assert world["admin_a"].get(f"/centers/{world['a'].id}").get_json()["region_code"] == "BAKU"
    assert {c["code"] for c in world["ministry"].get("/centers").get_json()["items"]} == {"CA", "CB"}
    assert [c["code"] for c in world["ministry"].get("/centers?region=GANJA_DASHKASAN").get_json()["items"]] == ["CB"]
    assert [c["code"] for c in world["sysadmin"].get("/centers?sort=-code").get_json()["items"]] == ["CB", "CA"]
    assert world["trainee"].get("/centers").status_code == 403


def test_center_writes_are_for_the_administrator(world):
    body = {"code": "NEW", "name": "New", "region_id": world["a"].region_id, "city": "Bakı", "capacity": 50}
    assert world["admin_a"].post("/centers", json=body).status_code == 403
    assert world["ministry"].post("/centers", json=body).status_code == 403
    created = world["sysadmin"].post("/centers", json=body)
    assert created.status_code == 201
    dup = world["sysadmin"].post("/centers", json=body)
    assert dup.status_code == 422 and "code" in field_names(dup)
    cid = created.get_json()["id"]
    off = world["sysadmin"].patch(f"/centers/{cid}", json={"active": False, "capacity": 60})
    assert off.status_code == 200 and off.get_json()["active"] is False and off.get_json()["capacity"] == 60
    assert world["admin_a"].patch(f"/centers/{world['a'].id}", json={"capacity": 1}).status_code == 403


def test_catalog_reads_for_every_token_and_writes_for_the_administrator(world):
    for role in ("admin_a", "ministry", "trainee", "sysadmin"):
        assert world[role].get("/courses").get_json()["total"] == 1
        assert world[role].get("/certifications").status_code == 200
    cid = world["course"].id
    assert world["trainee"].get(f"/courses/{cid}").get_json()["code"] == "CRS-A"
    assert world["admin_a"].patch(f"/courses/{cid}", json={"hours": 10}).status_code == 403
    changed = world["sysadmin"].patch(f"/courses/{cid}", json={"hours": 10, "active": False})
    assert changed.status_code == 200 and changed.get_json()["hours"] == 10 and not changed.get_json()["active"]
    assert world["sysadmin"].get("/courses?active=true").get_json()["total"] == 0
    bad = world["sysadmin"].post("/certifications", json={"code": "X", "name_az": "x", "name_en": "x",
                                                          "skill_id": 1, "level": "expert", "pass_mark": 101,
                                                          "min_attendance": 0})
    assert bad.status_code == 422 and {"level", "pass_mark"} <= field_names(bad)
    assert world["ministry"].get("/courses/999999").status_code == 404


def test_reports_only_for_ministry_and_admin(world):
    assert world["ministry"].get("/reports/national").status_code == 200
    assert world["sysadmin"].get("/reports/regions").status_code == 200
    assert world["admin_a"].get("/reports/national").status_code == 403
    assert world["trainee"].get("/reports/fairness").status_code == 403
    assert world["ministry"].get("/reports/national?year=abc").status_code == 422
    assert world["ministry"].get("/reports/regions/999999").status_code == 404
