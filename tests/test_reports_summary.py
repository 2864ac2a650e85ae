"""The report summary (talent/reporting/summary.py) equals the live queries — on the hand-worked
dataset for every period kind, filter and dimension, and after every kind of write the services
make, each in its own committed transaction. The figure tests (test_reports_figures.py) run every
report both through the summary and through the live tables."""
from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import delete, func, select, update

from talent.credentials import services as credentials
from talent.extensions import db
from talent.learning import services as learning
from talent.learning.models import Cohort, Enrollment
from talent.permissions import Actor
from talent.placement import services as placement
from talent.placement.models import Placement
from talent.reporting import queries, reports, summary
from talent.people import services as people
from talent.reporting.models import (ReportCohortDay, ReportCohortPlacement, ReportCohortTotal, ReportGroupCenterDay, ReportGroupDay,
                                     ReportGroupTotal, ReportSummaryState)
from talent.reporting.periods import parse_filters
from tests.admin_helpers import job
from tests.conftest import is_postgres
from tests.reports_helpers import TODAY, build_dataset
from talent import clock
from talent.permissions import ROLE_PERMISSIONS

READER = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
               permissions=ROLE_PERMISSIONS["ministry"])  # the report functions need their reader

SYSTEM = Actor.system()


def live_equals_summary(years=(2024, 2025, 2026), today=TODAY) -> list[str]:
    assert summary.built_timezone(db.session) is not None
    return queries.compare_with_live(db.session, years=years, today=today)


def nonzero(data):
    return {k: v for k, v in data.items() if any(v.values())}


@pytest.fixture
def ds(factory):
    data = build_dataset(factory)
    db.session.commit()
    return data


PERIODS = [{"period": "year", "year": "2025"}, {"period": "year", "year": "2024"},
           {"period": "quarter", "year": "2025", "quarter": "1"}, {"period": "quarter", "year": "2025", "quarter": "4"},
           {"period": "custom", "start": "2025-01-05", "end": "2025-01-05"},
           {"period": "custom", "start": "2025-03-31", "end": "2025-12-05"},
           {"period": "custom", "start": "2024-01-01", "end": "2026-12-31"}]


@pytest.mark.parametrize("args", PERIODS)
def test_summary_equals_live_for_every_period_filter_and_dimension(ds, args):
    assert db.session.scalar(select(func.count()).select_from(ReportCohortTotal)) == 4
    variants = [{}, {"level": "foundation"}, {"level": "advanced"}, {"skill": ds.skill.code}]
    checked = 0
    for extra in variants:
        f, messages = parse_filters({**args, **extra}, today=TODAY)
        assert messages == []
        for scoped in (f, f.scoped(region_id=ds.baku.region_id), f.scoped(center_id=ds.ganja.id)):
            for dimension in summary.SUMMARY_DIMENSIONS:
                assert summary.usable(db.session, scoped, dimension)
                built = nonzero(summary.enrollment_metrics(db.session, scoped, dimension))
                live = nonzero(queries.enrollment_metrics(scoped, dimension, live=True))
                assert built == {k: {m: v[m] for m in built.get(k, v)} for k, v in live.items()}, (args, extra, dimension)
                checked += bool(live)
    assert checked > 20  # the comparisons were not all of empty results


