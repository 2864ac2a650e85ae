"""Notifications (issue 18): the outbox, delivery to a real SMTP peer (aiosmtpd on 127.0.0.1), the
events, the scheduled work, preferences and unsubscribe links, the administrator's queue."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.audit import AuditEvent
from talent.credentials import services as credentials
from talent.extensions import db
from talent.learning import services as learning
from talent.notifications import events, outbox, services
from talent.notifications.models import OutboxMessage
from talent.permissions import Actor
from tests.learning_helpers import actor
from tests.notifications_helpers import SmtpPeer, html_of, text_of


@pytest.fixture
def peer(app, monkeypatch):
    """The SMTP peer with the app pointed at it (MAIL_SENDER=smtp)."""
    server = SmtpPeer()
    with server as received, app.test_request_context("/", headers={"Accept-Language": "en"}):
        monkeypatch.setitem(app.config, "MAIL_SENDER", "smtp")
        monkeypatch.setitem(app.config, "SMTP_URL", server.url)
        received.server = server
        yield received


def _rows(**where):
    stmt = select(OutboxMessage).order_by(OutboxMessage.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(OutboxMessage, key) == value)
    return list(db.session.scalars(stmt))


def _trainee(factory, locale: str | None = "ru", **kw):
    trainee = factory.trainee(email=kw.pop("email", "aysel@example.az"), phone=kw.pop("phone", "+994501234567"), **kw)
    if locale:
        factory.trainee_user(trainee, locale=locale, email=f"user.{trainee.fin.lower()}@example.az")
    return trainee


def test_enrollment_mail_arrives_in_the_trainees_language_only_after_the_commit(app, factory, peer):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", start_date=clock.today() + timedelta(days=10))
    trainee = _trainee(factory, locale="ru")
    staff = actor(factory.user("admin"))
    db.session.commit()

    learning.enroll(staff, cohort.id, trainee.id)
    db.session.flush()
    assert len(_rows(kind="enrolled")) == 1 and peer.messages == []      # written, not sent
    db.session.rollback()
    assert _rows() == [] and peer.messages == []                         # rolled back: nothing, ever

    learning.enroll(staff, cohort.id, trainee.id)
    db.session.commit()
    [message] = peer.wait_for(1)
    assert message["To"] == "aysel@example.az"
    assert message["Subject"].startswith("Вы зачислены")                 # Russian: the trainee's language
    assert "Здравствуйте, Aysel" in text_of(message) and "<p>" in html_of(message)
    [row] = _rows(kind="enrolled")
    assert row.status == "sent" and row.locale == "ru" and row.attempts == 1


def test_waitlist_and_promotion_are_told_in_azerbaijani_by_default(app, factory, peer):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=1)
    first, second = _trainee(factory, locale=None, email="a@example.az"), _trainee(factory, locale=None, email="b@example.az")
    staff = actor(factory.user("admin"))
    enrollment = learning.enroll(staff, cohort.id, first.id)
    learning.enroll(staff, cohort.id, second.id)
    db.session.commit()
    learning.withdraw(staff, enrollment.id, "moved away")
    db.session.commit()
    messages = peer.wait_for(3)
    assert [(m["To"], m["Subject"].split(":")[0]) for m in messages] == [
        ("a@example.az", "Qeydiyyatdasınız"), ("b@example.az", "Gözləmə siyahısındasınız"),
        ("b@example.az", "Yer sizindir")]


def test_cancelled_and_moved_cohorts_reach_email_and_sms(app, factory, peer):
    from talent.notifications import channels
    channels.sms_log.clear()
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", start_date=clock.today() + timedelta(days=5))
    trainee = _trainee(factory, locale="en")
    staff = actor(factory.user("admin"))
    learning.enroll(staff, cohort.id, trainee.id)
    db.session.commit()
    learning.update_cohort(staff, cohort.id, {"start_date": (clock.today() + timedelta(days=12)).isoformat(),
                                              "end_date": (clock.today() + timedelta(days=70)).isoformat()})
    db.session.commit()
    learning.change_status(staff, cohort.id, "cancelled", reason="no trainer")
    db.session.commit()
    subjects = [m["Subject"] for m in peer.wait_for(3)]
    assert subjects[1].startswith("New dates") and subjects[2].startswith("Cancelled")
    assert [s["to"] for s in channels.sms_log] == ["+994501234567", "+994501234567"]


def test_certificate_issued_carries_verify_and_share_links_and_revocation_is_told(app, factory, peer):
    from tests.credentials_helpers import issued
    award = issued(factory, trainee=_trainee(factory, locale="en"))
    db.session.commit()
    [row] = _rows(kind="award_issued")
    assert f"/verify/{award.verification_code}" in row.body_text and "linkedin.com/profile/add" in row.body_text
    assert row.status == "sent" and award.serial in row.body_text
    credentials.revoke_award(Actor.system(), award, "issued by mistake")
    db.session.commit()
    [revoked] = _rows(kind="award_revoked")
    assert "issued by mistake" in revoked.body_text and revoked.status == "sent"
    assert [m["Subject"].split(":")[0] for m in peer.wait_for(2)] == ["Your certificate", "Certificate revoked"]


def test_no_contact_means_no_message(app, factory, peer):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open")
    trainee = factory.trainee(email=None, phone=None)
    learning.enroll(actor(factory.user("admin")), cohort.id, trainee.id)
    db.session.commit()
    assert _rows() == [] and peer.messages == []


def test_tick_writes_each_notice_once_with_several_runs_and_respects_unsubscribe(app, factory, peer):
    center = factory.center()
    cohort = factory.cohort(center=center, status="running")
    tomorrow = clock.today() + timedelta(days=1)
    factory.session(cohort, tomorrow)
    keen, quiet = _trainee(factory, locale="en", email="keen@example.az"), _trainee(factory, locale="en", email="quiet@example.az")
    factory.enrollment(keen, cohort)
    factory.enrollment(quiet, cohort)
    db.session.commit()
    trainee, channel = services.unsubscribe(services.unsubscribe_token(quiet.id, "email"))
    db.session.commit()
    assert (trainee.id, channel) == (quiet.id, "email")
    for _run in range(3):                                   # three workers, or three cron runs
        events.tick()
        db.session.commit()
    [reminder] = _rows(kind="session_reminder", channel="email")
    assert reminder.recipient == "keen@example.az" and reminder.status == "sent"
    assert "/notifications/unsubscribe/" in reminder.body_text
    assert len(_rows(kind="session_reminder", channel="sms")) == 2     # SMS preference still on for both
    assert len(peer.wait_for(1)) == 1


def test_expiry_notices_60_and_30_days_ahead(app, factory, peer):
    from tests.credentials_helpers import issued
    award = issued(factory, trainee=_trainee(factory, locale="en"))
    award.expires_on = clock.today() + timedelta(days=45)
    db.session.commit()
    events.tick()
    events.tick()
    db.session.commit()
    assert len(_rows(kind="expiry_60", channel="email")) == 1 and _rows(kind="expiry_30") == []
    award.expires_on = clock.today() + timedelta(days=20)
    db.session.commit()
    events.tick()
    db.session.commit()
    assert len(_rows(kind="expiry_30", channel="email")) == 1


def test_a_redelivered_job_sends_once(app, factory, peer):
    outbox.enqueue(kind="mail", recipient="once@example.az", subject="Once", body_text="only once")
    db.session.flush()
    [row] = _rows()
    # the after-commit delivery, then the broker delivering the same job twice more
    db.session.commit()
    outbox.deliver([row.id])
    outbox.deliver([row.id])
    outbox.sweep()
    assert len(peer.wait_for(1)) == 1 and len(peer.messages) == 1


def test_a_huge_batch_is_handed_over_partly_by_id_and_swept_for_the_rest(app, factory, peer, monkeypatch):
    """Found at 1M trainees: the embedded scheduler's first tick wrote >65,535 notices in one
    transaction and their delivery by id failed (PostgreSQL takes at most 65,535 parameters,
    SQLite 32,766). A long id list is capped; the rest of the batch is swept."""
    from talent.notifications import worker
    # deliver() with more ids than any statement may carry: no error, the ids past one batch are left
    assert outbox.deliver(list(range(10**9, 10**9 + 70_000))) == {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    monkeypatch.setattr(worker, "BY_ID", 3)
    for n in range(5):
        outbox.enqueue(kind="mail", recipient=f"bulk{n}@example.az", subject=f"Bulk {n}", body_text="x")
    db.session.commit()                      # 3 by id, then a sweep for the other 2
    assert sorted(m["Subject"] for m in peer.wait_for(5)) == [f"Bulk {n}" for n in range(5)]
    assert {row.status for row in _rows()} == {"sent"}


def test_a_failure_is_kept_retried_with_backoff_then_failed_and_an_admin_retries(app, factory, peer, monkeypatch):
    monkeypatch.setitem(app.config, "OUTBOX_MAX_ATTEMPTS", 2)
    monkeypatch.setitem(app.config, "SMTP_URL", "smtp://127.0.0.1:1")          # nobody listens
    outbox.enqueue(kind="mail", recipient="later@example.az", subject="Later", body_text="x")
    db.session.commit()
    [row] = _rows()
    db.session.refresh(row)
    assert row.status == "pending" and row.attempts == 1 and "ConnectionRefused" in row.last_error
    assert row.next_attempt_at > clock.now() + timedelta(seconds=20)
    assert outbox.sweep()["sent"] == 0                                           # not due yet
    db.session.execute(OutboxMessage.__table__.update().values(next_attempt_at=clock.now() - timedelta(seconds=1)))
    db.session.commit()
    outbox.sweep()
    db.session.refresh(row)
    assert row.status == "failed" and row.attempts == 2
    monkeypatch.setitem(app.config, "SMTP_URL", peer.server.url)
    admin = actor(factory.user("admin"))
    services.retry(admin, row.id)
    db.session.commit()
    db.session.refresh(row)
    assert row.status == "sent" and len(peer.wait_for(1)) == 1
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "outbox.retry")) == 1


def test_a_refused_recipient_fails_at_once(app, factory, peer):
    peer.refuse.add("nobody@example.az")
    outbox.enqueue(kind="mail", recipient="nobody@example.az", subject="x", body_text="x")
    db.session.commit()
    [row] = _rows()
    db.session.refresh(row)
    assert row.status == "failed" and "refused" in row.last_error


def test_only_an_administrator_manages_the_queue(app, factory, client, login_as):
    from talent.errors import PermissionDenied
    center = factory.center()
    with app.test_request_context("/"):
        with pytest.raises(PermissionDenied):
            services.list_outbox(actor(factory.center_admin(center)))
    outbox.enqueue(kind="mail", recipient="q@example.az", subject="Queued", body_text="x")
    db.session.flush()
    row_id = _rows()[0].id
    db.session.execute(OutboxMessage.__table__.update().values(status="failed", last_error="boom"))
    db.session.commit()
    login_as(factory.user("admin", email="boss@example.az"))
    db.session.commit()
    page = client.get("/admin/outbox?status=failed")
    assert page.status_code == 200 and "q@example.az" in page.get_data(as_text=True) and "boom" in page.get_data(as_text=True)
    assert client.post(f"/admin/outbox/{row_id}/discard").status_code == 302
    db.session.expire_all()
    assert _rows()[0].status == "discarded"
    assert client.post(f"/admin/outbox/{row_id}/retry").status_code in (302, 409)
    assert _rows()[0].status == "discarded"                                     # nothing changed


def test_a_trainee_changes_their_preferences_and_unsubscribes_by_link(app, factory, client, login_as):
    trainee = _trainee(factory, locale="en")
    user_email = f"user.{trainee.fin.lower()}@example.az"
    db.session.commit()
    login_as(type("U", (), {"email": user_email})())
    page = client.get("/me/notifications")
    assert page.status_code == 200
    assert client.post("/me/notifications", data={"email": "on"}).status_code == 302
    assert services.preferences(trainee.id) == {"email": True, "sms": False}
    token = services.unsubscribe_token(trainee.id, "email")
    assert client.get(f"/notifications/unsubscribe/{token}").status_code == 200
    assert client.post(f"/notifications/unsubscribe/{token}").status_code == 200
    assert services.preferences(trainee.id) == {"email": False, "sms": False}
    assert client.get("/notifications/unsubscribe/forged-token").status_code == 404


def test_the_api_lists_the_outbox_for_administrators(app, factory, client):
    from talent.accounts.services import create_token
    outbox.enqueue(kind="mail", recipient="api@example.az", subject="Via API", body_text="x")
    admin, ministry = factory.user("admin"), factory.user("ministry")
    tokens = {u.role: create_token(Actor.system(), u, "t", service=False)[1] for u in (admin, ministry)}
    db.session.commit()
    answer = client.get("/api/v1/outbox?status=sent", headers={"Authorization": f"Bearer {tokens['admin']}"})
    assert answer.status_code == 200
    assert [(m["recipient"], m["status"]) for m in answer.get_json()["items"]] == [("api@example.az", "sent")]
    assert client.get("/api/v1/outbox?status=nonsense",
                      headers={"Authorization": f"Bearer {tokens['admin']}"}).status_code in (400, 422)
    assert client.get("/api/v1/outbox", headers={"Authorization": f"Bearer {tokens['ministry']}"}).status_code == 403


def test_the_http_sms_driver_posts_to_the_gateway_and_a_refusal_fails_the_message(app, factory, monkeypatch):
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    received = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - the http.server API
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append((self.headers.get("Authorization"), body))
            self.send_response(400 if body["to"] == "+994000000000" else 202)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setitem(app.config, "SMS_DRIVER", "http")
        monkeypatch.setitem(app.config, "SMS_URL", f"http://127.0.0.1:{server.server_port}/send")
        monkeypatch.setitem(app.config, "SMS_TOKEN", "gateway-secret")
        outbox.enqueue(kind="mail", channel="sms", recipient="+994501234567", subject="", body_text="Sabah dərs var")
        outbox.enqueue(kind="mail", channel="sms", recipient="+994000000000", subject="", body_text="x")
        db.session.commit()
    finally:
        server.shutdown()
    good, bad = _rows()
    assert received[0][0] == "Bearer gateway-secret"
    assert received[0][1] == {"to": "+994501234567", "text": "Sabah dərs var", "id": str(good.id)}
    db.session.refresh(good)
    db.session.refresh(bad)
    assert good.status == "sent" and bad.status == "failed" and "HTTP 400" in bad.last_error
