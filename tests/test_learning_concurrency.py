"""Capacity holds under concurrent enrollments (PostgreSQL row lock on the cohort)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from talent.extensions import db
from talent.learning import services
from talent.learning.models import Enrollment
from talent.permissions import Actor
from tests.conftest import PG_URL

# Threads race each other on their own connections: committed for real.
pytestmark = pytest.mark.committed

postgres = bool(PG_URL)


@pytest.mark.skipif(not postgres, reason="concurrency needs PostgreSQL: set TALENT_TEST_DATABASE_URL")
def test_twenty_simultaneous_enrollments_into_ten_free_seats(app, factory):
    cohort = factory.cohort(capacity=12, status="open")
    for _ in range(2):
        factory.enrollment(cohort=cohort)             # 10 seats left
    trainee_ids = [factory.trainee().id for _ in range(20)]
    cohort_id = cohort.id
    db.session.commit()

    barrier = threading.Barrier(20)
    results: list[str] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def worker(trainee_id: int) -> None:
        try:
            with app.test_request_context("/", headers={"Accept-Language": "en"}):
                barrier.wait(timeout=30)
                enrollment = services.enroll(Actor.system(channel="web"), cohort_id, trainee_id)
                status = enrollment.status
                db.session.commit()
                db.session.remove()
            with lock:
                results.append(status)
        except BaseException as error:  # pragma: no cover - reported below
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(t,)) for t in trainee_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(results) == ["enrolled"] * 10 + ["waitlisted"] * 10
    db.session.expire_all()
    enrolled = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.status == "enrolled"))
    assert enrolled == 12
