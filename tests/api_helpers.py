"""Helpers for the API tests: a client that sends a bearer token and checks EVERY answer against
the OpenAPI document (status documented, content type, body valid for the documented schema)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from talent.accounts.services import create_token
from talent.extensions import db
from talent.permissions import Actor


def token_for(user, name: str = "test token", service: bool = False) -> str:
    _token, secret = create_token(Actor.system(), user, name, service=service)
    db.session.commit()
    return secret


_DOC: dict[str, Any] = {}


def document(client) -> dict[str, Any]:
    if not _DOC:
        response = client.get("/api/v1/openapi.json")
        assert response.status_code == 200
        _DOC.update(response.get_json())
    return _DOC


@lru_cache(maxsize=None)
def _path_regex(template: str) -> re.Pattern:
    return re.compile("^" + re.sub(r"\\{(\w+)\\}", r"[^/]+", re.escape(template)) + "$")


def find_operation(doc: dict[str, Any], method: str, path: str) -> dict[str, Any] | None:
    path = path.split("?", 1)[0]
    relative = path[len("/api/v1"):] if path.startswith("/api/v1") else path
    candidates = [t for t in doc["paths"] if _path_regex(t).match(relative)]
    # Prefer literal paths over templated ones (/cohorts/search over /cohorts/{id}).
    candidates.sort(key=lambda t: t.count("{"))
    for template in candidates:
        op = doc["paths"][template].get(method.lower())
        if op is not None:
            return op
    return None


def check_response(doc: dict[str, Any], method: str, path: str, response) -> None:
    op = find_operation(doc, method, path)
    status = response.status_code
    if op is None:
        # Unknown route or method: must still be a problem document.
        assert response.mimetype == "application/problem+json", (method, path, status)
        assert status in (404, 405), (method, path, status)
        return
    documented = op["responses"]
    assert str(status) in documented, f"{method} {path}: status {status} not documented: " \
        f"{response.get_data(as_text=True)[:500]}"
    content = documented[str(status)].get("content")
    if not content:
        return
    assert response.mimetype in content, (method, path, status, response.mimetype, list(content))
    schema = content[response.mimetype].get("schema")
    if schema is None or not response.mimetype.endswith("json"):
        return
    root = dict(schema)
    root["components"] = doc["components"]
    validator = Draft202012Validator(root, format_checker=FormatChecker())
    errors = sorted(validator.iter_errors(response.get_json()), key=lambda e: list(e.path))
    assert not errors, f"{method} {path} -> {status}: " + "; ".join(
        f"{list(e.path)}: {e.message}" for e in errors[:5])


class Api:
    """``api.get("/cohorts")`` etc.: paths relative to /api/v1, answers schema-checked."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token
        self.doc = document(client)

    def request(self, method: str, path: str, *, json: Any = None, headers: dict | None = None,
                check: bool = True, **kwargs):
        url = path if path.startswith("/api/") else "/api/v1" + path
        all_headers = {}
        if self.token:
            all_headers["Authorization"] = f"Bearer {self.token}"
        all_headers.update(headers or {})
        response = self.client.open(url, method=method, json=json, headers=all_headers, **kwargs)
        if check:
            check_response(self.doc, method, url, response)
        return response

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)


def api_for(client, user, name: str = "test token") -> Api:
    return Api(client, token_for(user, name))


def field_names(response) -> set[str]:
    return {e["field"] for e in response.get_json().get("errors", [])}
