"""Property-based fuzzing of the inputs: (a) the import parser and preview take any bytes or any
CSV and only ever raise DomainErrors, writing nothing; (b) every POST form route of the web app,
posted random fields by the roles that may use it (with ids of their own records, so the request
reaches the form), never answers 5xx, and a 4xx answer changes no row."""
from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from talent.errors import DomainError
from talent.extensions import db
from tests.conftest import login
from tests.inputs_helpers import table_counts
from talent import clock

FUZZ = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

# ---------------------------------------------------------------- (a) imports

IMPORT_COLUMNS = ["fin", "first_name", "last_name", "patronymic", "birth_date", "gender", "email", "phone",
                  "home_region", "education_level"]
CELL = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["", "AA12345", "1234567", "1998-05-17", "17.05.1998", "31.02.2001", "F", "M", "BAKU",
                     "=1+1", "@SUM(A1)", "\ufeff", "\"", "a,b", "a;b", "\r\n", "99999999999999999999",
                     "x" * 300, "<script>alert(1)</script>", "ǅ", "İ", "\u202e"]),
)

# Text a spreadsheet program writes (no control characters, which make the file "not a CSV").
PRINTABLE_CELL = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=30),
    st.sampled_from(["", "AA12345", "1234567", "1998-05-17", "17.05.1998", "31.02.2001", "F", "M", "BAKU",
                     "=1+1", "a,b", "a;b", "x" * 300, "İ", "ǅ"]),
)


@pytest.fixture
def import_target(factory):
    center = factory.center(code="IMP")
    cohort = factory.cohort(center=center, capacity=3)
    user = factory.center_admin(center)
    db.session.commit()
    from talent.permissions import Actor
    return {"actor": Actor.for_user(user),
            "center_id": center.id, "cohort_id": cohort.id}


def _preview(target, data: bytes, with_cohort: bool):
    from talent.imports.services import preview_import
    before = table_counts()
    try:
        report = preview_import(target["actor"], data, center_id=target["center_id"],
                                cohort_id=target["cohort_id"] if with_cohort else None)
    except DomainError:
        report = None
    db.session.rollback()
    assert table_counts() == before
    return report


@FUZZ
@given(data=st.binary(max_size=2000), with_cohort=st.booleans())
def test_preview_import_of_any_bytes(import_target, data, with_cohort):
    _preview(import_target, data, with_cohort)


@FUZZ
@given(data=st.binary(max_size=600), with_cohort=st.booleans())
def test_preview_import_of_bytes_after_an_xlsx_or_csv_header(import_target, data, with_cohort):
    _preview(import_target, b"PK\x03\x04" + data, with_cohort)
    _preview(import_target, ",".join(IMPORT_COLUMNS).encode() + b"\n" + data, with_cohort)


def _csv(header, rows, delimiter, bom) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode("utf-8")


def _accounted_for(report, rows) -> None:
    """Never more rows than were written, and every row read is accounted for: planned, or
    reported with its problem (unless the whole file was refused, e.g. a missing column)."""
    assert report.rows_read <= len(rows)
    if all(problem.row is not None for problem in report.problems):
        counts = report.counts
        assert counts["valid"] + counts["rows_with_problems"] == report.rows_read, report.as_dict()
    else:
        assert report.plans == []


@FUZZ
@given(header=st.permutations(IMPORT_COLUMNS).flatmap(
           lambda cols: st.lists(st.sampled_from(cols + ["extra", "FIN", " First Name ", ""]),
                                 min_size=0, max_size=12)),
       rows=st.lists(st.lists(CELL, max_size=12), max_size=8),
       delimiter=st.sampled_from([",", ";"]), bom=st.booleans(), with_cohort=st.booleans())
def test_preview_import_of_random_csv(import_target, header, rows, delimiter, bom, with_cohort):
    report = _preview(import_target, _csv(header, rows, delimiter, bom), with_cohort)
    if report is not None:
        _accounted_for(report, rows)


@FUZZ
@given(header=st.permutations(IMPORT_COLUMNS),
       rows=st.lists(st.lists(PRINTABLE_CELL, min_size=10, max_size=10), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";"]), bom=st.booleans(), with_cohort=st.booleans())
def test_preview_import_of_random_rows_under_the_right_header(import_target, header, rows, delimiter, bom,
                                                              with_cohort):
    """With every column named, the file is read: each row is planned or has its problem named."""
    report = _preview(import_target, _csv(header, rows, delimiter, bom), with_cohort)
    assert report is not None and report.format == "csv", report
    _accounted_for(report, rows)


