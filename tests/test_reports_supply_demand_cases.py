"""Supply against demand (issue 20), the cases an aggregation in SQL could get wrong, hand-computed
by the definitions of talent/reporting/supply_demand.py (the same as docs/disclosure.md), and the
rows parameter (``by``): the service's rule, through the page and the API.

The dataset (T = today; the period is T-200 .. T+10), all homes in Baku:

skills S1, S2; course CA teaches S1, course CB teaches S1 and S2; cohort A ends T-100, cohort B T-60.
vacancy V (2521, group 2, Baku) asks for S1 *and* S2, 3 openings.

  p1: awards from A and B (two courses teaching S1). Jobs: from T-77 filling V, from T-30.
      S1: counted once, from A (completed first, T-100): first job T-77 → 23 days, into V.
      S2: only B teaches it (T-60): the job of T-77 is before → first job T-30 → 30 days.
  p2: award from B. A job from T-90 (before the end of B): not placed, in S1 nor S2.
  p3: award from A. Two jobs both from T-90, the first recorded without a vacancy, the second
      filling V: the first job is the one recorded first → 10 days, not into a vacancy.

By skill:    graduates openings gap placed median via share
  S1 · BAKU      3         3      0     2      16    1   50.0  (p1, p2, p3; days 10 and 23: 16.5 → 16)
  S2 · BAKU      2         3      1     1      30    0    0.0  (p1, p2)
  total          3         3      0     2      16    1   50.0  (distinct people; V once)
By group: group 2 (V asks for S1 and S2): graduates 3 (p1 from T-100), openings 3 (V once), placed
2, median 16, into V 1, share 50.0; total the same.

The median of an even count is the mean of the middle two, rounded half to even (16.5 → 16), as
Python's round() does.
"""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from talent import clock
from talent.catalog.models import Skill
from talent.credentials.services import issue_award
from talent.extensions import db
from talent.permissions import Actor
from talent.reporting import supply_demand
from tests.conftest import login
from tests.test_reports_supply_demand import COLS, _exact, _filters, _vacancy, _values


@pytest.fixture
def cases(factory):
    T = clock.today()
    s1, s2 = db.session.scalars(select(Skill).order_by(Skill.id).limit(2)).all()
    factory.region("BAKU")
    center = factory.center()
    ca, cb = factory.course(), factory.course()
    ca.skills, cb.skills = [s1], [s1, s2]
    cohort_a = factory.cohort(center=center, course=ca, start_date=T - timedelta(days=160), end_date=T - timedelta(days=100))
    cohort_b = factory.cohort(center=center, course=cb, start_date=T - timedelta(days=120), end_date=T - timedelta(days=60))
    employer = factory.employer("Cases Employer")
    v = _vacancy(employer, "2521", 3, [s1, s2], region=factory.region("BAKU"), created=T - timedelta(days=150),
                 closes=T + timedelta(days=30))

    def award(trainee, cohort):
        enrollment = factory.enrollment(trainee, cohort, status="completed", final_score=90, attendance_pct=95)
        issue_award(Actor.system(), enrollment).issued_on = cohort.end_date

    p1, p2, p3 = (factory.trainee(region="BAKU") for _ in range(3))
    award(p1, cohort_a)
    award(p1, cohort_b)
    factory.placement(p1, employer, start_date=T - timedelta(days=77), vacancy_id=v.id)
    factory.placement(p1, employer, start_date=T - timedelta(days=30))
    award(p2, cohort_b)
    factory.placement(p2, employer, start_date=T - timedelta(days=90))
    award(p3, cohort_a)
    factory.placement(p3, employer, start_date=T - timedelta(days=90))
    factory.placement(p3, employer, start_date=T - timedelta(days=90), vacancy_id=v.id)
    db.session.flush()
    return {"s1": s1, "s2": s2}


TOTAL = (3, 3, 0, 2, 16, 1, 50.0)


@pytest.mark.parametrize("by", ["skill", "occupation"])
def test_people_once_first_course_first_job_and_a_vacancy_of_two_skills(app, monkeypatch, cases, factory, by):
    _exact(app, monkeypatch)
    report = supply_demand.supply_demand(_filters(), actor=Actor.for_user(factory.user("ministry")), by=by)
    got = {(r["group"], r["place"]): _values(r) for r in report.table.rows}
    if by == "skill":
        assert got == {(cases["s1"].code, "BAKU"): (3, 3, 0, 2, 16, 1, 50.0),
                       (cases["s2"].code, "BAKU"): (2, 3, 1, 1, 30, 0, 0.0)}
    else:
        assert got == {("2", "BAKU"): TOTAL}
    assert _values(report.table.total) == TOTAL


def test_the_rows_are_the_services_rule(cases, factory):
    """Anything but "skill" or "occupation" gives the rows by skill: the service decides."""
    actor = Actor.for_user(factory.user("ministry"))
    assert supply_demand.row_key(None) == supply_demand.row_key("nonsense") == supply_demand.DEFAULT_BY == "skill"
    assert supply_demand.row_key("occupation") == "occupation"
    for by in (None, "", "nonsense", "SKILL"):
        assert supply_demand.supply_demand(_filters(), actor=actor, by=by).by == "skill"


def _table(html: str) -> str:
    start = html.index("<table")
    return html[start:html.index("</table>", start)]


def test_an_unknown_by_on_the_page_shows_the_rows_by_skill(cases, factory, client):
    ministry = factory.user("ministry")
    db.session.commit()
    login(client, ministry.email)
    by_skill = client.get("/ministry/supply-demand?by=skill").get_data(as_text=True)
    by_group = client.get("/ministry/supply-demand?by=occupation").get_data(as_text=True)
    assert _table(by_skill) != _table(by_group) and 'name="by" value="occupation"' in by_group
    s1 = cases["s1"]
    assert any(name and name in _table(by_skill) for name in (s1.name_az, s1.name_en, s1.name_ru))
    for query in ("?by=nonsense", "?by=", ""):
        page = client.get("/ministry/supply-demand" + query)
        html = page.get_data(as_text=True)
        assert page.status_code == 200, query
        assert _table(html) == _table(by_skill), query
        assert 'name="by" value="skill"' in html, query                     # the filter form keeps "skill"


def test_the_api_names_the_rows_it_accepts(cases, factory, client):
    """The API's contract is stricter than the page's: an unknown ``by`` is a 422 naming the field;
    no ``by`` is the service's default."""
    from tests.api_helpers import api_for, field_names
    api = api_for(client, factory.user("ministry"))
    bad = api.get("/api/v1/reports/supply-demand?by=nonsense")
    assert bad.status_code == 422 and field_names(bad) == {"by"}
    body = api.get("/api/v1/reports/supply-demand").get_json()
    assert body["filters"]["by"] == "skill"
    assert body["tables"][0]["name"] == "supply_demand_by_skill" and body["tables"][0]["columns"] == list(COLS)
