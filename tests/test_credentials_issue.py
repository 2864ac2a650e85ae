"""Issuing awards: the qualifying rule, idempotence, serials, expiry, revoke and renew."""
from __future__ import annotations

import re
import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.credentials import services
from talent.credentials.models import Award, SerialCounter
from talent.errors import Conflict, InvalidTransition, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.learning.models import Enrollment
from talent.permissions import Actor
from tests.conftest import is_postgres
from tests.credentials_helpers import completed
from talent import clock

SYSTEM = Actor.system()


def test_issue_award_for_qualifying_enrollment(factory):
    enrollment = completed(factory, score=60, attendance=80, validity_months=24)
    award = services.issue_award(SYSTEM, enrollment)
    assert award is not None
    year = clock.today().year
    assert re.fullmatch(rf"AZAI-{year}-\d{{6}}", award.serial)
    assert award.serial.endswith("000001")
    assert len(award.verification_code) == 20
    assert re.fullmatch(r"[A-Za-z0-9_-]{20}", award.verification_code)
    assert award.issued_on == clock.today()
    assert award.expires_on == clock.add_months(clock.today(), 24)
    assert award.trainee_id == enrollment.trainee_id
    assert award.center_id == enrollment.cohort.center_id
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.issue"))
    assert event.trainee_id == enrollment.trainee_id and event.entity_id == str(award.id)


@pytest.mark.parametrize("score,attendance,status", [
    (59, 100, "completed"),     # below pass mark
    (100, 79, "completed"),     # below minimum attendance
    (None, 100, "completed"),
    (100, None, "completed"),
    (100, 100, "failed"),
    (100, 100, "enrolled"),
])
def test_non_qualifying_enrollments_get_nothing(factory, score, attendance, status):
    enrollment = completed(factory, score=score, attendance=attendance)
    enrollment.status = status
    assert services.issue_award(SYSTEM, enrollment) is None
    assert db.session.scalar(select(func.count(Award.id))) == 0


def test_no_expiry_without_validity(factory):
    award = services.issue_award(SYSTEM, completed(factory, validity_months=None))
    assert award.expires_on is None


def test_issue_is_idempotent(factory):
    enrollment = completed(factory)
    first = services.issue_award(SYSTEM, enrollment)
    again = services.issue_award(SYSTEM, enrollment)
    assert again.id == first.id
    assert db.session.scalar(select(func.count(Award.id))) == 1
    assert services.issue_for_cohort(SYSTEM, enrollment.cohort)[0].id == first.id
    assert db.session.scalar(select(func.count(Award.id))) == 1


def test_issue_for_cohort_only_qualifying_serials_consecutive(factory):
    first = completed(factory, score=90)
    cohort = first.cohort
    completed(factory, cohort, score=10)
    completed(factory, cohort, score=70, attendance=85)
    factory.enrollment(cohort=cohort, status="withdrawn")
    awards = services.issue_for_cohort(SYSTEM, cohort)
    assert len(awards) == 2
    numbers = sorted(int(a.serial[-6:]) for a in awards)
    assert numbers == [1, 2]
    assert db.session.get(SerialCounter, clock.today().year).last_number == 2


def test_center_admin_scope(factory):
    enrollment = completed(factory)
    other_admin = factory.center_admin()
    own_admin = factory.center_admin(enrollment.cohort.center)
    with pytest.raises(NotFound):
        services.issue_for_cohort(Actor.for_user(other_admin), enrollment.cohort)
    ministry = factory.user("ministry")
    with pytest.raises(PermissionDenied):
        services.issue_award(Actor.for_user(ministry), enrollment)
    assert services.issue_for_cohort(Actor.for_user(own_admin), enrollment.cohort)


def test_revoke_requires_reason_and_is_audited(factory):
    enrollment = completed(factory)
    award = services.issue_award(SYSTEM, enrollment)
    with pytest.raises(ValidationError):
        services.revoke_award(SYSTEM, award, "   ")
    with pytest.raises(ValidationError):
        services.revoke_award(SYSTEM, award, "x" * 501)
    assert award.revoked_at is None
    services.revoke_award(SYSTEM, award, "Exam fraud")
    assert award.revoked_reason == "Exam fraud"
    assert award.status_on(clock.today()) == "revoked"
    with pytest.raises(InvalidTransition):
        services.revoke_award(SYSTEM, award, "again")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "award.revoke")) is not None
    # Re-issuing does not create a new award for a revoked one.
    assert services.issue_award(SYSTEM, enrollment).id == award.id


def test_renew_links_and_refuses_twice(factory):
    award = services.issue_award(SYSTEM, completed(factory))
    renewed = services.renew_award(SYSTEM, award)
    assert renewed.renewal_of_id == award.id
    assert renewed.serial != award.serial and renewed.verification_code != award.verification_code
    assert renewed.enrollment_id == award.enrollment_id
    with pytest.raises(Conflict):
        services.renew_award(SYSTEM, award)
    revoked = services.issue_award(SYSTEM, completed(factory))
    services.revoke_award(SYSTEM, revoked, "wrong")
    with pytest.raises(InvalidTransition):
        services.renew_award(SYSTEM, revoked)


def test_add_months_clamps_day():
    assert clock.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert clock.add_months(date(2024, 11, 30), 3) == date(2025, 2, 28)
    assert clock.add_months(date(2024, 5, 17), 36) == date(2027, 5, 17)


@pytest.mark.committed
def test_concurrent_issuing_has_no_gaps_or_duplicates(app, factory):
    if not is_postgres(app):
        pytest.skip("row locks are exercised on PostgreSQL")
    cohort = completed(factory).cohort
    enrollment_ids = [completed(factory, cohort).id for _ in range(11)]
    enrollment_ids.append(cohort.id and db.session.scalar(
        select(func.min(Enrollment.id)).where(Enrollment.cohort_id == cohort.id)))
    db.session.commit()

    errors = []
    barrier = threading.Barrier(len(enrollment_ids))

    def work(enrollment_id):
        with app.app_context():
            try:
                from talent.learning.models import Enrollment
                e = db.session.get(Enrollment, enrollment_id)
                barrier.wait(timeout=10)
                services.issue_award(SYSTEM, e)
                # Two issuers of the same enrollment must not duplicate it either.
                services.issue_award(SYSTEM, e)
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work, args=(eid,)) for eid in enrollment_ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    serials = sorted(db.session.scalars(select(Award.serial)))
    assert len(serials) == len(set(serials)) == 12
    assert [int(s[-6:]) for s in serials] == list(range(1, 13))


@pytest.mark.committed
def test_concurrent_issuing_of_one_enrollment_gives_one_award(app, factory):
    if not is_postgres(app):
        pytest.skip("row locks are exercised on PostgreSQL")
    enrollment_id = completed(factory).id
    db.session.commit()
    results, errors = [], []
    barrier = threading.Barrier(6)

    def work():
        with app.app_context():
            try:
                e = db.session.get(Enrollment, enrollment_id)
                barrier.wait(timeout=10)
                results.append(services.issue_award(SYSTEM, e).serial)
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(repr(error))
                db.session.rollback()
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(set(results)) == 1 and len(results) == 6
    assert db.session.scalar(select(func.count(Award.id))) == 1
    assert db.session.get(SerialCounter, clock.today().year).last_number == 1
