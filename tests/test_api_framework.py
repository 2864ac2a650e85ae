"""The API framework: bearer tokens, problem+json errors, OpenAPI document, docs page, CORS,
rate limits, no cookies."""
from __future__ import annotations

import re

from openapi_spec_validator import validate
from sqlalchemy import select

from talent.accounts.models import ApiToken
from talent.accounts.services import revoke_token, set_active
from talent.extensions import db
from talent.permissions import Actor
from tests.api_helpers import Api, document, token_for


def test_openapi_document_validates(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    doc = response.get_json()
    validate(doc)
    assert doc["openapi"].startswith("3.1")
    assert "bearer" in doc["components"]["securitySchemes"]


def test_every_api_route_is_documented_and_every_documented_path_exists(app, client):
    doc = document(client)
    documented = {(re.sub(r"{\w+}", "{}", path), method.upper())
                  for path, item in doc["paths"].items() for method in item}
    routed = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/"):
            continue
        path = re.sub(r"<[^>]+>", "{}", rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            routed.add((path, method))
    assert routed - documented == set(), "routes missing from the OpenAPI document"
    assert documented - routed == set(), "documented paths without a route"


def test_missing_token_is_401_problem_with_www_authenticate(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    body = response.get_json()
    assert body["status"] == 401 and body["title"] == "Unauthorized"


def test_wrong_scheme_and_unknown_token_are_401(client):
    assert client.get("/api/v1/me", headers={"Authorization": "Basic abc"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer tlt_nope"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": "Bearer " + "x" * 5000}).status_code == 401


def test_token_acts_as_its_user_and_records_last_use(client, factory):
    center = factory.center()
    user = factory.center_admin(center)
    db.session.commit()
    secret = token_for(user, "script")
    response = Api(client, secret).get("/me")
    assert response.status_code == 200
    body = response.get_json()
    assert body["email"] == user.email and body["role"] == "center_admin"
    assert body["center_ids"] == [center.id]
    assert body["token"]["name"] == "script" and body["token"]["service"] is False
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert token.last_used_at is not None
    assert token.token_hash != secret and secret not in token.token_hash


def test_deactivated_user_token_stops_at_once(client, factory):
    user = factory.user("ministry")
    db.session.commit()
    api = Api(client, token_for(user))
    assert api.get("/me").status_code == 200
    set_active(Actor.system(), user, False)
    db.session.commit()
    assert api.get("/me").status_code == 401


def test_revoked_token_stops(client, factory):
    user = factory.user("ministry")
    db.session.commit()
    api = Api(client, token_for(user))
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    revoke_token(Actor.system(), token)
    db.session.commit()
    assert api.get("/me").status_code == 401


def test_api_sets_no_cookies_even_for_a_signed_in_browser(client, factory, login_as):
    user = factory.user("admin")
    db.session.commit()
    login_as(user)
    response = client.get("/api/v1/me")
    # A web session cookie does not authenticate the API (no CSRF exposure) ...
    assert response.status_code == 401
    # ... and API answers never set cookies.
    assert "Set-Cookie" not in response.headers
    api = Api(client, token_for(user))
    assert "Set-Cookie" not in api.get("/me").headers


def test_unknown_route_and_method_are_problems(client, factory):
    user = factory.user("admin")
    db.session.commit()
    api = Api(client, token_for(user))
    response = api.get("/no-such-thing")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    response = api.request("DELETE", "/me")
    assert response.status_code == 405 and response.mimetype == "application/problem+json"


def test_unknown_query_parameter_is_422(client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = Api(client, token_for(user)).get("/me?surprise=1")
    assert response.status_code == 422
    assert response.get_json()["errors"] == [{"field": "surprise", "message": "Unknown field."}]


def test_cors_is_off_by_default(client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = Api(client, token_for(user)).get("/me", headers={"Origin": "https://portal.gov.az"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_allows_configured_origins_only(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "CORS_ORIGINS", ("https://portal.gov.az",))
    user = factory.user("admin")
    db.session.commit()
    api = Api(client, token_for(user))
    response = api.get("/me", headers={"Origin": "https://portal.gov.az"})
    assert response.headers["Access-Control-Allow-Origin"] == "https://portal.gov.az"
    assert "Origin" in response.headers.get("Vary", "")
    other = api.get("/me", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = client.options("/api/v1/me", headers={
        "Origin": "https://portal.gov.az", "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "Authorization"})
    assert preflight.status_code == 200
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]


def test_rate_limit_per_token(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    first, second = factory.user("ministry"), factory.user("ministry")
    db.session.commit()
    api1, api2 = Api(client, token_for(first)), Api(client, token_for(second))
    for _ in range(3):
        assert api1.get("/me").status_code == 200
    limited = api1.get("/me")
    assert limited.status_code == 429
    assert limited.mimetype == "application/problem+json"
    assert "Retry-After" in limited.headers
    # Another token has its own budget.
    assert api2.get("/me").status_code == 200


def test_docs_page_uses_vendored_redoc_without_inline_script(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "vendor/redoc/redoc.standalone.js" in html and "js/api-docs.js" in html
    assert "/api/v1/openapi.json" in html
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html), "inline script found"
    assert ' style="' not in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "unsafe-eval" not in csp
