"""The representative rows of the cohorts' placements (revision 0022_summary_people): a placement
counts with every completed cohort of its trainee, and of its rows in one group exactly one (the
lowest cohort id) carries that grouping's flag, so the ministry pages count a group's placements
as its flagged rows instead of deduplicating. Every figure both ways (summary and live), the flags
by hand, their upkeep on every change that moves a row between groups, rollback, and the check.
"""
from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from talent.centers import services as centers
from talent.extensions import db
from talent.geo.models import Region
from talent.permissions import Actor
from talent.placement import services as placement
from talent.reporting import queries, summary
from talent.reporting.models import ReportCohortPlacement
from talent.reporting.periods import parse_filters
from tests.admin_helpers import job
from tests.reports_helpers import TODAY, _ts, build_dataset

SYSTEM = Actor.system()
FLAGS = summary.REPRESENTATIVE_FLAGS


def flags(placement_id: int) -> dict[int, dict[str, bool]]:
    F = ReportCohortPlacement
    rows = db.session.execute(select(F.cohort_id, *[getattr(F, n) for n in FLAGS])
                              .where(F.placement_id == placement_id)).all()
    return {r[0]: dict(zip(FLAGS, map(bool, r[1:]))) for r in rows}


GRID_PERIODS = ({"period": "year", "year": "2025"}, {"period": "custom", "start": "2024-01-01", "end": "2026-12-31"},
                {"period": "quarter", "year": "2025", "quarter": "4"})


def every_grouping_equals_live(ds) -> int:
    """Placement figures through the representative rows and through the live join, for every
    grouping the pages use (and those that fall back to DISTINCT). Returns placements counted.

    A test's first call compares every scope in every period. Later calls compare every period
    nationally and, for the region, center and sector scopes, one period in turn: a test that checks
    after each of its changes compares each state in the whole country and each scope in every period
    across its states, at less than half of the statements (CI time: these grids were the slowest
    tests)."""
    counted = 0
    turn = getattr(ds, "grid_turn", 0)
    ds.grid_turn = turn + 1
    for index, args in enumerate(GRID_PERIODS):
        f, _ = parse_filters(args, today=TODAY)
        scopes = [f]
        if turn == 0 or index == turn % len(GRID_PERIODS):
            scopes += [f.scoped(region_id=ds.baku.region_id), f.scoped(region_id=ds.ganja.region_id),
                       f.scoped(center_id=ds.baku.id), f.scoped(center_id=ds.ganja.id),
                       f.scoped(sector_id=ds.course_a.sector_id), f.scoped(sector_id=ds.course_b.sector_id)]
        for scoped in scopes:
            for dimension in summary.SUMMARY_DIMENSIONS:
                built = queries.placement_metrics(scoped, dimension, with_total=True)
                assert built == queries.placement_metrics(scoped, dimension, with_total=True, live=True), \
                    (args, scoped.region_id, scoped.center_id, dimension)
                counted += built[queries.TOTAL]["placements"]
            assert queries.mobility_metrics(scoped) == queries.mobility_metrics(scoped, live=True)
    return counted


def twice_placed(ds, factory):
    """A woman born 1 June 2000 who completed K1 (Baku center, course A, from 10 January 2025: aged
    24) and K2 (Ganja center, course B, from 1 September 2025: aged 25), then took one job on
    10 December 2025: one placement with two rows."""
    _, k1, k2, _ = ds.cohorts
    x = factory.trainee(gender="F", region="BAKU", birth_date=date(2000, 6, 1), first_name="X")
    factory.enrollment(x, k1, status="completed", enrolled_at=_ts(2025, 1, 5), completed_at=_ts(2025, 3, 31))
    factory.enrollment(x, k2, status="completed", enrolled_at=_ts(2025, 8, 20), completed_at=_ts(2025, 11, 30))
    p = placement.record_placement(SYSTEM, x.id, **job(start_date="2025-12-10", country_code="AZ"))
    db.session.commit()
    return p


