"""The browser sweep: every GET page of every role, in az, en and ru, at 1366×768 and 390×844.

The pages are not listed by hand: every GET rule of the app's ``url_map`` is enumerated, its
arguments filled from the demo data (``talent seed demo``), and opened with the Flask test client
as each role (anonymous, trainee, center_admin, ministry, admin) to learn which roles it belongs to.
A rule the sweep cannot fill, or that no role can open, fails the test unless it is in
``EXCLUDED`` with the reason — so a page another engineer adds later is swept without anyone
remembering to list it.

Every HTML page of a role is then opened in Debian's Chromium (one browser; one context per role
and language, reusing the role's sign-in) at the laptop size, checked, resized to the phone size
and checked again. A page fails on:

- horizontal overflow of the document (the page scrolls sideways);
- a navigation item off the screen;
- a table wider than its box outside a scroll container (drawn over its neighbours), two tables
  overlapping, or a button of a table in a sideways-scrolling box that is out of sight;
- on an az or ru page: a raw code (statuses, roles, levels, modes, markets, employment types,
  education levels, audit action codes, any snake_case identifier) or an English message of the
  catalog (or of WTForms / Flask-Login);
- a Content-Security-Policy violation, another console error or an uncaught script error;
- an axe-core violation of impact serious or critical (WCAG 2.1 A/AA rules, colour contrast
  included), on the az pages at both sizes (axe looks at structure, names and colours, which the
  language does not change; running it on en and ru too would double the sweep's time). axe
  (tests/vendor/axe-core, pinned in static/vendor/VERSIONS.txt) is injected by the test through the
  DevTools protocol (an init script, which the page's CSP does not apply to); the app never serves it.

A screenshot per page, language and size lands in test-artifacts/sweep/<role>/<lang>/ (the first
screen at each size: a whole long page cost a third of the sweep's time), and
test-artifacts/sweep/summary.json holds the run time, the pages per role and every problem. Every
problem of every page is collected and reported together at the end. TALENT_SWEEP_ONLY=role[:languages]
narrows a run while developing (e.g. "center_admin:az").
"""
from __future__ import annotations

import asyncio
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from sqlalchemy import select

from talent.extensions import db, limiter
from tests.browser_helpers import ARTIFACTS, CHROMIUM, LAUNCH_ARGS, LiveServer, skip_without_browser
from tests.browser_helpers import catalogs  # noqa: F401  (a fixture the sweep uses)

# A live server answers the browser from its own threads: committed for real.
pytestmark = pytest.mark.committed

ROLES = ("anonymous", "trainee", "center_admin", "ministry", "admin", "employer")
LANGUAGES = ("az", "en", "ru")
VIEWPORTS = (("laptop", 1366, 768), ("phone", 390, 844))
AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SWEEP_ARTIFACTS = ARTIFACTS / "sweep"
DEMO_TRAINEES = 120

# Rules not swept, with the reason. Anything else that answers GET must be filled and opened.
EXCLUDED = {
    "static": "static assets, not pages (served from static/)",
    "public.healthz": "machine probe (JSON), tests/test_foundation_*",
    "public.readyz": "machine probe (JSON), tests/test_foundation_*",
    "auth.enrol": "exists only half-way through a sign-in that needs two-factor set-up (the demo signs in "
                  "without it): swept by test_browser_sweep_two_factor_sign_in_pages",
    "auth.two_factor": "exists only half-way through a two-factor sign-in (password accepted, code pending): "
                       "swept by test_browser_sweep_two_factor_sign_in_pages",
    "metrics.metrics": "Prometheus text for a scraper with a bearer token, not a page (off by default): "
                       "tests/test_metrics.py, tests/test_permission_matrix.py",
    "feeds.calendar_feed": "an iCalendar file (text/calendar) for calendar apps, not a page: tests/test_calendar_feed.py",
    # National e-ID (issue 21): these answer only with a provider configured and a sign-in under
    # way; their pages are opened in Chromium by tests/test_browser_eid.py against a real provider.
    "oidc.start": "redirects to the national e-ID provider (none in the demo); tests/test_browser_eid.py",
    "oidc.callback": "the provider's answer half-way through an e-ID sign-in; tests/test_browser_eid.py",
    "oidc.consent": "exists only half-way through a first e-ID sign-in; tests/test_browser_eid.py",
}
# The JSON API answers API tokens, not the browser session; it has its own tests (test_api_*.py).
# Its documentation page is an HTML page and is swept.
EXCLUDED_PREFIXES = {"/api/v1/": "the JSON API (token-authenticated): tests/test_api_*.py"}
SWEPT_API_PAGES = {"api_v1.docs"}
# Pages whose text is not the app's own in the page's language, checked for layout, console and
# axe but not for English text: the API reference is rendered by Redoc from the OpenAPI document,
# which is the English contract of the API (DESIGN §6).
ENGLISH_BY_DESIGN = {"api_v1.docs"}

# Pages designed for a 390 px phone first (trainees come from phones; an employer verifies a
# certificate on one): the trainee portal, the public pages (verification, password links) and the
# sign-in and account pages. Every page of a trainee is phone-first too.
PHONE_FIRST_BLUEPRINTS = {"trainee", "public", "auth", "applications", "employer"}
# An employer's HR person confirms jobs from a phone too (issue 20): every page of theirs is phone-first.
PHONE_FIRST_ROLES = {"trainee", "employer"}


# Pages a trainee can open that are not the app's own design: the API reference (Redoc's layout,
# for developers at a desk).
NOT_PHONE_FIRST = {"api_v1.docs", "applications.review"}   # the center's review table: staff at a desk


def is_phone_first(role: str, endpoint: str) -> bool:
    if endpoint in NOT_PHONE_FIRST:
        return False
    return role in PHONE_FIRST_ROLES or endpoint.split(".", 1)[0] in PHONE_FIRST_BLUEPRINTS


