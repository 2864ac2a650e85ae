"""The worker keeps supply against demand (talent/reporting/kept.py) on a real Redis: a page
that finds no current snapshot answers live and asks the worker, whose job computes the snapshot
that the next page reads; a later write marks it, and the worker's refresh makes it current again."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from talent import clock
from talent.extensions import db
from talent.notifications import worker
from talent.permissions import Actor
from talent.reporting import kept as kept_answers, outcomes, supply_demand
from talent.reporting.models import ReportKeptSnapshot
from talent.reporting.periods import parse_filters
from tests.test_notifications_schedule import _wait
from tests.test_notifications_worker import _queued, broker  # noqa: F401  (the fixture)
from tests.test_reports_supply_demand import world  # noqa: F401  (the fixture)
from tests.test_reports_supply_kept import _read

pytestmark = pytest.mark.committed


def test_a_miss_is_answered_live_and_the_worker_keeps_the_period(app, broker, world, factory, monkeypatch):  # noqa: F811
    monkeypatch.setattr(kept_answers, "_asked", {})
    year = (clock.today() - timedelta(days=100)).year
    filters, _ = parse_filters({"period": "year", "year": str(year)})
    ministry = Actor.for_user(factory.user("ministry"))
    db.session.commit()
    live = supply_demand.supply_demand(filters, actor=ministry)
    assert _queued(broker) == 1                                   # the miss asked for the snapshot
    stop = threading.Event()
    runner = threading.Thread(target=worker.run_worker, args=(app,), kwargs={"threads": 1, "stop": stop}, daemon=True)
    runner.start()
    try:
        assert _wait(lambda: _read(filters, "skill") is not None), "no snapshot made"
        kept = supply_demand.supply_demand(filters, actor=ministry)
        assert kept.as_json() == live.as_json()
        assert supply_demand.kept_key(supply_demand._kept_params(filters, "skill"), filters.timezone, filters.today) \
            in set(db.session.scalars(select(ReportKeptSnapshot.key)))
        # A new job for a graduate of that year: marked at its commit, then the worker's job mends it.
        from tests.test_reports_supply_kept import _without_job
        factory.placement(_without_job(), world["employer"], start_date=clock.today() - timedelta(days=10))
        db.session.commit()
        assert _read(filters, "skill") is None
        worker.send_job(app, kept_answers.JOB, [])
        assert _wait(lambda: _read(filters, "skill") is not None), "not refreshed"
        after = supply_demand.supply_demand(filters, actor=ministry)
        assert after.as_json() != live.as_json()
        assert supply_demand._people_figures(filters, "skill") == supply_demand._decode(
            supply_demand._encode(*supply_demand._people(filters, "skill")))
    finally:
        stop.set()
        runner.join(timeout=20)


def test_the_embedded_ticker_keeps_the_published_periods_without_a_broker(app, world, factory):  # noqa: F811
    """Without a broker (``make run``) the serving process's ticker round makes this year's and last
    year's snapshots and, after a write, makes them current again."""
    from talent.notifications import events
    db.session.commit()
    this_year, _ = parse_filters({"period": "year"})
    assert _read(this_year, "skill") is None
    defaults = 4 + len(outcomes.kept_defaults(clock.today()))   # supply: 2 years x 2 groupings
    assert events.embedded_round(app, schedule=False, kept=True)["kept_snapshots"] == defaults
    assert _read(this_year, "occupation") is not None
    assert events.embedded_round(app, schedule=False, kept=True)["kept_snapshots"] == 0   # nothing changed
    from tests.test_reports_supply_kept import _award_something
    _trainee, award = _award_something(world, factory)
    db.session.commit()
    award_year, _ = parse_filters({"period": "year", "year": str(award.issued_on.year)})
    assert _read(award_year, "skill") is None
    assert events.embedded_round(app, schedule=False, kept=True)["kept_snapshots"] >= 2
    db.session.rollback()
    assert supply_demand._people_figures(award_year, "skill") == supply_demand._decode(
        supply_demand._encode(*supply_demand._people(award_year, "skill")))
    assert _read(award_year, "skill") is not None