def test_a_placement_with_two_cohorts_is_one_nationally_and_one_in_each_of_their_groups(factory):
    ds = build_dataset(factory)
    db.session.commit()
    f, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY)
    before = {d: queries.placement_metrics(f, d, with_total=True) for d in (None, "region", "center", "age_band")}
    p = twice_placed(ds, factory)
    _, k1, k2, _ = ds.cohorts
    assert k1.id < k2.id
    # By hand: the lowest cohort carries the national flag; the two rows differ in region, center,
    # (center, course) and age band (24 on K1's first day, 25 on K2's), so each carries those flags.
    assert flags(p.id) == {k1.id: dict.fromkeys(FLAGS, True),
                           k2.id: {"rep_all": False, "rep_region": True, "rep_center": True, "rep_course": True,
                                   "rep_age": True, "rep_sector": False}}   # courses A and B: one sector
    after = {d: queries.placement_metrics(f, d, with_total=True) for d in before}
    assert after[None][0]["placements"] == before[None][0]["placements"] + 1  # once, not twice
    assert after[None][0]["placed"] == before[None][0]["placed"] + 1
    for dimension, groups in (("region", (ds.baku.region_id, ds.ganja.region_id)),
                              ("center", (ds.baku.id, ds.ganja.id)), ("age_band", ("under_25", "25_34"))):
        for g in groups:
            old = before[dimension].get(g, {}).get("placements", 0)
            assert after[dimension][g]["placements"] == old + 1, (dimension, g)
        assert after[dimension][queries.TOTAL]["placements"] == after[None][0]["placements"]
    assert every_grouping_equals_live(ds) > 0
    assert summary.wrong_representatives(db.session) == []


def test_the_flag_moves_when_a_row_goes_or_a_cohort_changes_group(factory):
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    _, k1, k2, _ = ds.cohorts
    # K2 moved to the Baku center (an ORM write, seen by the session events): same region, same
    # center, another course: K2's row keeps only its (center, course) and age-band flags.
    db.session.get(type(k2), k2.id).center_id = ds.baku.id
    db.session.commit()
    assert flags(p.id)[k2.id] == {"rep_all": False, "rep_region": False, "rep_center": False, "rep_course": True,
                                  "rep_age": True, "rep_sector": False}
    assert every_grouping_equals_live(ds) > 0
    db.session.get(type(k2), k2.id).center_id = ds.ganja.id
    db.session.commit()
    assert flags(p.id)[k2.id]["rep_region"] is True
    # The Ganja center moved to the Baku region (the centers service): one region, two centers.
    baku_region = db.session.get(Region, ds.baku.region_id)
    centers.update_center(SYSTEM, ds.ganja.id, region_id=baku_region.id)
    db.session.commit()
    assert flags(p.id)[k2.id] == {"rep_all": False, "rep_region": False, "rep_center": True, "rep_course": True,
                                  "rep_age": True, "rep_sector": False}
    assert every_grouping_equals_live(ds) > 0
    # K1's completion undone (a Core write, marked by hand): K2's row is the placement's only row
    # and carries every flag.
    from talent.learning.models import Enrollment
    db.session.execute(update(Enrollment).where(Enrollment.cohort_id == k1.id, Enrollment.trainee_id == p.trainee_id)
                       .values(status="failed"), execution_options={"synchronize_session": False})
    summary.mark_cohorts(db.session, [k1.id])
    db.session.commit()
    assert flags(p.id) == {k2.id: dict.fromkeys(FLAGS, True)}
    assert every_grouping_equals_live(ds) > 0
    assert summary.wrong_representatives(db.session) == []


def test_a_birth_date_change_moves_the_age_band_flag(factory):
    from talent.people import services as people
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    _, k1, k2, _ = ds.cohorts
    people.update_trainee(SYSTEM, p.trainee_id, {"birth_date": "1995-06-01"})  # 29 and 30: one band
    db.session.commit()
    assert flags(p.id)[k2.id]["rep_age"] is False and flags(p.id)[k1.id]["rep_age"] is True
    assert every_grouping_equals_live(ds) > 0


def test_a_rolled_back_transaction_leaves_the_flags_alone(factory):
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    _, k1, k2, _ = ds.cohorts
    kept = flags(p.id)
    db.session.get(type(k2), k2.id).center_id = ds.baku.id
    summary.sync(db.session)
    assert flags(p.id)[k2.id]["rep_center"] is False  # inside the transaction: recounted
    db.session.rollback()
    assert flags(p.id) == kept
    assert summary.wrong_representatives(db.session) == []


def test_check_summary_catches_a_wrong_flag(factory, app):
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    _, k1, k2, _ = ds.cohorts
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "check-summary"]).exit_code == 0
    F = ReportCohortPlacement
    db.session.execute(update(F).where(F.placement_id == p.id, F.cohort_id == k2.id).values(rep_all=True))
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    assert bad.exit_code == 1
    assert f"placement {p.id} cohort {k2.id}: representative flags" in bad.output, bad.output
    assert "placements summary" in bad.output  # the doubled placement shows in the figures too


# ---- people placed as a filtered count (revision 0024_summary_first_job) ----------------------

PREVIOUS = summary.PREVIOUS_STARTS


def previous(placement_id: int) -> dict[int, dict[str, date | None]]:
    F = ReportCohortPlacement
    rows = db.session.execute(select(F.cohort_id, *[getattr(F, n) for n in PREVIOUS])
                              .where(F.placement_id == placement_id)).all()
    return {r[0]: dict(zip(PREVIOUS, r[1:])) for r in rows}