# Raw codes that must never reach an az/ru page as text (they are values, not words).
RAW_CODES = {
    # cohort, enrollment, award, placement and follow-up states
    "planned", "open", "running", "completed", "cancelled", "enrolled", "waitlisted", "withdrawn",
    "failed", "valid", "revoked", "expired", "pending", "verified", "rejected", "employed", "unemployed",
    "studying", "unreachable",
    # roles, levels, modes, markets
    "admin", "center_admin", "trainee", "ministry", "foundation", "intermediate", "advanced",
    "onsite", "online", "hybrid", "local", "regional", "international",
    # employment types, education levels, sources, languages, scopes, metrics
    "full_time", "part_time", "contract", "internship", "self_employed", "freelance",
    "secondary", "vocational", "bachelor", "master", "doctorate",
    "self_reported", "center", "import", "az", "en", "ru", "national", "region", "skill", "sector",
}
# Latin words that are also Azerbaijani words ("regional", "region"; "az" = "little").
NATIVE_WORDS = {"az": {"regional", "region", "az"}, "ru": set(), "en": set()}
ENGLISH_LIBRARY_MESSAGES = ("This field is required.", "Please log in to access this page.",
                            "Not a valid choice.", "Not a valid integer value.", "Invalid email address.")
SNAKE = re.compile(r"^[a-z]+(?:_[a-z0-9]+)+$")
DOTTED = re.compile(r"^[a-z_]{2,}\.[a-z_]{2,}$")
TOKEN_STRIP = "()[]{}<>,;:!?«»\"'“”‘’·…—–-↑↓*%"


# ---- data and arguments --------------------------------------------------------------------------

@dataclass
class Logins:
    emails: dict[str, str] = field(default_factory=dict)
    password: str = ""


def build_data() -> Logins:
    from talent.demo import DEMO_PASSWORD, build_demo
    logins = build_demo(trainees=DEMO_TRAINEES, seed=11)
    db.session.commit()
    from talent.accounts.models import User
    from talent.people.models import Trainee
    from talent.placement.models import Placement
    emails: dict[str, str] = {}
    for role, email, _password in logins:
        emails.setdefault(role, email)
    # The trainee with the most to show: one with a job (the job pages) if the demo has one.
    for role, email, _password in logins:
        if role != "trainee":
            continue
        trainee_id = db.session.scalar(select(Trainee.id).join(User, User.id == Trainee.user_id)
                                       .where(User.email == email))
        if trainee_id and db.session.scalar(select(Placement.id).where(Placement.trainee_id == trainee_id).limit(1)):
            emails["trainee"] = email
            break
    return Logins(emails=emails, password=DEMO_PASSWORD)


def _ids(statement, limit: int = 6) -> list:
    return list(db.session.scalars(statement.limit(limit)))


