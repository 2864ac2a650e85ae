"""Issue 17, import speed: the commit adds its own enrolled rows to the report summary (no recount
of the cohort) and writes the membership rows of the trainees it registers in bulk. Both must give
exactly what the rules give from the live rows."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select

from talent.db import utcnow
from talent.extensions import db
from talent.imports import services
from talent.learning import membership
from talent.learning.models import Enrollment
from talent.people.models import Trainee, TraineeCenter
from talent.reporting import summary
from talent.reporting.models import (ReportCohortDay, ReportCohortTotal, ReportGroupDay, ReportGroupTotal,
                                     ReportSummaryState)
from talent.reporting.queries import compare_with_live
from tests.learning_helpers import actor, request_ctx  # noqa: F401
from tests.test_import_services import HEADER, ROWS, csv_bytes

pytestmark = pytest.mark.usefixtures("request_ctx")

KNOWN = "4DDDDD4,Kamran,Babayev,,1990-02-03,M,,,BAKU,"      # registered at another center
LAST = "5EEEEE5,Leyla,Əliyeva,,1985-07-07,F,,,BAKU,"        # beyond the free seats: waiting list
TABLES = (ReportCohortTotal, ReportCohortDay, ReportGroupTotal, ReportGroupDay)


def rows_of(cohort_id: int) -> dict[str, list[tuple]]:
    return {model.__name__: sorted(tuple(row) for row in db.session.execute(
        select(model.__table__).where(model.cohort_id == cohort_id))) for model in TABLES}


@pytest.fixture
def setup(factory):
    """A cohort of 5 seats holding one enrolled (today) and one completed trainee; a known
    trainee registered at another center. The file: the known trainee, the three of
    test_import_services, and a fifth row for the waiting list (4 free seats)."""
    center, other = factory.center(), factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=5, start_date=date.today() + timedelta(days=3))
    factory.enrollment(factory.trainee(gender="F", birth_date=date(1998, 5, 17)), cohort, enrolled_at=utcnow())
    factory.enrollment(factory.trainee(gender="F"), cohort, status="completed",
                       enrolled_at=utcnow() - timedelta(days=20), completed_at=utcnow() - timedelta(days=1))
    known = factory.trainee(fin="4DDDDD4", first_name="Kamran", last_name="Babayev", patronymic=None,
                            birth_date=date(1990, 2, 3), gender="M", registered_by_center_id=other.id)
    admin = actor(factory.center_admin(center))
    db.session.commit()
    data = csv_bytes([KNOWN, *ROWS, LAST])
    return center, other, cohort, known, admin, data


def recount_calls(monkeypatch) -> list[int]:
    calls: list[int] = []
    refresh = summary.refresh

    def recording(session, cohort_ids, tz_name):
        cohort_ids = list(cohort_ids)
        calls.extend(cohort_ids)
        return refresh(session, cohort_ids, tz_name)
    monkeypatch.setattr(summary, "refresh", recording)
    return calls


@pytest.mark.parametrize("kept", [False, True], ids=["one-step", "kept-preview"])
def test_the_import_adds_its_rows_to_the_summary_exactly_as_a_recount(setup, monkeypatch, kept):
    center, _other, cohort, _known, admin, data = setup
    assert summary.built_timezone(db.session) is not None
    calls = recount_calls(monkeypatch)
    if kept:
        preview = services.preview_import(admin, data, center_id=center.id, cohort_id=cohort.id, keep=True)
        db.session.commit()
        report = services.commit_preview(admin, preview.preview_id)
    else:
        report = services.commit_import(admin, data, center_id=center.id, cohort_id=cohort.id)
    assert report.committed and report.counts["enrolled"] == 4 and report.counts["waitlisted"] == 1
    db.session.commit()
    assert cohort.id not in calls   # added, not recounted

    tz = ZoneInfo(summary.built_timezone(db.session))
    today = utcnow().astimezone(tz).date()
    # By hand: 1 enrolled before + 4 imported are active; the completed one is not; the 5th waits.
    assert db.session.execute(select(ReportCohortTotal.active, ReportCohortTotal.completed)
                              .where(ReportCohortTotal.cohort_id == cohort.id)).one() == (5, 1)
    assert db.session.scalar(select(ReportCohortDay.enrolled).where(
        ReportCohortDay.cohort_id == cohort.id, ReportCohortDay.day == today)) == 5
    assert dict(db.session.execute(select(ReportGroupTotal.gender, func.sum(ReportGroupTotal.active))
                                   .where(ReportGroupTotal.cohort_id == cohort.id)
                                   .group_by(ReportGroupTotal.gender)).all()) == {"F": 2, "M": 3}

    # Every row (counts and record-key sums) is what a recount of the cohort gives.
    added = rows_of(cohort.id)
    summary.refresh(db.session, [cohort.id], summary.built_timezone(db.session))
    assert rows_of(cohort.id) == added
    assert compare_with_live(db.session, years=[today.year], today=today) == []


def test_a_second_import_into_the_cohort_adds_to_the_rows_it_finds(setup, monkeypatch):
    center, _other, cohort, _known, admin, data = setup
    assert services.commit_import(admin, data, center_id=center.id, cohort_id=cohort.id).committed
    db.session.commit()
    db.session.execute(Enrollment.__table__.update().where(Enrollment.cohort_id == cohort.id)
                       .values(status="withdrawn"))   # free the seats; the recount below settles the summary
    summary.mark_cohorts(db.session, [cohort.id])
    db.session.commit()
    calls = recount_calls(monkeypatch)
    second = csv_bytes(["6FFFFF6,Tural,Quliyev,,2001-01-01,M,,,BAKU,", "7GGGGG7,Günay,Rzayeva,,1970-01-01,F,,,BAKU,"])
    assert services.commit_import(admin, second, center_id=center.id, cohort_id=cohort.id).counts["enrolled"] == 2
    db.session.commit()
    assert cohort.id not in calls
    assert db.session.scalar(select(ReportCohortTotal.active).where(ReportCohortTotal.cohort_id == cohort.id)) == 2
    added = rows_of(cohort.id)
    summary.refresh(db.session, [cohort.id], summary.built_timezone(db.session))
    assert rows_of(cohort.id) == added


def test_a_cohort_already_marked_is_recounted_once_and_right(setup, monkeypatch):
    center, _other, cohort, _known, admin, data = setup
    calls = recount_calls(monkeypatch)
    summary.mark_cohorts(db.session, [cohort.id])
    assert services.commit_import(admin, data, center_id=center.id, cohort_id=cohort.id).committed
    db.session.commit()
    assert calls.count(cohort.id) == 1
    assert db.session.scalar(select(ReportCohortTotal.active).where(ReportCohortTotal.cohort_id == cohort.id)) == 5


def test_without_a_built_summary_the_import_adds_nothing(setup):
    center, _other, cohort, _known, admin, data = setup
    db.session.execute(delete(ReportSummaryState))
    for model in TABLES:
        db.session.execute(delete(model))
    db.session.commit()
    assert services.commit_import(admin, data, center_id=center.id, cohort_id=cohort.id).committed
    db.session.commit()
    assert rows_of(cohort.id) == {model.__name__: [] for model in TABLES}


def test_a_failed_import_leaves_the_summary_as_it_was(setup):
    center, _other, cohort, _known, admin, data = setup
    before = rows_of(cohort.id)
    bad = csv_bytes([KNOWN, *ROWS, "5EEEEE5,Leyla,Əliyeva,,31.02.1985,F,,,BAKU,"])
    assert not services.commit_import(admin, bad, center_id=center.id, cohort_id=cohort.id).committed
    db.session.commit()
    assert rows_of(cohort.id) == before


def test_the_membership_rows_are_the_rules(setup):
    center, other, cohort, known, admin, data = setup
    assert services.commit_import(admin, data, center_id=center.id, cohort_id=cohort.id).committed
    db.session.commit()
    assert membership.differences() == membership.Differences([], [], 0, 0)
    by_fin = dict(db.session.execute(select(Trainee.fin, Trainee.id)).all())
    rows = {(fin, c, via) for fin in ("4DDDDD4", "1AAAAA1", "5EEEEE5")
            for c, via in db.session.execute(select(TraineeCenter.center_id, TraineeCenter.via)
                                             .where(TraineeCenter.trainee_id == by_fin[fin]))}
    assert rows == {("4DDDDD4", other.id, "registered"), ("4DDDDD4", center.id, "enrolled"),
                    ("1AAAAA1", center.id, "registered"), ("5EEEEE5", center.id, "registered")}
    assert known.id == by_fin["4DDDDD4"]


def test_the_audit_details_are_converted_once_per_shape_and_written_alike(setup, monkeypatch):
    """The per-row audit details hold the status enums (a str subclass): memoized under their
    class, so an enum and its plain string are never mixed up, and each shape is dumped once."""
    from talent.audit import AuditEvent
    from talent.learning.models import EnrollmentStatus
    assert services._memo_key(EnrollmentStatus.ENROLLED) != services._memo_key("enrolled")
    assert services._memo_key({"enrollment": EnrollmentStatus.ENROLLED}) == \
        services._memo_key({"enrollment": EnrollmentStatus.ENROLLED})
    center, _other, cohort, known, admin, data = setup
    conversions = []
    memoized = services._memoized

    def counting(process):
        def counted(value):
            conversions.append(value)
            return process(value)
        return memoized(counted)
    monkeypatch.setattr(services, "_memoized", counting)
    assert services.commit_import(admin, data, center_id=center.id, cohort_id=cohort.id).committed
    db.session.commit()
    rows = db.session.execute(select(AuditEvent.details).where(AuditEvent.action == "import.row")
                              .order_by(AuditEvent.id)).scalars().all()
    event = db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "import.trainees"))
    assert rows == [{"import_event": event, "trainee": "existing", "enrollment": "enrolled"}] + \
        [{"import_event": event, "trainee": "new", "enrollment": "enrolled"}] * 3 + \
        [{"import_event": event, "trainee": "new", "enrollment": "waitlisted"}]
    assert sum(isinstance(value, dict) for value in conversions) == 3   # three shapes, one conversion each


@pytest.mark.committed
def test_concurrent_imports_and_enrollments_into_one_cohort_are_all_counted(app, factory):
    """Two imports and three single enrollments into one cohort at once: the imports add to the
    summary rows under the cohort's lock, the enrollments recount under it; nothing is lost."""
    import threading

    from talent.learning import services as learning
    from talent.permissions import Actor
    from tests.conftest import is_postgres
    if not is_postgres(app):
        pytest.skip("SQLite runs one writer at a time; the row lock is PostgreSQL's")
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=50, start_date=date.today() + timedelta(days=5))
    singles = [factory.trainee(gender="FM"[i % 2]).id for i in range(3)]
    admin = actor(factory.center_admin(center))
    db.session.commit()
    cohort_id, center_id = cohort.id, center.id
    files = [csv_bytes(ROWS), csv_bytes([KNOWN.replace("4DDDDD4", "6FFFFF6"), LAST])]
    errors: list[Exception] = []
    barrier = threading.Barrier(3)

    def importing(data):
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
            try:
                barrier.wait()
                assert services.commit_import(admin, data, center_id=center_id, cohort_id=cohort_id).committed
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    def enrolling():
        with app.app_context(), app.test_request_context("/", headers={"Accept-Language": "en"}):
            try:
                barrier.wait()
                for trainee_id in singles:
                    learning.enroll(Actor.system(), cohort_id, trainee_id)
                    db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=importing, args=(data,)) for data in files] + [threading.Thread(target=enrolling)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    enrolled = db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == cohort_id, Enrollment.status == "enrolled"))
    assert enrolled == 3 + 2 + 3
    assert db.session.scalar(select(ReportCohortTotal.active).where(ReportCohortTotal.cohort_id == cohort_id)) == 8
    added = rows_of(cohort_id)
    summary.refresh(db.session, [cohort_id], summary.built_timezone(db.session))
    assert rows_of(cohort_id) == added
    db.session.rollback()
