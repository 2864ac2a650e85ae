"""Concurrent acceptances of online applications (issue 19): capacity holds (the learning service's
cohort row lock), one application is never decided twice, and two reviewers accepting the same
applications in bulk at once neither deadlock nor double-enroll. PostgreSQL only (SQLite runs one
writer at a time)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.applications import services as applications
from talent.accounts.models import User
from talent.applications.models import Application, ApplicationStatus
from talent.extensions import db
from talent.learning.models import Enrollment, EnrollmentStatus
from talent.people.models import Trainee
from talent.permissions import Actor
from tests.conftest import PG_URL

pytestmark = [pytest.mark.committed,
              pytest.mark.skipif(not PG_URL, reason="concurrency needs PostgreSQL: set TALENT_TEST_DATABASE_URL")]


def _race(app, jobs):
    barrier = threading.Barrier(len(jobs))
    results, errors, lock = [], [], threading.Lock()

    def worker(job):
        try:
            with app.test_request_context("/", headers={"Accept-Language": "en"}):
                barrier.wait(timeout=30)
                try:
                    value = job()
                    db.session.commit()
                except Exception as error:  # a refusal the service raised: reported as such
                    db.session.rollback()
                    value = error
                db.session.remove()
            with lock:
                results.append(value)
        except BaseException as error:  # pragma: no cover
            with lock:
                errors.append(error)

    threads = [threading.Thread(target=worker, args=(job,)) for job in jobs]
    for t in threads:
        t.start()
    for t in threads:
        t.join(90)
    assert not errors, errors
    return results


def _setup(factory, n: int, capacity: int):
    cohort = factory.cohort(status="open", capacity=capacity, start_date=clock.today() + timedelta(days=10))
    admin = factory.center_admin(cohort.center)
    ids = [applications.submit({"fin": f"C{i:06d}", "birth_date": "1998-02-03", "first_name": "Ad",
                                "last_name": "Soyad", "gender": "F", "home_region": "BAKU", "phone": "0501234567",
                                "consent": True}, cohort_id=cohort.id).application.id for i in range(n)]
    db.session.commit()
    return cohort.id, admin.id, ids


def test_twelve_simultaneous_acceptances_into_five_seats(app, factory):
    cohort_id, admin_id, ids = _setup(factory, 12, 5)


    def accept(application_id):
        return lambda: applications.accept(Actor.for_user(db.session.get(User, admin_id)), application_id).status

    results = _race(app, [accept(i) for i in ids])
    assert results == [ApplicationStatus.ACCEPTED] * 12
    statuses = dict(db.session.execute(select(Enrollment.status, func.count()).where(
        Enrollment.cohort_id == cohort_id).group_by(Enrollment.status)).all())
    assert statuses == {EnrollmentStatus.ENROLLED: 5, EnrollmentStatus.WAITLISTED: 7}


def test_the_same_application_accepted_twice_at_once_enrolls_once(app, factory):
    cohort_id, admin_id, ids = _setup(factory, 1, 5)


    def accept():
        return applications.accept(Actor.for_user(db.session.get(User, admin_id)), ids[0]).status

    results = _race(app, [accept] * 4)
    assert sum(1 for r in results if r == ApplicationStatus.ACCEPTED) == 1
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort_id)) == 1
    assert db.session.scalar(select(func.count()).select_from(Trainee).where(Trainee.fin == "C000000")) == 1


def test_two_reviewers_bulk_accept_the_same_list_without_deadlock(app, factory):
    cohort_id, admin_id, ids = _setup(factory, 20, 8)


    def bulk(order):
        return lambda: [o.ok for o in applications.decide_many(Actor.for_user(db.session.get(User, admin_id)),
                                                                order, "accept")]

    results = _race(app, [bulk(ids), bulk(list(reversed(ids)))])
    assert sum(sum(r) for r in results) == 20     # each application accepted by exactly one of them
    assert db.session.scalar(select(func.count()).select_from(Application).where(
        Application.status == ApplicationStatus.ACCEPTED)) == 20
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.status == EnrollmentStatus.ENROLLED)) == 8