def test_trend_counts_equal_live(ds, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")  # exact figures: no perturbation
    f, _ = parse_filters({"period": "custom", "start": "2024-01-01", "end": "2025-12-31"}, today=TODAY)
    with_summary = reports.trends(f, actor=READER).table("trends").as_json()
    db.session.execute(delete(ReportSummaryState))
    live = reports.trends(f, actor=READER).table("trends").as_json()
    assert with_summary == live
    assert [row["enrollments"]["value"] for row in live["rows"]] == [3, 0, 0, 0, 8, 0, 6, 5]


def test_fairness_equals_live_with_the_published_figures(ds, app, monkeypatch):
    """The whole fairness report (gender, age band, home region; with the cell-key method's
    before-the-period anchors) is the same read through the group rows and through the live
    tables, for a period that starts at the anchor and one that does not."""
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    for args in ({"period": "year", "year": "2025"}, {"period": "custom", "start": "2025-03-31", "end": "2025-12-05"}):
        f, _ = parse_filters(args, today=TODAY)
        for scoped in (f, f.scoped(region_id=ds.baku.region_id), parse_filters({**args, "level": "advanced"},
                                                                                today=TODAY)[0]):
            for dimension in ("gender", "age_band", "home"):
                assert summary.usable(db.session, scoped, dimension)
                built = nonzero(queries.metrics(scoped, dimension, only=reports.FAIRNESS_RAW))
                db.session.execute(delete(ReportSummaryState))
                live = nonzero(queries.metrics(scoped, dimension, only=reports.FAIRNESS_RAW))
                db.session.rollback()
                assert built == live and live, (args, dimension)
        with_summary = [t.as_json() for t in reports.fairness(f, actor=READER).tables]
        db.session.execute(delete(ReportSummaryState))
        live = [t.as_json() for t in reports.fairness(f, actor=READER).tables]
        db.session.rollback()
        assert with_summary == live


@pytest.mark.parametrize("method", ["cellkey", "threshold"])
def test_metrics_by_several_trainee_dimensions_equals_one_dimension_at_a_time(ds, app, monkeypatch, method):
    """queries.metrics_by reads the group rows once for gender, age band and home together and sums
    each dimension's groups from them: the same figures (and key sums, and before-the-period anchors
    with the cell-key method) as queries.metrics per dimension, for every period, scope and course
    filter; and the same as the live tables."""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", method)
    dims = ("gender", "age_band", "home")
    checked = 0
    for args in PERIODS:
        for extra in ({}, {"level": "advanced"}, {"skill": ds.skill.code}):
            f, _ = parse_filters({**args, **extra}, today=TODAY)
            for scoped in (f, f.scoped(region_id=ds.baku.region_id), f.scoped(center_id=ds.ganja.id)):
                for only in (reports.FAIRNESS_RAW, ("enrolled", "active", "certified", "placement_pending")):
                    together = queries.metrics_by(scoped, dims, only=only)
                    apart = {d: queries.metrics(scoped, d, only=only) for d in dims}
                    assert together == apart, (args, extra, only)
                    checked += sum(bool(nonzero(v)) for v in together.values())
                    if method != "cellkey":  # the live path sums no record keys without perturbation
                        continue
                    db.session.execute(delete(ReportSummaryState))
                    live = queries.metrics_by(scoped, dims, only=only)
                    db.session.rollback()
                    assert {d: nonzero(v) for d, v in together.items()} == {d: nonzero(v) for d, v in live.items()}
    assert checked > 50


def test_fairness_reads_the_group_rows_once_per_period(ds, app, monkeypatch, count_queries):
    """The fairness page's three groupings come from one pass over the group day rows (per center,
    report_group_center_days, since revision 0031) and one over report_group_totals per period (the
    period and, with the cell-key method, before it), not one per grouping."""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "cellkey")
    for args in ({"period": "year", "year": "2025"}, {"period": "custom", "start": "2025-03-31", "end": "2025-12-05"}):
        f, _ = parse_filters(args, today=TODAY)
        _assert_group_rows_read_once(f, count_queries)


def _assert_group_rows_read_once(f, count_queries):
    with count_queries() as counter:
        reports.fairness(f, actor=READER)
    reads = [s for s in counter.statements if s.lstrip().upper().startswith("SELECT")]
    periods = 1 + (f.before_start() is not None)
    assert sum(" report_group_center_days" in s for s in reads) == periods
    assert not any(" report_group_days" in s for s in reads)
    assert sum(" report_group_totals" in s for s in reads) == periods


@pytest.mark.parametrize("args", [{"period": "year", "year": "2025"}, {"period": "quarter", "year": "2025", "quarter": "1"},
                                  {"period": "custom", "start": "2025-03-31", "end": "2025-12-05"},
                                  {"period": "year", "year": "2025", "level": "advanced"}])
def test_fairness_all_row_is_the_regions_tables_national_row_without_reading_placements(ds, app, monkeypatch,
                                                                                       count_queries, args):
    """With the cell-key method every cell is published from its own records, so the fairness
    page's "All" row is read on its own (no regions table, no placements): its cells are the
    national row of the regions table, cell for cell."""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "cellkey")
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    f, _ = parse_filters(args, today=TODAY)
    with count_queries() as counter:
        report = reports.fairness(f, actor=READER)
    assert not [s for s in counter.statements if "placements" in s]
    national = reports.regions_table(f, actor=READER).table("regions").table.total["cells"]
    for table in report.tables:
        for column in ("completion_rate", "completed", "certification_rate", "placement_rate"):
            assert table.table.total["cells"][column] == national[column], (args, column)
    assert any(national[c].value for c in ("completed", "completion_rate"))


