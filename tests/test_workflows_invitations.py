"""Staff invitations from the admin pages (a user created without a password is invited; send and
resend; links expire), invitation mails that leave only after the commit, and "forgot password"
on the sign-in page."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from talent import mail
from talent.accounts import invitations
from talent.accounts.models import User
from talent.accounts.services import create_token
from talent.audit import AuditEvent
from talent.errors import Conflict, InvalidTransition, NotFound, PermissionDenied
from talent.extensions import db
from talent.permissions import Actor
from tests.admin_helpers import request_context
from tests.conftest import login

PASSWORD = "staff-new-password-42"


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


@pytest.fixture
def admin(factory):
    user = factory.user("admin", locale="en")
    db.session.commit()
    return user


def _link_path(message) -> str:
    url = re.search(r"https?://\S+", message.get_content()).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def _failing_commit(monkeypatch):
    """The request's commit fails (the database went away at that moment): it rolls back."""
    def commit():
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))
    monkeypatch.setattr(db.session, "commit", commit)


def _users(email: str) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(User.id)).where(User.email == email))


# ---- mail after the commit -----------------------------------------------------------------

def test_a_trainee_invitation_leaves_only_after_the_commit(client, factory, login_as, monkeypatch):
    center = factory.center()
    ca = factory.center_admin(center)
    trainee = factory.trainee(email="aysel.m@example.az")
    factory.enrollment(trainee=trainee, cohort=factory.cohort(center=center))
    db.session.commit()
    login_as(ca)
    _failing_commit(monkeypatch)
    response = client.post(f"/center/trainees/{trainee.id}/invite")
    assert response.status_code == 503
    assert mail.outbox == []          # the invitation of a change that was rolled back never leaves
    monkeypatch.undo()
    assert _users("aysel.m@example.az") == 0
    assert client.post(f"/center/trainees/{trainee.id}/invite").status_code == 302
    assert [m["To"] for m in mail.outbox] == ["aysel.m@example.az"]


def test_a_queued_mail_follows_its_transaction(app, factory):
    center = factory.center()
    trainee = factory.trainee(email="queued@example.az")
    factory.enrollment(trainee=trainee, cohort=factory.cohort(center=center))
    ca = factory.center_admin(center)
    db.session.commit()
    with request_context(app):
        invitations.invite_trainee(Actor.for_user(ca), trainee.id)
        assert mail.outbox == []      # not before the commit
        db.session.rollback()
        assert mail.outbox == []      # and never after a rollback
        invitations.invite_trainee(Actor.for_user(ca), trainee.id)
        with db.session.begin_nested():   # a savepoint released is not the commit
            pass
        assert mail.outbox == []
        db.session.commit()
    assert [m["To"] for m in mail.outbox] == ["queued@example.az"]


# ---- staff invitations ---------------------------------------------------------------------

def test_a_staff_user_created_without_password_is_invited(client, login_as, admin, factory):
    center = factory.center()
    db.session.commit()
    login_as(admin)
    response = client.post("/admin/users/new", data={"email": "New.Admin@example.az", "full_name": "Nigar Əliyeva",
                                                      "role": "center_admin", "centers": [str(center.id)],
                                                      "password": ""})
    assert response.status_code == 302
    assert [m["To"] for m in mail.outbox] == ["new.admin@example.az"]
    path = _link_path(mail.outbox[0])
    assert path.startswith("/invitation/") and "Nigar Əliyeva" in mail.outbox[0].get_content()
    # The list says an invitation is out and offers to resend it.
    listing = client.get("/admin/users/").get_data(as_text=True)
    user = db.session.scalar(select(User).where(User.email == "new.admin@example.az"))
    assert 'data-invitation="sent"' in listing and f"/admin/users/{user.id}/invite" in listing
    assert "Resend invitation" in listing
    client.post("/logout")
    assert client.post(path, data={"new_password": PASSWORD}).status_code == 302
    login(client, "new.admin@example.az", PASSWORD)
    assert client.get("/center/").status_code == 200


def test_creating_with_a_password_sends_nothing_and_a_failed_request_sends_nothing(client, login_as, admin,
                                                                                   monkeypatch):
    login_as(admin)
    with_password = client.post("/admin/users/new", data={"email": "m1@example.az", "full_name": "M One",
                                                           "role": "ministry", "password": "a-long-enough-pass-77"})
    assert with_password.status_code == 302 and mail.outbox == []
    _failing_commit(monkeypatch)
    failed = client.post("/admin/users/new", data={"email": "m2@example.az", "full_name": "M Two", "role": "ministry"})
    assert failed.status_code == 503
    monkeypatch.undo()
    assert mail.outbox == [] and _users("m2@example.az") == 0


