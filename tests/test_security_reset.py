"""Issue 13, finding 5 (reset and look-up): a password-reset request does the same work for known
and unknown addresses (measured), mails per account are limited, the mail leaves only after the
commit; serial + birth date look-ups are limited per serial as well as per address."""
from __future__ import annotations

import statistics
import time
from datetime import date

import pytest
from sqlalchemy import func, select

from talent import mail
from talent.accounts import invitations
from talent.audit import AuditEvent
from talent.extensions import db, limiter
from tests.credentials_helpers import issued


@pytest.fixture(autouse=True)
def _empty_outbox():
    mail.outbox.clear()
    yield
    mail.wait_for_background()
    mail.outbox.clear()


def test_reset_mail_leaves_only_after_the_commit(app, factory):
    user = factory.user("ministry", email="reset.me@example.az")
    db.session.commit()
    with app.test_request_context():
        invitations.request_password_reset(user.email)
        assert mail.outbox == []                        # decided, not sent
        db.session.rollback()
        assert mail.outbox == []                        # rolled back: never sent
        invitations.request_password_reset(user.email)
        db.session.commit()
    assert len(mail.outbox) == 1 and mail.outbox[0]["To"] == "reset.me@example.az"


def test_reset_mails_per_account_are_limited(app, client, factory):
    user = factory.user("ministry", email="reset.me@example.az")
    db.session.commit()
    for n in range(6):
        response = client.post("/password-reset", data={"email": user.email},
                               environ_base={"REMOTE_ADDR": f"10.1.0.{n}"})
        assert response.status_code == 302
    assert len(mail.outbox) == app.config["RESET_MAILS_PER_HOUR"] == 3
    actions = list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.actor_id == user.id)))
    assert actions.count("user.password_reset_request") == 3
    assert actions.count("user.password_reset_limited") == 3


def test_known_and_unknown_addresses_do_the_same_database_work(app, client, factory, count_queries):
    user = factory.user("ministry", email="reset.me@example.az")
    db.session.commit()
    counts = {}
    for label, email in (("known", user.email), ("unknown", "nobody@example.az")):
        with count_queries() as counter:
            client.post("/password-reset", data={"email": email}, environ_base={"REMOTE_ADDR": "10.2.0.1"})
        counts[label] = [s.split()[0] for s in counter.statements if not s.startswith(("SAVEPOINT", "RELEASE"))]
    assert counts["known"] == counts["unknown"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "user.password_reset_unknown")) == 1


@pytest.mark.committed  # the background sender reads the queued mails from its own connection
def test_known_and_unknown_addresses_answer_in_the_same_time(app, client, factory, monkeypatch):
    """Medians of 60 interleaved requests each (the mail itself leaves in the background, as in
    production). Before the change: 7 ms against 12 ms (issue 13). The machine the suite runs on is
    shared, so a round that a load spike skews is measured again, up to three rounds: a real
    difference like the old one fails all three."""
    monkeypatch.setitem(app.config, "MAIL_BACKGROUND", True)
    monkeypatch.setitem(app.config, "RESET_MAILS_PER_HOUR", 1000)
    monkeypatch.setitem(app.config, "RATELIMIT_ENABLED", False)
    user = factory.user("ministry", email="reset.me@example.az")
    db.session.commit()
    rounds = []
    for attempt in range(3):
        times = {"known": [], "unknown": []}
        for n in range(60):
            pair = [("known", user.email), ("unknown", f"nobody{attempt}-{n}@example.az")]
            for label, email in (pair if n % 2 else pair[::-1]):      # neither always goes first
                started = time.perf_counter()
                response = client.post("/password-reset", data={"email": email},
                                       environ_base={"REMOTE_ADDR": f"10.3.{n}.{attempt}"})
                times[label].append(time.perf_counter() - started)
                assert response.status_code == 302
        known, unknown = (statistics.median(times[k][5:]) for k in ("known", "unknown"))
        print(f"password reset medians: known {known * 1000:.2f} ms, unknown {unknown * 1000:.2f} ms")
        rounds.append((known, unknown))
        if abs(known - unknown) <= max(0.002, 0.25 * max(known, unknown)):
            break
    else:
        pytest.fail(f"known and unknown addresses answer in different times: {rounds}")
    mail.wait_for_background()
    assert len(mail.outbox) == min(mail.OUTBOX_MAX, 60 * len(rounds))


def test_serial_and_birth_date_lookup_is_limited_per_serial_across_addresses(app, client, factory, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_SERIAL_RATE_LIMIT", "5 per hour")
    limiter.reset()
    award = issued(factory)
    db.session.commit()
    statuses = []
    for n in range(7):   # a different address each time: the per-address limit never bites
        guess = date(1990, 1, 1 + n).isoformat()
        statuses.append(client.post("/verify", data={"serial": award.serial, "birth_date": guess},
                                    environ_base={"REMOTE_ADDR": f"10.4.0.{n}"}).status_code)
    assert statuses[:5] == [404] * 5 and statuses[5:] == [429, 429]
    # Even the right birth date is refused for this serial now (no oracle) ...
    right = client.post("/verify", data={"serial": award.serial, "birth_date": "1998-05-17"},
                        environ_base={"REMOTE_ADDR": "10.4.1.1"})
    assert right.status_code == 429
    # ... but another serial is not affected, and successful look-ups never count.
    other = issued(factory)
    db.session.commit()
    for n in range(7):
        ok = client.post("/verify", data={"serial": other.serial.lower(), "birth_date": "1998-05-17"},
                         environ_base={"REMOTE_ADDR": f"10.4.2.{n}"})
        assert ok.status_code == 200
