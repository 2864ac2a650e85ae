"""Supply against demand (issue 20): certified graduates against vacancy openings by skill or ISCO
major group and place, hand-computed on a small dataset, through the disclosure function every
ministry answer uses; the API and page for the ministry only.

The dataset (T = today; the period is T-200 .. T+10):

skills S1, S2; course C1 teaches S1, course C2 teaches S1 and S2; cohorts of both end on T-100.

graduates (award issued in the period, not revoked):
  t1 home BAKU, C1 — job from T-70 filling vacancy V1          → 30 days, into a posted vacancy
  t2 home BAKU, C2 — a job from T-150 (before completion, ignored), then one from T-40 → 60 days
  t3 home R2,   C2 — no job
  t6 home BAKU, C1 — a job from T-50 that a center rejected     → not placed
not graduates: t4 (award revoked), t5 (award issued on T-300, before the period).

vacancies (openings; skills):
  V1 2521 (group 2) Baku       4; S1   open through the period
  V2 3512 (group 3) AZ, no region 2; S2  posted T-50
  V3 2521 (group 2) Türkiye    3; S1
  V4 closing T-250 (before the period)            — not counted
  V5 posted T+20 (after the period)               — not counted
  V6 closing T+30 but closed on T-210             — not counted

By skill:       graduates openings gap placed median via share
  S1 · BAKU         3        4     1     2      45    1   50.0   (t1, t2, t6)
  S1 · R2           1        0    -1     0       —    0    —     (t3)
  S1 · TR           0        3     3     0       —    0    —
  S2 · BAKU         1        0    -1     1      60    0    0.0   (t2)
  S2 · R2           1        0    -1     0       —    0    —     (t3)
  S2 · AZ-          0        2     2     0       —    0    —
  total             4        9     5     2      45    1   50.0   (distinct people; all openings)

By ISCO major group (group 2 asks for S1, group 3 for S2): the same figures with S1 → 2, S2 → 3.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta, timezone

import pytest
from sqlalchemy import select

from talent import clock
from talent.catalog.models import Skill
from talent.credentials.services import issue_award
from talent.errors import PermissionDenied
from talent.extensions import db
from talent.geo.models import Region
from talent.permissions import Actor
from talent.placement.models import Vacancy
from talent.reporting import supply_demand
from talent.reporting.periods import parse_filters
from tests.conftest import login


def _at(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=timezone.utc)


def _filters(**extra):
    today = clock.today()
    filters, messages = parse_filters({"period": "custom", "start": (today - timedelta(days=200)).isoformat(),
                                       "end": (today + timedelta(days=10)).isoformat(), **extra})
    assert not messages
    return filters


def _vacancy(employer, occupation, openings, skills, *, country="AZ", region=None, created, closes, closed_at=None):
    vacancy = Vacancy(employer_id=employer.id, title=f"Job {occupation}", occupation_code=occupation,
                      country_code=country, region_id=region.id if region else None, openings=openings,
                      closes_on=closes, status="closed" if closed_at else "open", created_at=_at(created),
                      closed_at=_at(closed_at) if closed_at else None)
    vacancy.skills = list(skills)
    db.session.add(vacancy)
    db.session.flush()
    return vacancy


@pytest.fixture
def world(factory):
    T = clock.today()
    s1, s2 = db.session.scalars(select(Skill).order_by(Skill.id).limit(2)).all()
    baku = factory.region("BAKU")
    r2 = db.session.scalars(select(Region).where(Region.code != "BAKU").order_by(Region.id)).first()
    center = factory.center()
    c1, c2 = factory.course(), factory.course()
    c1.skills, c2.skills = [s1], [s1, s2]
    cohort1 = factory.cohort(center=center, course=c1, start_date=T - timedelta(days=160), end_date=T - timedelta(days=100))
    cohort2 = factory.cohort(center=center, course=c2, start_date=T - timedelta(days=160), end_date=T - timedelta(days=100))
    employer = factory.employer("Supply Employer")
    v1 = _vacancy(employer, "2521", 4, [s1], region=baku, created=T - timedelta(days=150), closes=T + timedelta(days=30))
    _vacancy(employer, "3512", 2, [s2], created=T - timedelta(days=50), closes=T + timedelta(days=60))
    _vacancy(employer, "2521", 3, [s1], country="TR", created=T - timedelta(days=150), closes=T + timedelta(days=30))
    _vacancy(employer, "2521", 50, [s1], region=baku, created=T - timedelta(days=400), closes=T - timedelta(days=250))
    _vacancy(employer, "2521", 50, [s1], region=baku, created=T + timedelta(days=20), closes=T + timedelta(days=90))
    _vacancy(employer, "2521", 50, [s1], region=baku, created=T - timedelta(days=300), closes=T + timedelta(days=30),
             closed_at=T - timedelta(days=210))

    def graduate(cohort, region="BAKU", issued=T - timedelta(days=100)):
        trainee = factory.trainee(region=region)
        enrollment = factory.enrollment(trainee, cohort, status="completed", final_score=90, attendance_pct=95)
        award = issue_award(Actor.system(), enrollment)
        award.issued_on = issued
        return trainee, award

    t1, _ = graduate(cohort1)
    factory.placement(t1, employer, start_date=T - timedelta(days=70), vacancy_id=v1.id)
    t2, _ = graduate(cohort2)
    factory.placement(t2, employer, start_date=T - timedelta(days=150), end_date=T - timedelta(days=120))
    factory.placement(t2, employer, start_date=T - timedelta(days=40))
    graduate(cohort2, region=r2.code)
    t6, _ = graduate(cohort1)
    factory.placement(t6, employer, start_date=T - timedelta(days=50), verification="rejected")
    _t4, revoked = graduate(cohort1)
    revoked.revoked_at = _at(T - timedelta(days=5))
    revoked.revoked_reason = "test"
    graduate(cohort1, issued=T - timedelta(days=300))
    db.session.flush()
    return {"s1": s1, "s2": s2, "r2": r2, "employer": employer, "v1": v1}


EXPECTED = {  # (group, place) → graduates, openings, gap, placed, median, via vacancy, share
    ("S1", "BAKU"): (3, 4, 1, 2, 45, 1, 50.0),
    ("S1", "R2"): (1, 0, -1, 0, None, 0, None),
    ("S1", "TR"): (0, 3, 3, 0, None, 0, None),
    ("S2", "BAKU"): (1, 0, -1, 1, 60, 0, 0.0),
    ("S2", "R2"): (1, 0, -1, 0, None, 0, None),
    ("S2", "AZ-"): (0, 2, 2, 0, None, 0, None),
}
COLS = ("graduates", "openings", "gap", "placed", "median_days", "placed_vacancy", "vacancy_share")


def _exact(app, monkeypatch):
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 1)


def _values(row):
    return tuple(row["cells"][c].value for c in COLS)


@pytest.mark.parametrize("by", ["skill", "occupation"])
def test_every_column_hand_computed(app, monkeypatch, world, factory, by):
    _exact(app, monkeypatch)
    report = supply_demand.supply_demand(_filters(), actor=Actor.for_user(factory.user("ministry")), by=by)
    groups = ({"S1": world["s1"].code, "S2": world["s2"].code} if by == "skill" else {"S1": "2", "S2": "3"})
    places = {"BAKU": "BAKU", "R2": world["r2"].code, "TR": "TR", "AZ-": "AZ-"}
    got = {(r["group"], r["place"]): _values(r) for r in report.table.rows}
    assert got == {(groups[g], places[p]): values for (g, p), values in EXPECTED.items()}
    assert _values(report.table.total) == (4, 9, 5, 2, 45, 1, 50.0)
    tr = next(r for r in report.table.rows if r["place"] == "TR")
    assert tr["abroad"] is True and tr["place_label"] in ("Türkiye", "Türkiyə", "Турция")   # the language of the page


def test_skill_filter_narrows_graduates_and_vacancies(app, monkeypatch, world, factory):
    _exact(app, monkeypatch)
    report = supply_demand.supply_demand(_filters(skill=world["s2"].code),
                                         actor=Actor.for_user(factory.user("ministry")))
    got = {(r["group"], r["place"]): _values(r) for r in report.table.rows}
    assert got == {(world["s2"].code, "BAKU"): (1, 0, -1, 1, 60, 0, 0.0),
                   (world["s2"].code, world["r2"].code): (1, 0, -1, 0, None, 0, None),
                   (world["s2"].code, "AZ-"): (0, 2, 2, 0, None, 0, None)}
    assert _values(report.table.total) == (2, 2, 0, 1, 60, 0, 0.0)


def test_small_counts_and_medians_of_fewer_than_k_are_withheld(app, world, factory):
    """The default disclosure (cell-key, k = 5): every count here is below 5, so no count of people
    is published exactly, no median of fewer than 5 graduates is shown, and the gap of a withheld
    count is withheld too; openings (jobs, not people) are shown."""
    report = supply_demand.supply_demand(_filters(), actor=Actor.for_user(factory.user("ministry")))
    for row in report.table.rows + [report.table.total]:
        cells = row["cells"]
        for name in ("graduates", "placed", "placed_vacancy"):
            assert cells[name].value in (None, 0) or cells[name].value >= 5, (row["code"], name)
        assert cells["median_days"].value is None
        if cells["graduates"].value is None:
            assert cells["gap"].value is None
        assert cells["openings"].value is not None
    assert report.table.total["cells"]["openings"].value == 9
    data = report.as_json()
    text = repr(data)
    assert "__key" not in text and "days" not in [k for r in data["tables"][0]["rows"] for k in r]


def test_a_median_of_fewer_than_k_graduates_is_withheld(app, monkeypatch, world, factory):
    """k = 2 (threshold method): S1 · Baku has two graduates placed, so its median (45) is shown;
    S2 · Baku has one, so its count is "<2" and its median, gap and share are withheld."""
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")
    monkeypatch.setitem(app.config, "SUPPRESSION_K", 2)
    report = supply_demand.supply_demand(_filters(), actor=Actor.for_user(factory.user("ministry")))
    rows = {(r["group"], r["place"]): r["cells"] for r in report.table.rows}
    s1, s2 = rows[(world["s1"].code, "BAKU")], rows[(world["s2"].code, "BAKU")]
    assert (s1["graduates"].value, s1["placed"].value, s1["median_days"].value) == (3, 2, 45)
    assert s2["graduates"].value is None and s2["graduates"].symbol == "<2"
    assert s2["placed"].value is None and s2["median_days"].value is None and s2["gap"].value is None
    assert s2["vacancy_share"].value is None
    assert s2["openings"].value == 0                                  # jobs, not people: shown


def test_only_the_ministry_and_admin_read_it(world, factory, client):
    for user in (factory.center_admin(), factory.employer_user(), factory.trainee_user()):
        with pytest.raises(PermissionDenied):
            supply_demand.supply_demand(_filters(), actor=Actor.for_user(user))
    ministry = factory.user("ministry")
    db.session.commit()
    assert client.get("/ministry/supply-demand").status_code in (302, 401)
    login(client, ministry.email)
    page = client.get("/ministry/supply-demand?by=occupation")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-supply-demand-table" in html
    assert 'name="by" value="occupation"' in html
    assert client.get("/ministry/supply-demand?by=nonsense&year=abc").status_code == 200
    assert "/ministry/supply-demand" in client.get("/ministry/demand").get_data(as_text=True)   # in the nav


def test_api_for_the_ministry_and_admin_only(world, factory, client):
    from tests.api_helpers import api_for
    today = clock.today()
    query = (f"/api/v1/reports/supply-demand?period=custom&start={(today - timedelta(days=200)).isoformat()}"
             f"&end={(today + timedelta(days=10)).isoformat()}")
    for role in ("ministry", "admin"):
        answer = api_for(client, factory.user(role)).get(query + "&by=occupation")
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["report"] == "supply-demand" and body["filters"]["by"] == "occupation"
        table = body["tables"][0]
        assert table["columns"] == list(COLS)
        assert {(r["group"], r["place"]) for r in table["rows"]} == {
            ("2", "BAKU"), ("2", world["r2"].code), ("2", "TR"), ("3", "BAKU"), ("3", world["r2"].code), ("3", "AZ-")}
        assert table["total"]["openings"]["value"] == 9
    for user in (factory.center_admin(), factory.employer_user(), factory.trainee_user()):
        assert api_for(client, user).get(query).status_code == 403
    assert client.get(query).status_code == 401
    assert api_for(client, factory.user("ministry")).get(query + "&by=nonsense").status_code == 422
