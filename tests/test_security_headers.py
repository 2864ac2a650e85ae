"""Security headers, cache rules and cookie attributes (ASVS V14.4, V3.4, V8.2.1)."""
from __future__ import annotations

import re

import pytest

from talent.extensions import db
from tests.security_helpers import production_app

PAGES = ["/", "/login", "/healthz", "/readyz", "/no-such-page"]


def _csp(response) -> dict[str, str]:
    policy = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


@pytest.mark.parametrize("path", PAGES)
def test_every_answer_has_the_security_headers(client, path):
    response = client.get(path)
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin-when-cross-origin"}
    csp = _csp(response)
    assert csp["frame-ancestors"] == "frame-ancestors 'none'"
    assert csp["object-src"] == "object-src 'none'"
    script = csp.get("script-src", csp["default-src"])
    assert "'unsafe-inline'" not in script and "'unsafe-eval'" not in script and "*" not in script
    assert "'unsafe-inline'" not in csp.get("style-src", csp["default-src"])
    assert "Strict-Transport-Security" not in headers  # not production: plain http on a laptop


@pytest.mark.parametrize("path", PAGES)
def test_pages_are_never_cached(client, path):
    assert client.get(path).headers["Cache-Control"] == "no-store"


def test_signed_in_pages_are_never_cached(client, factory, login_as):
    user = factory.user("admin")
    db.session.commit()
    login_as(user)
    for path in ("/admin/", "/account/password", "/account/two-factor"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert response.headers["Cache-Control"] == "no-store", path


def test_static_assets_may_be_cached(client):
    response = client.get("/static/css/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.headers.get("Cache-Control", "")


def test_pages_carry_no_inline_script_or_style(client):
    for path in ("/", "/login"):
        html = client.get(path).get_data(as_text=True)
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert " style=" not in html and "<style" not in html, path


def test_session_cookie_attributes(client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "a-long-test-password-1"})
    cookies = {c.split("=", 1)[0]: c for c in response.headers.getlist("Set-Cookie")}
    for name in ("talent_session", "talent_device"):      # the session, and the known-browser cookie
        assert "HttpOnly" in cookies[name] and "SameSite=Lax" in cookies[name]


def test_production_adds_hsts_and_secure_cookies(tmp_path):
    app = production_app(tmp_path)
    client = app.test_client()
    response = client.get("/healthz")  # touches no database
    assert response.status_code == 200
    hsts = response.headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000 and "includeSubDomains" in hsts
    login_page = client.get("/login")
    cookie = login_page.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_production_requires_two_factor_and_csrf(tmp_path):
    app = production_app(tmp_path)
    assert app.config["REQUIRE_2FA"] is True
    assert app.config["WTF_CSRF_ENABLED"] is True
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_production_refuses_a_weak_secret_key(tmp_path):
    from talent.config import ConfigError
    with pytest.raises(ConfigError, match="TALENT_SECRET_KEY"):
        production_app(tmp_path, TALENT_SECRET_KEY="short")