def candidates(role: str, email: str | None) -> dict[frozenset, list[list[dict]]]:
    """Argument sets by the rule's argument names: groups of alternatives. Each group is swept
    once (its first alternative the role can open); several groups mean several pages."""
    from talent.accounts.invitations import INVITE, RESET, make_token
    from talent.accounts.models import CenterAssignment, User
    from talent.catalog.models import Certification, Course, Sector, Skill
    from talent.centers.models import Center
    from talent.credentials.models import Award
    from talent.geo.models import Region
    from talent.learning.models import Cohort, CohortSession, Enrollment
    from talent.objectives.models import Objective
    from talent.placement.models import Placement
    from talent.web.admin.views import KINDS

    user = db.session.scalar(select(User).where(User.email == email)) if email else None
    centers = [a.center_id for a in user.assignments] if user is not None and role == "center_admin" else None
    from talent.people.models import Trainee
    trainee_id = (db.session.scalar(select(Trainee.id).where(Trainee.user_id == user.id))
                  if role == "trainee" and user is not None else None)

    def scoped(statement, column):
        return statement.where(column.in_(centers)) if centers is not None else statement

    with_sessions = select(CohortSession.id).where(CohortSession.cohort_id == Cohort.id).exists()
    cohorts = _ids(scoped(select(Cohort.id).where(with_sessions)
                          .order_by((Cohort.status == "running").desc(), Cohort.id), Cohort.center_id))
    # The public catalog's cohort page (issue 19) opens only cohorts still to start: the soonest
    # one, after the cohorts above (which the center pages open first).
    from talent import clock
    catalog = _ids(select(Cohort.id).where(Cohort.status.in_(("open", "planned")), Cohort.start_date >= clock.today())
                   .order_by(Cohort.start_date, Cohort.id), 1)
    cohort_sessions = [(c, s) for c in cohorts[:3] for s in
                       _ids(select(CohortSession.id).where(CohortSession.cohort_id == c).order_by(CohortSession.id), 1)]
    awards = select(Award.id).order_by(Award.id)
    if trainee_id is not None:
        awards = awards.where(Award.trainee_id == trainee_id)
    award_ids = _ids(scoped(awards, Award.center_id))
    enrolled = scoped(select(Enrollment.trainee_id).join(Cohort, Cohort.id == Enrollment.cohort_id)
                      .where(Enrollment.status.in_(("enrolled", "completed"))).order_by(Enrollment.id), Cohort.center_id)
    placements = select(Placement.id).order_by(Placement.end_date.is_(None).desc(), Placement.id)
    if trainee_id is not None:
        placements = placements.where(Placement.trainee_id == trainee_id)
    if role == "employer" and user is not None:
        # The jobs naming the employer (the decline page), those waiting for its answer first.
        placements = (placements.where(Placement.employer_id == user.employer_id,
                                       Placement.verification != "rejected")
                      .order_by(None).order_by((Placement.employer_confirmation == "pending").desc(), Placement.id))
    placement_ids = _ids(scoped(placements, Placement.center_id), 10)
    completed = _ids(scoped(select(Enrollment.id).join(Cohort, Cohort.id == Enrollment.cohort_id)
                            .where(Enrollment.status == "completed").order_by(Cohort.end_date, Enrollment.id),
                            Cohort.center_id), 10)
    # The newest completions first: a result can be corrected within TALENT_CORRECTION_DAYS of them.
    recently_completed = _ids(scoped(select(Enrollment.id).join(Cohort, Cohort.id == Enrollment.cohort_id)
                                     .where(Enrollment.status.in_(("completed", "failed")))
                                     .order_by(Cohort.completed_at.desc(), Enrollment.id), Cohort.center_id), 2)
    code = db.session.scalar(select(Award.verification_code).where(Award.revoked_at.is_(None)).order_by(Award.id))
    a_trainee_user = db.session.scalar(select(User).where(User.role == "trainee", User.password_hash.is_not(None))
                                       .order_by(User.id))
    admin_objects = {key: db.session.scalar(select(kind.model.id).order_by(kind.model.id)) for key, kind in KINDS.items()}
    first = lambda model: db.session.scalar(select(model.id).order_by(model.id))  # noqa: E731
    # A vacancy's shortlist (issue 20, talent profiles): the employer's own vacancies, one with a
    # shortlist first (the demo gives the first employer one).
    from talent.placement.models import Vacancy
    from talent.placement.profiles_models import ShortlistEntry
    vacancies = select(Vacancy.id).order_by(
        select(ShortlistEntry.id).where(ShortlistEntry.vacancy_id == Vacancy.id).exists().desc(), Vacancy.id)
    if role == "employer" and user is not None:
        vacancies = vacancies.where(Vacancy.employer_id == user.employer_id)

    one = lambda name, values: [[{name: v} for v in values]]  # noqa: E731
    return {
        frozenset({"key"}): [[{"key": key}] for key in KINDS],
        frozenset({"key", "obj_id"}): [[{"key": key, "obj_id": obj}] for key, obj in admin_objects.items() if obj],
        frozenset({"user_id"}): one("user_id", _ids(select(User.id).where(User.role == "center_admin").order_by(User.id), 1)),
        frozenset({"cohort_id"}): one("cohort_id", cohorts + [c for c in catalog if c not in cohorts]),
        frozenset({"cohort_id", "session_id"}): [[{"cohort_id": c, "session_id": s} for c, s in cohort_sessions]],
        frozenset({"cohort_id", "kind", "fmt"}): [[{"cohort_id": c, "kind": "roster", "fmt": "csv"} for c in cohorts[:2]]],
        frozenset({"award_id"}): one("award_id", award_ids),
        frozenset({"trainee_id"}): one("trainee_id", [trainee_id] if trainee_id else _ids(enrolled, 6)),
        frozenset({"placement_id"}): one("placement_id", placement_ids),
        frozenset({"enrollment_id", "milestone"}): [[{"enrollment_id": e, "milestone": m}
                                                     for e in completed for m in (6, 12)]],
        frozenset({"enrollment_id"}): one("enrollment_id", recently_completed),
        frozenset({"center_id"}): one("center_id", [first(Center)]),
        frozenset({"region_id"}): one("region_id", _ids(select(Region.id).order_by(Region.id), 1)),
        frozenset({"objective_id"}): one("objective_id", [first(Objective)]),
        frozenset({"vacancy_id"}): one("vacancy_id", _ids(vacancies, 3)),
        frozenset({"name"}): [[{"name": "dashboard"}], [{"name": "regions"}]],
        frozenset({"name", "fmt"}): [[{"name": "dashboard", "fmt": "xlsx"}]],
        frozenset({"fmt"}): [[{"fmt": "csv"}]],
        frozenset({"code"}): one("code", [code]),
        frozenset({"token"}): [[{"token": make_token(a_trainee_user, RESET)}],
                               [{"token": make_token(a_trainee_user, INVITE)}],
                               [{"token": _followup_token()}],
                               [{"token": _unsubscribe_token(a_trainee_user)}],
                               [{"token": _application_token()}]],
        # not used by any current rule, kept so simple new routes fill themselves
        frozenset({"course_id"}): one("course_id", [first(Course)]),
        frozenset({"certification_id"}): one("certification_id", [first(Certification)]),
        frozenset({"sector_id"}): one("sector_id", [first(Sector)]),
        frozenset({"skill_id"}): one("skill_id", [first(Skill)]),
    }


_FOLLOWUP_TOKENS: dict[int, str] = {}
_APPLICATION_TOKENS: list[str] = []


def _application_token() -> str:
    """An online application's private status link (talent/web/applications), on the first demo
    cohort that takes applications (open or planned, starting later); the same link for every role."""
    from talent import clock
    from talent.applications import services as applications
    from talent.learning.models import Cohort
    if _APPLICATION_TOKENS:
        return _APPLICATION_TOKENS[0]
    cohort = db.session.scalar(select(Cohort).where(Cohort.status.in_(("open", "planned")),
                                                    Cohort.start_date > clock.today()).order_by(Cohort.id))
    result = applications.submit({"fin": "9SWEEP9", "birth_date": "1998-04-05", "first_name": "Nərmin",
                                  "last_name": "Əliyeva", "gender": "F", "home_region": "BAKU",
                                  "phone": "0501234567", "consent": True}, cohort_id=cohort.id)
    db.session.commit()
    _APPLICATION_TOKENS.append(result.token)
    return result.token


def _unsubscribe_token(user) -> str:
    """The signed unsubscribe link a trainee's reminder carries (talent/web/notifications)."""
    from talent.notifications import services as notifications
    from talent.people.models import Trainee
    trainee_id = db.session.scalar(select(Trainee.id).where(Trainee.user_id == user.id))
    return notifications.unsubscribe_token(trainee_id, "email")


