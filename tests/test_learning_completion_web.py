"""Issue 14 on the center pages and the API: completing with a summary, correcting a result after
completion (and the trainee seeing it), attendance only for started sessions with "mark all
present", a duplicate enrollment answered on the form, a completed cohort's numbers and the
completers' actual completion date."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.audit import AuditEvent
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.models import Attendance, Cohort, Enrollment, ResultCorrection
from tests.api_helpers import api_for


@pytest.fixture
def world(factory):
    center = factory.center(code="MINE")
    cert = factory.certification(pass_mark=60, min_attendance=50)
    cohort = factory.cohort(center=center, course=factory.course(certification=cert), status="running",
                            code="MINE-1", capacity=40, start_date=clock.today() - timedelta(days=30),
                            end_date=clock.today() - timedelta(days=1))
    session = factory.session(cohort, cohort.start_date)
    people = {name: factory.enrollment(trainee=factory.trainee(first_name=name, last_name="Test"), cohort=cohort)
              for name in ("Passer", "Lowscore", "Noscore")}
    for e in people.values():
        db.session.add(Attendance(session_id=session.id, enrollment_id=e.id, mark="present"))
    people["Passer"].final_score = Decimal(80)
    people["Lowscore"].final_score = Decimal(40)
    admin = factory.center_admin(center)
    db.session.commit()
    return {"center": center, "cohort": cohort, "session": session, "admin": admin, **people}


def _reload(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


def test_complete_page_shows_who_passes_and_missing_scores_block(client, login_as, world):
    cohort = world["cohort"]
    login_as(world["admin"])
    detail = client.get(f"/center/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/center/cohorts/{cohort.id}/complete" in detail   # completing starts with the summary
    page = client.get(f"/center/cohorts/{cohort.id}/complete").get_data(as_text=True)
    assert "1 will pass, 2 will not pass." in page
    assert "score below the pass mark" in page and "no final score" in page
    assert f'name="did_not_sit" value="{world["Noscore"].id}"' in page
    assert f'name="did_not_sit" value="{world["Lowscore"].id}"' not in page
    # submitting without marking the trainee without a score: refused, nothing changes
    refused = client.post(f"/center/cohorts/{cohort.id}/complete", data={"version": str(cohort.version)})
    assert refused.status_code == 422
    text = refused.get_data(as_text=True)
    assert "Trainees without a final score: 1" in text and "No final score." in text
    assert _reload(cohort).status == "running"
    assert _reload(world["Noscore"]).status == "enrolled"
    # the old status button is refused the same way (the rule is in the service)
    old = client.post(f"/center/cohorts/{cohort.id}/status", data={"target": "completed", "version": str(cohort.version)})
    assert old.status_code == 422 and _reload(cohort).status == "running"
    done = client.post(f"/center/cohorts/{cohort.id}/complete",
                       data={"version": str(cohort.version), "did_not_sit": str(world["Noscore"].id)},
                       follow_redirects=True)
    assert done.status_code == 200
    assert "completed: 1 passed, 2 did not pass." in done.get_data(as_text=True)
    assert [_reload(world[n]).status for n in ("Passer", "Lowscore", "Noscore")] == ["completed", "failed", "failed"]
    assert _reload(world["Noscore"]).did_not_sit


def test_completed_cohort_shows_its_people_not_free_seats(client, login_as, world, factory):
    cohort = world["cohort"]
    for _ in range(36):
        factory.enrollment(cohort=cohort, status="completed", completed_at=datetime.now(timezone.utc))
    for name in ("Passer", "Lowscore", "Noscore"):
        world[name].status = "failed"
    cohort.status, cohort.completed_at = "completed", datetime.now(timezone.utc)
    db.session.commit()
    login_as(world["admin"])
    detail = client.get(f"/center/cohorts/{cohort.id}").get_data(as_text=True)
    assert "free" not in detail and "39 / 40" in detail       # was "0 / 40 (40 free)"
    listing = client.get("/center/cohorts").get_data(as_text=True)
    assert "39 / 40" in listing and "0 / 40" not in listing
    api = api_for(client, world["admin"])
    body = api.get(f"/cohorts/{cohort.id}").get_json()
    assert (body["enrolled"], body["finished"]) == (0, 39)


def test_completers_page_shows_the_actual_completion_date(client, login_as, world, factory):
    cohort = factory.cohort(center=world["center"], status="completed", code="EARLY-1",
                            start_date=clock.today() - timedelta(days=60), end_date=clock.today() + timedelta(days=90),
                            completed_at=datetime.now(timezone.utc) - timedelta(days=3),
                            completion_override_reason="Intensive")
    factory.enrollment(trainee=factory.trainee(last_name="Earlybird"), cohort=cohort, status="completed")
    db.session.commit()
    login_as(world["admin"])
    page = client.get("/center/completers").get_data(as_text=True)
    row = page[page.index("Earlybird"):][:400]
    from flask_babel import format_date
    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        actual = format_date(clock.local_date(cohort.completed_at), "medium")
        planned = format_date(cohort.end_date, "medium")
    assert actual in row and planned not in row


def test_correct_a_result_and_the_trainee_sees_it(client, login_as, world, factory):
    cohort, low = world["cohort"], world["Lowscore"]
    user = factory.trainee_user(trainee=low.trainee)
    db.session.commit()
    login_as(world["admin"])
    client.post(f"/center/cohorts/{cohort.id}/complete",
                data={"version": str(cohort.version), "did_not_sit": str(world["Noscore"].id)})
    assert _reload(low).status == "failed"
    detail = client.get(f"/center/cohorts/{cohort.id}").get_data(as_text=True)
    assert f"/center/enrollments/{low.id}/correct" in detail
    form = client.get(f"/center/enrollments/{low.id}/correct")
    assert form.status_code == 200 and "Reason for the correction" in form.get_data(as_text=True)
    missing_reason = client.post(f"/center/enrollments/{low.id}/correct", data={"final_score": "75"})
    assert missing_reason.status_code == 422 and _reload(low).final_score == Decimal(40)
    bad = client.post(f"/center/enrollments/{low.id}/correct", data={"final_score": "750", "reason": "x"})
    assert bad.status_code == 422 and "0 to 100" in bad.get_data(as_text=True)
    ok = client.post(f"/center/enrollments/{low.id}/correct",
                     data={"final_score": "75", "reason": "Page 3 was not counted"})
    assert ok.status_code == 302
    low = _reload(low)
    assert (low.status, low.final_score) == ("completed", Decimal("75.00"))
    assert db.session.scalar(select(func.count()).select_from(Award).where(Award.enrollment_id == low.id)) == 1
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "enrollment.correct"))
    assert event.details["old"]["final_score"] == "40.00" and event.details["new"]["status"] == "completed"
    # the trainee sees the correction and its reason on their portal
    client.post("/logout")
    login_as(user)
    page = client.get("/me/learning").get_data(as_text=True)
    assert "Result corrected on" in page and "Page 3 was not counted" in page and "75" in page


def test_correction_window_closed_answers_on_the_form(client, login_as, world, app):
    cohort = world["cohort"]
    login_as(world["admin"])
    client.post(f"/center/cohorts/{cohort.id}/complete",
                data={"version": str(cohort.version), "did_not_sit": str(world["Noscore"].id)})
    cohort = _reload(cohort)
    cohort.completed_at = datetime.now(timezone.utc) - timedelta(days=31)
    db.session.commit()
    low = world["Lowscore"]
    page = client.get(f"/center/enrollments/{low.id}/correct").get_data(as_text=True)
    assert "Results could be corrected until" in page
    refused = client.post(f"/center/enrollments/{low.id}/correct", data={"final_score": "75", "reason": "late"})
    assert refused.status_code == 409 and "30 days after completion" in refused.get_data(as_text=True)
    assert _reload(low).final_score == Decimal(40)
    assert f"/center/enrollments/{low.id}/correct" not in client.get(f"/center/cohorts/{cohort.id}").get_data(as_text=True)


def test_attendance_for_future_session_refused_and_mark_all_present(client, login_as, world, factory):
    cohort = world["cohort"]
    cohort.end_date = clock.today() + timedelta(days=10)
    later = clock.now() + timedelta(days=3)
    future = factory.session(cohort, later.date())
    db.session.commit()
    login_as(world["admin"])
    e = world["Passer"]
    page = client.get(f"/center/cohorts/{cohort.id}/sessions/{future.id}/attendance").get_data(as_text=True)
    assert "has not started yet" in page and "Mark all present" not in page
    refused = client.post(f"/center/cohorts/{cohort.id}/sessions/{future.id}/attendance", data={f"mark-{e.id}": "present"})
    assert refused.status_code == 422 and "has not started yet" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Attendance).where(Attendance.session_id == future.id)) == 0
    refused = client.post(f"/center/cohorts/{cohort.id}/sessions/{future.id}/all-present", follow_redirects=True)
    assert "has not started yet" in refused.get_data(as_text=True)
    # a started session: mark all present, then the exceptions
    started = factory.session(cohort, cohort.start_date + timedelta(days=1))
    db.session.add(Attendance(session_id=started.id, enrollment_id=world["Lowscore"].id, mark="absent"))
    db.session.commit()
    grid = client.get(f"/center/cohorts/{cohort.id}/sessions/{started.id}/attendance").get_data(as_text=True)
    assert "Mark all present" in grid
    done = client.post(f"/center/cohorts/{cohort.id}/sessions/{started.id}/all-present", follow_redirects=True)
    assert "2 trainees marked present" in done.get_data(as_text=True)
    marks = dict(db.session.execute(select(Attendance.enrollment_id, Attendance.mark)
                                    .where(Attendance.session_id == started.id)).all())
    assert marks == {world["Passer"].id: "present", world["Lowscore"].id: "absent", world["Noscore"].id: "present"}


def test_enrolling_a_fin_already_in_the_cohort_answers_on_the_form(client, login_as, world):
    cohort, e = world["cohort"], world["Passer"]
    login_as(world["admin"])
    response = client.post(f"/center/cohorts/{cohort.id}/enroll", data={"fin": e.trainee.fin,
                                                                        "birth_date": e.trainee.birth_date.isoformat()})
    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "already in this cohort" in page and 'class="invalid-feedback d-block" id="fin-err"' in page
    assert f'href="#enrollment-{e.id}"' in page and f'id="enrollment-{e.id}"' in page
    assert "Enroll a trainee" in page   # the same form, not an error page


# ---- the API ---------------------------------------------------------------------------------

def test_api_completion_names_people_without_scores(client, world):
    cohort, api = world["cohort"], api_for(client, world["admin"])
    preview = api.get(f"/cohorts/{cohort.id}/completion-preview").get_json()
    assert (preview["passing"], preview["failing"], preview["missing_scores"]) == (1, 2, [world["Noscore"].id])
    refused = api.post(f"/cohorts/{cohort.id}/status", json={"status": "completed"})
    assert refused.status_code == 422
    body = refused.get_json()
    assert body["code"] == "missing_scores"
    assert [e["field"] for e in body["errors"]] == [f"enrollments[{world['Noscore'].id}]"]
    assert _reload(cohort).status == "running"
    done = api.post(f"/cohorts/{cohort.id}/status", json={"status": "completed", "did_not_sit": [world["Noscore"].id]})
    assert done.status_code == 200 and done.get_json()["finished"] == 3


def test_api_correction_and_attendance(client, world, factory):
    cohort, api = world["cohort"], api_for(client, world["admin"])
    cohort.end_date = clock.today() + timedelta(days=10)
    future = factory.session(cohort, (clock.now() + timedelta(days=3)).date())
    db.session.commit()
    refused = api.post(f"/cohorts/{cohort.id}/attendance", json={"marks": [
        {"session_id": future.id, "enrollment_id": world["Passer"].id, "mark": "present"}]})
    assert refused.status_code == 422 and refused.get_json()["code"] == "session_not_started"
    assert api.post(f"/cohorts/{cohort.id}/sessions/{future.id}/all-present").status_code == 422
    assert api.post(f"/cohorts/{cohort.id}/sessions/{world['session'].id}/all-present").get_json()["written"] == 0
    low = world["Lowscore"]
    early = api.post(f"/enrollments/{low.id}/correction", json={"final_score": 70, "reason": "x"})
    assert early.status_code == 409   # not completed yet: the scores page is the place
    api.post(f"/cohorts/{cohort.id}/status", json={"status": "completed", "reason": "Finished early",
                                                   "did_not_sit": [world["Noscore"].id]})
    no_reason = api.post(f"/enrollments/{low.id}/correction", json={"final_score": 70, "reason": " "})
    assert no_reason.status_code == 422
    fixed = api.post(f"/enrollments/{low.id}/correction", json={"final_score": 70.5, "reason": "Recounted"})
    assert fixed.status_code == 201
    body = fixed.get_json()
    assert (body["old_status"], body["new_status"], body["enrollment"]["status"]) == ("failed", "completed", "completed")
    assert db.session.scalar(select(func.count()).select_from(ResultCorrection)) == 1
    other = factory.center_admin(factory.center())
    db.session.commit()
    assert api_for(client, other).post(f"/enrollments/{low.id}/correction",
                                       json={"final_score": 10, "reason": "x"}).status_code == 404
