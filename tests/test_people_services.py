"""Trainee services: create, update (search_name in sync), view audit, search, scoping."""
from __future__ import annotations


import pytest
from sqlalchemy import select

from talent.audit import AuditEvent
from talent.errors import Duplicate, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.people import services
from talent.people.models import Trainee
from tests.learning_helpers import actor, request_ctx, trainee_data  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_ctx")


def test_center_admin_creates_trainee_for_their_center(factory):
    center = factory.center()
    admin = factory.center_admin(center)
    trainee = services.create_trainee(actor(admin), trainee_data(), center_id=center.id)
    assert trainee.fin == "5ABCD12"
    assert trainee.phone == "+994501234567"
    assert trainee.registered_by_center_id == center.id
    assert trainee.search_name == "ismayilov elvin kamran oglu"
    assert trainee.home_region.code == "BAKU"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.create"))
    assert event.trainee_id == trainee.id and event.center_id == center.id


def test_single_center_is_the_default(factory):
    center = factory.center()
    trainee = services.create_trainee(actor(factory.center_admin(center)), trainee_data())
    assert trainee.registered_by_center_id == center.id


def test_center_admin_cannot_register_for_another_center(factory):
    mine, other = factory.center(), factory.center()
    with pytest.raises(PermissionDenied):
        services.create_trainee(actor(factory.center_admin(mine)), trainee_data(), center_id=other.id)
    assert db.session.scalar(select(Trainee.id)) is None


def test_invalid_data_names_every_field_and_writes_nothing(factory):
    admin = factory.user("admin")
    with pytest.raises(ValidationError) as info:
        services.create_trainee(actor(admin), trainee_data(fin="12", email="x", birth_date="2020-01-01",
                                                          home_region="Mars"))
    assert set(info.value.fields) == {"fin", "email", "birth_date", "home_region"}
    assert db.session.scalar(select(Trainee.id)) is None


def test_duplicate_fin_is_refused(factory):
    admin = factory.user("admin")
    services.create_trainee(actor(admin), trainee_data())
    with pytest.raises(Duplicate) as info:
        services.create_trainee(actor(admin), trainee_data(fin=" 5abcd12 "))
    assert "fin" in info.value.fields


def test_form_may_send_region_id(factory):
    admin = factory.user("admin")
    data = trainee_data()
    del data["home_region"]
    data["home_region_id"] = str(factory.region("GANJA_DASHKASAN").id)
    assert services.create_trainee(actor(admin), data).home_region.code == "GANJA_DASHKASAN"


def test_update_keeps_search_name_in_sync(factory):
    center = factory.center()
    admin = factory.center_admin(center)
    trainee = factory.trainee(registered_by_center_id=center.id)
    services.update_trainee(actor(admin), trainee.id, {"last_name": "Əliyeva", "phone": "+994 55 555 55 55"})
    assert trainee.search_name == "eliyeva aysel resad qizi"
    assert trainee.phone == "+994555555555"


def test_update_refuses_taken_fin(factory):
    admin = factory.user("admin")
    a, b = factory.trainee(), factory.trainee()
    with pytest.raises(Duplicate):
        services.update_trainee(actor(admin), a.id, {"fin": b.fin})


def test_other_centers_trainee_is_not_found(factory):
    mine, other = factory.center(), factory.center()
    trainee = factory.trainee(registered_by_center_id=other.id)
    admin = actor(factory.center_admin(mine))
    with pytest.raises(NotFound):
        services.get_trainee(admin, trainee.id)
    with pytest.raises(NotFound):
        services.update_trainee(admin, trainee.id, {"first_name": "X"})


def test_view_is_audited(factory):
    center = factory.center()
    trainee = factory.trainee(registered_by_center_id=center.id)
    services.get_trainee(actor(factory.center_admin(center)), trainee.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "trainee.view"))
    assert event.trainee_id == trainee.id


def test_search_by_folded_name_and_fin_within_scope(factory):
    mine, other = factory.center(), factory.center()
    a = factory.trainee(first_name="Rəşad", last_name="İsmayılov", patronymic=None, registered_by_center_id=mine.id)
    factory.trainee(first_name="Rəşad", last_name="İsmayılov", patronymic=None, registered_by_center_id=other.id)
    factory.trainee(first_name="Nigar", last_name="Həsənova", registered_by_center_id=mine.id)
    admin = actor(factory.center_admin(mine))
    assert [t.id for t in services.search_trainees(admin, "ismayilov").items] == [a.id]
    assert [t.id for t in services.search_trainees(admin, "RƏŞAD  İSMAYILOV").items] == [a.id]
    assert [t.id for t in services.search_trainees(admin, a.fin.lower()).items] == [a.id]
    assert services.search_trainees(actor(factory.user("admin")), "ismayilov").total == 2
    assert services.search_trainees(admin, "100%_").total == 0


def test_search_needs_text_and_permission(factory):
    with pytest.raises(ValidationError):
        services.search_trainees(actor(factory.user("admin")), "  ")
    with pytest.raises(PermissionDenied):
        services.search_trainees(actor(factory.user("ministry")), "x")


def test_ministry_cannot_create(factory):
    with pytest.raises(PermissionDenied):
        services.create_trainee(actor(factory.user("ministry")), trainee_data())


def test_concurrent_same_fin_is_a_duplicate_not_a_crash(factory, monkeypatch):
    """Two registrations of one FIN racing: the loser gets Duplicate (the unique constraint)."""
    admin = factory.user("admin")
    services.create_trainee(actor(admin), trainee_data())
    # simulate the race: the pre-check does not see the first row
    monkeypatch.setattr(services.db.session, "scalar", lambda *a, **k: None)
    with pytest.raises(Duplicate):
        services.create_trainee(actor(admin), trainee_data())