@pytest.mark.parametrize("page", ["region", "center", "trends", "fairness"])
@pytest.mark.parametrize("args", [{"period": "year", "year": "2025"},
                                  {"period": "custom", "start": "2024-01-01", "end": "2025-12-31"}])
def test_cellkey_pages_do_not_compute_the_tables_above_them(ds, app, monkeypatch, count_queries, page, args):
    """The cell-key method ignores a total row's preset, so the region and center drill-downs, the
    trends and the fairness page do not compute the regions table (or a region's centers) for it:
    fewer statements, and every published cell the same as with the tables above computed."""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "cellkey")
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 2)
    f, _ = parse_filters(args, today=TODAY)
    build = {"region": lambda: reports.region_centers(f, ds.baku.region_id, actor=READER),
             "center": lambda: reports.center_breakdown(f, ds.ganja.id, actor=READER),
             "trends": lambda: reports.trends(f, actor=READER),
             "fairness": lambda: reports.fairness(f, actor=READER)}[page]
    with count_queries() as lean:
        report = build()
    monkeypatch.setattr(reports, "_presets", lambda: True)  # the tables above computed, as before
    with count_queries() as full:
        before = build()
    assert [t.as_json() for t in report.tables] == [t.as_json() for t in before.tables]
    assert report.extra == before.extra
    assert lean.count < full.count
    assert any(cell.get("value") for t in report.tables for row in t.as_json()["rows"]
               for cell in row.values() if isinstance(cell, dict))


def test_age_band_is_the_age_on_the_cohorts_first_day(factory):
    """24 on the cohort's first day, 25 by the end of the year: counted under 25 in every period,
    by the summary and by the live tables alike (born 29 February: 25 on 1 March)."""
    cohort = factory.cohort(start_date=date(2025, 3, 1), end_date=date(2025, 6, 30), status="completed")
    for born in (date(2000, 6, 1), date(2000, 3, 2), date(2000, 3, 1), date(2000, 2, 29)):
        trainee = factory.trainee(birth_date=born)
        factory.enrollment(trainee, cohort, status="completed", enrolled_at=datetime(2025, 2, 20, tzinfo=timezone.utc),
                           completed_at=datetime(2025, 6, 30, 8, tzinfo=timezone.utc))
    db.session.commit()
    for args in ({"period": "year", "year": "2025"}, {"period": "custom", "start": "2025-06-01", "end": "2026-12-31"}):
        f, _ = parse_filters(args, today=TODAY)
        for live in (False, True):
            data = queries.enrollment_metrics(f, "age_band", ("completion_den",), live=live)
            assert {k: v["completion_den"] for k, v in data.items()} == {"under_25": 2, "25_34": 2}, (args, live)


def test_a_trainees_new_gender_birth_date_or_home_region_moves_their_figures(ds):
    """Trainee data changes re-mark every cohort of the trainee (completed, failed, still enrolled)."""
    f5, m7, a1 = ds.trainees["f5"], ds.trainees["m7"], ds.trainees["a1"]
    f, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY)
    before = queries.enrollment_metrics(f, "gender", ("completion_den",))
    for trainee, change in ((f5, {"gender": "M"}), (m7, {"birth_date": "1970-01-01"}),
                            (a1, {"home_region": "GANJA_DASHKASAN"}), (f5, {"home_region": "BAKU", "gender": "F"})):
        people.update_trainee(SYSTEM, trainee.id, change)
        db.session.commit()
        assert live_equals_summary() == [], change
    after = queries.enrollment_metrics(f, "gender", ("completion_den",))
    assert after == before  # f5 is a woman again
    by_band = queries.enrollment_metrics(f, "age_band", ("completion_den",))
    assert by_band["45_plus"]["completion_den"] == 1  # m7, failed in K2


