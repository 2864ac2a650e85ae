"""Issue 13, finding 6: the audit trail can be read — /admin/audit and GET /api/v1/audit for
administrators (filters, pages, CSV); events keep old and new values of changed fields but never
secrets; a trainee's access log shows searches, roster views and exports that contained them, in
their language."""
from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from talent import clock
from talent.accounts import services as accounts
from talent.audit import AuditEvent
from talent.extensions import db
from talent.people import services as people
from talent.permissions import Actor
from tests.api_helpers import Api, token_for
from tests.conftest import login
from tests.factories import PASSWORD


@pytest.fixture
def world(factory):
    center = factory.center(code="AUD")
    cohort = factory.cohort(center=center, status="open", capacity=10)
    trainee, other = factory.trainee(first_name="Leyla"), factory.trainee(first_name="Orxan")
    factory.enrollment(trainee, cohort)
    factory.enrollment(other, cohort)
    admin = factory.user("admin", email="root@example.az")
    staff = factory.center_admin(center, email="staff@example.az")
    trainee_user = factory.trainee_user(trainee, email="leyla@example.az")
    db.session.commit()
    return {"center": center, "cohort": cohort, "trainee": trainee, "other": other, "admin": admin,
            "staff": staff, "trainee_user": trainee_user}


def _events(action):
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_changes_keep_old_and_new_values(app, world):
    with app.test_request_context():
        people.update_trainee(Actor.for_user(world["staff"]), world["trainee"].id,
                              {"phone": "+994 50 111 22 33", "first_name": "Leyli"})
        db.session.commit()
    details = _events("trainee.update")[-1].details
    assert details["values"]["first_name"] == {"old": "Leyla", "new": "Leyli"}
    assert details["values"]["phone"]["new"].replace(" ", "").endswith("501112233")
    assert "search_name" not in details["values"]


def test_secrets_are_never_in_the_trail(app, world):
    user = world["admin"]
    with app.test_request_context():
        actor = Actor.for_user(user)
        accounts.change_password(actor, user, PASSWORD, "sarı-çiçək-dəniz-yolu")
        _token, secret = accounts.create_token(Actor.system(), user, "script")
        db.session.commit()
    change = _events("user.password_change")[-1].details
    assert change["values"]["password_hash"] == {"secret": True}
    assert change["values"]["session_token"] == {"secret": True}
    everything = repr([(e.details, e.actor_label) for e in db.session.scalars(select(AuditEvent))])
    assert "argon2" not in everything and "sarı-çiçək" not in everything and secret not in everything
    assert user.session_token not in everything


def test_admin_page_filters_pages_and_exports(app, client, world):
    staff = Actor.for_user(world["staff"])
    with app.test_request_context():
        people.update_trainee(staff, world["trainee"].id, {"phone": "+994 50 111 22 33"})
        people.update_trainee(staff, world["other"].id, {"phone": "+994 50 444 55 66"})
        db.session.commit()
    login(client, world["admin"].email)
    page = client.get("/admin/audit")
    assert page.status_code == 200 and "trainee.update" in page.get_data(as_text=True)
    mine = client.get(f"/admin/audit?trainee_id={world['trainee'].id}&action=trainee.update").get_data(as_text=True)
    assert mine.count("<code>trainee.update</code>") == 1 and "Changed your record" in mine
    by_actor = client.get("/admin/audit?actor=staff@&action=trainee").get_data(as_text=True)
    assert by_actor.count("<code>trainee.update</code>") == 2
    today = clock.today()
    none = client.get(f"/admin/audit?date_from={today + timedelta(days=1)}").get_data(as_text=True)
    assert "Nothing found." in none
    bad = client.get("/admin/audit?date_from=2026-02-30&trainee_id=x")
    assert bad.status_code == 422 and "Enter a date as YYYY-MM-DD." in bad.get_data(as_text=True)
    export = client.get(f"/admin/audit.csv?action=trainee.update&date_from={today}&date_to={today}")
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 2 and {r["action"] for r in rows} == {"trainee.update"}
    assert '"old"' in rows[0]["details"]
    assert _events("audit.export")


@pytest.mark.parametrize("role", ["staff", "trainee_user"])
def test_only_administrators_read_the_trail(client, world, role):
    login(client, world[role].email)
    assert client.get("/admin/audit").status_code in (403, 404)
    assert client.get("/admin/audit.csv").status_code in (403, 404)


def test_api_lists_filters_and_exports_for_administrators_only(app, client, world, factory):
    staff = Actor.for_user(world["staff"])
    with app.test_request_context():
        people.update_trainee(staff, world["trainee"].id, {"phone": "+994 50 111 22 33"})
        db.session.commit()
    api = Api(client, token_for(world["admin"]))
    body = api.get(f"/audit?trainee_id={world['trainee'].id}&action=trainee.update&limit=10").get_json()
    assert body["total"] == 1 and body["items"][0]["details"]["values"]["phone"]["old"] is None
    assert body["items"][0]["what"] == "Changed your record"
    assert api.get("/audit?limit=1").get_json()["next_page"] == 2
    assert api.get("/audit?date_from=2026-13-01").status_code == 422
    export = api.get("/audit/export?action=trainee")
    assert export.status_code == 200 and "trainee.update" in export.get_data(as_text=True)
    ministry = factory.user("ministry")
    db.session.commit()
    for user in (world["staff"], world["trainee_user"], ministry):
        other = Api(client, token_for(user))
        assert other.get("/audit").status_code == 403
        assert other.get("/audit/export").status_code == 403
    assert Api(client).get("/audit").status_code == 401


@pytest.mark.parametrize("language, words", [
    ("en", ["Found you in a search", "Viewed a cohort roster with you on it", "Exported a cohort roster with you on it"]),
    ("az", ["Sizi axtarışda tapıb", "Sizin olduğunuz qrupun siyahısına baxıb", "Sizin olduğunuz qrupun siyahısını ixrac edib"]),
    ("ru", ["Поиск, в результатах которого были вы", "Просмотр списка группы, в которой вы есть",
            "Выгрузка списка группы, в которой вы есть"]),
])
def test_trainee_sees_searches_roster_views_and_exports_in_their_language(app, world, language, words):
    staff_client = app.test_client()
    login(staff_client, world["staff"].email)
    assert staff_client.post("/center/trainees", data={"q": "Leyla"}, follow_redirects=True).status_code == 200
    assert staff_client.get(f"/center/cohorts/{world['cohort'].id}").status_code == 200
    assert staff_client.get(f"/center/cohorts/{world['cohort'].id}/export/roster.csv").status_code == 200
    me = app.test_client()
    me.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    login(me, world["trainee_user"].email)
    html = me.get("/me/data").get_data(as_text=True)
    for text in words:
        assert text in html, text
    for code in ("trainee.search", "cohort.roster_view", "export.roster", "trainee.view"):
        assert code not in html
    # Another trainee found by none of it sees nothing of it.
    assert world["other"].id not in (_events("trainee.search")[-1].details or {}).get("trainee_ids", [])
