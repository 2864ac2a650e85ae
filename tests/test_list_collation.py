"""The trainee, cohort and center lists sort the Azerbaijani way (talent.i18n.az_collate): Ə after E
and before F, Sü after Su, İ after I; on SQLite through the "az" collation, on PostgreSQL through
ICU's "az-x-icu", whose index keeps the trainee list an index walk (revision 0009)."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, text

from talent.extensions import db
from talent.learning import queries as lq
from talent.people.models import Trainee
from talent.readmodels import admin_lists
from talent.readmodels import trainees as trainee_list
from talent.reporting import reports
from talent.reporting.periods import Filters
from tests.admin_helpers import actor
from tests.api_helpers import api_for
from talent import clock

# In Azerbaijani order; a folded or code-point order puts them otherwise (Ə after every Latin
# letter by code point, folded to E it mixes with Eyvazov; Sü folded to Su mixes with Sultanov).
NAMES = ["Eyvazov", "Əhmədov", "Əliyev", "Fərəcov", "Sultanov", "Süleymanov", "Zeynalov"]
CODES = ["EZ-1", "ƏL-1", "FA-1", "SU-1", "SÜ-1"]


def _shuffled(items):
    return items[3:] + items[:3]


def test_trainee_list_sorts_names_the_azerbaijani_way(factory):
    center = factory.center()
    for last in _shuffled(NAMES):
        factory.trainee(last_name=last, first_name="Aysel", registered_by_center_id=center.id)
    staff = actor(factory.center_admin(center))
    page = trainee_list.list_trainees(staff, per_page=100)
    assert [t.last_name for t in page.items] == NAMES
    # Past the count cap the page comes from the ordered walk (the index on PostgreSQL): same order.
    walked = trainee_list.list_trainees(staff, per_page=3, page=2, count_cap=2)
    assert walked.more and [t.last_name for t in walked.items] == NAMES[3:6]
    # First names decide between equal last names: Elnur before Əli before Fuad.
    for first in ("Fuad", "Əli", "Elnur"):
        factory.trainee(last_name="Abbasov", first_name=first, registered_by_center_id=center.id)
    page = trainee_list.list_trainees(staff, per_page=100)
    assert [t.first_name for t in page.items][:3] == ["Elnur", "Əli", "Fuad"]


def test_trainee_list_of_the_api_in_the_same_order(client, factory):
    center = factory.center()
    for last in _shuffled(NAMES):
        factory.trainee(last_name=last, registered_by_center_id=center.id)
    api = api_for(client, factory.center_admin(center))
    db.session.commit()
    body = api.get("/trainees?limit=100").get_json()
    assert [t["last_name"] for t in body["items"]] == NAMES


def test_cohort_list_sorts_codes_the_azerbaijani_way(factory):
    center = factory.center()
    for code in _shuffled(CODES):
        factory.cohort(center=center, code=code)
    rows = db.session.execute(lq.cohort_list(actor(factory.center_admin(center)), sort="code")).all()
    assert [cohort.code for cohort, *_ in rows] == CODES


def test_center_lists_sort_names_the_azerbaijani_way(client, factory):
    for n, name in enumerate(_shuffled(NAMES)):
        factory.center(code=f"AZ{n}", name=f"{name} mərkəzi", region="GANJA_DASHKASAN")
    expected = [f"{name} mərkəzi" for name in NAMES]
    admin = factory.user("admin")
    listed = db.session.scalars(admin_lists.admin_list_stmt(actor(admin), admin_lists.Center, sort="name",
                                                            sortable=("code", "name")))
    assert [c.name for c in listed if c.code.startswith("AZ")] == expected
    # The ministry's page of a region's centers.
    today = clock.today()
    filters = Filters(start=today.replace(month=1, day=1), end=today, today=today, kind="custom")
    region_id = factory.region("GANJA_DASHKASAN").id
    centers = reports._region_centers(filters, region_id)[0]
    assert [row["label"] for row in centers.rows if row.get("label", "").endswith("mərkəzi")] == expected
    # The API's list of centers sorted by name.
    api = api_for(client, factory.user("ministry"))
    db.session.commit()
    items = api.get("/centers?sort=name&region=GANJA_DASHKASAN&limit=100").get_json()["items"]
    assert [c["name"] for c in items] == expected
    items = api.get("/centers?sort=-name&region=GANJA_DASHKASAN&limit=100").get_json()["items"]
    assert [c["name"] for c in items] == expected[::-1]


def test_the_ordered_trainee_page_walks_the_collated_index_on_postgresql(app, factory):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the collated index is PostgreSQL's (SQLite sorts with a collation function)")
    from talent.people.queries import name_order
    center = factory.center()
    db.session.add_all(Trainee(fin=f"Z{n:06d}", first_name="Aysel", last_name=f"Soyad{n}", patronymic=None,
                               search_name=f"soyad{n} aysel", birth_date=date(1990, 5, 17),
                               gender="F", home_region_id=factory.region().id, registered_by_center_id=center.id)
                       for n in range(3000))
    db.session.flush()
    db.session.execute(text("ANALYZE trainees"))
    stmt = select(Trainee.id).order_by(*name_order()).limit(25)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    plan = "\n".join(db.session.scalars(text("EXPLAIN " + sql)))
    assert "ix_trainees_name_az" in plan and "Sort" not in plan.split("ix_trainees_name_az")[0], plan


def test_a_cohort_roster_sorts_names_the_azerbaijani_way(factory):
    """The roster (attendance, scores, completion and the cohort's exports read it) sorts like the
    trainee list, not by the folded name (which mixes Əliyev with Eyvazov)."""
    cohort = factory.cohort()
    for last in _shuffled(NAMES):
        factory.enrollment(cohort=cohort, trainee=factory.trainee(last_name=last))
    assert [e.trainee.last_name for e in lq.roster(cohort.id)] == NAMES


def test_the_sqlite_collation_orders_by_the_azerbaijani_key_whatever_it_remembered():
    """SQLite's "az" collation remembers each name's key (a sort calls it once per comparison):
    its answers equal a comparison of fresh keys, for repeated names, case variants and equal
    strings, in any order of calls."""
    import functools
    import random
    from talent.i18n import az_sort_key, sqlite_az_collation
    names = NAMES + [n.upper() for n in NAMES] + [n.lower() for n in NAMES] + ["", "Ə", "E", "e", "ə", "İsa", "Isa",
                                                                                 "Süleymanov2", "Süleymanov10"]
    rng = random.Random(7)
    for _ in range(3):
        rng.shuffle(names)
        for left in names:
            for right in names:
                a, b = az_sort_key(left), az_sort_key(right)
                assert sqlite_az_collation(left, right) == (a > b) - (a < b), (left, right)
    ordered = sorted(names, key=functools.cmp_to_key(sqlite_az_collation))
    assert ordered == sorted(names, key=az_sort_key)
