"""Every registered route × every role (and anonymous), with the ids of another center's records.

The expected answer is decided by the audience a route belongs to; whatever the route, no role may
get a server error, and nobody reaches a page of an area that is not theirs.
"""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask import url_for

from talent.extensions import db
from talent.permissions import P, ROLE_PERMISSIONS
from talent.placement.services import MILESTONES
from tests.conftest import login
from talent import clock

ROLES = ("anonymous", "trainee", "center_admin", "ministry", "admin", "employer")

# Which roles may use each web area (by URL prefix). Public routes are open to everyone.
AREAS = [
    ("/admin", {"admin"}),
    ("/center", {"admin", "center_admin"}),
    ("/ministry", {"admin", "ministry"}),
    ("/me", {"trainee"}),
    ("/employer", {"employer"}),
]
PUBLIC_PREFIXES = ("/verify", "/credentials", "/issuer", "/.well-known", "/healthz", "/readyz", "/login",
                   "/lang", "/static", "/api/v1/verify", "/api/v1/openapi.json", "/api/v1/docs",
                   "/invitation", "/password-reset", "/account", "/notifications/unsubscribe",
                   # a graduate's one-time follow-up link and a trainee's calendar feed: private URLs, no sign-in
                   "/followup", "/calendar",
                   # online applications (issue 19): the form of a cohort and an application's private status link
                   "/catalog", "/applications", "/api/v1/catalog",
                   # the open vacancies (issue 20): no sign-in, no personal data
                   "/vacancies", "/api/v1/vacancies")
# Public operations on a path whose other methods need a token: (method, path).
PUBLIC_OPERATIONS = {("POST", "/api/v1/applications")}
# Routes that end the session or switch language are not walked (they would sign the walker out).
SKIPPED_ENDPOINTS = {"auth.logout", "auth.set_language", "static"}


# The situations every route × role is walked in (the rows of the matrix):
# - "plain": center B's records, which center A's administrator has never touched;
# - "after_enrollment_attempt" (issue 13): center A's administrator has tried every way to enroll
#   center B's trainee — by bare id (404), by FIN alone (422), by FIN and a wrong birth date (422),
#   with the right birth date into a full cohort (waiting list: proof, but no seat) and into a free
#   one then withdrawn. None of it may open that trainee's record, their enrollments, scores or jobs.
SITUATIONS = ("plain", "after_enrollment_attempt")


def _attempt_enrollment(client, token, trainee, center, trainee_a, factory):
    full = factory.cohort(center=center, status="open", capacity=1)
    factory.enrollment(trainee_a, full)
    free = factory.cohort(center=center, status="open", capacity=5)
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}

    def enroll(cohort, body):
        return client.post(f"/api/v1/cohorts/{cohort.id}/enrollments", json=body, headers=headers)

    born, wrong = trainee.birth_date.isoformat(), (trainee.birth_date + timedelta(days=1)).isoformat()
    assert enroll(full, {"trainee_id": trainee.id, "waitlist": True}).status_code == 404
    assert enroll(full, {"fin": trainee.fin, "waitlist": True}).status_code == 422
    assert enroll(full, {"fin": trainee.fin, "birth_date": wrong}).status_code == 422
    assert enroll(full, {"fin": trainee.fin, "birth_date": born}).get_json()["status"] == "waitlisted"
    seat = enroll(free, {"fin": trainee.fin, "birth_date": born}).get_json()
    assert seat["status"] == "enrolled"
    withdrawn = client.post(f"/api/v1/enrollments/{seat['id']}/withdraw", json={"reason": "attempt"},
                            headers=headers)
    assert withdrawn.status_code == 200


