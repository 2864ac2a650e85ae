"""Token pages: personal tokens for any signed-in user, service tokens for the administrator."""
from __future__ import annotations

import re

from sqlalchemy import select

from talent.accounts.models import ApiToken, User
from talent.audit import AuditEvent
from talent.extensions import db
from tests.api_helpers import Api
from tests.factories import PASSWORD


def _secret(html: str) -> str:
    match = re.search(r'value="(tlt_[^"]+)"', html)
    assert match, "the new token is shown once"
    return match.group(1)


def test_anonymous_is_sent_to_login(client):
    assert client.get("/account/tokens").status_code == 302
    assert client.get("/account/service-tokens").status_code == 302


def test_user_creates_uses_and_revokes_a_personal_token(client, factory, login_as):
    trainee = factory.trainee()
    user = factory.trainee_user(trainee)
    db.session.commit()
    login_as(user)
    assert client.get("/account/tokens").status_code == 200
    response = client.post("/account/tokens", data={"name": "my laptop", "current_password": PASSWORD})
    assert response.status_code == 200
    secret = _secret(response.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.name == "my laptop" and token.token_hash != secret and not token.is_service
    # Shown once: the list page does not show it again.
    page = client.get("/account/tokens").get_data(as_text=True)
    assert secret not in page and "my laptop" in page
    api = Api(client, secret)
    assert api.get("/me").get_json()["trainee_id"] == trainee.id
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 302
    assert api.get("/me").status_code == 401
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"token.create", "token.revoke"} <= actions


def test_token_name_is_required(client, factory, login_as):
    user = factory.user("ministry")
    db.session.commit()
    login_as(user)
    response = client.post("/account/tokens", data={"name": "", "current_password": PASSWORD})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiToken.id)) is None


def test_cannot_revoke_someone_elses_token(client, factory, login_as):
    owner, other = factory.user("ministry"), factory.user("ministry")
    db.session.commit()
    from tests.api_helpers import token_for
    token_for(owner)
    token = db.session.scalar(select(ApiToken))
    login_as(other)
    assert client.post(f"/account/tokens/{token.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_at is None


def test_only_admin_manages_service_tokens(client, factory, login_as):
    center = factory.center()
    user = factory.center_admin(center)
    db.session.commit()
    login_as(user)
    assert client.get("/account/service-tokens").status_code == 403
    assert client.post("/account/service-tokens", data={"name": "x", "role": "admin"}).status_code == 403


def test_admin_creates_a_center_bound_service_token(client, factory, login_as):
    mine, other = factory.center(), factory.center()
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    assert client.get("/account/service-tokens").status_code == 200
    response = client.post("/account/service-tokens",
                           data={"name": "University of Ganja", "role": "center_admin", "centers": [mine.id],
                                 "current_password": PASSWORD})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    secret = _secret(response.get_data(as_text=True))
    token = db.session.scalar(select(ApiToken).where(ApiToken.is_service.is_(True)))
    service_user = db.session.get(User, token.user_id)
    assert service_user.role == "center_admin" and service_user.center_ids == frozenset({mine.id})
    assert service_user.password_hash is None
    body = Api(client, secret).get("/me").get_json()
    assert body["role"] == "center_admin" and body["center_ids"] == [mine.id]
    assert body["token"]["service"] is True
    assert "University of Ganja" in client.get("/account/service-tokens").get_data(as_text=True)
    assert client.post(f"/account/service-tokens/{token.id}/revoke").status_code == 302
    assert Api(client, secret).get("/me").status_code == 401
    assert other.id not in service_user.center_ids


def test_center_role_service_token_needs_centers(client, factory, login_as):
    factory.center()
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    response = client.post("/account/service-tokens", data={"name": "Agency", "role": "center_admin",
                                                                   "current_password": PASSWORD})
    assert response.status_code == 422
    assert db.session.scalar(select(ApiToken.id)) is None
    assert db.session.scalar(select(User.id).where(User.full_name == "Agency")) is None


def test_ministry_service_token(client, factory, login_as):
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    response = client.post("/account/service-tokens", data={"name": "Statistics committee", "role": "ministry",
                                                                   "current_password": PASSWORD})
    assert response.status_code == 200
    assert Api(client, _secret(response.get_data(as_text=True))).get("/me").get_json()["role"] == "ministry"


def test_token_forms_need_csrf(app, client, factory, login_as, monkeypatch):
    user = factory.user("admin")
    db.session.commit()
    login_as(user)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/account/tokens", data={"name": "x"})
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(ApiToken.id)) is None
