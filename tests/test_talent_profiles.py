"""Opt-in talent profiles and shortlisting (issue 20, part 2): only graduates opt in, employers see
exactly name, region, valid certifications with their verify links and skills, hiding a profile
takes it off every employer page at once, and an employer shortlists only for its own open
vacancies; the graduate is told after the commit and answers."""
from __future__ import annotations

from dataclasses import fields
from datetime import timedelta

import pytest
from sqlalchemy import select

from talent import clock
from talent.audit import AuditEvent
from talent.credentials.services import issue_award
from talent.errors import InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.notifications.models import OutboxMessage
from talent.permissions import Actor
from talent.placement.models import VacancyStatus
from talent.placement.profiles_models import ShortlistAnswer, ShortlistEntry, TalentProfile
from talent.placement.services import profiles
from talent.placement.services.vacancies import post_vacancy


def actor(user) -> Actor:
    return Actor.for_user(user)


@pytest.fixture
def talent(factory):
    """Two graduates of one course (Nigar in Baku, with a certificate; Tural in Ganja, completed but
    not certified), one trainee still enrolled (Leyla), two employers with an open vacancy each."""
    skill_cert, skill_course = factory.skill("MACHINE_LEARNING"), factory.skill("DATA_ENGINEERING")
    cert = factory.certification(code="AIF", skill_id=skill_cert.id, name_en="AI Foundations")
    course = factory.course(cert)
    course.skills = [skill_course]
    center = factory.center(code="PR1")
    cohort = factory.cohort(center=center, course=course, start_date=clock.today() - timedelta(days=90),
                            end_date=clock.today() - timedelta(days=10), status="completed")
    nigar = factory.trainee(first_name="Nigar", last_name="Əliyeva", fin="1AB2C3D", email="nigar@example.az",
                            phone="+994501112233", region="BAKU")
    tural = factory.trainee(first_name="Tural", last_name="Həsənov", email="tural@example.az", region="GANJA_DASHKASAN")
    leyla = factory.trainee(first_name="Leyla", last_name="Quliyeva", email="leyla@example.az")
    en = factory.enrollment(nigar, cohort, status="completed", final_score=90, attendance_pct=95)
    factory.enrollment(tural, cohort, status="completed", final_score=55, attendance_pct=95)
    factory.enrollment(leyla, factory.cohort(center=center, course=course), status="enrolled")
    award = issue_award(Actor.system(), en)
    users = {name: factory.trainee_user(t, email=f"{name}.user@example.az")
             for name, t in (("nigar", nigar), ("tural", tural), ("leyla", leyla))}
    emp_a, emp_b = factory.employer("Azercell Telecom"), factory.employer("SOCAR")
    hr_a, hr_b = factory.employer_user(emp_a), factory.employer_user(emp_b)
    vac_a = post_vacancy(actor(hr_a), title="ML engineer", occupation_code="2521", openings=2,
                         closes_on=clock.today() + timedelta(days=30))
    vac_b = post_vacancy(actor(hr_b), title="Data analyst", occupation_code="2521", openings=1,
                         closes_on=clock.today() + timedelta(days=30))
    db.session.commit()
    return {"nigar": nigar, "tural": tural, "leyla": leyla, "award": award, "users": users, "hr_a": hr_a,
            "hr_b": hr_b, "vac_a": vac_a, "vac_b": vac_b, "emp_a": emp_a, "cert": cert}


def me(t, name) -> Actor:
    return actor(t["users"][name])


# ---- opting in and out ------------------------------------------------------------------------------

def test_only_graduates_opt_in_and_twice_is_a_clear_conflict(talent):
    t = talent
    with pytest.raises(ValidationError) as error:
        profiles.opt_in(me(t, "leyla"))                 # still enrolled, no certificate
    assert "graduates" in str(error.value.message)
    assert db.session.scalars(select(TalentProfile)).all() == []
    profiles.opt_in(me(t, "nigar"))                     # certified
    profiles.opt_in(me(t, "tural"))                     # completed, not certified: a graduate too
    with pytest.raises(InvalidTransition):
        profiles.opt_in(me(t, "nigar"))
    assert profiles.is_graduate(t["tural"].id) and not profiles.is_graduate(t["leyla"].id)
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.trainee_id == t["nigar"].id)).all()
    assert "talent_profile.opt_in" in actions


