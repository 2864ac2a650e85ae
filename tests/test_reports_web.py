"""Ministry pages, exports and objectives over HTTP: roles, bad input, suppression on screen and
in every download, and no person-level data anywhere the ministry can reach."""
from __future__ import annotations

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.objectives.models import Objective
from tests.reports_helpers import (K1_ALL, K1_COMPLETED, K2_ALL, K2_COMPLETED, K3_ALL, build_dataset, published,
                                   record_ids)

PAGES = ["/ministry/", "/ministry/regions", "/ministry/fairness", "/ministry/mobility", "/ministry/trends",
         "/ministry/objectives", "/ministry/definitions"]
Y2025 = "?period=year&year=2025"


@pytest.fixture
def ds(factory):
    data = build_dataset(factory)
    db.session.commit()
    return data


@pytest.fixture
def ministry(factory):
    # English pages, so the assertions below read the source strings whatever the catalogs say.
    user = factory.user("ministry", locale="en")
    db.session.commit()
    return user


def _objective_form(**kw):
    data = {"title": "Certified nationally", "metric": "certified", "scope": "national", "region_id": "",
            "skill_id": "", "sector_id": "", "baseline_year": "2025", "baseline_value": "0",
            "deadline_year": "2030", "target_value": "20000"}
    data.update(kw)
    return data


@pytest.mark.parametrize("path", PAGES)
def test_ministry_and_admin_see_every_page(client, factory, login_as, ministry, ds, path):
    login_as(ministry)
    response = client.get(path + Y2025)
    assert response.status_code == 200, path
    body = response.get_data(as_text=True)
    assert "<script>" not in body and 'style="' not in body


@pytest.mark.parametrize("path", PAGES + ["/ministry/regions/1", "/ministry/export/regions.csv",
                                          "/ministry/print/regions"])
def test_other_roles_are_refused(client, factory, login_as, path):
    center = factory.center()
    admin_of_center = factory.center_admin(center)
    trainee = factory.trainee_user()
    db.session.commit()
    assert client.get(path).status_code == 302  # anonymous: to the login page
    login_as(admin_of_center)
    assert client.get(path).status_code == 403
    client.post("/logout")
    login_as(trainee)
    assert client.get(path).status_code == 403


def test_admin_sees_reports(client, factory, login_as, ds):
    admin = factory.user("admin")
    db.session.commit()
    login_as(admin)
    assert client.get("/ministry/regions" + Y2025).status_code == 200


def test_dashboard_shows_suppressed_figures(client, login_as, ministry, ds):
    login_as(ministry)
    body = client.get("/ministry/" + Y2025).get_data(as_text=True)
    # The published (perturbed) values of the 19 enrollments and 11 completions of 2025.
    k0 = []  # year anchors (the default): nothing of 2025 precedes the year (epoch: test_reports_figures)
    enrolled = published(record_ids(ds, K1_ALL + K2_ALL + K3_ALL), before=k0).value
    completed = published(record_ids(ds, K1_COMPLETED + K2_COMPLETED), before=k0).value
    assert re.search(rf'metric-enrolled">\s*{enrolled}\s*<', body)
    assert re.search(rf'metric-completed">\s*{completed}\s*<', body)
    assert "&lt;5" in body  # e.g. Baku's single regional placement
    assert 'type="application/json" id="chart-regions-data"' in body


def test_bad_input_gets_message_and_default_view(client, login_as, ministry, ds):
    login_as(ministry)
    for query in ("?period=custom&start=2025-12-01&end=2025-01-01", "?year=abc", "?year=1850",
                  "?period=weekly", "?period=quarter&year=2025&quarter=9", "?skill=NOPE&sector=%3Cx%3E&level=guru",
                  "?period=custom&start=1900-01-01&end=2025-01-01", "?period=custom&start=2025-13-45&end=x",
                  "?year=2025&year=2026&start[]=1"):
        for path in ("/ministry/", "/ministry/regions", "/ministry/fairness", "/ministry/mobility", "/ministry/trends"):
            response = client.get(path + query)
            assert response.status_code == 200, (path, query)
            body = response.get_data(as_text=True)
    body = client.get("/ministry/regions?period=custom&start=2025-12-01&end=2025-01-01").get_data(as_text=True)
    assert "The end date is before the start date" in body
    body = client.get("/ministry/regions?sort=fin&dir=sideways").get_data(as_text=True)
    assert "Unknown sort column" in body and "Unknown sort direction" in body
    assert client.get("/ministry/regions/999999").status_code == 404
    assert client.get("/ministry/centers/999999").status_code == 404
    assert client.get("/ministry/export/regions.pdf").status_code == 404
    assert client.get("/ministry/export/trainees.csv").status_code == 404
    assert client.get("/ministry/export/region.csv?id=abc").status_code == 404
    assert client.get("/ministry/export/region.csv").status_code == 404
    assert client.get("/ministry/print/nothing").status_code == 404


