"""The center jobs list's total, counted on ``placements`` alone (issue 17: at 1M the joined count
with the OR of the two ownership paths took 250 ms): the same number as the scoped, joined list,
for every actor and every filter, and the page's total agrees."""
from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from talent.extensions import db
from talent.people.models import Trainee
from talent.placement import queries
from talent.placement.markets import current_regional_countries, market_case
from talent.placement.models import Employer, Placement
from talent.permissions import Actor
from talent.placement.scoping import placement_visible_clause
from tests.learning_helpers import actor


def _job(trainee, employer, *, center=None, verification="pending", source="self_reported", day=10):
    db.session.add(Placement(trainee_id=trainee.id, employer_id=employer.id, job_title="Engineer",
                             employment_type="full_time", start_date=date(2026, 1, day), source=source,
                             verification=verification, center_id=center.id if center else None))


def _listed(who: Actor, filters: queries.PlacementFilters) -> int:
    """The joined, scoped count the list computed before: every row the list can show, scoped by the
    live rule (``placement_visible_clause``: the membership of every reporter, not the kept rows)."""
    market = market_case(Employer.country_code, current_regional_countries())
    stmt = (select(func.count(Placement.id)).join(Trainee, Trainee.id == Placement.trainee_id)
            .join(Employer, Employer.id == Placement.employer_id))
    visible = placement_visible_clause(who)
    if visible is not None:
        stmt = stmt.where(visible)
    return db.session.scalar(queries._placement_filtered(stmt, filters, market))


def test_the_list_total_equals_the_scoped_joined_count_for_every_actor_and_filter(factory):
    a, b, c = (factory.center(code="CA"), factory.center(code="CB", region="GANJA_DASHKASAN"),
               factory.center(code="CC", region="SHAKI_ZAGATALA"))
    local = Employer(name="Baku Data", country_code="AZ", city="Bakı")
    abroad = Employer(name="Berlin AI", country_code="DE", city="Berlin")
    db.session.add_all([local, abroad])
    db.session.flush()
    registered_a = factory.trainee(registered_by_center_id=a.id, last_name="Əliyeva")
    both = factory.trainee(registered_by_center_id=a.id, last_name="Quliyev")     # member of A and B
    factory.enrollment(both, factory.cohort(center=b))
    only_c = factory.trainee(registered_by_center_id=c.id, last_name="Həsənov")
    _job(registered_a, local)
    _job(registered_a, abroad, verification="verified")
    _job(both, local)                                   # reported: one row for an actor of A and B
    _job(both, abroad, center=b, source="center", verification="verified")
    _job(only_c, local, center=a, source="center")      # recorded by A of C's trainee: A's record
    _job(only_c, abroad)                                # C's only
    _job(only_c, local, center=c, source="center", verification="rejected")
    db.session.flush()
    actors = {"A": actor(factory.center_admin(a)), "B": actor(factory.center_admin(b)),
              "A+B": actor(factory.center_admin(a, b)), "C": actor(factory.center_admin(c)),
              "none": actor(factory.center_admin(factory.center(code="CD"))), "system": Actor.system()}
    db.session.commit()   # the kept centers of the reported jobs are written before the commit
    expected = {"A": 4, "B": 2, "A+B": 5, "C": 2, "none": 0, "system": 7}
    variants = [queries.PlacementFilters(), queries.PlacementFilters(verification="pending"),
                queries.PlacementFilters(source="center"), queries.PlacementFilters(source="self_reported"),
                queries.PlacementFilters(market="local"), queries.PlacementFilters(market="international"),
                queries.PlacementFilters(q="quliyev"), queries.PlacementFilters(q="h", source="center"),
                queries.PlacementFilters(verification="verified", market="international")]
    for name, who in actors.items():
        assert queries.placements_count(who, queries.PlacementFilters()) == expected[name], name
        for filters in variants:
            listed = _listed(who, filters)
            assert queries.placements_count(who, filters) == listed, (name, filters)
            first = queries.placements_page(who, filters, page=1, per_page=2)
            assert first.total == listed, (name, filters)
            assert len(first.items) == min(2, listed)
            # The second page (and one past the end) report the same total.
            assert queries.placements_page(who, filters, page=2, per_page=2).total == listed
            assert queries.placements_page(who, filters, page=9, per_page=2).total == listed
    # What the page shows for the two-center actor: every job once, the reported job of the
    # trainee of both centers not twice.
    shown = queries.placements_page(actors["A+B"], queries.PlacementFilters(), per_page=50)
    ids = [row[0].id for row in shown.items]
    assert len(ids) == len(set(ids)) == 5
