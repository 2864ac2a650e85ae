"""The outcome indicators kept per published period (talent/reporting/kept.py, issue 17 at 1M: the
medians of a past year's pay took 0.3 s): a snapshot holds the figures of the live statement for
the measurement bounds of a report date; it is read only while no mark names its year; a change of
a kept exit (a job for someone who left, a gender, an award), a center's region or a course's level
marks it; an enrollment that leaves no exit marks nothing; the refresh makes it current again and
replaces an answer made for other bounds.

The dataset is the hand-computed one of tests/test_reports_outcomes.py (its ``world``, exits of 2025)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.extensions import db
from talent.geo.models import Region
from talent.permissions import Actor
from talent.reporting import kept as kept_answers, outcomes, snapshots
from talent.reporting.models import ReportKeptMark, ReportKeptSnapshot
from talent.reporting.outcomes import OBJECTIVE_METRICS, measured_window, objective_value
from talent.reporting.periods import Filters, parse_filters
from talent.reporting.suppression import TableSpec, suppress
from tests.test_reports_outcomes import _exact, world  # noqa: F401  (the fixture)


def _year(year: int = 2025):
    filters, messages = parse_filters({"period": "year", "year": str(year)})
    assert not messages
    return filters


def _params(filters):
    return {"kind": filters.kind, "start": filters.start.isoformat(), "end": filters.end.isoformat()}


def _read(filters):
    key = outcomes.kept_key(_params(filters), filters.timezone, filters.today)
    return kept_answers.read(db.session, key, filters.start.year, filters.end.year)


def _kept(filters):
    figures = _read(filters)
    return None if figures is None else outcomes._decode(figures)


def _live(filters):
    return outcomes._decode(snapshots._json_roundtrip(outcomes._encode(outcomes._figures(filters))))


def _keep(filters):
    counts = snapshots.refresh(db.session, asked=[["outcomes", _params(filters)]], defaults=False)
    db.session.commit()
    return counts


@pytest.fixture
def kept_world(world):  # noqa: F811
    db.session.commit()
    _keep(_year())
    assert db.session.scalar(select(func.count()).select_from(ReportKeptMark)) == 0
    return world


def _row():
    """The snapshot read for 2025 now (the key names the disclosure method: key sums or not)."""
    filters = _year()
    key = outcomes.kept_key(_params(filters), filters.timezone, filters.today)
    return next(r for r in kept_answers.snapshots(db.session, "outcomes") if r.key == key)


def test_the_kept_figures_are_the_live_ones_and_are_read(app, kept_world, factory, monkeypatch):
    filters = _year()
    assert _kept(filters) == _live(filters)
    assert _kept(filters)[("total", 0)]["exiters"] == 5
    assert _kept(filters)[("total", 0)]["median_paid_q2"][1] >= 1      # a median with its people, kept
    _exact(app, monkeypatch)                  # no key sums: another answer, kept on request
    assert _read(filters) is None
    _keep(filters)
    row = _row()
    rows = [[d, g, {**v, "exiters": 555} if d == "total" else v] for d, g, v in row.figures["rows"]]
    row.figures = {"rows": rows}
    db.session.commit()
    report = outcomes.outcomes(filters, actor=Actor.for_user(factory.user("ministry")))
    assert report.table("region").table.total["cells"]["exiters"].value == 555
    assert any("kept outcomes" in line for line in snapshots.wrong_snapshots(db.session))


def test_a_job_for_someone_who_left_marks_the_exit_year_and_the_refresh_mends(kept_world, factory):
    filters = _year()
    before = _kept(filters)
    t2 = kept_world["exits"]["T2"].trainee
    factory.placement(t2, factory.employer(country_code="AZ"), start_date=date(2025, 12, 1), monthly_pay_azn=4000)
    db.session.flush()
    assert _read(filters) is None                      # this transaction's own change: live
    db.session.commit()
    assert _read(filters) is None                      # marked
    assert _live(filters) != before
    assert _keep(filters)["computed"] == 1
    assert _kept(filters) == _live(filters)


@pytest.mark.parametrize("change", ["a center's region", "a course's level", "a gender"])
def test_what_moves_a_group_marks_the_year(kept_world, factory, change):
    filters = _year()
    if change == "a center's region":
        other = db.session.scalars(select(Region).where(Region.id != kept_world["a"].region_id)).first()
        kept_world["a"].region_id = other.id
    elif change == "a course's level":
        kept_world["exits"]["T1"].cohort.course.level = "advanced"
    else:
        kept_world["exits"]["T1"].trainee.gender = "M"
    db.session.commit()
    assert _read(filters) is None
    _keep(filters)
    assert _kept(filters) == _live(filters)


def test_an_enrollment_that_leaves_no_exit_marks_nothing(kept_world, factory):
    today = clock.today()
    cohort = factory.cohort(center=kept_world["a"], start_date=today - timedelta(days=10),
                            end_date=today + timedelta(days=50))
    factory.enrollment(factory.trainee(), cohort)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(ReportKeptMark)) == 0
    assert _kept(_year()) == _live(_year())


def test_an_answer_for_other_measurement_bounds_is_replaced(kept_world):
    filters = _year()
    row = _row()
    later = outcomes.kept_key(_params(filters), filters.timezone, filters.today + timedelta(days=400))
    assert later != row.key              # a later report date measures more of the period
    row.key = later
    db.session.commit()
    assert _read(filters) is None
    counts = snapshots.refresh(db.session, defaults=False)
    db.session.commit()
    assert counts["removed"] == 1 and counts["computed"] == 1
    assert _kept(filters) == _live(filters)
    assert db.session.scalar(select(func.count()).select_from(ReportKeptSnapshot)
                             .where(ReportKeptSnapshot.report == "outcomes")) == 1


def test_the_defaults_are_this_year_and_the_two_before(kept_world):
    counts = snapshots.refresh(db.session)
    db.session.commit()
    years = {r.first_year for r in kept_answers.snapshots(db.session, "outcomes")}
    today = clock.today()
    assert years == {2025, today.year, today.year - 1, today.year - 2}
    assert counts["computed"] >= 2
    assert _kept(_year(today.year - 1)) == _live(_year(today.year - 1))


def test_the_page_reads_the_kept_answer(app, kept_world, factory, client, monkeypatch):
    from tests.api_helpers import api_for
    from tests.conftest import login
    _exact(app, monkeypatch)
    _keep(_year())
    row = _row()
    row.figures = {"rows": [[d, g, {**v, "exiters": 444} if d == "total" else v] for d, g, v in row.figures["rows"]]}
    ministry = factory.user("ministry")
    db.session.commit()
    answer = api_for(client, ministry).get("/api/v1/reports/outcomes?period=year&year=2025")
    assert answer.status_code == 200
    assert "444" in answer.get_data(as_text=True)
    login(client, ministry.email)
    page = client.get("/ministry/outcomes?period=year&year=2025")
    assert page.status_code == 200 and "444" in page.get_data(as_text=True)


@pytest.mark.parametrize("method", ["cellkey", "threshold"])
def test_objective_values_read_only_their_group_and_share_a_window(app, world, factory, monkeypatch, method):  # noqa: F811
    """An objective on an outcome indicator computes its one group (the total or a gender) and the
    medians only for the median pay — the same published value as from every breakdown — and
    objectives on one window share the figures."""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", method)
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    today = date(2026, 12, 6)
    cache: dict = {}
    for metric in OBJECTIVE_METRICS:
        start, end = measured_window(metric, today)
        filters = Filters(start=start, end=end, today=today, kind="custom")
        full = outcomes._anchored_figures(filters, dimensions=(None,) + outcomes.GROUP_COLUMNS)
        for gender in (None, "F", "M"):
            for market in (None, "local", "international") if metric != "credential_rate" else (None,):
                got = objective_value(metric, filters, gender=gender, market=market, cache=cache)
                row = {**outcomes._zero(), **full.get(("gender", gender) if gender else ("total", 0), {})}
                row = {"code": "objective", **(outcomes._market_row(row, market) if market else row)}
                if metric == "median_pay_q2":
                    paid = suppress([row], TableSpec(counts=["paid_q2"]), k=1).rows[0]["cells"]["paid_q2"]
                    expected = outcomes.median_cell(row.get("median_paid_q2"), paid, 1)
                else:
                    rate = outcomes.OBJECTIVE_RATES[metric]
                    expected = suppress([row], TableSpec(counts=[], rates=[rate]), k=1).rows[0]["cells"][rate.name]
                assert (got.value, got.status) == (expected.value, expected.status), (metric, gender, market)
    # Objectives on one window and group share its figures: nothing is computed again.
    def computed_again(*_a, **_k):
        raise AssertionError("the figures of a window were computed twice")
    monkeypatch.setattr(outcomes, "_anchored_figures", computed_again)
    start, end = measured_window("employment_q2_rate", today)
    filters = Filters(start=start, end=end, today=today, kind="custom")
    assert objective_value("employment_q2_rate", filters, gender="F", cache=cache).value is not None
    assert objective_value("median_pay_q2", filters, cache=cache).status is not None


def test_a_national_objective_reads_its_kept_window(app, world, factory, monkeypatch):  # noqa: F811
    """The window of whole quarters an objective on employment is measured on is kept like a published
    period (a default of the refresh): the objective reads it (a tampered answer shows), and a change
    of an exit in it marks it."""
    from talent.readmodels.objectives import progress
    from tests.test_reports_outcomes import _objective
    _exact(app, monkeypatch)
    actor = Actor.for_user(factory.user("ministry"))
    objective = _objective(actor, baseline_year=2024)
    db.session.commit()
    live = progress(objective).current.value
    snapshots.refresh(db.session)
    db.session.commit()
    start, end = measured_window("employment_q2_rate", clock.today())
    params = {"kind": "quarters", "start": start.isoformat(), "end": end.isoformat()}
    key = outcomes.kept_key(params, app.config["BABEL_DEFAULT_TIMEZONE"], clock.today())
    row = next(r for r in kept_answers.snapshots(db.session, "outcomes") if r.key == key)
    assert progress(objective).current.value == live
    rows = [[d, g, {**v, "q2_base": 1000, "employed_q2": 500} if d == "total" else v] for d, g, v in row.figures["rows"]]
    row.figures = {"rows": rows}
    db.session.commit()
    assert progress(objective).current.value == 50.0
    factory.placement(world["exits"]["T2"].trainee, factory.employer(country_code="AZ"),
                      start_date=date(2025, 12, 1), monthly_pay_azn=4000)
    db.session.commit()
    assert progress(objective).current.value != 50.0            # marked: live again


@pytest.mark.parametrize("kind, start, end, published", [
    ("quarters", date(2025, 4, 1), date(2026, 3, 31), True),
    ("quarters", date(2025, 4, 1), date(2025, 6, 30), True),
    ("quarters", date(2024, 1, 1), date(2025, 12, 31), True),
    ("quarters", date(2023, 10, 1), date(2025, 12, 31), False),    # nine quarters
    ("quarters", date(2025, 4, 2), date(2026, 3, 31), False),
    ("quarters", date(2025, 4, 1), date(2026, 3, 30), False),
    ("quarters", date(2025, 7, 1), date(2025, 3, 31), False),
    ("year", date(2025, 1, 1), date(2025, 12, 31), True),
    ("quarter", date(2025, 4, 1), date(2025, 9, 30), False),
])
def test_which_periods_may_be_kept(kind, start, end, published):
    from talent.reporting.periods import is_published
    assert is_published(kind, start, end) is published
