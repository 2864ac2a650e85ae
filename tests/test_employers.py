"""Employers (issue 20, part 1): employer users confirm or decline the jobs that name their
employer, and post vacancies; the public vacancy list; two employers never see each other's data.
"""
from __future__ import annotations

from datetime import timedelta

import pytest

from talent import clock
from talent.accounts.models import User
from talent.accounts import invitations
from talent.audit import AuditEvent
from talent.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.permissions import Actor
from talent.placement import services as ps
from talent.placement.models import EmployerConfirmation, Placement, Vacancy, VacancyStatus
from talent.placement.services import employer as employers
from talent.placement.services import vacancies
from sqlalchemy import select
from tests.api_helpers import Api, api_for, field_names


def actor(user) -> Actor:
    return Actor.for_user(user)


@pytest.fixture
def two_employers(factory):
    """Employer A with a job of trainee 1 (center A), employer B with a job of trainee 2 (center B)."""
    center_a, center_b = factory.center(code="EA"), factory.center(code="EB")
    t1 = factory.trainee(first_name="Nigar", last_name="Əliyeva", registered_by_center_id=center_a.id)
    t2 = factory.trainee(first_name="Tural", last_name="Həsənov", registered_by_center_id=center_b.id)
    emp_a, emp_b = factory.employer("Azercell Telecom"), factory.employer("SOCAR")
    job_a = factory.placement(t1, emp_a, center_id=center_a.id, job_title="ML engineer", monthly_pay_azn=3200)
    job_b = factory.placement(t2, emp_b, center_id=center_b.id, job_title="Data analyst")
    user_a, user_b = factory.employer_user(emp_a), factory.employer_user(emp_b)
    db.session.commit()
    return {"center_a": center_a, "center_b": center_b, "t1": t1, "t2": t2, "emp_a": emp_a, "emp_b": emp_b,
            "job_a": job_a, "job_b": job_b, "user_a": user_a, "user_b": user_b}


# ---- confirm / decline (services) ------------------------------------------------------------

def test_an_employer_sees_only_the_jobs_naming_it_and_only_name_title_dates_pay(two_employers):
    w = two_employers
    jobs = employers.employer_jobs(actor(w["user_a"]))
    assert [j.id for j in jobs] == [w["job_a"].id]
    job = jobs[0]
    assert job.trainee_name == w["t1"].display_name and job.job_title == "ML engineer"
    assert job.monthly_pay_azn == 3200 and job.confirmation == EmployerConfirmation.PENDING
    # Nothing else about the person travels with it.
    assert set(vars(job)) == {"id", "trainee_name", "job_title", "start_date", "end_date", "monthly_pay_azn",
                              "confirmation", "confirmed_at", "decline_reason"}
    # The trainee can see that the employer looked.
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "placement.employer_list_view")).one()
    assert event.details["trainee_ids"] == [w["t1"].id]


def test_confirm_and_decline_by_the_right_employer_only(two_employers):
    w = two_employers
    a, b = actor(w["user_a"]), actor(w["user_b"])
    with pytest.raises(NotFound):
        employers.confirm_job(b, w["job_a"].id)          # another employer's job: not found
    with pytest.raises(NotFound):
        employers.decline_job(b, w["job_a"].id, "not ours")
    placement = employers.confirm_job(a, w["job_a"].id)
    assert placement.employer_confirmation == EmployerConfirmation.CONFIRMED
    assert placement.employer_confirmed_by_id == w["user_a"].id and placement.employer_confirmed_at is not None
    with pytest.raises(InvalidTransition):
        employers.confirm_job(a, w["job_a"].id)
    with pytest.raises(ValidationError) as error:
        employers.decline_job(a, w["job_a"].id, "   ")
    assert "reason" in error.value.fields
    employers.decline_job(a, w["job_a"].id, "She never worked here")
    assert placement.employer_confirmation == EmployerConfirmation.DECLINED
    assert placement.employer_decline_reason == "She never worked here"
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "placement")).all()
    assert {"placement.employer_confirm", "placement.employer_decline"} <= set(actions)


