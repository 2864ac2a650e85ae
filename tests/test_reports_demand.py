"""The ministry's demand report (issue 19): applications, applicants per seat and the funnel by
region, through the disclosure function every ministry answer uses (cell-key method)."""
from __future__ import annotations

from datetime import timedelta

from talent import clock
from talent.applications import services as applications
from talent.extensions import db
from talent.permissions import Actor
from talent.reporting import demand
from talent.reporting.periods import parse_filters
from tests.conftest import login


def _apply(cohort, n, prefix):
    return [applications.submit({"fin": f"{prefix}{i:05d}", "birth_date": "1997-01-01", "first_name": "Ad",
                                 "last_name": "Soyad", "gender": "M", "home_region": "BAKU", "phone": "0501234567",
                                 "consent": True}, cohort_id=cohort.id).application.id for i in range(n)]


def _filters():
    today = clock.today()
    filters, _ = parse_filters({"period": "custom", "start": (today - timedelta(days=400)).isoformat(),
                                "end": (today + timedelta(days=400)).isoformat()})
    return filters


def test_demand_by_region_exact_with_the_threshold_method(app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", "threshold")
    baku = factory.center(region="BAKU")
    cohort = factory.cohort(center=baku, status="open", capacity=10, start_date=clock.today() + timedelta(days=9))
    ids = _apply(cohort, 30, "AB")
    admin = factory.center_admin(baku)
    applications.decide_many(Actor.for_user(admin), ids[:12], "accept")
    report = demand.demand_by_region(_filters(), actor=Actor.for_user(factory.user("ministry")))
    row = next(r for r in report.table.rows if r["code"] == "BAKU")
    cells = row["cells"]
    assert cells["seats"].value == 10 and cells["applications"].value == 30 and cells["applicants"].value == 30
    assert cells["accepted"].value == 12 and cells["enrolled"].value == 10
    assert cells["per_seat"].value == 3.0
    assert round(cells["acceptance_rate"].value) == 40
    other = next(r for r in report.table.rows if r["code"] != "BAKU")
    assert other["cells"]["applications"].value == 0 and other["cells"]["per_seat"].value is None


def test_small_counts_never_published_exactly(app, factory):
    cohort = factory.cohort(status="open", capacity=10, start_date=clock.today() + timedelta(days=9))
    _apply(cohort, 2, "SM")
    report = demand.demand_by_region(_filters(), actor=Actor.for_user(factory.user("ministry")))
    for row in report.table.rows + [report.table.total]:
        for name in ("applications", "applicants"):
            cell = row["cells"][name]
            assert cell.value is None or cell.value == 0 or cell.value >= 5, (row["code"], name, cell)


def test_only_the_ministry_and_admin_read_it(factory, client):
    import pytest
    from talent.errors import PermissionDenied
    with pytest.raises(PermissionDenied):
        demand.demand_by_region(_filters(), actor=Actor.for_user(factory.center_admin()))
    ministry = factory.user("ministry")
    db.session.commit()
    login(client, ministry.email)
    page = client.get("/ministry/demand")
    assert page.status_code == 200 and "data-demand-table" in page.get_data(as_text=True)


def test_api_report_for_the_ministry_only(factory, client):
    from tests.api_helpers import api_for
    cohort = factory.cohort(status="open", capacity=10, start_date=clock.today() + timedelta(days=9))
    _apply(cohort, 7, "AP")
    ministry = api_for(client, factory.user("ministry"))
    today = clock.today()
    answer = ministry.get(f"/api/v1/reports/applications?period=custom&start={today.isoformat()}"
                          f"&end={(today + timedelta(days=60)).isoformat()}")
    assert answer.status_code == 200
    table = answer.get_json()["tables"][0]
    assert "per_seat" in table["columns"] and len(table["rows"]) == 14
    assert all(set(row["applications"]) == {"value", "suppressed", "status"} for row in table["rows"])
    assert api_for(client, factory.center_admin()).get("/api/v1/reports/applications").status_code == 403
