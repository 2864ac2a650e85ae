"""Outcome indicators (issue 20): exits, employment in the 2nd and 4th quarter after the exit
quarter, median pay in the 2nd, credential attainment within a year, by region, center, course
level, gender and market — hand-computed on a small dataset, and their disclosure.

The dataset (report year 2025, report date 6 December 2026, so the 4th quarter after exit is over
for exits of 2025 Q1–Q3 and the 2nd for every exit of 2025):

=====  ======  ======  ==========  ======================  ===========================================
who    sex     center  level       exit                    jobs / award
=====  ======  ======  ==========  ======================  ===========================================
T1     F       A Baku  foundation  completed, 2025-03-15   AZ from 2025-06-01, 1000; award 2025-04-01
T2     M       A Baku  foundation  failed, 2025-05-10      TR 2025-07-01..08-31; rejected AZ job in Q4
T3     F       B Ganja advanced    completed, 2025-08-20   DE 2025-11-01..2026-02-15, 3000; award
                                                           2026-09-01 (more than a year after exit)
T4     F       B Ganja advanced    withdrawn 2025-11-30    AZ from 2026-03-01, 800
                                   22:30 UTC = 1 Dec Baku
T8     M       A Baku  foundation  completed, 2025-02-28   AZ 2025-07-15..09-30, 1500; GE from
                                                           2025-09-01, 2000; award revoked
=====  ======  ======  ==========  ======================  ===========================================

Not exits of 2025: T5 (withdrawn 2025-12-31 21:00 UTC = 1 January 2026 in Baku), T6 (withdrew
before the cohort started), T7 (completed in 2024), T9 (still enrolled).
"""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from talent.credentials.models import Award
from talent.errors import PermissionDenied
from talent.extensions import db
from talent.permissions import Actor
from talent.reporting import outcomes
from talent.reporting.periods import Filters
from tests.conftest import login

TODAY = date(2026, 12, 6)
YEAR = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY, kind="year", year=2025)


def _award(factory, enrollment, issued_on, revoked=False):
    from talent.learning.models import Cohort
    cohort = db.session.get(Cohort, enrollment.cohort_id)
    award = Award(serial=f"S{enrollment.id:06d}", verification_code=f"V{enrollment.id:031d}",
                  enrollment_id=enrollment.id, trainee_id=enrollment.trainee_id,
                  certification_id=cohort.course.certification_id, center_id=cohort.center_id, issued_on=issued_on,
                  revoked_at=datetime(2025, 6, 1, tzinfo=timezone.utc) if revoked else None,
                  revoked_reason="Issued in error" if revoked else None)
    db.session.add(award)
    db.session.flush()
    return award


