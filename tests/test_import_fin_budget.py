"""The import preview told, per row, whether a FIN is registered — at another center too, and
without limit: a file of guessed FINs with any birth date was an unlimited existence oracle
beside the register form's limited and audited answer (``people.services.KnownFin``). Now every
row answered "this FIN belongs to another person" about someone the importing user's centers do
not reach is spent from the same budget (``FIN_LOOKUP_RATE_LIMIT``, per account or token and per
address) and audited (``trainee.fin_known``); past it the preview is refused with a message that
says why, and nothing of the file is kept. Rows of the center's own trainees, rows whose FIN,
birth date and name match (the proof the design accepts) and unknown FINs cost nothing."""
from __future__ import annotations

import io
from datetime import date

from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.imports.models import ImportPreview
from talent.people.models import Trainee

HEADER = "fin,first_name,last_name,birth_date,gender,home_region"
ANOTHER = "7KNWN77,Aysel,Quliyeva,2001-05-05,F,BAKU"        # a FIN registered at MINE, not this person
OWN = "7MYN777,Aysel,Quliyeva,2001-05-05,F,BAKU"            # a FIN of OTHER's own trainee, not this person
UNKNOWN = "7NEW777,Aysel,Quliyeva,2001-05-05,F,BAKU"
SAME = "7KNWN77,Rəşad,İsmayılov,1990-01-01,M,BAKU"          # the registered person, as on the ID card


def _csv(*rows: str) -> bytes:
    return ("\n".join((HEADER, *rows)) + "\n").encode()


def _world(factory):
    mine, other = factory.center(code="MINE"), factory.center(code="OTHER")
    known = factory.trainee(fin="7KNWN77", first_name="Rəşad", last_name="İsmayılov", birth_date=date(1990, 1, 1),
                            registered_by_center_id=mine.id)
    own = factory.trainee(fin="7MYN777", first_name="Kamal", last_name="Əliyev", birth_date=date(1985, 2, 2),
                          registered_by_center_id=other.id)
    prober, colleague = factory.center_admin(other), factory.center_admin(other)
    db.session.commit()
    return {"mine": mine, "other": other, "known": known, "own": own, "prober": prober, "colleague": colleague}


def _upload(client, world, data: bytes, **environ):
    return client.post("/center/imports", data={"file": (io.BytesIO(data), "t.csv"), "waitlist": "y",
                                                "center_id": str(world["other"].id)},
                       content_type="multipart/form-data", environ_base=environ)


def _told(actor_id):
    return db.session.execute(select(AuditEvent.trainee_id, AuditEvent.center_id, AuditEvent.details)
                              .where(AuditEvent.action == "trainee.fin_known", AuditEvent.actor_id == actor_id)
                              .order_by(AuditEvent.id)).all()


def _previews() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(ImportPreview))


def test_web_preview_spends_the_known_fin_budget_and_past_it_keeps_nothing(app, factory, client, login_as,
                                                                           monkeypatch):
    world = _world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "2 per hour")
    login_as(world["prober"])
    data = _csv(ANOTHER, OWN, UNKNOWN)
    for _ in range(2):      # one row each time tells that someone else's FIN is registered
        first = _upload(client, world, data)
        assert first.status_code == 302
        page = client.get("/center/imports/preview").get_data(as_text=True)
        assert page.count("belongs to another person") == 2            # row 2 (counted) and row 3 (own: free)
    kept = _previews()
    # the third answer would pass the budget: refused, said why, nothing of the file kept
    refused = _upload(client, world, data)
    assert refused.status_code == 429
    text = refused.get_data(as_text=True)
    assert "Nothing was checked or kept" in text and "centers do not know: 1," in text
    assert "belongs to another person" not in text
    assert _previews() == kept
    assert client.get("/center/imports/preview").status_code == 302        # no preview in the session
    # each counted answer is audited with whose FIN it was; the own trainee's row is not
    told = _told(world["prober"].id)
    assert [(t.trainee_id, t.center_id, t.details["via"], t.details["row"], t.details["same_person"])
            for t in told] == [(world["known"].id, world["other"].id, "import", 2, False)] * 2
    # the register form spends from the same budget: it is spent
    form = {"fin": "7KNWN77", "last_name": "Quliyeva", "first_name": "Aysel", "patronymic": "",
            "birth_date": "2001-05-05", "gender": "F", "email": "", "phone": "",
            "home_region_id": str(world["known"].home_region_id), "education_level": "master"}
    assert client.post("/center/trainees/new", data=form).status_code == 429
    # a file without such rows still previews
    assert _upload(client, world, _csv(OWN, UNKNOWN)).status_code == 302


