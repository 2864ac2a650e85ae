"""The center dashboard's count of jobs waiting for verification: the same jobs as the scoped
jobs list (recorded by the center, or of a trainee registered or enrolled there), counted as a
UNION of ids instead of one OR (which made PostgreSQL hash every trainee at 1M)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from talent.extensions import db
from talent.placement import queries
from talent.placement.models import Employer, Placement
from talent.permissions import Actor
from tests.learning_helpers import actor


def _job(trainee, employer, *, center=None, verification="pending", source="self_reported"):
    db.session.add(Placement(trainee_id=trainee.id, employer_id=employer.id, job_title="Engineer",
                             employment_type="full_time", start_date=date(2026, 1, 10), source=source,
                             verification=verification, center_id=center.id if center else None))


def test_pending_count_follows_every_ownership_path_and_no_other(factory):
    a, b = factory.center(code="CA"), factory.center(code="CB", region="GANJA_DASHKASAN")
    employer = Employer(name="Baku Data", country_code="AZ", city="Bakı")
    db.session.add(employer)
    db.session.flush()
    registered_a = factory.trainee(registered_by_center_id=a.id)
    enrolled_a = factory.trainee(registered_by_center_id=b.id)
    factory.enrollment(enrolled_a, factory.cohort(center=a))
    recorded_by_a = factory.trainee(registered_by_center_id=b.id)
    only_b = factory.trainee(registered_by_center_id=b.id)
    # Waitlisted and withdrawn at A: the trainee is not A's, nor are their jobs (issue 13).
    waiting_at_a = factory.trainee(registered_by_center_id=b.id)
    factory.enrollment(waiting_at_a, factory.cohort(center=a), status="waitlisted", enrolled_at=None)
    factory.enrollment(waiting_at_a, factory.cohort(center=a), status="withdrawn")
    _job(registered_a, employer)
    _job(registered_a, employer, verification="verified")   # not pending
    _job(enrolled_a, employer)
    _job(enrolled_a, employer)                               # two pending jobs of one trainee: both count
    _job(recorded_by_a, employer, center=a, source="center")
    _job(only_b, employer)
    _job(waiting_at_a, employer)
    db.session.flush()
    admin_a, admin_b = actor(factory.center_admin(a)), actor(factory.center_admin(b))
    assert queries.pending_count(admin_a) == 4
    # enrolled_a, only_b and waiting_at_a are registered by B; recorded_by_a's job is A's record
    assert queries.pending_count(admin_b) == 4
    assert queries.pending_count(Actor.system()) == 6
    assert queries.pending_count(actor(factory.center_admin(factory.center(code="CC")))) == 0
    # The same rows as the scoped jobs list filtered to pending.
    for who in (admin_a, admin_b):
        listed = queries._placement_scope(
            select(func.count(Placement.id)).join(queries.Trainee, queries.Trainee.id == Placement.trainee_id)
            .where(Placement.verification == "pending"), who)
        assert db.session.scalar(listed) == queries.pending_count(who)