@pytest.mark.parametrize("role", ["admin", "center_admin", "ministry", "trainee"])
def test_nobody_but_the_employer_confirms_in_its_name(factory, two_employers, role):
    user = factory.center_admin(two_employers["center_a"]) if role == "center_admin" else (
        factory.trainee_user(two_employers["t1"]) if role == "trainee" else factory.user(role))
    with pytest.raises(PermissionDenied):
        employers.confirm_job(actor(user), two_employers["job_a"].id)


def test_a_job_a_center_rejected_does_not_exist_for_the_employer(factory, two_employers):
    w = two_employers
    rejected = factory.placement(factory.trainee(), w["emp_a"], source="self_reported", verification="rejected")
    with pytest.raises(NotFound):
        employers.confirm_job(actor(w["user_a"]), rejected.id)
    assert rejected.id not in {j.id for j in employers.employer_jobs(actor(w["user_a"]))}


def test_changing_a_confirmed_job_asks_the_employer_again(factory, two_employers):
    w = two_employers
    employers.confirm_job(actor(w["user_a"]), w["job_a"].id)
    admin = factory.center_admin(w["center_a"])
    factory.enrollment(w["t1"], factory.cohort(center=w["center_a"]))
    ps.update_placement(actor(admin), w["job_a"].id, job_title="Senior ML engineer")
    assert w["job_a"].employer_confirmation == EmployerConfirmation.PENDING
    assert w["job_a"].employer_confirmed_at is None


# ---- web -------------------------------------------------------------------------------------

def test_employer_pages_confirm_and_decline(client, login_as, two_employers):
    w = two_employers
    login_as(w["user_a"])
    assert client.get("/employer/").status_code == 302
    html = client.get("/employer/placements").get_data(as_text=True)
    assert w["t1"].first_name in html and "ML engineer" in html
    assert w["t2"].first_name not in html and "Data analyst" not in html
    assert w["t1"].fin not in html   # nothing but the name of the person
    # Another employer's job: 404 on every action.
    assert client.post(f"/employer/placements/{w['job_b'].id}/confirm").status_code == 404
    assert client.get(f"/employer/placements/{w['job_b'].id}/decline").status_code == 404
    assert client.post(f"/employer/placements/{w['job_b'].id}/decline", data={"reason": "x"}).status_code == 404
    # Decline without a reason: the form again, nothing changes.
    response = client.post(f"/employer/placements/{w['job_a'].id}/decline", data={"reason": ""})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Placement, w["job_a"].id).employer_confirmation == EmployerConfirmation.PENDING
    assert client.post(f"/employer/placements/{w['job_a'].id}/confirm").status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, w["job_a"].id).employer_confirmation == EmployerConfirmation.CONFIRMED
    assert db.session.get(Placement, w["job_b"].id).employer_confirmation == EmployerConfirmation.PENDING
    # Twice: a clear 409, not a 500.
    assert client.post(f"/employer/placements/{w['job_a'].id}/confirm").status_code == 409


def test_the_center_sees_who_confirmed(client, factory, login_as, two_employers):
    w = two_employers
    employers.confirm_job(actor(w["user_a"]), w["job_a"].id)
    admin = factory.center_admin(w["center_a"])
    db.session.commit()
    login_as(admin)
    html = client.get("/center/placements").get_data(as_text=True)
    assert "Azercell Telecom" in html
    assert "Confirmed by Azercell Telecom on" in html or "Azercell Telecom tərəfindən" in html


def test_employer_users_need_a_second_factor_where_it_is_required(app, factory):
    from talent.accounts import twofactor
    user = factory.employer_user()
    app.config["REQUIRE_2FA"] = True
    try:
        assert twofactor.required_for(user)
    finally:
        app.config["REQUIRE_2FA"] = False


# ---- API -------------------------------------------------------------------------------------

