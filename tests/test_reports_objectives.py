"""Objectives: the service validates and audits; progress, projection and status are computed as the
definitions page says, and suppressed like every ministry figure."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from talent.audit import AuditEvent
from talent.errors import NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.objectives import services
from talent.readmodels.objectives import objectives_progress, progress
from talent.permissions import Actor
from tests.reports_helpers import TODAY, build_dataset


@pytest.fixture
def ds(factory):
    return build_dataset(factory)


@pytest.fixture
def analyst(factory):
    return Actor.for_user(factory.user("ministry"))


def make(actor, **kw):
    values = {"title": "Target", "metric": "certified", "scope": "national", "target_value": 20,
              "baseline_value": 0, "baseline_year": 2025, "deadline_year": 2026}
    values.update(kw)
    return services.create_objective(actor, **values)


def test_create_validates_everything(analyst, factory):
    with pytest.raises(ValidationError) as error:
        services.create_objective(analyst, title=" ", metric="happiness", scope="planet", target_value="abc",
                                  baseline_value=-1, baseline_year=1990, deadline_year="x")
    assert set(error.value.fields) >= {"title", "metric", "scope", "target_value", "baseline_value",
                                       "baseline_year", "deadline_year"}
    with pytest.raises(ValidationError) as error:
        make(analyst, scope="skill", skill_id=None)
    assert "skill_id" in error.value.fields
    with pytest.raises(ValidationError) as error:
        make(analyst, metric="completion_rate", target_value=101)
    assert "target_value" in error.value.fields
    with pytest.raises(ValidationError) as error:
        make(analyst, baseline_year=2027, deadline_year=2026)
    assert "deadline_year" in error.value.fields
    # A scope target for another scope is dropped, so the row satisfies the scope constraint.
    region = factory.region("BAKU")
    objective = make(analyst, scope="national", region_id=region.id)
    assert objective.region_id is None


def test_only_the_ministry_and_admin_manage(factory, analyst):
    center_admin = Actor.for_user(factory.center_admin())
    with pytest.raises(PermissionDenied):
        make(center_admin)
    objective = make(analyst)
    with pytest.raises(PermissionDenied):
        services.delete_objective(center_admin, objective.id)
    with pytest.raises(NotFound):
        services.update_objective(analyst, 99999, title="x", metric="certified", scope="national",
                                  target_value=1, baseline_year=2025, deadline_year=2026)
    events = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "objective")).all()
    assert events == ["objective.create"]


def test_progress_of_a_count(ds, analyst, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")  # exact figures: no perturbation
    # Certified since 1 January 2025 up to TODAY (2026-03-01): 9 awards; baseline 0; target 20 by
    # the end of 2026. Elapsed 425 days (today included) of 730: projection 9 * 730 / 425 = 15.46 ->
    # below 80 % of 20 (16) -> behind.
    objective = make(analyst, target_value=20)
    p = progress(objective, TODAY)
    assert p.current.value == 9
    assert p.projected == pytest.approx(9 * 730 / 425)
    assert p.status == "behind"
    assert p.progress_pct == pytest.approx(45.0)
    objective.target_value = 19  # 80 % of 19 = 15.2 <= 15.46 -> at risk
    assert progress(objective, TODAY).status == "at_risk"
    objective.target_value = 15  # projection reaches it
    assert progress(objective, TODAY).status == "on_track"
    objective.baseline_value = 100  # counts add to the baseline
    objective.target_value = 200
    assert progress(objective, TODAY).current.value == 109
    # After the deadline: achieved or missed.
    objective.baseline_value, objective.target_value = 0, 9
    assert progress(objective, date(2027, 1, 5)).status == "achieved"
    objective.target_value = 10
    assert progress(objective, date(2027, 1, 5)).status == "missed"


def test_progress_of_a_scoped_rate(ds, analyst, app, monkeypatch):
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")  # exact figures: no perturbation
    # Completion rate in Baku over the 12 months before TODAY (2025-03-02 .. 2026-03-01): K1 ended
    # 2025-03-31 (6 of 8 completed) -> 75 %. K3 ends 2026-02-28 but nobody has finished it yet.
    objective = make(analyst, metric="completion_rate", scope="region", region_id=ds.baku.region_id,
                     target_value=70, baseline_value=60)
    p = progress(objective, TODAY)
    assert p.current.value == 75.0 and p.status == "on_track"
    assert p.scope_name == "Baku"  # English outside requests in tests
    sector = make(analyst, metric="enrolled", scope="sector", sector_id=ds.course_b.sector_id, target_value=1000)
    # Both courses share the default sector: all 19 + K0's 3 enrolled in 2024 are before 2025.
    assert progress(sector, TODAY).current.value == 19


def test_small_values_are_withheld_with_their_status(ds, analyst):
    # k = 5: Ganja's placed count (1) is withheld, and with it projection and status.
    objective = make(analyst, metric="placed", scope="region", region_id=ds.ganja.region_id, target_value=50)
    p = progress(objective, TODAY)
    assert p.current.value is None and p.current.symbol == "<5"
    assert p.projected is None and p.status == "no_data"
    data = p.as_json()
    assert data["current"]["value"] is None and data["projected"] is None


def test_objectives_progress_lists_all(ds, analyst):
    make(analyst, title="B", deadline_year=2030)
    make(analyst, title="A", deadline_year=2028)
    assert [p.objective.title for p in objectives_progress(actor=analyst, today=TODAY)] == ["A", "B"]
    trainee_actor = Actor.for_user(db.session.get(type(ds.baku), ds.baku.id) and _trainee_user(ds))
    with pytest.raises(PermissionDenied):
        objectives_progress(actor=trainee_actor)


def _trainee_user(ds):
    from tests.factories import Factory
    return Factory().trainee_user()


@pytest.mark.parametrize("method", ["cellkey", "threshold"])
def test_objectives_of_one_scope_and_period_share_one_aggregate(ds, analyst, app, monkeypatch, count_queries,
                                                                method):
    """Count objectives of one scope, baseline year and group that need different metrics (and the
    rates of one scope) are read from one aggregate with all their metrics: the same published
    values as each objective read on its own, with fewer statements. A metric that is zero in the
    period (nobody placed into a market since 2026) is still read on its own, as before."""
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", method)
    for metric in ("enrolled", "completed", "certified", "placed"):
        make(analyst, title=f"national {metric}", metric=metric, target_value=50)
        make(analyst, title=f"women {metric}", metric=metric, gender="F", target_value=50)
    for market in ("local", "international"):
        make(analyst, title=f"placed {market}", metric="placed", market=market, baseline_year=2026, target_value=5)
    for metric in ("completion_rate", "certification_rate", "placement_rate"):
        make(analyst, title=f"Baku {metric}", metric=metric, scope="region", region_id=ds.baku.region_id,
             target_value=90)
    db.session.commit()
    objectives = [p.objective for p in objectives_progress(actor=analyst, today=TODAY)]
    with count_queries() as together:
        shared = [p.as_json() for p in objectives_progress(actor=analyst, today=TODAY)]
    with count_queries() as apart:
        alone = [progress(objective, TODAY).as_json() for objective in objectives]
    assert shared == alone
    assert len(shared) == 13 and sum(bool(p["current"]["value"]) for p in shared) >= 8
    # Each objective alone reads its own aggregate; together the 13 read 5-6 (national, women,
    # the markets since 2026, Baku's rates; the statement of the objectives themselves on top).
    # (A placement aggregate over a period ending today is two statements since revision
    # 0030_placement_months — the whole months from their roll-up, this month's days from the rows —
    # and the shared reads hold one more of them than the objectives alone: 25 against 32 here.)
    assert apart.count - together.count >= 7, (together.count, apart.count)
