"""Sign-in, lock-out, CSRF, session rotation, password change and scoping basics."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from talent.accounts.models import User
from talent.audit import AuditEvent
from talent.extensions import db
from tests.conftest import login
from tests.factories import PASSWORD


def test_login_good_redirects_to_role_home(client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = login(client, user.email)
    assert response.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200


def test_wrong_password_and_unknown_email_get_the_same_message(client, factory):
    user = factory.user("admin")
    db.session.commit()
    bad = client.post("/login", data={"email": user.email, "password": "wrong-password-123"})
    unknown = client.post("/login", data={"email": "nobody@nowhere.az", "password": "wrong-password-123"})
    assert bad.status_code == unknown.status_code == 401
    extract = lambda r: re.findall(r'invalid-feedback[^>]*>([^<]+)<', r.get_data(as_text=True))
    assert extract(bad) == extract(unknown) and extract(bad)


def test_account_locks_after_repeated_failures(app, client, factory):
    user = factory.user("admin")
    db.session.commit()
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/login", data={"email": user.email, "password": "wrong-password-123"})
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    # Even the right password is refused while locked, with the same generic message.
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 401
    assert "Location" not in response.headers
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)))
    assert {"login.failure", "login.lock", "login.locked"} <= actions


def test_login_is_rate_limited(app, client, factory):
    for _ in range(10):
        client.post("/login", data={"email": "x@y.az", "password": "wrong-password-123"})
    assert client.post("/login", data={"email": "x@y.az", "password": "wrong-password-123"}).status_code == 429


def test_login_without_csrf_token_is_rejected(app, client, factory, monkeypatch):
    user = factory.user("admin")
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert "Location" not in response.headers


def test_login_with_csrf_token_works(app, client, factory, monkeypatch):
    user = factory.user("admin")
    db.session.commit()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_session_is_new_at_login(client, factory):
    user = factory.user("admin")
    db.session.commit()
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    login(client, user.email)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["_user_id"].startswith(f"{user.id}:")


def test_password_change_rotates_sessions_and_checks_policy(app, factory):
    user = factory.user("center_admin", centers=[factory.center()])
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    login(first, user.email)
    login(second, user.email)
    weak = first.post("/account/password", data={"current_password": PASSWORD, "new_password": "short"})
    assert weak.status_code == 422
    common = first.post("/account/password", data={"current_password": PASSWORD, "new_password": "password1234"})
    assert common.status_code == 422
    ok = first.post("/account/password", data={"current_password": PASSWORD,
                                                "new_password": "a-brand-new-passphrase"})
    assert ok.status_code == 302
    assert first.get("/account/password").status_code == 200       # this session goes on
    assert second.get("/account/password").status_code == 302      # the other one ended
    login(app.test_client(), user.email, "a-brand-new-passphrase")


def test_deactivated_user_is_signed_out(client, factory):
    user = factory.user("admin")
    db.session.commit()
    login(client, user.email)
    user.active = False
    db.session.commit()
    assert client.get("/admin/").status_code == 302


def test_idle_session_expires(app, client, factory):
    user = factory.user("admin")
    db.session.commit()
    login(client, user.email)
    with client.session_transaction() as sess:
        sess["_seen"] -= 31 * 60
    assert client.get("/admin/").status_code == 302


def test_absolute_session_lifetime(app, client, factory):
    user = factory.user("admin")
    db.session.commit()
    login(client, user.email)
    with client.session_transaction() as sess:
        sess["_started"] -= 12 * 3600 + 1
    assert client.get("/admin/").status_code == 302


def test_role_outside_scope_gets_403_page_not_traceback(client, factory):
    user = factory.user("ministry")
    db.session.commit()
    login(client, user.email)
    response = client.get("/admin/")
    assert response.status_code == 403
    assert "Traceback" not in response.get_data(as_text=True)


def test_open_redirect_after_login_is_refused(client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = client.post("/login?next=//evil.example/x", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"].endswith("/admin/")


def test_language_switch(client):
    client.post("/lang/en", data={"next": "/"})
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    client.post("/lang/ru", data={"next": "/"})
    assert 'lang="ru"' in client.get("/").get_data(as_text=True)
    client.post("/lang/xx", data={"next": "/"})
    assert 'lang="ru"' in client.get("/").get_data(as_text=True)


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_health_endpoints(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json["database"] == "ok"


def test_ids_beyond_the_database_range_are_404(client, factory):
    user = factory.user("admin")
    db.session.commit()
    login(client, user.email)
    assert client.get("/center/awards/99999999999").status_code == 404
    assert client.get("/center/awards/2147483648").status_code == 404
