"""Online applications (issue 19): apply (web form and API), eligibility, the oracle-free answer,
duplicates, the honeypot, rate limits, the private status link, and the center's review (identity
rule, capacity, reject with a reason, bulk, scope)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from talent import clock
from talent.applications import services as applications
from talent.applications.models import Application, ApplicationStatus
from talent.errors import Conflict, Duplicate, NotFound, ValidationError
from talent.extensions import db
from talent.learning.models import Enrollment, EnrollmentStatus
from talent.notifications.models import OutboxMessage
from talent.people.models import Trainee
from talent.permissions import Actor, may_see_trainee
from tests.api_helpers import Api, api_for


def _open_cohort(factory, center=None, course=None, **kw):
    start = kw.pop("start_date", clock.today() + timedelta(days=20))
    return factory.cohort(center=center, course=course, status=kw.pop("status", "open"), start_date=start,
                          capacity=kw.pop("capacity", 10), **kw)


def _form(**kw):
    data = {"fin": "5ABCD12", "birth_date": "1999-03-04", "first_name": "Leyla", "last_name": "Həsənova",
            "patronymic": "", "gender": "F", "home_region": "BAKU", "education_level": "bachelor",
            "email": "leyla@example.az", "phone": "050 123 45 67", "consent": "y"}
    data.update(kw)
    return data


def _actor(user):
    return Actor.for_user(user)


# ---- applying --------------------------------------------------------------------------------------

def test_apply_stores_the_application_with_consent_and_a_hashed_token(factory):
    cohort = _open_cohort(factory)
    result = applications.submit(_form(), cohort_id=cohort.id, language="en")
    row = db.session.get(Application, result.application.id)
    assert row.status == ApplicationStatus.SUBMITTED and row.fin == "5ABCD12"
    assert row.phone == "+994501234567" and row.language == "en"
    assert row.consent_version == applications.CONSENT_VERSION and row.consent_at is not None
    assert result.token not in row.token_hash and row.token_hash == applications.hash_token(result.token)
    assert applications.by_token(result.token).id == row.id
    sent = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "application_received")).all()
    assert len(sent) == 1 and sent[0].recipient == "leyla@example.az" and result.token in sent[0].body_text


def test_no_email_no_message_and_a_contact_is_required(factory):
    cohort = _open_cohort(factory)
    applications.submit(_form(email=""), cohort_id=cohort.id)
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "application_received")) is None
    with pytest.raises(ValidationError) as error:
        applications.submit(_form(fin="5ABCD13", email="", phone=""), cohort_id=cohort.id)
    assert "phone" in error.value.fields


def test_consent_is_required_and_bad_fields_are_named(factory):
    cohort = _open_cohort(factory)
    with pytest.raises(ValidationError) as error:
        applications.submit(_form(consent="", fin="12", birth_date="31.02.2000", gender="x"), cohort_id=cohort.id)
    assert {"consent", "fin", "birth_date", "gender"} <= set(error.value.fields)
    assert db.session.scalar(select(Application.id)) is None


@pytest.mark.parametrize("status,days", [("running", 20), ("completed", 20), ("cancelled", 20), ("open", 0),
                                         ("planned", -3)])
def test_only_open_or_planned_cohorts_with_a_future_start_take_applications(factory, status, days):
    cohort = _open_cohort(factory, status=status, start_date=clock.today() + timedelta(days=days))
    with pytest.raises(ValidationError):
        applications.submit(_form(), cohort_id=cohort.id)


def test_a_planned_cohort_takes_applications(factory):
    cohort = _open_cohort(factory, status="planned")
    assert applications.submit(_form(), cohort_id=cohort.id).application is not None


def test_duplicate_refused_politely_and_after_rejection_allowed(factory):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    first = applications.submit(_form(), cohort_id=cohort.id)
    with pytest.raises(Duplicate) as error:
        applications.submit(_form(fin=" 5abcd12 ", first_name="Someone"), cohort_id=cohort.id)
    assert "Leyla" not in str(error.value.message) and "submitted" not in str(error.value.message)
    applications.reject(_actor(admin), first.application.id, "No seats for this profile")
    assert applications.submit(_form(), cohort_id=cohort.id).application is not None


def test_honeypot_answers_the_same_and_writes_nothing(factory):
    cohort = _open_cohort(factory)
    result = applications.submit(_form(website="http://spam"), cohort_id=cohort.id)
    assert result.application is None and len(result.token) >= 20
    assert db.session.scalar(select(Application.id)) is None


# ---- eligibility ------------------------------------------------------------------------------------

def test_eligibility_education_and_age_at_start(factory):
    course = factory.course(min_education_level="bachelor", min_age=18, max_age=30)
    cohort = _open_cohort(factory, course=course)
    with pytest.raises(ValidationError) as error:
        applications.submit(_form(education_level="secondary"), cohort_id=cohort.id)
    assert "education_level" in error.value.fields
    with pytest.raises(ValidationError) as error:
        applications.submit(_form(education_level=""), cohort_id=cohort.id)
    assert "education_level" in error.value.fields
    # Ages counted back from the cohort's start with clock.add_months, which clamps 29 February (a
    # start on 29 Feb 2028 made date.replace(year=...) raise); the eligible person is 25 at the start
    # whatever the year (born 1999-03-04, they are 31 at any start after 3 March 2030: the test would fail then).
    young = clock.add_months(cohort.start_date, -12 * 17)
    with pytest.raises(ValidationError) as error:
        applications.submit(_form(birth_date=young.isoformat()), cohort_id=cohort.id)
    assert "18" in error.value.fields["birth_date"]
    old = clock.add_months(cohort.start_date, -12 * 31)
    with pytest.raises(ValidationError) as error:
        applications.submit(_form(birth_date=old.isoformat()), cohort_id=cohort.id)
    assert "30" in error.value.fields["birth_date"]
    eligible = clock.add_months(cohort.start_date, -12 * 25)
    assert applications.submit(_form(education_level="master", birth_date=eligible.isoformat()),
                               cohort_id=cohort.id).application is not None


def test_required_certification_is_checked_on_acceptance(factory):
    from talent.credentials.services import issue_award
    earlier = factory.cohort(status="completed")
    course = factory.course(required_certification_id=earlier.course.certification_id)
    cohort = _open_cohort(factory, course=course)
    admin = factory.center_admin(cohort.center)
    first = applications.submit(_form(), cohort_id=cohort.id)
    with pytest.raises(Conflict) as error:
        applications.accept(_actor(admin), first.application.id)
    assert earlier.course.certification.name in str(error.value.message)
    holder = factory.trainee(fin="7HOLD77", birth_date=date(1995, 1, 2))
    enrollment = factory.enrollment(holder, earlier, status="completed", final_score=90, attendance_pct=95)
    issue_award(Actor.system(), enrollment)
    second = applications.submit(_form(fin="7HOLD77", birth_date="1995-01-02"), cohort_id=cohort.id)
    assert applications.accept(_actor(admin), second.application.id).status == ApplicationStatus.ACCEPTED


# ---- no existence oracle ------------------------------------------------------------------------------

def test_the_answer_is_the_same_for_a_known_and_an_unknown_fin(factory, client):
    cohorts = [_open_cohort(factory) for _ in range(3)]
    factory.trainee(fin="9KNOWN9", birth_date=date(1990, 1, 1))
    db.session.commit()
    answers = []
    for cohort, (fin, born) in zip(cohorts, (("9KNOWN9", "1990-01-01"), ("9KNOWN9", "1991-01-01"),
                                             ("9NOBOD9", "1990-01-01"))):
        body = {**_form(fin=fin, birth_date=born), "cohort_id": cohort.id, "consent": True}
        body.pop("patronymic")
        response = client.post("/api/v1/applications", json=body, headers={"Accept-Language": "en"})
        json = response.get_json()
        answers.append((response.status_code, sorted(json), json["status"]))
        assert "Məmmədova" not in response.get_data(as_text=True)
    assert answers[0] == answers[1] == answers[2] == (201, ["status", "status_url"], "submitted")


def test_status_page_shows_only_that_application(factory, client):
    cohort = _open_cohort(factory)
    result = applications.submit(_form(), cohort_id=cohort.id, language="en")
    db.session.commit()
    page = client.get(f"/applications/{result.token}?lang=en")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "5ABCD12" not in text and "+994501234567" not in text and "1999" not in text
    assert client.get("/applications/" + "x" * 32).status_code == 404
    assert client.get("/applications/short").status_code == 404


# ---- API ----------------------------------------------------------------------------------------------

def test_api_apply_201_and_422_in_the_users_language(factory, client):
    cohort = _open_cohort(factory)
    db.session.commit()
    api = Api(client)
    body = {**_form(), "cohort_id": cohort.id, "consent": True}
    body.pop("patronymic")
    created = api.post("/api/v1/applications", json=body)
    assert created.status_code == 201 and "/applications/" in created.get_json()["status_url"]
    bad = client.post("/api/v1/applications", json={**body, "fin": "??", "consent": False},
                      headers={"Accept-Language": "ru"})
    assert bad.status_code == 422
    fields = {e["field"]: e["message"] for e in bad.get_json()["errors"]}
    assert "fin" in fields and "consent" in fields
    assert any("\u0400" <= ch <= "\u04ff" for ch in str(fields["consent"]))   # Russian
    again = client.post("/api/v1/applications", json=body)
    assert again.status_code == 409


def test_api_rate_limit_per_fin_and_per_address(factory, client, app):
    cohort = _open_cohort(factory)
    db.session.commit()
    body = {**_form(), "cohort_id": cohort.id, "consent": True, "fin": "??"}
    codes = [client.post("/api/v1/applications", json=body).status_code for _ in range(6)]
    assert codes[:5] == [422] * 5 and codes[5] == 429      # 5 per hour for one FIN
    other = [client.post("/api/v1/applications", json={**body, "fin": f"X{i}"}).status_code for i in range(16)]
    assert 429 in other                                      # 20 per hour from one address
    elsewhere = client.post("/api/v1/applications", json={**body, "fin": "Y1"},
                            environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert elsewhere.status_code == 422


def test_api_list_for_staff_of_their_centers_only(factory, client):
    mine, theirs = _open_cohort(factory), _open_cohort(factory)
    applications.submit(_form(), cohort_id=mine.id)
    applications.submit(_form(fin="6OTHER6"), cohort_id=theirs.id)
    admin = factory.center_admin(mine.center)
    api = api_for(client, admin)
    listed = api.get("/api/v1/applications")
    assert listed.status_code == 200
    assert [a["fin"] for a in listed.get_json()["items"]] == ["5ABCD12"]
    assert api.get(f"/api/v1/applications?cohort_id={theirs.id}").status_code == 404
    assert api.get("/api/v1/applications?status=bogus").status_code == 422
    ministry = api_for(client, factory.user("ministry"))
    assert ministry.get("/api/v1/applications").status_code == 403


# ---- review -------------------------------------------------------------------------------------------

def test_accept_new_person_registers_them_at_the_center_and_enrolls(factory):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    result = applications.submit(_form(), cohort_id=cohort.id)
    done = applications.accept(_actor(admin), result.application.id)
    trainee = db.session.get(Trainee, done.trainee_id)
    assert trainee.fin == "5ABCD12" and trainee.registered_by_center_id == cohort.center_id
    enrollment = db.session.get(Enrollment, done.enrollment_id)
    assert enrollment.status == EnrollmentStatus.ENROLLED
    assert may_see_trainee(_actor(admin), trainee.id)
    assert applications.by_token(result.token).status == ApplicationStatus.ACCEPTED
    with pytest.raises(Conflict):
        applications.accept(_actor(admin), result.application.id)


def test_accept_existing_person_reuses_their_record(factory):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    person = factory.trainee(fin="8SAME88", birth_date=date(1996, 6, 6))
    result = applications.submit(_form(fin="8SAME88", birth_date="1996-06-06"), cohort_id=cohort.id)
    done = applications.accept(_actor(admin), result.application.id)
    assert done.trainee_id == person.id
    assert db.session.scalar(select(Trainee.id).where(Trainee.fin == "8SAME88")) == person.id
    assert may_see_trainee(_actor(admin), person.id)   # enrolled: in the center's scope


def test_accept_fin_with_another_birth_date_is_refused_and_attaches_nothing(factory):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    person = factory.trainee(fin="8SAME88", birth_date=date(1996, 6, 6))
    result = applications.submit(_form(fin="8SAME88", birth_date="1997-06-06"), cohort_id=cohort.id)
    with pytest.raises(Conflict) as error:
        applications.accept(_actor(admin), result.application.id)
    assert "birth date" in str(error.value.message)
    assert db.session.scalar(select(Enrollment.id).where(Enrollment.trainee_id == person.id)) is None
    assert db.session.get(Application, result.application.id).status == ApplicationStatus.SUBMITTED


def test_accept_into_a_full_cohort_waitlists(factory):
    cohort = _open_cohort(factory, capacity=1)
    admin = factory.center_admin(cohort.center)
    a = applications.submit(_form(), cohort_id=cohort.id)
    b = applications.submit(_form(fin="5ABCD99", email="b@example.az"), cohort_id=cohort.id)
    outcomes = applications.decide_many(_actor(admin), [b.application.id, a.application.id], "accept")
    assert all(o.ok for o in outcomes)
    statuses = sorted(db.session.get(Enrollment, db.session.get(Application, o.application_id).enrollment_id).status
                      for o in outcomes)
    assert statuses == [EnrollmentStatus.ENROLLED, EnrollmentStatus.WAITLISTED]


def test_reject_needs_a_reason_and_the_applicant_sees_it(factory):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    result = applications.submit(_form(), cohort_id=cohort.id)
    with pytest.raises(ValidationError):
        applications.reject(_actor(admin), result.application.id, "  ")
    applications.reject(_actor(admin), result.application.id, "The course is for Ganja residents")
    row = applications.by_token(result.token)
    assert row.status == ApplicationStatus.REJECTED and row.reason == "The course is for Ganja residents"
    assert db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.kind == "application_rejected"))


def test_bulk_reject_of_sixty_in_one_call(factory):
    cohort = _open_cohort(factory, capacity=100)
    admin = factory.center_admin(cohort.center)
    ids = [applications.submit(_form(fin=f"B{i:06d}"[:7], email=""), cohort_id=cohort.id).application.id
           for i in range(60)]
    outcomes = applications.decide_many(_actor(admin), ids, "reject", "Too many applicants")
    assert len(outcomes) == 60 and all(o.ok for o in outcomes)


def test_another_centers_staff_cannot_see_or_decide(factory):
    cohort = _open_cohort(factory)
    stranger = factory.center_admin(factory.center())
    result = applications.submit(_form(), cohort_id=cohort.id)
    with pytest.raises(NotFound):
        applications.accept(_actor(stranger), result.application.id)
    with pytest.raises(NotFound):
        applications.list_applications(_actor(stranger), cohort_id=cohort.id)
    outcomes = applications.decide_many(_actor(stranger), [result.application.id], "reject", "x")
    assert not outcomes[0].ok
    assert applications.list_applications(_actor(stranger)).total == 0


# ---- web ----------------------------------------------------------------------------------------------

def _web_form(region_id, **kw):
    data = {**_form(**kw)}
    data.pop("home_region")
    data["home_region_id"] = str(region_id)
    return data


def test_web_apply_on_a_phone_and_follow_the_status(factory, client):
    cohort = _open_cohort(factory)
    region = factory.region("BAKU")
    db.session.commit()
    url = f"/catalog/cohorts/{cohort.id}/apply"
    page = client.get(url + "?lang=az")
    assert page.status_code == 200 and 'name="website"' in page.get_data(as_text=True)
    assert 'inputmode="tel"' in page.get_data(as_text=True)
    bad = client.post(url, data=_web_form(region.id, fin="??", consent=""))
    assert bad.status_code == 422 and db.session.scalar(select(Application.id)) is None
    sent = client.post(url, data=_web_form(region.id))
    assert sent.status_code == 302 and "/applications/" in sent.headers["Location"]
    status = client.get(sent.headers["Location"])
    assert status.status_code == 200 and 'data-application-status="submitted"' in status.get_data(as_text=True)
    again = client.post(url, data=_web_form(region.id))
    assert again.status_code == 409
    assert client.get("/catalog/cohorts/999999/apply").status_code == 404


def test_web_honeypot_looks_like_success(factory, client):
    cohort = _open_cohort(factory)
    region = factory.region("BAKU")
    db.session.commit()
    sent = client.post(f"/catalog/cohorts/{cohort.id}/apply", data=_web_form(region.id, website="x"))
    assert sent.status_code == 302 and db.session.scalar(select(Application.id)) is None


def test_web_form_rate_limited_per_fin(factory, client):
    cohort = _open_cohort(factory)
    region = factory.region("BAKU")
    db.session.commit()
    codes = [client.post(f"/catalog/cohorts/{cohort.id}/apply", data=_web_form(region.id, consent="")).status_code
             for _ in range(6)]
    assert codes == [422] * 5 + [429]
    assert client.get(f"/catalog/cohorts/{cohort.id}/apply").status_code == 200   # reading is not limited


def test_review_page_shows_sixty_and_bulk_accepts_them_then_status_changes(factory, client, login_as):
    cohort = _open_cohort(factory, capacity=50)
    admin = factory.center_admin(cohort.center)
    tokens = [applications.submit(_form(fin=f"R{i:06d}"[:7], email=""), cohort_id=cohort.id).token for i in range(60)]
    db.session.commit()
    login_as(admin)
    page = client.get(f"/center/cohorts/{cohort.id}/applications")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert text.count('name="ids"') == 60
    ids = [a.id for a in db.session.scalars(select(Application))]
    done = client.post(f"/center/cohorts/{cohort.id}/applications/decide", data={"ids": ids, "action": "accept"})
    assert done.status_code == 302
    db.session.expire_all()
    statuses = [e.status for e in db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id))]
    assert statuses.count(EnrollmentStatus.ENROLLED) == 50 and statuses.count(EnrollmentStatus.WAITLISTED) == 10
    assert 'data-application-status="accepted"' in client.get(f"/applications/{tokens[0]}").get_data(as_text=True)


def test_review_reject_without_reason_changes_nothing(factory, client, login_as):
    cohort = _open_cohort(factory)
    admin = factory.center_admin(cohort.center)
    first = applications.submit(_form(), cohort_id=cohort.id)
    db.session.commit()
    login_as(admin)
    response = client.post(f"/center/cohorts/{cohort.id}/applications/decide",
                           data={"ids": [first.application.id], "action": "reject", "reason": ""})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, first.application.id).status == ApplicationStatus.SUBMITTED


def test_review_of_another_centers_cohort_is_not_found(factory, client, login_as):
    cohort = _open_cohort(factory)
    stranger = factory.center_admin(factory.center())
    db.session.commit()
    login_as(stranger)
    assert client.get(f"/center/cohorts/{cohort.id}/applications").status_code == 404
    assert client.post(f"/center/cohorts/{cohort.id}/applications/decide",
                       data={"ids": [1], "action": "accept"}).status_code == 404


# ---- the course's eligibility rules, set by the administrator ------------------------------------------

def test_admin_sets_the_eligibility_rules_of_a_course(factory):
    from talent.catalog import services as catalog
    admin = Actor.for_user(factory.user("admin"))
    course = factory.course()
    cert = factory.certification()
    with pytest.raises(ValidationError) as error:
        catalog.update_course(admin, course.id, min_age="30", max_age="20", min_education_level="phd")
    assert {"max_age", "min_education_level"} <= set(error.value.fields)
    catalog.update_course(admin, course.id, min_age="18", max_age="35", min_education_level="Bachelor",
                          required_certification_id=str(cert.id))
    assert (course.min_age, course.max_age, course.min_education_level, course.required_certification_id) == \
        (18, 35, "bachelor", cert.id)
    catalog.update_course(admin, course.id, min_age="", max_age="", min_education_level="",
                          required_certification_id="")
    assert (course.min_age, course.max_age, course.min_education_level, course.required_certification_id) == \
        (None, None, None, None)


def test_admin_course_form_has_the_eligibility_fields(factory, client, login_as):
    admin = factory.user("admin")
    course = factory.course()
    db.session.commit()
    login_as(admin)
    page = client.get(f"/admin/courses/{course.id}/edit")
    assert page.status_code == 200
    for name in ("min_education_level", "min_age", "max_age", "required_certification_id"):
        assert f'name="{name}"' in page.get_data(as_text=True)


def test_the_applicant_withdraws_through_the_private_link(factory, client):
    cohort = _open_cohort(factory)
    result = applications.submit(_form(), cohort_id=cohort.id)
    db.session.commit()
    response = client.post(f"/applications/{result.token}/withdraw")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Application, result.application.id).status == ApplicationStatus.WITHDRAWN
    again = client.post(f"/applications/{result.token}/withdraw")
    assert again.status_code == 302 and "withdrawn" in client.get(again.headers["Location"]).get_data(as_text=True)
    assert client.post("/applications/" + "y" * 32 + "/withdraw").status_code == 404
    # withdrawn: the same FIN may apply to this cohort again
    assert applications.submit(_form(), cohort_id=cohort.id).application is not None


def test_api_decisions_for_staff_of_the_cohorts_center(factory, client):
    mine = _open_cohort(factory, capacity=1)
    theirs = _open_cohort(factory)
    a = applications.submit(_form(), cohort_id=mine.id).application.id
    b = applications.submit(_form(fin="5ABCD77"), cohort_id=mine.id).application.id
    c = applications.submit(_form(fin="5ABCD88"), cohort_id=theirs.id).application.id
    admin = factory.center_admin(mine.center)
    api = api_for(client, admin)
    done = api.post("/api/v1/applications/decisions", json={"ids": [a, b, c], "action": "accept"})
    assert done.status_code == 200
    by_id = {o["application_id"]: o for o in done.get_json()}
    assert by_id[a]["ok"] and by_id[b]["ok"] and not by_id[c]["ok"]      # another center's: not found
    refused = api.post("/api/v1/applications/decisions", json={"ids": [a], "action": "reject"})
    assert refused.status_code == 422                                     # a rejection needs a reason
    assert api.post("/api/v1/applications/decisions", json={"ids": [], "action": "accept"}).status_code == 422
    ministry = api_for(client, factory.user("ministry"))
    assert ministry.post("/api/v1/applications/decisions", json={"ids": [a], "action": "accept"}).status_code == 403