def test_placement_figures_equal_live(ds, app, monkeypatch):
    """People placed, placements and markets (every dimension and filter), mobility and the trend
    series: the same from the kept per-cohort placements as from the live join."""
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    checked = 0
    for args in PERIODS:
        for extra in ({}, {"level": "foundation"}, {"skill": ds.skill.code}):
            f, _ = parse_filters({**args, **extra}, today=TODAY)
            for scoped in (f, f.scoped(region_id=ds.baku.region_id)):
                for dimension in summary.SUMMARY_DIMENSIONS:
                    built = queries.placement_metrics(scoped, dimension, with_total=True)
                    assert built == queries.placement_metrics(scoped, dimension, with_total=True, live=True)
                    checked += bool(built[queries.TOTAL]["placements"])
                assert queries.mobility_metrics(scoped) == queries.mobility_metrics(scoped, live=True)
    assert checked > 50
    f, _ = parse_filters({"period": "custom", "start": "2024-01-01", "end": "2026-12-31"}, today=TODAY)
    with_summary = [t.as_json() for t in reports.trends(f, actor=READER).tables + reports.mobility(f, actor=READER).tables]
    db.session.execute(delete(ReportSummaryState))
    live = [t.as_json() for t in reports.trends(f, actor=READER).tables + reports.mobility(f, actor=READER).tables]
    assert with_summary == live


def test_a_placement_moved_to_another_employer_or_person_is_recounted(ds):
    """The employer is read live (market, city); the person is kept: both moves stay exact."""
    f1, f6 = ds.trainees["f1"], ds.trainees["f6"]
    p = placement.record_placement(SYSTEM, f1.id, **job(start_date="2025-10-01", country_code="AZ"))
    db.session.commit()
    assert live_equals_summary() == []
    placement.update_placement(SYSTEM, p.id, employer_name="Berlin Vision", country_code="DE")
    db.session.commit()
    assert live_equals_summary() == []
    db.session.execute(update(Placement).where(Placement.id == p.id).values(trainee_id=f6.id))
    db.session.commit()
    assert any("placements" in line for line in live_equals_summary())  # a Core write: not seen ...
    summary.mark_cohorts(db.session, [ds.cohorts[1].id, ds.cohorts[2].id])  # ... until marked
    db.session.commit()
    assert live_equals_summary() == []
    moved = db.session.get(Placement, p.id)
    moved.trainee_id = f1.id  # through the ORM: marked by the session events
    db.session.commit()
    assert live_equals_summary() == []


def test_other_time_zones_read_the_live_tables(ds, app):
    f, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY)
    assert summary.usable(db.session, f, "gender") and summary.usable(db.session, f, "age_band")
    other, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY, timezone="Europe/Moscow")
    assert not summary.usable(db.session, other, None)
    assert summary.usable(db.session, f, "region")


def test_days_are_counted_in_the_report_time_zone(factory):
    """An enrollment at 21:30 UTC on 31 December is 1 January in Baku (UTC+4)."""
    cohort = factory.cohort(start_date=date(2026, 1, 10), end_date=date(2026, 3, 1), status="running")
    factory.enrollment(cohort=cohort, status="enrolled", enrolled_at=datetime(2025, 12, 31, 21, 30, tzinfo=timezone.utc))
    db.session.commit()
    assert db.session.execute(select(ReportCohortDay.day, ReportCohortDay.enrolled)).all() == [(date(2026, 1, 1), 1)]
    for year, expected in ((2025, 0), (2026, 1)):
        f, _ = parse_filters({"period": "year", "year": str(year)}, today=TODAY)
        assert queries.enrollment_metrics(f).get(0, {}).get("enrolled", 0) == expected
        assert queries.enrollment_metrics(f, live=True).get(0, {}).get("enrolled", 0) == expected


