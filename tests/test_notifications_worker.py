"""The worker on a real Redis (``TALENT_TEST_BROKER_URL``, default ``redis://127.0.0.1:6379/3``)
delivering to a real SMTP peer: committed rows reach it, rolled-back ones never reach the broker,
and a worker killed (SIGKILL) in the middle of a delivery loses nothing and sends nothing twice."""
from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest
import redis
from sqlalchemy import select, update

from talent.extensions import db
from talent.notifications import outbox, worker
from talent.notifications.models import OutboxMessage
from tests.notifications_helpers import SmtpPeer

BROKER_URL = os.environ.get("TALENT_TEST_BROKER_URL", "redis://127.0.0.1:6379/3")
# CI runs three suites side by side (and a developer's run may overlap them) on one Redis database:
# each run's broker keys carry its own namespace, so that no run's worker takes another's jobs and
# no run's clean-up deletes another's queue (both happened with the shared "talent" namespace and
# FLUSHDB: a job lost, a mail never sent, a count of queued jobs off by one).
NAMESPACE = f"talent-test-{os.getpid()}-{secrets.token_hex(4)}"
TALENT = Path(sys.executable).parent / "talent"
# A worker in another process (and threads of this one) read the rows: they must be committed.
pytestmark = pytest.mark.committed


@pytest.fixture
def broker(app, monkeypatch):
    client = redis.Redis.from_url(BROKER_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"These tests need Redis at {BROKER_URL} (set TALENT_TEST_BROKER_URL)")
    _forget_keys(client)
    monkeypatch.setitem(app.config, "BROKER_URL", BROKER_URL)
    monkeypatch.setitem(app.config, "BROKER_NAMESPACE", NAMESPACE)
    yield client
    _forget_keys(client)


def _forget_keys(client) -> None:
    """This run's broker keys only (never FLUSHDB: other runs share the database)."""
    keys = list(client.scan_iter(match=f"{NAMESPACE}:*"))
    if keys:
        client.delete(*keys)


@pytest.fixture
def peer(app, monkeypatch):
    server = SmtpPeer()
    with server as received:
        monkeypatch.setitem(app.config, "MAIL_SENDER", "smtp")
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        received.url = server.url
        yield received


def _queued(client) -> int:
    return sum(client.llen(key) for key in client.keys(f"{NAMESPACE}:*") if client.type(key) == b"list")


def _statuses() -> Counter:
    db.session.rollback()
    return Counter(db.session.scalars(select(OutboxMessage.status)))


def test_committed_rows_go_through_the_broker_and_rolled_back_ones_never(app, broker, peer):
    for n in range(3):
        outbox.enqueue(kind="mail", recipient=f"r{n}@example.az", subject=f"Rolled back {n}", body_text="x")
    db.session.flush()
    db.session.rollback()
    assert _queued(broker) == 0                                   # nothing reached the broker

    for n in range(3):
        outbox.enqueue(kind="mail", recipient=f"c{n}@example.az", subject=f"Committed {n}", body_text="x")
    db.session.commit()
    assert _queued(broker) == 1 and peer.messages == []           # one job for the transaction, not sent here

    stop = threading.Event()
    runner = threading.Thread(target=worker.run_worker, args=(app,), kwargs={"threads": 2, "stop": stop}, daemon=True)
    runner.start()
    try:
        received = peer.wait_for(3)
    finally:
        stop.set()
        runner.join(timeout=20)
    assert sorted(m["To"] for m in received) == ["c0@example.az", "c1@example.az", "c2@example.az"]
    assert _statuses() == Counter({"sent": 3})


def _start_worker(app, peer, **extra) -> subprocess.Popen:
    env = {**os.environ, "TALENT_ENV": "testing", "TALENT_DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "TALENT_INSTANCE_PATH": app.instance_path, "TALENT_SECRET_KEY": app.config["SECRET_KEY"],
           "TALENT_BROKER_URL": BROKER_URL, "TALENT_BROKER_NAMESPACE": NAMESPACE,
           "TALENT_MAIL_SENDER": "smtp", "TALENT_SMTP_URL": peer.url,
           "TALENT_OUTBOX_LEASE_SECONDS": "4", "TALENT_OUTBOX_SWEEP_SECONDS": "1", **extra}
    return subprocess.Popen([str(TALENT), "worker", "--threads", "2", "--tick-seconds", "0"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)


def test_a_worker_killed_mid_delivery_loses_nothing_and_sends_nothing_twice(app, broker, peer):
    db.session.commit()
    peer.delay = 3.0                         # the first worker dies while the peer holds its first DATA
    for n in range(5):
        outbox.enqueue(kind="mail", recipient=f"k{n}@example.az", subject=f"Kill {n}", body_text="x")
    # The workers run in other processes on the real clock; this suite may run with its clock moved
    # (CI's run at 23:30 UTC), where "now" is hours ahead of theirs: the rows are due on both clocks.
    db.session.execute(update(OutboxMessage).values(next_attempt_at=datetime(2000, 1, 1, tzinfo=timezone.utc)))
    db.session.commit()
    first = _start_worker(app, peer)
    try:
        deadline = time.monotonic() + 30
        while _statuses().get("sending", 0) == 0 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _statuses().get("sending", 0) > 0, "the first worker never claimed the rows"
        # Killed inside the SMTP transaction: once the peer holds its DATA (a fixed half second after
        # the claim was too short on a busy machine: the worker had not reached DATA, nothing dropped).
        assert peer.wait_until(lambda: peer.in_data > 0, timeout=30), "the first worker never sent DATA"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    # the peer gives up on the dead client's message (after its delay: about 3 s)
    assert peer.wait_until(lambda: peer.dropped > 0, timeout=30)
    assert peer.messages == [] and peer.dropped == 1
    peer.delay = 0.0
    second = _start_worker(app, peer)
    try:
        received = peer.wait_for(5, timeout=40)
        time.sleep(2)                        # a duplicate would arrive by now
    finally:
        os.killpg(second.pid, signal.SIGTERM)
        second.wait(timeout=20)
    ids = Counter(m["Message-ID"] for m in peer.messages)
    assert sorted(m["To"] for m in received) == [f"k{n}@example.az" for n in range(5)]
    assert all(count == 1 for count in ids.values()) and len(peer.messages) == 5
    assert _statuses() == Counter({"sent": 5})
