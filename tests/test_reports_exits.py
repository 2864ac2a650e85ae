"""The kept exits of the outcome indicators (talent/reporting/exits.py, issue 17 and 20): one row
per exit, written with the cohort's other summary rows in the writing transaction — after every
kind of write that moves an exit or its jobs, awards or markets the kept rows equal a
recomputation from the live tables, the outcome figures read from them equal the live query, and
a summary built with other regional countries is not read for outcomes."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from talent import clock
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning import services as learning
from talent.learning.models import Cohort, Enrollment
from talent.people import services as people
from talent.permissions import Actor
from talent.placement import services as placement
from talent.placement.models import Employer, Placement
from talent.reporting import exits, outcomes, queries, summary
from talent.reporting.models import ReportExit, ReportSummaryState
from talent.reporting.periods import Filters
from tests.admin_helpers import job

SYSTEM = Actor.system()
TODAY = clock.today()


def _year(y: int) -> Filters:
    return Filters(start=date(y, 1, 1), end=date(y, 12, 31), today=TODAY, kind="year", year=y)


def _tz():
    from zoneinfo import ZoneInfo
    return ZoneInfo(summary.built_timezone(db.session))


def wrong() -> list[str]:
    return exits.wrong_exits(db.session, _tz(), summary.built_markets(db.session))


def kept_equals_live(years=None) -> None:
    """The kept rows equal a recomputation, and the figures of every year read from them equal
    the live query's."""
    assert wrong() == []
    this = TODAY.year
    for y in years or (this - 2, this - 1, this):
        filters = _year(y)
        kept, live = outcomes._figures(filters), outcomes._figures(filters, live=True)
        assert kept == live, y


@pytest.fixture
def world(factory):
    """Exits two years ago (their 2nd and 4th quarter after exit and the year after are over):
    a completer with an award and a job abroad, one who failed and one who withdrew."""
    center, course = factory.center(region="BAKU"), factory.course(level="foundation")
    start, end = date(TODAY.year - 2, 1, 10), date(TODAY.year - 2, 3, 20)
    cohort = factory.cohort(center=center, course=course, start_date=start, end_date=end, status="completed")
    local, abroad = factory.employer(country_code="AZ"), factory.employer(country_code="DE")
    people_ = {name: factory.trainee(gender=g) for name, g in (("done", "F"), ("failed", "M"), ("left", "F"))}
    e_done = factory.enrollment(people_["done"], cohort, status="completed")
    factory.enrollment(people_["failed"], cohort, status="failed")
    factory.enrollment(people_["left"], cohort, status="withdrawn",
                       withdrawn_at=datetime(start.year, 2, 14, 10, tzinfo=timezone.utc))
    factory.placement(people_["done"], abroad, start_date=date(end.year, 6, 1), monthly_pay_azn=3000)
    db.session.add(Award(serial=f"X{e_done.id:06d}", verification_code=f"Y{e_done.id:031d}", enrollment_id=e_done.id,
                         trainee_id=people_["done"].id, certification_id=course.certification_id,
                         center_id=center.id, issued_on=end + timedelta(days=10)))
    db.session.commit()
    return {"cohort": cohort, "people": people_, "local": local, "abroad": abroad, "end": end}


def _row(trainee) -> ReportExit | None:
    return db.session.scalar(select(ReportExit).where(ReportExit.trainee_id == trainee.id))


def test_each_exit_is_kept_with_its_jobs_and_award(world):
    done, failed, left = (world["people"][n] for n in ("done", "failed", "left"))
    row = _row(done)
    assert (row.exit_date, row.credentialed, row.employed_q2, row.employed_q2_international, row.employed_q2_local,
            row.pay_q2, row.pay_q2_international) == (world["end"], 1, 1, 1, 0, 3000, 3000)
    assert _row(failed).employed_q2 == 0 and _row(failed).credentialed == 0
    assert _row(left).exit_date == date(world["end"].year, 2, 14)  # the withdrawal's local date
    kept_equals_live()


def test_a_job_recorded_for_someone_who_failed_is_counted(world):
    """The jobs of people who left without completing move their exit too (the summary used to
    recount only the cohorts a placed person completed)."""
    failed = world["people"]["failed"]
    p = placement.record_placement(SYSTEM, failed.id, **job(start_date=f"{world['end'].year}-07-01",
                                                            country_code="TR", monthly_pay_azn="1500"))
    db.session.commit()
    row = _row(failed)
    assert (row.employed_q2, row.employed_q2_regional, row.pay_q2) == (1, 1, 1500)
    kept_equals_live()
    placement.reject_placement(SYSTEM, p.id, "not confirmed")
    db.session.commit()
    assert _row(failed).employed_q2 == 0
    kept_equals_live()


