"""The monthly roll-up of the representative placement rows (revision 0030_placement_months, issue
17): national, regional, per-center and per-sector placement figures of a period of whole months
starting on a quarter's first day, and the trends' placements per quarter, sum
``report_placement_months`` — kept by adding each recount's difference. Equal to the rows it adds
up and to the live tables after every change that moves a row (a job recorded, re-dated, rejected;
an employer's country; a cohort's center; a completion undone), after a rollback, when two
transactions add to the same month at once; read by the pages (a tampered row shows, and
``check-summary`` names it); and not read where it cannot answer (another period, other regional
countries)."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import func, select, update

from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.permissions import Actor
from talent.placement import services as placement
from talent.placement.models import Employer, Placement
from talent.reporting import queries, summary
from talent.reporting.models import NO_PREVIOUS, ReportPlacementMonth
from talent.reporting.periods import parse_filters
from talent.reporting.queries.current import month_rows
from talent.reporting.queries.trends import trend_metrics
from talent.reporting.periods import quarters_between
from tests.admin_helpers import job
from tests.conftest import is_postgres
from tests.reports_helpers import TODAY, build_dataset
from tests.test_reports_representatives import every_grouping_equals_live, twice_placed

SYSTEM = Actor.system()
M = ReportPlacementMonth


def _year(year: int = 2025):
    return parse_filters({"period": "year", "year": str(year)}, today=TODAY)[0]


def _kept_total(scope: str = "all") -> int:
    return db.session.scalar(select(func.coalesce(func.sum(M.placements), 0)).where(M.scope == scope))


def _consistent(ds) -> None:
    assert summary.wrong_placement_months(db.session) == []
    assert every_grouping_equals_live(ds) >= 0


def test_the_roll_up_follows_every_change_and_equals_the_rows_and_the_live_tables(factory):
    ds = build_dataset(factory)
    db.session.commit()
    _consistent(ds)
    assert _kept_total() == db.session.scalar(select(func.count()).select_from(Placement)
                                              .where(Placement.verification != "rejected",
                                                     Placement.trainee_id.in_(select(Enrollment.trainee_id)
                                                                              .where(Enrollment.status == "completed"))))
    p = twice_placed(ds, factory)   # one job, two cohorts: one national row, one in each region
    _consistent(ds)
    x = p.trainee_id
    # An earlier job of the same person: the December job's previous start moves into 2025 Q2.
    earlier = placement.record_placement(SYSTEM, x, **job(start_date="2025-05-02", country_code="AZ"))
    db.session.commit()
    _consistent(ds)
    december = db.session.execute(select(M.prev_quarter, M.placements).where(
        M.scope == "all", M.month == date(2025, 12, 1), M.prev_quarter == date(2025, 4, 1))).all()
    assert december and december[0].placements >= 1
    f = _year()
    assert queries.placement_metrics(f, None)[0]["placed"] == queries.placement_metrics(f, None, live=True)[0]["placed"]
    # Re-dated into another month, then rejected.
    placement.update_placement(SYSTEM, earlier.id, start_date="2025-07-15")
    db.session.commit()
    _consistent(ds)
    db.session.get(Placement, earlier.id).verification = "rejected"
    db.session.commit()
    _consistent(ds)
    # The employer's country moves its jobs to another market.
    employer = db.session.get(Employer, p.employer_id)
    employer.country_code = "GE"
    db.session.commit()
    _consistent(ds)
    assert db.session.scalar(select(func.count()).select_from(M).where(M.market == "regional")) > 0
    # A cohort moved to the other region's center, and a completion undone.
    _, k1, _, _ = ds.cohorts
    db.session.get(Cohort, k1.id).center_id = ds.ganja.id
    db.session.commit()
    _consistent(ds)
    db.session.get(Enrollment, ds.enrollments["f1"].id).status = "failed"
    db.session.commit()
    _consistent(ds)


def test_the_figures_are_read_from_the_roll_up_and_a_wrong_row_is_named(factory):
    ds = build_dataset(factory)
    db.session.commit()
    twice_placed(ds, factory)
    f = _year()
    custom = parse_filters({"period": "custom", "start": "2025-01-02", "end": "2025-12-31"}, today=TODAY)[0]
    national, by_region = queries.placement_metrics(f, None)[0], queries.placement_metrics(f, "region")
    rows = queries.placement_metrics(custom, None)[0]
    quarters = quarters_between(f.start, f.end)
    trend = trend_metrics(f, quarters)
    national_rows = (M.scope == "all", M.month == date(2025, 12, 1))
    region_rows = (M.scope == "region", M.group_id == ds.ganja.region_id, M.month == date(2025, 12, 1))
    n_national = db.session.scalar(select(func.count()).select_from(M).where(*national_rows))
    n_region = db.session.scalar(select(func.count()).select_from(M).where(*region_rows))
    assert n_national and n_region
    db.session.execute(update(M).where(*national_rows).values(placements=M.placements + 3))
    db.session.execute(update(M).where(*region_rows).values(placements=M.placements + 2))
    db.session.commit()
    assert queries.placement_metrics(f, None)[0]["placements"] == national["placements"] + 3 * n_national
    assert queries.placement_metrics(f, "region")[ds.ganja.region_id]["placements"] == \
        by_region[ds.ganja.region_id]["placements"] + 2 * n_region
    assert trend_metrics(f, quarters)["2025-Q4"]["placements"] == trend["2025-Q4"]["placements"] + 3 * n_national
    # A period that does not start on a quarter's first day reads the rows themselves.
    assert queries.placement_metrics(custom, None)[0] == rows
    problems = summary.wrong_placement_months(db.session)
    assert len(problems) >= 2 and all(p.startswith("placement month (") for p in problems)
    summary.rebuild(db.session, summary.built_timezone(db.session))
    db.session.commit()
    assert summary.wrong_placement_months(db.session) == []
    assert queries.placement_metrics(f, None)[0] == national


def test_a_rollback_leaves_the_roll_up_alone(factory):
    ds = build_dataset(factory)
    db.session.commit()
    before = _kept_total()
    twice_placed(ds, factory)
    after = _kept_total()
    assert after == before + 1
    _, k1, _, _ = ds.cohorts
    placement.record_placement(SYSTEM, ds.trainees["f2"].id, **job(start_date="2025-06-01", country_code="AZ"))
    db.session.flush()
    f = _year()
    assert queries.placement_metrics(f, None)[0] == queries.placement_metrics(f, None, live=True)[0]   # its own job
    db.session.rollback()
    assert _kept_total() == after
    assert summary.wrong_placement_months(db.session) == []


def test_other_regional_countries_read_the_rows_until_the_rebuild(factory, app):
    ds = build_dataset(factory)
    db.session.commit()
    twice_placed(ds, factory)
    f = _year()
    assert month_rows(f, None, "rep_all") is not None
    app.config["REGIONAL_COUNTRIES"] = ("TR",)
    try:
        assert month_rows(f, None, "rep_all") is None
        assert queries.placement_metrics(f, None) == queries.placement_metrics(f, None, live=True)
    finally:
        app.config.pop("REGIONAL_COUNTRIES")
    assert db.session.scalar(select(func.count()).select_from(M).where(M.prev_quarter == NO_PREVIOUS)) > 0


@pytest.mark.committed
def test_two_transactions_adding_to_one_month_both_count(app, factory):
    if not is_postgres(app):
        pytest.skip("SQLite runs one writer at a time; the concurrent upsert is PostgreSQL's")
    ds = build_dataset(factory)
    db.session.commit()
    # The employer exists first (a job names it; six transactions creating it at once would collide).
    placement.record_placement(SYSTEM, ds.trainees["m2"].id, **job(start_date="2025-10-02", country_code="AZ"))
    db.session.commit()
    people = [ds.trainees[n].id for n in ("f1", "f2", "f3", "f4", "m1")]
    before = _kept_total()
    errors, barrier = [], threading.Barrier(len(people))

    def worker(trainee_id):
        with app.app_context():
            try:
                barrier.wait()
                placement.record_placement(SYSTEM, trainee_id, **job(start_date="2025-10-20", country_code="AZ"))
                db.session.commit()
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=worker, args=(t,)) for t in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert _kept_total() == before + len(people)
    assert summary.wrong_placement_months(db.session) == []


def test_a_period_ending_mid_month_adds_its_last_days_from_the_rows(factory):
    """A count objective's period runs from its baseline year's first day to today: the whole months
    from the roll-up, the days of the current month from the rows — equal to the live figures for
    every grouping, a job in the last days counted once, and a person placed earlier in the period
    not counted again."""
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)   # a job on 10 December 2025
    # The same person's earlier job in the period: their December job is not their first.
    placement.record_placement(SYSTEM, p.trainee_id, **job(start_date="2025-02-03", country_code="AZ"))
    db.session.commit()
    mid = parse_filters({"period": "custom", "start": "2025-01-01", "end": "2025-12-15"}, today=TODAY)[0]
    kept, where, tail = month_rows(mid, None, "rep_all")
    assert tail is not None and (tail.start, tail.end) == (date(2025, 12, 1), date(2025, 12, 15))
    for scoped in (mid, mid.scoped(region_id=ds.baku.region_id), mid.scoped(center_id=ds.ganja.id),
                   mid.scoped(sector_id=ds.course_a.sector_id)):
        for dimension in (None, "region", "center"):
            assert queries.placement_metrics(scoped, dimension, with_total=True) == \
                queries.placement_metrics(scoped, dimension, with_total=True, live=True), (scoped, dimension)
    # The roll-up's December rows are not read (the tail is): tampering them changes nothing here,
    # while the months before are read from it.
    before = queries.placement_metrics(mid, None)[0]
    db.session.execute(update(M).where(M.scope == "all", M.month == date(2025, 12, 1)).values(placements=M.placements + 5))
    db.session.commit()
    assert queries.placement_metrics(mid, None)[0] == before
    n_feb = db.session.scalar(select(func.count()).select_from(M).where(M.scope == "all", M.month == date(2025, 2, 1)))
    db.session.execute(update(M).where(M.scope == "all", M.month == date(2025, 2, 1)).values(placements=M.placements + 1))
    db.session.commit()
    assert queries.placement_metrics(mid, None)[0]["placements"] == before["placements"] + n_feb


def test_mobility_reads_placements_per_region_month_and_employer(factory):
    """Mobility of a period of whole months sums report_placement_employer_months (revision
    0033_mobility_months): equal to the live figures after a job, an employer's city and country
    change (read live through the employer), a tampered row shows, and the check names it."""
    from talent.reporting.models import ReportPlacementEmployerMonth as E
    ds = build_dataset(factory)
    db.session.commit()
    p = twice_placed(ds, factory)
    f = _year()
    custom = parse_filters({"period": "custom", "start": "2025-01-02", "end": "2025-12-31"}, today=TODAY)[0]
    for period in (f, custom, f.scoped(region_id=ds.ganja.region_id)):
        assert queries.mobility_metrics(period) == queries.mobility_metrics(period, live=True)
    assert db.session.scalar(select(func.sum(E.placements)).where(E.employer_id == p.employer_id)) == 2   # two regions
    employer = db.session.get(Employer, p.employer_id)
    employer.city = "Gəncə"
    db.session.commit()
    assert queries.mobility_metrics(f) == queries.mobility_metrics(f, live=True)
    employer.country_code = "TR"
    db.session.commit()
    assert queries.mobility_metrics(f) == queries.mobility_metrics(f, live=True)
    assert summary.wrong_placement_months(db.session) == []
    before = queries.mobility_metrics(f)[ds.ganja.region_id]["placements"]
    db.session.execute(update(E).where(E.region_id == ds.ganja.region_id).values(placements=E.placements + 1))
    db.session.commit()
    n = db.session.scalar(select(func.count()).select_from(E).where(E.region_id == ds.ganja.region_id,
                                                                     E.month.between(f.start, f.end)))
    assert queries.mobility_metrics(f)[ds.ganja.region_id]["placements"] == before + n
    assert queries.mobility_metrics(custom) == queries.mobility_metrics(custom, live=True)   # the rows
    assert any(line.startswith("employer month (") for line in summary.wrong_placement_months(db.session))


def test_the_migration_fills_the_employer_months_from_the_rows(factory):
    """Revision 0033 fills report_placement_employer_months with its own SQL: what the recount keeps."""
    import importlib.util
    import pathlib
    from sqlalchemy import delete, text
    from talent.reporting.models import ReportPlacementEmployerMonth as E
    ds = build_dataset(factory)
    db.session.commit()
    twice_placed(ds, factory)
    path = pathlib.Path(__file__).parents[1] / "migrations" / "versions" / "0033_mobility_months.py"
    spec = importlib.util.spec_from_file_location("revision_0033", path)
    revision = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(revision)
    kept = set(db.session.execute(select(E.region_id, E.month, E.employer_id, E.placements, E.pkey)))
    assert kept
    db.session.execute(delete(E))
    db.session.execute(text(revision.backfill(db.session.get_bind().dialect.name)))
    assert set(db.session.execute(select(E.region_id, E.month, E.employer_id, E.placements, E.pkey))) == kept
    assert summary.wrong_placement_months(db.session) == []