@pytest.fixture(params=SITUATIONS)
def world(request, factory, client):
    """Two centers; every id points at center B (not the center admin's own center A)."""
    center_a, center_b = factory.center(code="CA"), factory.center(code="CB")
    cohort_a = factory.cohort(center=center_a, start_date=clock.today() - timedelta(days=90),
                              end_date=clock.today() - timedelta(days=10))
    cohort_b = factory.cohort(center=center_b, start_date=clock.today() - timedelta(days=90),
                              end_date=clock.today() - timedelta(days=10))
    trainee_a, trainee_b = factory.trainee(), factory.trainee()
    factory.enrollment(trainee_a, cohort_a, status="completed", final_score=90, attendance_pct=95)
    enrollment_b = factory.enrollment(trainee_b, cohort_b, status="completed", final_score=90, attendance_pct=95)
    session_b = factory.session(cohort_b, cohort_b.start_date)
    users = {
        "trainee": factory.trainee_user(trainee_a),
        "center_admin": factory.center_admin(center_a),
        "ministry": factory.user("ministry"),
        "admin": factory.user("admin"),
    }
    from talent.placement.models import Employer, Placement
    employer = Employer(name="Matrix Employer", country_code="AZ")
    db.session.add(employer)
    db.session.flush()
    # The employer user acts for another employer: the job and the vacancy below are not theirs.
    users["employer"] = factory.employer_user(factory.employer("Another Employer"))
    job_b = Placement(trainee_id=trainee_b.id, employer_id=employer.id, job_title="Engineer",
                      employment_type="full_time", start_date=cohort_b.end_date, source="center",
                      verification="verified", center_id=center_b.id)
    db.session.add(job_b)
    db.session.flush()
    ids = {"cohort_id": cohort_b.id, "trainee_id": trainee_b.id, "enrollment_id": enrollment_b.id,
           "center_id": center_b.id, "session_id": session_b.id, "user_id": users["admin"].id,
           "placement_id": job_b.id}
    from talent.credentials.services import issue_award
    from talent.permissions import Actor
    award = issue_award(Actor.system(), enrollment_b)
    ids.update(award_id=award.id, code=award.verification_code, serial=award.serial)
    from talent.placement.services.vacancies import post_vacancy
    vacancy = post_vacancy(Actor.system(), employer_id=employer.id, title="Matrix vacancy", occupation_code="2521",
                           openings=1, closes_on=clock.today() + timedelta(days=30))
    ids["vacancy_id"] = vacancy.id
    from talent.accounts.services import create_token
    from talent.permissions import Actor
    tokens = {role: create_token(Actor.system(), user, "matrix", service=False)[1] for role, user in users.items()}
    db.session.commit()
    if request.param == "after_enrollment_attempt":
        _attempt_enrollment(client, tokens["center_admin"], trainee_b, center_a, trainee_a, factory)
    return {"users": users, "ids": ids, "tokens": tokens, "situation": request.param}


# What an employer user may reach besides the public pages: its own area (web), its jobs and the
# vacancies (API), the token's own account (/api/v1/me) and the catalog every token reads.
EMPLOYER_API = ("/api/v1/employer/", "/api/v1/vacancies", "/api/v1/certifications", "/api/v1/courses",
                # the graduates who chose to be seen by employers (issue 20, talent profiles)
                "/api/v1/talent-profiles")


# Only the employer named in a job confirms or declines it (P.PLACEMENTS_CONFIRM is the employer role's only).
EMPLOYER_ONLY_ACTIONS = ("/confirm", "/decline")


def _other_employers_record(url: str, ids) -> bool:
    """Does the URL name the job or the vacancy of the employer the employer user does not act for?"""
    return bool(re.search(rf"/placements/{ids['placement_id']}(/|$)", url)
                or re.search(rf"/vacancies/{ids['vacancy_id']}(/|$)", url))


def _other_centers_person(url: str, ids) -> bool:
    """Does the URL name center B's trainee or a job center B recorded?"""
    return bool(re.search(rf"/trainees/{ids['trainee_id']}(/|$)", url)
                or re.search(rf"/placements/{ids['placement_id']}(/|$)", url))


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        methods = rule.methods - {"HEAD", "OPTIONS"}
        yield rule, methods


def _build(rule, ids) -> str:
    """The URL of the rule with the world's ids; a route that cannot be built fails the test (a
    route the matrix cannot reach is a route nobody checked)."""
    values = {}
    for arg in rule.arguments:
        if arg in ids:
            values[arg] = ids[arg]
        elif arg.endswith("_id") or arg == "id":
            values[arg] = 1
        elif arg == "milestone":
            values[arg] = MILESTONES[0]
        elif type(rule._converters.get(arg)).__name__ in ("IntegerConverter", "DatabaseId"):
            values[arg] = 1
        elif arg in ("lang", "code") and "lang" in rule.rule:
            values[arg] = "en"
        else:
            values[arg] = ids.get(arg, "x")
    try:
        return url_for(rule.endpoint, _external=False, **values)
    except Exception as error:  # noqa: BLE001 - named in the failure
        raise AssertionError(f"cannot build {rule.rule} ({rule.endpoint}) from {values}: {error!r}") from error


def _expected(app, walked_methods: set[str], *, api_only: bool = False) -> int:
    """How many (route, method) pairs the walk must have answered: every rule of the app but the
    skipped endpoints, counted from the URL map itself."""
    return sum(len((rule.methods or set()) & walked_methods) for rule in app.url_map.iter_rules()
               if rule.endpoint not in SKIPPED_ENDPOINTS and (not api_only or rule.rule.startswith("/api/")))