def test_the_budget_is_the_addresss_too_and_matching_rows_cost_nothing(app, factory, client, login_as,
                                                                        monkeypatch):
    world = _world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "1 per hour")
    login_as(world["prober"])
    for _ in range(3):      # FIN, birth date and name of the person: the proof, not an oracle
        assert _upload(client, world, _csv(SAME, OWN, UNKNOWN)).status_code == 302
    assert _told(world["prober"].id) == []
    assert _upload(client, world, _csv(ANOTHER)).status_code == 302
    client.post("/logout")
    login_as(world["colleague"])       # another account on the same address
    refused = _upload(client, world, _csv(ANOTHER))
    assert refused.status_code == 429, refused.headers.get("Location")
    assert _upload(client, world, _csv(ANOTHER), REMOTE_ADDR="10.7.7.7").status_code == 302


def test_api_dry_run_and_commit_spend_the_budget_per_token(app, factory, client, monkeypatch):
    from tests.api_helpers import api_for
    world = _world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "3 per hour")
    api = api_for(client, world["prober"])

    def upload(data: bytes, dry_run: bool):
        return api.post("/imports/trainees", data={"file": (io.BytesIO(data), "t.csv"), "dry_run": str(dry_run).lower(),
                                                   "center_id": str(world["other"].id)},
                        content_type="multipart/form-data")

    fins = ["7KNWN77"] + [factory.trainee(fin=f"7KN{i}777", registered_by_center_id=world["mine"].id).fin
                          for i in range(3)]
    db.session.commit()
    before = _previews()
    # a file with more such rows than the budget holds is refused whole: nothing checked, nothing kept
    rows = [ANOTHER.replace("7KNWN77", fin) for fin in fins]
    refused = upload(_csv(*rows), dry_run=True)
    assert refused.status_code == 429 and refused.get_json()["code"] == "fin_lookups_limited"
    assert "rows" not in refused.get_json() and _previews() == before
    assert _told(world["prober"].id) == []
    dry = upload(_csv(ANOTHER, UNKNOWN), dry_run=True)
    assert dry.status_code == 200 and dry.get_json()["counts"]["rows_with_problems"] == 1
    commit = upload(_csv(ANOTHER, UNKNOWN), dry_run=False)        # 422 with the report: it told it too
    assert commit.status_code == 422
    assert len(_told(world["prober"].id)) == 2
    assert upload(_csv(*rows[:2]), dry_run=True).status_code == 429     # 1 left, 2 asked
    assert upload(_csv(rows[0]), dry_run=True).status_code == 200
    assert db.session.scalar(select(func.count()).select_from(Trainee).where(Trainee.fin == "7NEW777")) == 0


def test_an_administrator_reaches_everyone_and_spends_nothing(app, factory, client, login_as, monkeypatch):
    world = _world(factory)
    monkeypatch.setitem(app.config, "FIN_LOOKUP_RATE_LIMIT", "1 per hour")
    login_as(factory.user("admin"))
    db.session.commit()
    for _ in range(3):
        assert _upload(client, world, _csv(ANOTHER)).status_code == 302
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "trainee.fin_known")) == 0
