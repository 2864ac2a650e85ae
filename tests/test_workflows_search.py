"""Trainee search that survives Back: the search is posted, kept on the server behind a short
handle, and answered by a redirect to a GET page (no FIN or name in any URL); and a paged,
filterable list of the center's trainees (by name; by cohort, enrollment status, home region)."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from talent.audit import AuditEvent
from talent.errors import PermissionDenied, ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.people import services as ps
from talent.readmodels import trainees as trainee_list
from talent.permissions import Actor
from tests.conftest import login

ROW = re.compile(r'href="/center/trainees/(\d+)"')


@pytest.fixture
def world(factory):
    mine, other = factory.center(code="MINE"), factory.center(code="OTHER")
    cohort = factory.cohort(center=mine, code="MINE-1", capacity=50)
    foreign_cohort = factory.cohort(center=other, code="OTHER-1")
    admin = factory.center_admin(mine, locale="en")
    colleague = factory.center_admin(mine, locale="en")
    stranger = factory.center_admin(other, locale="en")
    rashad = factory.trainee(fin="7RSH123", first_name="Rəşad", last_name="İsmayılov", patronymic=None,
                             registered_by_center_id=mine.id)
    # 30 more registered by my center, in a cohort: 26 enrolled from Baku, 4 withdrawn from Ganja
    # (registered here, so the withdrawn stay in scope: learning.scoping.SCOPE_STATUSES).
    people = []
    for i in range(30):
        t = factory.trainee(first_name=f"Ad{i:02d}", last_name="Quliyeva", region="BAKU" if i < 26 else "GANJA_DASHKASAN",
                            registered_by_center_id=mine.id)
        factory.enrollment(trainee=t, cohort=cohort, status="enrolled" if i < 26 else "withdrawn")
        people.append(t)
    outsider = factory.trainee(first_name="Kənan", last_name="İsmayılov", registered_by_center_id=other.id)
    factory.enrollment(trainee=outsider, cohort=foreign_cohort)
    db.session.commit()
    return {"mine": mine, "cohort": cohort, "foreign_cohort": foreign_cohort, "admin": admin,
            "colleague": colleague, "stranger": stranger, "rashad": rashad, "people": people, "outsider": outsider}


def _ids(page: str) -> list[int]:
    return [int(i) for i in ROW.findall(page)]


# ---- post -> redirect -> get --------------------------------------------------------------

def test_a_search_is_answered_on_a_get_page_with_a_handle(client, login_as, world):
    login_as(world["admin"])
    for text in ("7RSH123", "7rsh123", "ismayilov rəşad"):
        posted = client.post("/center/trainees", data={"q": text})
        assert posted.status_code == 303
        location = posted.headers["Location"]
        # Nothing of the text in the URL: only an opaque handle.
        assert "7RSH123" not in location.upper() and "ismay" not in location.lower()
        handle = parse_qs(urlsplit(location).query)["s"][0]
        assert 8 <= len(handle) <= 32 and re.fullmatch(r"[A-Za-z0-9_-]+", handle)
        first = client.get(location)
        assert first.status_code == 200 and _ids(first.get_data(as_text=True)) == [world["rashad"].id]
        # Back / reload: the same GET answers the same page (no "ERR_CACHE_MISS", no resubmission).
        again = client.get(location).get_data(as_text=True)
        assert _ids(again) == [world["rashad"].id] and f'value="{text}"' in again
    # The search is audited without its text.
    details = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "trainee.search")).all()
    assert details and not any("7RSH123" in str(d).upper() for d in details)


def test_a_handle_is_its_users_in_their_browser_session_and_expires(app, client, login_as, world, monkeypatch):
    login_as(world["admin"])
    location = client.post("/center/trainees", data={"q": "7RSH123"}).headers["Location"]
    # A colleague (another user) with the same URL: not their search.
    other = app.test_client()
    login(other, world["colleague"].email)
    page = other.get(location).get_data(as_text=True)
    assert "no longer available" in page and 'value="7RSH123"' not in page
    # The same user in another browser session: not there either.
    elsewhere = app.test_client()
    login(elsewhere, world["admin"].email)
    assert "no longer available" in elsewhere.get(location).get_data(as_text=True)
    assert _ids(client.get(location).get_data(as_text=True)) == [world["rashad"].id]
    # After SEARCH_HANDLE_HOURS the handle is gone (the sign-in lasts no longer than that either).
    monkeypatch.setattr(ps, "SEARCH_HANDLE_HOURS", 0)
    assert "no longer available" in client.get(location).get_data(as_text=True)


def test_bad_searches_say_why_and_keep_the_list(client, login_as, world):
    login_as(world["admin"])
    for data in ({"q": ""}, {"q": "x" * 201}, {"q": "a\x00b"}):
        response = client.post("/center/trainees", data=data)
        assert response.status_code == 422
        assert "invalid-feedback" in response.get_data(as_text=True)
    for handle in ("", "x" * 500, "%00", "'; DROP TABLE trainees; --"):
        assert client.get("/center/trainees", query_string={"s": handle}).status_code == 200


# ---- the list ------------------------------------------------------------------------------

def test_the_list_of_my_trainees_is_paged_by_name(client, login_as, world):
    login_as(world["admin"])
    first = client.get("/center/trainees").get_data(as_text=True)
    assert "32 found" not in first and "31 found" in first       # mine: Rəşad and the 30; not the outsider
    ids = _ids(first)
    assert len(ids) == 25 and world["outsider"].id not in ids
    second = client.get("/center/trainees?page=2").get_data(as_text=True)
    rest = _ids(second)
    assert len(rest) == 6 and not set(ids) & set(rest)
    names = re.findall(r'href="/center/trainees/\d+">([^<]+)<', first + second)
    assert names[0].startswith("İsmayılov") and names[1:] == sorted(names[1:])   # by folded name
    assert 'href="/center/trainees?page=2"' in first


def test_the_list_filters_by_cohort_status_and_region(client, login_as, world):
    login_as(world["admin"])
    cohort = world["cohort"].id
    page = client.get(f"/center/trainees?cohort_id={cohort}").get_data(as_text=True)
    assert "30 found" in page
    page = client.get(f"/center/trainees?cohort_id={cohort}&status=withdrawn").get_data(as_text=True)
    assert "4 found" in page and set(_ids(page)) == {t.id for t in world["people"][26:]}
    baku = db.session.scalar(select(Region.id).where(Region.code == "BAKU"))
    page = client.get(f"/center/trainees?status=enrolled&region_id={baku}").get_data(as_text=True)
    assert "26 found" in page
    # A search keeps the filters and the filters keep the search.
    location = client.post("/center/trainees", data={"q": "quliyeva ad2", "cohort_id": str(cohort),
                                                     "status": "withdrawn"}).headers["Location"]
    query = parse_qs(urlsplit(location).query)
    assert query["cohort_id"] == [str(cohort)] and query["status"] == ["withdrawn"]
    page = client.get(location).get_data(as_text=True)
    assert set(_ids(page)) == {t.id for t in world["people"][26:30] if t.first_name.startswith("Ad2")}
    assert f'name="s" value="{query["s"][0]}"' in page


def test_bad_filters_name_the_field_and_never_fail(client, login_as, world):
    login_as(world["admin"])
    for args, field in ((f"cohort_id={world['foreign_cohort'].id}", "cohort"), ("cohort_id=abc", "cohort"),
                        ("status=graduated", "status"), ("region_id=999999", "region"), ("page=-3", None),
                        ("cohort_id=99999999999999", "cohort")):
        response = client.get(f"/center/trainees?{args}")
        body = response.get_data(as_text=True)
        if field is None:
            assert response.status_code == 200
            continue
        assert response.status_code == 422, args
        assert "from the list" in body and world["outsider"].fin not in body


def test_the_service_checks_who_and_what(world, factory):
    ministry = Actor.for_user(factory.user("ministry"))
    with pytest.raises(PermissionDenied):
        ps.save_search(ministry, "x")
    with pytest.raises(PermissionDenied):
        trainee_list.list_trainees(ministry)
    admin = Actor.for_user(world["admin"])
    with pytest.raises(ValidationError) as error:
        trainee_list.list_trainees(admin, text="", cohort_id=world["foreign_cohort"].id, status="x", region_id="y")
    assert set(error.value.fields) == {"q", "cohort_id", "status", "region_id"}
    handle = ps.save_search(admin, " 7RSH123 ")
    assert ps.saved_search_text(admin, handle) == "7RSH123"
    assert ps.saved_search_text(Actor.for_user(world["colleague"]), handle) is None
    found = trainee_list.list_trainees(admin, text=ps.saved_search_text(admin, handle))
    assert [t.id for t in found.items] == [world["rashad"].id]
    everyone = trainee_list.list_trainees(Actor.for_user(factory.user("admin")), per_page=100)
    assert world["outsider"].id in {t.id for t in everyone.items}


def test_the_api_lists_my_trainees_with_the_same_filters(client, world):
    from tests.api_helpers import api_for
    api = api_for(client, world["admin"])
    listed = api.get("/trainees?limit=10").get_json()
    assert listed["total"] == 31 and len(listed["items"]) == 10 and listed["next_page"] == 2
    assert world["outsider"].id not in {t["id"] for t in listed["items"]}
    withdrawn = api.get(f"/trainees?cohort_id={world['cohort'].id}&status=withdrawn").get_json()
    assert {t["id"] for t in withdrawn["items"]} == {t.id for t in world["people"][26:]}
    refused = api.get(f"/trainees?cohort_id={world['foreign_cohort'].id}")
    assert refused.status_code == 422 and "cohort_id" in {e["field"] for e in refused.get_json()["errors"]}
    assert api.get("/trainees?status=graduated").status_code in (400, 422)


def test_each_trainee_shown_in_the_list_is_audited(client, login_as, world):
    login_as(world["admin"])
    page = client.get(f"/center/trainees?cohort_id={world['cohort'].id}&status=withdrawn").get_data(as_text=True)
    shown = set(_ids(page))
    viewed = set(db.session.scalars(select(AuditEvent.trainee_id).where(AuditEvent.action == "trainee.view_list",
                                                                        AuditEvent.actor_id == world["admin"].id)))
    assert shown and viewed == shown
