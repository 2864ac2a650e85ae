"""Hostile input on the online applications (issue 19): random fields posted to the public form and
to ``POST /api/v1/applications`` never answer 5xx and a refusal writes nothing; markup typed as a
name or a rejection reason is shown escaped on the review and status pages; SQL-looking text is
data."""
from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st
from sqlalchemy import select

from talent import clock
from talent.applications import services as applications
from talent.applications.models import Application
from talent.extensions import db
from talent.permissions import Actor
from tests.conftest import login
from tests.inputs_helpers import leaks, table_counts, xss

FUZZ = settings(max_examples=30, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
FIELDS = ["fin", "birth_date", "first_name", "last_name", "patronymic", "gender", "home_region", "home_region_id",
          "education_level", "email", "phone", "consent", "website", "cohort_id", "csrf_token"]
VALUE = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", "0", "1", "-1", "y", "on", "true", "99999999999999999999", "2147483648", "²",
                     "1999-03-04", "2026-02-30", "04.03.1999", "F", "M", "BAKU", "bachelor", "5ABCD12", "5abcd12",
                     "x" * 600, "<script>alert(1)</script>", "' OR 1=1 --", "\x00", "\u202e", "İ",
                     "+994 50 123 45 67", "a@b.az"]),
)
JSON_VALUE = st.one_of(VALUE, st.none(), st.booleans(), st.integers(), st.lists(st.text(max_size=5), max_size=2),
                       st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2))


@pytest.fixture
def cohort(factory, app, monkeypatch):
    monkeypatch.setitem(app.config, "APPLY_RATE_LIMIT_ADDRESS", "10000 per hour")
    monkeypatch.setitem(app.config, "APPLY_RATE_LIMIT_FIN", "10000 per hour")
    cohort = factory.cohort(status="open", start_date=clock.today() + timedelta(days=15))
    db.session.commit()
    return cohort


def _valid(**kw):
    data = {"fin": "5ABCD12", "birth_date": "1999-03-04", "first_name": "Leyla", "last_name": "Həsənova",
            "gender": "F", "home_region": "BAKU", "phone": "0501234567", "consent": "y"}
    data.update(kw)
    return data


def test_random_fields_on_the_public_form(client, cohort):
    url = f"/catalog/cohorts/{cohort.id}/apply"
    counts = {"now": table_counts()}

    @FUZZ
    @given(extra=st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=8)),
                                 st.one_of(VALUE, st.lists(VALUE, min_size=2, max_size=3)), max_size=8),
           use_base=st.booleans())
    def post(extra, use_base):
        form = {**_valid(), **extra} if use_base else extra
        response = client.post(url, data=form)
        assert response.status_code < 500, (form, response.status_code)
        db.session.rollback()
        after = table_counts()
        if 400 <= response.status_code < 500:
            assert after == counts["now"], (form, response.status_code)
        counts["now"] = after

    post()


def test_random_json_on_the_api(client, cohort):
    counts = {"now": table_counts()}

    @FUZZ
    @given(extra=st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(min_size=1, max_size=8)),
                                 JSON_VALUE, max_size=8), use_base=st.booleans())
    def post(extra, use_base):
        body = {**_valid(consent=True), "cohort_id": cohort.id, **extra} if use_base else extra
        response = client.post("/api/v1/applications", json=body)
        assert response.status_code < 500, (body, response.status_code)
        if response.status_code in (400, 422):
            assert response.get_json()["errors"] or response.get_json().get("detail")
        db.session.rollback()
        after = table_counts()
        if 400 <= response.status_code < 500:
            assert after == counts["now"], (body, response.status_code)
        counts["now"] = after

    post()
    # Not JSON at all
    assert client.post("/api/v1/applications", data=b"\xff\xfe{", content_type="application/json").status_code == 400


def test_markup_is_escaped_on_the_review_and_status_pages(client, factory, cohort):
    admin = factory.center_admin(cohort.center)
    submitted = applications.submit(_valid(first_name=xss("first")[:100], last_name=xss("last")[:100],
                                           patronymic=xss("pat")[:100]), cohort_id=cohort.id)
    rejected = applications.submit(_valid(fin="6ABCD12"), cohort_id=cohort.id)
    applications.reject(Actor.for_user(admin), rejected.application.id, xss("reason"))
    db.session.commit()
    for token in (submitted.token, rejected.token):
        assert not leaks(client.get(f"/applications/{token}").get_data(as_text=True))
    login(client, admin.email)
    page = client.get(f"/center/cohorts/{cohort.id}/applications")
    assert page.status_code == 200 and "&lt;script&gt;alert" in page.get_data(as_text=True)
    assert not leaks(page.get_data(as_text=True))


def test_sql_looking_text_is_data(client, cohort):
    response = client.post("/api/v1/applications",
                           json={**_valid(consent=True), "cohort_id": cohort.id, "last_name": "O'Brien'); DROP TABLE x;--"})
    assert response.status_code == 201
    assert db.session.scalar(select(Application.last_name)) == "O'Brien'); DROP TABLE x;--"
    listed = client.get(f"/catalog/cohorts/{cohort.id}' OR '1'='1/apply")
    assert listed.status_code == 404
