"""The follow-up queue and the dashboard's "follow-ups due" on a small hand-made dataset (issue 17: read
from the kept follow-ups still to make, tests/test_followup_queue_kept.py). Every rule of the definition has a
trainee that it lets in or keeps out; the expected rows are written out by hand."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from talent import clock
from talent.extensions import db
from talent.permissions import Actor
from talent.placement import queries as pq
from talent.placement.models import FollowUp, PlacementStatus
from tests.admin_helpers import completer


@pytest.fixture
def queue(app, factory):
    """Centers A and B (one administrator for both) and C (another's). Cohorts ended 200 days ago
    (both milestones due), 120 days ago (3 months only) and 30 days ago (none)."""
    a, b, c = factory.center(), factory.center(), factory.center()
    today = clock.today()

    def ended(center, days):
        end = today - timedelta(days=days)
        return factory.cohort(center=center, start_date=end - timedelta(days=60), end_date=end, status="completed")

    a200, a120, a30, b200, c200 = ended(a, 200), ended(a, 120), ended(a, 30), ended(b, 200), ended(c, 200)
    t = {}
    t["both"], e_both = completer(factory, a, cohort=a200, last_name="Abbasov")
    t["three"], e_three = completer(factory, a, cohort=a120, last_name="Babayev")
    t["recent"], _ = completer(factory, a, cohort=a30, last_name="Cəfərov")
    t["no_consent"], _ = completer(factory, a, cohort=a200, last_name="Dadaşov", followup_consent=False)
    t["outcome3"], e_outcome3 = completer(factory, a, cohort=a200, last_name="Əliyev")
    db.session.add(FollowUp(enrollment_id=e_outcome3.id, milestone_months=3, outcome="looking"))
    t["employed"], _ = completer(factory, a, cohort=a200, last_name="Fərəcov")
    factory.placement(trainee=t["employed"], center_id=a.id)
    t["old_job"], e_old_job = completer(factory, a, cohort=a200, last_name="Qasımov")
    factory.placement(trainee=t["old_job"], center_id=a.id, start_date=a200.start_date - timedelta(days=400),
                      end_date=a200.end_date - timedelta(days=1))          # ended before the cohort did
    t["rejected"], e_rejected = completer(factory, a, cohort=a200, last_name="Həsənov")
    factory.placement(trainee=t["rejected"], center_id=a.id, verification=PlacementStatus.REJECTED)
    t["c_job"], e_c_job = completer(factory, a, cohort=a200, last_name="İsmayılov")
    factory.placement(trainee=t["c_job"], center_id=c.id)                  # recorded by center C
    t["failed"], e_failed = completer(factory, a, cohort=a200, last_name="Kərimov")
    e_failed.status = "failed"
    t["b_by_a"], _ = completer(factory, b, cohort=b200, last_name="Məmmədov")
    factory.placement(trainee=t["b_by_a"], center_id=a.id)                 # recorded by A, the actor's other center
    t["reported"], _ = completer(factory, b, cohort=b200, last_name="Nağıyev")
    factory.placement(trainee=t["reported"], center_id=None, source="self_reported", verification=PlacementStatus.PENDING)
    t["at_c"], e_at_c = completer(factory, c, cohort=c200, last_name="Orucov")
    admin_ab = factory.center_admin(a, b)
    db.session.commit()
    return {"a": a, "b": b, "c": c, "t": t, "admin_ab": admin_ab, "today": today,
            "e": {"both": e_both, "three": e_three, "outcome3": e_outcome3, "old_job": e_old_job,
                  "rejected": e_rejected, "c_job": e_c_job, "at_c": e_at_c}}


def _rows(page):
    return [(row.enrollment_id, row.milestone) for row in page.items]


def test_queue_rows_and_counts_follow_the_definition(app, queue):
    e, a, c = queue["e"], queue["a"], queue["c"]
    with app.test_request_context("/"):
        mine = Actor.for_user(queue["admin_ab"])
        page = pq.followups_due(mine, pq.FollowUpFilters(), per_page=50, today=queue["today"])
        counts = pq.followups_due_count(mine, today=queue["today"])
        system = Actor.system()
        everyone = pq.followups_due(system, pq.FollowUpFilters(), per_page=50, today=queue["today"])
        everyone_counts = pq.followups_due_count(system, today=queue["today"])
    # Sorted by cohort end, milestone, name (Azerbaijani order): the 200-day cohort's 3-month rows by name, then its
    # 6-month rows, then the 120-day cohort's 3-month row.
    names = ["both", "outcome3", "rejected", "c_job", "old_job"]   # Azerbaijani order: H, İ, then Q
    expected = ([(e[n].id, 3) for n in names if n != "outcome3"] + [(e[n].id, 6) for n in names]
                + [(e["three"].id, 3)])
    assert _rows(page) == expected
    assert page.total == 10 and counts == {a.id: 10}
    # An administrator sees every center's jobs: the job center C recorded counts, and C's completer is due.
    assert (e["c_job"].id, 3) not in _rows(everyone) and (e["at_c"].id, 6) in _rows(everyone)
    assert everyone.total == 10 and everyone_counts == {a.id: 8, c.id: 2}


def test_queue_filters_sorts_and_pages(app, queue):
    e, b = queue["e"], queue["b"]
    with app.test_request_context("/"):
        mine = Actor.for_user(queue["admin_ab"])
        six = pq.followups_due(mine, pq.FollowUpFilters(milestone=6, sort="name"), per_page=2, page=2,
                               today=queue["today"])
        past_end = pq.followups_due(mine, pq.FollowUpFilters(), per_page=25, page=9, today=queue["today"])
        at_b = pq.followups_due(mine, pq.FollowUpFilters(center_id=b.id), today=queue["today"])
    # 6 months by name: Abbasov, Əliyev | Həsənov, İsmayılov | Qasımov (Azerbaijani order: Q after İ).
    assert _rows(six) == [(e["rejected"].id, 6), (e["c_job"].id, 6)] and six.total == 5 and six.pages == 3
    assert past_end.items == [] and past_end.total == 10
    assert at_b.items == [] and at_b.total == 0


def test_queue_page_and_total_are_two_statements(app, queue):
    statements = []

    def grab(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    with app.test_request_context("/"):
        mine = Actor.for_user(queue["admin_ab"])
        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            page = pq.followups_due(mine, pq.FollowUpFilters(), today=queue["today"])
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
    assert page.total == 10 and len(page.items) == 10
    assert len(statements) == 2   # the page (joined to its trainees), then the count: both on the kept rows
    assert all("follow_ups_open" in s and "enrollments" not in s for s in statements)


def test_recording_an_outcome_or_a_job_takes_the_row_off_at_once(app, queue, factory):
    e, a, t = queue["e"], queue["a"], queue["t"]
    db.session.add(FollowUp(enrollment_id=e["both"].id, milestone_months=6, outcome="studying"))
    factory.placement(trainee=t["rejected"], center_id=None, source="self_reported", verification=PlacementStatus.PENDING)
    db.session.commit()
    with app.test_request_context("/"):
        mine = Actor.for_user(queue["admin_ab"])
        page = pq.followups_due(mine, pq.FollowUpFilters(), per_page=50, today=queue["today"])
        counts = pq.followups_due_count(mine, today=queue["today"])
    assert (e["both"].id, 6) not in _rows(page) and (e["both"].id, 3) in _rows(page)
    assert not any(enrollment_id == e["rejected"].id for enrollment_id, _ in _rows(page))
    assert page.total == 7 and counts == {a.id: 7}
