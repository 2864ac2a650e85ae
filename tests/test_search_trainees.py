"""Trainee search as the center workspace runs it (collect the matches, count up to a cap, sort one
page) and the cohort roster page: the same trainees, order and permissions as the plain
definition — every match the actor may see, in Azerbaijani order of last and first name, then
id — on SQLite and PostgreSQL."""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text

from talent.audit import AuditEvent
from talent.extensions import db
from talent.i18n import az_sort_key, fold
from talent.people.services import search_trainees
from talent.permissions import Actor
from tests.conftest import is_postgres
from talent.learning import membership as rule
from tests.learning_helpers import actor

NAMES = [("Məmmədova", "Aysel"), ("Məmmədov", "Rəşad"), ("İsmayılov", "Tural"), ("Əliyeva", "Nərgiz"),
         ("Quliyev", "Anar"), ("Həsənova", "Zəhra"), ("Ab_c", "Ova"), ("Qasımova", "Aləm"),
         ("Salmanova", "Nigar"), ("Eliyeva", "Günel")]
TERMS = ["ova", "al", "a", "o", "zx", "eli", "ismayilov", "İSMAYILOV", "ov ra", "ov  a", "b_c", "b%c", "100%_",
         "eliyeva", "memmedov resad", "qasimova alem", "məmmədov"]


@pytest.fixture
def world(factory):
    mine, other = factory.center(), factory.center()
    cohort_mine = factory.cohort(center=mine, capacity=200)
    trainees = []
    for i in range(40):
        last, first = NAMES[i % len(NAMES)]
        registered = (mine, other, None)[i % 3]
        t = factory.trainee(last_name=last, first_name=first, patronymic=("Eli qızı" if i % 4 else None),
                            registered_by_center_id=registered.id if registered else None)
        if i % 5 == 0:  # enrolled at my center while registered elsewhere (or nowhere)
            factory.enrollment(trainee=t, cohort=cohort_mine)
        trainees.append(t)
    db.session.commit()
    return {"admin": Actor.for_user(factory.center_admin(mine)), "sysadmin": Actor.for_user(factory.user("admin")),
            "mine": mine, "cohort": cohort_mine, "trainees": trainees}


def _expected(world, who: str, term: str) -> list[int]:
    """The plain definition, computed in Python."""
    visible = {t.id for t in world["trainees"]} if who == "sysadmin" else (
        {t.id for t in world["trainees"] if t.registered_by_center_id == world["mine"].id}
        | {t.id for t in world["trainees"] if world["trainees"].index(t) % 5 == 0})
    text_ = term.strip()
    fins = {t.fin: t for t in world["trainees"]}
    if re.fullmatch(r"[0-9A-Za-z]{7}", text_) and text_.upper() in fins:
        found = [fins[text_.upper()]]
    else:
        words = fold(text_).split()
        found = [t for t in world["trainees"] if all(w in t.search_name for w in words)]
    return [t.id for t in sorted(found, key=lambda t: (az_sort_key(t.last_name), az_sort_key(t.first_name), t.id))
            if t.id in visible]