def test_api_confirm_and_decline(client, two_employers):
    w = two_employers
    api_a, api_b = api_for(client, w["user_a"]), api_for(client, w["user_b"])
    me = api_a.get("/me").get_json()
    assert me["role"] == "employer" and me["employer_id"] == w["emp_a"].id and me["center_ids"] == []
    listed = api_a.get("/employer/placements").get_json()["items"]   # paged (issue 20)
    assert [j["id"] for j in listed] == [w["job_a"].id]
    assert set(listed[0]) == {"id", "trainee_name", "job_title", "start_date", "end_date", "monthly_pay_azn",
                              "confirmation", "confirmed_at", "decline_reason"}
    assert api_b.post(f"/placements/{w['job_a'].id}/confirm").status_code == 404
    assert api_b.get(f"/placements/{w['job_a'].id}").status_code in (403, 404)
    answer = api_a.post(f"/placements/{w['job_a'].id}/confirm")
    assert answer.status_code == 200 and answer.get_json()["confirmation"] == "confirmed"
    assert api_a.post(f"/placements/{w['job_a'].id}/confirm").status_code == 409
    refused = api_a.post(f"/placements/{w['job_a'].id}/decline", json={"reason": ""})
    assert refused.status_code == 422 and "reason" in field_names(refused)
    declined = api_a.post(f"/placements/{w['job_a'].id}/decline", json={"reason": "Left before starting"})
    assert declined.get_json()["confirmation"] == "declined"


def test_api_confirm_refused_to_other_roles(client, factory, two_employers):
    w = two_employers
    for user in (factory.user("admin"), factory.center_admin(w["center_a"]), factory.user("ministry")):
        assert api_for(client, user).post(f"/placements/{w['job_a'].id}/confirm").status_code == 403
    assert Api(client).post(f"/placements/{w['job_a'].id}/confirm").status_code == 401


# ---- vacancies -------------------------------------------------------------------------------

def vacancy_body(**kw):
    body = {"title": "Machine learning engineer", "occupation_code": "2521", "skill_codes": ["MACHINE_LEARNING"],
            "country_code": "AZ", "openings": 3, "pay_min_azn": 2000, "pay_max_azn": 3500,
            "closes_on": (clock.today() + timedelta(days=30)).isoformat()}
    body.update(kw)
    return body


def test_vacancies_post_list_close_through_the_api(client, factory, two_employers):
    w = two_employers
    api_a = api_for(client, w["user_a"])
    created = api_a.post("/vacancies", json=vacancy_body(region_id=factory.region("BAKU").id))
    assert created.status_code == 201, created.get_json()
    vacancy = created.get_json()
    assert vacancy["employer_name"] == "Azercell Telecom" and vacancy["skills"] == ["MACHINE_LEARNING"]
    assert vacancy["region_code"] == "BAKU"
    # An employer posts for itself only.
    other = api_a.post("/vacancies", json=vacancy_body(employer_id=w["emp_b"].id))
    assert other.status_code == 422 and "employer_id" in field_names(other)
    # The public list: no token, no personal data, filters, paging.
    public = Api(client)
    page = public.get("/vacancies").get_json()
    assert page["total"] == 1 and page["items"][0]["title"] == "Machine learning engineer"
    text = str(page)
    for secret in (w["t1"].first_name, w["t1"].fin, w["user_a"].email):
        assert secret not in text
    assert public.get("/vacancies?occupation=25").get_json()["total"] == 1
    assert public.get("/vacancies?occupation=3").get_json()["total"] == 0
    assert public.get("/vacancies?skill=machine_learning&region=baku&country=AZ").get_json()["total"] == 1
    assert public.get("/vacancies?q=azercell").get_json()["total"] == 1
    assert public.get("/vacancies?q=socar").get_json()["total"] == 0
    assert public.get("/vacancies?q=%25").get_json()["total"] == 0   # a LIKE wildcard is a plain character
    assert public.get("/vacancies?limit=0").status_code == 422
    # Another employer cannot close it; its own employer can, and then it leaves the public list.
    assert api_for(client, w["user_b"]).post(f"/vacancies/{vacancy['id']}/close").status_code == 404
    closed = api_a.post(f"/vacancies/{vacancy['id']}/close")
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    assert api_a.post(f"/vacancies/{vacancy['id']}/close").status_code == 409
    assert public.get("/vacancies").get_json()["total"] == 0