def _followup_token() -> str:
    """A graduate's open follow-up link (the form of talent/web/public/followup.py): a fresh token
    on the first completed enrollment's 12-month request."""
    from datetime import timedelta

    from talent import clock
    from talent.learning.models import Enrollment
    from talent.placement import followup
    from talent.placement.followup_models import FollowUpRequest
    enrollment = db.session.scalar(select(Enrollment).where(Enrollment.status == "completed").order_by(Enrollment.id))
    request = db.session.scalar(select(FollowUpRequest).where(FollowUpRequest.enrollment_id == enrollment.id,
                                                              FollowUpRequest.wave == 12))
    cached = _FOLLOWUP_TOKENS.get(enrollment.id)
    if request is not None and cached and request.token_hash == followup.token_hash(cached):
        return cached   # the same link for every role (a new one would replace the others' pages)
    token = _FOLLOWUP_TOKENS[enrollment.id] = followup._new_token(enrollment.id, 12)
    if request is None:
        request = FollowUpRequest(enrollment_id=enrollment.id, trainee_id=enrollment.trainee_id,
                                  cohort_id=enrollment.cohort_id, center_id=enrollment.cohort.center_id,
                                  wave=12, language="az",
                                  email="graduate@example.az", token_hash="", sent_at=clock.now(),
                                  expires_at=clock.now())
        db.session.add(request)
    request.token_hash = followup.token_hash(token)
    request.expires_at = clock.now() + timedelta(days=followup.LINK_DAYS)
    db.session.commit()
    return token


@dataclass
class Page:
    endpoint: str
    path: str


def enumerate_rules(app) -> list:
    rules = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()):
            continue
        if rule.endpoint in EXCLUDED:
            continue
        if any(rule.rule.startswith(p) for p in EXCLUDED_PREFIXES) and rule.endpoint not in SWEPT_API_PAGES:
            continue
        rules.append(rule)
    return sorted(rules, key=lambda r: r.rule)


def signed_in_client(app, email: str | None, password: str):
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "az"
    if email:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302 and "/login" not in response.headers.get("Location", ""), \
            (email, response.status_code)
    return client


def discover(app, logins: Logins, problems: list[str]) -> dict[str, list[Page]]:
    """Which HTML pages each role opens: every rule, filled, probed with the test client."""
    from flask import url_for
    rules = enumerate_rules(app)
    pages: dict[str, list[Page]] = {role: [] for role in ROLES}
    opened: set[str] = set()
    fills: dict[str, dict] = {}
    for role in ROLES:
        email = logins.emails.get(role)
        client = signed_in_client(app, email, logins.password)
        table = candidates(role, email)
        for rule in rules:
            names = frozenset(rule.arguments)
            groups = [[{}]] if not names else table.get(names)
            if groups is None:
                fills[rule.endpoint] = None
                continue
            fills.setdefault(rule.endpoint, {})
            for alternatives in groups:
                for args in alternatives:
                    path = url_for(rule.endpoint, **args, _external=False)
                    response = client.get(path)
                    status = response.status_code
                    if status in (401, 403, 404) or (300 <= status < 400 and "/login" in response.headers.get("Location", "")):
                        continue
                    if status >= 500:
                        problems.append(f"{role} {path}: HTTP {status}")
                    opened.add(rule.endpoint)
                    if status == 200 and response.mimetype == "text/html":
                        pages[role].append(Page(rule.endpoint, path))
                    break
    # The administrator opens the center and ministry pages too: the same templates, swept for
    # the roles that work in them. The administrator's sweep keeps the pages no other signed-in
    # role has (administration, service tokens, ...), which show the administrator's whole menu.
    others = {page.endpoint for role in ("trainee", "center_admin", "ministry", "employer") for page in pages[role]}
    pages["admin"] = [page for page in pages["admin"] if page.endpoint not in others]
    for rule in rules:
        if fills.get(rule.endpoint) is None:
            problems.append(f"{rule.rule} ({rule.endpoint}): the sweep cannot fill its arguments "
                            f"{sorted(rule.arguments)} — teach candidates() or add it to EXCLUDED with the reason")
        elif rule.endpoint not in opened:
            problems.append(f"{rule.rule} ({rule.endpoint}): no role could open it with the demo data")
    return pages


# ---- what the page is checked for ----------------------------------------------------------------

LAYOUT_JS = r"""
() => {
  const out = [];
  const W = window.innerWidth;
  const doc = document.documentElement;
  if (doc.scrollWidth > W + 1) {
    // name the outermost elements that stick out, so the message says where to look
    const culprits = [];
    document.querySelectorAll("body *").forEach(el => {
      const r = el.getBoundingClientRect();
      if (r.right > W + 1 && r.width > 0 && !(el.parentElement && el.parentElement.getBoundingClientRect().right > W + 1)) {
        culprits.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") + ` (${Math.round(r.right)}px)`);
      }
    });
    out.push(`the page scrolls sideways: ${doc.scrollWidth}px wide in a ${W}px window; sticking out: ${culprits.slice(0, 4).join(", ")}`);
  }
  const visible = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
                          return s.visibility !== "hidden" && s.display !== "none" && r.width > 0 && r.height > 0; };
  const label = el => (el.innerText || el.getAttribute("aria-label") || el.tagName).trim().replace(/\s+/g, " ").slice(0, 40);
  document.querySelectorAll("nav.navbar a, nav.navbar button").forEach(el => {
    if (!visible(el)) return;
    const r = el.getBoundingClientRect();
    if (r.right > W + 1 || r.left < -1) out.push(`navigation item "${label(el)}" is off the screen (${Math.round(r.left)}–${Math.round(r.right)}px)`);
  });
  const scroller = el => { for (let p = el.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === "auto" || o === "scroll") return p; } return null; };
  const tables = Array.from(document.querySelectorAll("main table")).filter(visible);
  tables.forEach((t, i) => {
    const r = t.getBoundingClientRect();
    const box = scroller(t);
    const name = (t.closest("section") && t.closest("section").querySelector("h1,h2,h3") || {}).innerText || `table ${i + 1}`;
    if (!box) {
      const parent = t.parentElement.getBoundingClientRect();
      if (r.right > parent.right + 1) out.push(`table "${name.trim()}" is ${Math.round(r.right - parent.right)}px wider than its box and not in a scroll container`);
    } else if (box.scrollWidth > box.clientWidth + 1) {
      const b = box.getBoundingClientRect();
      t.querySelectorAll("tbody tr > :last-child :is(button, a.btn, input[type=submit])").forEach(el => {
        if (!visible(el)) return;
        const e = el.getBoundingClientRect();
        if (e.left < b.left - 1 || e.right > b.right + 1) out.push(`in table "${name.trim()}" the action "${label(el)}" is out of sight in a sideways-scrolling box`);
      });
      t.querySelectorAll("tbody tr > :first-child").forEach((cell, n) => {
        if (n > 0) return;
        const e = cell.getBoundingClientRect();
        if (e.left < b.left - 1) out.push(`in table "${name.trim()}" the first column scrolls out of sight`);
      });
    }
    tables.slice(i + 1).forEach(u => {
      const q = u.getBoundingClientRect();
      if (t.contains(u) || u.contains(t)) return;
      const clip = x => { const s = scroller(x); return s ? s.getBoundingClientRect() : null; };
      const rr = clip(t) || r, qq = clip(u) || q;
      const a = {l: Math.max(r.left, rr.left), r: Math.min(r.right, rr.right), t: r.top, b: r.bottom};
      const c = {l: Math.max(q.left, qq.left), r: Math.min(q.right, qq.right), t: q.top, b: q.bottom};
      if (a.l < c.r - 1 && c.l < a.r - 1 && a.t < c.b - 1 && c.t < a.b - 1) out.push(`two tables overlap ("${name.trim()}")`);
    });
  });
  return out;
}
"""

