"""Idempotency-Key on POST: the request's hash, and the stored answer replayed (the records are
talent.accounts.idempotency's)."""
from __future__ import annotations

import hashlib

from flask import Response, current_app, g, request

from talent.accounts import idempotency

IDEMPOTENCY_KEY_MAX = idempotency.KEY_MAX


def _request_hash(raw: bytes) -> str:
    digest = hashlib.sha256()
    digest.update(request.method.encode() + b" " + request.path.encode() + b"\n")
    digest.update(raw)
    return digest.hexdigest()


def idempotency_lookup(key: str, raw: bytes) -> Response | None:
    stored = idempotency.stored_answer(g.api_user.id, key, _request_hash(raw))
    if stored is None:
        return None
    response = current_app.response_class(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def idempotency_store(key: str, raw: bytes, response: Response) -> None:
    idempotency.store_answer(g.api_user.id, key, _request_hash(raw), response.status_code,
                             response.get_data(as_text=True))