@pytest.fixture
def world(factory):
    a = factory.center(region="BAKU", name="Alpha center")
    b = factory.center(region="GANJA_DASHKASAN", name="Beta center")
    foundation = factory.course(level="foundation")
    advanced = factory.course(level="advanced")
    az, tr, de, ge = (factory.employer(country_code=c) for c in ("AZ", "TR", "DE", "GE"))

    def exit_(center, course, gender, start, end, status, **kw):
        cohort = factory.cohort(center=center, course=course, start_date=start, end_date=end, status="completed")
        trainee = factory.trainee(gender=gender)
        enrollment = factory.enrollment(trainee, cohort, status=status, **kw)
        return trainee, enrollment

    t1, e1 = exit_(a, foundation, "F", date(2025, 1, 10), date(2025, 3, 15), "completed")
    factory.placement(t1, az, start_date=date(2025, 6, 1), monthly_pay_azn=1000)
    _award(factory, e1, date(2025, 4, 1))
    t2, e2 = exit_(a, foundation, "M", date(2025, 3, 1), date(2025, 5, 10), "failed")
    factory.placement(t2, tr, start_date=date(2025, 7, 1), end_date=date(2025, 8, 31), monthly_pay_azn=900)
    factory.placement(t2, az, start_date=date(2025, 10, 1), verification="rejected", monthly_pay_azn=5000)
    t3, e3 = exit_(b, advanced, "F", date(2025, 6, 1), date(2025, 8, 20), "completed")
    factory.placement(t3, de, start_date=date(2025, 11, 1), end_date=date(2026, 2, 15), monthly_pay_azn=3000)
    _award(factory, e3, date(2026, 9, 1))
    t4, e4 = exit_(b, advanced, "F", date(2025, 10, 1), date(2026, 1, 31), "withdrawn",
                   withdrawn_at=datetime(2025, 11, 30, 22, 30, tzinfo=timezone.utc))
    factory.placement(t4, az, start_date=date(2026, 3, 1), monthly_pay_azn=800)
    t8, e8 = exit_(a, foundation, "M", date(2025, 1, 5), date(2025, 2, 28), "completed")
    factory.placement(t8, az, start_date=date(2025, 7, 15), end_date=date(2025, 9, 30), monthly_pay_azn=1500)
    factory.placement(t8, ge, start_date=date(2025, 9, 1), monthly_pay_azn=2000)
    _award(factory, e8, date(2025, 3, 10), revoked=True)
    # Not exits of 2025:
    t5, _ = exit_(a, foundation, "M", date(2025, 10, 1), date(2026, 1, 31), "withdrawn",
                  withdrawn_at=datetime(2025, 12, 31, 21, 0, tzinfo=timezone.utc))
    factory.placement(t5, az, start_date=date(2025, 1, 1), monthly_pay_azn=700)
    exit_(a, foundation, "M", date(2025, 9, 1), date(2025, 11, 30), "withdrawn",
          withdrawn_at=datetime(2025, 8, 15, 9, 0, tzinfo=timezone.utc))
    exit_(a, foundation, "F", date(2024, 10, 1), date(2024, 12, 20), "completed")
    exit_(a, foundation, "F", date(2025, 4, 1), date(2025, 6, 30), "enrolled")
    db.session.flush()
    return {"a": a, "b": b, "exits": {"T1": e1, "T2": e2, "T3": e3, "T4": e4, "T8": e8}}


def _exact(app, monkeypatch, k=1):
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")
    monkeypatch.setitem(app.config, "SUPPRESSION_K", k)


def _values(row, columns=outcomes.COLUMNS):
    return {c: row["cells"][c].value for c in columns}


def _ministry(factory):
    return Actor.for_user(factory.user("ministry"))


def test_total_hand_computed(app, factory, world, monkeypatch):
    _exact(app, monkeypatch)
    report = outcomes.outcomes(YEAR, actor=_ministry(factory))
    total = _values(report.table("region").table.total)
    assert total == {"exiters": 5, "q2_base": 5, "employed_q2": 4, "employment_q2_rate": 80.0,
                     "q4_base": 4, "employed_q4": 2, "employment_q4_rate": 50.0,
                     "paid_q2": 4, "median_pay_q2": 1500,   # 800, 1000, 2000, 3000
                     "cred_base": 5, "credentialed": 1, "credential_rate": 20.0}
    # Every breakdown carries the same total.
    for name in ("center", "level", "gender"):
        assert _values(report.table(name).table.total) == total


def test_by_region_and_center(app, factory, world, monkeypatch):
    _exact(app, monkeypatch)
    report = outcomes.outcomes(YEAR, actor=_ministry(factory))
    rows = {r["code"]: _values(r) for r in report.table("region").table.rows}
    assert len(rows) == 14
    assert rows["BAKU"] == {"exiters": 3, "q2_base": 3, "employed_q2": 2, "employment_q2_rate": pytest.approx(200 / 3),
                            "q4_base": 3, "employed_q4": 2, "employment_q4_rate": pytest.approx(200 / 3),
                            "paid_q2": 2, "median_pay_q2": 1500, "cred_base": 3, "credentialed": 1,
                            "credential_rate": pytest.approx(100 / 3)}
    assert rows["GANJA_DASHKASAN"] == {"exiters": 2, "q2_base": 2, "employed_q2": 2, "employment_q2_rate": 100.0,
                                       "q4_base": 1, "employed_q4": 0, "employment_q4_rate": 0.0,
                                       "paid_q2": 2, "median_pay_q2": 1900,   # (800 + 3000) / 2
                                       "cred_base": 2, "credentialed": 0, "credential_rate": 0.0}
    other = next(r for r in report.table("region").table.rows if r["code"] not in ("BAKU", "GANJA_DASHKASAN"))
    assert other["cells"]["exiters"].value == 0 and other["cells"]["employment_q2_rate"].symbol == "—"
    assert other["cells"]["median_pay_q2"].value is None
    centers = {r["label"]: _values(r) for r in report.table("center").table.rows}
    assert set(centers) == {"Alpha center", "Beta center"}
    assert centers["Alpha center"] == rows["BAKU"] and centers["Beta center"] == rows["GANJA_DASHKASAN"]


