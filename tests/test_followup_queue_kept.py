"""The follow-ups still to make, kept as rows (``follow_ups_open``, talent/placement/followup_queue.py;
issue 17: the center dashboard and the follow-up queue read them instead of every completer).

Proof in the style of the report summary: after every kind of write that can move a row, the kept rows
equal their rule (``differences``) and the queue and the dashboard's counts read from them equal the
same computed from the live tables (``live=True``, the definition) for every kind of reader; a tampered
row shows in the queue (so it is read) and in ``talent followups check-queue``; a rollback takes the
rows back; the migration's backfill equals the rule; two transactions recounting one trainee at once
both count (PostgreSQL)."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import delete, select, text, update

from talent import clock
from talent.extensions import db
from talent.learning.models import Cohort
from talent.permissions import Actor
from talent.placement import followup_queue
from talent.placement import queries as pq
from talent.placement.models import FollowUp, FollowUpOpen, Placement, PlacementStatus, ReportedJobCenter
from talent.placement.scoping import placement_visible_clause
from talent.learning.services import withdraw
from talent.placement.services import record_followup
from tests.admin_helpers import completer
from tests.test_followup_queue import queue  # noqa: F401  (the hand-made dataset)

SORTS = ("due", "name", "cohort")


@pytest.fixture
def readers(queue, factory):
    """Every kind of reader: the administrator of A and B, of each center alone, the system."""
    a, b, c = queue["a"], queue["b"], queue["c"]
    users = {"admin of A": factory.center_admin(a), "admin of B": factory.center_admin(b),
             "admin of C": factory.center_admin(c)}
    db.session.commit()
    actors = {name: Actor.for_user(user) for name, user in users.items()}
    return {"admin of A and B": Actor.for_user(queue["admin_ab"]), "system": Actor.system(), **actors}


def _page_rows(page):
    return [(r.enrollment_id, r.milestone, r.cohort_end, r.cohort_code, r.center_id, r.trainee_id, r.last_name,
             r.first_name, r.search_name, r.phone, r.email) for r in page.items]


def assert_kept(app, queue, readers, today=None):
    """The kept rows equal their rule, and every reader's queue and counts equal the live definition's
    (two readers also in every other sort and for each milestone)."""
    found = followup_queue.differences(db.session)
    assert found.ok, (found.missing, found.extra)
    reported = followup_queue.reported_differences(db.session)
    assert reported.ok, (reported.missing, reported.extra)
    today = today or queue["today"]
    with app.test_request_context("/"):
        for name, actor in readers.items():
            views = [("due", None)]
            if name in ("admin of A and B", "system"):
                views += [("name", None), ("cohort", None), ("due", 3), ("name", 6)]
            for sort, milestone in views:
                filters = pq.FollowUpFilters(sort=sort, milestone=milestone)
                kept = pq.followups_due(actor, filters, per_page=100, today=today)
                live = pq.followups_due(actor, filters, per_page=100, today=today, live=True)
                assert _page_rows(kept) == _page_rows(live), (name, sort, milestone)
                assert kept.total == live.total
            assert (pq.followups_due_count(actor, today=today)
                    == pq.followups_due_count(actor, today=today, live=True)), name
            # The jobs list and its count of jobs to verify, read through the kept centers of the
            # reported jobs, against the live rule.
            visible = placement_visible_clause(actor)
            jobs = select(db.func.count(Placement.id))
            jobs = jobs if visible is None else jobs.where(visible)
            assert pq.placements_count(actor, pq.PlacementFilters()) == db.session.scalar(jobs), name
            assert pq.pending_count(actor) == db.session.scalar(
                jobs.where(Placement.verification == PlacementStatus.PENDING)), name


def _due_ids(app, actor, today):
    with app.test_request_context("/"):
        return {(r.enrollment_id, r.milestone)
                for r in pq.followups_due(actor, pq.FollowUpFilters(), per_page=100, today=today).items}


def test_every_write_that_moves_a_row_keeps_the_rows_equal_to_the_rule(app, queue, readers, factory):
    e, t, a, b, c = queue["e"], queue["t"], queue["a"], queue["b"], queue["c"]
    assert_kept(app, queue, readers)
    assert db.session.scalar(select(db.func.count()).select_from(FollowUpOpen)) > 0

    # An outcome recorded (through the service, as a center does), then removed.
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        record_followup(Actor.for_user(queue["admin_ab"]), e["both"].id, 6, "studying", None)
    db.session.commit()
    assert (e["both"].id, 6) not in _due_ids(app, Actor.system(), queue["today"])
    assert_kept(app, queue, readers)
    db.session.execute(delete(FollowUp).where(FollowUp.enrollment_id == e["both"].id, FollowUp.milestone_months == 6))
    followup_queue.recount(db.session, [t["both"].id])   # a Core delete: the writer recounts
    db.session.commit()
    assert_kept(app, queue, readers)
    outcome = db.session.scalar(select(FollowUp).where(FollowUp.enrollment_id == e["outcome3"].id))
    db.session.delete(outcome)   # through the ORM: noted by itself
    db.session.commit()
    assert_kept(app, queue, readers)

    # Jobs: recorded by the cohort's center, rejected, ended before the cohort did, deleted.
    job = factory.placement(trainee=t["three"], center_id=a.id)
    db.session.commit()
    assert_kept(app, queue, readers)
    job.verification = PlacementStatus.REJECTED
    db.session.commit()
    assert_kept(app, queue, readers)
    job.verification = PlacementStatus.VERIFIED
    job.end_date = queue["today"] - timedelta(days=400)
    job.start_date = queue["today"] - timedelta(days=800)
    db.session.commit()
    assert_kept(app, queue, readers)
    db.session.delete(job)
    db.session.commit()
    assert_kept(app, queue, readers)
    # A job another center recorded (kept as job_elsewhere), moved to the cohort's center, then reported
    # by the trainee instead, then recorded by a center since deleted (no center).
    other = db.session.scalar(select(Placement).where(Placement.trainee_id == t["c_job"].id))
    other.center_id = a.id
    db.session.commit()
    assert_kept(app, queue, readers)
    other.center_id = c.id
    other.source = "self_reported"
    db.session.commit()
    assert_kept(app, queue, readers)
    other.source = "center"
    other.center_id = None
    db.session.commit()
    assert_kept(app, queue, readers)

    # The trainee: consent withdrawn and given again, a new name (the sort by name).
    t["both"].followup_consent = False
    db.session.commit()
    assert_kept(app, queue, readers)
    t["both"].followup_consent = True
    t["three"].last_name = "Ağayev"
    db.session.commit()
    assert_kept(app, queue, readers)

    # The cohort: a new end date (the milestone moves), a new code (the sort by cohort), another center.
    cohort = db.session.get(Cohort, e["both"].cohort_id)
    cohort.end_date = queue["today"] - timedelta(days=100)
    db.session.commit()
    assert_kept(app, queue, readers)
    cohort.code = "ZZ-LAST"
    db.session.commit()
    assert_kept(app, queue, readers)
    cohort.center_id = b.id
    db.session.commit()
    assert_kept(app, queue, readers)

    # The enrollment: completed -> failed (a correction) and back; a new completer.
    e["three"].status = "failed"
    db.session.commit()
    assert_kept(app, queue, readers)
    e["three"].status = "completed"
    db.session.commit()
    assert_kept(app, queue, readers)
    completer(factory, c, ended_days_ago=300, last_name="Zeynalov")
    db.session.commit()
    assert_kept(app, queue, readers)

    # The membership: the trainee who reported a job enrolls at C (C's staff now see the report), then
    # withdraws (they no longer do).
    later = factory.cohort(center=c, start_date=queue["today"] + timedelta(days=10))
    enrolled = factory.enrollment(trainee=t["reported"], cohort=later)
    db.session.commit()
    assert db.session.scalar(select(db.func.count()).select_from(ReportedJobCenter).where(
        ReportedJobCenter.trainee_id == t["reported"].id, ReportedJobCenter.center_id == c.id)) == 1
    assert_kept(app, queue, readers)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        withdraw(Actor.system(), enrolled.id, reason="Moved away")
    db.session.commit()
    assert_kept(app, queue, readers)


def test_the_queue_reads_the_kept_rows_and_the_check_names_a_wrong_one(app, queue):
    runner = app.test_cli_runner()
    e = queue["e"]
    # A row made to look like a job was recorded: gone from the queue and from the counts.
    db.session.execute(delete(FollowUpOpen).where(FollowUpOpen.enrollment_id == e["three"].id))
    db.session.commit()
    system = Actor.system()
    assert (e["three"].id, 3) not in _due_ids(app, system, queue["today"])
    with app.test_request_context("/"):
        assert (pq.followups_due_count(system, today=queue["today"])
                != pq.followups_due_count(system, today=queue["today"], live=True))
    found = followup_queue.differences(db.session)
    assert [row[:2] for row in found.missing] == [(e["three"].id, 3), (e["three"].id, 6)] and not found.extra
    result = runner.invoke(args=["followups", "check-queue"])
    assert result.exit_code == 1 and f"missing: enrollment {e['three'].id}, 3 months" in result.output
    result = runner.invoke(args=["followups", "rebuild-queue"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert followup_queue.differences(db.session).ok
    result = runner.invoke(args=["followups", "check-queue"])
    assert result.exit_code == 0 and "equal their rules" in result.output
    assert (e["three"].id, 3) in _due_ids(app, system, queue["today"])


def test_a_rollback_takes_the_rows_back(app, queue, factory):
    t = queue["t"]
    before = db.session.execute(select(FollowUpOpen.enrollment_id, FollowUpOpen.milestone_months)
                                .order_by(FollowUpOpen.enrollment_id, FollowUpOpen.milestone_months)).all()
    factory.placement(trainee=t["both"], center_id=queue["a"].id)
    followup_queue.sync(db.session)   # the recount, as the commit would run it
    assert db.session.scalar(select(db.func.count()).select_from(FollowUpOpen)
                             .where(FollowUpOpen.trainee_id == t["both"].id)) == 0
    db.session.rollback()
    after = db.session.execute(select(FollowUpOpen.enrollment_id, FollowUpOpen.milestone_months)
                               .order_by(FollowUpOpen.enrollment_id, FollowUpOpen.milestone_months)).all()
    assert after == before and followup_queue.differences(db.session).ok


def test_the_migration_fills_the_table_by_the_same_rule(app, queue):
    from importlib import import_module
    migration = import_module("migrations.versions.0035_followups_open")
    wanted = db.session.execute(select(FollowUpOpen).order_by(FollowUpOpen.enrollment_id,
                                                              FollowUpOpen.milestone_months)).scalars().all()
    wanted = [tuple(getattr(r, c) for c in followup_queue.COLUMNS) for r in wanted]
    db.session.execute(delete(FollowUpOpen))
    db.session.execute(text(migration.BACKFILL))
    got = db.session.execute(select(*(getattr(FollowUpOpen, c) for c in followup_queue.COLUMNS))
                             .order_by(FollowUpOpen.enrollment_id, FollowUpOpen.milestone_months)).all()
    assert [tuple(r) for r in got] == wanted and len(wanted) >= 10
    assert followup_queue.differences(db.session).ok
    reported = db.session.execute(select(*(getattr(ReportedJobCenter, c) for c in followup_queue.REPORTED_COLUMNS))
                                  .order_by(ReportedJobCenter.placement_id, ReportedJobCenter.center_id)).all()
    db.session.execute(delete(ReportedJobCenter))
    db.session.execute(text(migration.REPORTED_BACKFILL))
    again = db.session.execute(select(*(getattr(ReportedJobCenter, c) for c in followup_queue.REPORTED_COLUMNS))
                               .order_by(ReportedJobCenter.placement_id, ReportedJobCenter.center_id)).all()
    assert again == reported and len(reported) >= 1 and followup_queue.reported_differences(db.session).ok


def test_a_milestone_comes_with_the_day_not_with_a_write(app, queue, readers):
    """Rows hold the cohort's end, not "due": the 30-day cohort's completer becomes due at 3 months on
    the day its milestone comes, with nothing written in between."""
    recent = db.session.execute(select(FollowUpOpen.enrollment_id, FollowUpOpen.cohort_end).where(
        FollowUpOpen.trainee_id == queue["t"]["recent"].id, FollowUpOpen.milestone_months == 3)).one()
    due_day = next(recent.cohort_end + timedelta(days=n) for n in range(80, 100)
                   if pq.milestone_cutoff(recent.cohort_end + timedelta(days=n), 3) >= recent.cohort_end)
    system = Actor.system()
    assert (recent.enrollment_id, 3) not in _due_ids(app, system, due_day - timedelta(days=1))
    assert (recent.enrollment_id, 3) in _due_ids(app, system, due_day)
    assert_kept(app, queue, readers, today=due_day)


@pytest.mark.committed
def test_two_transactions_recounting_one_trainee_both_count(app, factory, monkeypatch):
    """PostgreSQL: two writers move one trainee's rows at once — an outcome recorded in one, a job in the
    other. The first stops inside its recount, after writing its rows and before its commit; the
    second then commits. It must wait for the first's lock and recount what the first committed: had it
    gone ahead, its recount would not see the first's new row and the row would stay although the
    trainee holds a job."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("locks: PostgreSQL only (SQLite writes one transaction at a time)")
    center = factory.center()
    trainee, enrollment = completer(factory, center, ended_days_ago=250, last_name="Rəhimov")
    employer_id = factory.employer().id
    db.session.commit()
    trainee_id, enrollment_id = trainee.id, enrollment.id
    first_paused, second_done = threading.Event(), threading.Event()
    errors = []
    original = followup_queue.recount

    def recount(session, *args):
        original(session, *args)
        if threading.current_thread().name == "outcome":
            first_paused.set()
            second_done.wait(timeout=3)   # with the lock the second waits for us: go on after a while

    monkeypatch.setattr(followup_queue, "recount", recount)

    def outcome():
        with app.app_context():
            try:
                db.session.add(FollowUp(enrollment_id=enrollment_id, milestone_months=3, outcome="looking"))
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                db.session.remove()

    def job():
        first_paused.wait(timeout=10)
        with app.app_context():
            try:
                db.session.add(Placement(trainee_id=trainee_id, employer_id=employer_id, job_title="Analyst",
                                         employment_type="full_time", source="self_reported",
                                         verification=PlacementStatus.PENDING,
                                         start_date=clock.today() - timedelta(days=10)))
                db.session.commit()
            except Exception as exc:  # pragma: no cover - reported below
                errors.append(exc)
            finally:
                second_done.set()
                db.session.remove()

    threads = [threading.Thread(target=outcome, name="outcome"), threading.Thread(target=job, name="job")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    db.session.expire_all()
    assert db.session.scalar(select(db.func.count()).select_from(FollowUp)
                             .where(FollowUp.enrollment_id == enrollment_id)) == 1
    # The job the trainee reported is seen by their center: no follow-up is left to make.
    assert db.session.scalar(select(db.func.count()).select_from(FollowUpOpen)
                             .where(FollowUpOpen.trainee_id == trainee_id)) == 0
    assert followup_queue.differences(db.session).ok


def test_a_membership_written_past_the_orm_moves_the_reported_job_centers(app, queue, factory):
    """The import enrolls known trainees by Core statements and adds their membership rows the same way
    (``talent.learning.membership.add``): the centers that see their reported jobs follow at the commit,
    noted by the membership itself (no ORM event sees those writes)."""
    from sqlalchemy import insert
    from talent.learning import membership as learning_membership
    from talent.learning.models import Enrollment
    t, c = queue["t"], queue["c"]
    cohort = factory.cohort(center=c, start_date=queue["today"] + timedelta(days=10))
    db.session.commit()
    db.session.execute(insert(Enrollment).values(trainee_id=t["reported"].id, cohort_id=cohort.id, status="enrolled",
                                                 enrolled_at=clock.now()))
    learning_membership.add([t["reported"].id])
    db.session.commit()
    seen_by = set(db.session.scalars(select(ReportedJobCenter.center_id).where(
        ReportedJobCenter.trainee_id == t["reported"].id)))
    assert c.id in seen_by and queue["b"].id in seen_by
    assert followup_queue.reported_differences(db.session).ok
    with app.test_request_context("/"):
        admin_c = Actor(user_id=None, label="c", role="center_admin", center_ids=frozenset({c.id}),
                        permissions=Actor.system().permissions)
        assert pq.pending_count(admin_c) == 1


def test_every_page_of_every_order_is_the_live_queues_page(app, queue, readers, factory):
    """A page in the default order reads only the first rows of each kept range (one per center and
    milestone): every page, at a page size that splits cohorts, milestones and centers across pages,
    equals the same page of the live queue, for every reader, with and without a center or milestone
    filter. More completers with shared end days and names make the ranges interleave: the first
    rows of a range alone, or a range read in the wrong order, give another page."""
    a, b = queue["a"], queue["b"]
    today = queue["today"]
    for center, days, names in ((a, 200, ("Zeynalov", "Abbasov", "Şükürov")), (b, 200, ("Abbasov", "Çələbi")),
                                (b, 120, ("Babayev", "Ağayev")), (a, 250, ("Ömərov",))):
        end = today - timedelta(days=days)
        cohort = factory.cohort(center=center, start_date=end - timedelta(days=60), end_date=end, status="completed")
        for name in names:
            completer(factory, center, cohort=cohort, last_name=name)
    db.session.commit()
    with app.test_request_context("/"):
        for name, actor in readers.items():
            views = [pq.FollowUpFilters(sort=sort) for sort in SORTS] + [
                pq.FollowUpFilters(milestone=6), pq.FollowUpFilters(center_id=b.id)]
            for filters in views:
                whole = pq.followups_due(actor, filters, per_page=500, today=today, live=True)
                for per_page in (2, 3):
                    pages = (whole.total + per_page - 1) // per_page
                    for number in range(1, pages + 2):   # and one past the end: empty
                        kept = pq.followups_due(actor, filters, page=number, per_page=per_page, today=today)
                        start = (number - 1) * per_page
                        assert _page_rows(kept) == _page_rows(whole)[start:start + per_page], \
                            (name, filters, per_page, number)
                        assert kept.total == whole.total