def test_nobody_but_the_graduate_opts_in(talent):
    with pytest.raises(PermissionDenied):
        profiles.opt_in(actor(talent["hr_a"]))
    with pytest.raises(PermissionDenied):
        profiles.opt_in(Actor.system())


def test_an_employer_sees_exactly_name_region_certifications_with_verify_links_and_skills(talent, app):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    page = profiles.visible_profiles(actor(t["hr_a"]))
    assert page.total == 1 and [p.trainee_id for p in page.items] == [t["nigar"].id]
    profile = page.items[0]
    assert {f.name for f in fields(profile)} == {"trainee_id", "name", "region_code", "region_name",
                                                 "certifications", "skills"}
    assert profile.name == "Nigar Əliyeva" and profile.region_code == "BAKU"
    [cert] = profile.certifications
    assert cert.code == "AIF" and cert.serial == t["award"].serial
    assert cert.verify_url == f"{app.config['PUBLIC_BASE_URL'].rstrip('/')}/verify/{t['award'].verification_code}"
    assert [s.code for s in profile.skills] == ["DATA_ENGINEERING", "MACHINE_LEARNING"]   # the course's and the certificate's
    text = repr(page)
    for secret in ("1AB2C3D", "nigar@example.az", "+994501112233", "1998-05-17", "Rəşad", "gender"):
        assert secret not in text
    # The graduate can see that an employer looked.
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "talent_profile.employer_view")).one()
    assert event.details["trainee_ids"] == [t["nigar"].id]


def test_a_revoked_certificate_leaves_the_profile_and_the_filters(talent):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    assert profiles.visible_profiles(actor(t["hr_a"]), certification="aif").total == 1
    t["award"].revoked_at, t["award"].revoked_reason = clock.now(), "error"
    db.session.flush()
    assert profiles.visible_profiles(actor(t["hr_a"]), certification="AIF").total == 0
    [profile] = profiles.visible_profiles(actor(t["hr_a"])).items
    assert profile.certifications == () and [s.code for s in profile.skills] == ["DATA_ENGINEERING"]


def test_filters_by_skill_region_and_certification_and_pages(talent):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    profiles.opt_in(me(t, "tural"))
    hr = actor(t["hr_a"])
    names = lambda page: sorted(p.name for p in page.items)  # noqa: E731
    assert names(profiles.visible_profiles(hr)) == ["Nigar Əliyeva", "Tural Həsənov"]
    assert names(profiles.visible_profiles(hr, skill="MACHINE_LEARNING")) == ["Nigar Əliyeva"]          # certificate's skill
    assert names(profiles.visible_profiles(hr, skill="data_engineering")) == ["Nigar Əliyeva", "Tural Həsənov"]
    assert names(profiles.visible_profiles(hr, region="GANJA_DASHKASAN")) == ["Tural Həsənov"]
    assert names(profiles.visible_profiles(hr, certification="AIF")) == ["Nigar Əliyeva"]
    first = profiles.visible_profiles(hr, per_page=1)
    second = profiles.visible_profiles(hr, per_page=1, page=2)
    assert first.total == 2 and first.next_page == 2 and second.next_page is None
    assert {first.items[0].name, second.items[0].name} == {"Nigar Əliyeva", "Tural Həsənov"}
    with pytest.raises(ValidationError) as error:
        profiles.visible_profiles(hr, skill="NOPE", region="X" * 300, page="-1")
    assert set(error.value.fields) == {"skill", "region", "page"}


def test_revoking_hides_the_profile_at_once_and_withdraws_pending_entries(talent):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    profiles.opt_in(me(t, "tural"))
    hr = actor(t["hr_a"])
    profiles.shortlist(hr, t["vac_a"].id, t["nigar"].id)
    tural_entry = profiles.shortlist(hr, t["vac_a"].id, t["tural"].id)
    profiles.answer_shortlist(me(t, "tural"), tural_entry.id, "interested")
    assert profiles.opt_out(me(t, "nigar")) == 1
    assert [p.name for p in profiles.visible_profiles(hr).items] == ["Tural Həsənov"]
    entry = db.session.scalar(select(ShortlistEntry).where(ShortlistEntry.trainee_id == t["nigar"].id))
    assert entry.answer == ShortlistAnswer.WITHDRAWN
    board = profiles.vacancy_shortlist(hr, t["vac_a"].id)
    assert [r.profile.name for r in board.rows] == ["Tural Həsənov"] and board.hidden == 1
    # An answered entry stays answered, but a hidden graduate leaves the employer's pages too.
    assert profiles.opt_out(me(t, "tural")) == 0
    board = profiles.vacancy_shortlist(hr, t["vac_a"].id)
    assert board.rows == [] and board.hidden == 2
    with pytest.raises(InvalidTransition):
        profiles.opt_out(me(t, "tural"))
    with pytest.raises(ValidationError):
        profiles.shortlist(hr, t["vac_a"].id, t["nigar"].id)   # not visible any more
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "talent_profile.opt_out",
                                                        AuditEvent.trainee_id == t["nigar"].id)).one()
    assert event.details["withdrawn"] == 1


