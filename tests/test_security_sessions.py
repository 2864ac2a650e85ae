"""Issue 13, finding 3 and 5 (sessions): sign-out ends the session everywhere, the __Host- cookie,
no cookie for anonymous requests, and a foreign Host header refused in production (ASVS V3.3,
V3.4, V14.5)."""
from __future__ import annotations

from sqlalchemy import select

from talent.accounts.models import ApiToken
from talent.audit import AuditEvent
from talent.extensions import db
from tests.conftest import login
from tests.security_helpers import production_app


def _cookie(client, name="talent_session"):
    return client.get_cookie(name)


def test_a_cookie_copied_before_sign_out_is_dead_afterwards_from_any_client(app, factory):
    user = factory.user("admin")
    db.session.commit()
    browser = app.test_client()
    login(browser, user.email)
    stolen = _cookie(browser).value
    thief = app.test_client()
    thief.set_cookie("talent_session", stolen)
    assert thief.get("/admin/").status_code == 200          # the copy works while signed in
    assert browser.post("/logout").status_code == 302
    # The old cookie, replayed by another client, is refused: a sign-in page, no new token.
    replay = app.test_client()
    replay.set_cookie("talent_session", stolen)
    assert replay.get("/admin/").status_code == 302
    assert replay.post("/account/tokens", data={"name": "minted", "current_password": "a-long-test-password-1"}
                       ).status_code == 302
    assert thief.get("/admin/").status_code == 302
    assert db.session.scalar(select(ApiToken.id)) is None
    assert "logout" in set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)))
    # The owner signs in again normally.
    login(browser, user.email)
    assert browser.get("/admin/").status_code == 200


def test_no_session_cookie_for_anonymous_pages_health_and_404(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    for path in ("/", "/healthz", "/readyz", "/no-such-page", "/api/v1/no-such-thing"):
        response = client.get(path)
        assert "Set-Cookie" not in response.headers, path
    # A page with a form needs its CSRF token in the session: then, and only then, a cookie.
    assert "talent_session=" in client.get("/login").headers.get("Set-Cookie", "")


def test_language_switch_needs_no_session(client):
    response = client.post("/lang/ru", data={"next": "/"})
    assert response.status_code == 302
    cookies = response.headers.getlist("Set-Cookie")
    assert not any(c.startswith("talent_session=") for c in cookies)
    assert any(c.startswith("talent_lang=ru") and "HttpOnly" in c for c in cookies)
    page = client.get("/")
    assert 'lang="ru"' in page.get_data(as_text=True) and "Set-Cookie" not in page.headers


def test_production_session_cookie_has_the_host_prefix(tmp_path):
    app = production_app(tmp_path)
    assert app.config["DEVICE_COOKIE_NAME"] == "__Host-talent_device"
    assert app.config["LANGUAGE_COOKIE_NAME"] == "__Host-talent_lang"
    client = app.test_client()
    assert "Set-Cookie" not in client.get("/healthz").headers
    assert "Set-Cookie" not in client.get("/no-such-page").headers
    cookie = client.get("/login").headers["Set-Cookie"]
    assert cookie.startswith("__Host-talent_session=")
    attributes = [part.strip() for part in cookie.split(";")]
    assert "Secure" in attributes and "Path=/" in attributes and "HttpOnly" in attributes
    assert not any(a.lower().startswith("domain=") for a in attributes)


def test_production_refuses_a_foreign_host_header(tmp_path):
    app = production_app(tmp_path, TALENT_PUBLIC_URL="https://talent.example.az",
                         TALENT_TRUSTED_HOSTS="talent-internal.lan")
    app.config["SERVER_NAME"] = None   # as deployed: the Host header names the site
    assert app.config["TRUSTED_HOSTS"] == ["talent-internal.lan", "talent.example.az"]
    client = app.test_client()
    evil = client.get("/admin", headers={"Host": "evil.example"})
    assert evil.status_code == 400
    assert "evil.example" not in evil.headers.get("Location", "") + evil.get_data(as_text=True)
    assert client.get("/healthz", headers={"Host": "evil.example"}).status_code == 400
    good = client.get("/admin", headers={"Host": "talent.example.az"})
    assert good.status_code in (301, 308) and good.headers["Location"] in (
        "/admin/", "http://talent.example.az/admin/", "https://talent.example.az/admin/")
    assert client.get("/healthz", headers={"Host": "talent-internal.lan"}).status_code == 200


def test_trusted_hosts_are_not_restricted_outside_production():
    from talent.config import load_config
    assert load_config({"TALENT_ENV": "testing", "TALENT_INSTANCE_PATH": "/tmp/talent-cfg-test"})["TRUSTED_HOSTS"] is None


def test_language_switch_works_with_csrf_on_and_without_a_session(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    page = client.get("/").get_data(as_text=True)
    assert "csrf_token" not in page.split('class="d-flex gap-1 lang-switch"', 1)[1].split("</form>", 1)[0]
    response = client.post("/lang/az", data={"next": "/"})
    assert response.status_code == 302 and client.get_cookie("talent_lang").value == "az"
    assert client.get_cookie("talent_session") is None
