"""Two-factor sign-in: enrolment at first sign-in, TOTP and recovery-code step, replay refusal,
lock-out, rate limit, audit, and the account page."""
from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import func, select

from talent.accounts import twofactor
from talent.accounts.models import RecoveryCode, User
from talent.audit import AuditEvent
from talent.db import utcnow
from talent.extensions import db
from talent.permissions import Actor
from tests.factories import PASSWORD


@pytest.fixture
def twofa(app, monkeypatch):
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)


def _enrolled(factory, role="admin", **kw):
    user = factory.user(role, **kw)
    user.totp_secret = pyotp.random_base32(32)
    user.totp_confirmed_at = utcnow()
    db.session.flush()
    return user


def _code(user, offset=0):
    totp = pyotp.TOTP(user.totp_secret)
    return totp.generate_otp(totp.timecode(utcnow()) + offset)


def _password_step(client, user, next_=None):
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": user.email, "password": PASSWORD})


def _actions(user_id):
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user_id)
                                   .order_by(AuditEvent.id)))


def test_admin_is_sent_to_enrolment_and_is_not_signed_in_yet(twofa, client, factory):
    user = factory.user("admin")
    db.session.commit()
    response = _password_step(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/login/enrol")
    with client.session_transaction() as sess:
        assert "_user_id" not in sess
        assert sess["_2fa_pending"]["uid"] == user.id
    # Nothing else is reachable until enrolled.
    assert client.get("/admin/").status_code == 302
    assert client.get("/account/password").status_code == 302


def test_enrolment_shows_qr_and_key_then_confirms_and_gives_recovery_codes(twofa, client, factory):
    user = factory.user("ministry")
    db.session.commit()
    _password_step(client, user)
    page = client.get("/login/enrol")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<svg" in html and " style=" not in html
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)  # no inline script (CSP)
    db.session.expire_all()
    secret = db.session.get(User, user.id).totp_secret
    assert secret and " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)) in html
    # The same secret is shown again on reload (the user may already have scanned it).
    client.get("/login/enrol")
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_secret == secret

    wrong = client.post("/login/enrol", data={"code": "000000" if _code(user) != "000000" else "111111"})
    assert wrong.status_code == 422 and "not valid" in wrong.get_data(as_text=True)

    done = client.post("/login/enrol", data={"code": _code(user)})
    assert done.status_code == 200
    codes = re.findall(r"<li>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</li>", done.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    db.session.expire_all()
    fresh = db.session.get(User, user.id)
    assert fresh.totp_confirmed_at is not None
    stored = list(db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id)))
    assert len(stored) == 10 and not any(code in h or code.replace("-", "") in h for code in codes for h in stored)
    with client.session_transaction() as sess:
        assert sess["_user_id"].startswith(f"{user.id}:") and sess["_2fa"] is True
        assert "_2fa_pending" not in sess
    assert {"2fa.enrol_start", "2fa.failure", "2fa.enrol", "2fa.recovery_codes"} <= set(_actions(user.id))


