"""The permission module: role table, scoping of trainees to a center admin's centers."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talent.errors import NotFound, PermissionDenied
from talent.extensions import db
from talent.people.models import Trainee
from talent.permissions import (ROLE_PERMISSIONS, Actor, P, can, may_see_trainee, require, require_trainee,
                                scope_trainees)


def test_ministry_has_no_person_level_permission():
    ministry = ROLE_PERMISSIONS["ministry"]
    assert P.REPORTS_READ in ministry
    for person_level in (P.TRAINEES_READ, P.TRAINEES_WRITE, P.AWARDS_READ, P.PLACEMENTS_READ, P.SELF_READ):
        assert person_level not in ministry


def test_trainee_only_has_self_permissions():
    assert ROLE_PERMISSIONS["trainee"] == {P.SELF_READ, P.SELF_WRITE, P.TOKENS_OWN}


def test_center_admin_scope(factory):
    mine, other = factory.center(), factory.center()
    admin = factory.center_admin(mine)
    enrolled_here = factory.trainee()
    factory.enrollment(enrolled_here, factory.cohort(center=mine))
    registered_here = factory.trainee(registered_by_center_id=mine.id)
    elsewhere = factory.trainee()
    factory.enrollment(elsewhere, factory.cohort(center=other))
    actor = Actor.for_user(admin)

    visible = set(db.session.scalars(scope_trainees(select(Trainee.id), actor)))
    assert visible == {enrolled_here.id, registered_here.id}
    assert may_see_trainee(actor, enrolled_here.id) and not may_see_trainee(actor, elsewhere.id)
    with pytest.raises(NotFound):
        require_trainee(actor, elsewhere.id)
    with pytest.raises(NotFound):
        require(actor, P.COHORTS_WRITE, center_id=other.id)
    require(actor, P.COHORTS_WRITE, center_id=mine.id)
    assert can(actor, P.COHORTS_WRITE, mine.id) and not can(actor, P.COHORTS_WRITE, other.id)


def test_admin_sees_all_and_ministry_none(factory):
    trainee = factory.trainee()
    admin = Actor.for_user(factory.user("admin"))
    ministry = Actor.for_user(factory.user("ministry"))
    assert may_see_trainee(admin, trainee.id)
    assert not may_see_trainee(ministry, trainee.id)
    with pytest.raises(PermissionDenied):
        scope_trainees(select(Trainee.id), ministry)
    with pytest.raises(PermissionDenied):
        require(ministry, P.TRAINEES_READ)


def test_trainee_sees_only_self(factory):
    me, other = factory.trainee(), factory.trainee()
    user = factory.trainee_user(me)
    actor = Actor.for_user(user)
    assert actor.trainee_id == me.id
    assert set(db.session.scalars(scope_trainees(select(Trainee.id), actor))) == {me.id}
    assert may_see_trainee(actor, me.id) and not may_see_trainee(actor, other.id)
