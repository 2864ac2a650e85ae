"""Issue 17: the trainee–center membership (``trainee_centers``) that center pages and permission
checks read instead of "registered by this center OR holds an enrollment of theirs".

Every write path that creates or ends the relationship keeps the table equal to the rule computed
from the live tables (``talent.learning.membership.differences``, the check of
``talent people check-membership``): registration, enrollment (by id and by FIN), the waiting list
and its promotion, withdrawal, a cohort's cancellation and completion, moving an enrollment to
another center's cohort, the import, the demo loader, and the migration's backfill.
"""
from __future__ import annotations

import importlib.util
import pathlib
import threading
from datetime import date

import pytest
from sqlalchemy import delete, func, select, text, update

from talent.demo import build_demo
from talent.extensions import db
from talent.imports import services as imports
from talent.learning import membership as rule
from talent.learning import services as learning
from talent.learning.models import Enrollment, EnrollmentStatus
from talent.people import services as people
from talent.people.models import MembershipVia, Trainee, TraineeCenter
from talent.permissions import Actor, may_see_trainee, trainee_center_ids
from tests.conftest import PG_URL
from tests.learning_helpers import actor, request_ctx, trainee_data  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_ctx")

BIRTH = date(1999, 4, 12)


def rows(trainee_id: int | None = None) -> set[tuple[int, int, str]]:
    stmt = select(TraineeCenter.trainee_id, TraineeCenter.center_id, TraineeCenter.via)
    if trainee_id is not None:
        stmt = stmt.where(TraineeCenter.trainee_id == trainee_id)
    return {tuple(r) for r in db.session.execute(stmt)}


def assert_equals_rule() -> None:
    db.session.flush()
    found = rule.differences()
    assert found.ok, (found.missing, found.extra)


@pytest.fixture
def two_centers(factory):
    baku, ganja = factory.center(code="BAKU-01"), factory.center(code="GANJA-01")
    return {"baku": baku, "ganja": ganja, "baku_admin": actor(factory.center_admin(baku)),
            "ganja_admin": actor(factory.center_admin(ganja))}


def test_registration_makes_the_registering_center_a_member(two_centers):
    t = people.create_trainee(two_centers["baku_admin"], trainee_data())
    assert rows(t.id) == {(t.id, two_centers["baku"].id, MembershipVia.REGISTERED)}
    assert trainee_center_ids(t.id) == {two_centers["baku"].id}
    assert_equals_rule()


def test_registration_by_an_administrator_without_a_center_makes_no_member(factory):
    t = people.create_trainee(actor(factory.user("admin")), trainee_data())
    assert rows(t.id) == set()
    assert_equals_rule()


def test_enrollment_by_fin_adds_the_cohorts_center_and_withdrawal_ends_it(factory, two_centers):
    baku, ganja = two_centers["baku"], two_centers["ganja"]
    t = people.create_trainee(two_centers["baku_admin"], trainee_data())
    cohort = factory.cohort(center=ganja, status="open", capacity=5)
    ganja_admin = two_centers["ganja_admin"]
    assert not may_see_trainee(ganja_admin, t.id)
    e = learning.enroll_by_fin(ganja_admin, cohort.id, t.fin, BIRTH)
    assert rows(t.id) == {(t.id, baku.id, MembershipVia.REGISTERED), (t.id, ganja.id, MembershipVia.ENROLLED)}
    assert may_see_trainee(ganja_admin, t.id)
    assert_equals_rule()
    learning.withdraw(ganja_admin, e.id, "moved away")
    assert rows(t.id) == {(t.id, baku.id, MembershipVia.REGISTERED)}   # access through the seat ended
    assert not may_see_trainee(ganja_admin, t.id)
    assert_equals_rule()
    learning.enroll_by_fin(ganja_admin, cohort.id, t.fin, BIRTH)   # a withdrawn trainee may enroll again
    assert (t.id, ganja.id, MembershipVia.ENROLLED) in rows(t.id)
    assert_equals_rule()


def test_enrolling_at_the_registering_center_keeps_one_registered_row(factory, two_centers):
    baku = two_centers["baku"]
    t = people.create_trainee(two_centers["baku_admin"], trainee_data())
    e = learning.enroll(two_centers["baku_admin"], factory.cohort(center=baku, status="open").id, t.id)
    assert rows(t.id) == {(t.id, baku.id, MembershipVia.REGISTERED)}
    learning.withdraw(two_centers["baku_admin"], e.id, "changed plans")
    assert rows(t.id) == {(t.id, baku.id, MembershipVia.REGISTERED)}   # registration stays
    assert_equals_rule()


