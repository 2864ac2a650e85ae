"""The center day rows of the report summary (revision 0026_summary_center_days, issue 17): the
national, regional and per-center day figures read ``report_center_days``, kept by adding each
recount's differences — equal to their cohorts' day rows after a cohort moves to another center,
after a rollback, and when two transactions recount cohorts of one center at once."""
from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from talent import clock
from talent.extensions import db
from talent.learning import services as learning
from talent.learning.models import Cohort
from talent.permissions import Actor
from talent.reporting import queries, summary
from talent.reporting.models import ReportCenterDay, ReportCohortDay
from talent.reporting.periods import Filters
from tests.conftest import is_postgres

SYSTEM = Actor.system()


def _year() -> Filters:
    y = clock.today().year
    return Filters(start=date(y, 1, 1), end=date(y, 12, 31), today=clock.today(), kind="year", year=y)


def _enrolled(center_id: int) -> int:
    return db.session.scalar(select(func.coalesce(func.sum(ReportCenterDay.enrolled), 0))
                             .where(ReportCenterDay.center_id == center_id))


@pytest.fixture
def two_centers(factory):
    a, b = factory.center(region="BAKU"), factory.center(region="GANJA_DASHKASAN")
    cohorts = [factory.cohort(center=a, start_date=clock.today() + timedelta(days=5),
                              end_date=clock.today() + timedelta(days=60), status="open", capacity=50)
               for _ in range(2)]
    trainees = [factory.trainee(gender="FM"[i % 2]) for i in range(12)]
    db.session.commit()
    return a, b, cohorts, trainees


def test_enrollments_are_added_to_their_centers_day(two_centers):
    a, b, cohorts, trainees = two_centers
    for i, t in enumerate(trainees[:5]):
        learning.enroll(SYSTEM, cohorts[i % 2].id, t.id)
    db.session.commit()
    assert _enrolled(a.id) == 5 and _enrolled(b.id) == 0
    assert summary.wrong_center_days(db.session) == []
    figures = queries.enrollment_metrics(_year(), "center")
    assert figures[a.id]["enrolled"] == 5


def test_a_cohort_moved_to_another_center_moves_its_days(two_centers):
    a, b, cohorts, trainees = two_centers
    for t in trainees[:4]:
        learning.enroll(SYSTEM, cohorts[0].id, t.id)
    learning.enroll(SYSTEM, cohorts[1].id, trainees[4].id)
    db.session.commit()
    cohort = db.session.get(Cohort, cohorts[0].id)
    cohort.center_id = b.id
    db.session.commit()
    assert (_enrolled(a.id), _enrolled(b.id)) == (1, 4)
    assert summary.wrong_center_days(db.session) == []
    assert set(db.session.scalars(select(ReportCohortDay.center_id).where(ReportCohortDay.cohort_id == cohort.id))) \
        == {b.id}


def test_a_rollback_leaves_the_center_days_alone(two_centers):
    a, _b, cohorts, trainees = two_centers
    learning.enroll(SYSTEM, cohorts[0].id, trainees[0].id)
    db.session.commit()
    learning.enroll(SYSTEM, cohorts[1].id, trainees[1].id)
    assert queries.enrollment_metrics(_year())[0]["enrolled"] == 2   # the transaction's own enrollment
    db.session.rollback()
    assert _enrolled(a.id) == 1
    assert queries.enrollment_metrics(_year())[0]["enrolled"] == 1


def test_the_day_figures_are_read_from_the_center_rows_and_checked(two_centers):
    a, _b, cohorts, trainees = two_centers
    learning.enroll(SYSTEM, cohorts[0].id, trainees[0].id)
    db.session.commit()
    db.session.execute(update(ReportCenterDay).where(ReportCenterDay.center_id == a.id)
                       .values(enrolled=ReportCenterDay.enrolled + 3))
    db.session.commit()
    assert queries.enrollment_metrics(_year())[0]["enrolled"] == 4          # national
    assert queries.enrollment_metrics(_year(), "region")[a.region_id]["enrolled"] == 4
    problems = summary.wrong_center_days(db.session)
    assert len(problems) == 1 and problems[0].startswith(f"center day ({a.id},")
    summary.rebuild(db.session, summary.built_timezone(db.session))
    db.session.commit()
    assert queries.enrollment_metrics(_year())[0]["enrolled"] == 1


