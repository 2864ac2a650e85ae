"""Issue 20, second part: a job linked to the vacancy it filled (only the employer's own), the
employer's job list paged past 200, and the center told when an employer declines its job."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from talent import clock
from talent.audit import AuditEvent
from talent.errors import ValidationError
from talent.extensions import db
from talent.notifications.models import OutboxMessage
from talent.permissions import Actor
from talent.placement import services as ps
from talent.placement.models import Placement, Vacancy
from talent.placement.services import employer as employers
from tests.api_helpers import api_for, field_names
from tests.notifications_helpers import SmtpPeer, text_of


def _vacancy(employer, title="ML engineer"):
    vacancy = Vacancy(employer_id=employer.id, title=title, occupation_code="2521", country_code="AZ", openings=2,
                      closes_on=clock.today() + timedelta(days=30), status="open")
    db.session.add(vacancy)
    db.session.flush()
    return vacancy


JOB = {"employer_name": "Azercell Telecom", "country_code": "AZ", "job_title": "ML engineer",
       "employment_type": "full_time", "start_date": "2026-01-15"}


@pytest.fixture
def jobs_world(factory):
    center = factory.center(code="VL")
    trainee = factory.trainee(registered_by_center_id=center.id)
    mine, other = factory.employer("Azercell Telecom"), factory.employer("SOCAR")
    admin = factory.center_admin(center)
    world = {"center": center, "trainee": trainee, "mine": _vacancy(mine), "other": _vacancy(other, "Analyst"),
             "admin": admin, "employer": mine}
    db.session.commit()
    return world


# ---- the vacancy a job filled ------------------------------------------------------------------

def test_a_job_links_only_a_vacancy_of_its_own_employer(jobs_world):
    w = jobs_world
    staff = Actor.for_user(w["admin"])
    for bad in (w["other"].id, "abc", 999_999_999, -3):
        with pytest.raises(ValidationError) as error:
            ps.record_placement(staff, w["trainee"].id, vacancy_id=bad, **JOB)
        assert "vacancy_id" in error.value.fields
        db.session.rollback()
    assert db.session.scalar(select(Placement.id)) is None          # nothing was recorded
    job = ps.record_placement(staff, w["trainee"].id, vacancy_id=str(w["mine"].id), **JOB)
    assert job.vacancy_id == w["mine"].id
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "placement.create")).one()
    assert event.details["vacancy_id"] == w["mine"].id
    db.session.commit()
    # Changing the employer without naming a vacancy of the new one is refused; clearing is allowed.
    with pytest.raises(ValidationError) as error:
        ps.update_placement(staff, job.id, employer_name="SOCAR")
    assert "vacancy_id" in error.value.fields
    db.session.rollback()
    ps.update_placement(staff, job.id, employer_name="SOCAR", vacancy_id=w["other"].id)
    assert job.vacancy_id == w["other"].id
    ps.update_placement(staff, job.id, vacancy_id="")
    assert job.vacancy_id is None
    ps.update_placement(staff, job.id, job_title="Data engineer")   # not named: the link is left alone


def test_a_deleted_vacancy_leaves_the_job_without_a_link(jobs_world):
    w = jobs_world
    job = ps.record_placement(Actor.for_user(w["admin"]), w["trainee"].id, vacancy_id=w["mine"].id, **JOB)
    db.session.commit()
    db.session.delete(db.session.get(Vacancy, w["mine"].id))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Placement, job.id).vacancy_id is None


def test_the_job_form_offers_vacancies_and_refuses_another_employers(client, login_as, jobs_world):
    w = jobs_world
    login_as(w["admin"])
    url = f"/center/trainees/{w['trainee'].id}/placements/new"
    form = client.get(url).get_data(as_text=True)
    assert f'value="{w["mine"].id}"' in form and "Azercell Telecom — ML engineer" in form
    data = {**JOB, "start_date": "2026-01-15", "vacancy_id": str(w["other"].id)}
    refused = client.post(url, data=data)
    assert refused.status_code == 422
    db.session.expire_all()
    assert db.session.scalar(select(Placement.id)) is None
    assert client.post(url, data={**data, "vacancy_id": str(w["mine"].id)}).status_code == 302
    job = db.session.scalars(select(Placement)).one()
    assert job.vacancy_id == w["mine"].id
    edit = client.get(f"/center/placements/{job.id}/edit").get_data(as_text=True)
    assert f'<option selected value="{w["mine"].id}"' in edit or f'value="{w["mine"].id}" selected' in edit


def test_the_api_records_and_changes_the_vacancy(client, jobs_world):
    w = jobs_world
    api = api_for(client, w["admin"])
    refused = api.post("/placements", json={**JOB, "trainee_id": w["trainee"].id, "vacancy_id": w["other"].id})
    assert refused.status_code == 422 and "vacancy_id" in field_names(refused)
    created = api.post("/placements", json={**JOB, "trainee_id": w["trainee"].id, "vacancy_id": w["mine"].id})
    assert created.status_code == 201 and created.get_json()["vacancy_id"] == w["mine"].id
    job_id = created.get_json()["id"]
    assert api.patch(f"/placements/{job_id}", json={"job_title": "Lead"}).get_json()["vacancy_id"] == w["mine"].id
    assert api.patch(f"/placements/{job_id}", json={"vacancy_id": None}).get_json()["vacancy_id"] is None


# ---- the employer's job list, paged ------------------------------------------------------------

@pytest.fixture
def many_jobs(factory):
    employer = factory.employer("Big Employer")
    trainee = factory.trainee()
    start = clock.today() - timedelta(days=400)
    for i in range(205):
        factory.placement(trainee, employer, job_title=f"Job {i:03d}", start_date=start + timedelta(days=i))
    user = factory.employer_user(employer)
    db.session.commit()
    return user


def test_the_employer_pages_through_more_than_200_jobs(client, login_as, many_jobs):
    login_as(many_jobs)
    first = client.get("/employer/placements").get_data(as_text=True)
    assert "Job 204" in first and "Job 180" in first and "Job 179" not in first   # 25 a page, newest first
    assert "page=9" in first                                                       # 205 / 25 → 9 pages
    last = client.get("/employer/placements?page=9").get_data(as_text=True)
    assert "Job 000" in last and "Job 004" in last and "Job 005" not in last
    assert client.get("/employer/placements?page=abc").status_code == 200


def test_the_employer_api_pages_through_more_than_200_jobs(client, many_jobs):
    api = api_for(client, many_jobs)
    seen, page = [], 1
    while page:
        body = api.get(f"/employer/placements?limit=100&page={page}").get_json()
        assert body["total"] == 205 and len(body["items"]) <= 100
        seen += [item["job_title"] for item in body["items"]]
        page = body["next_page"]
    assert len(seen) == 205 == len(set(seen)) and seen[0] == "Job 204" and seen[-1] == "Job 000"
    assert api.get("/employer/placements?limit=0").status_code == 422


# ---- the center is told of a decline -------------------------------------------------------------

@pytest.fixture
def peer(app, monkeypatch):
    server = SmtpPeer()
    with server as received, app.test_request_context("/", headers={"Accept-Language": "en"}):
        monkeypatch.setitem(app.config, "MAIL_SENDER", "smtp")
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        yield received


def test_a_decline_is_mailed_to_the_recording_centers_admins_in_their_language_after_commit(factory, peer):
    center, elsewhere = factory.center(code="DC"), factory.center(code="DX")
    trainee = factory.trainee(first_name="Nigar", last_name="Əliyeva", registered_by_center_id=center.id)
    employer = factory.employer("Azercell Telecom")
    job = factory.placement(trainee, employer, center_id=center.id, job_title="ML engineer")
    factory.center_admin(center, email="ru.admin@center.az", locale="ru")
    factory.center_admin(center, email="az.admin@center.az")                 # no language: Azerbaijani
    factory.center_admin(center, email="gone@center.az", active=False)        # deactivated: not told
    factory.center_admin(elsewhere, email="other@center.az")                  # another center: not told
    user = factory.employer_user(employer)
    db.session.commit()

    employers.decline_job(Actor.for_user(user), job.id, "Never worked here")
    db.session.flush()
    rows = list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "placement_declined")
                                   .order_by(OutboxMessage.recipient)))
    assert [(r.recipient, r.locale) for r in rows] == [("az.admin@center.az", "az"), ("ru.admin@center.az", "ru")]
    assert peer.messages == []                                               # written, not sent
    db.session.rollback()
    assert db.session.scalar(select(OutboxMessage.id)) is None and peer.messages == []

    employers.decline_job(Actor.for_user(user), job.id, "Never worked here")
    db.session.commit()
    messages = {m["To"]: m for m in peer.wait_for(2)}
    assert set(messages) == {"az.admin@center.az", "ru.admin@center.az"}
    ru, az = messages["ru.admin@center.az"], messages["az.admin@center.az"]
    assert "Azercell Telecom" in ru["Subject"] and ru["Subject"].startswith("Работ")
    assert "Never worked here" in text_of(ru) and "Əliyeva" in text_of(ru) and "/center/placements" in text_of(ru)
    assert az["Subject"] != ru["Subject"] and "Never worked here" in text_of(az)


def test_a_confirmation_tells_nobody(factory):
    center = factory.center()
    job = factory.placement(factory.trainee(), factory.employer("E1"), center_id=center.id)
    factory.center_admin(center)
    user = factory.employer_user(job.employer)
    employers.confirm_job(Actor.for_user(user), job.id)
    db.session.flush()
    assert db.session.scalar(select(OutboxMessage.id)) is None