# Phone-first pages (PHONE_FIRST_BLUEPRINTS, and every page of a trainee), at the phone size: every
# button and form control of the page is on the screen without scrolling sideways (not in a box
# scrolled out of sight either) and is a tap target at least 44 px high (WCAG 2.5.5; Apple and
# Google ask the same). A check box counts with its label (the .form-check row). Links inside a
# sentence are text, not tap targets (WCAG's inline exception). And no table there scrolls
# sideways: a phone-first page shows its lists as cards (or as few columns as fit).
PHONE_JS = r"""
() => {
  const out = [];
  const W = window.innerWidth;
  const visible = el => { const s = getComputedStyle(el); const r = el.getBoundingClientRect();
                          return s.visibility !== "hidden" && s.display !== "none" && r.width > 0 && r.height > 0
                                 && !el.closest(".visually-hidden, .visually-hidden-focusable, [hidden]"); };
  const label = el => ((el.labels && el.labels[0] && el.labels[0].innerText) || el.innerText || el.value
                       || el.getAttribute("aria-label") || el.name || el.tagName).trim().replace(/\s+/g, " ").slice(0, 40);
  const controls = "main :is(button, a.btn, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea), " +
                   "main .form-check, nav.navbar .navbar-toggler";
  document.querySelectorAll(controls).forEach(el => {
    if (!visible(el)) return;
    const r = el.getBoundingClientRect();
    if (r.left < -1 || r.right > W + 1) {
      out.push(`"${label(el)}" is off the screen (${Math.round(r.left)}–${Math.round(r.right)}px of ${W}px): it takes sideways scrolling to reach`);
    }
    if (r.height < 43.5) out.push(`tap target "${label(el)}" is ${Math.round(r.height)}px high (at least 44px)`);
  });
  // Cards, not a table to scroll sideways: a phone-first page shows every column of its tables.
  document.querySelectorAll("main table").forEach((t, i) => {
    if (!visible(t)) return;
    for (let p = t.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX;
      if ((o === "auto" || o === "scroll") && p.scrollWidth > p.clientWidth + 1) {
        const name = (t.closest("section") && t.closest("section").querySelector("h1,h2,h3") || {}).innerText || `table ${i + 1}`;
        out.push(`table "${name.trim()}" scrolls sideways (${p.scrollWidth}px in ${p.clientWidth}px): show it as cards or fewer columns on a phone`);
        break;
      }
    }
  });
  return out;
}
"""

TEXT_JS = r"""
() => {
  const skip = "code, kbd, samp, pre, script, style, [translate=no], .redoc-wrap";
  const parts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || el.closest(skip)) continue;
    const l = el.closest("[lang]");
    if (l && l.lang !== document.documentElement.lang) continue;  // marked as another language
    const s = getComputedStyle(el);
    if (s.display === "none" || s.visibility === "hidden") continue;
    if (el.closest(".visually-hidden, .visually-hidden-focusable") === null && el.offsetParent === null && el.tagName !== "OPTION" && s.position !== "fixed") continue;
    parts.push(n.nodeValue);
  }
  const chrome = [];
  const own = el => { const l = el.closest("[lang]"); return !l || l.lang === document.documentElement.lang; };
  document.querySelectorAll("input[placeholder], textarea[placeholder]").forEach(el => chrome.push(el.placeholder));
  document.querySelectorAll("[aria-label], img[alt], [title]").forEach(el => {
    if (el.closest(skip) || !own(el)) return;
    ["aria-label", "alt", "title"].forEach(a => { if (el.getAttribute(a)) chrome.push(el.getAttribute(a)); });
  });
  // The app's own words: headings, labels, buttons, menus, badges, options (not the data in cells).
  document.querySelectorAll("h1, h2, h3, h4, h5, h6, th, label, legend, button, .btn, .nav-link, .dropdown-item, .badge, caption, dt, .form-text, .alert").forEach(el => {
    if (el.closest(skip) || !own(el)) return;
    if (!el.closest("nav") && !el.checkVisibility()) return;
    // its words without what it marks as code (e.g. an example code inside a help text)
    const copy = el.cloneNode(true);
    copy.querySelectorAll(skip).forEach(x => x.remove());
    chrome.push(el.querySelector(skip) ? copy.textContent || "" : el.innerText || el.textContent || "");
  });
  return [parts.join("\n") + "\n" + chrome.join("\n"), chrome.join("\n")];
}
"""

