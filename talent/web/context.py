"""The acting user of the current request, as the services want it."""
from __future__ import annotations

from flask import g, request
from flask_login import current_user

from talent.errors import PermissionDenied
from talent.permissions import Actor


def client_ip() -> str | None:
    return request.remote_addr


def current_actor() -> Actor:
    """The Actor for the signed-in user (cached per request)."""
    actor = g.get("_actor")
    if actor is None:
        if not current_user.is_authenticated:
            raise PermissionDenied("Sign in first.")
        actor = Actor.for_user(current_user, ip=client_ip(), channel="web")
        g._actor = actor
    return actor
