"""Trainee accounts: invitation by a center admin (signed, expiring, single-use link), password
reset by email link, and the pages for expired or reused links."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from talent import mail
from talent.accounts import invitations
from talent.accounts.models import User
from talent.extensions import db
from talent.people.models import Trainee
from tests.conftest import login

NEW_PASSWORD = "trainee-new-password-42"


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


def _link_path(message) -> str:
    body = message.get_content()
    url = re.search(r"https?://\S+", body).group(0)
    return re.sub(r"^https?://[^/]+", "", url)


def _trainee_at(factory, center, **kw):
    trainee = factory.trainee(email=kw.pop("email", "aysel.m@example.az"), **kw)
    factory.enrollment(trainee=trainee, cohort=factory.cohort(center=center))
    return trainee


def test_invitation_flow(client, factory, login_as, app):
    center = factory.center()
    admin = factory.center_admin(center)
    trainee = _trainee_at(factory, center)
    db.session.commit()
    login_as(admin)
    response = client.post(f"/center/trainees/{trainee.id}/invite", data={"next": "/center/awards"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/center/awards")
    db.session.expire_all()
    trainee = db.session.get(Trainee, trainee.id)
    user = db.session.get(User, trainee.user_id)
    assert user.role == "trainee" and user.email == "aysel.m@example.az" and user.password_hash is None
    assert len(mail.outbox) == 1 and mail.outbox[0]["To"] == "aysel.m@example.az"
    eml = list((__import__("pathlib").Path(app.instance_path) / "mail").glob("*.eml"))
    assert eml
    path = _link_path(mail.outbox[0])
    assert path.startswith("/invitation/")
    client.post("/logout")
    assert client.get(path).status_code == 200
    weak = client.post(path, data={"new_password": "short"})
    assert weak.status_code == 422
    done = client.post(path, data={"new_password": NEW_PASSWORD})
    assert done.status_code == 302
    login(client, "aysel.m@example.az", NEW_PASSWORD)
    assert client.get("/me/learning").status_code == 200
    client.post("/logout")
    # Single use: the same link now answers with a clear page and a way to ask for a new one.
    reused = client.get(path)
    assert reused.status_code == 410
    html = reused.get_data(as_text=True)
    assert 'data-link="invalid"' in html and 'action="/password-reset"' in html
    assert client.post(path, data={"new_password": "another-long-password-9"}).status_code == 410


def test_reinvite_replaces_old_link_and_expiry(client, factory, login_as, monkeypatch):
    center = factory.center()
    admin = factory.center_admin(center)
    trainee = _trainee_at(factory, center)
    db.session.commit()
    login_as(admin)
    client.post(f"/center/trainees/{trainee.id}/invite")
    client.post(f"/center/trainees/{trainee.id}/invite")
    first, second = _link_path(mail.outbox[0]), _link_path(mail.outbox[1])
    client.post("/logout")
    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200
    monkeypatch.setitem(invitations.MAX_AGE, invitations.INVITE, -1)
    expired = client.get(second)
    assert expired.status_code == 410
    for bad in ("/invitation/garbage", "/invitation/" + "x" * 2000, second[:-3] + "abc"):
        assert client.get(bad).status_code == 410


def test_invite_refusals(client, factory, login_as):
    center = factory.center()
    admin = factory.center_admin(center)
    other_admin = factory.center_admin()
    no_email = factory.trainee(email=None)
    factory.enrollment(trainee=no_email, cohort=factory.cohort(center=center))
    has_account = _trainee_at(factory, center, email="has@example.az")
    factory.trainee_user(has_account)
    target = _trainee_at(factory, center, email="target@example.az")
    db.session.commit()
    users_before = db.session.scalar(select(func.count(User.id)))
    login_as(admin)
    assert client.post(f"/center/trainees/{no_email.id}/invite").status_code == 302
    assert client.post(f"/center/trainees/{has_account.id}/invite").status_code == 302
    assert client.post("/center/trainees/999999/invite").status_code == 404
    client.post("/logout")
    login_as(other_admin)
    assert client.post(f"/center/trainees/{target.id}/invite").status_code == 404
    client.post("/logout")
    trainee_user = db.session.get(User, has_account.user_id)
    login_as(trainee_user)
    assert client.post(f"/center/trainees/{target.id}/invite").status_code == 403
    assert mail.outbox == []
    assert db.session.scalar(select(func.count(User.id))) == users_before


def test_password_reset(client, factory):
    trainee = factory.trainee()
    user = factory.trainee_user(trainee, email="reset.me@example.az")
    db.session.commit()
    assert client.get("/password-reset").status_code == 200
    unknown = client.post("/password-reset", data={"email": "nobody@example.az"})
    known = client.post("/password-reset", data={"email": "Reset.Me@example.az"})
    assert unknown.status_code == known.status_code == 302
    assert len(mail.outbox) == 1 and mail.outbox[0]["To"] == "reset.me@example.az"
    path = _link_path(mail.outbox[0])
    assert path.startswith("/password-reset/")
    assert client.get(path).status_code == 200
    assert client.post(path, data={"new_password": NEW_PASSWORD}).status_code == 302
    login(client, "reset.me@example.az", NEW_PASSWORD)
    client.post("/logout")
    assert client.get(path).status_code == 410
    assert client.post("/password-reset", data={"email": ""}).status_code == 422


def test_reset_link_expires(client, factory, monkeypatch):
    factory.trainee_user(factory.trainee(), email="late@example.az")
    db.session.commit()
    client.post("/password-reset", data={"email": "late@example.az"})
    path = _link_path(mail.outbox[0])
    monkeypatch.setitem(invitations.MAX_AGE, invitations.RESET, -1)
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True).lower()
    # An invitation token is not a reset token.
    token = path.rsplit("/", 1)[1]
    assert client.get(f"/invitation/{token}").status_code == 410


def test_garbage_input_never_500(client, factory):
    for email in ("nul\x00@example.az", "x" * 300 + "@example.az", "ä@ä"):
        assert client.post("/password-reset", data={"email": email}).status_code in (302, 422)
    assert client.post("/verify", data={"serial": "AZAI\x00", "birth_date": "1998-05-17"}).status_code == 404
    assert client.get("/verify/abc%00def").status_code == 404
    assert client.get("/api/v1/verify/abc%00def").status_code == 404
    assert client.get("/invitation/abc%00def").status_code == 410
    assert mail.outbox == []