# ---- shortlisting -----------------------------------------------------------------------------------

def test_an_employer_shortlists_only_for_its_own_open_vacancies_and_only_once(talent):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    hr_a, hr_b = actor(t["hr_a"]), actor(t["hr_b"])
    with pytest.raises(NotFound):
        profiles.shortlist(hr_a, t["vac_b"].id, t["nigar"].id)          # another employer's vacancy
    with pytest.raises(NotFound):
        profiles.vacancy_shortlist(hr_a, t["vac_b"].id)
    with pytest.raises(ValidationError) as error:
        profiles.shortlist(hr_a, t["vac_a"].id, t["tural"].id)         # a graduate who is not visible
    assert "trainee_id" in error.value.fields
    with pytest.raises(ValidationError):
        profiles.shortlist(hr_a, t["vac_a"].id, "abc")
    entry = profiles.shortlist(hr_a, t["vac_a"].id, t["nigar"].id)
    assert (entry.answer, entry.employer_id, entry.shortlisted_by_id) == ("pending", t["emp_a"].id, t["hr_a"].id)
    with pytest.raises(InvalidTransition) as error:
        profiles.shortlist(hr_a, t["vac_a"].id, t["nigar"].id)
    assert "already on the shortlist" in str(error.value.message)
    # Employer B never sees A's shortlist, and sees its own empty.
    assert profiles.vacancy_shortlist(hr_b, t["vac_b"].id).rows == []
    t["vac_a"].status = VacancyStatus.CLOSED
    db.session.flush()
    profiles.opt_in(me(t, "tural"))
    with pytest.raises(InvalidTransition):
        profiles.shortlist(hr_a, t["vac_a"].id, t["tural"].id)         # closed vacancy
    t["vac_a"].status = VacancyStatus.OPEN
    t["vac_a"].closes_on = clock.today() - timedelta(days=1)
    db.session.flush()
    with pytest.raises(InvalidTransition):
        profiles.shortlist(hr_a, t["vac_a"].id, t["tural"].id)         # past its closing date


def test_centers_ministry_and_administrators_do_not_browse_talent(talent, factory):
    for user in (factory.center_admin(), factory.user("ministry"), factory.user("admin")):
        with pytest.raises(PermissionDenied):
            profiles.visible_profiles(actor(user))
        with pytest.raises(PermissionDenied):
            profiles.shortlist(actor(user), talent["vac_a"].id, talent["nigar"].id)
    with pytest.raises(PermissionDenied):
        profiles.visible_profiles(me(talent, "nigar"))


def test_the_graduate_answers_and_only_interested_shows_the_email(talent):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    hr = actor(t["hr_a"])
    entry = profiles.shortlist(hr, t["vac_a"].id, t["nigar"].id)
    [row] = profiles.vacancy_shortlist(hr, t["vac_a"].id).rows
    assert row.answer == "pending" and row.email is None
    [mine] = profiles.my_shortlists(me(t, "nigar"))
    assert (mine.vacancy_title, mine.employer_name, mine.answer) == ("ML engineer", "Azercell Telecom", "pending")
    with pytest.raises(NotFound):
        profiles.answer_shortlist(me(t, "tural"), entry.id, "interested")   # not theirs
    with pytest.raises(ValidationError):
        profiles.answer_shortlist(me(t, "nigar"), entry.id, "maybe")
    profiles.answer_shortlist(me(t, "nigar"), entry.id, "interested")
    [row] = profiles.vacancy_shortlist(hr, t["vac_a"].id).rows
    assert row.answer == "interested" and row.email == "nigar@example.az"
    with pytest.raises(InvalidTransition):
        profiles.answer_shortlist(me(t, "nigar"), entry.id, "interested")
    profiles.answer_shortlist(me(t, "nigar"), entry.id, "not_interested")   # a change of mind
    [row] = profiles.vacancy_shortlist(hr, t["vac_a"].id).rows
    assert row.answer == "not_interested" and row.email is None