def _allowed(path: str) -> set[str] | None:
    for prefix, roles in AREAS:
        if path == prefix or path.startswith(prefix + "/"):
            return roles
    return None


# API paths holding personal data: the ministry and trainees (except their own /me) never get them.
PERSON_LEVEL_API = ("/api/v1/trainees", "/api/v1/enrollments", "/api/v1/placements", "/api/v1/awards",
                    "/api/v1/imports", "/api/v1/cohorts/", "/api/v1/applications")


@pytest.mark.parametrize("role", ROLES)
def test_every_api_endpoint_with_every_role_token(app, client, world, role):
    headers = {} if role == "anonymous" else {"Authorization": f"Bearer {world['tokens'][role]}"}
    failures, checked = [], 0
    for rule, methods in _routes(app):
        if not rule.rule.startswith("/api/"):
            continue
        url = _build(rule, world["ids"])
        for method in sorted(methods & {"GET", "POST", "PATCH", "PUT", "DELETE"}):
            response = client.open(url, method=method, headers=headers,
                                   json={} if method in {"POST", "PATCH", "PUT"} else None)
            checked += 1
            status = response.status_code
            public = url.startswith(PUBLIC_PREFIXES) or (method, url) in PUBLIC_OPERATIONS
            if status >= 500:
                failures.append(f"{method} {url}: {status}")
            elif role == "anonymous" and not public and status != 401:
                failures.append(f"{method} {url}: anonymous got {status}, expected 401")
            elif role != "admin" and url.startswith("/api/v1/audit") and status < 400:
                failures.append(f"{method} {url}: {role} read the audit trail ({status})")
            elif role != "admin" and url.startswith("/api/v1/outbox") and status < 400:
                failures.append(f"{method} {url}: {role} read the outbox ({status})")
            elif role in ("ministry", "trainee") and url.startswith(PERSON_LEVEL_API) and status < 400:
                failures.append(f"{method} {url}: {role} got {status} on person-level data")
            elif role == "employer" and _other_employers_record(url, world["ids"]) and status not in (403, 404, 422):
                # Another employer's job or vacancy: 404 (a body the schema refuses first, 422).
                failures.append(f"{method} {url}: employer reached another employer's record ({status})")
            elif role == "employer" and status < 400 and url != "/api/v1/me" and not url.startswith(
                    PUBLIC_PREFIXES + EMPLOYER_API):
                failures.append(f"{method} {url}: employer got {status} outside its own endpoints")
            elif role == "center_admin" and url.endswith(EMPLOYER_ONLY_ACTIONS):
                # The employer's word on a job: refused to a center by its role before any record is read
                # (403; a body the schema refuses first, 422).
                if status not in (403, 422):
                    failures.append(f"{method} {url}: center admin got {status} on an employer's action")
            elif role == "center_admin" and _other_centers_person(url, world["ids"]) and status not in (404, 422):
                # Any method: another center's person or job is a 404 (a body the schema refuses, 422).
                failures.append(f"{method} {url}: center admin reached another center's person ({status})")
            elif role == "center_admin" and status < 300 and method == "GET" and not public and any(
                    url.startswith(f"/api/v1/{resource}/{world['ids'][key]}")
                    for resource, key in (("cohorts", "cohort_id"), ("trainees", "trainee_id"),
                                          ("enrollments", "enrollment_id"), ("awards", "award_id"))
                    if key in world["ids"]):
                failures.append(f"{method} {url}: center admin read another center's record ({status})")
    api_methods = {"GET", "POST", "PATCH", "PUT", "DELETE"}
    assert checked == _expected(app, api_methods, api_only=True)  # every API route, every method
    assert not failures, "\n".join(failures)