def test_by_level_and_gender(app, factory, world, monkeypatch):
    _exact(app, monkeypatch)
    report = outcomes.outcomes(YEAR, actor=_ministry(factory))
    levels = {r["code"]: _values(r) for r in report.table("level").table.rows}
    assert levels["foundation"]["exiters"] == 3 and levels["advanced"]["exiters"] == 2
    assert levels["intermediate"]["exiters"] == 0
    genders = {r["code"]: _values(r) for r in report.table("gender").table.rows}
    # Women: T1, T3, T4. Q2: all three employed (1000, 3000, 800 → median 1000); Q4 measured for
    # T1 and T3, T1 employed; credential: T1 of three.
    assert genders["F"] == {"exiters": 3, "q2_base": 3, "employed_q2": 3, "employment_q2_rate": 100.0,
                            "q4_base": 2, "employed_q4": 1, "employment_q4_rate": 50.0,
                            "paid_q2": 3, "median_pay_q2": 1000, "cred_base": 3, "credentialed": 1,
                            "credential_rate": pytest.approx(100 / 3)}
    # Men: T2 (not employed in Q4 2025: the TR job ended in August, the AZ one was rejected), T8.
    assert genders["M"] == {"exiters": 2, "q2_base": 2, "employed_q2": 1, "employment_q2_rate": 50.0,
                            "q4_base": 2, "employed_q4": 1, "employment_q4_rate": 50.0,
                            "paid_q2": 1, "median_pay_q2": 2000, "cred_base": 2, "credentialed": 0,
                            "credential_rate": 0.0}


def test_by_market(app, factory, world, monkeypatch):
    _exact(app, monkeypatch)
    report = outcomes.outcomes(YEAR, actor=_ministry(factory))
    table = report.table("market")
    assert table.columns == outcomes.MARKET_COLUMNS
    rows = {r["code"]: _values(r, outcomes.MARKET_COLUMNS) for r in table.table.rows}
    # Local: T1 (Q3 2025), T8 (its AZ job ended 30 September, still in Q3), T4 (Q2 2026);
    # pays 1000, 1500, 800. Q4: T1 only.
    assert rows["local"] == {"q2_base": 5, "employed_q2": 3, "employment_q2_rate": 60.0, "q4_base": 4,
                             "employed_q4": 1, "employment_q4_rate": 25.0, "paid_q2": 3, "median_pay_q2": 1000}
    assert rows["regional"] == {"q2_base": 5, "employed_q2": 1, "employment_q2_rate": 20.0, "q4_base": 4,
                                "employed_q4": 1, "employment_q4_rate": 25.0, "paid_q2": 1, "median_pay_q2": 2000}
    assert rows["international"] == {"q2_base": 5, "employed_q2": 1, "employment_q2_rate": 20.0, "q4_base": 4,
                                     "employed_q4": 0, "employment_q4_rate": 0.0, "paid_q2": 1,
                                     "median_pay_q2": 3000}


def test_filters_and_a_quarter(app, factory, world, monkeypatch):
    _exact(app, monkeypatch)
    q4 = Filters(start=date(2025, 10, 1), end=date(2025, 12, 31), today=TODAY, kind="quarter", year=2025, quarter=4)
    total = _values(outcomes.outcomes(q4, actor=_ministry(factory), dimensions=("region",)).table("region").table.total)
    # Only T4 (withdrawn 1 December in Baku); T5's withdrawal is 1 January 2026 in Baku.
    assert total["exiters"] == 1 and total["q4_base"] == 0 and total["employment_q4_rate"] is None
    assert total["employed_q2"] == 1 and total["median_pay_q2"] == 800
    advanced = Filters(start=date(2025, 1, 1), end=date(2025, 12, 31), today=TODAY, level="advanced")
    total = _values(outcomes.outcomes(advanced, actor=_ministry(factory), dimensions=("gender",))
                    .table("gender").table.total)
    assert total["exiters"] == 2 and total["employed_q2"] == 2


