"""Password policy (ASVS V2.1), hashing (V2.4), session handling (V3.2, V3.3, V3.7)."""
from __future__ import annotations

import pyotp
import pytest
from sqlalchemy import select

from talent.accounts import services as accounts
from talent.accounts.passwords import MIN_LENGTH, common_passwords, password_problem
from talent.db import utcnow
from talent.errors import ValidationError
from talent.extensions import db
from talent.permissions import Actor
from tests.conftest import login
from tests.factories import PASSWORD


@pytest.fixture
def req(app):
    """Messages are translated, which needs a request context."""
    with app.test_request_context():
        yield


@pytest.mark.parametrize("password, ok", [
    ("x" * (MIN_LENGTH - 1), False),
    ("correct horse", True),                    # 13 characters, spaces allowed
    ("sarı-çiçək-dəniz", True),                 # any Unicode character counts
    ("ə" * MIN_LENGTH, False),                  # long enough, but a repeat (strength estimate)
    ("x" * 256, False),
    ("mənim gizli şifrəm " * 13 + "ab", True),   # 256 characters
    ("x" * 257, False),
    ("password1234", False),                    # on the shipped common-password list
    ("Password1234", False),                    # case does not help
])
def test_password_policy(req, password, ok):
    assert (password_problem(password) is None) is ok


def test_common_password_list_is_shipped_and_large():
    assert len(common_passwords()) >= 10_000
    assert "qwertyuiop12" in common_passwords() or "123456789012" in common_passwords()


def test_password_equal_to_email_is_refused(req):
    assert password_problem("someone@example.az", email="someone@example.az")


def test_create_user_applies_policy_and_stores_argon2id(req, factory):
    admin = factory.user("admin")
    with pytest.raises(ValidationError) as error:
        accounts.create_user(Actor.for_user(admin), email="new@test.az", full_name="New", role="ministry",
                             password="short")
    assert "password" in error.value.fields
    user = accounts.create_user(Actor.for_user(admin), email="new@test.az", full_name="New", role="ministry",
                                password="a-perfectly-fine-passphrase")
    assert user.password_hash.startswith("$argon2id$")
    assert "a-perfectly-fine-passphrase" not in user.password_hash


def test_production_hash_parameters_meet_owasp_minimum():
    import talent.accounts.passwords as passwords
    import importlib
    source = importlib.util.find_spec("talent.accounts.passwords").origin
    text = open(source, encoding="utf-8").read()
    # The module-level hasher (replaced by cheap parameters only in the test suite).
    assert "memory_cost=47104" in text and "time_cost=2" in text and "Type.ID" in text
    assert passwords.MIN_LENGTH >= 12


def test_session_is_new_after_the_second_factor_too(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    user = factory.user("admin", totp_secret=pyotp.random_base32(32), totp_confirmed_at=utcnow())
    db.session.commit()
    with client.session_transaction() as sess:
        sess["planted"] = "by-attacker"
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    with client.session_transaction() as sess:
        assert "planted" not in sess and "_user_id" not in sess
        sess["planted-between"] = "x"
    totp = pyotp.TOTP(user.totp_secret)
    response = client.post("/login/verify", data={"code": totp.now()})
    assert response.status_code == 302
    with client.session_transaction() as sess:
        assert "planted-between" not in sess and "_2fa_pending" not in sess
        assert sess["_user_id"].startswith(f"{user.id}:")


def test_logout_ends_the_session_for_the_old_cookie_too(app, factory):
    """After sign-out a copy of the old cookie no longer works (the server-side token rotates on
    password change; sign-out clears the session)."""
    user = factory.user("admin")
    db.session.commit()
    client = app.test_client()
    login(client, user.email)
    assert client.get("/admin/").status_code == 200
    client.post("/logout")
    assert client.get("/admin/").status_code == 302


def test_idle_and_absolute_limits_are_configured():
    from talent.config import load_config
    config = load_config({"TALENT_ENV": "testing", "TALENT_INSTANCE_PATH": "/tmp/talent-cfg-test"})
    assert config["PERMANENT_SESSION_LIFETIME"].total_seconds() == 30 * 60
    assert config["SESSION_ABSOLUTE_HOURS"] == 12
    assert config["REMEMBER_COOKIE_DURATION"].total_seconds() == 0


def test_failed_logins_are_audited_without_the_password(client, factory):
    from talent.audit import AuditEvent
    user = factory.user("admin")
    db.session.commit()
    client.post("/login", data={"email": user.email, "password": "wrong-password-secret-123"})
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.actor_id == user.id)))
    assert [e.action for e in events] == ["login.failure"]
    assert "wrong-password-secret-123" not in repr([(e.details, e.actor_label) for e in events])
