"""Center exports of their own cohorts: roster, results, jobs as CSV and XLSX."""
from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from talent.extensions import db
from talent.placement import services as ps
from tests.admin_helpers import actor, audit_actions, completer, job, request_context


@pytest.fixture
def setup(app, factory):
    center, other = factory.center(), factory.center()
    trainee, enrollment = completer(factory, center, first_name="=cmd|' /C calc'!A0", last_name="Əliyeva",
                                    phone="+994501234567")
    enrollment.attendance_pct = Decimal("92.5")
    enrollment.final_score = Decimal("81")
    ca, stranger = factory.center_admin(center), factory.center_admin(other)
    with request_context(app):
        ps.record_placement(actor(ca), trainee.id, **job(country_code="GE", employer_name="+Tbilisi AI"))
    db.session.commit()
    return enrollment.cohort, trainee, ca, stranger


def test_exports_page_lists_own_cohorts(client, login_as, setup, factory):
    cohort, _, ca, stranger = setup
    foreign = factory.cohort(center=factory.center())
    db.session.commit()
    login_as(ca)
    html = client.get("/center/exports?status=completed&center_id=x&page=2x").get_data(as_text=True)
    assert cohort.code in html and foreign.code not in html
    assert f"/center/cohorts/{cohort.id}/export/roster.csv" in html


def test_roster_csv_neutralised_and_audited(client, login_as, setup):
    cohort, trainee, ca, _ = setup
    login_as(ca)
    response = client.get(f"/center/cohorts/{cohort.id}/export/roster.csv")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows[1][0] == trainee.fin
    assert rows[1][1] == "Əliyeva"
    assert rows[1][2] == "'=cmd|' /C calc'!A0"
    assert rows[1][7] == "+994501234567"  # a phone number, not a formula: no apostrophe
    assert audit_actions(action="export.roster") == ["export.roster"]


def test_results_and_placements_xlsx(client, login_as, setup):
    cohort, trainee, ca, _ = setup
    login_as(ca)
    response = client.get(f"/center/cohorts/{cohort.id}/export/results.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.get_data())).worksheets[0]
    assert ws.freeze_panes == "A2" and ws["A1"].font.b
    assert ws["E2"].value == 92.5 and ws["F2"].value == 81
    response = client.get(f"/center/cohorts/{cohort.id}/export/placements.xlsx")
    wb = load_workbook(io.BytesIO(response.get_data()))
    ws = wb.worksheets[0]
    assert ws["D2"].value == "+Tbilisi AI" and ws["D2"].data_type == "s" and ws["D2"].quotePrefix
    assert ws["E2"].value == "GE" and ws["F2"].value == "Regional"
    assert "Notes" in wb.sheetnames
    csv_rows = client.get(f"/center/cohorts/{cohort.id}/export/placements.csv").get_data().decode("utf-8-sig")
    assert "'+Tbilisi AI" in csv_rows
    assert set(audit_actions(entity_type="cohort")) >= {"export.results", "export.placements"}


def test_export_scoping_and_bad_urls(client, login_as, setup, factory):
    cohort, _, ca, stranger = setup
    ministry = factory.user("ministry")
    db.session.commit()
    login_as(stranger)
    assert client.get(f"/center/cohorts/{cohort.id}/export/roster.csv").status_code == 404
    assert "export.roster" not in audit_actions()
    client.post("/logout")
    login_as(ca)
    assert client.get(f"/center/cohorts/{cohort.id}/export/secrets.csv").status_code == 404
    assert client.get(f"/center/cohorts/{cohort.id}/export/roster.pdf").status_code == 404
    assert client.get("/center/cohorts/999999/export/roster.csv").status_code == 404
    client.post("/logout")
    login_as(ministry)
    assert client.get(f"/center/cohorts/{cohort.id}/export/roster.csv").status_code == 403
    assert client.get("/center/exports").status_code == 403


def test_admin_may_export_any_cohort(client, login_as, setup, factory):
    cohort, *_ = setup
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    assert client.get(f"/center/cohorts/{cohort.id}/export/roster.xlsx").status_code == 200


def test_exports_speak_the_readers_language(client, login_as, setup):
    """An Azerbaijani reader gets ';'-separated CSV and labels, not codes, in the cells."""
    from tests.browser_helpers import translation_of
    cohort, trainee, ca, _ = setup
    login_as(ca)
    client.post("/lang/az", data={"next": "/"})
    body = client.get(f"/center/cohorts/{cohort.id}/export/placements.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))
    assert len(rows[0]) == 15, rows[0]
    assert rows[1][5] == translation_of("az", "Regional")
    assert "regional" not in rows[1] and "full_time" not in rows[1]
    roster = client.get(f"/center/cohorts/{cohort.id}/export/roster.csv").get_data().decode("utf-8-sig")
    header, first = list(csv.reader(io.StringIO(roster), delimiter=";"))[:2]
    assert header[0] == translation_of("az", "FIN") and len(first) == 12
    assert first[10] in {translation_of("az", "Enrolled"), translation_of("az", "Completed")}, first