def test_a_withdrawn_entry_is_asked_again_after_opting_back_in(talent):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    hr = actor(t["hr_a"])
    first = profiles.shortlist(hr, t["vac_a"].id, t["nigar"].id)
    profiles.opt_out(me(t, "nigar"))
    with pytest.raises(InvalidTransition):
        profiles.answer_shortlist(me(t, "nigar"), first.id, "interested")
    profiles.opt_in(me(t, "nigar"))
    again = profiles.shortlist(hr, t["vac_a"].id, t["nigar"].id)
    assert again.id == first.id and again.answer == "pending" and again.answered_at is None


def test_the_graduate_is_told_in_their_language_only_after_the_commit(talent, app):
    t = talent
    t["users"]["nigar"].locale = "ru"
    profiles.opt_in(me(t, "nigar"))
    db.session.commit()
    with app.test_request_context("/"):
        profiles.shortlist(actor(t["hr_a"]), t["vac_a"].id, t["nigar"].id)
        db.session.flush()
        [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "shortlisted")).all()
        assert row.status == "pending" and row.recipient == "nigar@example.az" and row.locale == "ru"
        assert "Azercell Telecom" in row.subject and "ML engineer" in row.body_text
        assert "/me/talent" in row.body_text
        db.session.rollback()
        assert db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "shortlisted")).all() == []
        profiles.shortlist(actor(t["hr_a"]), t["vac_a"].id, t["nigar"].id)
        db.session.commit()
        [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "shortlisted")).all()
        assert row.status == "sent"


# ---- web ----------------------------------------------------------------------------------------------

def test_web_a_graduate_opts_in_and_is_shortlisted_then_answers(talent, client, login_as):
    """The issue's "done when": a graduate opts in (seeing exactly what employers see), an employer
    finds them and shortlists them for a vacancy, the graduate answers interested, and the employer
    sees the answer with the graduate's email."""
    t = talent
    login_as(t["users"]["nigar"])
    page = client.get("/me/talent").get_data(as_text=True)
    assert "Show my profile to employers" in page and "What employers see" in page
    assert "Nigar Əliyeva" in page and t["award"].verification_code in page, page[page.find("<main"):][:3000]
    response = client.post("/me/talent/visibility", data={"visible": "1"})
    assert response.status_code == 303
    page = client.get("/me/talent").get_data(as_text=True)
    assert "Visible to employers" in page and "Hide my profile from employers" in page

    client.post("/logout")
    login_as(t["hr_a"])
    page = client.get(f"/employer/talent?vacancy={t['vac_a'].id}").get_data(as_text=True)
    assert "Nigar Əliyeva" in page and "Shortlist for “ML engineer”" in page
    for secret in ("1AB2C3D", "nigar@example.az", "+994501112233"):
        assert secret not in page
    response = client.post(f"/employer/vacancies/{t['vac_a'].id}/shortlist", data={"trainee_id": t["nigar"].id})
    assert response.status_code == 303
    again = client.post(f"/employer/vacancies/{t['vac_a'].id}/shortlist", data={"trainee_id": t["nigar"].id},
                        follow_redirects=True)
    assert "already on the shortlist" in again.get_data(as_text=True)
    page = client.get(f"/employer/vacancies/{t['vac_a'].id}/shortlist").get_data(as_text=True)
    assert "Nigar Əliyeva" in page and "Waiting for an answer" in page and "nigar@example.az" not in page
    assert client.get(f"/employer/vacancies/{t['vac_b'].id}/shortlist").status_code == 404
    assert client.post(f"/employer/vacancies/{t['vac_b'].id}/shortlist",
                       data={"trainee_id": t["nigar"].id}).status_code == 404

    client.post("/logout")
    login_as(t["users"]["nigar"])
    page = client.get("/me/talent").get_data(as_text=True)
    assert "ML engineer" in page and "Azercell Telecom" in page and "sees your email address" in page
    entry = db.session.scalar(select(ShortlistEntry))
    assert client.post(f"/me/talent/shortlists/{entry.id}/answer", data={"answer": "interested"}).status_code == 303

    client.post("/logout")
    login_as(t["hr_a"])
    page = client.get(f"/employer/vacancies/{t['vac_a'].id}/shortlist").get_data(as_text=True)
    assert "Interested" in page and "nigar@example.az" in page