def test_medians_of_fewer_than_k_people_are_hidden(app, factory, world, monkeypatch):
    _exact(app, monkeypatch, k=3)
    report = outcomes.outcomes(YEAR, actor=_ministry(factory))
    rows = {r["code"]: r["cells"] for r in report.table("region").table.rows}
    assert rows["BAKU"]["median_pay_q2"].value is None and rows["BAKU"]["median_pay_q2"].symbol == "x"
    assert rows["GANJA_DASHKASAN"]["median_pay_q2"].value is None
    assert rows["GANJA_DASHKASAN"]["paid_q2"].symbol == "<3"
    assert report.table("region").table.total["cells"]["median_pay_q2"].value == 1500
    genders = {r["code"]: r["cells"] for r in report.table("gender").table.rows}
    assert genders["F"]["median_pay_q2"].value == 1000 and genders["M"]["median_pay_q2"].value is None
    # 1 of 2 men: "<3" would pin it down (2 = 1 + 1), so it is withheld as "x" (threshold method).
    assert genders["M"]["employed_q2"].value is None and genders["M"]["employment_q2_rate"].value is None


def test_cellkey_publishes_no_small_count_and_no_median_of_a_few(app, factory, world):
    report = outcomes.outcomes(YEAR, actor=_ministry(factory))
    k = report.tables[0].table.k
    for table in report.tables:
        for row in table.table.rows + ([table.table.total] if table.table.total else []):
            for col, cell in row["cells"].items():
                if cell.kind == "count":
                    assert cell.value is None or cell.value == 0 or cell.value >= k, (table.name, col, cell)
            assert row["cells"]["median_pay_q2"].value is None   # at most 4 people behind any median
    assert "paid_q2__key" not in str(report.as_json())


def test_the_median_and_the_rounding():
    from decimal import Decimal
    assert outcomes._median([Decimal(3), Decimal(1), Decimal(2)]) == 2
    assert outcomes._median([Decimal(800), Decimal(3000)]) == 1900
    assert outcomes.rounded_pay(Decimal("1234.99")) == 1230 and outcomes.rounded_pay(Decimal(1235)) == 1240


@pytest.mark.parametrize("role", ["center_admin", "employer", "trainee"])
def test_other_roles_are_refused(factory, role):
    user = {"center_admin": factory.center_admin, "employer": factory.employer_user,
            "trainee": factory.trainee_user}[role]()
    with pytest.raises(PermissionDenied):
        outcomes.outcomes(YEAR, actor=Actor.for_user(user))
    with pytest.raises(PermissionDenied):
        outcomes.outcomes(YEAR, actor=None)


def test_page_and_api(app, factory, world, client, monkeypatch):
    from tests.api_helpers import api_for
    _exact(app, monkeypatch)
    ministry = factory.user("ministry")
    db.session.commit()
    answer = api_for(client, ministry).get("/api/v1/reports/outcomes?year=2025")
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["report"] == "outcomes" and [t["name"] for t in body["tables"]] == list(outcomes.DIMENSIONS)
    region = body["tables"][0]
    assert region["total"]["exiters"] == {"value": 5, "suppressed": None, "status": "shown"}
    assert set(region["total"]) >= set(outcomes.COLUMNS)
    assert api_for(client, factory.center_admin()).get("/api/v1/reports/outcomes").status_code == 403
    assert client.get("/api/v1/reports/outcomes").status_code == 401
    assert api_for(client, ministry).get("/api/v1/reports/outcomes?year=abc").status_code == 422
    login(client, ministry.email)
    page = client.get("/ministry/outcomes?year=2025")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "data-outcomes-table" in text
    assert "Dövrün məzunları" in text or "Exit" in text
    for fmt in ("csv", "xlsx"):
        assert client.get(f"/ministry/export/outcomes.{fmt}?year=2025").status_code == 200
    csv = client.get("/ministry/export/outcomes.csv?year=2025&table=gender").get_data(as_text=True)
    assert csv.splitlines()[0].lstrip("\ufeff").startswith("Gender,Exiters,Measured at Q2,Employed in Q2 after exit")
    assert any(line.startswith("Women,3,3,3,100.0,2,1,50.0,3,1000,3,1,33.3") for line in csv.splitlines())
    printed = client.get("/ministry/print/outcomes?year=2025")
    assert printed.status_code == 200 and "Median monthly pay Q2 (AZN)" in printed.get_data(as_text=True)
    assert client.get("/ministry/outcomes?year=abc").status_code == 200   # a message, the default view