@pytest.mark.committed
def test_concurrent_recounts_of_two_cohorts_of_one_center_both_count(app, two_centers):
    """Each transaction adds its own difference to the same center day row: neither is lost."""
    if not is_postgres(app):
        pytest.skip("SQLite runs one writer at a time; the concurrent upsert is PostgreSQL's")
    a, _b, cohorts, trainees = two_centers
    work = [(cohorts[i % 2].id, t.id) for i, t in enumerate(trainees)]
    errors = []
    barrier = threading.Barrier(6)

    def worker(chunk):
        with app.app_context():
            try:
                barrier.wait()
                for cohort_id, trainee_id in chunk:
                    learning.enroll(SYSTEM, cohort_id, trainee_id)
                    db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(work[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _enrolled(a.id) == 12
    assert summary.wrong_center_days(db.session) == []


def test_the_totals_are_read_with_their_kept_cohort_dates_and_checked(two_centers):
    """The cohort's center and dates kept on its total rows (revision 0032_totals_cohort): written
    by the recount, moved with the cohort, read by the totals of a period (a wrong one shows), and
    named by the check."""
    from talent.reporting.models import ReportCohortTotal, ReportGroupTotal
    a, b, cohorts, trainees = two_centers
    for t in trainees[:3]:
        learning.enroll(SYSTEM, cohorts[0].id, t.id)
    db.session.commit()
    cohort = db.session.get(Cohort, cohorts[0].id)
    # A period holding the cohort whatever today is (its first day may fall in next year).
    today = clock.today()
    period = Filters(start=today, end=today + timedelta(days=120), today=today, kind="custom")
    kept = db.session.execute(select(ReportCohortTotal.center_id, ReportCohortTotal.start_date,
                                     ReportCohortTotal.end_date).where(ReportCohortTotal.cohort_id == cohort.id)).one()
    assert tuple(kept) == (a.id, cohort.start_date, cohort.end_date)
    assert queries.enrollment_metrics(period, "center")[a.id]["active"] == 3
    cohort.center_id = b.id
    cohort.end_date = cohort.end_date + timedelta(days=7)
    db.session.commit()
    for T in (ReportCohortTotal, ReportGroupTotal):
        assert set(db.session.execute(select(T.center_id, T.end_date).where(T.cohort_id == cohort.id))) == \
            {(b.id, cohort.end_date)}
    figures = queries.enrollment_metrics(period, "center")
    assert figures[b.id]["active"] == 3 and a.id not in figures
    assert summary.wrong_total_cohorts(db.session) == []
    # A wrong kept center shows in the figures (they are read from it) and in the check.
    db.session.execute(update(ReportCohortTotal).where(ReportCohortTotal.cohort_id == cohort.id)
                       .values(center_id=a.id))
    db.session.commit()
    assert queries.enrollment_metrics(period, "center")[a.id]["active"] == 3
    problems = summary.wrong_total_cohorts(db.session)
    assert len(problems) == 1 and problems[0].startswith(f"report_cohort_totals cohort {cohort.id}:")


def test_the_migration_fills_the_kept_columns_from_the_cohorts(two_centers):
    """Revision 0032 fills the totals' kept center and dates with its own SQL: the cohorts' values."""
    import importlib.util
    import pathlib
    from sqlalchemy import text
    from talent.reporting.models import ReportCohortTotal, ReportGroupTotal
    a, _b, cohorts, trainees = two_centers
    for i, t in enumerate(trainees[:4]):
        learning.enroll(SYSTEM, cohorts[i % 2].id, t.id)
    db.session.commit()
    path = pathlib.Path(__file__).parents[1] / "migrations" / "versions" / "0032_totals_cohort.py"
    spec = importlib.util.spec_from_file_location("revision_0032", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    for T in (ReportCohortTotal, ReportGroupTotal):
        db.session.execute(update(T).values(center_id=-1, start_date=date(2000, 1, 1), end_date=date(2000, 1, 2)))
    assert len(summary.wrong_total_cohorts(db.session)) >= 4
    for table in revision.TABLES:
        db.session.execute(text(revision.backfill(table)))
    assert summary.wrong_total_cohorts(db.session) == []
    assert db.session.scalar(select(func.count()).select_from(ReportGroupTotal)
                             .where(ReportGroupTotal.center_id == a.id)) >= 2


def test_a_centers_course_figures_read_its_day_rows_by_their_kept_center(two_centers):
    """A center's per-course and per-skill day figures (the ministry's center page) read the
    cohort day rows by the center kept on them as well as by the cohort's: equal to the live
    tables before and after the cohort moves to another center; a wrong kept center shows in the
    figures and is named by the check."""
    a, b, cohorts, trainees = two_centers
    for t in trainees[:3]:
        learning.enroll(SYSTEM, cohorts[0].id, t.id)
    db.session.commit()
    today = clock.today()
    period = Filters(start=today, end=today + timedelta(days=120), today=today, kind="custom")
    course = cohorts[0].course_id

    def enrolled(center_id, dimension="course", live=False):
        figures = queries.enrollment_metrics(period.scoped(center_id=center_id), dimension, live=live)
        return {k: v["enrolled"] for k, v in figures.items() if v.get("enrolled")}

    for dimension in ("course", "skill"):
        assert enrolled(a.id, dimension) == enrolled(a.id, dimension, live=True)
    assert enrolled(a.id) == {course: 3}
    cohort = db.session.get(Cohort, cohorts[0].id)
    cohort.center_id = b.id
    db.session.commit()
    assert set(db.session.scalars(select(ReportCohortDay.center_id).where(ReportCohortDay.cohort_id == cohort.id))) == {b.id}
    assert enrolled(a.id) == {} and enrolled(b.id) == {course: 3} == enrolled(b.id, live=True)
    assert summary.wrong_total_cohorts(db.session) == []
    # A day row left under the old center: the new center's figures lose it, the check names it.
    db.session.execute(update(ReportCohortDay).where(ReportCohortDay.cohort_id == cohort.id).values(center_id=a.id))
    db.session.commit()
    assert enrolled(b.id) == {} != enrolled(b.id, live=True)
    problems = summary.wrong_total_cohorts(db.session)
    assert problems and all(p.startswith(f"report_cohort_days cohort {cohort.id} day ") for p in problems), problems