AXE_JS = """
async () => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                                           resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v =>
    `${v.id} (${v.impact}): ${v.help} — ` + v.nodes.slice(0, 3).map(n => n.target.join(" ") + (n.any[0] ? " [" + n.any[0].message + "]" : "")).join(" | "));
}
"""


def english_messages(language: str) -> tuple[set[str], set[str]]:
    """Messages of the catalog whose translation differs from the English source: multi-word
    phrases (found as substrings) and single words (found as whole words)."""
    from babel.messages.pofile import read_po
    po = Path(__file__).resolve().parent.parent / "translations" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    phrases, words = set(ENGLISH_LIBRARY_MESSAGES), set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string or message.string == message.id:
            continue
        text = message.id
        if "%(" in text or "{" in text:
            text = re.split(r"%\(|\{", text)[0].strip()
        if " " in text.strip() and len(text) >= 12:
            phrases.add(text.strip())
        elif re.fullmatch(r"[A-Z][a-z]{4,}", text.strip()):
            words.add(text.strip())
    return phrases, words


def _tokens(text: str) -> set[str]:
    tokens = {token.strip(TOKEN_STRIP).rstrip(".") for token in text.split()}
    tokens.discard("")
    return tokens


def language_problems(texts: list[str], language: str, english: tuple[set[str], set[str]]) -> list[str]:
    """``texts``: all visible text, and the app's own words (headings, labels, buttons, options...).
    Raw codes and English phrases are looked for everywhere; single English words only in the app's
    own words, since a cell may hold a name that is English (an employer, a token's name)."""
    text, chrome = texts
    found = []
    tokens = _tokens(text)
    raw = sorted(t for t in tokens if SNAKE.match(t) or DOTTED.match(t) and not t.endswith((".az", ".com", ".json"))
                 or (language != "en" and t in RAW_CODES and t not in NATIVE_WORDS[language]))
    if raw:
        found.append(f"raw codes on the page: {raw}")
    if language != "en":
        phrases, words = english
        english_found = sorted(p for p in phrases if p in text) + sorted(w for w in words if w in _tokens(chrome))
        if english_found:
            found.append(f"English text on a {language} page: {english_found[:12]}")
    return found


# ---- the sweep -----------------------------------------------------------------------------------



async def _sign_in_state(browser, server, email: str, password: str) -> dict:
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(server.url("/login"))
    await page.locator("#email").fill(email)
    await page.locator("#password").fill(password)
    await page.locator("main form button[type=submit]").click()
    await page.wait_for_load_state()
    assert "/login" not in page.url, f"{email} could not sign in: {page.url}"
    state = await context.storage_state()
    await context.close()
    return state


async def _set_language(context, server, language: str) -> None:
    # The language switch keeps its choice in its own cookie and needs no CSRF token (nothing of
    # the account changes): post it as the top bar's button does.
    response = await context.request.post(server.url(f"/lang/{language}"), form={"next": "/"}, max_redirects=0)
    assert response.status in (302, 303), (language, response.status)


class Console:
    """Console errors and uncaught script errors of one page, collected per visit."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(f"script error: {e}"))

    def take(self) -> list[str]:
        errors, self.errors = self.errors, []
        return errors


TIMINGS: dict[str, float] = {}


def _timed(name: str, started: float) -> float:
    """Adds to the time spent in ``name`` (summed over the languages swept side by side)."""
    now = time.monotonic()
    TIMINGS[name] = TIMINGS.get(name, 0.0) + now - started
    return now


SKIPPED_SCREENSHOTS: list[str] = []


async def _screenshot(page, path: Path, *, full_page: bool) -> None:
    """A screenshot is evidence, not a check: on a loaded machine a very long page (the API
    reference) can take longer than the timeout to capture whole; then its first screen is kept,
    and if even that times out the file is listed in the summary instead of failing the sweep."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout
    try:
        await page.screenshot(path=str(path), full_page=full_page, type="jpeg", quality=60)
        return
    except PlaywrightTimeout:
        pass
    try:
        await page.screenshot(path=str(path), full_page=False, type="jpeg", quality=60, timeout=60_000)
    except PlaywrightTimeout:
        SKIPPED_SCREENSHOTS.append(str(path))


async def sweep_page(page, console: Console, server, language: str, target: Page, english, folder: Path,
                     role: str = "") -> list[str]:
    """Open one page, check it at both sizes; the problems found."""
    console.take()
    t = time.monotonic()
    await page.set_viewport_size({"width": VIEWPORTS[0][1], "height": VIEWPORTS[0][2]})
    response = await page.goto(server.url(target.path))
    if response is None or response.status >= 400:
        return [f"HTTP {response and response.status}"]
    await page.wait_for_load_state("load")
    _timed("load", t)
    slug = re.sub(r"[^a-z0-9]+", "-", target.path.lower()).strip("-")[:80] or "index"
    return await check_page(page, console, language, target.endpoint, english, folder, slug,
                            phone_first=is_phone_first(role, target.endpoint))


async def check_page(page, console: Console, language: str, endpoint: str, english, folder: Path, slug: str,
                     *, phone_first: bool) -> list[str]:
    """The page as loaded (at the laptop size), checked at both sizes; the problems found."""
    problems: list[str] = []
    t = time.monotonic()
    for n, (size, width, height) in enumerate(VIEWPORTS):
        await page.set_viewport_size({"width": width, "height": height})
        await page.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
        t = _timed("resize", t)
        for problem in await page.evaluate(LAYOUT_JS):
            problems.append(f"[{size}] {problem}")
        if size == "phone" and phone_first:
            for problem in await page.evaluate(PHONE_JS):
                problems.append(f"[{size}] {problem}")
        t = _timed("layout", t)
        if n == 0 and endpoint not in ENGLISH_BY_DESIGN:
            problems += language_problems(await page.evaluate(TEXT_JS), language, english)
            t = _timed("text", t)
        # axe looks at the page's structure, names and colours, which the language does not change:
        # it runs on the Azerbaijani pages, at both sizes.
        if language == "az":
            for violation in await page.evaluate(AXE_JS):
                problems.append(f"[{size}] axe {violation}")
            t = _timed("axe", t)
        # The first screen at each size (evidence, not a check: the checks above read the whole page;
        # whole pages took 411 of the whole sweep's 1,292 busy seconds; on the center administrator's
        # pages, 167 busy seconds for whole pages, 39 for first screens).
        await _screenshot(page, folder / f"{slug}-{size}.jpeg", full_page=False)
        t = _timed("screenshot", t)
    problems += [f"console: {text}" for text in console.take()]
    return problems