# ---- objectives on the outcome indicators, a group and a market ------------------------------------

def _objective(actor, **kw):
    from talent.objectives import services
    values = {"title": "Target", "metric": "employment_q2_rate", "scope": "national", "target_value": 70,
              "baseline_value": 50, "baseline_year": 2025, "deadline_year": 2027}
    values.update(kw)
    return services.create_objective(actor, **values)


def test_objectives_on_the_outcome_indicators(app, factory, world, monkeypatch):
    from talent.readmodels.objectives import progress
    _exact(app, monkeypatch)
    actor = _ministry(factory)
    # Employment Q2: exits of 2025 Q2 – 2026 Q1 (T2, T3, T4 and T5, who left on 1 January 2026 in
    # Baku time), T3, T4 and T5 (a job since January 2025) employed.
    assert progress(_objective(actor), TODAY).current.value == 75.0
    # Employment Q4: exits of 2024 Q4 – 2025 Q3 (T7, T1, T2, T8, T3), T1 and T8 employed.
    assert progress(_objective(actor, metric="employment_q4_rate"), TODAY).current.value == 40.0
    # Credentials: exits from 7 December 2024 to 6 December 2025 (T7, T8, T1, T2, T3, T4), T1's award.
    assert progress(_objective(actor, metric="credential_rate"), TODAY).current.value == pytest.approx(100 / 6)
    median = progress(_objective(actor, metric="median_pay_q2", target_value=2500, baseline_value=1000), TODAY)
    assert median.current.value == 800 and median.current.kind == "amount"   # 700, 800, 3000
    # Groups and markets: women (T3, T4: both employed), the international market (T3 of four).
    assert progress(_objective(actor, gender="F"), TODAY).current.value == 100.0
    international = progress(_objective(actor, market="international"), TODAY)
    assert international.current.value == 25.0
    assert international.scope_name.endswith("International") and international.as_json()["market"] == "international"
    assert progress(_objective(actor, metric="median_pay_q2", market="local", target_value=900, baseline_value=0),
                    TODAY).current.value == 750   # 700 and 800
    ganja = factory.region("GANJA_DASHKASAN")
    assert progress(_objective(actor, scope="region", region_id=ganja.id), TODAY).current.value == 100.0


def test_objectives_on_placements_into_a_market_and_a_group(app, factory, world, monkeypatch):
    from talent.readmodels.objectives import progress
    _exact(app, monkeypatch)
    actor = _ministry(factory)
    # Placements since 1 January 2025 of people who completed a cohort started before the job:
    # international: T3's job in Germany; local women: T1 (T4 withdrew, so her job is not counted).
    placed = _objective(actor, metric="placed", market="international", target_value=10, baseline_value=0)
    assert progress(placed, TODAY).current.value == 1
    women_local = _objective(actor, metric="placed", market="local", gender="F", target_value=10, baseline_value=0)
    assert progress(women_local, TODAY).current.value == 1


def test_objective_values_are_disclosure_controlled(app, factory, world, monkeypatch):
    from talent.readmodels.objectives import progress
    _exact(app, monkeypatch, k=5)
    actor = _ministry(factory)
    # k = 5: Q2 has 4 measured exits, Q4 2 employed of 5, credentials 1 of 6, the median 3 people.
    for metric in outcomes.OBJECTIVE_METRICS:
        cell = progress(_objective(actor, metric=metric, target_value=80, baseline_value=0), TODAY).current
        assert cell.value is None, metric


