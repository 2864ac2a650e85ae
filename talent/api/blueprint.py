"""The JSON API v1 blueprint: bearer tokens only (no cookies, no CSRF), a rate limit per token,
CORS only for the origins in ``CORS_ORIGINS``. On its own so the resource modules adding routes to it
import it without a cycle (talent/api/v1.py gathers them)."""
from __future__ import annotations

from flask import Blueprint, current_app, request, session

from talent.api.core import token_rate_key
from talent.extensions import csrf, limiter

bp = Blueprint("api_v1", __name__)
csrf.exempt(bp)


def _rate_limit() -> str:
    return current_app.config.get("API_RATE_LIMIT") or "600 per minute"


limiter.limit(_rate_limit, key_func=token_rate_key)(bp)

CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_HEADERS = "Authorization, Content-Type, Idempotency-Key, Accept-Language"


@bp.after_request
def _api_headers(response):
    origins = current_app.config.get("CORS_ORIGINS") or ()
    origin = request.headers.get("Origin")
    if origin and ("*" in origins or origin in origins):
        response.headers["Access-Control-Allow-Origin"] = "*" if "*" in origins else origin
        response.headers["Access-Control-Expose-Headers"] = (
            "Idempotent-Replayed, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset")
        if request.method == "OPTIONS":
            response.headers["Access-Control-Allow-Methods"] = CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        if "*" not in origins:
            response.vary.add("Origin")
    # The API uses no cookies: never start or refresh a session from it.
    session.clear()
    session.modified = False
    session.accessed = False
    return response
