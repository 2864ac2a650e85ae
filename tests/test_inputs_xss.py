"""Hostile markup in free-text fields (names, center name, course title, withdrawal and revocation
reasons, employer and job title) is shown escaped on every page of every role, comes out of the
certificate PDF as plain text, and comes out of the exports with formula cells neutralised."""
from __future__ import annotations

import csv
import io
import re

import pytest

from talent.extensions import db
from tests.conftest import login
from tests.inputs_helpers import hostile_world, leaks, xss


@pytest.fixture
def world(factory):
    return hostile_world(factory)


def _check_pages(client, urls, *, must_be_ok=()):
    problems, shown = [], 0
    for url in urls:
        response = client.get(url)
        if response.status_code >= 500:
            problems.append(f"GET {url}: {response.status_code}")
            continue
        if url in must_be_ok and response.status_code != 200:
            problems.append(f"GET {url}: {response.status_code}, expected 200")
        html = response.get_data(as_text=True)
        if "&lt;script&gt;alert" in html:
            shown += 1
        for leak in leaks(html):
            problems.append(f"GET {url}: unescaped payload …{leak}…")
    return problems, shown


def _center_pages(w):
    t1, t2, t3, t4 = w["trainees"]
    cohort = w["cohort"]
    return [f"/center/trainees/{t.id}" for t in (t1, t2, t3)] + [
        f"/center/trainees/{t1.id}/edit", f"/center/cohorts/{cohort.id}", "/center/cohorts",
        f"/center/cohorts/{cohort.id}/scores", f"/center/cohorts/{cohort.id}/edit", "/center/",
        "/center/placements", f"/center/placements/{w['placement'].id}/edit", "/center/awards",
        f"/center/awards/{w['award'].id}", f"/center/awards/{w['revoked'].id}", "/center/completers",
        "/center/followups", "/center/exports", f"/center/trainees/{t1.id}/placements/new",
        "/center/imports", "/center/cohorts/new"]


MUST_BE_OK_CENTER = lambda w: {  # noqa: E731 - the pages that show the hostile fields
    f"/center/trainees/{w['trainees'][0].id}", f"/center/trainees/{w['trainees'][1].id}",
    f"/center/cohorts/{w['cohort'].id}", "/center/placements", "/center/awards", "/center/cohorts",
    f"/center/awards/{w['revoked'].id}"}


@pytest.mark.parametrize("role", ["center_admin", "admin"])
def test_center_pages_escape_hostile_text(client, world, role):
    login(client, world["users"][role].email)
    urls = _center_pages(world)
    problems, shown = _check_pages(client, urls, must_be_ok=MUST_BE_OK_CENTER(world))
    assert not problems, "\n".join(problems)
    assert shown >= 5  # the payloads really are on the pages, escaped


def test_roster_and_detail_show_each_field_escaped(client, world):
    login(client, world["users"]["center_admin"].email)
    t1, t2 = world["trainees"][:2]
    detail = client.get(f"/center/trainees/{t1.id}").get_data(as_text=True)
    for tag in ("first", "last", "patronymic"):
        assert f"&lt;script&gt;alert({tag})&lt;/script&gt;" in detail
    roster = client.get(f"/center/cohorts/{world['cohort'].id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(first)" in roster or "&lt;script&gt;alert(last)" in roster
    placements = client.get("/center/placements").get_data(as_text=True)
    assert "&lt;script&gt;alert(employer)" in placements or "&lt;script&gt;alert(job)" in placements
    revoked = client.get(f"/center/awards/{world['revoked'].id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(revoke)" in revoked


def test_search_results_escape_names(client, world):
    login(client, world["users"]["center_admin"].email)
    response = client.post("/center/trainees", data={"q": "alert"}, follow_redirects=True)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert not leaks(html)
    assert "&lt;script&gt;alert(" in html
    # The search text itself is echoed back escaped.
    response = client.post("/center/trainees", data={"q": xss("query")}, follow_redirects=True)
    assert response.status_code in (200, 422)
    assert not leaks(response.get_data(as_text=True))


def test_admin_pages_escape_center_and_course(client, world):
    login(client, world["users"]["admin"].email)
    urls = ["/admin/centers/", "/admin/courses/", f"/admin/centers/{world['center'].id}/edit",
            f"/admin/courses/{world['course'].id}/edit", "/admin/users/", "/admin/",
            f"/admin/users/{world['users']['center_admin'].id}/centers"]
    problems, shown = _check_pages(client, urls, must_be_ok={"/admin/centers/", "/admin/courses/"})
    assert not problems, "\n".join(problems)
    assert "&lt;script&gt;alert(center)" in client.get("/admin/centers/").get_data(as_text=True)


def test_ministry_pages_escape_center_name(client, world):
    login(client, world["users"]["ministry"].email)
    urls = ["/ministry/", "/ministry/regions", f"/ministry/centers/{world['center'].id}",
            f"/ministry/regions/{world['center'].region_id}", "/ministry/fairness", "/ministry/mobility",
            "/ministry/trends", "/ministry/objectives", "/ministry/outcomes"]
    problems, _ = _check_pages(client, urls)
    assert not problems, "\n".join(problems)


def test_trainee_portal_escapes(client, world):
    login(client, world["users"]["trainee"].email)
    urls = ["/me/", "/me/learning", "/me/certificates", "/me/jobs", "/me/data",
            f"/me/jobs/{world['placement'].id}/edit"]
    problems, shown = _check_pages(client, urls, must_be_ok={"/me/learning", "/me/certificates",
                                                             "/me/jobs", "/me/data"})
    assert not problems, "\n".join(problems)
    assert shown >= 2
    data = client.get("/me/data.json")
    assert data.status_code == 200 and data.mimetype == "application/json"


def test_public_verify_page_escapes(client, world):
    for award in (world["award"], world["revoked"]):
        response = client.get(f"/verify/{award.verification_code}")
        assert response.status_code == 200
        assert not leaks(response.get_data(as_text=True))
    # A hostile code in the URL and in the lookup form is echoed escaped (or not at all).
    for response in (client.get("/verify/" + xss("code")),
                     client.post("/verify", data={"code": xss("code")})):
        assert response.status_code < 500
        assert not leaks(response.get_data(as_text=True))


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(data)).pages)


