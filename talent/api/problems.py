"""RFC 9457 problem details."""
from __future__ import annotations

from typing import Any

from flask import jsonify

from talent.errors import DomainError


def problem(status: int, title: str, detail: str | None = None, **extra: Any):
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = str(detail)
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response


def problem_from_domain(error: DomainError):
    errors = [{"field": k, "message": str(v)} for k, v in error.fields.items()] or None
    return problem(error.status, error.code, str(error.message), code=error.code, errors=errors)
