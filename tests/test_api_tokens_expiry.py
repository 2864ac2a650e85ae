"""Issue 13, finding 3 (tokens): every API token expires (90 days unless chosen, within a maximum),
the list shows expiry and last use, an expired token gets a clear 401, and creating one needs the
current password and, where set up, the second factor. The CLI stays trusted."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pyotp
import pytest
import time_machine
from click.testing import CliRunner
from sqlalchemy import func, select

from talent.accounts.models import ApiToken
from talent.db import utcnow
from talent.extensions import db
from tests.api_helpers import Api, token_for
from tests.factories import PASSWORD


def _secret(html: str) -> str:
    match = re.search(r'value="(tlt_[^"]+)"', html)
    assert match, "the new token is shown once"
    return match.group(1)


@pytest.fixture
def early_in_a_totp_step():
    """Sign in with the previous 30-second step's code (accepted for clock drift), so that the
    current step's code is still unused for the token: that holds only while the step does not
    change between making the code and the server checking it (else the code is two steps old and
    refused, the sign-in fails, and so does the test: about once in 300 runs on a busy machine).
    The clock moves to one second into the next step and ticks on from there."""
    step = int(utcnow().timestamp()) // 30 + 1
    with time_machine.travel(datetime.fromtimestamp(step * 30 + 1, tz=timezone.utc), tick=True):
        yield


def _count() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ApiToken))


def test_a_session_alone_cannot_mint_a_token(client, factory, login_as):
    user = factory.user("ministry")
    db.session.commit()
    login_as(user)
    missing = client.post("/account/tokens", data={"name": "stolen session"})
    wrong = client.post("/account/tokens", data={"name": "stolen session", "current_password": "not-the-password-1"})
    assert missing.status_code == 422
    # 200 like a wrong password at sign-in: the failure is committed and counts towards the delay.
    assert wrong.status_code == 401 and "The current password is wrong." in wrong.get_data(as_text=True)
    assert _count() == 0
    db.session.expire_all()
    assert db.session.get(type(user), user.id).failed_logins == 1
    ok = client.post("/account/tokens", data={"name": "mine", "current_password": PASSWORD})
    assert ok.status_code == 200 and _secret(ok.get_data(as_text=True))
    assert _count() == 1


def test_an_enrolled_user_also_gives_a_current_code(client, factory, login_as, early_in_a_totp_step):
    user = factory.user("ministry", totp_secret=pyotp.random_base32(32), totp_confirmed_at=utcnow())
    db.session.commit()
    totp = pyotp.TOTP(user.totp_secret)
    with client.session_transaction():
        pass
    from tests.conftest import login
    login(client, user.email)
    client.post("/login/verify", data={"code": totp.at(utcnow() - timedelta(seconds=30))})
    page = client.get("/account/tokens")
    assert page.status_code == 200 and 'name="code"' in page.get_data(as_text=True)
    no_code = client.post("/account/tokens", data={"name": "x", "current_password": PASSWORD})
    assert no_code.status_code == 401 and "The code is not valid" in no_code.get_data(as_text=True)
    assert _count() == 0
    ok = client.post("/account/tokens", data={"name": "x", "current_password": PASSWORD, "code": totp.now()})
    assert ok.status_code == 200 and _count() == 1 and _secret(ok.get_data(as_text=True))


def test_guessing_the_code_from_a_borrowed_session_locks_the_second_factor(app, client, factory,
                                                                          early_in_a_totp_step):
    user = factory.user("ministry", totp_secret=pyotp.random_base32(32), totp_confirmed_at=utcnow())
    db.session.commit()
    totp = pyotp.TOTP(user.totp_secret)
    from tests.conftest import login
    login(client, user.email)
    client.post("/login/verify", data={"code": totp.at(utcnow() - timedelta(seconds=30))})
    for guess in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post("/account/tokens", data={"name": "x", "current_password": PASSWORD, "code": f"{guess:06d}"})
    right = client.post("/account/tokens", data={"name": "x", "current_password": PASSWORD, "code": totp.now()})
    assert "locked" in right.get_data(as_text=True) and _count() == 0


def test_a_wrong_password_creates_no_service_user(client, factory, login_as):
    from talent.accounts.models import User
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    users_before = db.session.scalar(select(func.count()).select_from(User))
    response = client.post("/account/service-tokens", data={"name": "Agency", "role": "ministry",
                                                            "current_password": "not-the-password-1"})
    assert response.status_code == 401 and "The current password is wrong." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User)) == users_before and _count() == 0


def test_default_and_chosen_lifetime_within_the_maximum(app, client, factory, login_as):
    user = factory.user("ministry")
    db.session.commit()
    login_as(user)
    client.post("/account/tokens", data={"name": "default", "current_password": PASSWORD})
    client.post("/account/tokens", data={"name": "short", "days": "7", "current_password": PASSWORD})
    too_long = client.post("/account/tokens", data={"name": "forever", "days": "100000", "current_password": PASSWORD})
    assert too_long.status_code == 422 and "Choose between 1 and 365 days." in too_long.get_data(as_text=True)
    tokens = {t.name: t for t in db.session.scalars(select(ApiToken))}
    assert set(tokens) == {"default", "short"}
    assert abs((tokens["default"].expires_at - tokens["default"].created_at) - timedelta(days=90)) < timedelta(minutes=1)
    assert abs((tokens["short"].expires_at - tokens["short"].created_at) - timedelta(days=7)) < timedelta(minutes=1)


def test_the_list_shows_expiry_and_last_use(client, factory, login_as):
    user = factory.user("ministry")
    db.session.commit()
    secret = token_for(user, "script")
    Api(client, secret).get("/me")
    db.session.commit()
    login_as(user)
    page = client.get("/account/tokens").get_data(as_text=True)
    assert "Expires" in page and "never" not in page.split("script", 1)[1].split("</tr>", 1)[0]


def test_an_expired_token_is_refused_with_a_clear_401(client, factory):
    user = factory.user("ministry")
    db.session.commit()
    secret = token_for(user)
    api = Api(client, secret)
    me = api.get("/me")
    assert me.status_code == 200 and me.get_json()["token"]["expires_at"]
    token = db.session.scalar(select(ApiToken))
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    refused = api.get("/me")
    assert refused.status_code == 401
    assert "expired on" in refused.get_json()["detail"]
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    ru = api.get("/me", headers={"Accept-Language": "ru"})
    assert ru.status_code == 401 and "истёк" in ru.get_json()["detail"]


def test_cli_creates_tokens_without_reauthentication(app, factory):
    user = factory.user("ministry")
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["tokens", "create", "--email", user.email, "--name", "cron", "--days", "30"])
    assert result.exit_code == 0, result.output
    assert result.output.strip().startswith("tlt_")
    token = db.session.scalar(select(ApiToken))
    assert abs((token.expires_at - token.created_at) - timedelta(days=30)) < timedelta(minutes=1)
    refused = runner.invoke(args=["tokens", "create", "--email", user.email, "--name", "x", "--days", "9999"])
    assert refused.exit_code != 0 and "365" in refused.output
