"""Every streamed export reads to its end.

The objectives CSV used to send its header and then break (``DetachedInstanceError``): a CSV body
is streamed after the request has committed and its database session has closed, and no test read
the body of a download to its end, nor outside the test's own application context, which kept the
session alive. Here every download a page links to is fetched as a served application answers it
and read to the last byte (and ``tests/conftest.py``'s client reads every streamed body too).
"""
from __future__ import annotations

import csv
import html
import io
import re
import threading

import pytest
from openpyxl import load_workbook

from talent.extensions import db
from talent.objectives import services as objective_services
from talent.permissions import Actor
from tests.admin_helpers import completer
from tests.conftest import login
from tests.reports_helpers import build_dataset

# The downloads are read from another thread (its own connection): committed for real.
pytestmark = pytest.mark.committed

EXPORT_LINK = re.compile(r'href="(/(?:ministry/export|center/cohorts/\d+/export)/[^"]+)"')


def fetch_as_served(app, email: str, paths: list[str], *, links_from: list[str] = ()) -> dict[str, tuple[int, bytes]]:
    """Sign in as ``email`` and GET every path (and every export link found on the pages
    ``links_from``) as a served application answers it: in a thread with no application context
    held by the test, so each request's session ends with the request as in production. Every
    body is read to its end."""
    outcome: dict = {"answers": {}}

    def work():
        try:
            client = app.test_client()
            login(client, email)
            wanted = list(paths)
            for page in links_from:
                response = client.get(page)
                assert response.status_code == 200, page
                wanted += [html.unescape(link) for link in EXPORT_LINK.findall(response.get_data(as_text=True))]
            for path in dict.fromkeys(wanted):
                response = client.get(path)
                outcome["answers"][path] = (response.status_code, response.get_data())
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(120)
    if "error" in outcome:
        raise outcome["error"]
    return outcome["answers"]


def _csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))


@pytest.fixture
def ministry(factory):
    user = factory.user("ministry", locale="en")
    db.session.commit()
    return user


def test_objectives_csv_streams_every_row(app, ministry):
    for title in ("Certified nationally", "Placed nationally"):
        objective_services.create_objective(
            Actor.for_user(ministry), title=title, metric="certified", scope="national", target_value=100,
            baseline_value=0, baseline_year=2025, deadline_year=2030)
    db.session.commit()
    answers = fetch_as_served(app, ministry.email, ["/ministry/export/objectives.csv"])
    status, body = answers["/ministry/export/objectives.csv"]
    assert status == 200
    rows = _csv_rows(body)
    assert rows[0][0] == "Objective"
    assert sorted(r[0] for r in rows[1:]) == ["Certified nationally", "Placed nationally"]


def _check_download(path: str, status: int, body: bytes) -> None:
    assert status == 200, path
    if ".csv" in path:
        rows = _csv_rows(body)
        assert rows and rows[0] and all(len(r) == len(rows[0]) for r in rows), path
    else:
        assert load_workbook(io.BytesIO(body), read_only=True).sheetnames, path


def test_every_ministry_download_reads_to_its_end(app, factory, ministry):
    ds = build_dataset(factory)
    objective_services.create_objective(
        Actor.for_user(ministry), title="Certified", metric="certified", scope="national", target_value=100,
        baseline_value=0, baseline_year=2025, deadline_year=2030)
    db.session.commit()
    pages = ["/ministry/", "/ministry/regions", "/ministry/fairness", "/ministry/mobility", "/ministry/trends",
             "/ministry/objectives", f"/ministry/regions/{ds.baku.region_id}", f"/ministry/centers/{ds.baku.id}"]
    answers = fetch_as_served(app, ministry.email, [], links_from=pages)
    names = {re.match(r"/ministry/export/(\w+)\.", path).group(1) for path in answers}
    assert names == {"dashboard", "regions", "fairness", "mobility", "trends", "objectives", "region", "center"}
    assert sum(".csv" in path for path in answers) > len(names)  # the reports' tables one by one
    for path, (status, body) in answers.items():
        _check_download(path, status, body)


def test_every_center_download_reads_to_its_end(app, factory):
    center = factory.center()
    trainee, enrollment = completer(factory, center)
    admin = factory.center_admin(center)
    db.session.commit()
    answers = fetch_as_served(app, admin.email, [], links_from=["/center/exports"])
    assert len(answers) == 6  # roster, results, jobs × CSV, XLSX
    for path, (status, body) in answers.items():
        _check_download(path, status, body)
        if path.endswith("roster.csv"):
            assert trainee.fin in body.decode("utf-8-sig")
