"""The trainee portal as a trainee: learning, certificates (PDF, share link, OB 3.0, JWT), jobs,
my data (download, who viewed my record, consents) — and trainee-to-trainee isolation."""
from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone

from pypdf import PdfReader
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.people.models import Trainee
from talent.placement.models import Placement
from tests.credentials_helpers import completed, issued
from talent import clock


def _me(factory, **kw):
    trainee = factory.trainee(**kw)
    user = factory.trainee_user(trainee)
    return trainee, user


def test_learning_page(client, factory, login_as):
    trainee, user = _me(factory)
    cohort = factory.cohort(status="running")
    factory.enrollment(trainee=trainee, cohort=cohort, status="enrolled", attendance_pct=75)
    soon = clock.today() + timedelta(days=2)
    factory.session(cohort, soon, topic="Neural networks")
    factory.session(cohort, clock.today() - timedelta(days=3), topic="Past topic")
    done = completed(factory, trainee=trainee, score=88)
    db.session.commit()
    login_as(user)
    response = client.get("/me/learning")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert cohort.course.title_en in html and done.cohort.course.title_en in html
    assert "Neural networks" in html and "Past topic" not in html
    assert "88" in html and "75" in html
    assert client.get("/me/").status_code == 302


def test_certificates_page_and_downloads(client, factory, login_as):
    trainee, user = _me(factory, first_name="Gülnarə", last_name="Hüseynova", patronymic="Elçin qızı")
    award = issued(factory, trainee=trainee)
    db.session.commit()
    login_as(user)
    html = client.get("/me/certificates").get_data(as_text=True)
    assert award.serial in html
    assert f"/verify/{award.verification_code}" in html
    assert f"/credentials/{award.verification_code}.json" in html
    assert f"/credentials/{award.verification_code}.jwt" in html
    pdf = client.get(f"/me/certificates/{award.id}.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    assert "Hüseynova Gülnarə Elçin qızı" in text


def test_trainee_cannot_reach_another_trainees_records(client, factory, login_as):
    me, user = _me(factory)
    other = factory.trainee(first_name="Orxan", last_name="Quliyev")
    other_award = issued(factory, trainee=other)
    from talent.placement.services import report_own_job
    from talent.permissions import Actor
    other_user = factory.trainee_user(other)
    other_job = report_own_job(Actor.for_user(other_user), employer_name="Azercell", country_code="AZ",
                               job_title="ML engineer", employment_type="full_time",
                               start_date=clock.today() - timedelta(days=10))
    db.session.commit()
    login_as(user)
    assert client.get(f"/me/certificates/{other_award.id}.pdf").status_code == 404
    assert client.get("/me/certificates/99999999999.pdf").status_code == 404
    assert client.get(f"/me/jobs/{other_job.id}/edit").status_code == 404
    assert client.post(f"/me/jobs/{other_job.id}/edit", data={"job_title": "x"}).status_code == 404
    assert client.post(f"/me/jobs/{other_job.id}/end", data={"end_date": clock.today().isoformat()}).status_code == 404
    for page in ("/me/learning", "/me/certificates", "/me/jobs", "/me/data"):
        html = client.get(page).get_data(as_text=True)
        assert "Orxan" not in html and other_award.serial not in html and "Azercell" not in html
    data = client.get("/me/data.json").get_json()
    assert data["person"]["fin"] == me.fin
    assert other.fin not in json.dumps(data)
    db.session.expire_all()
    assert db.session.get(Placement, other_job.id).end_date is None


def test_portal_pages_refuse_other_roles(client, factory, login_as):
    admin = factory.center_admin()
    db.session.commit()
    login_as(admin)
    for page in ("/me/learning", "/me/certificates", "/me/jobs", "/me/data", "/me/data.json"):
        assert client.get(page).status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/me/learning").status_code == 302


def test_jobs_report_edit_end(client, factory, login_as):
    trainee, user = _me(factory)
    completed(factory, trainee=trainee)
    db.session.commit()
    login_as(user)
    assert client.get("/me/jobs").status_code == 200
    bad = client.post("/me/jobs", data={"employer_name": "", "country_code": "AZ", "job_title": "Analyst",
                                        "employment_type": "full_time", "start_date": "2024-02-30"})
    assert bad.status_code == 422
    assert db.session.scalar(select(func.count(Placement.id))) == 0
    start = (clock.today() - timedelta(days=40)).isoformat()
    ok = client.post("/me/jobs", data={"employer_name": "Kapital Bank", "country_code": "AZ",
                                       "job_title": "Data analyst", "employment_type": "full_time",
                                       "start_date": start, "monthly_pay_azn": "2100"})
    assert ok.status_code == 302, ok.get_data(as_text=True)[:3000]
    job = db.session.scalar(select(Placement))
    assert job.source == "self_reported" and job.verification == "pending" and job.trainee_id == trainee.id
    html = client.get("/me/jobs").get_data(as_text=True)
    assert "Kapital Bank" in html and "Data analyst" in html
    assert client.get(f"/me/jobs/{job.id}/edit").status_code == 200
    edited = client.post(f"/me/jobs/{job.id}/edit", data={
        "employer_name": "Kapital Bank", "country_code": "AZ", "job_title": "Senior data analyst",
        "employment_type": "full_time", "start_date": start})
    assert edited.status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, job.id).job_title == "Senior data analyst"
    future = client.post(f"/me/jobs/{job.id}/end", data={"end_date": (clock.today() + timedelta(days=5)).isoformat()})
    assert future.status_code == 422
    ended = client.post(f"/me/jobs/{job.id}/end", data={"end_date": clock.today().isoformat()})
    assert ended.status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, job.id).end_date == clock.today()


