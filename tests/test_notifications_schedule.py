"""The embedded default (no broker: ``make run``, SQLite, no Redis) runs the scheduled work and the
retries itself: one ticker thread started with the first request the app serves (issue 18,
``talent.notifications.events``). Also: the follow-up waves are part of the scheduled work."""
from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from talent import clock, create_app
from talent.extensions import db
from talent.notifications import events, outbox
from talent.notifications.models import OutboxMessage, OutboxStatus
from tests.notifications_helpers import SmtpPeer


@pytest.fixture
def scheduler(app, monkeypatch):
    server = SmtpPeer()
    with server as received:
        monkeypatch.setitem(app.config, "MAIL_SENDER", "smtp")
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        monkeypatch.setitem(app.config, "EMBEDDED_SCHEDULER", True)
        monkeypatch.setitem(app.config, "BROKER_URL", None)
        monkeypatch.setitem(app.config, "OUTBOX_SWEEP_SECONDS", 0.2)
        monkeypatch.setattr(events, "FIRST_ROUND_DELAY", 0.0)
        try:
            yield received
        finally:
            events.stop_embedded_scheduler()


def _wait(predicate, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        if predicate():
            return True
        time.sleep(0.1)
    return False


def _statuses(kind: str) -> list[str]:
    return list(db.session.scalars(select(OutboxMessage.status).where(OutboxMessage.kind == kind)))


@pytest.mark.committed
def test_the_first_request_starts_the_ticker_which_runs_the_schedule_and_the_retries(app, client, factory, scheduler):
    from tests.credentials_helpers import issued
    trainee = factory.trainee(email="expiring@example.az")
    award = issued(factory, trainee=trainee)
    award.expires_on = clock.today() + timedelta(days=45)
    # A message whose first attempt failed; its backoff is over, nothing else would send it.
    outbox.enqueue(kind="mail", recipient="retry@example.az", subject="Retry", body_text="again")
    db.session.flush()
    outbox.forget(db.session)          # not handed over after this commit: only a sweep finds it
    db.session.execute(OutboxMessage.__table__.update().values(attempts=1, last_error="SMTPServerDisconnected",
                                                               next_attempt_at=clock.now() - timedelta(seconds=1)))
    db.session.commit()
    assert not events.embedded_scheduler_running()
    assert client.get("/healthz").status_code == 200
    assert events.embedded_scheduler_running()
    assert _wait(lambda: _statuses("expiry_60") == [OutboxStatus.SENT] and _statuses("mail") == [OutboxStatus.SENT])
    rows = list(db.session.scalars(select(OutboxMessage)))         # with the award's "issued" mail
    assert {row.status for row in rows} == {OutboxStatus.SENT}
    received = scheduler.wait_for(len(rows))
    assert sorted(m["To"] for m in received) == sorted(row.recipient for row in rows)
    assert "retry@example.az" in [m["To"] for m in received]
    # Later requests do not start a second thread; later rounds write and send nothing twice.
    client.get("/healthz")
    time.sleep(0.6)
    assert len(scheduler.messages) == len(rows)


def test_no_ticker_under_tests_with_a_broker_or_outside_requests(app, client, monkeypatch):
    assert app.config["EMBEDDED_SCHEDULER"] is False            # the test configuration: off
    client.get("/healthz")
    assert not events.embedded_scheduler_running()
    monkeypatch.setitem(app.config, "EMBEDDED_SCHEDULER", True)
    monkeypatch.setitem(app.config, "BROKER_URL", "redis://127.0.0.1:6379/7")
    assert not events.embedded_scheduler_wanted(app)            # talent worker runs the schedule
    assert events.start_embedded_scheduler(app) is False
    # Development without a broker: wanted, yet creating the app (any `talent` command) starts nothing.
    dev = create_app(env={"TALENT_ENV": "development", "TALENT_DATABASE_URL": "sqlite://",
                          "TALENT_INSTANCE_PATH": app.instance_path, "TALENT_SECRET_KEY": "s" * 40})
    assert events.embedded_scheduler_wanted(dev) and not events.embedded_scheduler_running()


def test_one_round_is_the_workers_round_and_never_raises(app, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database away")
    monkeypatch.setattr(events, "tick", broken)
    assert events.embedded_round(app, schedule=True) == {}      # logged, the next round tries again


def test_the_scheduled_work_sends_the_due_follow_up_waves(app, factory):
    """The follow-up waves run with the schedule (the worker's or the embedded ticker's), not only
    from ``talent followups send-due``."""
    center = factory.center()
    cohort = factory.cohort(center=center, status="completed", start_date=clock.today() - timedelta(days=160),
                            end_date=clock.today() - timedelta(days=100))
    trainee = factory.trainee(email="graduate@example.az", followup_consent=True)
    factory.enrollment(trainee, cohort, status="completed")
    db.session.flush()
    result = events.tick()
    assert result["followup_links"] == 1 and result["followup_reminders"] == 0
    assert events.tick()["followup_links"] == 0                   # idempotent