def test_the_waiting_list_gives_nothing_until_promotion(factory, two_centers):
    ganja, ganja_admin = two_centers["ganja"], two_centers["ganja_admin"]
    cohort = factory.cohort(center=ganja, status="open", capacity=1)
    first = learning.enroll_by_fin(ganja_admin, cohort.id, factory.trainee(birth_date=BIRTH).fin, BIRTH)
    waiting = factory.trainee(birth_date=BIRTH, registered_by_center_id=two_centers["baku"].id)
    queued = learning.enroll_by_fin(ganja_admin, cohort.id, waiting.fin, BIRTH)
    assert queued.status == EnrollmentStatus.WAITLISTED
    assert ganja.id not in trainee_center_ids(waiting.id)
    assert_equals_rule()
    learning.withdraw(ganja_admin, first.id, "found a job")   # the seat goes to the waiting list
    db.session.refresh(queued)
    assert queued.status == EnrollmentStatus.ENROLLED
    assert ganja.id in trainee_center_ids(waiting.id)
    assert ganja.id not in trainee_center_ids(first.trainee_id)
    assert_equals_rule()


def test_cancelling_a_cohort_ends_what_its_seats_gave(factory, two_centers):
    ganja, ganja_admin = two_centers["ganja"], two_centers["ganja_admin"]
    cohort = factory.cohort(center=ganja, status="open", capacity=5)
    other = factory.cohort(center=ganja, status="open", capacity=5)
    a = factory.trainee(birth_date=BIRTH)
    b = factory.trainee(birth_date=BIRTH, registered_by_center_id=ganja.id)
    c = factory.trainee(birth_date=BIRTH)
    for t in (a, b, c):
        learning.enroll_by_fin(ganja_admin, cohort.id, t.fin, BIRTH)
    learning.enroll_by_fin(ganja_admin, other.id, c.fin, BIRTH)   # c still holds a seat elsewhere at ganja
    learning.change_status(ganja_admin, cohort.id, "cancelled", reason="no teacher", version=cohort.version)
    assert trainee_center_ids(a.id) == set()
    assert trainee_center_ids(b.id) == {ganja.id}
    assert trainee_center_ids(c.id) == {ganja.id}
    assert_equals_rule()


def test_completing_a_cohort_keeps_completed_and_failed_trainees_members(factory, two_centers):
    ganja = two_centers["ganja"]
    cohort = factory.cohort(center=ganja, status="running")
    passed = factory.enrollment(cohort=cohort, final_score=95, attendance_pct=100)
    failed = factory.enrollment(cohort=cohort, status="completed", final_score=10, attendance_pct=100)
    db.session.execute(update(Enrollment).where(Enrollment.id == failed.id).values(status=EnrollmentStatus.FAILED))
    assert_equals_rule()
    assert ganja.id in trainee_center_ids(passed.trainee_id) and ganja.id in trainee_center_ids(failed.trainee_id)


def test_moving_an_enrollment_to_another_centers_cohort_moves_the_membership(factory, two_centers):
    """No service moves an enrollment today; whatever changes an enrollment's cohort calls
    ``membership.sync`` and the new center is added (the old one goes when nothing else holds)."""
    baku, ganja = two_centers["baku"], two_centers["ganja"]
    e = factory.enrollment(cohort=factory.cohort(center=baku, status="open"))
    assert trainee_center_ids(e.trainee_id) == {baku.id}
    e.cohort_id = factory.cohort(center=ganja, status="open").id
    rule.sync([e.trainee_id])
    assert trainee_center_ids(e.trainee_id) == {ganja.id}
    assert_equals_rule()