def test_objective_group_and_market_are_validated(factory):
    from talent.errors import ValidationError
    actor = _ministry(factory)
    for bad, field in (({"market": "mars"}, "market"), ({"gender": "X"}, "gender"),
                       ({"metric": "completed", "market": "local"}, "market"),
                       ({"metric": "credential_rate", "market": "regional"}, "market"),
                       ({"metric": "credential_rate", "target_value": 120}, "target_value")):
        with pytest.raises(ValidationError) as error:
            _objective(actor, **bad)
        assert field in error.value.fields, bad
    assert _objective(actor, metric="median_pay_q2", target_value=1500).target_value == 1500   # AZN, not a rate


def test_objective_form_takes_a_group_and_a_market(app, factory, client):
    from talent.objectives.models import Objective
    from sqlalchemy import select
    ministry = factory.user("ministry")
    db.session.commit()
    login(client, ministry.email)
    form = client.get("/ministry/objectives/new")
    assert form.status_code == 200 and 'name="market"' in form.get_data(as_text=True)
    values = {"title": "Women abroad", "metric": "employment_q2_rate", "scope": "national", "gender": "F",
              "market": "international", "baseline_year": 2025, "baseline_value": 10, "deadline_year": 2027,
              "target_value": 30}
    assert client.post("/ministry/objectives/new", data=values).status_code == 302
    saved = db.session.scalar(select(Objective).where(Objective.title_az == "Women abroad"))
    assert (saved.gender, saved.market, saved.metric) == ("F", "international", "employment_q2_rate")
    wrong = client.post("/ministry/objectives/new", data={**values, "title": "Bad", "metric": "certified"})
    assert wrong.status_code == 422 and db.session.scalar(select(Objective).where(Objective.title_az == "Bad")) is None
    page = client.get("/ministry/objectives")
    assert page.status_code == 200 and "Women abroad" in page.get_data(as_text=True)


def test_api_creates_objectives_with_a_group_and_a_market(app, factory, client):
    from tests.api_helpers import api_for
    ministry = api_for(client, factory.user("ministry"))
    body = {"title": "Qadınlar xaricdə", "metric": "employment_q2_rate", "scope": "national", "gender": "F",
            "market": "international", "target_value": 30, "baseline_value": 10, "baseline_year": 2025,
            "deadline_year": 2027}
    created = ministry.post("/api/v1/objectives", json=body)
    assert created.status_code == 201, created.get_json()
    assert (created.get_json()["gender"], created.get_json()["market"]) == ("F", "international")
    listed = ministry.get("/api/v1/reports/objectives").get_json()
    assert [o["metric"] for o in listed] == ["employment_q2_rate"]
    bad = ministry.post("/api/v1/objectives", json={**body, "metric": "certified"})
    assert bad.status_code == 422 and "market" in str(bad.get_json())
    assert ministry.post("/api/v1/objectives", json={**body, "market": "mars"}).status_code == 422
    assert api_for(client, factory.center_admin()).post("/api/v1/objectives", json=body).status_code == 403


def test_api_reads_changes_and_deletes_an_objective_by_the_rules_of_a_new_one(app, factory, client):
    from tests.api_helpers import api_for
    from talent.audit import AuditEvent
    from sqlalchemy import select
    from talent.objectives.models import Objective
    ministry = api_for(client, factory.user("ministry"))
    body = {"title": "Xaricdə iş", "metric": "placed", "scope": "national", "market": "international",
            "target_value": 300, "baseline_year": 2025, "deadline_year": 2027}
    made = ministry.post("/api/v1/objectives", json=body).get_json()
    url = f"/api/v1/objectives/{made['id']}"
    assert ministry.get(url).get_json()["title"] == "Xaricdə iş"
    changed = ministry.patch(url, json={"target_value": 450, "title_en": "Jobs abroad"})
    assert changed.status_code == 200, changed.get_json()
    assert (changed.get_json()["target_value"], changed.get_json()["market"]) == (450, "international")
    # the whole objective is checked again: the market set earlier does not go with a count of graduates
    refused = ministry.patch(url, json={"metric": "certified"})
    assert refused.status_code == 422 and "market" in str(refused.get_json())
    assert ministry.patch(url, json={"deadline_year": 2020}).status_code == 422
    assert ministry.patch(url, json={"nope": 1}).status_code == 422
    saved = db.session.get(Objective, made["id"])
    db.session.refresh(saved)
    assert (saved.metric, saved.target_value, saved.deadline_year) == ("placed", 450, 2027)
    # only the ministry changes or deletes; a center reads nothing of it
    center = api_for(client, factory.center_admin())
    assert center.patch(url, json={"target_value": 1}).status_code == 403
    assert center.delete(url).status_code == 403
    assert ministry.delete(url).status_code == 204
    assert ministry.get(url).status_code == 404 and ministry.delete(url).status_code == 404
    assert ministry.patch("/api/v1/objectives/99999999", json={"target_value": 1}).status_code == 404
    actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_id == str(made["id"]),
                                                                 AuditEvent.action.like("objective.%"))).all()
    assert sorted(actions) == ["objective.create", "objective.delete", "objective.update"]


