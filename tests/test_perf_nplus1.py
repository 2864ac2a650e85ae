"""No N+1 on the main list pages: the number of SQL statements a page sends must not grow with the
number of rows it shows. Each test fills a page with 5 rows, counts the statements of one request,
grows the data to 25 rows, counts again, and allows at most one more statement (a pagination count
that appears, say) — an N+1 adds 20.

Reads (SELECT) must stay flat everywhere. Writes must stay flat on PostgreSQL, where the ORM sends
the audit events of a page (one per trainee shown) as one multi-row INSERT; SQLite gets one INSERT
per event from the ORM (in-process, microseconds each), so there only reads are compared."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from talent.extensions import db
from tests.admin_helpers import completer
from tests.conftest import is_postgres
from tests.credentials_helpers import completed
from talent import clock

SMALL, LARGE = 5, 25


@pytest.fixture
def statements(client, count_queries):
    """``statements(method, url, data=None)`` -> (status, number of SQL statements sent)."""
    def _count(method: str, url: str, data=None):
        db.session.commit()
        db.session.expire_all()  # the page must load what it shows, not find it in the test's session
        with count_queries() as counter:
            response = client.open(url, method=method, data=data)
            response.get_data()
        reads = sum(1 for s in counter.statements if s.lstrip().upper().startswith(("SELECT", "WITH")))
        writes = counter.count - reads
        return response.status_code, reads + (writes if is_postgres(client.application) else 0)
    return _count


def assert_flat(statements, method, url, grow, data=None):
    """Count at SMALL rows, call ``grow(LARGE - SMALL)``, count at LARGE rows."""
    status, small = statements(method, url, data)
    assert status == 200, f"{url}: HTTP {status}"
    grow(LARGE - SMALL)
    status, large = statements(method, url, data)
    assert status == 200, f"{url}: HTTP {status}"
    assert large - small <= 1, f"{url}: {small} statements for {SMALL} rows, {large} for {LARGE} (N+1)"
    return small, large


def test_center_cohort_list(factory, login_as, statements):
    center = factory.center()
    course = factory.course()

    def grow(n):
        for _ in range(n):
            cohort = factory.cohort(center=center, course=course)
            factory.enrollment(cohort=cohort)
    grow(SMALL)
    login_as(factory.center_admin(center))
    assert_flat(statements, "GET", "/center/cohorts", grow)


def test_center_cohort_roster(factory, login_as, statements):
    center = factory.center()
    cohort = factory.cohort(center=center, capacity=100)
    factory.session(cohort, clock.today() - timedelta(days=3))

    def grow(n):
        for _ in range(n):
            factory.enrollment(cohort=cohort)
    grow(SMALL)
    login_as(factory.center_admin(center))
    assert_flat(statements, "GET", f"/center/cohorts/{cohort.id}", grow)


def test_center_trainee_search_results(factory, login_as, statements):
    center = factory.center()
    cohort = factory.cohort(center=center, capacity=100)

    def grow(n):
        for _ in range(n):
            factory.enrollment(trainee=factory.trainee(last_name="Quliyev", first_name="Tural",
                                                       registered_by_center_id=center.id), cohort=cohort)
    grow(SMALL)
    client = login_as(factory.center_admin(center))
    # The search is posted and answered on a GET page with its handle; the list without a search too.
    results = client.post("/center/trainees", data={"q": "quliyev"}).headers["Location"]
    assert_flat(statements, "GET", results, grow)
    assert_flat(statements, "GET", f"/center/trainees?cohort_id={cohort.id}", grow)


def test_center_awards_list(factory, login_as, statements):
    from talent.credentials.services import issue_award
    from talent.permissions import Actor
    center = factory.center()
    cert = factory.certification()
    cohort = factory.cohort(center=center, course=factory.course(certification=cert), status="completed",
                            capacity=100)

    def grow(n):
        for _ in range(n):
            issue_award(Actor.system(), completed(factory, cohort))
        db.session.flush()
    grow(SMALL)
    login_as(factory.center_admin(center))
    assert_flat(statements, "GET", "/center/awards", grow)


def test_center_followup_queue(factory, login_as, statements):
    center = factory.center()
    end = clock.today() - timedelta(days=200)
    cohort = factory.cohort(center=center, start_date=end - timedelta(days=60), end_date=end,
                            status="completed", capacity=100)

    def grow(n):
        for _ in range(n):
            completer(factory, center, cohort=cohort, email="someone@example.az", phone="+994501234567")
    grow(SMALL)
    login_as(factory.center_admin(center))
    assert_flat(statements, "GET", "/center/followups", grow)


def test_center_placements_list(app, factory, login_as, statements):
    from talent.placement import services as placement_services
    from tests.admin_helpers import actor, job, request_context
    center = factory.center()
    admin = factory.center_admin(center)

    def grow(n):
        with request_context(app):
            for i in range(n):
                trainee, _e = completer(factory, center)
                placement_services.record_placement(actor(admin), trainee.id,
                                                    **job(employer_name=f"Employer {i % 7}"))
            db.session.flush()
    grow(SMALL)
    login_as(admin)
    assert_flat(statements, "GET", "/center/placements", grow)


def test_admin_users_list(factory, login_as, statements):
    def grow(n):
        for _ in range(n):
            factory.center_admin(factory.center())
    grow(SMALL)
    login_as(factory.user("admin"))
    assert_flat(statements, "GET", "/admin/users/", grow)


def test_admin_centers_list(factory, login_as, statements):
    regions = ["BAKU", "GANJA_DASHKASAN"]

    def grow(n):
        for i in range(n):
            factory.center(region=regions[i % 2])
    grow(SMALL)
    login_as(factory.user("admin"))
    assert_flat(statements, "GET", "/admin/centers/", grow)


def test_ministry_regions_table(factory, login_as, statements):
    """The regions table is 14 rows whatever the data; what grows is centers, cohorts and
    enrollments behind the aggregates — the statement count must not follow them."""
    regions = ["BAKU", "GANJA_DASHKASAN"]
    today = clock.today()
    year_start = datetime(today.year, 1, 2, 12, tzinfo=timezone.utc)

    def grow(n):
        for i in range(n):
            cohort = factory.cohort(center=factory.center(region=regions[i % 2]),
                                    start_date=year_start.date(), end_date=year_start.date() + timedelta(days=30))
            factory.enrollment(cohort=cohort, enrolled_at=year_start)
    grow(SMALL)
    login_as(factory.user("ministry"))
    assert_flat(statements, "GET", "/ministry/regions", grow)


def test_public_catalog_list(factory, statements):
    """Issue 19: the catalog page and its API, anonymous, with seats taken in each cohort."""
    def grow(n):
        for _ in range(n):
            cohort = factory.cohort(course=factory.course(), status="open",
                                    start_date=clock.today() + timedelta(days=5))
            factory.enrollment(cohort=cohort)
    grow(SMALL)
    assert_flat(statements, "GET", "/catalog", grow)
    assert_flat(statements, "GET", "/api/v1/catalog/cohorts", grow)
