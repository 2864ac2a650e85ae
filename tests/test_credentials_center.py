"""Center administrators' award pages: list (and expiring in 90 days), detail with PDF,
revoke, renew and issuing a cohort's awards — for the allowed role, a forbidden role and another
center's admin."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.credentials.models import Award
from talent.extensions import db
from tests.credentials_helpers import completed, issued
from talent import clock


def _setup(factory):
    award = issued(factory)
    center = award.center
    admin = factory.center_admin(center)
    other = factory.center_admin()
    db.session.commit()
    return award, admin, other


def test_list_and_expiring(client, factory, login_as):
    award, admin, _ = _setup(factory)
    soon = issued(factory, cohort=award.enrollment.cohort, validity_months=36)
    soon.expires_on = clock.today() + timedelta(days=30)
    foreign = issued(factory)
    db.session.commit()
    login_as(admin)
    html = client.get("/center/awards").get_data(as_text=True)
    assert award.serial in html and soon.serial in html and foreign.serial not in html
    html = client.get("/center/awards?expiring=1").get_data(as_text=True)
    assert soon.serial in html and award.serial not in html
    for status in ("valid", "expired", "revoked", "bogus"):
        assert client.get(f"/center/awards?status={status}").status_code == 200
    assert client.get("/center/awards?page=abc").status_code == 200


def test_expiring_query_excludes_revoked_and_far(factory):
    from talent.credentials.queries import expiring_awards
    from talent.credentials.services import revoke_award
    from talent.permissions import Actor
    a = issued(factory)
    a.expires_on = clock.today() + timedelta(days=10)
    b = issued(factory)
    b.expires_on = clock.today() + timedelta(days=91)
    c = issued(factory)
    c.expires_on = clock.today() + timedelta(days=89)
    revoke_award(Actor.system(), c, "x")
    assert [x.id for x in expiring_awards(Actor.system())] == [a.id]


def test_detail_and_pdf_audited(client, factory, login_as):
    award, admin, other = _setup(factory)
    login_as(admin)
    response = client.get(f"/center/awards/{award.id}")
    assert response.status_code == 200 and award.trainee.full_name in response.get_data(as_text=True)
    pdf = client.get(f"/center/awards/{award.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.trainee_id == award.trainee_id)))
    assert {"award.view", "award.pdf"} <= actions


def test_other_center_admin_gets_404(client, factory, login_as):
    award, _, other = _setup(factory)
    login_as(other)
    assert client.get(f"/center/awards/{award.id}").status_code == 404
    assert client.get(f"/center/awards/{award.id}/certificate.pdf").status_code == 404
    assert client.post(f"/center/awards/{award.id}/revoke", data={"reason": "x"}).status_code == 404
    assert client.post(f"/center/awards/{award.id}/renew").status_code == 404
    assert client.post(f"/center/cohorts/{award.enrollment.cohort_id}/awards/issue").status_code == 404
    assert client.get("/center/awards/999999").status_code == 404
    db.session.expire_all()
    assert db.session.get(Award, award.id).revoked_at is None


def test_forbidden_roles(client, factory, login_as):
    award, _, _ = _setup(factory)
    trainee_user = factory.trainee_user(award.trainee)
    ministry = factory.user("ministry")
    db.session.commit()
    login_as(ministry)
    assert client.get("/center/awards").status_code == 403
    assert client.post(f"/center/awards/{award.id}/revoke", data={"reason": "x"}).status_code == 403
    client.post("/logout")
    login_as(trainee_user)
    assert client.get(f"/center/awards/{award.id}").status_code == 403
    assert client.post(f"/center/cohorts/{award.enrollment.cohort_id}/awards/issue").status_code == 403
    anonymous = client.application.test_client()
    assert anonymous.get("/center/awards").status_code == 302


def test_revoke_and_renew(client, factory, login_as):
    award, admin, _ = _setup(factory)
    login_as(admin)
    bad = client.post(f"/center/awards/{award.id}/revoke", data={"reason": ""})
    assert bad.status_code == 422
    db.session.expire_all()
    assert db.session.get(Award, award.id).revoked_at is None
    renewed = client.post(f"/center/awards/{award.id}/renew")
    assert renewed.status_code == 302
    new = db.session.scalar(select(Award).where(Award.renewal_of_id == award.id))
    assert new is not None and renewed.headers["Location"].endswith(f"/center/awards/{new.id}")
    assert client.post(f"/center/awards/{award.id}/renew").status_code == 409
    ok = client.post(f"/center/awards/{award.id}/revoke", data={"reason": "Cheating in the exam"})
    assert ok.status_code == 302
    db.session.expire_all()
    assert db.session.get(Award, award.id).revoked_reason == "Cheating in the exam"
    assert client.post(f"/center/awards/{award.id}/revoke", data={"reason": "again"}).status_code == 409
    assert client.get(f"/verify/{award.verification_code}").get_data(as_text=True).count('data-status="revoked"') == 1


def test_issue_button_for_cohort(client, factory, login_as):
    enrollment = completed(factory)
    completed(factory, enrollment.cohort, score=10)
    admin = factory.center_admin(enrollment.cohort.center)
    db.session.commit()
    login_as(admin)
    response = client.post(f"/center/cohorts/{enrollment.cohort_id}/awards/issue",
                           data={"next": "https://evil.example/"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/center/awards")
    client.post(f"/center/cohorts/{enrollment.cohort_id}/awards/issue")
    assert db.session.scalar(select(func.count(Award.id))) == 1
    assert client.post("/center/cohorts/987654/awards/issue").status_code == 404


def test_issue_button_needs_csrf(client, factory, login_as, app, monkeypatch):
    enrollment = completed(factory)
    admin = factory.center_admin(enrollment.cohort.center)
    db.session.commit()
    login_as(admin)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/center/cohorts/{enrollment.cohort_id}/awards/issue")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Award.id))) == 0


def test_control_characters_in_reason_are_refused(client, factory, login_as):
    award, admin, _ = _setup(factory)
    login_as(admin)
    response = client.post(f"/center/awards/{award.id}/revoke", data={"reason": "bad\x00reason"})
    assert response.status_code == 422
    db.session.expire_all()
    assert db.session.get(Award, award.id).revoked_at is None