def test_web_bad_input_gives_a_clear_message_and_changes_nothing(talent, client, login_as):
    t = talent
    login_as(t["users"]["leyla"])
    page = client.post("/me/talent/visibility", data={"visible": "1"}, follow_redirects=True).get_data(as_text=True)
    assert "Only graduates" in page
    page = client.post("/me/talent/visibility", data={"visible": "maybe"}, follow_redirects=True)
    assert page.status_code == 200 and "Choose whether" in page.get_data(as_text=True)
    assert client.post("/me/talent/shortlists/999999/answer", data={"answer": "interested"}).status_code == 404
    assert db.session.scalars(select(TalentProfile)).all() == []
    client.post("/logout")
    login_as(t["hr_a"])
    response = client.get("/employer/talent?skill=%27%3Bdrop&region=%3Cscript%3E&page=-3&vacancy=99999")
    body = response.get_data(as_text=True)
    assert response.status_code == 422 and "Choose a skill from the list." in body and "<script>" not in body
    assert "Choose one of your open vacancies." in body
    page = client.post(f"/employer/vacancies/{t['vac_a'].id}/shortlist", data={"trainee_id": "x" * 5000},
                       follow_redirects=True).get_data(as_text=True)
    assert "not visible to employers" in page
    assert db.session.scalars(select(ShortlistEntry)).all() == []


def test_web_hiding_the_profile_takes_it_off_the_employer_page_at_once(talent, client, login_as):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    db.session.commit()
    login_as(t["users"]["nigar"])
    client.post("/me/talent/visibility", data={"visible": "0"})
    client.post("/logout")
    login_as(t["hr_a"])
    page = client.get("/employer/talent").get_data(as_text=True)
    assert "Nigar Əliyeva" not in page and "No graduate who chose to be seen" in page


# ---- API ----------------------------------------------------------------------------------------------

def test_api_lists_profiles_shortlists_and_reads_the_shortlist(talent, client):
    from tests.api_helpers import api_for
    t = talent
    profiles.opt_in(me(t, "nigar"))
    db.session.commit()
    api = api_for(client, t["hr_a"])
    listed = api.get("/api/v1/talent-profiles?skill=MACHINE_LEARNING")
    assert listed.status_code == 200
    body = listed.get_json()
    assert body["total"] == 1 and body["next_page"] is None
    [item] = body["items"]
    assert set(item) == {"trainee_id", "name", "region_code", "region_name", "certifications", "skills"}
    assert item["name"] == "Nigar Əliyeva" and item["certifications"][0]["verify_url"].endswith(
        "/verify/" + t["award"].verification_code)
    assert "nigar@example.az" not in listed.get_data(as_text=True)
    assert api.get("/api/v1/talent-profiles?region=GANJA_DASHKASAN").get_json()["total"] == 0
    bad = api.get("/api/v1/talent-profiles?skill=NOPE")
    assert bad.status_code == 422 and bad.mimetype == "application/problem+json"

    url = f"/api/v1/vacancies/{t['vac_a'].id}/shortlist"
    made = api.post(url, json={"trainee_id": t["nigar"].id})
    assert made.status_code == 201 and made.get_json()["answer"] == "pending" and made.get_json()["email"] is None
    assert api.post(url, json={"trainee_id": t["nigar"].id}).status_code == 409
    assert api.post(url, json={"trainee_id": t["tural"].id}).status_code == 422      # not visible
    assert api.post(url, json={}).status_code == 422
    assert api.post(f"/api/v1/vacancies/{t['vac_b'].id}/shortlist", json={"trainee_id": t["nigar"].id}).status_code == 404
    assert api.get(f"/api/v1/vacancies/{t['vac_b'].id}/shortlist").status_code == 404
    [entry] = api.get(url).get_json()
    assert entry["profile"]["name"] == "Nigar Əliyeva" and entry["answer"] == "pending"
    # Another role's token is refused the talent list.
    assert api_for(client, t["users"]["nigar"]).get("/api/v1/talent-profiles").status_code == 403