def test_every_service_write_keeps_the_summary_current(ds, factory):
    """One committed transaction per user action, as the web and API make them."""
    k1, k2, k3 = ds.cohorts[1], ds.cohorts[2], ds.cohorts[3]
    steps = []

    def step(name):
        db.session.commit()
        problems = live_equals_summary()
        assert problems == [], (name, problems)
        steps.append(name)

    # enroll, waitlist, withdraw (and the waiting list's promotion)
    newcomer = factory.trainee()
    db.session.commit()
    learning.enroll(SYSTEM, k3.id, newcomer.id)
    step("enroll")
    e = db.session.scalar(select(Enrollment).where(Enrollment.trainee_id == newcomer.id))
    learning.withdraw(SYSTEM, e.id, "moved away")
    step("withdraw")
    learning.enroll(SYSTEM, k3.id, newcomer.id)
    step("enroll again")
    # scores, then completing the cohort (completions and awards in one transaction)
    k3 = db.session.get(Cohort, k3.id)
    k3.end_date = clock.today() - timedelta(days=1)
    k3.version += 1
    step("cohort dates")
    enrolled = list(db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == k3.id,
                                                                Enrollment.status == "enrolled")))
    learning.record_scores(SYSTEM, k3.id, {x.id: "90" for x in enrolled[:-1]} | {enrolled[-1].id: "10"})
    db.session.execute(update(Enrollment).where(Enrollment.cohort_id == k3.id).values(attendance_pct=Decimal(95)))
    step("scores")
    learning.complete_cohort(SYSTEM, k3.id)
    step("complete cohort")
    assert db.session.execute(select(ReportCohortTotal.active, ReportCohortTotal.finished).where(
        ReportCohortTotal.cohort_id == k3.id)).one() == (0, len(enrolled) + 1)  # + the applicant, withdrawn
    # awards: revoke, renew
    award = credentials.get_award(SYSTEM, db.session.scalar(
        select(func.min(credentials.Award.id)).where(credentials.Award.revoked_at.is_(None))))
    credentials.revoke_award(SYSTEM, award, "issued in error")
    step("revoke award")
    # placements: record, reject, verify, end, move
    f6 = ds.trainees["f6"]
    p = placement.record_placement(SYSTEM, f6.id, **job(start_date="2026-01-10"))
    step("record placement")
    placement.reject_placement(SYSTEM, p.id, "not confirmed")
    step("reject placement")
    placement.verify_placement(SYSTEM, p.id)
    step("verify placement")
    placement.update_placement(SYSTEM, p.id, start_date="2027-01-10")
    step("move placement")
    # cohort dates moved (the 6-month window follows the cohort's end), cohort cancelled
    k2 = db.session.get(Cohort, k2.id)
    k2.end_date = date(2025, 12, 20)
    step("completed cohort's end date corrected")
    extra = factory.cohort(ds.baku, ds.course_a, start_date=clock.today() + timedelta(days=30),
                           end_date=clock.today() + timedelta(days=90), status="open")
    db.session.commit()
    learning.enroll(SYSTEM, extra.id, factory.trainee().id)
    step("enroll into a new cohort")
    learning.change_status(SYSTEM, extra.id, "cancelled", reason="no teacher", version=extra.version)
    step("cancel cohort")
    assert db.session.scalar(select(func.sum(ReportCohortTotal.finished)).where(
        ReportCohortTotal.cohort_id == extra.id)) == 1
    assert len(steps) == 14


def test_rolled_back_changes_leave_the_summary_alone(ds, factory):
    def rows():
        return [db.session.execute(select(table).order_by(*table.__table__.primary_key.columns)).all()
                for table in (ReportCohortTotal, ReportCohortDay, ReportGroupTotal, ReportGroupDay)]

    before = rows()
    learning.enroll(SYSTEM, ds.cohorts[3].id, factory.trainee(gender="M", birth_date=date(1960, 1, 1)).id)
    people.update_trainee(SYSTEM, ds.trainees["f1"].id, {"gender": "M"})
    f, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY)
    # Read inside the same transaction: the summary includes the transaction's own change ...
    assert queries.enrollment_metrics(f)[0]["active"] == 6
    assert queries.enrollment_metrics(f, "age_band")["45_plus"]["active"] == 1
    db.session.rollback()
    # ... and after the rollback neither the change nor its count is there.
    after = rows()
    assert after == before
    assert queries.enrollment_metrics(f)[0]["active"] == 5
    assert live_equals_summary() == []


def test_core_writes_are_marked_by_hand(ds):
    """A bulk statement the ORM events cannot see: without mark_cohorts the summary would be stale."""
    k3 = ds.cohorts[3]
    db.session.execute(update(Enrollment).where(Enrollment.cohort_id == k3.id, Enrollment.status == "enrolled")
                       .values(status="withdrawn"), execution_options={"synchronize_session": False})
    db.session.commit()
    assert any("active" in line for line in live_equals_summary())  # the check notices staleness
    db.session.execute(update(Enrollment).where(Enrollment.cohort_id == k3.id, Enrollment.status == "withdrawn")
                       .values(status="enrolled"), execution_options={"synchronize_session": False})
    summary.mark_cohorts(db.session, [k3.id])
    db.session.commit()
    assert live_equals_summary() == []


