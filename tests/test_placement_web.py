"""Placement and follow-up pages: record/edit/end/verify/reject jobs, the follow-up queue."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from talent.extensions import db
from talent.placement import services as ps
from talent.placement.models import FollowUp, Placement
from tests.admin_helpers import actor, audit_actions, completer, job, request_context
from talent import clock

FORM = {"employer_name": "SOCAR Digital", "country_code": "AZ", "job_title": "ML engineer",
        "employment_type": "full_time", "start_date": (clock.today() - timedelta(days=10)).isoformat(),
        "monthly_pay_azn": "2500"}


def _setup(factory, ended_days_ago=200):
    center, other = factory.center(), factory.center()
    trainee, enrollment = completer(factory, center, ended_days_ago=ended_days_ago, phone="+994501234567",
                                    email="aysel@example.az")
    ca, stranger = factory.center_admin(center), factory.center_admin(other)
    db.session.commit()
    return center, trainee, enrollment, ca, stranger


def test_followup_queue_lists_due_with_contacts_and_audits(client, factory, login_as):
    center, trainee, enrollment, ca, stranger = _setup(factory)
    not_due_trainee, _ = completer(factory, center, ended_days_ago=30, first_name="Tələsən")
    no_consent, _ = completer(factory, center, ended_days_ago=200, first_name="Razısız", followup_consent=False)
    employed, _ = completer(factory, center, ended_days_ago=200, first_name="İşləyən")
    with request_context(client.application):
        ps.record_placement(actor(ca), employed.id, **job())
    db.session.commit()
    login_as(ca)
    html = client.get("/center/followups").get_data(as_text=True)
    assert "+994501234567" in html and "aysel@example.az" in html
    assert html.count(f"/center/followups/{enrollment.id}/") == 2  # 3- and 6-month milestones
    assert "Tələsən" not in html and "Razısız" not in html and "İşləyən" not in html
    assert "trainee.view_contacts" in audit_actions(trainee_id=trainee.id)
    html6 = client.get("/center/followups?milestone=6&sort=name&page=abc").get_data(as_text=True)
    assert html6.count(f"/center/followups/{enrollment.id}/6") == 1
    assert f"/center/followups/{enrollment.id}/3" not in html6


def test_followup_queue_scoped(client, factory, login_as):
    center, trainee, enrollment, ca, stranger = _setup(factory)
    login_as(stranger)
    html = client.get("/center/followups").get_data(as_text=True)
    assert "aysel@example.az" not in html
    assert client.get(f"/center/followups/{enrollment.id}/3").status_code == 404
    assert client.post(f"/center/followups/{enrollment.id}/3", data={"outcome": "looking"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0


def test_followup_forbidden_roles(client, factory, login_as):
    _, _, enrollment, _, _ = _setup(factory)
    ministry = factory.user("ministry")
    db.session.commit()
    login_as(ministry)
    assert client.get("/center/followups").status_code == 403
    assert client.get(f"/center/followups/{enrollment.id}/3").status_code == 403


def test_record_followup_outcome(client, factory, login_as):
    _, trainee, enrollment, ca, _ = _setup(factory)
    login_as(ca)
    assert client.get(f"/center/followups/{enrollment.id}/3").status_code == 200
    bad = client.post(f"/center/followups/{enrollment.id}/3", data={"outcome": "partying"})
    assert bad.status_code == 422
    response = client.post(f"/center/followups/{enrollment.id}/3", data={"outcome": "looking", "note": "call in May"})
    assert response.status_code == 302
    f = db.session.scalar(select(FollowUp))
    assert (f.outcome, f.milestone_months, f.note) == ("looking", 3, "call in May")
    # re-opened, the saved follow-up shows as saved and can be corrected (it was an empty form, then a 409)
    reopened = client.get(f"/center/followups/{enrollment.id}/3").get_data(as_text=True)
    assert "Saved on" in reopened and '<option selected value="looking">' in reopened
    assert "call in May" in reopened
    again = client.post(f"/center/followups/{enrollment.id}/3", data={"outcome": "studying"})
    assert again.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 1
    assert db.session.scalar(select(FollowUp.outcome)) == "studying"
    assert client.get(f"/center/followups/{enrollment.id}/4").status_code == 404


def test_employed_outcome_leads_to_job_form_and_records_both(client, factory, login_as):
    _, trainee, enrollment, ca, _ = _setup(factory)
    login_as(ca)
    response = client.post(f"/center/followups/{enrollment.id}/6", data={"outcome": "employed"})
    assert response.status_code == 302
    assert f"/center/trainees/{trainee.id}/placements/new" in response.headers["Location"]
    url = f"/center/trainees/{trainee.id}/placements/new"
    assert client.get(url + f"?enrollment_id={enrollment.id}&milestone=6").status_code == 200
    done = client.post(url, data=dict(FORM, enrollment_id=enrollment.id, milestone=6))
    assert done.status_code == 302, done.get_data(as_text=True)[:3000]
    p = db.session.scalar(select(Placement))
    assert (p.source, p.verification, p.employer.name) == ("center", "verified", "SOCAR Digital")
    assert db.session.scalar(select(FollowUp.outcome)) == "employed"
    # the trainee leaves the queue
    assert f"/center/followups/{enrollment.id}/" not in client.get("/center/followups").get_data(as_text=True)


def test_job_form_bad_input_rerenders_and_saves_nothing(client, factory, login_as):
    _, trainee, _, ca, _ = _setup(factory)
    login_as(ca)
    url = f"/center/trainees/{trainee.id}/placements/new"
    r = client.post(url, data=dict(FORM, start_date="not-a-date"))
    assert r.status_code == 422
    r = client.post(url, data=dict(FORM, monthly_pay_azn="lots", end_date="2001-01-01"))
    assert r.status_code == 422
    html = r.get_data(as_text=True)
    assert "invalid-feedback" in html
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0


def test_job_form_scoping(client, factory, login_as):
    _, trainee, _, ca, stranger = _setup(factory)
    trainee_user = factory.trainee_user(factory.trainee())
    db.session.commit()
    login_as(stranger)
    url = f"/center/trainees/{trainee.id}/placements/new"
    assert client.get(url).status_code == 404
    assert client.post(url, data=FORM).status_code == 404
    assert client.get("/center/trainees/999999/placements/new").status_code == 404
    client.post("/logout")
    login_as(trainee_user)
    assert client.get(url).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Placement)) == 0


def test_placements_list_verify_reject_edit_end(client, factory, login_as):
    center, trainee, _, ca, stranger = _setup(factory)
    tuser = factory.trainee_user(trainee)
    db.session.commit()
    with request_context(client.application):
        reported = ps.report_own_job(actor(tuser), **job(country_code="TR", employer_name="Türk AI"))
        second = ps.report_own_job(actor(tuser), **job(employer_name="=HYPERLINK()"))
    db.session.commit()
    login_as(ca)
    html = client.get("/center/placements?verification=pending").get_data(as_text=True)
    assert "Türk AI" in html and "Regional" in html
    assert client.get("/center/placements?market=international&sort=name&verification=bogus").status_code == 200
    assert client.post(f"/center/placements/{reported.id}/verify").status_code == 302
    assert client.post(f"/center/placements/{second.id}/reject", data={"reason": "no such employer"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(Placement, reported.id).verification == "verified"
    assert db.session.get(Placement, second.id).verification == "rejected"
    assert client.post(f"/center/placements/{reported.id}/verify").status_code == 409
    # A job the trainee reported is the trainee's: the center verifies it but does not change it
    # (issue 13); a job the center recorded is the center's to change and end.
    assert client.get(f"/center/placements/{reported.id}/edit").status_code == 404
    assert client.post(f"/center/placements/{reported.id}/end",
                       data={"end_date": clock.today().isoformat()}).status_code == 404
    with request_context(client.application):
        recorded = ps.record_placement(actor(ca), trainee.id, **job(employer_name="Bakı AI"))
    db.session.commit()
    edit = client.post(f"/center/placements/{recorded.id}/edit", data=dict(FORM, job_title="Senior ML engineer"))
    assert edit.status_code == 302
    assert client.get(f"/center/placements/{recorded.id}/edit").status_code == 200
    assert client.post(f"/center/placements/{recorded.id}/end", data={"end_date": "bad"}).status_code == 422
    assert client.post(f"/center/placements/{recorded.id}/end",
                       data={"end_date": clock.today().isoformat()}).status_code == 302
    db.session.expire_all()
    p = db.session.get(Placement, recorded.id)
    assert (p.job_title, p.end_date) == ("Senior ML engineer", clock.today())
    actions = audit_actions(trainee_id=trainee.id)
    for action in ("placement.verify", "placement.reject", "placement.update", "placement.end", "trainee.view_list"):
        assert action in actions
    client.post("/logout")
    login_as(stranger)
    assert "Türk AI" not in client.get("/center/placements").get_data(as_text=True)
    for path in (f"/center/placements/{second.id}/verify", f"/center/placements/{second.id}/reject",
                 f"/center/placements/{second.id}/end"):
        assert client.post(path, data={"end_date": clock.today().isoformat()}).status_code == 404
    assert client.get(f"/center/placements/{second.id}/edit").status_code == 404


def test_placements_list_forbidden_for_ministry(client, factory, login_as):
    ministry = factory.user("ministry")
    db.session.commit()
    login_as(ministry)
    assert client.get("/center/placements").status_code == 403


def test_completers_list(client, factory, login_as):
    center, trainee, _, ca, stranger = _setup(factory, ended_days_ago=20)
    employed, _ = completer(factory, center, ended_days_ago=20, first_name="İşləyən")
    with request_context(client.application):
        ps.record_placement(actor(ca), employed.id, **job())
    db.session.commit()
    login_as(ca)
    html = client.get("/center/completers").get_data(as_text=True)
    assert f"/center/trainees/{trainee.id}/placements/new" in html and "İşləyən" in html
    html = client.get(f"/center/completers?without_job=1&sort=name&center_id={center.id}").get_data(as_text=True)
    assert f"/center/trainees/{trainee.id}/placements/new" in html and "İşləyən" not in html
    assert "trainee.view_list" in audit_actions(trainee_id=trainee.id)
    client.post("/logout")
    login_as(stranger)
    assert f"/center/trainees/{trainee.id}/" not in client.get("/center/completers").get_data(as_text=True)
    client.post("/logout")
    ministry = factory.user("ministry")
    db.session.commit()
    login_as(ministry)
    assert client.get("/center/completers").status_code == 403
