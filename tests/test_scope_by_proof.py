"""Issue 13, findings 1 and 2: a center reaches only the trainees that concern it.

DESIGN §3 "A center sees what concerns it": a center administrator reaches a trainee's personal
data only for trainees registered by, or enrolled (enrolled, completed or failed — not applied,
waitlisted or withdrawn) at, their centers, and gains that by proving they met the person (FIN
and birth date), never by a bare id. What other centers recorded stays theirs. Each test here
reproduces what was tried against the server (BAKU-01 reaching a GANJA-01 trainee), through the
API and the web pages.
"""
from __future__ import annotations

import re

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.extensions import db
from talent.learning.models import Enrollment
from talent.people.models import Trainee
from talent.placement.models import Employer, Placement
from tests.api_helpers import api_for, field_names

BIRTH = date(1996, 3, 8)
WRONG_BIRTH = "1996-03-09"


@pytest.fixture
def world(client, factory):
    baku1, baku2 = factory.center(code="BAKU-01"), factory.center(code="BAKU-02")
    ganja = factory.center(code="GANJA-01", region="GANJA_DASHKASAN")
    ended = clock.today() - timedelta(days=200)
    ganja_cohort = factory.cohort(center=ganja, code="GANJA-ML-1", status="completed",
                                  start_date=ended - timedelta(days=60), end_date=ended)
    # The GANJA-01 trainee: registered and trained there, with a score and a job GANJA-01 recorded.
    g = factory.trainee(first_name="Günay", last_name="Əhmədova", patronymic="Rauf qızı", birth_date=BIRTH,
                        phone="+994501112233", registered_by_center_id=ganja.id)
    factory.enrollment(trainee=g, cohort=ganja_cohort, status="completed", final_score=91, attendance_pct=95)
    employer = Employer(name="Gəncə Tekstil", country_code="AZ")
    db.session.add(employer)
    db.session.flush()
    ganja_job = Placement(trainee_id=g.id, employer_id=employer.id, job_title="Data analyst GANJA",
                          employment_type="full_time", start_date=ended + timedelta(days=10), source="center",
                          verification="verified", center_id=ganja.id)
    db.session.add(ganja_job)
    # BAKU-01: a cohort with free seats and a full one (capacity 1, its seat taken).
    open_cohort = factory.cohort(center=baku1, code="BAKU-OPEN", status="open", capacity=10)
    full_cohort = factory.cohort(center=baku1, code="BAKU-FULL", status="open", capacity=1)
    factory.enrollment(trainee=factory.trainee(registered_by_center_id=baku1.id), cohort=full_cohort)
    users = {"baku1": factory.center_admin(baku1), "baku2": factory.center_admin(baku2),
             "ganja": factory.center_admin(ganja), "sysadmin": factory.user("admin")}
    db.session.commit()
    return {"baku1": baku1, "baku2": baku2, "ganja": ganja, "g": g, "ganja_job": ganja_job,
            "open": open_cohort, "full": full_cohort, "users": users}


def _api(client, world, who):
    return api_for(client, world["users"][who])


def _enrollments_of(trainee_id):
    return list(db.session.scalars(select(Enrollment).where(Enrollment.trainee_id == trainee_id)))


def _same_answer(a, b):
    """Two API answers a client cannot tell apart: status, code, message and field messages."""
    ja, jb = a.get_json(), b.get_json()
    assert a.status_code == b.status_code
    assert (ja.get("code"), ja.get("detail"), ja.get("errors")) == (jb.get("code"), jb.get("detail"), jb.get("errors"))


# ---- finding 1 through the API -------------------------------------------------------------