def test_regions_sort_and_drilldown(client, login_as, ministry, ds):
    login_as(ministry)
    body = client.get("/ministry/regions" + Y2025 + "&sort=enrolled&dir=desc").get_data(as_text=True)
    rows = re.findall(r'<th scope="row"><a href="/ministry/regions/(\d+)', body)
    assert int(rows[0]) == ds.baku.region_id and int(rows[1]) == ds.ganja.region_id
    body = client.get(f"/ministry/regions/{ds.baku.region_id}" + Y2025).get_data(as_text=True)
    assert "Baku Center" in body and f"/ministry/centers/{ds.baku.id}" in body
    body = client.get(f"/ministry/centers/{ds.ganja.id}" + Y2025).get_data(as_text=True)
    assert "CRSB" in body


def test_csv_and_xlsx_match_screen(client, login_as, ministry, ds):
    login_as(ministry)
    response = client.get("/ministry/export/regions.csv" + Y2025)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    header, body = rows[0], {r[0]: dict(zip(rows[0], r)) for r in rows[1:]}
    assert header[0] == "Region" and "Placements" in header
    baku, ganja = body["Baku"], body["Ganja-Dashkasan"]  # region names in the user's language (en)
    # Exactly the published cells: Baku's 5 placements and Ganja's 1, 13 and 19 enrollments.
    k0 = []  # year anchors (the default): nothing of 2025 precedes the year (epoch: test_reports_figures)
    assert baku["Placements"] == published(record_ids(ds, ["m0", "f1", "f2", "m1", "f3"], "placement"),
                                           "placement", before=[]).text()
    assert ganja["Placements"] == published(record_ids(ds, ["f5"], "placement"), "placement", before=[]).text()
    assert baku["Enrolled"] == published(record_ids(ds, K1_ALL + K3_ALL), before=k0).text()
    assert rows[-1][header.index("Enrolled")] == published(record_ids(ds, K1_ALL + K2_ALL + K3_ALL), before=k0).text()
    num = published(record_ids(ds, K1_COMPLETED), before=k0)
    den = published(record_ids(ds, K1_ALL), before=k0)
    assert baku["Completion rate %"] == (f"{100 * num.value / den.value:.1f}" if num.value and den.value else "x")
    for row in rows[1:]:
        for column, value in zip(header[2:], row[2:]):  # the Centers column counts centers, not people
            assert not (value.isdigit() and 1 <= int(value) <= 4), (column, row)

    response = client.get("/ministry/export/fairness.xlsx" + Y2025)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert {"By gender", "By age band", "By home region", "Definitions", "Notes"} <= set(book.sheetnames)
    definitions = [[c.value for c in r] for r in book["Definitions"].iter_rows()]
    assert definitions[0][:3] == ["Key", "Term (az)", "Definition (az)"]  # in the reader's language
    assert any(row[0] == "placement_rate" and "183" in row[2] and "183" in row[6] for row in definitions[1:])
    notes = " ".join(str(r[0].value) for r in book["Notes"].iter_rows())
    assert "<5" in notes and "2025-01-01" in notes

    for name in ("dashboard", "regions", "fairness", "mobility", "trends", "objectives"):
        for fmt in ("csv", "xlsx"):
            assert client.get(f"/ministry/export/{name}.{fmt}" + Y2025).status_code == 200, (name, fmt)
    assert client.get(f"/ministry/export/region.xlsx?id={ds.baku.region_id}").status_code == 200
    assert client.get(f"/ministry/export/center.csv?id={ds.ganja.id}&table=skills").status_code == 200
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "report.export")).all()
    assert len(events) >= 12


def test_print_pages(client, login_as, ministry, ds):
    login_as(ministry)
    for name in ("dashboard", "regions", "fairness", "mobility", "trends", "objectives"):
        response = client.get(f"/ministry/print/{name}" + Y2025)
        assert response.status_code == 200, name
    body = client.get("/ministry/print/regions" + Y2025).get_data(as_text=True)
    assert "&lt;5" in body and "Definitions" in body


def test_no_personal_data_on_any_ministry_page_or_export(client, login_as, ministry, ds):
    from talent.people.models import Trainee
    fins = [t.fin for t in db.session.scalars(select(Trainee))]
    login_as(ministry)
    urls = [p + Y2025 for p in PAGES] + [
        f"/ministry/regions/{ds.baku.region_id}" + Y2025, f"/ministry/centers/{ds.baku.id}" + Y2025,
        "/ministry/export/regions.csv" + Y2025, "/ministry/export/fairness.csv?table=gender",
        "/ministry/print/fairness" + Y2025]
    for url in urls:
        body = client.get(url).get_data(as_text=True)
        assert "Məmmədova" not in body and not any(fin in body for fin in fins), url


def _sample_url(rule) -> str:
    """The rule's URL with 1 for every argument (or "x" where 1 does not fit), "" if neither."""
    for sample in (1, "x"):
        try:
            built = rule.build({arg: sample for arg in rule.arguments}, append_unknown=False)
        except Exception:
            continue
        if built:
            return built[1]
    return ""


