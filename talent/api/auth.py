"""The API's caller: the bearer token, its rate-limit key, the 401 answers and the acting user."""
from __future__ import annotations

import hashlib
from datetime import timezone

from flask import Response, g, request
from flask_babel import lazy_gettext as _l

from talent.accounts.services import TokenRefused, check_token
from talent.api.problems import problem
from talent.errors import PermissionDenied
from talent.permissions import Actor


def bearer_secret() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        return None
    return secret.strip()


def token_rate_key() -> str:
    """Rate-limit key: the token (hashed) when one is given, else the client address."""
    secret = bearer_secret()
    if secret:
        return "token:" + hashlib.sha256(secret.encode()).hexdigest()[:32]
    return "ip:" + (request.remote_addr or "unknown")


def unauthorized(detail: str) -> Response:
    response = problem(401, "Unauthorized", detail)
    response.headers["WWW-Authenticate"] = 'Bearer realm="talent-api"'
    return response


def authenticate() -> Response | None:
    """Find the user behind the bearer token; a 401 answer when there is none."""
    secret = bearer_secret()
    if secret is None:
        return unauthorized(str(_l("Send an API token as 'Authorization: Bearer <token>'.")))
    try:
        g.api_user, g.api_token = check_token(secret)
    except TokenRefused as refused:
        if refused.reason == "expired":
            expired = refused.token.expires_at.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            return unauthorized(str(_l("The API token expired on %(date)s. Create a new one under API tokens.",
                                       date=expired)))
        return unauthorized(str(_l("The API token is invalid, revoked, or its user is deactivated.")))
    return None


def api_actor() -> Actor:
    """The Actor for the token's user, as every service wants it (channel ``api``)."""
    actor = g.get("_api_actor")
    if actor is None:
        user = g.get("api_user")
        if user is None:  # a public endpoint asking for an actor
            raise PermissionDenied(_l("You do not have permission to do this."))
        actor = Actor.for_user(user, ip=request.remote_addr, channel="api")
        g._api_actor = actor
    return actor