def test_a_window_is_published_as_a_difference_of_running_totals(app, factory, world):
    """Counts of exits are anchored like every count of a period's events (docs/disclosure.md):
    1 March – 31 December 2025 publishes P(exits to 31 December) − P(exits to 28 February), each
    running total perturbed by its own records' keys, so windows cut differently telescope to the
    same perturbed totals instead of giving fresh draws to average or difference."""
    from talent.reporting.cellkey import record_key
    from talent.reporting.suppression import published_value
    actor = _ministry(factory)
    keys = {name: record_key(e.id, "enrollment") for name, e in world["exits"].items()}
    spring = Filters(start=date(2025, 3, 1), end=date(2025, 12, 31), today=TODAY, kind="custom")
    cell = outcomes.outcomes(spring, actor=actor, dimensions=("region",)).table("region").table.total["cells"]["exiters"]
    expected = published_value(4, keys["T1"] + keys["T2"] + keys["T3"] + keys["T4"], 1, keys["T8"])
    assert cell.value == (expected if expected >= 5 else None)
    # A window moved across days without exits (1–4 January) publishes the very same figures.
    later = Filters(start=date(2025, 1, 5), end=date(2025, 12, 31), today=TODAY, kind="custom")
    assert outcomes.outcomes(YEAR, actor=actor).as_json()["tables"] == outcomes.outcomes(later, actor=actor).as_json()["tables"]


def test_definitions_in_three_languages(app, factory, client):
    from talent.reporting.definitions import DEFINITIONS
    from talent.reporting.outcome_definitions import OUTCOME_DEFINITIONS
    assert all(item in DEFINITIONS for item in OUTCOME_DEFINITIONS)
    for _, texts in OUTCOME_DEFINITIONS:
        assert set(texts) == {"az", "en", "ru"} and all(term and len(text) > 80 for term, text in texts.values())
    ministry = factory.user("ministry")
    db.session.commit()
    login(client, ministry.email)
    page = client.get("/ministry/outcomes").get_data(as_text=True)
    for code in ("az", "en", "ru"):
        assert f'data-definitions-language="{code}"' in page
        assert OUTCOME_DEFINITIONS[0][1][code][0] in page
    assert "Credential attainment within a year of exit" in client.get("/ministry/definitions").get_data(as_text=True)


def test_womens_completion_rate_objective(app, factory, world, monkeypatch):
    """An existing rate for a group: completion over the cohorts that ended in the 12 months before
    31 December 2025. Women: T1 and T3 completed, both finished (100 %); men: T8 completed of T2
    (failed), T8 and T6 (withdrew) (33.3 %); everyone: 3 of 5."""
    from talent.readmodels.objectives import progress
    _exact(app, monkeypatch)
    actor = _ministry(factory)
    end_of_2025 = date(2025, 12, 31)
    rate = dict(metric="completion_rate", target_value=90, baseline_value=50)
    assert progress(_objective(actor, gender="F", **rate), end_of_2025).current.value == 100.0
    assert progress(_objective(actor, gender="M", **rate), end_of_2025).current.value == pytest.approx(100 / 3)
    assert progress(_objective(actor, **rate), end_of_2025).current.value == 60.0