def test_enrolled_admin_signs_in_with_totp(twofa, client, factory):
    user = _enrolled(factory)
    db.session.commit()
    step = _password_step(client, user)
    assert step.headers["Location"].endswith("/login/verify")
    assert client.get("/admin/").status_code == 302
    page = client.get("/login/verify")
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.get_data(as_text=True)
    done = client.post("/login/verify", data={"code": _code(user)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/")
    assert client.get("/admin/").status_code == 200
    assert "2fa.success" in _actions(user.id)


def test_next_is_kept_across_the_second_step_and_stays_safe(twofa, client, factory):
    user = _enrolled(factory)
    db.session.commit()
    _password_step(client, user, next_="/account/password")
    done = client.post("/login/verify", data={"code": _code(user)})
    assert done.headers["Location"].endswith("/account/password")

    other = _enrolled(factory)
    db.session.commit()
    client.post("/logout")
    _password_step(client, other, next_="//evil.example/x")
    done = client.post("/login/verify", data={"code": _code(other)})
    assert done.headers["Location"].endswith("/admin/")


def test_a_totp_code_is_accepted_only_once(twofa, app, factory):
    user = _enrolled(factory)
    db.session.commit()
    first, second = app.test_client(), app.test_client()
    code = _code(user)
    _password_step(first, user)
    assert first.post("/login/verify", data={"code": code}).status_code == 302
    _password_step(second, user)
    replay = second.post("/login/verify", data={"code": code})
    assert replay.status_code == 401 and "not valid" in replay.get_data(as_text=True)
    with second.session_transaction() as sess:
        assert "_user_id" not in sess


def test_recovery_code_signs_in_once(twofa, app, factory):
    user = _enrolled(factory)
    actor = Actor.for_user(user)
    codes = twofactor._new_recovery_codes(actor, user)
    db.session.commit()
    client = app.test_client()
    _password_step(client, user)
    done = client.post("/login/verify", data={"code": codes[3].upper().replace("-", " ")})
    assert done.status_code == 302
    assert twofactor.remaining_recovery_codes(user) == 9
    assert "2fa.recovery_used" in _actions(user.id)
    again = app.test_client()
    _password_step(again, user)
    assert again.post("/login/verify", data={"code": codes[3]}).status_code == 401
    with again.session_transaction() as sess:
        assert "_user_id" not in sess


def test_wrong_codes_lock_the_account_and_password_again_does_not_reset(twofa, app, client, factory):
    user = _enrolled(factory)
    db.session.commit()
    good = _code(user)
    bad = "123456" if good != "123456" else "654321"
    _password_step(client, user)
    for _ in range(app.config["LOGIN_MAX_FAILURES"] - 1):
        assert client.post("/login/verify", data={"code": bad}).status_code == 401
    # Signing in with the password again does not reset the count of wrong codes.
    _password_step(client, user)
    locked = client.post("/login/verify", data={"code": bad})
    assert "locked" in locked.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, user.id).locked_until is not None
    # Now even a correct password is refused, and a correct code too.
    assert _password_step(client, user).status_code == 401
    actions = _actions(user.id)
    assert "2fa.lock" in actions and actions.count("2fa.failure") == app.config["LOGIN_MAX_FAILURES"]


def test_locked_user_with_pending_session_cannot_verify(twofa, client, factory):
    user = _enrolled(factory)
    db.session.commit()
    _password_step(client, user)
    user.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    response = client.post("/login/verify", data={"code": _code(user)})
    assert response.status_code == 401 and "locked" in response.get_data(as_text=True)
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_second_step_is_rate_limited(twofa, app, client, factory, monkeypatch):
    user = _enrolled(factory)
    db.session.commit()
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 1000)
    _password_step(client, user)
    statuses = [client.post("/login/verify", data={"code": "12345x"}).status_code for _ in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429


def test_pending_marker_expires_and_is_bound_to_the_session_token(twofa, client, factory):
    user = _enrolled(factory)
    db.session.commit()
    _password_step(client, user)
    with client.session_transaction() as sess:
        pending = sess["_2fa_pending"]
        pending["at"] -= 6 * 60
        sess["_2fa_pending"] = pending
    expired = client.post("/login/verify", data={"code": _code(user)})
    assert expired.status_code == 302 and expired.headers["Location"].endswith("/login")

    _password_step(client, user)
    user.session_token = "rotated" * 4
    db.session.commit()
    assert client.post("/login/verify", data={"code": _code(user)}).headers["Location"].endswith("/login")
    with client.session_transaction() as sess:
        assert "_user_id" not in sess


def test_verify_without_password_step_goes_back_to_login(twofa, client):
    assert client.get("/login/verify").headers["Location"].endswith("/login")
    assert client.get("/login/enrol").headers["Location"].endswith("/login")


def test_session_signed_in_without_second_factor_ends_when_2fa_is_required(app, client, factory, monkeypatch):
    user = factory.user("admin")
    db.session.commit()
    _password_step(client, user)  # REQUIRE_2FA is off: signed in with the password only
    assert client.get("/admin/").status_code == 200
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    assert client.get("/admin/").status_code == 302


def test_roles_without_requirement_sign_in_with_password_only(twofa, client, factory):
    center_admin = factory.center_admin()
    db.session.commit()
    response = _password_step(client, center_admin)
    assert response.status_code == 302 and "/login/" not in response.headers["Location"]
    with client.session_transaction() as sess:
        assert sess["_user_id"].startswith(f"{center_admin.id}:")


def test_enrolled_user_is_asked_even_when_not_required(client, factory):
    user = _enrolled(factory, "center_admin", centers=[factory.center()])
    db.session.commit()
    assert _password_step(client, user).headers["Location"].endswith("/login/verify")


def test_optional_enrolment_and_recovery_code_regeneration_from_account_page(client, factory, login_as):
    user = factory.center_admin()
    db.session.commit()
    login_as(user)
    page = client.get("/account/two-factor")
    assert page.status_code == 200 and "/account/two-factor/enrol" in page.get_data(as_text=True)
    assert client.get("/account/two-factor/enrol").status_code == 200
    db.session.expire_all()
    user = db.session.get(User, user.id)
    done = client.post("/account/two-factor/enrol", data={"code": _code(user)})
    assert done.status_code == 200 and done.get_data(as_text=True).count("<li>") >= 10
    db.session.expire_all()
    user = db.session.get(User, user.id)
    assert twofactor.is_enrolled(user)
    old = {h for h in db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))}
    wrong = client.post("/account/two-factor/recovery-codes", data={"code": "abc"})
    assert wrong.status_code == 422 and "not valid" in wrong.get_data(as_text=True)
    fresh = client.post("/account/two-factor/recovery-codes", data={"code": _code(user, offset=1)})
    assert fresh.status_code == 200
    new = {h for h in db.session.scalars(select(RecoveryCode.code_hash).where(RecoveryCode.user_id == user.id))}
    assert len(new) == 10 and not (old & new)