def people_placed(args: dict, dimension=None, **scope) -> dict:
    f, _ = parse_filters(args, today=TODAY)
    if scope:
        f = f.scoped(**scope)
    built = queries.placement_metrics(f, dimension, with_total=True)
    assert built == queries.placement_metrics(f, dimension, with_total=True, live=True), (args, dimension, scope)
    return {k: v["placed"] for k, v in built.items()}


def test_a_person_with_three_jobs_is_placed_once_in_every_period_that_holds_one(factory):
    """X completed K1 (Baku) and K2 (Ganja) and took three jobs: 10 December 2025 (rows in K1 and
    K2), 5 January 2026 and 20 March 2026 (rows in K1 and K2 as well, both cohorts started before).
    By hand, per grouping the previous start of each flagged row; then the people placed in every
    period and grouping, against the pass per person of the live tables."""
    ds = build_dataset(factory)
    db.session.commit()
    _, k1, k2, _ = ds.cohorts
    base = {p: people_placed({"period": "custom", "start": p[0], "end": p[1]})
            for p in (("2025-10-01", "2025-12-31"), ("2026-01-01", "2026-03-31"), ("2025-01-01", "2026-12-31"),
                      ("2026-03-01", "2026-03-31"))}
    first = twice_placed(ds, factory)
    x = first.trainee_id
    second = placement.record_placement(SYSTEM, x, **job(start_date="2026-01-05", country_code="AZ"))
    third = placement.record_placement(SYSTEM, x, **job(start_date="2026-03-20", country_code="TR"))
    db.session.commit()
    # rep_all is on K1's rows only (the lowest cohort of each placement); region, center, course and
    # age band differ between K1 and K2, so both rows carry those flags, each in its own chain.
    assert previous(first.id) == {k1.id: dict.fromkeys(PREVIOUS), k2.id: dict.fromkeys(PREVIOUS)}
    d1, d2 = date(2025, 12, 10), date(2026, 1, 5)
    # K2's row carries no national and no sector flag (courses A and B are in one sector): no previous start.
    assert previous(second.id) == {k1.id: dict.fromkeys(PREVIOUS, d1),
                                   k2.id: {**{n: d1 for n in PREVIOUS[1:]}, "prev_all": None, "prev_sector": None}}
    assert previous(third.id) == {k1.id: dict.fromkeys(PREVIOUS, d2),
                                  k2.id: {**{n: d2 for n in PREVIOUS[1:]}, "prev_all": None, "prev_sector": None}}
    # One more person in each period that holds at least one of the three jobs, whatever the count.
    for (start, end), before in base.items():
        after = people_placed({"period": "custom", "start": start, "end": end})
        assert after[0] == before.get(0, 0) + 1, (start, end)
    # Per region: one person in Baku and one in Ganja for 2026 Q1 (two jobs each, counted once).
    q1 = {"period": "quarter", "year": "2026", "quarter": "1"}
    by_region = people_placed(q1, "region")
    assert by_region[ds.baku.region_id] >= 1 and by_region[ds.ganja.region_id] >= 1
    assert by_region[queries.TOTAL] == people_placed(q1)[0]
    for scope in ({"region_id": ds.baku.region_id}, {"center_id": ds.ganja.id}):
        for dimension in summary.SUMMARY_DIMENSIONS:
            people_placed(q1, dimension, **scope)
    assert every_grouping_equals_live(ds) > 0
    assert summary.wrong_previous_starts(db.session) == []


def test_the_chain_mends_when_a_job_is_rejected_or_moved(factory):
    ds = build_dataset(factory)
    db.session.commit()
    _, k1, k2, _ = ds.cohorts
    first = twice_placed(ds, factory)
    second = placement.record_placement(SYSTEM, first.trainee_id, **job(start_date="2026-01-05", country_code="AZ"))
    third = placement.record_placement(SYSTEM, first.trainee_id, **job(start_date="2026-03-20", country_code="AZ"))
    db.session.commit()
    # The middle job is rejected: its rows go, the third job's previous start is the first's.
    from talent.placement.models import Placement
    db.session.get(Placement, second.id).verification = "rejected"
    db.session.commit()
    assert previous(second.id) == {}
    assert previous(third.id)[k1.id]["prev_all"] == date(2025, 12, 10)
    # The first job moved after the third: the third is now the first in its chains.
    db.session.get(Placement, first.id).start_date = date(2026, 4, 2)
    db.session.commit()
    assert previous(third.id)[k1.id] == dict.fromkeys(PREVIOUS)
    assert previous(first.id)[k1.id] == dict.fromkeys(PREVIOUS, date(2026, 3, 20))
    assert summary.wrong_previous_starts(db.session) == []
    assert every_grouping_equals_live(ds) > 0
    q = {"period": "custom", "start": "2026-04-01", "end": "2026-04-30"}
    assert people_placed(q)[0] == 1  # the first job alone in April: its earlier row is before the period


