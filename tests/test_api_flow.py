"""A whole flow only through the API: tokens → catalog → cohort → import → attendance and scores →
complete → awards → public verification → placements → the ministry's report shows it,
suppressed exactly as on the ministry pages."""
from __future__ import annotations

import io
import json
from datetime import timedelta

from talent.extensions import db
from talent.reporting import reports
from tests.reports_helpers import published
from talent.reporting.periods import parse_filters
from tests.api_helpers import Api, api_for
from talent import clock
from talent.permissions import ROLE_PERMISSIONS, Actor

READER = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
               permissions=ROLE_PERMISSIONS["ministry"])  # the report functions need their reader


def _ok(response, status=200):
    assert response.status_code == status, response.get_data(as_text=True)[:1000]
    return response.get_json()


def _cell(report, column):
    [table] = [t for t in report["tables"] if t["rows"] or t["total"]][:1]
    row = table["total"] or table["rows"][0]
    return row[column]


def test_whole_flow_through_the_api(client, factory):
    sysadmin_user = factory.user("admin")
    ministry_user = factory.user("ministry")
    db.session.commit()
    admin = api_for(client, sysadmin_user)
    ministry = api_for(client, ministry_user)

    # The administrator sets up the catalog and a center.
    region_id = factory.region("GANJA_DASHKASAN").id
    center = _ok(admin.post("/centers", json={"code": "GNC", "name": "Gəncə AI Center", "region_id": region_id,
                                              "city": "Gəncə", "capacity": 100}), 201)
    skill_id = factory.skill().id
    cert = _ok(admin.post("/certifications", json={
        "code": "AI-FOUND", "name_az": "Süni intellekt əsasları", "name_en": "AI foundations",
        "skill_id": skill_id, "level": "foundation", "pass_mark": 60, "min_attendance": 50,
        "validity_months": 24}), 201)
    course = _ok(admin.post("/courses", json={
        "code": "AI-101", "title_az": "Süni intellektə giriş", "title_en": "Intro to AI", "level": "foundation",
        "hours": 40, "language": "az", "certification_id": cert["id"], "skill_ids": [skill_id]}), 201)

    # A center administrator (their token) runs the cohort.
    center_admin_user = factory.user("center_admin")
    from talent.accounts.models import CenterAssignment
    db.session.add(CenterAssignment(user_id=center_admin_user.id, center_id=center["id"]))
    db.session.commit()
    staff = api_for(client, center_admin_user, "import script")
    start = clock.today() - timedelta(days=260)
    end = clock.today() - timedelta(days=200)
    cohort = _ok(staff.post("/cohorts", json={
        "code": "GNC-AI-1", "course_id": course["id"], "center_id": center["id"],
        "start_date": start.isoformat(), "end_date": end.isoformat(), "capacity": 10},
        headers={"Idempotency-Key": "flow-cohort"}), 201)
    cid = cohort["id"]
    _ok(staff.post(f"/cohorts/{cid}/status", json={"status": "open"}))

    csv = "fin,first_name,last_name,birth_date,gender,home_region\n" + "".join(
        f"8FL00{i}{i},Ad{i},Soyad{i},199{i}-0{i}-1{i},{'F' if i % 2 else 'M'},GANJA_DASHKASAN\n" for i in range(1, 8))
    form = {"center_id": str(center["id"]), "cohort_id": str(cid), "dry_run": "true",
            "file": (io.BytesIO(csv.encode()), "cohort.csv")}
    preview = _ok(staff.post("/imports/trainees", data=form, content_type="multipart/form-data"))
    assert preview["ok"] and preview["counts"]["new"] == 7 and not preview["committed"]
    form = {"center_id": str(center["id"]), "cohort_id": str(cid),
            "file": (io.BytesIO(csv.encode()), "cohort.csv")}
    imported = _ok(staff.post("/imports/trainees", data=form, content_type="multipart/form-data"))
    assert imported["committed"] and imported["counts"]["enrolled"] == 7

    _ok(staff.post(f"/cohorts/{cid}/status", json={"status": "running"}))
    session = _ok(staff.post(f"/cohorts/{cid}/sessions",
                             json={"starts_at": f"{(start + timedelta(days=1)).isoformat()}T09:00:00Z"}), 201)
    roster = _ok(staff.get(f"/cohorts/{cid}/enrollments"))
    assert len(roster) == 7
    _ok(staff.post(f"/cohorts/{cid}/attendance", json={"marks": [
        {"session_id": session["id"], "enrollment_id": e["id"], "mark": "present"} for e in roster]}))
    # Six pass, one fails.
    scores = [{"enrollment_id": e["id"], "score": 85 if i < 6 else 30} for i, e in enumerate(roster)]
    _ok(staff.post(f"/cohorts/{cid}/scores", json={"scores": scores}))
    done = _ok(staff.post(f"/cohorts/{cid}/status", json={"status": "completed"}))
    assert done["status"] == "completed"

    # Completing issued the awards; issuing again changes nothing.
    awards = _ok(staff.get("/awards?limit=500"))["items"]
    assert len(awards) == 6
    assert len(_ok(staff.post(f"/cohorts/{cid}/awards"))) == 6
    public = Api(client)
    verified = _ok(public.get(f"/verify/{awards[0]['verification_code']}"))
    assert verified["status"] == "valid" and verified["certification"]["code"] == "AI-FOUND"

    # Two graduates get jobs: one at home, one abroad.
    completed = [e for e in _ok(staff.get(f"/cohorts/{cid}/enrollments?status=completed"))]
    jobs = [("Azercell", "AZ"), ("SAP", "DE")]
    for (employer, country), enrollment in zip(jobs, completed):
        _ok(staff.post("/placements", json={
            "trainee_id": enrollment["trainee_id"], "employer_name": employer, "country_code": country,
            "job_title": "Data analyst", "employment_type": "full_time",
            "start_date": (end + timedelta(days=30)).isoformat()}), 201)

    # The ministry sees the aggregates, suppressed exactly as on its pages.
    query = {"start": (start - timedelta(days=1)).isoformat(), "end": clock.today().isoformat()}
    url = "/reports/national?" + "&".join(f"{k}={v}" for k, v in query.items())
    national = _ok(ministry.get(url))
    filters, messages = parse_filters(query)
    assert not messages
    on_screen = json.loads(json.dumps(reports.national_summary(filters, actor=READER).as_json(), default=str))
    assert national == on_screen
    # Published values (the cell-key method, docs/disclosure.md), worked out from the records: the
    # 6 completions (nothing before the period) and the 2 people placed.
    completed_cell = _cell(national, "completed")
    expected = published([e["id"] for e in completed], before=[])
    assert len(completed) == 6 and completed_cell["value"] == expected.value
    assert completed_cell["suppressed"] == (expected.symbol or None)
    placed = _cell(national, "placed")
    expected = published([e["trainee_id"] for e in completed[:2]], "trainee")
    assert placed["value"] == expected.value and placed["suppressed"] == (expected.symbol or None)
    regions = _ok(ministry.get("/reports/regions?" + "&".join(f"{k}={v}" for k, v in query.items())))
    assert regions["tables"]
    assert "Ad1" not in json.dumps(national) and "8FL0011" not in json.dumps(regions)
    region = _ok(ministry.get(f"/reports/regions/{region_id}?start={query['start']}&end={query['end']}"))
    assert region["tables"]
    for name in ("fairness", "mobility", "trends"):
        _ok(ministry.get(f"/reports/{name}?start={query['start']}&end={query['end']}"))
    assert isinstance(_ok(ministry.get("/reports/objectives")), list)
    # Center staff and trainees do not read ministry reports.
    assert staff.get("/reports/national").status_code == 403
    assert ministry.get("/reports/national?period=custom&start=2030-01-01&end=2020-01-01").status_code == 422