def test_send_resend_and_expiry(client, login_as, admin, factory):
    staff = factory.user("ministry", email="late@example.az")
    staff.password_hash = None
    db.session.commit()
    login_as(admin)
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert 'data-invitation="none"' in listing and "Send invitation" in listing
    eight_days_ago = datetime.now(timezone.utc) - timedelta(days=8)
    with time_machine.travel(eight_days_ago, tick=True):
        with request_context(client.application):
            invitations.invite_staff(Actor.for_user(admin), staff.id)
        db.session.commit()
    old = _link_path(mail.outbox[-1])
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert 'data-invitation="expired"' in listing and "expired" in listing
    client.post("/logout")
    assert client.get(old).status_code == 410     # expired after 7 days
    login_as(admin)
    assert client.post(f"/admin/users/{staff.id}/invite").status_code == 302
    new = _link_path(mail.outbox[-1])
    assert new != old and len(mail.outbox) == 2
    assert client.post(f"/admin/users/{staff.id}/invite").status_code == 302
    newest = _link_path(mail.outbox[-1])
    client.post("/logout")
    assert client.get(new).status_code == 410     # replaced by the newest
    assert client.get(newest).status_code == 200
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "user",
                                                                 AuditEvent.entity_id == str(staff.id))).all()
    assert actions.count("user.invite") == 3


def test_who_can_be_invited(app, client, login_as, admin, factory):
    has_password = factory.user("ministry")
    inactive = factory.user("ministry", active=False)
    inactive.password_hash = None
    trainee = factory.trainee_user()
    trainee.password_hash = None
    service = factory.user("center_admin", centers=[factory.center()])
    service.password_hash = None
    db.session.flush()
    create_token(Actor.for_user(admin), service, "robot", service=True, password="a-long-test-password-1")
    ca = factory.center_admin()
    db.session.commit()
    actor = Actor.for_user(admin)
    with request_context(app):
        with pytest.raises(Conflict):
            invitations.invite_staff(actor, has_password.id)
        with pytest.raises(InvalidTransition):
            invitations.invite_staff(actor, inactive.id)
        for user_id in (trainee.id, service.id, 999999, "x"):
            with pytest.raises(NotFound):
                invitations.invite_staff(actor, user_id)
        with pytest.raises(PermissionDenied):
            invitations.invite_staff(Actor.for_user(ca), inactive.id)
    db.session.rollback()
    login_as(admin)
    refused = client.post(f"/admin/users/{has_password.id}/invite")
    assert refused.status_code == 303
    listing = client.get("/admin/users/").get_data(as_text=True)
    assert "Forgot password?" in listing          # the message says how they get back in
    assert f"/admin/users/{service.id}/invite" not in listing and f"/admin/users/{trainee.id}/invite" not in listing
    assert client.post("/admin/users/999999/invite").status_code == 404
    assert mail.outbox == []


def test_the_sign_in_page_links_to_the_password_reset(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'href="/password-reset"' in page and "Forgot password?" in page


def test_the_staff_invitation_is_in_the_recipients_language_only(client, login_as, admin, factory):
    """One invitation mail (staff and trainee share it), written in the language chosen for the new
    user, not the bilingual az/en text it used to be."""
    login_as(admin)
    response = client.post("/admin/users/new", data={"email": "ru.staff@example.az", "full_name": "Ольга Петрова",
                                                      "role": "ministry", "password": "", "locale": "ru"})
    assert response.status_code == 302
    message = mail.outbox[-1]
    body = message.get_content()
    assert message["To"] == "ru.staff@example.az" and "Приглашение" in message["Subject"]
    assert "Здравствуйте, Ольга Петрова!" in body and "/invitation/" in body
    assert "Salam" not in body and "Dəvət" not in message["Subject"] and "Set your password" not in body
    user = db.session.scalar(select(User).where(User.email == "ru.staff@example.az"))
    assert user.locale == "ru"
    # Resent from the list: still Russian.
    assert client.post(f"/admin/users/{user.id}/invite").status_code == 302
    assert "Приглашение" in mail.outbox[-1]["Subject"]


def test_an_invitation_without_a_chosen_language_is_in_the_default_one(client, admin, factory):
    """A staff account without a language (created from the command line, say) is invited in the
    platform's default language, whatever the language of the administrator's page."""
    staff = factory.user("ministry", email="az.staff@example.az", full_name="Nigar Əliyeva")
    staff.password_hash, staff.locale = None, None
    db.session.commit()
    with request_context(client.application):
        invitations.invite_staff(Actor.for_user(admin), staff.id)
    db.session.commit()
    body = mail.outbox[-1].get_content()
    assert "Salam, Nigar Əliyeva!" in body and "Hello" not in body and "Здравствуйте" not in body
    assert mail.outbox[-1]["Subject"] == "Dəvət — AI Talent Centers"


def test_a_language_that_is_not_offered_is_refused(client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/users/new", data={"email": "xx.staff@example.az", "full_name": "X Y",
                                                     "role": "ministry", "password": "", "locale": "de"})
    assert response.status_code in (200, 422)
    assert db.session.scalar(select(User).where(User.email == "xx.staff@example.az")) is None
    assert mail.outbox == []