def test_import_registers_and_enrolls_members(factory, two_centers):
    baku, baku_admin = two_centers["baku"], two_centers["baku_admin"]
    ganja = two_centers["ganja"]
    known = factory.trainee(fin="9KNOWN9", birth_date=BIRTH, first_name="Elvin", last_name="İsmayılov",
                            patronymic="Kamran oğlu", registered_by_center_id=ganja.id)
    cohort = factory.cohort(center=baku, status="open", capacity=2)
    header = "fin,first_name,last_name,patronymic,birth_date,gender,email,phone,home_region,education_level"
    body = "\r\n".join([header,
                        "9KNOWN9,Elvin,İsmayılov,Kamran oğlu,1999-04-12,M,,,BAKU,",
                        "1AAAAA1,Nigar,Həsənova,,2001-03-12,F,,,BAKU,",
                        "2BBBBB2,Rəşad,Quliyev,,2000-01-01,M,,,BAKU,"]) + "\r\n"
    report = imports.commit_import(baku_admin, body.encode(), center_id=baku.id, cohort_id=cohort.id)
    assert report.committed, report
    assert trainee_center_ids(known.id) == {ganja.id, baku.id}
    new = db.session.scalars(select(Trainee.id).where(Trainee.fin.in_(["1AAAAA1", "2BBBBB2"]))).all()
    assert len(new) == 2 and all(trainee_center_ids(t) == {baku.id} for t in new)
    assert_equals_rule()


def test_demo_loader_leaves_the_membership_equal_to_the_rule(app):
    build_demo(trainees=60, seed=11)
    assert db.session.scalar(select(func.count()).select_from(TraineeCenter)) >= 60
    assert_equals_rule()


def _revision(name: str):
    path = pathlib.Path(__file__).parents[1] / "migrations" / "versions" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"revision_{name}", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    return revision


def test_the_migration_backfill_equals_the_rule(factory, two_centers):
    """Revision 0014 fills the table from today's data with its own SQL, and revision 0037 copies
    each row's trainee name onto it: the same rows as the services keep, names included. (Run
    on a table of 0014's shape, the name nullable as between the two revisions' steps.)"""
    first, names = _revision("0014_trainee_centers"), _revision("0037_membership_names")
    baku, ganja = two_centers["baku"], two_centers["ganja"]
    for n, status in enumerate(EnrollmentStatus):
        factory.enrollment(trainee=factory.trainee(registered_by_center_id=baku.id, last_name=f"Əliyev{n}"),
                           cohort=factory.cohort(center=ganja), status=status)
    factory.enrollment(trainee=factory.trainee(registered_by_center_id=ganja.id, last_name="Quliyeva"),
                       cohort=factory.cohort(center=ganja))
    factory.trainee()
    db.session.flush()
    expected = {tuple(r) for r in db.session.execute(
        select(TraineeCenter.trainee_id, TraineeCenter.center_id, TraineeCenter.via, TraineeCenter.search_name))}
    assert len({r[3] for r in expected}) == len(EnrollmentStatus) + 1   # each trainee's own name
    db.session.execute(text("CREATE TEMPORARY TABLE old_trainee_centers (trainee_id INTEGER, center_id INTEGER, "
                            "via VARCHAR(12), since TIMESTAMP, search_name VARCHAR(320))"))
    try:
        for sql in (first.BACKFILL, names.NAMES):
            db.session.execute(text(sql.replace("trainee_centers", "old_trainee_centers")))
        assert {tuple(r) for r in db.session.execute(text(
            "SELECT trainee_id, center_id, via, search_name FROM old_trainee_centers"))} == expected
    finally:
        db.session.execute(text("DROP TABLE old_trainee_centers"))
    assert_equals_rule()


@pytest.mark.committed
def test_check_and_rebuild_commands(app, factory, two_centers):
    t = factory.trainee(registered_by_center_id=two_centers["baku"].id)
    db.session.commit()
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["people", "check-membership"])
    assert ok.exit_code == 0 and "equals its rule" in ok.output, ok.output
    db.session.execute(delete(TraineeCenter).where(TraineeCenter.trainee_id == t.id))
    db.session.add(TraineeCenter(trainee_id=t.id, center_id=two_centers["ganja"].id, via=MembershipVia.ENROLLED,
                                 search_name=t.search_name))
    db.session.commit()
    bad = runner.invoke(args=["people", "check-membership"])
    assert bad.exit_code == 1, bad.output
    assert f"missing: trainee {t.id} at center {two_centers['baku'].id} (registered)" in bad.output
    assert f"extra: trainee {t.id} at center {two_centers['ganja'].id} (enrolled)" in bad.output
    rebuilt = runner.invoke(args=["people", "rebuild-membership"])
    assert rebuilt.exit_code == 0 and "rebuilt" in rebuilt.output, rebuilt.output
    assert runner.invoke(args=["people", "check-membership"]).exit_code == 0