async def sweep_language(browser, server, role: str, language: str, state, pages: list[Page], axe_source: str,
                         english) -> tuple[list[str], int]:
    """Every page of ``role`` in ``language``: one context (the role's sign-in, the language chosen
    as a person chooses it), one tab."""
    context = await browser.new_context(storage_state=state, locale=language)
    try:
        await context.add_init_script(script=axe_source)
        context.set_default_timeout(30_000)
        await _set_language(context, server, language)
        folder = SWEEP_ARTIFACTS / role / language
        folder.mkdir(parents=True, exist_ok=True)
        page = await context.new_page()
        console = Console(page)
        problems = []
        for target in pages:
            for problem in await sweep_page(page, console, server, language, target, english, folder, role):
                problems.append(f"{role} {language} {target.path}: {problem}")
        return problems, len(pages)
    finally:
        await context.close()


async def run_sweep(server, logins: Logins, pages: dict[str, list[Page]], english) -> tuple[list[str], int]:
    """One browser; per role, its three languages side by side (three contexts)."""
    from playwright.async_api import async_playwright
    axe_source = AXE.read_text(encoding="utf-8")
    only = os.environ.get("TALENT_SWEEP_ONLY")  # while developing: "center_admin:az"
    problems: list[str] = []
    visits = 0
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            for role in ROLES:
                if only and role != only.split(":", 1)[0]:
                    continue
                state = (await _sign_in_state(browser, server, logins.emails[role], logins.password)
                         if role != "anonymous" else None)
                languages = [language for language in LANGUAGES
                             if not (only and ":" in only and language not in only.split(":", 1)[1])]
                results = await asyncio.gather(*(sweep_language(browser, server, role, language, state, pages[role],
                                                                axe_source, english[language])
                                                 for language in languages))
                for found, count in results:
                    problems += found
                    visits += count * len(VIEWPORTS)
        finally:
            await browser.close()
    return problems, visits


def test_browser_sweep_every_page_every_role(app, monkeypatch, catalogs):
    skip_without_browser()
    import shutil
    shutil.rmtree(SWEEP_ARTIFACTS, ignore_errors=True)
    started = time.monotonic()
    logins = build_data()
    problems: list[str] = []
    pages = discover(app, logins, problems)
    discovered = time.monotonic()
    assert sum(len(p) for p in pages.values()) > 30, pages

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    # Flask-Limiter reads RATELIMIT_ENABLED once, at init_app: switch the extension itself off (the
    # sweep opens a rate-limited public page, e.g. a follow-up link, once per role, language and width).
    monkeypatch.setattr(limiter, "enabled", False)
    english = {language: english_messages(language) for language in ("az", "ru")}
    english["en"] = (set(), set())
    with LiveServer(app) as server:
        monkeypatch.setitem(app.config, "SERVER_NAME", f"127.0.0.1:{server.port}")
        found, visits = asyncio.run(run_sweep(server, logins, pages, english))
    problems += found
    elapsed = time.monotonic() - started
    summary = {"seconds": round(elapsed, 1), "discovery_seconds": round(discovered - started, 1),
               "busy_seconds": {k: round(v, 1) for k, v in TIMINGS.items()},
               "pages_per_role": {role: len(p) for role, p in pages.items()}, "page_visits": visits,
               "screenshots_not_taken": SKIPPED_SCREENSHOTS}
    SWEEP_ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (SWEEP_ARTIFACTS / "summary.json").write_text(json.dumps({**summary, "problems": problems}, indent=1,
                                                             ensure_ascii=False))
    print(f"browser sweep: {summary}")
    assert not problems, f"{len(problems)} problems (all in {SWEEP_ARTIFACTS / 'summary.json'}):\n" + \
        "\n".join(problems[:200])


async def _sweep_two_factor(server, users: dict[str, dict[str, str]], password: str, english) -> list[str]:
    """Per language (side by side): sign in with a password as a person who must set up two-factor
    sign-in (the enrolment page) and as one who has it (the code page); each page checked as loaded
    and again after a wrong code (the form's error in the page's language)."""
    from playwright.async_api import async_playwright
    from flask import url_for
    axe_source = AXE.read_text(encoding="utf-8")
    pages = {"auth.enrol": url_for("auth.enrol"), "auth.two_factor": url_for("auth.two_factor")}

    async def one_language(browser, language: str) -> list[str]:
        context = await browser.new_context(locale=language)
        try:
            await context.add_init_script(script=axe_source)
            context.set_default_timeout(30_000)
            await _set_language(context, server, language)
            folder = SWEEP_ARTIFACTS / "two_factor" / language
            folder.mkdir(parents=True, exist_ok=True)
            page = await context.new_page()
            console = Console(page)
            problems: list[str] = []
            for endpoint, path in pages.items():
                await page.set_viewport_size({"width": VIEWPORTS[0][1], "height": VIEWPORTS[0][2]})
                await page.goto(server.url("/login"))
                await page.locator("#email").fill(users[endpoint][language])
                await page.locator("#password").fill(password)
                await page.locator("main form button[type=submit]").click()
                await page.wait_for_load_state()
                if not page.url.endswith(path):
                    problems.append(f"two-factor {language}: signing in led to {page.url}, not {path}")
                    continue
                found = await sweep_page(page, console, server, language, Page(endpoint, path), english[language], folder)
                # A wrong code: the page again, with the form's error.
                await page.set_viewport_size({"width": VIEWPORTS[0][1], "height": VIEWPORTS[0][2]})
                await page.locator("#code").fill("12345")
                await page.locator("main form button[type=submit]").click()
                await page.wait_for_load_state()
                if not await page.locator("main .invalid-feedback").count():
                    found.append("a wrong code shows no error")
                # The wrong code is answered 401 (422 while setting up), which Chromium logs as a failed
                # resource; that answer is the point of the step, any other console error still counts.
                console.errors = [e for e in console.errors
                                  if not re.search(r"status of (401|422) ", e)]
                slug = re.sub(r"[^a-z0-9]+", "-", path).strip("-") + "-wrong-code"
                found += await check_page(page, console, language, endpoint, english[language], folder, slug,
                                          phone_first=True)
                problems += [f"two-factor {language} {path}: {problem}" for problem in found]
            return problems
        finally:
            await context.close()

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            results = await asyncio.gather(*(one_language(browser, language) for language in LANGUAGES))
        finally:
            await browser.close()
    return [problem for found in results for problem in found]


