"""Trainees and imports through the API, per role and center."""
from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.learning.models import Enrollment
from talent.people.models import Trainee
from tests.api_helpers import api_for, field_names


@pytest.fixture
def world(client, factory):
    a, b = factory.center(code="CA"), factory.center(code="CB")
    w = {"a": a, "b": b, "cohort_a": factory.cohort(center=a, code="A-1", capacity=2, status="open"),
         "cohort_b": factory.cohort(center=b, code="B-1")}
    t_a = factory.trainee(first_name="Leyla", last_name="Əliyeva")
    factory.enrollment(trainee=t_a, cohort=w["cohort_a"])
    t_b = factory.trainee(first_name="Orxan", last_name="İsmayılov")
    factory.enrollment(trainee=t_b, cohort=w["cohort_b"])
    w.update(t_a=t_a, t_b=t_b)
    users = {"admin_a": factory.center_admin(a), "admin_b": factory.center_admin(b),
             "ministry": factory.user("ministry"), "sysadmin": factory.user("admin"),
             "trainee": factory.trainee_user(t_a)}
    db.session.commit()
    w.update({k: api_for(client, u) for k, u in users.items()})
    return w


NEW = {"fin": "5ABC123", "first_name": "Nərmin", "last_name": "Quliyeva", "birth_date": "2000-02-29",
       "gender": "qadın", "home_region": "Gəncə-Daşkəsən", "phone": "050 123 45 67"}


def test_search_is_a_post_scoped_and_audited(world):
    found = world["admin_a"].post("/trainees/search", json={"q": "eliyeva"}).get_json()
    assert [t["id"] for t in found["items"]] == [world["t_a"].id]
    assert world["admin_a"].post("/trainees/search", json={"q": "ismayilov"}).get_json()["total"] == 0
    assert world["admin_a"].post("/trainees/search", json={"q": world["t_b"].fin}).get_json()["total"] == 0
    assert world["sysadmin"].post("/trainees/search", json={"q": world["t_b"].fin}).get_json()["total"] == 1
    assert world["ministry"].post("/trainees/search", json={"q": "x"}).status_code == 403
    assert world["trainee"].post("/trainees/search", json={"q": "x"}).status_code == 403
    assert world["admin_a"].post("/trainees/search", json={"q": ""}).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "trainee.search")) >= 1


def test_detail_scoped_and_audited(world):
    tid = world["t_a"].id
    body = world["admin_a"].get(f"/trainees/{tid}").get_json()
    assert body["fin"] == world["t_a"].fin and body["home_region"] == "BAKU"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.view"))
    assert event.trainee_id == tid and event.channel == "api"
    assert world["admin_b"].get(f"/trainees/{tid}").status_code == 404
    assert world["ministry"].get(f"/trainees/{tid}").status_code == 404
    assert world["trainee"].get(f"/trainees/{tid}").status_code == 200  # their own record
    assert world["trainee"].get(f"/trainees/{world['t_b'].id}").status_code == 404
    enrollments = world["admin_a"].get(f"/trainees/{tid}/enrollments").get_json()
    assert [e["cohort_id"] for e in enrollments] == [world["cohort_a"].id]


def test_create_normalises_and_duplicate_fin_is_409(world):
    response = world["admin_a"].post("/trainees", json=NEW)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["gender"] == "F" and body["home_region"] == "GANJA_DASHKASAN"
    assert body["phone"] == "+994501234567" and body["registered_by_center_id"] == world["a"].id
    again = world["admin_b"].post("/trainees", json=dict(NEW, fin=" 5abc123 "))
    assert again.status_code == 409 and again.get_json()["code"] == "duplicate"
    assert "fin" in field_names(again)
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 3


def test_create_forbidden_and_invalid(world):
    assert world["ministry"].post("/trainees", json=NEW).status_code == 403
    assert world["trainee"].post("/trainees", json=NEW).status_code == 403
    assert world["admin_a"].post("/trainees", json=dict(NEW, center_id=world["b"].id)).status_code == 403
    bad = world["admin_a"].post("/trainees", json=dict(NEW, fin="12", gender="x", home_region="Mars",
                                                       birth_date="2000-13-01"))
    assert bad.status_code == 422
    assert {"birth_date"} <= field_names(bad)
    bad = world["admin_a"].post("/trainees", json=dict(NEW, fin="12", gender="x", home_region="Mars"))
    assert {"fin", "gender", "home_region"} <= field_names(bad)
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2