def test_center_scoping_reads_the_membership_table(factory, two_centers):
    """The scope is the table: a row alone (no registration, no enrollment) lets a center in, and
    without the row nothing does — no page falls back on the old OR/EXISTS."""
    t = factory.trainee()
    ganja_admin = two_centers["ganja_admin"]
    assert not may_see_trainee(ganja_admin, t.id)
    db.session.add(TraineeCenter(trainee_id=t.id, center_id=two_centers["ganja"].id, via=MembershipVia.ENROLLED,
                                 search_name=t.search_name))
    db.session.flush()
    assert may_see_trainee(ganja_admin, t.id)
    found = people.search_trainees(ganja_admin, t.last_name)
    assert t.id in {row.id for row in found.items}


@pytest.mark.committed
@pytest.mark.skipif(not PG_URL, reason="concurrency needs PostgreSQL: set TALENT_TEST_DATABASE_URL")
def test_simultaneous_enrollments_and_a_withdrawal_of_one_trainee_stay_equal_to_the_rule(app, factory):
    """Five transactions enroll the same trainee at one center (five cohorts) while a sixth
    withdraws their earlier seat there and a seventh enrolls them elsewhere: no error (the
    trainee's row lock serializes the membership), and the table equals the rule afterwards."""
    ganja, baku = factory.center(code="GANJA-01"), factory.center(code="BAKU-01")
    t = factory.trainee()
    earlier = factory.enrollment(trainee=t, cohort=factory.cohort(center=ganja, status="open"))
    cohorts = [factory.cohort(center=ganja, status="open").id for _ in range(5)]
    cohorts.append(factory.cohort(center=baku, status="open").id)
    trainee_id, earlier_id = t.id, earlier.id
    db.session.commit()
    barrier = threading.Barrier(len(cohorts) + 1)
    errors: list[BaseException] = []

    def run(action) -> None:
        try:
            with app.test_request_context("/", headers={"Accept-Language": "en"}):
                barrier.wait(timeout=30)
                action(Actor.system(channel="web"))
                db.session.commit()
                db.session.remove()
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    actions = [lambda a, c=c: learning.enroll(a, c, trainee_id) for c in cohorts]
    actions.append(lambda a: learning.withdraw(a, earlier_id, "changed cohort"))
    threads = [threading.Thread(target=run, args=(action,)) for action in actions]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    db.session.expire_all()
    assert trainee_center_ids(trainee_id) == {ganja.id, baku.id}
    assert_equals_rule()


def test_a_centers_name_search_reads_the_name_copy_kept_through_a_rename(factory, two_centers):
    """A center's name search tests the name on its membership rows: each row carries the
    trainee's folded name from registration and enrollment on, follows a rename in the same
    transaction, and the check names a row whose copy differs."""
    baku_admin, ganja = two_centers["baku_admin"], two_centers["ganja"]
    t = people.create_trainee(baku_admin, trainee_data(last_name="Hüseynova"))
    learning.enroll_by_fin(two_centers["ganja_admin"], factory.cohort(center=ganja, status="open").id, t.fin, BIRTH)
    assert {r for r in db.session.scalars(select(TraineeCenter.search_name).where(TraineeCenter.trainee_id == t.id))} \
        == {t.search_name} and len(rows(t.id)) == 2

    def found(who, text):
        return {row.id for row in people.search_trainees(two_centers[who], text).items}
    assert t.id in found("baku_admin", "huseynova") and t.id in found("ganja_admin", "hüseyn")
    people.update_trainee(baku_admin, t.id, {"last_name": "Səfərova"})
    for who in ("baku_admin", "ganja_admin"):
        assert t.id in found(who, "seferova") and t.id not in found(who, "huseynova"), who
    assert t.id in found("baku_admin", f"sefer {t.first_name[:3]}")       # every word, on the copy
    assert_equals_rule()
    db.session.execute(update(TraineeCenter).where(TraineeCenter.trainee_id == t.id,
                                                   TraineeCenter.center_id == ganja.id)
                       .values(search_name="huseynova"))
    stale = rule.differences()
    assert not stale.ok and (t.id, ganja.id, "enrolled") in stale.missing and (t.id, ganja.id, "enrolled") in stale.extra
    assert t.id in found("ganja_admin", "huseynova")          # what the search reads is the copy