@FUZZ
@given(rows=st.lists(st.lists(st.one_of(CELL, st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                                        st.dates(), st.booleans(), st.none()), min_size=10, max_size=10),
                     max_size=6), with_cohort=st.booleans())
def test_preview_import_of_random_xlsx(import_target, rows, with_cohort):
    from openpyxl import Workbook
    book = Workbook()
    sheet = book.active
    sheet.append(IMPORT_COLUMNS)
    from openpyxl.utils.exceptions import IllegalCharacterError
    for row in rows:
        try:
            sheet.append([("'" + v) if isinstance(v, str) and v.startswith("=") else v for v in row])
        except (IllegalCharacterError, ValueError):  # openpyxl cannot write these cells: not an input
            continue
    out = io.BytesIO()
    book.save(out)
    _preview(import_target, out.getvalue(), with_cohort)


# ---------------------------------------------------------------- (b) every POST form

PREFIXES = ("/center", "/admin", "/me", "/ministry", "/account", "/employer")
SKIPPED = {"auth.logout", "auth.set_language"}
FIELD_POOL = ["reason", "fin", "trainee_id", "status", "target", "version", "code", "name", "title_en", "title_az",
              "email", "full_name", "role", "active", "employer_name", "job_title", "country_code", "start_date",
              "end_date", "starts_at", "ends_at", "weekdays", "start_time", "q", "next", "milestone", "outcome",
              "password", "current_password", "new_password", "confirm", "centers", "center_id", "capacity",
              "region_id", "city", "employment_type", "monthly_pay_azn", "override_reason", "waitlist", "token",
              "name_az", "name_en", "pass_mark", "hours", "level", "year", "target_value", "metric"]
VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "1", "-1", "3", "6", "y", "on", "true", "99999999999999999999", "2147483648",
                     "²", "1e9", "2026-01-01", "2026-02-30", "01.01.2026", "10:00", "full_time", "AZ", "BAKU",
                     "completed", "cancelled", "running", "x" * 600, "<script>alert(1)</script>",
                     "' OR 1=1 --", "%", "\u202e", "İ"]),
)


def _post_rules(app):
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED or "POST" not in rule.methods or not rule.rule.startswith(PREFIXES):
            continue
        roles = ("trainee",) if rule.rule.startswith("/me") else (
            ("employer",) if rule.rule.startswith("/employer") else ("admin", "center_admin"))
        rules.extend((rule.rule, rule.endpoint, role) for role in roles)
    return sorted(rules)


def _all_post_rules():
    import tempfile

    from talent import create_app
    app = create_app({"WTF_CSRF_ENABLED": False}, env={
        "TALENT_ENV": "testing", "TALENT_DATABASE_URL": "sqlite://", "TALENT_SECRET_KEY": "k" * 40,
        "TALENT_RATELIMIT_STORAGE": "memory://", "TALENT_INSTANCE_PATH": tempfile.mkdtemp(prefix="talent-fuzz-")})
    return _post_rules(app)


POST_RULES = _all_post_rules()


@pytest.fixture
def own_world(factory):
    """Records of center A, the center admin's own: every id in the URLs points at one of them."""
    from talent.accounts.services import create_token
    from talent.credentials.services import issue_award
    from talent.permissions import Actor
    from talent.placement.services import record_placement

    center = factory.center(code="FZA")
    cohort = factory.cohort(center=center, start_date=clock.today() - timedelta(days=100),
                            end_date=clock.today() - timedelta(days=10))
    trainee, other = factory.trainee(), factory.trainee()
    enrollment = factory.enrollment(trainee, cohort, status="completed", final_score=90, attendance_pct=95)
    factory.enrollment(other, cohort, status="enrolled")
    session = factory.session(cohort, cohort.start_date)
    award = issue_award(Actor.system(), enrollment)
    placement = record_placement(Actor.system(), trainee.id, employer_name="Acme", job_title="Analyst",
                                 country_code="AZ", employment_type="full_time",
                                 start_date=(clock.today() - timedelta(days=5)).isoformat())
    users = {"admin": factory.user("admin"), "center_admin": factory.center_admin(center),
             "trainee": factory.trainee_user(trainee)}
    # Issue 20: the employer's own vacancy (its shortlist) and the trainee, a graduate, visible to
    # employers (the talent pages and the shortlist reach their forms).
    from talent.placement.services import profiles
    from talent.placement.services.vacancies import post_vacancy
    users["employer"] = factory.employer_user()
    vacancy = post_vacancy(Actor.for_user(users["employer"]), title="Fuzz vacancy", occupation_code="2521",
                           openings=1, closes_on=clock.today() + timedelta(days=30))
    profiles.opt_in(Actor.for_user(users["trainee"]))
    bystander = factory.user("ministry")
    tokens = {role: create_token(Actor.system(), u, "fuzz")[0].id for role, u in users.items()}
    objective_id = None
    try:
        from talent.objectives.models import Objective  # noqa: F401
        objective_id = db.session.scalar(select(Objective.id))
    except Exception:
        pass
    db.session.commit()
    ids = {"cohort_id": cohort.id, "trainee_id": trainee.id, "enrollment_id": enrollment.id,
           "session_id": session.id, "award_id": award.id if award else 1, "placement_id": placement.id,
           "user_id": bystander.id, "obj_id": center.id, "key": "centers", "milestone": 3,
           "objective_id": objective_id or 1, "center_id": center.id, "vacancy_id": vacancy.id}
    return {"users": users, "ids": ids, "tokens": tokens}


