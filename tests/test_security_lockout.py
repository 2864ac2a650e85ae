"""Issue 13, finding 5 (lock-out): a stranger who knows an address cannot keep its owner out.
Progressive delays per account and per address; the owner's known browser passes; an emailed link
clears the delay. (ASVS 2.2.1)"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import select

from talent import clock, mail
from talent.accounts import services as accounts
from talent.accounts.models import User
from talent.audit import AuditEvent
from talent.db import utcnow
from talent.errors import ValidationError
from talent.extensions import db
from tests.factories import PASSWORD

WRONG = "wrong-password-123"


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.outbox.clear()


def _post(client, email, password, n):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": f"198.51.100.{n}"})


def _signed_in(response) -> bool:
    return response.status_code == 302 and "/login" not in response.headers.get("Location", "")


def test_a_stranger_hammering_the_account_does_not_keep_the_owner_out(app, factory):
    owner = factory.user("admin")
    db.session.commit()
    browser = app.test_client()
    assert _signed_in(_post(browser, owner.email, PASSWORD, 1))      # the owner's usual browser
    browser.post("/logout")
    stranger = app.test_client()
    for n in range(12):                                            # many addresses, one account
        assert _post(stranger, owner.email, WRONG, 10 + n).status_code == 401
    db.session.expire_all()
    user = db.session.get(User, owner.id)
    assert user.locked_until is not None and user.locked_until > utcnow()
    # The stranger, even with the right password, is held off (no oracle: the same answer) ...
    held = _post(stranger, owner.email, PASSWORD, 99)
    assert held.status_code == 401 and not _signed_in(held)
    # ... while the owner's browser signs in at once.
    assert _signed_in(_post(browser, owner.email, PASSWORD, 1))


def test_the_delay_grows_with_each_failure_and_is_capped(app, factory):
    user = factory.user("admin")
    db.session.commit()
    delays = []
    # The clock stands still while the delays are read: each is measured from the instant it was set,
    # not from a moment later that depends on how busy the machine is (a capped delay read 0.6 s
    # after being set rounds to one second less than the one before it, and the list was not sorted).
    with time_machine.travel(clock.now(), tick=False):
        for n in range(10):
            user.locked_until = None                 # as if each wait had passed
            db.session.commit()
            with pytest.raises(ValidationError):
                accounts.authenticate(user.email, WRONG, ip=f"203.0.113.{n}")
            db.session.commit()
            if user.locked_until:
                delays.append(round((user.locked_until - utcnow()).total_seconds()))
    base, cap = app.config["LOGIN_DELAY_SECONDS"], app.config["LOGIN_LOCK_MINUTES"] * 60
    assert delays[0] == pytest.approx(base, abs=2) and delays[1] == pytest.approx(2 * base, abs=2)
    assert delays[2] == pytest.approx(4 * base, abs=2) and max(delays) == pytest.approx(cap, abs=2)
    assert delays == sorted(delays)


def test_attempts_during_the_delay_are_not_checked_or_counted(factory):
    user = factory.user("admin", failed_logins=5, locked_until=utcnow() + timedelta(minutes=1))
    db.session.commit()
    with pytest.raises(ValidationError):
        accounts.authenticate(user.email, PASSWORD, ip="203.0.113.1")
    db.session.commit()
    assert user.failed_logins == 5
    # After the wait the right password works and clears the count.
    user.locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert accounts.authenticate(user.email, PASSWORD, ip="203.0.113.1").id == user.id
    assert user.failed_logins == 0 and user.locked_until is None


def test_one_address_spraying_many_accounts_is_slowed(app, factory):
    users = [factory.user("ministry") for _ in range(3)]
    db.session.commit()
    free = app.config["LOGIN_ADDRESS_FREE_FAILURES"]
    for n in range(free):
        with pytest.raises(ValidationError):
            accounts.authenticate(users[n % 3].email if n % 2 else f"nobody{n}@example.az", WRONG, ip="192.0.2.7")
        db.session.commit()
    # Now even a right password from this address waits; another address is not affected.
    with pytest.raises(ValidationError):
        accounts.authenticate(users[0].email, PASSWORD, ip="192.0.2.7")
    db.session.commit()
    assert accounts.authenticate(users[0].email, PASSWORD, ip="192.0.2.8").id == users[0].id


def test_a_wrong_password_from_a_known_browser_costs_its_trust(app, factory):
    owner = factory.user("admin")
    db.session.commit()
    browser = app.test_client()
    assert _signed_in(_post(browser, owner.email, PASSWORD, 1))
    browser.post("/logout")
    assert browser.get_cookie("talent_device") is not None
    refused = _post(browser, owner.email, WRONG, 1)
    assert refused.status_code == 401
    assert browser.get_cookie("talent_device") is None


def test_the_emailed_link_clears_the_delay_and_trusts_that_browser(app, factory):
    owner = factory.user("admin", email="owner@example.az")
    db.session.commit()
    stranger = app.test_client()
    for n in range(app.config["LOGIN_MAX_FAILURES"] + 2):
        _post(stranger, owner.email, WRONG, 20 + n)
    assert len(mail.outbox) == 1 and mail.outbox[0]["To"] == "owner@example.az"   # one mail per episode
    link = re.search(r"https?://\S+/login/unlock/\S+", mail.outbox[0].get_content()).group(0)
    path = "/" + link.split("/", 3)[3]
    new_browser = app.test_client()
    assert not _signed_in(_post(new_browser, owner.email, PASSWORD, 50))          # delayed
    page = new_browser.get(path)
    assert page.status_code == 200 and "Trust this browser" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, owner.id).locked_until is not None               # a GET changes nothing
    assert new_browser.post(path).status_code == 302
    assert _signed_in(_post(new_browser, owner.email, PASSWORD, 50))
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == owner.id)))
    assert {"login.lock", "login.unlock_mail", "login.unlock", "login.success"} <= actions
    assert new_browser.get("/login/unlock/not-a-token").status_code == 410