def test_a_hostile_name_is_shown_escaped_to_employers(talent, client, login_as):
    t = talent
    t["nigar"].first_name = "<script>alert('x')</script>"
    profiles.opt_in(me(t, "nigar"))
    profiles.shortlist(actor(t["hr_a"]), t["vac_a"].id, t["nigar"].id)
    db.session.commit()
    login_as(t["hr_a"])
    for url in ("/employer/talent", f"/employer/vacancies/{t['vac_a'].id}/shortlist"):
        page = client.get(url).get_data(as_text=True)
        assert "<script>alert('x')" not in page and "&lt;script&gt;alert(" in page


def test_the_graduates_data_download_holds_their_choice_and_shortlists(talent, client, login_as):
    t = talent
    profiles.opt_in(me(t, "nigar"))
    entry = profiles.shortlist(actor(t["hr_a"]), t["vac_a"].id, t["nigar"].id)
    profiles.answer_shortlist(me(t, "nigar"), entry.id, "interested")
    db.session.commit()
    login_as(t["users"]["nigar"])
    data = client.get("/me/data.json").get_json()
    assert data["talent_profile"]["visible_since"] is not None
    [mine] = data["shortlists"]
    assert (mine["vacancy"], mine["employer"], mine["answer"]) == ("ML engineer", "Azercell Telecom", "interested")
    # An employer's look at the list is in the graduate's own access log.
    assert any(e["action"] == "talent_profile.shortlist" for e in data["record_access"])


def test_the_employers_users_are_told_of_an_answer_after_the_commit(talent, app):
    t = talent
    t["hr_a"].locale = "en"
    profiles.opt_in(me(t, "nigar"))
    entry = profiles.shortlist(actor(t["hr_a"]), t["vac_a"].id, t["nigar"].id)
    db.session.commit()
    with app.test_request_context("/"):
        profiles.answer_shortlist(me(t, "nigar"), entry.id, "interested")
        db.session.flush()
        [row] = db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == "shortlist_answered")).all()
        assert row.status == "pending" and row.recipient == t["hr_a"].email and row.user_id == t["hr_a"].id
        assert row.subject == "Nigar Əliyeva answered your shortlist for “ML engineer”"
        assert "is interested" in row.body_text and f"/employer/vacancies/{t['vac_a'].id}/shortlist" in row.body_text
        assert "nigar@example.az" not in row.body_text          # the address is on the page, not in mail
        db.session.commit()
        assert db.session.get(OutboxMessage, row.id).status == "sent"
        # Employer B's users hear nothing.
        assert t["hr_b"].email not in {r.recipient for r in db.session.scalars(select(OutboxMessage))}


def test_an_organisation_opens_a_limited_number_of_profile_pages_web_and_api_together(
        talent, factory, client, login_as, monkeypatch, app):
    """Browsing the opt-in profiles is the employer's purpose; copying everyone who opted in is not:
    pages count per organisation (its users and tokens share one budget), past it a 429 says why in
    the user's language, and another organisation is not affected."""
    from tests.api_helpers import api_for
    t = talent
    profiles.opt_in(me(t, "nigar"))
    colleague = factory.employer_user(t["emp_a"], email="colleague@azercell.example")
    db.session.commit()
    monkeypatch.setitem(app.config, "PROFILE_BROWSE_RATE_LIMIT", "3 per hour")
    login_as(t["hr_a"])
    assert [client.get(f"/employer/talent?page={n}").status_code for n in (1, 2)] == [200, 200]
    api = api_for(client, colleague)                 # the same organisation, another user, by API
    assert api.get("/api/v1/talent-profiles").status_code == 200
    limited = api.get("/api/v1/talent-profiles")
    assert limited.status_code == 429
    assert "browsing is paused" in limited.get_data(as_text=True)
    page = client.get("/employer/talent", headers={"Accept-Language": "en"})
    assert page.status_code == 429 and "browsing is paused" in page.get_data(as_text=True)
    assert "Nigar" not in page.get_data(as_text=True)
    # Another employer's budget is its own.
    assert api_for(client, t["hr_b"]).get("/api/v1/talent-profiles").status_code == 200
