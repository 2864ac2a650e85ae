"""Helpers for the learning, people and import tests."""
from __future__ import annotations

from talent.extensions import db
from talent.permissions import Actor


def actor(user) -> Actor:
    """The Actor a service sees for a factory user (as a web request would build it)."""
    db.session.flush()
    db.session.expire(user, ["assignments"]) if hasattr(user, "assignments") else None
    return Actor.for_user(user, ip="127.0.0.1")


def trainee_data(**overrides) -> dict:
    data = {"fin": "5ABCD12", "first_name": "Elvin", "last_name": "İsmayılov", "patronymic": "Kamran oğlu",
            "birth_date": "1999-04-12", "gender": "M", "email": "elvin@example.az", "phone": "050 123 45 67",
            "home_region": "BAKU", "education_level": "bachelor"}
    data.update(overrides)
    return data


import pytest  # noqa: E402


@pytest.fixture
def request_ctx(app):
    """A request context for service calls (translated messages need a locale)."""
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        yield
