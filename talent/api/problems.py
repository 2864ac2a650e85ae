"""RFC 9457 problem details: every error answer of the API is ``application/problem+json``.

``type`` stays ``about:blank`` (so ``title`` is the HTTP status phrase); ``detail`` says what
went wrong in the user's language, ``code`` is a stable machine-readable word
(``validation``, ``not_found``, ``capacity``, ``duplicate``, ``invalid_transition`` …) and
``errors`` lists field-level problems as ``{"field": ..., "message": ...}``.
"""
from __future__ import annotations

from http import HTTPStatus
from typing import Any

from flask import jsonify

from talent.errors import DomainError

PROBLEM_MIMETYPE = "application/problem+json"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(status: int, title: str | None = None, detail: str | None = None, **extra: Any):
    body: dict[str, Any] = {"type": "about:blank", "title": title or _phrase(status), "status": status}
    if detail:
        body["detail"] = str(detail)
    body.update({k: v for k, v in extra.items() if v is not None})
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM_MIMETYPE
    return response


def problem_from_domain(error: DomainError):
    errors = [{"field": str(k), "message": str(v)} for k, v in error.fields.items()] or None
    return problem(error.status, _phrase(error.status), str(error.message), code=error.code, errors=errors,
                   **error.extra)