def test_update(world):
    tid = world["t_a"].id
    response = world["admin_a"].patch(f"/trainees/{tid}", json={"email": "leyla@example.az",
                                                               "education_level": "master"})
    assert response.status_code == 200
    assert response.get_json()["education_level"] == "master"
    assert world["admin_b"].patch(f"/trainees/{tid}", json={"email": "x@example.az"}).status_code == 404
    assert world["ministry"].patch(f"/trainees/{tid}", json={"email": "x@example.az"}).status_code == 403
    dup = world["admin_a"].patch(f"/trainees/{tid}", json={"fin": world["t_b"].fin})
    assert dup.status_code == 409


CSV = ("fin;first_name;last_name;birth_date;gender;home_region\n"
       "7AAA111;Aynur;Həsənova;1999-01-02;F;BAKU\n"
       "7AAA222;Kamran;Rzayev;03.04.1997;kişi;Quba-Xaçmaz\n")


def _upload(api, data: str, **fields):
    form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    form["file"] = (io.BytesIO(data.encode()), "trainees.csv")
    return api.post("/imports/trainees", data=form, content_type="multipart/form-data")


def test_import_dry_run_then_commit(world):
    cohort = world["cohort_a"]
    dry = _upload(world["admin_a"], CSV, center_id=world["a"].id, cohort_id=cohort.id, dry_run=True)
    assert dry.status_code == 200, dry.get_json()
    report = dry.get_json()
    assert report["ok"] and not report["committed"] and report["counts"]["new"] == 2
    assert report["counts"]["enrolled"] == 1 and report["counts"]["waitlisted"] == 1
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2
    done = _upload(world["admin_a"], CSV, center_id=world["a"].id, cohort_id=cohort.id)
    assert done.status_code == 200 and done.get_json()["committed"]
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 4
    assert db.session.scalar(select(func.count()).select_from(Enrollment)
                             .where(Enrollment.cohort_id == cohort.id)) == 3


def test_import_dry_run_kept_and_committed_without_the_file(world):
    """A dry run keeps its checked rows (issue 17): the commit sends no file, happens once, and
    only for the token's user."""
    cohort = world["cohort_a"]
    dry = _upload(world["admin_a"], CSV, center_id=world["a"].id, cohort_id=cohort.id, dry_run=True).get_json()
    preview_id = dry["preview_id"]
    assert preview_id and dry["ok"] and not dry["committed"]
    path = f"/imports/previews/{preview_id}/commit"
    assert world["admin_b"].post(path).status_code == 404                  # another user's dry run
    assert world["ministry"].post(path).status_code == 403
    assert world["admin_a"].post("/imports/previews/nope/commit").status_code == 404
    done = world["admin_a"].post(path)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["committed"] and done.get_json()["counts"]["new"] == 2
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 4
    again = world["admin_a"].post(path)
    assert again.status_code == 409 and again.get_json()["code"] == "import_committed"
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 4


def test_import_dry_run_commit_with_a_problem_since_writes_nothing(world, factory):
    dry = _upload(world["admin_a"], CSV, center_id=world["a"].id, cohort_id=world["cohort_a"].id,
                  dry_run=True, waitlist=False)
    assert dry.status_code == 200
    body = dry.get_json()
    assert not body["ok"]          # two rows, one free seat, no waiting list: a problem already
    response = world["admin_a"].post(f"/imports/previews/{body['preview_id']}/commit")
    assert response.status_code == 422 and response.get_json()["code"] == "import_invalid"
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2


def test_import_with_a_bad_row_writes_nothing(world):
    bad = CSV + "BAD;;Rzayev;1997-04-03;X;Nowhere\n"
    response = _upload(world["admin_a"], bad, center_id=world["a"].id, cohort_id=world["cohort_a"].id)
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["code"] == "import_invalid" and not body["report"]["committed"]
    assert any(e["field"].startswith("row 4") for e in body["errors"])
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2


def test_import_roles_and_centers(world):
    assert _upload(world["ministry"], CSV, center_id=world["a"].id).status_code == 403
    assert _upload(world["admin_b"], CSV, center_id=world["a"].id).status_code == 403
    assert _upload(world["admin_b"], CSV, center_id=world["b"].id,
                   cohort_id=world["cohort_a"].id).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2


def test_import_bad_requests(world):
    api = world["admin_a"]
    assert api.post("/imports/trainees", json={"center_id": 1}).status_code == 415
    no_file = api.post("/imports/trainees", data={"center_id": str(world["a"].id)},
                       content_type="multipart/form-data")
    assert no_file.status_code == 422 and "file" in field_names(no_file)
    extra = _upload(api, CSV, center_id=world["a"].id, colour="blue")
    assert extra.status_code == 422 and "colour" in field_names(extra)
    binary = api.post("/imports/trainees", data={"center_id": str(world["a"].id),
                                                 "file": (io.BytesIO(b"\x00\xff\xfe garbage"), "x.csv")},
                      content_type="multipart/form-data")
    assert binary.status_code == 422
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 2