def test_a_vacancy_past_its_closing_date_leaves_the_public_list(client, factory, two_employers):
    w = two_employers
    vacancy = vacancies.post_vacancy(actor(w["user_a"]), **vacancy_body(closes_on=clock.today().isoformat()))
    db.session.commit()
    assert Api(client).get("/vacancies").get_json()["total"] == 1
    vacancy.closes_on = clock.today() - timedelta(days=1)
    db.session.commit()
    assert Api(client).get("/vacancies").get_json()["total"] == 0


@pytest.mark.parametrize("change,field", [
    ({"pay_min_azn": 5000, "pay_max_azn": 3000}, "pay_max_azn"),
    ({"closes_on": "2020-01-01"}, "closes_on"),
    ({"occupation_code": "9999"}, "occupation_code"),
    ({"occupation_code": "25"}, "occupation_code"),           # a group, not an occupation
    ({"skill_codes": ["NO_SUCH_SKILL"]}, "skill_codes"),
    ({"country_code": "ZZ"}, "country_code"),
    ({"country_code": "TR", "region_id": 1}, "region_id"),    # a region of Azerbaijan for work in Turkey
    ({"openings": 0}, "openings"),
    ({"title": ""}, "title"),
    ({"closes_on": "31.02.2027"}, "closes_on"),
    ({"pay_min_azn": -5}, "pay_min_azn"),
])
def test_hostile_vacancies_get_a_clear_422_and_change_nothing(client, two_employers, change, field):
    api = api_for(client, two_employers["user_a"])
    response = api.post("/vacancies", json=vacancy_body(**change))
    assert response.status_code == 422, response.get_json()
    assert field in field_names(response), response.get_json()
    assert db.session.scalar(select(Vacancy.id)) is None


def test_a_center_posts_for_an_employer_named_in_its_jobs_only(client, factory, two_employers):
    w = two_employers
    admin_a = factory.center_admin(w["center_a"])
    api = api_for(client, admin_a)
    ok = api.post("/vacancies", json=vacancy_body(employer_id=w["emp_a"].id))
    assert ok.status_code == 201 and ok.get_json()["employer_id"] == w["emp_a"].id
    assert db.session.get(Vacancy, ok.get_json()["id"]).center_id == w["center_a"].id
    refused = api.post("/vacancies", json=vacancy_body(employer_id=w["emp_b"].id))
    assert refused.status_code == 422 and "employer_id" in field_names(refused)
    missing = api.post("/vacancies", json=vacancy_body())
    assert missing.status_code == 422 and "employer_id" in field_names(missing)
    # The ministry and trainees post nothing.
    assert api_for(client, factory.user("ministry")).post("/vacancies", json=vacancy_body()).status_code == 403


def test_employer_vacancy_page(client, login_as, two_employers):
    w = two_employers
    login_as(w["user_a"])
    assert client.get("/employer/vacancies").status_code == 200
    form = {"title": "Data annotator", "occupation_code": "2521", "country_code": "AZ", "openings": "2",
            "pay_min_azn": "900", "pay_max_azn": "700", "closes_on": (clock.today() + timedelta(days=10)).isoformat()}
    bad = client.post("/employer/vacancies", data=form)
    assert bad.status_code == 422 and db.session.scalar(select(Vacancy.id)) is None
    form["pay_max_azn"] = "1200"
    assert client.post("/employer/vacancies", data=form).status_code == 302
    vacancy = db.session.scalars(select(Vacancy)).one()
    assert vacancy.employer_id == w["emp_a"].id and vacancy.status == VacancyStatus.OPEN
    public = client.get("/vacancies").get_data(as_text=True)
    assert "Data annotator" in public and "Azercell Telecom" in public
    assert client.post(f"/employer/vacancies/{vacancy.id}/close").status_code == 302
    db.session.expire_all()
    assert db.session.get(Vacancy, vacancy.id).status == VacancyStatus.CLOSED


