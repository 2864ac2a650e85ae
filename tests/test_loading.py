"""Issue 16: one loader, ``talent.loading.load(actor, Model, id, perm)``: 404 for a record that
does not exist or belongs to another center, 403 only where the role lacks the permission."""
from __future__ import annotations

import pytest

from talent.errors import NotFound, PermissionDenied
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.loading import UNSCOPED, load, record_id
from talent.people.models import Trainee
from talent.permissions import Actor, P, may_see_trainee


@pytest.fixture
def world(factory):
    mine, other = factory.center(code="LMINE"), factory.center(code="LOTHER")
    cohort, foreign = factory.cohort(center=mine), factory.cohort(center=other)
    enrollment = factory.enrollment(cohort=foreign)
    admin, ministry = factory.center_admin(mine), factory.user("ministry")
    db.session.commit()
    return {"cohort": cohort, "foreign": foreign, "enrollment": enrollment,
            "actor": Actor.for_user(admin), "ministry": Actor.for_user(ministry), "system": Actor.system()}


def test_own_center_record_loads(world):
    assert load(world["actor"], Cohort, world["cohort"].id, P.COHORTS_READ) is world["cohort"]
    assert load(world["actor"], Cohort, str(world["cohort"].id), P.COHORTS_READ) is world["cohort"]


@pytest.mark.parametrize("bad", [0, -1, 2_147_483_648, "x", "1e3", None, True, 10_000, "²", "①", "12²", "٣"])
def test_invalid_or_missing_ids_are_404(world, bad):
    with pytest.raises(NotFound):
        load(world["system"], Cohort, bad, P.COHORTS_READ)


def test_another_centers_record_is_404_not_403(world):
    with pytest.raises(NotFound):
        load(world["actor"], Cohort, world["foreign"].id, P.COHORTS_READ)
    with pytest.raises(NotFound):   # reached through its cohort
        load(world["actor"], Enrollment, world["enrollment"].id, P.COHORTS_READ, center=lambda e: e.cohort.center_id)
    assert load(world["system"], Cohort, world["foreign"].id, P.COHORTS_READ) is world["foreign"]


def test_a_role_without_the_permission_is_403_even_for_a_missing_record(world):
    for id_ in (world["cohort"].id, 10_000):
        with pytest.raises(PermissionDenied):
            load(world["ministry"], Cohort, id_, P.COHORTS_READ)


def test_unscoped_records_use_visible(world):
    trainee_id = world["enrollment"].trainee_id
    actor = world["actor"]
    with pytest.raises(NotFound):
        load(actor, Trainee, trainee_id, P.TRAINEES_READ, center=UNSCOPED,
             visible=lambda t: may_see_trainee(actor, t.id))
    system = world["system"]
    assert load(system, Trainee, trainee_id, P.TRAINEES_READ, center=UNSCOPED,
                visible=lambda t: may_see_trainee(system, t.id)).id == trainee_id


def test_record_id():
    assert record_id(" 12 ") == 12 and record_id(7) == 7
    assert record_id("012345678901") is None and record_id(1.0) is None
