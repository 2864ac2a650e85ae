"""Supply against demand kept per published period (talent/reporting/kept.py, issue 17): a
snapshot is read only while no mark names one of its years; every kind of write that changes the
people figures marks the years it touches, in its own transaction; the refresh computes the marked
periods again and deletes only the marks it read; the kept figures equal the live statement's.

The dataset is the hand-computed one of tests/test_reports_supply_demand.py (its ``world``)."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.catalog.models import Skill
from talent.credentials.services import issue_award
from talent.extensions import db
from talent.permissions import Actor
from talent.placement.models import Vacancy
from talent.reporting import kept as kept_answers, snapshots, summary, supply_demand
from talent.reporting.models import ReportKeptMark
from talent.reporting.periods import parse_filters
from tests.test_reports_supply_demand import _at, _exact, world  # noqa: F401  (the fixture)


def _year_filters(year: int, **extra):
    filters, messages = parse_filters({"period": "year", "year": str(year), **extra})
    assert not messages
    return filters


def _year() -> int:
    return (clock.today() - timedelta(days=100)).year    # the year of the world's graduations


def _live(filters, by="skill"):
    return supply_demand._decode(supply_demand._encode(*supply_demand._people(filters, by)))


def _read(filters, by="skill"):
    key = supply_demand.kept_key(supply_demand._kept_params(filters, by), filters.timezone, filters.today)
    return kept_answers.read(db.session, key, filters.start.year, filters.end.year)


def _kept(filters, by="skill"):
    figures = _read(filters, by)
    return None if figures is None else supply_demand._decode(figures)


def _row(by, year=None):
    return next(r for r in kept_answers.snapshots(db.session, "supply")
                if r.params["by"] == by and (year is None or r.first_year == year))


def _refresh(*periods):
    asked = [["supply", {"by": by, "kind": kind, "start": start.isoformat(), "end": end.isoformat()}]
             for by, kind, start, end in periods]
    counts = snapshots.refresh(db.session, asked=asked, defaults=False)
    db.session.commit()
    return counts


def _keep_year(year: int):
    start, end = date(year, 1, 1), date(year, 12, 31)
    return _refresh(("skill", "year", start, end), ("occupation", "year", start, end))


@pytest.fixture
def kept(world):  # noqa: F811
    db.session.commit()          # the world's writes leave their marks …
    assert db.session.scalar(select(func.count()).select_from(ReportKeptMark)) > 0
    _keep_year(_year())          # … which the refresh takes
    assert db.session.scalar(select(func.count()).select_from(ReportKeptMark)) == 0
    return world


@pytest.mark.parametrize("by", ["skill", "occupation"])
def test_the_kept_figures_are_the_live_ones_and_are_read(kept, by):
    filters = _year_filters(_year())
    assert _kept(filters, by) == _live(filters, by)
    assert _live(filters, by)[1]["graduates"] >= 4
    # Read, not recomputed: a tampered snapshot shows (and check-summary names it).
    row = _row(by)
    row.figures = {**row.figures, "total": {**row.figures["total"], "graduates": 999}}
    db.session.flush()
    assert supply_demand._people_figures(filters, by)[1]["graduates"] == 999
    assert any(by in line for line in snapshots.wrong_snapshots(db.session))


def test_the_page_and_api_read_the_kept_figures(app, monkeypatch, kept, factory, client):
    from tests.conftest import login
    _exact(app, monkeypatch)
    row = _row("skill")
    row.figures = {**row.figures, "total": {**row.figures["total"], "graduates": 777}}
    db.session.commit()
    report = supply_demand.supply_demand(_year_filters(_year()), actor=Actor.for_user(factory.user("ministry")))
    assert report.table.total["cells"]["graduates"].value == 777
    from tests.api_helpers import api_for
    ministry = factory.user("ministry")
    db.session.commit()
    answer = api_for(client, ministry).get(f"/api/v1/reports/supply-demand?period=year&year={_year()}")
    assert answer.status_code == 200 and answer.get_json()["tables"][0]["total"]["graduates"]["value"] == 777
    login(client, ministry.email)
    page = client.get(f"/ministry/supply-demand?period=year&year={_year()}")
    assert page.status_code == 200 and "777" in page.get_data(as_text=True)


def test_other_periods_and_filters_are_live(kept, factory):
    filters = _year_filters(_year(), skill=kept["s1"].code)
    assert not kept_answers.keepable(filters)
    custom, _ = parse_filters({"period": "custom", "start": f"{_year()}-01-01", "end": f"{_year()}-12-30"})
    assert not kept_answers.keepable(custom)
    assert _read(custom, "skill") is None


def _award_something(world, factory):
    """A new graduate of a course teaching S1, certified in the world's year."""
    trainee = factory.trainee(region="BAKU")
    course = factory.course()
    course.skills = [world["s1"]]
    T = clock.today()
    c = factory.cohort(course=course, start_date=T - timedelta(days=160), end_date=T - timedelta(days=100))
    enrollment = factory.enrollment(trainee, c, status="completed", final_score=90, attendance_pct=95)
    award = issue_award(Actor.system(), enrollment)
    award.issued_on = T - timedelta(days=100)
    return trainee, award