def test_a_rolled_back_transaction_leaves_the_previous_starts_alone(factory):
    ds = build_dataset(factory)
    db.session.commit()
    first = twice_placed(ds, factory)
    second = placement.record_placement(SYSTEM, first.trainee_id, **job(start_date="2026-01-05", country_code="AZ"))
    db.session.commit()
    kept = previous(second.id)
    from talent.placement.models import Placement
    db.session.get(Placement, first.id).start_date = date(2026, 2, 1)
    summary.sync(db.session)
    assert previous(second.id) != kept  # inside the transaction: recounted
    db.session.rollback()
    assert previous(second.id) == kept
    assert summary.wrong_previous_starts(db.session) == []


def test_check_summary_catches_a_wrong_previous_start(factory, app):
    ds = build_dataset(factory)
    db.session.commit()
    _, k1, _, _ = ds.cohorts
    first = twice_placed(ds, factory)
    second = placement.record_placement(SYSTEM, first.trainee_id, **job(start_date="2026-01-05", country_code="AZ"))
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "check-summary"]).exit_code == 0
    F = ReportCohortPlacement
    db.session.execute(update(F).where(F.placement_id == second.id, F.cohort_id == k1.id).values(prev_all=None))
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    assert bad.exit_code == 1
    assert f"placement {second.id} cohort {k1.id}: previous starts" in bad.output, bad.output


def test_a_sector_counts_each_placement_once_and_follows_its_courses(factory):
    """People placed and placements in a sector, nationally, from the sector flag (revision
    0027_summary_sector): the person placed after two courses of one sector is one placement and
    one person there; when course B moves to a sector of its own, K2's row takes that sector's flag."""
    from talent.catalog.models import Course
    from talent.reporting.queries.common import representative_flag
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    _, k1, k2, _ = ds.cohorts
    f, _ = parse_filters({"period": "year", "year": "2025"}, today=TODAY)
    shared = f.scoped(sector_id=ds.course_a.sector_id)
    assert representative_flag(shared, None) == "rep_sector"
    before = queries.placement_metrics(shared, None)
    assert before == queries.placement_metrics(shared, None, live=True)
    from talent.catalog.models import Sector
    other = db.session.scalars(select(Sector).where(Sector.id != ds.course_a.sector_id).order_by(Sector.id)).first()
    course_b = db.session.get(Course, ds.course_b.id)
    course_b.sector_id = other.id
    db.session.commit()
    assert flags(p.id)[k2.id]["rep_sector"] is True and flags(p.id)[k1.id]["rep_sector"] is True
    own = f.scoped(sector_id=other.id)
    for filters in (shared, own):
        assert queries.placement_metrics(filters, None) == queries.placement_metrics(filters, None, live=True)
    assert queries.placement_metrics(own, None)[0]["placements"] >= 1
    assert summary.wrong_representatives(db.session) == []
    assert summary.wrong_previous_starts(db.session) == []
    assert every_grouping_equals_live(ds) > 0


def test_the_record_keys_are_kept_on_the_rows_and_checked(factory):
    """The flat counts sum the record keys kept on the rows (revision 0028_summary_keys): equal to
    the keys computed live, and a wrong one shows in the figures and in check-summary."""
    from sqlalchemy import update as sql_update
    from talent.reporting.cellkey import record_key
    from talent.reporting.models import ReportCohortPlacement as F
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    rows = db.session.execute(select(F.pkey, F.tkey).where(F.placement_id == p.id)).all()
    assert set(rows) == {(record_key(p.id, "placement"), record_key(p.trainee_id, "trainee"))}
    # A period that does not start on a quarter's first day reads the rows (a year or a quarter reads
    # their monthly roll-up, tests/test_reports_placement_months.py).
    f, _ = parse_filters({"period": "custom", "start": "2025-01-02", "end": "2025-12-31"}, today=TODAY)
    before = queries.placement_metrics(f, None)[0]["placements__key"]
    assert before == queries.placement_metrics(f, None, live=True)[0]["placements__key"]
    db.session.execute(sql_update(F).where(F.placement_id == p.id).values(pkey=F.pkey + 1))
    db.session.commit()
    assert queries.placement_metrics(f, None)[0]["placements__key"] == before + 1   # read from the rows
    assert any("record keys" in line for line in summary.wrong_representatives(db.session))