def test_a_savepoint_rolled_back_keeps_the_changes_made_before_it_counted(ds, factory):
    """A failed item of a bulk action rolls back its savepoint only: what the transaction changed
    before it (and in earlier savepoints) still reaches the summary at the commit."""
    k3 = ds.cohorts[3]
    first, second, third = factory.trainee(), factory.trainee(), factory.trainee()
    db.session.commit()
    with db.session.begin_nested():
        learning.enroll(SYSTEM, k3.id, second.id)             # in a savepoint that is released
    learning.enroll(SYSTEM, k3.id, first.id)                  # in the transaction itself
    with pytest.raises(RuntimeError):
        with db.session.begin_nested():                       # and one that fails
            learning.enroll(SYSTEM, k3.id, third.id)
            raise RuntimeError("this item cannot be done")
    db.session.commit()
    assert live_equals_summary() == []
    assert db.session.scalar(select(func.count()).select_from(Enrollment).where(
        Enrollment.cohort_id == k3.id, Enrollment.trainee_id.in_([first.id, second.id, third.id]))) == 2


def test_a_bulk_action_with_a_savepoint_per_item_recounts_its_cohort_once(ds, factory, count_queries):
    """Deciding fifty applications took a savepoint each, and each savepoint's release recounted the
    cohort (SQLAlchemy sends before_commit for it): 56 recounts, 2,500 statements, over 15 s on a
    loaded machine. The marks now wait for the commit of the whole transaction."""
    from talent.applications import services as applications
    cohort = factory.cohort(ds.baku, ds.course_a, start_date=clock.today() + timedelta(days=30),
                            end_date=clock.today() + timedelta(days=90), status="open", capacity=100)
    admin = factory.center_admin(ds.baku)
    ids = [applications.submit({"fin": f"R{i:06d}", "birth_date": "1999-01-01", "first_name": "Ad",
                                "last_name": f"Soyad{i}", "gender": "F", "home_region": "BAKU", "phone": "0551234567",
                                "consent": True}, cohort_id=cohort.id).application.id for i in range(8)]
    db.session.commit()
    with count_queries() as counter:
        outcomes = applications.decide_many(Actor.for_user(admin), ids, "accept")
        db.session.commit()
    assert all(o.ok for o in outcomes), outcomes
    recounts = [s for s in counter.statements if s.lstrip().upper().startswith("DELETE FROM REPORT_COHORT_TOTALS")]
    assert len(recounts) == 1
    assert live_equals_summary() == []


def test_rebuild_and_check_commands(ds, app):
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["reports", "check-summary"])
    assert ok.exit_code == 0, ok.output
    assert "equals the live tables" in ok.output
    db.session.execute(update(ReportCohortTotal).values(active=ReportCohortTotal.active + 1))
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    assert bad.exit_code == 1 and "active summary" in bad.output
    db.session.execute(update(ReportCohortTotal).values(active=ReportCohortTotal.active - 1))
    # The group figures sum the group rows per center (what the pages read): wrong there, they show.
    db.session.execute(update(ReportGroupCenterDay).where(ReportGroupCenterDay.gender == "F")
                       .values(completed=ReportGroupCenterDay.completed + 1))
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    assert bad.exit_code == 1 and "gender F: completed summary" in bad.output, bad.output
    assert "national" not in bad.output  # only the group rows were wrong
    assert "group center day (" in bad.output   # and they no longer add up the cohorts' group rows
    db.session.execute(update(ReportGroupCenterDay).where(ReportGroupCenterDay.gender == "F")
                       .values(completed=ReportGroupCenterDay.completed - 1))
    # A cohort's group row wrong: its center's roll-up no longer equals the sum.
    db.session.execute(update(ReportGroupDay).where(ReportGroupDay.gender == "F")
                       .values(completed=ReportGroupDay.completed + 1))
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    assert bad.exit_code == 1 and "group center day (" in bad.output, bad.output
    db.session.execute(update(ReportGroupDay).where(ReportGroupDay.gender == "F")
                       .values(completed=ReportGroupDay.completed - 1))
    db.session.execute(delete(ReportCohortPlacement).where(ReportCohortPlacement.cohort_id == ds.cohorts[2].id))
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    # The groupings read from the placement rows miss the cohort's job; the national figure reads the
    # monthly roll-up (which still counts it), and the roll-up no longer equals the rows it adds up.
    assert bad.exit_code == 1 and "2025 course placements 2: placements summary 0 live 1" in bad.output, bad.output
    # Mobility reads its own roll-up (placements per region, month and employer), which no longer
    # adds up the rows either.
    assert "placement month ('all', 0, datetime.date(2025, 12, 1)" in bad.output
    assert "employer month (" in bad.output
    skipped = runner.invoke(args=["reports", "rebuild-summary", "--if-missing"])
    assert skipped.exit_code == 0 and "already built" in skipped.output
    rebuilt = runner.invoke(args=["reports", "rebuild-summary"])
    assert rebuilt.exit_code == 0 and "4 cohorts" in rebuilt.output, rebuilt.output
    assert db.session.scalar(select(func.count()).select_from(ReportGroupTotal)) > 4
    db.session.remove()
    assert runner.invoke(args=["reports", "check-summary"]).exit_code == 0
    db.session.execute(delete(ReportSummaryState))
    db.session.commit()
    missing = runner.invoke(args=["reports", "check-summary"])
    assert missing.exit_code == 1 and "not built" in missing.output