def _first_graduate(world):
    from talent.credentials.models import Award
    return db.session.scalars(select(Award).where(Award.revoked_at.is_(None)).order_by(Award.id)).first()


def _without_job():
    from talent.credentials.models import Award
    from talent.placement.models import Placement
    return db.session.scalars(select(Award).where(Award.revoked_at.is_(None), ~Award.trainee_id.in_(
        select(Placement.trainee_id))).order_by(Award.id)).first().trainee


def _reject_jobs(trainee):
    from talent.placement.models import Placement
    for job in db.session.scalars(select(Placement).where(Placement.trainee_id == trainee.id)):
        job.verification = "rejected"


def _revoke(award):
    award.revoked_at, award.revoked_reason = _at(clock.today()), "test"


WRITES = {
    "an award issued": lambda w, f: _award_something(w, f),
    "an award revoked": lambda w, f: _revoke(_first_graduate(w)),
    "a job recorded": lambda w, f: f.placement(_without_job(), w["employer"],
                                               start_date=clock.today() - timedelta(days=20)),
    "a job rejected": lambda w, f: _reject_jobs(_first_graduate(w).trainee),
    "a home region moved": lambda w, f: setattr(_first_graduate(w).trainee, "home_region_id", w["r2"].id),
    "a cohort's end moved": lambda w, f: setattr(_first_graduate(w).enrollment.cohort, "end_date",
                                                 clock.today() - timedelta(days=90)),
    "a course's skills changed": lambda w, f: setattr(_first_graduate(w).enrollment.cohort.course, "skills", [w["s2"]]),
    "a vacancy posted": lambda w, f: db.session.add(Vacancy(
        employer_id=w["employer"].id, title="New", occupation_code="3512", country_code="AZ", openings=1,
        closes_on=clock.today() + timedelta(days=9), status="open", created_at=_at(clock.today() - timedelta(days=3)))),
}


@pytest.mark.parametrize("write", list(WRITES))
def test_every_write_marks_its_years_and_the_refresh_mends(kept, factory, write):
    filters = _year_filters(_year())
    by = "occupation" if write == "a vacancy posted" else "skill"
    before = _kept(filters, by)
    assert before is not None
    WRITES[write](kept, factory)
    db.session.flush()
    assert _read(filters, by) is None          # pending in this transaction: live
    db.session.commit()
    assert _read(filters, by) is None          # marked: live
    live = _live(filters, by)
    if write != "a vacancy posted":   # the change shows in the figures (a vacancy may move no one here)
        assert live != before, write
    counts = _keep_year(_year())
    assert counts["computed"] >= 1
    assert _kept(filters, by) == _live(filters, by) == live


def test_a_write_marks_only_the_years_it_touches(kept, factory):
    old_year = _year() - 3
    _keep_year(old_year)
    old = _year_filters(old_year)
    assert _kept(old, "skill") is not None
    _award_something(kept, factory)
    db.session.commit()
    assert _read(_year_filters(_year()), "skill") is None
    assert _kept(old, "skill") == _live(old, "skill")     # untouched: still read


def test_a_rolled_back_write_leaves_no_mark(kept, factory):
    db.session.commit()
    nested = db.session.begin_nested()
    _award_something(kept, factory)
    db.session.flush()
    nested.rollback()
    db.session.info.pop(kept_answers.PENDING, None)   # the caller's transaction ended here in real use
    assert db.session.scalar(select(func.count()).select_from(ReportKeptMark)) == 0