def _walk_web(app, client, world, role) -> tuple[int, list[str]]:
    """Every web route (GET and POST) as ``role``: how many answered, and what was wrong."""
    if role != "anonymous":
        login(client, world["users"][role].email)
    checked = 0
    failures = []
    for rule, methods in _routes(app):
        url = _build(rule, world["ids"])
        for method in sorted(methods):
            if method not in {"GET", "POST"}:
                continue
            response = client.open(url, method=method, data={} if method == "POST" else None)
            checked += 1
            status = response.status_code
            if status >= 500:
                failures.append(f"{method} {url}: {status}")
                continue
            if url == "/metrics":
                # Off in this configuration (no TALENT_METRICS_TOKEN): not found for every role.
                if status != 404:
                    failures.append(f"{method} {url}: {role} got {status}, expected 404 (metrics off)")
                continue
            if url.startswith("/api/"):
                if (role == "anonymous" and not url.startswith(PUBLIC_PREFIXES) and (method, url) not in PUBLIC_OPERATIONS
                        and status not in (401, 404, 405)):
                    failures.append(f"{method} {url}: anonymous got {status}, expected 401")
                continue
            allowed = None if url.startswith(PUBLIC_PREFIXES) else _allowed(url)
            if allowed is None:
                continue  # public pages and the account pages of any signed-in user
            if role == "anonymous":
                if not (status in (302, 401) and "/login" in response.headers.get("Location", "/login")):
                    failures.append(f"{method} {url}: anonymous got {status}")
            elif role not in allowed:
                if status not in (403, 404):
                    failures.append(f"{method} {url}: {role} got {status}, expected 403/404")
            elif method == "GET" and status == 403:
                # A page of the role's own area refused to it: a permission the role needs is missing
                # (another center's record is a 404, never a 403).
                failures.append(f"{method} {url}: {role} was refused a page of its own area (403)")
            elif role == "employer" and _other_employers_record(url, world["ids"]):
                # Any method: another employer's job or vacancy is not found.
                if status != 404:
                    failures.append(f"{method} {url}: employer reached another employer's record ({status})")
            elif role == "center_admin" and _other_centers_person(url, world["ids"]):
                # Any method: center B's trainee and the jobs it recorded are not found.
                if status != 404:
                    failures.append(f"{method} {url}: center admin reached another center's person ({status})")
            elif role == "center_admin" and re.search(r"/(\d+)(/|$)", url) and method == "GET":
                # Ids of another center's records: never a 200 with that record.
                if status == 200 and any(str(v) in url for k, v in world["ids"].items()
                                         if k in ("cohort_id", "trainee_id", "enrollment_id", "award_id",
                                                  "center_id", "session_id")):
                    failures.append(f"{method} {url}: center admin of another center got 200")
    return checked, failures


@pytest.mark.parametrize("role", ROLES)
def test_every_route_with_every_role(app, client, world, role):
    checked, failures = _walk_web(app, client, world, role)
    assert checked == _expected(app, {"GET", "POST"})  # every route, every GET and POST
    assert not failures, "\n".join(failures)


# One permission taken from a role's table: the matrix must notice (here, as the pages of the role's
# own area answering 403). A matrix that stays green under such a mutation checks nothing.
MUTATIONS = [("center_admin", P.COHORTS_READ, "/center/"), ("ministry", P.REPORTS_READ, "/ministry"),
             ("admin", P.USERS_MANAGE, "/admin/"), ("trainee", P.SELF_READ, "/me"),
             ("employer", P.PLACEMENTS_CONFIRM, "/employer"), ("employer", P.TALENT_BROWSE, "/employer")]


@pytest.mark.parametrize("world", ["plain"], indirect=True)
@pytest.mark.parametrize("role,perm,area", MUTATIONS, ids=[f"{r}-{p.value}" for r, p, _ in MUTATIONS])
def test_matrix_fails_when_a_role_loses_a_permission(app, client, world, monkeypatch, role, perm, area):
    assert perm in ROLE_PERMISSIONS[role]
    monkeypatch.setitem(ROLE_PERMISSIONS, role, ROLE_PERMISSIONS[role] - {perm})
    checked, failures = _walk_web(app, client, world, role)
    assert checked == _expected(app, {"GET", "POST"})
    refused = [f for f in failures if "refused a page of its own area" in f]
    assert refused, f"the matrix did not notice {role} losing {perm.value}"
    assert all(f" {area}" in f for f in refused), refused


def _user_of(factory, role: str):
    """A signed-in user of ``role`` (None for anonymous), with what that role needs to exist."""
    return {"anonymous": lambda: None, "trainee": lambda: factory.trainee_user(factory.trainee()),
            "center_admin": factory.center_admin, "employer": factory.employer_user,
            "ministry": lambda: factory.user("ministry"), "admin": lambda: factory.user("admin")}[role]()