def test_browser_sweep_two_factor_sign_in_pages(app, monkeypatch, factory, catalogs):  # noqa: F811
    """The two pages the main sweep cannot reach (they exist only half-way through a sign-in):
    two-factor sign-in required as in production (TALENT_REQUIRE_2FA), an administrator who has not
    set it up yet is sent to the enrolment page, a ministry analyst who has is asked for the code.
    Same checks as every other page, in az, en and ru, at both sizes, phone-first."""
    skip_without_browser()
    import pyotp
    from talent.db import utcnow
    from tests.factories import PASSWORD
    monkeypatch.setitem(app.config, "REQUIRE_2FA", True)
    users: dict[str, dict[str, str]] = {"auth.enrol": {}, "auth.two_factor": {}}
    for language in LANGUAGES:
        users["auth.enrol"][language] = factory.user("admin", email=f"enrol-{language}@example.az").email
        enrolled = factory.user("ministry", email=f"code-{language}@gov.az")
        enrolled.totp_secret = pyotp.random_base32(32)
        enrolled.totp_confirmed_at = utcnow()
        users["auth.two_factor"][language] = enrolled.email
    db.session.commit()

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    # Flask-Limiter reads RATELIMIT_ENABLED once, at init_app: switch the extension itself off (the
    # sweep opens a rate-limited public page, e.g. a follow-up link, once per role, language and width).
    monkeypatch.setattr(limiter, "enabled", False)
    english = {language: english_messages(language) for language in ("az", "ru")}
    english["en"] = (set(), set())
    with LiveServer(app) as server:
        monkeypatch.setitem(app.config, "SERVER_NAME", f"127.0.0.1:{server.port}")
        with app.test_request_context():
            problems = asyncio.run(_sweep_two_factor(server, users, PASSWORD, english))
    assert not problems, f"{len(problems)} problems:\n" + "\n".join(problems[:200])


def test_sweep_checks_catch_what_they_look_for():
    """The checks themselves: a page with each fault is reported, its clean twin is not."""
    skip_without_browser()
    from playwright.sync_api import sync_playwright
    bad = """<html lang="az"><body><nav class="navbar"><a href="#" style="margin-left:1500px">Çıxış</a></nav>
      <main><h1>Qruplar</h1><div style="width:300px"><table><tr><td style="white-space:nowrap">
      a very very very very very very very long cell that does not fit in three hundred pixels</td></tr></table></div>
      <div class="table-responsive" style="overflow-x:auto;width:300px"><table><tbody><tr>
      <td style="white-space:nowrap">İlk sütun</td><td style="white-space:nowrap">çox uzun məlumat çox uzun məlumat çox uzun</td>
      <td><button>Təsdiqlə</button></td></tr></tbody></table></div>
      <label>Please log in to access this page.</label><p>Status: full_time, running</p></main></body></html>"""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.set_content(bad)
            layout = " | ".join(page.evaluate(LAYOUT_JS))
            assert "scrolls sideways" in layout and "Çıxış" in layout, layout
            assert "wider than its box" in layout, layout
            assert "action \"Təsdiqlə\" is out of sight" in layout, layout
            texts = page.evaluate(TEXT_JS)
            found = " | ".join(language_problems(texts, "az", english_messages("az")))
            assert "full_time" in found and "running" in found and "Please log in" in found, found
            assert language_problems(["Status: full_time", ""], "en", (set(), set())), "snake_case on an en page"
            page.add_script_tag(path=str(AXE))
            page.set_content('<html lang="az"><body><main><p style="color:#aaa;background:#fff">Zəif kontrast</p>'
                             '<img src="data:,"></main></body></html>')
            page.add_script_tag(path=str(AXE))
            violations = " ".join(page.evaluate(AXE_JS))
            assert "color-contrast" in violations and "image-alt" in violations, violations
            page.set_content('<html lang="az"><body><main><h1>Qruplar</h1><p>Hamısı qaydasındadır.</p></main></body></html>')
            assert page.evaluate(LAYOUT_JS) == []
            # the phone-first checks: a small button, one past the right edge, a table to scroll
            page.set_viewport_size({"width": 390, "height": 844})
            page.set_content('<html lang="az"><body><main><button style="height:30px">Kiçik</button>'
                             '<div style="overflow-x:auto"><table><tr><td style="white-space:nowrap;padding-right:600px">'
                             'Geniş</td><td><a class="btn" style="display:inline-block;height:48px">Sağda</a></td></tr>'
                             '</table></div></main></body></html>')
            phone = " | ".join(page.evaluate(PHONE_JS))
            assert 'tap target "Kiçik" is 30px high' in phone, phone
            assert '"Sağda" is off the screen' in phone and "scrolls sideways" in phone, phone
            page.set_content('<html lang="az"><body><main><button style="height:44px">Böyük</button>'
                             '<table><tr><td>Dar</td></tr></table></main></body></html>')
            assert page.evaluate(PHONE_JS) == []
            assert language_problems(page.evaluate(TEXT_JS), "az", english_messages("az")) == []
        finally:
            browser.close()