def test_a_withdrawal_redated_moves_the_exit(world):
    left = world["people"]["left"]
    e = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == left.id))
    e.withdrawn_at = datetime(world["end"].year, 3, 31, 21, 30, tzinfo=timezone.utc)  # 1 April in Baku
    db.session.commit()
    assert _row(left).exit_date == date(world["end"].year, 4, 1)
    kept_equals_live()


def test_an_award_revoked_and_a_gender_corrected_are_counted(world):
    done = world["people"]["done"]
    award = db.session.scalar(select(Award).where(Award.trainee_id == done.id))
    award.revoked_at = datetime.now(timezone.utc)
    award.revoked_reason = "Issued in error"
    db.session.commit()
    assert _row(done).credentialed == 0
    people.update_trainee(SYSTEM, done.id, {"gender": "M"})
    db.session.commit()
    assert _row(done).gender == "M"
    kept_equals_live()


def test_an_employers_country_moves_the_market(world):
    done = world["people"]["done"]
    employer = db.session.get(Employer, world["abroad"].id)
    employer.country_code = "GE"
    db.session.commit()
    row = _row(done)
    assert (row.employed_q2_international, row.employed_q2_regional) == (0, 1)
    kept_equals_live()


def test_a_cancelled_cohort_has_no_exits(world):
    cohort = db.session.get(Cohort, world["cohort"].id)
    cohort.status = "cancelled"
    db.session.commit()
    assert db.session.scalar(select(ReportExit).where(ReportExit.cohort_id == cohort.id)) is None
    kept_equals_live()


def test_a_rollback_leaves_the_kept_exits_alone(world):
    failed = world["people"]["failed"]
    placement.record_placement(SYSTEM, failed.id, **job(start_date=f"{world['end'].year}-07-01"))
    filters = _year(world["end"].year)
    assert outcomes._figures(filters)[("total", 0)]["employed_q2"] == 2  # the transaction's own job
    db.session.rollback()
    assert _row(failed).employed_q2 == 0
    assert outcomes._figures(filters)[("total", 0)]["employed_q2"] == 1
    kept_equals_live()


def test_check_summary_finds_a_wrong_exit(world):
    done = world["people"]["done"]
    db.session.execute(update(ReportExit).where(ReportExit.trainee_id == done.id).values(employed_q2_local=1))
    db.session.commit()
    problems = queries.compare_with_live(db.session, years=[world["end"].year])
    assert any("exit of enrollment" in p and "employed_q2_local" in p for p in problems)


def test_other_regional_countries_read_the_live_tables_until_rebuilt(app, world, monkeypatch):
    filters = _year(world["end"].year)
    assert summary.exits_current(db.session, filters.timezone)
    monkeypatch.setitem(app.config, "REGIONAL_COUNTRIES", ("DE",))   # Germany counted as regional
    assert not summary.exits_current(db.session, filters.timezone)
    figures = outcomes._figures(filters)
    assert figures[("total", 0)]["employed_q2__regional"] == 1   # live, with the new countries
    summary.rebuild(db.session, summary.built_timezone(db.session))
    db.session.commit()
    assert summary.exits_current(db.session, filters.timezone)
    assert db.session.scalar(select(ReportSummaryState.markets)) == "DE"
    assert outcomes._figures(filters) == figures
    kept_equals_live()


def test_the_counts_are_the_day_sums_and_check_summary_finds_a_wrong_one(world):
    from talent.reporting.models import ReportExitDay
    filters = _year(world["end"].year)
    before = outcomes._figures(filters)[("total", 0)]["exiters"]
    db.session.execute(update(ReportExitDay).where(ReportExitDay.exit_date == world["end"], ReportExitDay.gender == "F")
                       .values(exiters=ReportExitDay.exiters + 7))
    db.session.commit()
    assert outcomes._figures(filters)[("total", 0)]["exiters"] == before + 7   # read from the day sums
    problems = wrong()
    assert problems and all(p.startswith("exit day") for p in problems)
    summary.rebuild(db.session, summary.built_timezone(db.session))
    db.session.commit()
    kept_equals_live()
