"""Issue 16: a request's transaction is decided by the handler, not by the answer's status code
(talent/web/transactions.py). What a request left behind is read through a connection of its
own, so only what was committed counts."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import text

from talent import clock
from talent.db import utcnow
from talent.errors import ValidationError
from talent.extensions import db
from talent.learning import services as ls
from tests.factories import PASSWORD

# The assertions read what another connection sees: these tests commit for real.
pytestmark = pytest.mark.committed


def _committed(sql: str, **params):
    """Read through another connection: sees only committed rows."""
    with db.engine.connect() as connection:
        return connection.execute(text(sql), params).scalar()


def _committed_list(sql: str, **params) -> list:
    with db.engine.connect() as connection:
        return list(connection.execute(text(sql), params).scalars())


@pytest.fixture
def world(factory):
    center = factory.center(code="TXC")
    cohort = factory.cohort(center=center, status="open", code="TX-1",
                            start_date=clock.today() - timedelta(days=3), end_date=clock.today() + timedelta(days=20))
    admin = factory.center_admin(center)
    db.session.commit()
    return {"cohort": cohort, "admin": admin}


def test_a_failed_sign_in_answers_401_and_keeps_its_counter(client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = client.post("/login", data={"email": user.email, "password": "wrong-password-123"})
    assert response.status_code == 401
    assert _committed("SELECT failed_logins FROM users WHERE id = :id", id=user.id) == 1
    assert _committed("SELECT count(*) FROM audit_events WHERE action = 'login.failure' AND actor_id = :id",
                      id=user.id) == 1


def test_a_wrong_second_factor_code_answers_401_and_counts(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    user = factory.user("admin")
    user.totp_secret = pyotp.random_base32(32)
    user.totp_confirmed_at = utcnow()
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    totp = pyotp.TOTP(user.totp_secret)
    good = totp.generate_otp(totp.timecode(utcnow()))
    response = client.post("/login/verify", data={"code": "123456" if good != "123456" else "654321"})
    assert response.status_code == 401
    assert _committed("SELECT count(*) FROM audit_events WHERE action = '2fa.failure' AND actor_id = :id",
                      id=user.id) == 1


def test_a_view_that_raises_after_a_flush_writes_nothing(app, client, login_as, world, monkeypatch):
    cohort = world["cohort"]
    real = ls.add_session

    def add_then_fail(*args, **kwargs):
        real(*args, **kwargs)          # flushed: the session row and its audit event exist
        raise RuntimeError("boom")

    monkeypatch.setattr(ls, "add_session", add_then_fail)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    login_as(world["admin"])
    response = client.post(f"/center/cohorts/{cohort.id}/sessions",
                           data={"starts_at": f"{clock.today().isoformat()}T10:00", "topic": "Intro"})
    assert response.status_code == 500
    assert _committed("SELECT count(*) FROM cohort_sessions") == 0
    assert _committed("SELECT count(*) FROM audit_events WHERE action LIKE 'session.%'") == 0


def test_a_refusal_caught_by_the_view_after_a_flush_writes_nothing(client, login_as, world, monkeypatch):
    cohort = world["cohort"]
    real = ls.add_session

    def add_then_refuse(*args, **kwargs):
        real(*args, **kwargs)
        raise ValidationError("refused after the flush", fields={"topic": "no"})

    monkeypatch.setattr(ls, "add_session", add_then_refuse)
    login_as(world["admin"])
    response = client.post(f"/center/cohorts/{cohort.id}/sessions",
                           data={"starts_at": f"{clock.today().isoformat()}T10:00", "topic": "Intro"})
    assert response.status_code == 422
    assert _committed("SELECT count(*) FROM cohort_sessions") == 0


def test_a_4xx_answer_without_a_mark_commits_nothing_harmful(client, login_as, world):
    """A start that is not a date: the form refuses it, no service runs, the view answers 422
    without marking anything. The request's commit keeps no session; what it keeps is the audit
    of the roster the 422 page showed (personal data seen), which the status-steered commit lost."""
    cohort = world["cohort"]
    login_as(world["admin"])
    before = _committed("SELECT coalesce(max(id), 0) FROM audit_events")
    response = client.post(f"/center/cohorts/{cohort.id}/sessions", data={"starts_at": "garbage"})
    assert response.status_code == 422
    assert _committed("SELECT count(*) FROM cohort_sessions") == 0
    assert _committed_list("SELECT action FROM audit_events WHERE id > :n", n=before) == ["cohort.roster_view"]


def test_a_success_is_committed_once(client, login_as, world):
    cohort = world["cohort"]
    login_as(world["admin"])
    response = client.post(f"/center/cohorts/{cohort.id}/sessions",
                           data={"starts_at": f"{clock.today().isoformat()}T10:00", "topic": "Intro"})
    assert response.status_code == 302
    assert _committed("SELECT count(*) FROM cohort_sessions WHERE cohort_id = :id", id=cohort.id) == 1


def test_a_commit_that_fails_answers_503_with_an_incident_id(client, login_as, world, monkeypatch):
    from sqlalchemy.exc import OperationalError
    cohort = world["cohort"]
    login_as(world["admin"])

    def lost(*_args, **_kwargs):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    with monkeypatch.context() as patch:
        patch.setattr(db.session, "commit", lost)
        response = client.post(f"/center/cohorts/{cohort.id}/sessions",
                               data={"starts_at": f"{clock.today().isoformat()}T10:00", "topic": "Intro"})
    assert response.status_code == 503
    assert re.search(r'class="text-muted">[^<]*\b[0-9a-f]{12}\b', response.get_data(as_text=True))  # incident id
    assert _committed("SELECT count(*) FROM cohort_sessions") == 0