def test_my_data_download_views_and_consents(client, factory, login_as):
    trainee, user = _me(factory)
    award = issued(factory, trainee=trainee)
    admin = factory.center_admin(award.center)
    db.session.commit()
    login_as(admin)
    assert client.get(f"/center/awards/{award.id}").status_code == 200
    client.post("/logout")
    login_as(user)
    html = client.get("/me/data").get_data(as_text=True)
    # the action by its label in the page's language, not its audit code
    assert admin.email in html and "Certificate viewed" in html and "award.view" not in html
    download = client.get("/me/data.json")
    assert download.status_code == 200
    assert "attachment" in download.headers["Content-Disposition"]
    data = download.get_json()
    assert data["person"]["first_name"] == "Aysel" and data["person"]["last_name"] == "Məmmədova"
    assert data["awards"][0]["serial"] == award.serial
    assert data["enrollments"][0]["status"] == "completed"
    assert any(e["action"] == "award.view" for e in data["record_access"])
    # Withdraw the optional consents.
    assert trainee.followup_consent is True
    response = client.post("/me/data/consents", data={"research_consent": "y"})
    assert response.status_code == 302
    db.session.expire_all()
    fresh = db.session.get(Trainee, trainee.id)
    assert fresh.followup_consent is False and fresh.research_consent is True
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.consent")) is not None


def test_consents_need_csrf(client, factory, login_as, app, monkeypatch):
    trainee, user = _me(factory)
    db.session.commit()
    login_as(user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post("/me/data/consents", data={}).status_code == 400
    db.session.expire_all()
    assert db.session.get(Trainee, trainee.id).followup_consent is True


def test_job_form_garbage_is_refused(client, factory, login_as):
    trainee, user = _me(factory)
    db.session.commit()
    login_as(user)
    start = (clock.today() - timedelta(days=5)).isoformat()
    for data in ({"employer_name": "Bad\x00Co", "country_code": "AZ", "job_title": "Analyst",
                  "employment_type": "full_time", "start_date": start},
                 {"employer_name": "Co", "country_code": "ZZ", "job_title": "Analyst",
                  "employment_type": "astronaut", "start_date": start, "monthly_pay_azn": "lots"},
                 {"employer_name": "Co" * 200, "country_code": "AZ", "job_title": "A\x07",
                  "employment_type": "full_time", "start_date": "17.05.2024x"}):
        response = client.post("/me/jobs", data=data)
        assert response.status_code == 422
    assert db.session.scalar(select(func.count(Placement.id))) == 0