def test_the_refresh_deletes_only_the_marks_it_read(kept, monkeypatch):
    """A mark committed while the refresh computes (simulated: written between its read of the
    marks and its statement) survives it, so the snapshot is not read until the next refresh."""
    db.session.add(ReportKeptMark(year=_year()))
    db.session.commit()
    real = supply_demand._people

    def people_with_a_late_write(filters, by):
        db.session.add(ReportKeptMark(year=_year()))
        db.session.flush()
        return real(filters, by)

    monkeypatch.setattr(supply_demand, "_people", people_with_a_late_write)
    _keep_year(_year())
    monkeypatch.setattr(supply_demand, "_people", real)
    assert _read(_year_filters(_year()), "skill") is None
    _keep_year(_year())
    assert _kept(_year_filters(_year()), "skill") is not None


def test_other_record_keys_or_no_summary_read_live(app, kept, monkeypatch):
    filters = _year_filters(_year())
    monkeypatch.setitem(app.config, "DISCLOSURE_KEY", "another key")
    assert _read(filters, "skill") is None
    monkeypatch.undo()
    assert _read(filters, "skill") is not None
    monkeypatch.setattr(summary, "is_current", lambda *a, **k: False)
    row = _row("skill")
    row.figures = {**row.figures, "total": {**row.figures["total"], "graduates": 555}}
    db.session.flush()
    assert supply_demand._people_figures(filters, "skill")[1]["graduates"] != 555


def test_only_published_periods_are_kept_when_asked(kept):
    year = _year()
    counts = _refresh(("skill", "custom", date(year, 1, 1), date(year, 1, 31)),
                      ("skill", "quarter", date(year, 1, 1), date(year, 3, 31)),
                      ("skill", "quarter", date(year, 2, 1), date(year, 4, 30)),
                      ("bogus", "year", date(year, 1, 1), date(year, 12, 31)))
    assert snapshots.refresh(db.session, asked=[["nonsense", {}], ["supply", "x"], ["outcomes", {"kind": "year"}],
                                                           "garbage", ["supply"], None],
                             defaults=False)["computed"] == 0
    assert counts["computed"] == 1
    quarter, _ = parse_filters({"period": "quarter", "year": str(year), "quarter": "1"})
    assert _kept(quarter, "skill") == _live(quarter, "skill")


def test_the_cli_refreshes_and_check_summary_compares(app, kept):
    runner = app.test_cli_runner()
    db.session.add(ReportKeptMark(year=_year()))
    db.session.commit()
    result = runner.invoke(args=["reports", "refresh-kept"])
    assert result.exit_code == 0, result.output
    assert "Kept report answers: " in result.output
    ok = runner.invoke(args=["reports", "check-summary"])
    assert ok.exit_code == 0, ok.output
    row = _row("skill", _year())
    row.figures = {**row.figures, "total": {**row.figures["total"], "placed": 321}}
    db.session.commit()
    bad = runner.invoke(args=["reports", "check-summary"])
    assert bad.exit_code == 1 and "kept supply" in bad.output


def test_a_miss_asks_the_worker_and_without_a_broker_nothing_is_sent(app, kept, monkeypatch):
    from talent.notifications import worker
    sent = []
    monkeypatch.setattr(worker, "send_job", lambda app_, name, *args: sent.append((name, args)) or True)
    monkeypatch.setattr(kept_answers, "_asked", {})
    filters = _year_filters(_year())
    db.session.add(ReportKeptMark(year=_year()))
    db.session.flush()
    supply_demand._people_figures(filters, "skill")
    supply_demand._people_figures(filters, "skill")      # asked once in ASK_AGAIN_SECONDS, not per view
    params = {"by": "skill", "kind": "year", "start": f"{_year()}-01-01", "end": f"{_year()}-12-31"}
    assert sent == [(kept_answers.JOB, ([["supply", params]],))]
    monkeypatch.undo()
    assert worker.send_job(app, kept_answers.JOB, []) is (bool(app.config.get("BROKER_URL")))


def test_the_skill_rows_name_skills(kept):
    filters = _year_filters(_year())
    cells, _total = _kept(filters, "skill")
    skills = {s.id for s in db.session.scalars(select(Skill))}
    assert {group for group, _place in cells} <= skills