def test_api_bare_trainee_id_of_another_center_is_404_like_a_missing_one(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    assert api.get(f"/trainees/{g.id}").status_code == 404
    foreign = api.post(f"/cohorts/{world['full'].id}/enrollments", json={"trainee_id": g.id, "waitlist": True})
    missing = api.post(f"/cohorts/{world['full'].id}/enrollments", json={"trainee_id": 999_999, "waitlist": True})
    assert foreign.status_code == 404
    _same_answer(foreign, missing)
    assert api.post(f"/cohorts/{world['open'].id}/enrollments", json={"trainee_id": g.id}).status_code == 404
    assert _enrollments_of(g.id) == [e for e in _enrollments_of(g.id) if e.cohort.center_id == world["ganja"].id]
    assert api.get(f"/trainees/{g.id}").status_code == 404
    assert api.patch(f"/trainees/{g.id}", json={"phone": "050 999 99 99"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Trainee, g.id).phone == "+994501112233"


def test_api_fin_alone_does_not_enroll_and_is_no_oracle(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    alone = api.post(f"/cohorts/{world['open'].id}/enrollments", json={"fin": g.fin})
    assert alone.status_code == 422 and "birth_date" in field_names(alone)
    wrong = api.post(f"/cohorts/{world['open'].id}/enrollments", json={"fin": g.fin, "birth_date": WRONG_BIRTH})
    unknown = api.post(f"/cohorts/{world['open'].id}/enrollments", json={"fin": "ZZZZZZ9", "birth_date": WRONG_BIRTH})
    assert wrong.status_code == 422
    _same_answer(wrong, unknown)
    assert "No trainee with this FIN is registered yet" not in wrong.get_data(as_text=True)  # the old oracle
    assert len(_enrollments_of(g.id)) == 1


def test_api_waitlisted_by_proof_gives_no_personal_data(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    body = {"fin": g.fin.lower(), "birth_date": BIRTH.isoformat(), "waitlist": True}
    waiting = api.post(f"/cohorts/{world['full'].id}/enrollments", json=body)
    assert waiting.status_code == 201 and waiting.get_json()["status"] == "waitlisted"
    assert api.get(f"/trainees/{g.id}").status_code == 404
    assert api.get(f"/trainees/{g.id}/enrollments").status_code == 404
    assert api.patch(f"/trainees/{g.id}", json={"phone": "050 999 99 99"}).status_code == 404
    assert api.post("/trainees/search", json={"q": g.fin}).get_json()["total"] == 0


def test_api_enrolled_by_proof_sees_the_person_not_other_centers_records(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    enrolled = api.post(f"/cohorts/{world['open'].id}/enrollments",
                        json={"fin": g.fin, "birth_date": BIRTH.isoformat()})
    assert enrolled.status_code == 201 and enrolled.get_json()["status"] == "enrolled"
    assert api.get(f"/trainees/{g.id}").get_json()["fin"] == g.fin
    history = api.get(f"/trainees/{g.id}/enrollments").get_json()
    assert [e["cohort_id"] for e in history] == [world["open"].id]      # not GANJA's cohort and score
    jobs = api.get("/placements").get_json()
    assert world["ganja_job"].id not in [p["id"] for p in jobs["items"]]
    assert api.get(f"/placements/{world['ganja_job'].id}").status_code == 404
    assert api.patch(f"/placements/{world['ganja_job'].id}", json={"job_title": "Changed"}).status_code == 404
    assert api.post(f"/placements/{world['ganja_job'].id}/end",
                    json={"end_date": clock.today().isoformat()}).status_code == 404
    assert api.post(f"/placements/{world['ganja_job'].id}/reject", json={"reason": "Not here"}).status_code == 404
    # GANJA-01 itself still sees everything it recorded.
    own = _api(client, world, "ganja")
    assert world["ganja_job"].id in [p["id"] for p in own.get("/placements").get_json()["items"]]
    assert len(own.get(f"/trainees/{g.id}/enrollments").get_json()) == 1


def test_api_access_does_not_survive_withdrawal(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    enrolled = api.post(f"/cohorts/{world['open'].id}/enrollments",
                        json={"fin": g.fin, "birth_date": BIRTH.isoformat()}).get_json()
    assert api.get(f"/trainees/{g.id}").status_code == 200
    out = api.post(f"/enrollments/{enrolled['id']}/withdraw", json={"reason": "Changed their mind"})
    assert out.status_code == 200
    assert api.get(f"/trainees/{g.id}").status_code == 404
    assert api.patch(f"/trainees/{g.id}", json={"phone": "050 999 99 99"}).status_code == 404
    # …and the bare id does not bring them back either.
    assert api.post(f"/cohorts/{world['open'].id}/enrollments", json={"trainee_id": g.id}).status_code == 404


def test_api_register_known_fin_needs_the_birth_date(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    data = {"fin": g.fin, "first_name": "Fake", "last_name": "Person", "birth_date": "2001-01-01", "gender": "F",
            "home_region": "BAKU"}
    other = api.post("/trainees", json=data)
    assert other.status_code == 409 and "another person" in other.get_data(as_text=True)
    renamed = api.post("/trainees", json=dict(data, birth_date=BIRTH.isoformat()))
    assert renamed.status_code == 409 and "another person" in renamed.get_data(as_text=True)
    same = api.post("/trainees", json=dict(data, birth_date=BIRTH.isoformat(), first_name="Gunay",
                                           last_name="Ahmadova"))
    assert same.status_code == 409 and "already registered" in same.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Trainee).where(Trainee.fin == g.fin)) == 1
    assert api.get(f"/trainees/{g.id}").status_code == 404


# ---- placements: owned by the recording center, verified by a center that enrolled -------------

@pytest.fixture
def reported(client, world, factory):
    """The GANJA-01 trainee also studied at BAKU-02 and reported a job themself."""
    from talent.permissions import Actor
    from talent.placement import services as ps
    g = world["g"]
    baku2_cohort = factory.cohort(center=world["baku2"], status="completed")
    factory.enrollment(trainee=g, cohort=baku2_cohort, status="completed")
    user = factory.trainee_user(g)
    db.session.flush()
    with client.application.test_request_context("/"):
        job = ps.report_own_job(Actor.for_user(user), employer_name="Bakı Data", country_code="AZ",
                                job_title="Analyst", employment_type="full_time",
                                start_date=(clock.today() - timedelta(days=20)).isoformat())
    db.session.commit()
    return job


def test_api_verify_only_by_a_center_that_enrolled_and_no_overturning(client, world, reported):
    baku1, baku2 = _api(client, world, "baku1"), _api(client, world, "baku2")
    g = world["g"]
    # BAKU-01 only waitlisted the trainee (with proof): the job is not theirs to see or decide.
    assert baku1.post(f"/cohorts/{world['full'].id}/enrollments",
                      json={"fin": g.fin, "birth_date": BIRTH.isoformat()}).status_code == 201
    assert baku1.post(f"/placements/{reported.id}/verify").status_code == 404
    assert baku2.post(f"/placements/{reported.id}/reject", json={"reason": "No such company"}).status_code == 200
    assert baku1.post(f"/placements/{reported.id}/verify").status_code == 404
    # Enrolled at BAKU-01 too: now BAKU-01 sees the job, but BAKU-02's decision stands.
    assert baku1.post(f"/cohorts/{world['open'].id}/enrollments",
                      json={"fin": g.fin, "birth_date": BIRTH.isoformat()}).status_code == 201
    assert baku1.get(f"/placements/{reported.id}").status_code == 200
    refused = baku1.post(f"/placements/{reported.id}/verify")
    assert refused.status_code == 409
    db.session.expire_all()
    assert db.session.get(Placement, reported.id).verification == "rejected"
    # A trainee's own report is the trainee's: a center decides on it but does not edit it.
    assert baku1.patch(f"/placements/{reported.id}", json={"job_title": "Other"}).status_code == 404
    # BAKU-02, which decided, may change its mind.
    assert baku2.post(f"/placements/{reported.id}/verify").status_code == 200


def test_a_center_that_only_registered_does_not_verify(client, world, factory):
    from talent.permissions import Actor
    from talent.placement import services as ps
    # Registered at BAKU-02, trained at GANJA-01, reported a job themself.
    h = factory.trainee(registered_by_center_id=world["baku2"].id)
    factory.enrollment(trainee=h, cohort=factory.cohort(center=world["ganja"], status="completed"),
                       status="completed")
    user = factory.trainee_user(h)
    db.session.flush()
    with client.application.test_request_context("/"):
        job = ps.report_own_job(Actor.for_user(user), employer_name="Bakı Data", country_code="AZ",
                                job_title="Analyst", employment_type="full_time",
                                start_date=(clock.today() - timedelta(days=20)).isoformat())
    db.session.commit()
    baku2 = _api(client, world, "baku2")
    assert baku2.get(f"/placements/{job.id}").status_code == 200       # their registered trainee's report
    assert baku2.post(f"/placements/{job.id}/verify").status_code == 403
    assert baku2.post(f"/placements/{job.id}/reject", json={"reason": "Not here"}).status_code == 403
    assert _api(client, world, "ganja").post(f"/placements/{job.id}/verify").status_code == 200
    assert _api(client, world, "baku1").get(f"/placements/{job.id}").status_code == 404


# ---- finding 1 on the web pages ------------------------------------------------------------

def test_web_enroll_needs_fin_and_birth_date_and_gives_one_answer(client, login_as, world):
    login_as(world["users"]["baku1"])
    g, cid = world["g"], world["open"].id
    alone = client.post(f"/center/cohorts/{cid}/enroll", data={"fin": g.fin})
    assert alone.status_code == 422
    wrong = client.post(f"/center/cohorts/{cid}/enroll", data={"fin": g.fin, "birth_date": WRONG_BIRTH})
    unknown = client.post(f"/center/cohorts/{cid}/enroll", data={"fin": "ZZZZZZ9", "birth_date": WRONG_BIRTH})
    assert wrong.status_code == unknown.status_code == 422
    message = "No trainee with this FIN and birth date"
    assert message in wrong.get_data(as_text=True) and message in unknown.get_data(as_text=True)
    assert g.last_name not in wrong.get_data(as_text=True)
    assert len(_enrollments_of(g.id)) == 1


def test_web_waitlisted_then_enrolled_then_withdrawn(client, login_as, world):
    login_as(world["users"]["baku1"])
    g = world["g"]
    waiting = client.post(f"/center/cohorts/{world['full'].id}/enroll",
                          data={"fin": g.fin, "birth_date": BIRTH.isoformat()})
    assert waiting.status_code == 302
    assert client.get(f"/center/trainees/{g.id}").status_code == 404
    assert client.get(f"/center/trainees/{g.id}/edit").status_code == 404
    assert client.post(f"/center/trainees/{g.id}/edit", data={"phone": "0509999999"}).status_code == 404
    assert client.get(f"/center/trainees/{g.id}/placements/new").status_code == 404
    # Enrolled: the person's record, without what GANJA-01 recorded.
    assert client.post(f"/center/cohorts/{world['open'].id}/enroll",
                       data={"fin": g.fin, "birth_date": BIRTH.isoformat()}).status_code == 302
    page = client.get(f"/center/trainees/{g.id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and g.fin in text and "BAKU-OPEN" in text
    # Not GANJA-01's cohort nor its score of 91 (as a cell's text; a CSRF token may hold "91").
    assert "GANJA-ML-1" not in text and not re.search(r">\s*91(?:[.,]0+)?\s*<", text)
    jobs = client.get("/center/placements").get_data(as_text=True)
    assert "Data analyst GANJA" not in jobs
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == g.id,
                                                            Enrollment.cohort_id == world["open"].id))
    assert client.post(f"/center/enrollments/{enrollment.id}/withdraw", data={"reason": "Moved"}).status_code == 302
    assert client.get(f"/center/trainees/{g.id}").status_code == 404


def test_web_register_into_cohort_with_someone_elses_fin(client, login_as, world, factory):
    login_as(world["users"]["baku1"])
    g = world["g"]
    region = factory.region("BAKU")
    form = {"fin": g.fin, "last_name": "Person", "first_name": "Fake", "birth_date": "2001-01-01", "gender": "F",
            "home_region_id": str(region.id), "education_level": ""}
    response = client.post(f"/center/trainees/new?cohort_id={world['open'].id}", data=form)
    assert response.status_code == 422 and "another person" in response.get_data(as_text=True)
    assert len(_enrollments_of(g.id)) == 1


def test_roster_export_has_no_personal_data_of_the_waiting_list(client, login_as, world):
    login_as(world["users"]["baku1"])
    g = world["g"]
    assert client.post(f"/center/cohorts/{world['full'].id}/enroll",
                       data={"fin": g.fin, "birth_date": BIRTH.isoformat()}).status_code == 302
    csv = client.get(f"/center/cohorts/{world['full'].id}/export/roster.csv").get_data(as_text=True)
    line = next(row for row in csv.splitlines() if g.fin in row)
    assert "+994501112233" not in line and BIRTH.isoformat() not in line


# ---- finding 2: the import ---------------------------------------------------------------------

HEADER = "fin,first_name,last_name,patronymic,birth_date,gender,home_region"


def _upload(api, rows, **fields):
    data = "\n".join([HEADER] + rows) + "\n"
    form = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in fields.items()}
    form["file"] = (io.BytesIO(data.encode()), "trainees.csv")
    return api.post("/imports/trainees", data=form, content_type="multipart/form-data", check=False)


def test_import_row_with_a_real_fin_and_another_persons_identity_is_a_problem(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    rows = [f"{g.fin},Fake,Person,,2001-01-01,F,BAKU", "7NEW001,Aynur,Həsənova,,1999-01-02,F,BAKU"]
    dry = _upload(api, rows, center_id=world["baku1"].id, cohort_id=world["open"].id, dry_run=True).get_json()
    assert not dry["ok"] and dry["counts"]["existing"] == 0
    assert [(p["row"], p["column"]) for p in dry["problems"]] == [(2, "fin")]
    assert dry["problems"][0]["message"] == "This FIN belongs to another person."
    done = _upload(api, rows, center_id=world["baku1"].id, cohort_id=world["open"].id)
    assert done.status_code == 422
    assert len(_enrollments_of(g.id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Trainee).where(Trainee.fin == "7NEW001")) == 0
    # Right birth date, another name: still another person.
    renamed = _upload(api, [f"{g.fin},Fake,Person,,{BIRTH.isoformat()},F,BAKU"], center_id=world["baku1"].id,
                      dry_run=True).get_json()
    assert [p["message"] for p in renamed["problems"]] == ["This FIN belongs to another person."]


def test_import_dry_run_does_not_say_registered_without_the_birth_date(client, world):
    api = _api(client, world, "baku1")
    g = world["g"]
    report = _upload(api, [f"{g.fin},Günay,Əhmədova,,{WRONG_BIRTH},F,BAKU"], center_id=world["baku1"].id,
                     dry_run=True).get_json()
    assert report["counts"]["existing"] == 0 and report["rows"] == []
    assert "registered" not in " ".join(p["message"] for p in report["problems"]).lower()


@pytest.mark.parametrize("first,last,patronymic", [
    ("Günay", "Əhmədova", "Rauf qızı"),          # as recorded
    ("GÜNAY", "  əhmədova ", ""),                 # case, spacing, no patronymic in the file
    ("Gunay", "Ahmadova", "Rauf qizi"),           # Azerbaijani letters typed as plain Latin
    ("Günay", "Əhmədova-", "Rauf"),               # punctuation, patronymic without qızı
])
def test_import_known_fin_with_the_same_person_is_reused(client, world, first, last, patronymic):
    api = _api(client, world, "baku1")
    g = world["g"]
    row = f"{g.fin},{first},{last},{patronymic},{BIRTH.strftime('%d.%m.%Y')},F,BAKU"
    dry = _upload(api, [row], center_id=world["baku1"].id, cohort_id=world["open"].id, dry_run=True).get_json()
    assert dry["ok"], dry["problems"]
    assert dry["rows"][0]["trainee"] == "existing"
    done = _upload(api, [row], center_id=world["baku1"].id, cohort_id=world["open"].id)
    assert done.status_code == 200 and done.get_json()["committed"]
    assert {e.cohort_id for e in _enrollments_of(g.id)} >= {world["open"].id}


def test_import_preview_page_says_registered_elsewhere_only_after_the_birth_date(client, login_as, world):
    login_as(world["users"]["baku1"])
    g = world["g"]

    def preview(birth):
        data = f"{HEADER}\n{g.fin},Günay,Əhmədova,,{birth},F,BAKU\n".encode()
        text = client.post("/center/imports", data={"center_id": str(world["baku1"].id), "cohort_id": "",
                                                     "file": (io.BytesIO(data), "t.csv")},
                           content_type="multipart/form-data", follow_redirects=True).get_data(as_text=True)
        client.post("/center/imports/cancel")   # the parked upload goes (the instance folder is shared)
        return text

    wrong = preview(WRONG_BIRTH)
    assert "registered elsewhere" not in wrong and "This FIN belongs to another person." in wrong
    right = preview(BIRTH.isoformat())
    assert "registered elsewhere" in right


def test_import_looks_known_fins_up_in_one_query(client, world, factory, app):
    """The identity check must not add a query per row."""
    from talent.imports import services as imports
    from talent.permissions import Actor
    from tests.conftest import QueryCounter
    from sqlalchemy import event

    known = [factory.trainee(first_name="Ad", last_name=f"Soyad{i}", birth_date=BIRTH) for i in range(40)]
    db.session.commit()

    def statements(n):
        rows = [f"{t.fin},Ad,Soyad{i},,{BIRTH.isoformat()},F,BAKU" for i, t in enumerate(known[:n])]
        data = ("\n".join([HEADER] + rows) + "\n").encode()
        counter = QueryCounter()
        event.listen(db.engine, "before_cursor_execute", counter)
        try:
            with app.test_request_context("/"):
                report = imports.preview_import(Actor.system(), data, center_id=world["baku1"].id,
                                                cohort_id=world["open"].id)
        finally:
            event.remove(db.engine, "before_cursor_execute", counter)
        assert report.ok, report.problems
        return len(counter.statements)

    statements(1)   # loads the center and the cohort once
    assert statements(40) == statements(4)


@pytest.mark.parametrize("language,message", [("az", "Bu FİN başqa şəxsə məxsusdur."),
                                              ("ru", "Этот ФИН принадлежит другому человеку."),
                                              ("en", "This FIN belongs to another person.")])
def test_import_problem_in_the_users_language(client, world, language, message):
    api = _api(client, world, "baku1")
    g = world["g"]
    data = f"{HEADER}\n{g.fin},Fake,Person,,2001-01-01,F,BAKU\n"
    response = api.post("/imports/trainees", data={"center_id": str(world["baku1"].id), "dry_run": "true",
                                                   "file": (io.BytesIO(data.encode()), "t.csv")},
                        content_type="multipart/form-data", headers={"Accept-Language": language})
    assert [p["message"] for p in response.get_json()["problems"]] == [message]


def test_unknown_fin_and_wrong_birth_date_take_the_same_statements(client, world, app):
    """'Comparable timing': both answers come from the same SQL, one look-up on FIN and birth
    date together (measured wall times are left to the benchmark: the CI machine is shared)."""
    from sqlalchemy import event
    from talent.errors import ValidationError
    from talent.learning import services as learning
    from talent.permissions import Actor
    from tests.conftest import QueryCounter
    user = world["users"]["baku1"]
    g = world["g"]

    def run(fin, birth):
        counter = QueryCounter()
        with app.test_request_context("/"):
            actor = Actor.for_user(user)
            event.listen(db.engine, "before_cursor_execute", counter)
            try:
                with pytest.raises(ValidationError) as info:
                    learning.enroll_by_fin(actor, world["open"].id, fin, birth)
            finally:
                event.remove(db.engine, "before_cursor_execute", counter)
        db.session.rollback()
        return counter.statements, info.value.fields

    wrong_statements, wrong_fields = run(g.fin, WRONG_BIRTH)
    unknown_statements, unknown_fields = run("ZZZZZZ9", WRONG_BIRTH)
    assert wrong_statements == unknown_statements and wrong_fields == unknown_fields
    assert sum("FROM trainees" in s for s in wrong_statements) == 1


def test_roster_links_only_to_records_the_center_reaches(client, login_as, world):
    login_as(world["users"]["baku1"])
    g = world["g"]
    client.post(f"/center/cohorts/{world['full'].id}/enroll", data={"fin": g.fin, "birth_date": BIRTH.isoformat()})
    page = client.get(f"/center/cohorts/{world['full'].id}").get_data(as_text=True)
    assert g.fin in page and f"/center/trainees/{g.id}\"" not in page


def test_another_centers_recorded_job_does_not_show_in_completers_or_followups(client, world, factory, app):
    from talent.permissions import Actor
    from talent.placement import queries as pq
    g = world["g"]
    ended = clock.today() - timedelta(days=200)
    baku_done = factory.cohort(center=world["baku1"], status="completed", start_date=ended - timedelta(days=60),
                               end_date=ended)
    factory.enrollment(trainee=g, cohort=baku_done, status="completed")
    db.session.commit()
    with app.test_request_context("/"):
        baku1 = Actor.for_user(world["users"]["baku1"])
        ganja = Actor.for_user(world["users"]["ganja"])
        mine = {row.trainee_id: row.has_job for row in pq.completers_page(baku1).items}
        theirs = {row.trainee_id: row.has_job for row in pq.completers_page(ganja).items}
        due = [row.trainee_id for row in pq.followups_due(baku1, pq.FollowUpFilters()).items]
    assert mine == {g.id: False} and theirs == {g.id: True}
    assert g.id in due


@pytest.mark.parametrize("given,same", [
    (("Xəyal", "Şükürov", None), True),
    (("Khayal", "Shukurov", None), True),            # English-style spelling
    (("Xayal", "Sukurov", "Elcin oglu"), True),      # plain Latin, patronymic too
    (("ŞÜKÜROV", "XƏYAL", None), True),              # first and last name swapped, upper case
    (("Xəyal", "Şükürova", None), False),            # another last name
    (("Xəyala", "Şükürov", None), False),
    (("Xəyal", "Şükürov", "Rauf oğlu"), False),      # another father
    (("Хаял", "Шукюров", None), False),              # Cyrillic is not transliterated (reported)
    (("", "", None), False),
])
def test_same_person_name_is_lenient_but_not_blind(given, same):
    from talent.people.validation import same_person_name
    assert same_person_name(("Xəyal", "Şükürov", "Elçin oğlu"), given) is same


def test_web_verify_does_not_overturn_another_centers_decision(client, login_as, world, reported):
    g = world["g"]
    baku1_user, baku2_user = world["users"]["baku1"], world["users"]["baku2"]
    login_as(baku1_user)
    client.post(f"/center/cohorts/{world['full'].id}/enroll", data={"fin": g.fin, "birth_date": BIRTH.isoformat()})
    assert client.post(f"/center/placements/{reported.id}/verify").status_code == 404   # waitlisted only
    assert "Analyst" not in client.get("/center/placements").get_data(as_text=True)
    client.post("/logout")
    login_as(baku2_user)
    assert client.post(f"/center/placements/{reported.id}/reject", data={"reason": "No such company"}).status_code == 302
    client.post("/logout")
    login_as(baku1_user)
    client.post(f"/center/cohorts/{world['open'].id}/enroll", data={"fin": g.fin, "birth_date": BIRTH.isoformat()})
    assert "Analyst" in client.get("/center/placements").get_data(as_text=True)
    refused = client.post(f"/center/placements/{reported.id}/verify")
    assert refused.status_code == 409 and "Another center has already decided" in refused.get_data(as_text=True)
    assert client.get(f"/center/placements/{reported.id}/edit").status_code == 404
    db.session.expire_all()
    assert db.session.get(Placement, reported.id).verification == "rejected"