def _url(rule: str, ids: dict, token_id: int) -> str:
    def fill(m):
        name = m.group(1).split(":")[-1]
        if name == "token_id":
            return str(token_id)
        return str(ids.get(name, 1))
    return re.sub(r"<([^>]+)>", fill, rule)


def _form_fields(client, url: str) -> tuple[list[str], dict[str, str]]:
    """The field names on the form page (or its parent page) and the values the page fills in
    (inputs with a value, the selected or first option of each select): a valid-looking base."""
    names: set[str] = set()
    base: dict[str, str] = {}
    for page in (url, url.rsplit("/", 1)[0]):
        response = client.get(page)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        names.update(re.findall(r'name="([^"]+)"', html))
        for tag in re.findall(r"<input[^>]*>", html):
            name, value = re.search(r'name="([^"]+)"', tag), re.search(r'value="([^"]*)"', tag)
            if name and value:
                base.setdefault(name.group(1), value.group(1))
        for name, body in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S):
            options = re.findall(r'<option[^>]*value="([^"]*)"', body)
            chosen = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', body)
            if options:
                base.setdefault(name, chosen.group(1) if chosen else options[-1])
    names.discard("csrf_token")
    base.pop("csrf_token", None)
    return sorted(names | set(FIELD_POOL)), base


# Found by this fuzz and fixed: a NUL in admin catalog text was stored on SQLite and a 500 on
# PostgreSQL; the catalog's field checker now refuses control characters.


def _post_params():
    params = []
    for rule, endpoint, role in POST_RULES:
        params.append(pytest.param(rule, endpoint, role, id=f"{role}:{rule}"))
    return params


def test_nul_in_admin_center_text_is_refused(client, factory):
    admin = factory.user("admin")
    region = factory.region("BAKU")
    db.session.commit()
    login(client, admin.email)
    before = table_counts()
    response = client.post("/admin/centers/new", data={"code": "NUL1", "name": "Nul center", "city": "Bakı",
                                                       "address": "Main\x00street", "capacity": "100",
                                                       "region_id": str(region.id)})
    db.session.rollback()
    assert response.status_code == 422
    assert table_counts() == before


@pytest.mark.parametrize("rule,endpoint,role", _post_params())
def test_post_forms_with_random_fields(app, client, own_world, rule, endpoint, role):
    login(client, own_world["users"][role].email)
    url = _url(rule, own_world["ids"], own_world["tokens"][role])
    names, base = _form_fields(client, url)
    key = st.one_of(st.sampled_from(names), st.text(min_size=1, max_size=12))
    seen_statuses: set[int] = set()
    counts = {"now": table_counts()}

    @FUZZ
    @given(extra=st.dictionaries(key, st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3)), max_size=8),
           use_base=st.booleans())
    def post(extra, use_base):
        form = {**base, **extra} if use_base else extra
        response = client.post(url, data=form)
        status = response.status_code
        seen_statuses.add(status)
        assert status < 500, f"POST {url} {form!r}: {status}"
        db.session.rollback()
        after = table_counts()
        if 400 <= status < 500:
            assert after == counts["now"], f"POST {url} {form!r}: {status} but rows changed"
        counts["now"] = after  # a success may write; the next request compares with this

    post()
    assert seen_statuses
