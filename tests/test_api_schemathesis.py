"""Schemathesis against the OpenAPI document, on the WSGI test app: generated requests, valid and
invalid, to every operation find no server error and no answer outside the document (status,
content type, headers, body schema). Bounded so it runs in well under a minute."""
from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.generation import GenerationMode

from talent.extensions import db
from tests.api_helpers import token_for

EXAMPLES = {GenerationMode.POSITIVE: 6, GenerationMode.NEGATIVE: 4}
# A schema cannot say which ids exist or which FINs are taken: schema-valid requests that name an
# unknown region, course or trainee are rightly answered 422 (or 404/409), so that one check is
# left out. Every other default check runs (no server error, status, content type, headers, body
# schema, negative data rejected, ...).
EXCLUDED = [positive_data_acceptance]


@pytest.fixture
def prepared(app, factory, monkeypatch):
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "100000 per minute")
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "100000 per minute")
    center = factory.center()
    factory.cohort(center=center)
    user = factory.user("admin")
    db.session.commit()
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app), token_for(user, "schemathesis")


def _operations(schema):
    for result in schema.get_all_operations():
        operation = result.ok()
        if operation.path != "/docs":  # the HTML page: nothing to generate
            yield operation


@pytest.mark.parametrize("mode", list(EXAMPLES), ids=lambda m: m.value)
def test_api_conforms_to_its_document(prepared, mode):
    schema, token = prepared
    headers = {"Authorization": f"Bearer {token}"}
    failures = []
    for operation in _operations(schema):
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            case.call_and_validate(headers=headers, excluded_checks=EXCLUDED)
        try:
            run()
        except BaseException as error:  # noqa: B036  # collect every operation's failure, then report them all
            failures.append(f"{operation.label}: {str(error)[:1500]}")
    assert not failures, "\n\n".join(failures)