@pytest.mark.parametrize("role", ROLES)
def test_metrics_answer_the_bearer_token_only(app, client, factory, monkeypatch, role):
    """GET /metrics with TALENT_METRICS_TOKEN set: no role's session opens it (401), only the token."""
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "matrix-metrics-token-0123456789")
    if role != "anonymous":
        user = _user_of(factory, role)
        db.session.commit()
        login(client, user.email)
    assert client.get("/metrics").status_code == 401
    assert client.post("/metrics").status_code == 405
    ok = client.get("/metrics", headers={"Authorization": "Bearer matrix-metrics-token-0123456789"})
    assert ok.status_code == 200 and b"talent_http_request_duration_seconds" in ok.data


@pytest.mark.parametrize("role", ROLES)
def test_the_public_catalog_is_open_to_everyone(app, client, factory, role):
    """Issue 19: the catalog pages and its API answer every role, anonymous included, with or
    without a token; a cohort outside the catalog is a 404 for everyone."""
    listed = factory.cohort(status="open", start_date=clock.today() + timedelta(days=7))
    running = factory.cohort(status="running")
    user = _user_of(factory, role)
    db.session.commit()
    if role != "anonymous":
        login(client, user.email)
    for path in ("/catalog", f"/catalog/cohorts/{listed.id}", "/api/v1/catalog/cohorts",
                 f"/api/v1/catalog/cohorts/{listed.id}"):
        assert client.get(path).status_code == 200, (role, path)
    for path in (f"/catalog/cohorts/{running.id}", f"/api/v1/catalog/cohorts/{running.id}"):
        assert client.get(path).status_code == 404, (role, path)


@pytest.mark.parametrize("role", ROLES)
def test_the_outbox_queue_is_for_administrators_only(app, client, factory, role):
    """Issue 18: the notification queue (web page, its actions, the API) answers administrators
    only; the retry and discard forms need the CSRF token like every other form."""
    from talent.notifications import outbox
    outbox.enqueue(kind="mail", recipient="queued@example.az", subject="Queued", body_text="x")
    users = {"trainee": factory.trainee_user(factory.trainee()), "center_admin": factory.center_admin(),
             "ministry": factory.user("ministry"), "admin": factory.user("admin"),
             "employer": factory.employer_user()}
    db.session.commit()
    if role != "anonymous":
        login(client, users[role].email)
    page = client.get("/admin/outbox")
    retry = client.post("/admin/outbox/1/retry")
    if role == "admin":
        assert page.status_code == 200 and "queued@example.az" in page.get_data(as_text=True)
        assert retry.status_code == 409       # already sent (the embedded default delivered it)
    elif role == "anonymous":
        assert page.status_code == 302 and "/login" in page.headers["Location"]
    else:
        assert page.status_code == 403 and retry.status_code == 403
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        if role == "admin":
            assert client.post("/admin/outbox/1/discard").status_code == 400     # no CSRF token
    finally:
        app.config["WTF_CSRF_ENABLED"] = False


@pytest.mark.parametrize("role", ROLES)
def test_eid_routes_with_a_provider_running(app, client, world, role, monkeypatch):
    """The national e-ID routes (issue 21) once more with a real provider configured (the walk above
    sees them switched off): no server error, the admin page only for admins, and a link to the
    provider never started for someone not signed in."""
    from tests.oidc_provider import OidcProvider
    provider = OidcProvider(redirect_uris={"http://localhost/login/oidc/callback"}).start()
    try:
        monkeypatch.setitem(app.config, "OIDC_ISSUER", provider.issuer)
        monkeypatch.setitem(app.config, "OIDC_CLIENT_ID", provider.client_id)
        monkeypatch.setitem(app.config, "OIDC_CLIENT_SECRET", provider.client_secret)
        if role != "anonymous":
            login(client, world["users"][role].email)
        failures, walked = [], 0
        for rule, methods in _routes(app):
            if not rule.endpoint.startswith("oidc."):
                continue
            url = _build(rule, world["ids"])
            for method in sorted(methods & {"GET", "POST"}):
                walked += 1
                response = client.open(url, method=method, data={} if method == "POST" else None)
                status, location = response.status_code, response.headers.get("Location", "")
                allowed = _allowed(url)
                if status >= 500:
                    failures.append(f"{method} {url}: {status}")
                elif allowed is not None and role == "anonymous" and not (status == 302 and "/login" in location):
                    failures.append(f"{method} {url}: anonymous got {status}")
                elif allowed is not None and role not in allowed and role != "anonymous" and status not in (403, 404):
                    failures.append(f"{method} {url}: {role} got {status}, expected 403/404")
                elif role == "anonymous" and method == "POST" and location.startswith(provider.base):
                    failures.append(f"{method} {url}: anonymous started a link at the provider")
        assert walked >= 6
        assert not failures, "\n".join(failures)
    finally:
        provider.stop()