def test_account_pages_need_sign_in(client):
    assert client.get("/account/two-factor").status_code == 302
    assert client.post("/account/two-factor/recovery-codes", data={"code": "123456"}).status_code == 302


def test_enrolment_posts_need_csrf(twofa, app, client, factory, monkeypatch):
    user = factory.user("admin")
    db.session.commit()
    _password_step(client, user)
    client.get("/login/enrol")
    db.session.expire_all()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/login/enrol", data={"code": _code(db.session.get(User, user.id))})
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, user.id).totp_confirmed_at is None


def test_admin_reset_clears_factor_and_ends_sessions(factory):
    admin = factory.user("admin")
    user = _enrolled(factory, "ministry")
    twofactor._new_recovery_codes(Actor.for_user(user), user)
    token = user.session_token
    twofactor.reset(Actor.for_user(admin), user)
    assert user.totp_secret is None and user.totp_confirmed_at is None and user.session_token != token
    assert db.session.scalar(select(func.count(RecoveryCode.id)).where(RecoveryCode.user_id == user.id)) == 0
    from talent.errors import Conflict, PermissionDenied
    with pytest.raises(PermissionDenied):
        twofactor.reset(Actor.for_user(user), admin)
    with pytest.raises(Conflict):
        twofactor.reset(Actor.for_user(admin), admin)


def test_services_refuse_another_users_factor(factory):
    from talent.errors import NotFound
    a, b = factory.user("admin"), _enrolled(factory)
    with pytest.raises(NotFound):
        twofactor.verify(Actor.for_user(a), b, _code(b))
    with pytest.raises(NotFound):
        twofactor.begin_enrolment(Actor.for_user(b), a)


def test_require_2fa_default_is_on_except_in_testing():
    from talent.config import load_config
    assert load_config({"TALENT_ENV": "development", "TALENT_INSTANCE_PATH": "/tmp/talent-cfg-test"})["REQUIRE_2FA"]
    assert not load_config({"TALENT_ENV": "testing", "TALENT_INSTANCE_PATH": "/tmp/talent-cfg-test"})["REQUIRE_2FA"]
    assert not load_config({"TALENT_ENV": "development", "TALENT_REQUIRE_2FA": "false",
                            "TALENT_INSTANCE_PATH": "/tmp/talent-cfg-test"})["REQUIRE_2FA"]


def test_cli_reset_of_a_users_second_factor(app, factory):
    user = _enrolled(factory, "ministry")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["two-factor", "reset", "--email", user.email.upper()])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert not twofactor.is_enrolled(db.session.get(User, user.id))
    assert "2fa.reset" in list(db.session.scalars(select(AuditEvent.action)))
    missing = app.test_cli_runner().invoke(args=["two-factor", "reset", "--email", "nobody@test.az"])
    assert missing.exit_code == 1 and "Error" in missing.output
