"""Notification throughput: 10,000 certificate expiry notices queued by the scheduled work and
delivered to a local SMTP peer (aiosmtpd on 127.0.0.1), and what queuing them costs the action.

    .venv/bin/python benchmarks/notifications.py [--notices N] [--broker redis://127.0.0.1:6379/3]

Runs against a temporary SQLite file, or TALENT_DATABASE_URL when set (a scratch database: the
schema is migrated there and the rows are left behind). With ``--broker`` the rows go through
Dramatiq on Redis to an in-process ``talent worker`` (4 threads); without it, through the embedded
default (in-process, one background thread). Prints:

- the action: ``talent notifications tick`` writing N outbox rows (rows/s), and the time its
  commit takes to return: the hand-over to the worker, which must not grow with N (budget 0.5 s);
- delivery: rows/s from outbox to ``sent`` at the SMTP peer (budget >= 100 rows/s on SQLite),
  each message checked to arrive once.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

COMMIT_BUDGET_S = 0.5
DELIVERY_BUDGET = 100.0   # rows/s


def seed(n: int) -> None:
    from sqlalchemy import insert
    from talent import clock
    from talent.centers.models import Center
    from talent.credentials.models import Award
    from talent.extensions import db
    from talent.geo.models import Region
    from talent.learning.models import Cohort, Enrollment
    from talent.people.models import Trainee
    from sqlalchemy import select

    region_id = db.session.scalar(select(Region.id).limit(1))
    center = Center(code="BENCH", name="Bench center", region_id=region_id, city="Bakı", capacity=100)
    from tests.factories import Factory          # the test suite's factory: one certification and course
    factory = Factory()
    cert = factory.certification()
    course = factory.course(certification=cert)
    db.session.add(center)
    db.session.flush()
    today = clock.today()
    cohort = Cohort(code="BENCH-1", course_id=course.id, center_id=center.id, start_date=today - timedelta(days=400),
                    end_date=today - timedelta(days=300), capacity=n, mode="onsite", status="completed")
    db.session.add(cohort)
    db.session.flush()
    now = clock.now()
    db.session.execute(insert(Trainee), [
        {"fin": f"B{i:06d}", "first_name": "Aysel", "last_name": f"Bench{i}", "search_name": f"bench{i} aysel",
         "birth_date": date(1998, 5, 17), "gender": "F", "email": f"bench{i}@example.az", "home_region_id": region_id,
         "consent_at": now, "created_at": now, "updated_at": now,
         # no follow-up waves (the scheduled work sends those too): this measures the expiry notices
         "followup_consent": False} for i in range(n)])
    ids = dict(db.session.execute(select(Trainee.fin, Trainee.id).where(Trainee.fin.like("B%"))).all())
    db.session.execute(insert(Enrollment), [
        {"trainee_id": ids[f"B{i:06d}"], "cohort_id": cohort.id, "status": "completed", "applied_at": now,
         "enrolled_at": now, "final_score": 90, "attendance_pct": 95} for i in range(n)])
    enrollments = dict(db.session.execute(select(Enrollment.trainee_id, Enrollment.id)
                                          .where(Enrollment.cohort_id == cohort.id)).all())
    db.session.execute(insert(Award), [
        {"serial": f"AZAI-{today.year}-9{i:05d}", "verification_code": f"benchcode{i:08d}xxxxxxxx",
         "enrollment_id": enrollments[tid], "trainee_id": tid, "certification_id": cert.id, "center_id": center.id,
         "issued_on": today - timedelta(days=300), "expires_on": today + timedelta(days=45)}
        for i, tid in enumerate(ids.values())])
    db.session.commit()


def run_peer(port: int, record: str) -> None:
    """The SMTP peer in its own process (as a real mail server is: it must not share this
    process's interpreter lock with the sender being measured). Each accepted message's
    Message-ID is appended to ``record``; the peer answers 250 only after the line is written."""
    import asyncio
    import re
    from aiosmtpd.controller import Controller

    out = open(record, "a", buffering=1)

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            found = re.search(rb"^Message-ID: *(\S+)", envelope.content, re.M | re.I)
            out.write((found.group(1).decode() if found else "?") + "\n")
            return "250 Message accepted for delivery"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", flush=True)
    try:
        asyncio.run(asyncio.sleep(10 ** 6))
    finally:
        controller.stop()


def start_peer(workdir: Path):
    import subprocess
    from tests.notifications_helpers import free_port

    port, record = free_port(), workdir / "peer.txt"
    record.touch()
    process = subprocess.Popen([sys.executable, __file__, "--peer", str(port), str(record)],
                               stdout=subprocess.PIPE, text=True)
    assert process.stdout.readline().strip() == "ready"
    return process, f"smtp://127.0.0.1:{port}", record


def main() -> int:
    if len(sys.argv) == 4 and sys.argv[1] == "--peer":
        run_peer(int(sys.argv[2]), sys.argv[3])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notices", type=int, default=10_000)
    parser.add_argument("--broker", default=None, help="redis://… to go through Dramatiq (else in-process)")
    parser.add_argument("--mark-batch", type=int, default=0,
                        help="TALENT_OUTBOX_MARK_BATCH (0: the default, 1 = strict; e.g. 25 on SQLite for throughput)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="talent-notify-bench-"))
    url = os.environ.get("TALENT_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    peer_process, smtp_url, record = start_peer(workdir)
    env = {"TALENT_ENV": "development", "TALENT_DATABASE_URL": url, "TALENT_INSTANCE_PATH": str(workdir),
           "TALENT_SECRET_KEY": "bench-" + "x" * 40, "TALENT_MAIL_SENDER": "smtp", "TALENT_SMTP_URL": smtp_url,
           "TALENT_MAIL_BACKGROUND": "true", "TALENT_REQUIRE_2FA": "false",
           "TALENT_OUTBOX_MARK_BATCH": str(args.mark_batch)}
    if args.broker:
        env["TALENT_BROKER_URL"] = args.broker
    from flask_migrate import upgrade
    from sqlalchemy import func, select
    from talent import create_app
    from talent.extensions import db
    from talent.notifications import events, worker
    from talent.notifications.models import OutboxMessage
    from talent.reference import load_reference

    app = create_app(env=env)
    stop = threading.Event()
    with app.app_context():
        upgrade()
        load_reference()
        db.session.commit()
        seed(args.notices)
        if args.broker:
            import redis
            redis.Redis.from_url(args.broker).flushdb()
            threading.Thread(target=worker.run_worker, args=(app,), kwargs={"threads": 4, "stop": stop},
                             daemon=True).start()
        started = time.perf_counter()
        result = events.tick()
        queued_at = time.perf_counter()
        db.session.commit()
        committed = time.perf_counter()
        written = db.session.scalar(select(func.count()).select_from(OutboxMessage))
        deadline = time.monotonic() + 1800
        while time.monotonic() < deadline:
            db.session.rollback()
            sent = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent"))
            if sent >= written:
                break
            time.sleep(0.2)
        delivered = time.perf_counter()
        stop.set()
    peer_process.terminate()
    peer_process.wait(10)
    ids = record.read_text().split()
    tick_s, commit_s, deliver_s = queued_at - started, committed - queued_at, delivered - committed
    rate = sent / deliver_s if deliver_s else float("inf")
    print(f"database: {url.split('@')[-1]}  engine: {'dramatiq on ' + args.broker if args.broker else 'in-process'}"
          f"  mark batch: {args.mark_batch}")
    print(f"tick wrote {result.get('expiry_notices', 0)} outbox rows in {tick_s:.2f} s "
          f"({written / tick_s:.0f} rows/s)")
    print(f"its commit returned in {commit_s * 1000:.1f} ms (budget {COMMIT_BUDGET_S * 1000:.0f} ms): "
          f"{'OK' if commit_s <= COMMIT_BUDGET_S else 'OVER BUDGET'}")
    print(f"delivered {sent} of {written} to the SMTP peer in {deliver_s:.2f} s: {rate:.0f} rows/s "
          f"(budget >= {DELIVERY_BUDGET:.0f}): {'OK' if rate >= DELIVERY_BUDGET and sent == written else 'OVER BUDGET'}")
    duplicates = len(ids) - len(set(ids))
    print(f"messages at the peer: {len(ids)}, duplicates: {duplicates}: {'OK' if duplicates == 0 and len(ids) == sent else 'FAIL'}")
    print(f"machine load average (1 min) at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    ok = commit_s <= COMMIT_BUDGET_S and rate >= DELIVERY_BUDGET and sent == written and duplicates == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
