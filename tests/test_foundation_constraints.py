"""The database itself refuses impossible data (not only Python): run on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from talent.extensions import db
from talent.learning.models import Enrollment


def _refused(change):
    """Apply ``change`` in a savepoint and assert the database refuses it."""
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            change()
            db.session.flush()


def test_fin_is_unique(factory):
    trainee = factory.trainee(fin="AB12CD3")
    _refused(lambda: factory.trainee(fin="AB12CD3"))
    assert trainee.id


def test_fin_length_checked(factory):
    _refused(lambda: factory.trainee(fin="SHORT"))


def test_trainee_once_per_cohort(factory):
    trainee, cohort = factory.trainee(), factory.cohort()
    factory.enrollment(trainee, cohort)
    _refused(lambda: factory.enrollment(trainee, cohort))


@pytest.mark.parametrize("field,value", [("capacity", 0), ("capacity", -3), ("status", "archived"),
                                         ("mode", "teleport")])
def test_cohort_checks(factory, field, value):
    _refused(lambda: factory.cohort(**{field: value}))


def test_cohort_end_not_before_start(factory):
    _refused(lambda: factory.cohort(start_date=date(2026, 5, 1), end_date=date(2026, 4, 30)))


def test_center_capacity_positive(factory):
    _refused(lambda: factory.center(capacity=0))


@pytest.mark.parametrize("field,value", [("final_score", 100.5), ("final_score", -1),
                                         ("attendance_pct", 101), ("attendance_pct", -0.5),
                                         ("status", "graduated")])
def test_enrollment_ranges(factory, field, value):
    _refused(lambda: factory.enrollment(**{field: value}))


def test_enrollment_edges_accepted(factory):
    e = factory.enrollment(final_score=100, attendance_pct=0)
    assert e.id


def test_gender_checked(factory):
    _refused(lambda: factory.trainee(gender="X"))


def test_foreign_keys_enforced(factory):
    trainee = factory.trainee()
    _refused(lambda: db.session.add(Enrollment(trainee_id=trainee.id, cohort_id=999_999, status="enrolled")))


def test_trainee_with_enrollments_cannot_be_deleted(factory):
    enrollment = factory.enrollment()
    trainee_id = enrollment.trainee_id
    db.session.commit()
    _refused(lambda: db.session.execute(text("DELETE FROM trainees WHERE id = :id"), {"id": trainee_id}))