@pytest.mark.parametrize("lang", ["az", "en", "ru"])
def test_the_public_vacancy_page_in_each_language(client, two_employers, lang):
    vacancies.post_vacancy(actor(two_employers["user_a"]), **vacancy_body())
    db.session.commit()
    client.get(f"/lang/{lang}")
    response = client.get("/vacancies?occupation=abc&region=%27;--")
    assert response.status_code == 200
    assert "Machine learning engineer" in client.get("/vacancies").get_data(as_text=True)


# ---- employer users --------------------------------------------------------------------------

def test_an_administrator_creates_an_employer_user(client, factory, login_as, two_employers):
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    response = client.post("/admin/users/new", data={"email": "hr@azercell.az", "full_name": "HR Azercell",
                                                     "role": "employer", "employer_id": ""})
    assert response.status_code == 422
    response = client.post("/admin/users/new", data={"email": "hr@azercell.az", "full_name": "HR Azercell",
                                                     "role": "employer",
                                                     "employer_id": str(two_employers["emp_a"].id)})
    assert response.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "hr@azercell.az")).one()
    assert user.role == "employer" and user.employer_id == two_employers["emp_a"].id


def test_a_center_invites_users_of_employers_named_in_its_jobs_only(client, factory, login_as, two_employers):
    w = two_employers
    admin_a = factory.center_admin(w["center_a"])
    db.session.commit()
    login_as(admin_a)
    page = client.get("/center/employers").get_data(as_text=True)
    assert "Azercell Telecom" in page and "SOCAR" not in page
    refused = client.post("/center/employers", data={"employer_id": str(w["emp_b"].id), "email": "hr@socar.az",
                                                     "full_name": "HR SOCAR"})
    assert refused.status_code == 422
    assert db.session.scalar(select(User.id).where(User.email == "hr@socar.az")) is None
    ok = client.post("/center/employers", data={"employer_id": str(w["emp_a"].id), "email": "hr2@azercell.az",
                                                "full_name": "HR Two"})
    assert ok.status_code == 302
    user = db.session.scalars(select(User).where(User.email == "hr2@azercell.az")).one()
    assert user.role == "employer" and user.employer_id == w["emp_a"].id and user.password_hash is None
    # A center cannot (re)invite staff through the employer invitation right.
    with pytest.raises(PermissionDenied):
        invitations.invite_staff(actor(admin_a), admin_a.id)


def test_the_database_refuses_an_employer_user_without_an_employer(factory):
    from sqlalchemy.exc import IntegrityError
    with pytest.raises(IntegrityError):
        factory.user("employer")
    db.session.rollback()


def test_the_cli_creates_an_employer_user_for_an_existing_employer(app, factory, monkeypatch):
    monkeypatch.setenv("TALENT_NEW_PASSWORD", "a-long-test-password-1")
    employer = factory.employer("PASHA Bank")
    db.session.commit()
    runner = app.test_cli_runner()
    for args in ([], ["--employer", "999999"], ["--employer", str(2**40)]):
        result = runner.invoke(args=["users", "create", "--email", "hr@pasha.az", "--role", "employer", *args])
        assert result.exit_code == 1 and "Error:" in result.output, result.output
    result = runner.invoke(args=["users", "create", "--email", "hr@pasha.az", "--role", "employer",
                                 "--employer", str(employer.id)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalars(select(User).where(User.email == "hr@pasha.az")).one().employer_id == employer.id
    result = runner.invoke(args=["users", "create", "--email", "x@pasha.az", "--role", "admin",
                                 "--employer", str(employer.id)])
    assert result.exit_code == 1