def test_unbuilt_summary_is_not_maintained_and_reports_stay_correct(ds, factory):
    db.session.execute(delete(ReportSummaryState))
    db.session.commit()
    f, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY)
    assert not summary.usable(db.session, f, None)
    learning.enroll(SYSTEM, ds.cohorts[3].id, factory.trainee().id)
    db.session.commit()
    assert queries.enrollment_metrics(f)[0]["active"] == 6  # live
    counts = summary.rebuild(db.session, "Asia/Baku")
    db.session.commit()
    assert counts["cohorts"] == 4
    assert queries.enrollment_metrics(f)[0]["active"] == 6  # summary
    assert live_equals_summary() == []


def test_demo_data_builds_the_summary(app):
    from talent.demo import build_demo
    build_demo(trainees=300, seed=7)
    db.session.commit()
    assert summary.built_timezone(db.session) == "Asia/Baku"
    assert db.session.scalar(select(func.count()).select_from(ReportCohortDay)) > 0
    assert db.session.scalar(select(func.count()).select_from(ReportGroupDay)) > 0
    # every dimension, the trainee groups' included
    assert "age_band" in summary.SUMMARY_DIMENSIONS
    assert live_equals_summary(years=range(clock.today().year - 3, clock.today().year + 1), today=clock.today()) == []


@pytest.mark.committed
def test_concurrent_enrollments_into_one_cohort_are_all_counted(app, factory):
    """Two transactions recounting one cohort must not overwrite each other (PostgreSQL locks)."""
    if not is_postgres(app):
        pytest.skip("SQLite runs one writer at a time; the row lock is PostgreSQL's")
    cohort = factory.cohort(start_date=clock.today() + timedelta(days=5), end_date=clock.today() + timedelta(days=60),
                            status="open", capacity=50)
    trainees = [factory.trainee(gender="FM"[i % 2]) for i in range(12)]
    db.session.commit()
    cohort_id, ids = cohort.id, [t.id for t in trainees]
    errors = []
    barrier = threading.Barrier(6)

    def worker(chunk):
        with app.app_context():
            try:
                barrier.wait()
                for tid in chunk:
                    learning.enroll(SYSTEM, cohort_id, tid)
                    db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(ids[i::6],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.session.scalar(select(ReportCohortTotal.active).where(ReportCohortTotal.cohort_id == cohort_id)) == 12
    assert db.session.scalar(select(func.sum(ReportCohortDay.enrolled)).where(
        ReportCohortDay.cohort_id == cohort_id)) == 12
    assert db.session.execute(select(ReportGroupTotal.gender, func.sum(ReportGroupTotal.active))
                              .where(ReportGroupTotal.cohort_id == cohort_id)
                              .group_by(ReportGroupTotal.gender).order_by(ReportGroupTotal.gender)).all() == [
        ("F", 6), ("M", 6)]


def test_a_committed_import_is_counted(app, factory):
    """The import writes enrollments with Core bulk statements and marks the cohort itself."""
    from talent.imports import services as imports
    from tests.learning_helpers import actor
    from tests.test_import_services import csv_bytes
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=2)
    admin = actor(factory.center_admin(center))
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert imports.commit_import(admin, csv_bytes(), center_id=center.id, cohort_id=cohort.id).committed
        db.session.commit()
    assert db.session.scalar(select(ReportCohortTotal.active).where(ReportCohortTotal.cohort_id == cohort.id)) == 2
    year = clock.today().year
    assert live_equals_summary(years=[year], today=clock.today()) == []