def test_ministry_reaches_no_person_level_page(app, client, factory, login_as, ministry, ds):
    """Walk every HTML route of the other audiences: the ministry gets 403 or 404, never a page."""
    login_as(ministry)
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods:
            continue
        endpoint = rule.endpoint
        if not endpoint.split(".")[0] in ("center", "trainee", "admin"):
            continue
        url = _sample_url(rule)
        if not url:
            continue
        status = client.get(url).status_code
        if status not in (403, 404, 410):  # 410: a dead invitation link
            # Only a page that anyone can open without signing in (e.g. a password-reset form).
            assert status == 200 and app.test_client().get(url).status_code == 200, (endpoint, url, status)


PERSONAL_API_PREFIXES = ("/api/v1/trainees", "/api/v1/enrollments", "/api/v1/placements", "/api/v1/imports",
                         "/api/v1/awards", "/api/v1/attendance")


def test_ministry_token_reaches_no_person_level_api(app, client, factory, ministry, ds):
    from talent.accounts.services import create_token
    from talent.permissions import Actor
    _, secret = create_token(Actor.system(), ministry, "reports")
    db.session.commit()
    headers = {"Authorization": f"Bearer {secret}"}
    checked = 0
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or not rule.rule.startswith(PERSONAL_API_PREFIXES):
            continue
        url = _sample_url(rule)
        if not url:
            continue
        status = client.get(url, headers=headers).status_code
        assert status in (401, 403, 404), (rule.rule, status)
        checked += 1
    # If the API exposes cohort rosters (person-level), the ministry is refused there too.
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and re.search(r"/cohorts/<[^>]+>/(enrollments|roster|attendance|waitlist)", rule.rule):
            url = _sample_url(rule)
            assert url and client.get(url, headers=headers).status_code in (401, 403, 404), rule.rule
            checked += 1
    assert checked  # the API has person-level routes, and every one refused the ministry


def test_objectives_crud(client, factory, login_as, ministry, ds):
    login_as(ministry)
    response = client.post("/ministry/objectives/new", data=_objective_form())
    assert response.status_code == 302
    objective = db.session.scalars(select(Objective)).one()
    assert objective.metric == "certified" and objective.created_by_id == ministry.id
    body = client.get("/ministry/objectives").get_data(as_text=True)
    assert "Certified nationally" in body
    assert "Certified nationally" in client.get("/ministry/").get_data(as_text=True)

    bad = client.post("/ministry/objectives/new", data=_objective_form(
        title="", scope="region", region_id="", target_value="-5", deadline_year="2020", metric="placement_rate"))
    assert bad.status_code == 422
    assert db.session.scalar(select(db.func.count()).select_from(Objective)) == 1
    rate = client.post("/ministry/objectives/new", data=_objective_form(metric="placement_rate", target_value="150"))
    assert rate.status_code == 422 and "percentage" in rate.get_data(as_text=True)
    region = client.post("/ministry/objectives/new", data=_objective_form(scope="region", region_id="99999"))
    assert region.status_code == 422

    edit = client.post(f"/ministry/objectives/{objective.id}/edit", data=_objective_form(
        title="Baku placement", metric="placement_rate", scope="region", region_id=str(ds.baku.region_id),
        target_value="70", deadline_year="2028"))
    assert edit.status_code == 302
    db.session.expire_all()
    objective = db.session.get(Objective, objective.id)
    assert objective.region_id == ds.baku.region_id and objective.scope == "region"
    assert client.get(f"/ministry/objectives/{objective.id}/edit").status_code == 200
    assert client.get("/ministry/objectives/99999/edit").status_code == 404
    assert client.post(f"/ministry/objectives/{objective.id}/delete").status_code == 302
    assert db.session.scalar(select(db.func.count()).select_from(Objective)) == 0
    actions = set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "objective")))
    assert actions == {"objective.create", "objective.update", "objective.delete"}


def test_objectives_refused_to_other_roles(client, factory, login_as):
    center = factory.center()
    user = factory.center_admin(center)
    db.session.commit()
    login_as(user)
    assert client.post("/ministry/objectives/new", data=_objective_form()).status_code == 403
    assert client.get("/ministry/objectives/new").status_code == 403
    assert db.session.scalar(select(db.func.count()).select_from(Objective)) == 0


def test_objective_form_needs_csrf(app, client, login_as, ministry, monkeypatch):
    login_as(ministry)  # signed in with CSRF off (the test setting); then the form is protected
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post("/ministry/objectives/new", data=_objective_form())
    assert response.status_code in (400, 422)
    assert db.session.scalar(select(db.func.count()).select_from(Objective)) == 0
    # The same form is accepted once CSRF is off: the token was the only thing missing.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert client.post("/ministry/objectives/new", data=_objective_form()).status_code in (302, 303)
    assert db.session.scalar(select(db.func.count()).select_from(Objective)) == 1