@pytest.mark.parametrize("who", ["admin", "sysadmin"])
def test_every_page_holds_the_matches_the_actor_may_see_in_name_order(world, who):
    actor = world[who]
    visible_fin = next(t.fin for t in world["trainees"] if t.registered_by_center_id == world["mine"].id)
    hidden_fin = next(t.fin for t in world["trainees"] if t.registered_by_center_id not in (world["mine"].id, None)
                      and world["trainees"].index(t) % 5)
    for term in TERMS + [visible_fin, visible_fin.lower(), hidden_fin]:
        expected = _expected(world, who, term)
        for cap in (None, 3, 1000):
            per_page = 4
            pages = max(1, -(-len(expected) // per_page))
            seen = []
            for page in range(1, pages + 2):  # one page past the end is empty
                result = search_trainees(actor, term, page=page, per_page=per_page, count_cap=cap)
                seen += [t.id for t in result.items]
                if cap is not None and len(expected) > cap:
                    assert (result.total, result.more) == (cap, True), (term, cap)
                else:
                    assert (result.total, result.more) == (len(expected), False), (term, cap)
            assert seen == expected, (who, term, cap)


def test_a_hidden_fin_is_not_found_and_the_count_is_audited(world, factory):
    hidden = factory.trainee(fin="ZX12345", registered_by_center_id=factory.center().id)
    db.session.commit()
    assert search_trainees(world["admin"], "zx12345").items == []
    assert [t.id for t in search_trainees(world["sysadmin"], "zx12345").items] == [hidden.id]
    search_trainees(world["admin"], "a", count_cap=2)
    details = db.session.scalars(select(AuditEvent.details).where(AuditEvent.action == "trainee.search")
                                 .order_by(AuditEvent.id)).all()
    assert {k: details[-1][k] for k in ("results", "more")} == {"results": 2, "more": True}
    assert details[-1]["trainee_ids"]      # the trainees shown, for their access logs
    assert details[0] == {"results": 0}


def test_the_search_page_says_more_than_the_cap(world, client, login_as, factory, monkeypatch):
    from talent.web.center import trainees as view
    login_as(factory.center_admin(world["mine"]))
    expected = _expected(world, "admin", "ova")
    monkeypatch.setattr(view, "SEARCH_COUNT_CAP", 3)
    page = client.post("/center/trainees", data={"q": "ova"}, follow_redirects=True).get_data(as_text=True)
    assert "More than 3 found" in page
    monkeypatch.setattr(view, "SEARCH_COUNT_CAP", 1000)
    page = client.post("/center/trainees", data={"q": "ova"}, follow_redirects=True).get_data(as_text=True)
    assert f"{len(expected)} found" in page and "More than" not in page
    shown = [int(i) for i in re.findall(r'href="/center/trainees/(\d+)"', page)]
    assert shown == expected[:25]


# The planner's choice depends on the table as committed (inside the per-test transaction it
# picked the name-ordered index instead): this one commits for real.
@pytest.mark.committed
def test_trigram_index_serves_words_of_three_letters_or_more_on_postgresql(app, world):
    if not is_postgres(app):
        pytest.skip("pg_trgm is PostgreSQL's")
    from talent.people.queries import trainee_search
    indexdef = db.session.scalar(text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_trainees_search_name_trgm'"))
    assert "USING gin" in indexdef and "gin_trgm_ops" in indexdef

    def plan(term: str) -> str:
        stmt = trainee_search(world["sysadmin"], term)
        sql = str(stmt.compile(dialect=db.engine.dialect, compile_kwargs={"literal_binds": True}))
        db.session.execute(text("SET LOCAL enable_seqscan = off"))
        try:
            return "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
        finally:
            db.session.rollback()
    assert "ix_trainees_search_name_trgm" in plan("ova")
    # A one- or two-letter word has no trigram: reading the whole GIN index for it is never chosen.
    assert "ix_trainees_search_name_trgm" not in plan("al")


@pytest.mark.committed
def test_a_centers_name_search_reads_its_members_of_that_name_from_one_index_on_postgresql(app, factory):
    """A center's name search tests the name on the centers' membership rows (which carry it, with
    a GIN index on (center, name trigrams)), not every trainee of that name in the country checked
    against every member of the centers. Which index PostgreSQL then takes depends on the sizes
    (at 1M: this GIN index, benchmarks/run.py); here the plan must read the name on the rows."""
    if not is_postgres(app):
        pytest.skip("GIN indexes are PostgreSQL's")
    from talent.people.queries import trainee_search
    indexdef = db.session.scalar(text(
        "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_trainee_centers_center_id_search_name'"))
    assert "USING gin (center_id, search_name gin_trgm_ops)" in indexdef, indexdef
    centers = [factory.center(code=f"C-{n}") for n in range(4)]
    region_id = factory.region("BAKU").id
    # 8,000 trainees in SQL (the factory's pace would take minutes): every fourth center's; one
    # name in 50 is "Kazımova".
    db.session.execute(text(
        "INSERT INTO trainees (fin, first_name, last_name, search_name, birth_date, gender, home_region_id, "
        "followup_consent, research_consent, registered_by_center_id, consent_at, created_at, updated_at) "
        "SELECT upper(lpad(to_hex(n), 7, '0')), 'Aysel', CASE WHEN n % 50 = 0 THEN 'Kazımova' ELSE 'Əliyeva' END, "
        "CASE WHEN n % 50 = 0 THEN 'kazimova aysel' ELSE 'eliyeva aysel' END, DATE '1999-01-01', 'F', :region, "
        "false, false, (ARRAY[:c0, :c1, :c2, :c3])[n % 4 + 1], now(), now(), now() FROM generate_series(1, 8000) AS n"),
        {"region": region_id, **{f"c{i}": c.id for i, c in enumerate(centers)}})
    rule.rebuild()
    admin = actor(factory.center_admin(centers[0]))
    db.session.commit()
    db.session.execute(text("ANALYZE trainees"))
    db.session.execute(text("ANALYZE trainee_centers"))
    db.session.commit()

    def plan(term: str) -> str:
        sql = str(trainee_search(admin, term).compile(dialect=db.engine.dialect,
                                                      compile_kwargs={"literal_binds": True}))
        return "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
    found = plan("kazimova")
    assert re.search(r"on trainee_centers[^\n]*\n(?:[^\n]*\n){0,3}[^\n]*Cond: [^\n]*search_name", found) or \
        re.search(r"on trainee_centers[^\n]*\n(?:[^\n]*\n){0,3}[^\n]*Filter: [^\n]*search_name", found), found
    assert "ix_trainees_search_name_trgm" not in found, found
    # n % 50 == 0 and n % 4 == 0: n a multiple of 100 among 1..8,000
    assert search_trainees(admin, "kazimova", per_page=500).total == 80


def test_roster_order_links_and_withdraw_forms(client, login_as, factory):
    center = factory.center()
    cohort = factory.cohort(center=center, capacity=10)
    now = datetime.now(timezone.utc)
    rows = [("Zeynalova", "enrolled", None), ("Abbasova", "enrolled", None), ("Quliyev", "withdrawn", None),
            ("Babayev", "waitlisted", now - timedelta(hours=1)), ("Aliyev", "waitlisted", now),
            ("Cəfərov", "applied", None), ("Bəşirov", "completed", None)]
    made = {}
    for last, status, waitlisted_at in rows:
        t = factory.trainee(last_name=last, registered_by_center_id=center.id)
        made[last] = factory.enrollment(trainee=t, cohort=cohort, status=status, waitlisted_at=waitlisted_at,
                                        withdrawal_reason="Moved" if status == "withdrawn" else None)
    db.session.commit()
    login_as(factory.center_admin(center))
    page = client.get(f"/center/cohorts/{cohort.id}").get_data(as_text=True)
    order = ["Abbasova", "Bəşirov", "Zeynalova", "Cəfərov", "Babayev", "Aliyev", "Quliyev"]
    links = re.findall(r'<a href="/center/trainees/(\d+)">', page)
    assert links == [str(made[name].trainee_id) for name in order]
    withdrawable = [made[n].id for n in order if made[n].status in ("applied", "waitlisted", "enrolled")]
    assert re.findall(r'action="/center/enrollments/(\d+)/withdraw"', page) == [str(i) for i in withdrawable]
    assert "#1" in page and "#2" in page  # waiting-list positions