def test_certificate_pdf_has_the_literal_text(client, world):
    login(client, world["users"]["center_admin"].email)
    response = client.get(f"/center/awards/{world['award'].id}/certificate.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    text = re.sub(r"\s+", "", _pdf_text(response.data))
    # The markup is printed as characters, not interpreted (nor silently dropped).
    assert "<script>alert(first)</script>" in text or "<script>alert(last)</script>" in text, text[:500]
    assert "&lt;" not in text
    client.post("/logout")
    login(client, world["users"]["trainee"].email)
    own = client.get(f"/me/certificates/{world['award'].id}.pdf")
    assert own.status_code == 200 and "<script>alert(" in re.sub(r"\s+", "", _pdf_text(own.data))


FORMULA_START = ("=", "+", "-", "@")


def _csv_cells(data: bytes) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for cell in row]


def _xlsx_cells(data: bytes) -> list:
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(data))
    return [c.value for sheet in book.worksheets for row in sheet.iter_rows() for c in row]


@pytest.mark.parametrize("kind", ["roster", "results", "placements"])
def test_exports_keep_text_and_neutralise_formulas(client, world, kind):
    login(client, world["users"]["center_admin"].email)
    cohort = world["cohort"]
    csv_response = client.get(f"/center/cohorts/{cohort.id}/export/{kind}.csv")
    xlsx_response = client.get(f"/center/cohorts/{cohort.id}/export/{kind}.xlsx")
    assert csv_response.status_code == 200 and xlsx_response.status_code == 200
    csv_cells = _csv_cells(csv_response.data)
    xlsx_cells = [c for c in _xlsx_cells(xlsx_response.data) if isinstance(c, str)]
    # CSV has no types: a formula-like text gets a leading apostrophe.
    assert not [c for c in csv_cells if c.startswith(FORMULA_START)], csv_cells
    for cells in (csv_cells, xlsx_cells):
        assert any("<script>alert(" in c for c in cells)  # the text itself, unescaped, not dropped
    expected = {"roster": ["=HYPERLINK(\"http://x\")", "+1+2"], "results": ["=HYPERLINK(\"http://x\")"],
                "placements": ["-2+3", "=1+1"]}[kind]
    for value in expected:
        assert any("'" + value in c for c in csv_cells), (value, csv_cells)
        assert value in xlsx_cells, (value, xlsx_cells)  # XLSX keeps the text itself (no apostrophe)
    # XLSX: no cell is stored as a formula; a text that starts like one is a text cell with Excel's
    # quote prefix, so the spreadsheet shows it and never runs it.
    from openpyxl import load_workbook
    book = load_workbook(io.BytesIO(xlsx_response.data))
    cells = [c for s in book.worksheets for r in s.iter_rows() for c in r]
    assert not [c for c in cells if c.data_type == "f"]
    risky = [c for c in cells if isinstance(c.value, str) and c.value.startswith(FORMULA_START)]
    assert risky and all(c.data_type == "s" and c.quotePrefix for c in risky), [(c.value, c.quotePrefix) for c in risky]


def test_hostile_text_is_stored_verbatim(world):
    t1 = db.session.get(type(world["trainees"][0]), world["trainees"][0].id)
    assert t1.first_name == xss("first")
    assert world["center"].name == xss("center")
