"""The center dashboard's count of jobs waiting for verification: the same jobs as the scoped
jobs list (recorded by the center, or of a trainee registered or enrolled there), the reported ones
read from their kept centers (``reported_job_centers``, issue 17)."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from talent.extensions import db
from talent.placement import queries
from talent.placement.models import Employer, Placement
from talent.permissions import Actor
from talent.placement.scoping import placement_visible_clause
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
    admin_a, admin_b = actor(factory.center_admin(a)), actor(factory.center_admin(b))
    db.session.commit()   # the kept centers of the reported jobs are written before the commit
    assert queries.pending_count(admin_a) == 4
    # enrolled_a, only_b and waiting_at_a are registered by B; recorded_by_a's job is A's record
    assert queries.pending_count(admin_b) == 4
    assert queries.pending_count(Actor.system()) == 6
    assert queries.pending_count(actor(factory.center_admin(factory.center(code="CC")))) == 0
    # The same rows as the jobs list filtered to pending, scoped by the live rule and by the kept rows.
    for who in (admin_a, admin_b):
        pending = (select(func.count(Placement.id)).join(queries.Trainee, queries.Trainee.id == Placement.trainee_id)
                   .where(Placement.verification == "pending"))
        assert db.session.scalar(pending.where(placement_visible_clause(who))) == queries.pending_count(who)
        assert db.session.scalar(queries._placement_scope(pending, who)) == queries.pending_count(who)
    # A verification moves the kept row: the count follows at the commit.
    job = db.session.scalar(select(Placement).where(Placement.trainee_id == registered_a.id,
                                                    Placement.verification == "pending"))
    job.verification = "verified"
    db.session.commit()
    assert queries.pending_count(admin_a) == 3
    # The trainee enrolls at B too: B's staff now see (and count) their reported pending job.
    factory.enrollment(registered_a, factory.cohort(center=b))
    job.verification = "pending"
    db.session.commit()
    assert queries.pending_count(admin_b) == 5 and queries.pending_count(admin_a) == 4
