"""Error pages: generic, with an incident id that the log also holds (ASVS V7.4.1); no personal
data (FIN) in logs (V7.1.1, V8.3.5); the database unreachable is a 503 page, not a traceback."""
from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy.exc import OperationalError

from talent.extensions import db
from talent.people.models import Trainee
from tests.factories import PASSWORD
from tests.security_helpers import app_with_routes

SECRET_DETAIL = "secret-internal-detail-42"


def _boom():
    raise RuntimeError(SECRET_DETAIL)


def _db_down():
    raise OperationalError("SELECT 1", {}, ConnectionRefusedError("connection refused"))


def _duplicate_fin():
    """An unexpected database error whose SQL parameters hold a FIN."""
    existing = db.session.scalars(db.select(Trainee)).first()
    clone = Trainee(fin=existing.fin, first_name="X", last_name="Y", search_name="y x",
                    birth_date=existing.birth_date, gender="F", home_region_id=existing.home_region_id)
    db.session.add(clone)
    db.session.flush()
    return "unreachable"


ROUTES = {"/_test/boom": _boom, "/api/v1/_test/boom": _boom, "/_test/db-down": _db_down,
          "/_test/duplicate-fin": _duplicate_fin}


@pytest.fixture(autouse=True)
def _talent_loggers_on():
    """Alembic's fileConfig (run by the suite's migration) disables loggers that existed before it;
    a real server never runs migrations in-process, so switch ours back on as they would be."""
    for name, logger in list(logging.root.manager.loggerDict.items()):
        if name.startswith("talent") and isinstance(logger, logging.Logger):
            logger.disabled = False


@pytest.fixture
def test_app(test_env):
    return app_with_routes(test_env, ROUTES)


def _incident(html: str) -> str:
    match = re.search(r"\b([0-9a-f]{12})\b", html)
    assert match, html
    return match.group(1)


def test_unexpected_error_page_is_generic_with_incident_id_in_log(test_app, caplog):
    caplog.set_level(logging.INFO)
    response = test_app.test_client().get("/_test/boom")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert SECRET_DETAIL not in html and "Traceback" not in html and "RuntimeError" not in html
    incident = _incident(html.split("<main", 1)[1])
    assert incident in caplog.text
    assert SECRET_DETAIL in caplog.text  # the log has what support needs to find the cause


def test_unexpected_api_error_is_problem_json_with_incident(test_app, caplog):
    caplog.set_level(logging.INFO)
    response = test_app.test_client().get("/api/v1/_test/boom")
    assert response.status_code == 500
    body = response.get_json()
    assert body["incident"] and body["incident"] in caplog.text
    assert SECRET_DETAIL not in response.get_data(as_text=True)


def test_database_unavailable_is_503_with_incident(test_app, caplog):
    caplog.set_level(logging.INFO)
    response = test_app.test_client().get("/_test/db-down")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "connection refused" not in html
    assert _incident(html.split("<main", 1)[1]) in caplog.text


def test_not_found_and_forbidden_pages_reveal_nothing(client):
    response = client.get("/no/such/page?x=<script>")
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


def test_fin_never_reaches_the_log(test_app, factory, caplog):
    caplog.set_level(logging.DEBUG)
    center = factory.center()
    trainee = factory.trainee(registered_by_center_id=center.id)
    user = factory.center_admin(center)
    db.session.commit()
    client = test_app.test_client()
    # A sign-in flow with a FIN typed into the wrong field, pages, and an unexpected database
    # error whose SQL parameters hold the FIN.
    client.post("/login", data={"email": trainee.fin, "password": trainee.fin})
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    client.get("/center/")
    response = client.get("/_test/duplicate-fin")
    assert response.status_code == 500
    assert caplog.text, "expected some log output"
    assert trainee.fin not in caplog.text
    assert trainee.fin not in response.get_data(as_text=True)


def test_demo_command_refuses_in_production(tmp_path):
    from tests.security_helpers import production_app
    app = production_app(tmp_path, TALENT_ALLOW_SQLITE="true",
                         TALENT_DATABASE_URL=f"sqlite:///{tmp_path / 'prod.db'}")
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed", "demo", "--trainees", "1"])
    assert result.exit_code == 1
    assert "refuses to run in production" in result.output
    assert not (tmp_path / "prod.db").exists() or (tmp_path / "prod.db").stat().st_size == 0


@pytest.mark.parametrize("raw, leaked", [
    ("(psycopg.errors.UniqueViolation) duplicate key value violates unique constraint \"uq_trainees_fin\"\n"
     "DETAIL:  Key (fin)=(5ABC12D) already exists.", "5ABC12D"),
    ("new row violates check constraint\nDETAIL:  Failing row contains (7, 1ABCDEF, Aysel, +994501234567).",
     "+994501234567"),
    ("[SQL: INSERT INTO trainees (fin, email) VALUES (?, ?)]\n[parameters: ('1ABCDEF', 'aysel@example.az')]",
     "aysel@example.az"),
    ("lookup of 9ZZ99ZZ failed", "9ZZ99ZZ"),
])
def test_redaction_of_personal_data_in_log_text(raw, leaked):
    from talent.ops.logsafety import redact
    assert leaked not in redact(raw)


def test_redaction_keeps_ordinary_text():
    from talent.ops.logsafety import redact
    text = "incident 3fa9c0d1b2e4: GET /center/trainees/42 TRAINEE INTEGER AZAI-2026-000123"
    assert redact(text) == text


def _ok():
    return "fine"


def test_a_failing_commit_at_the_end_of_a_request_is_503_with_incident(test_env, monkeypatch, caplog):
    """The request's single commit happens after the view; losing the database right then must still
    give the 503 page with an incident id, not a bare 500."""
    caplog.set_level(logging.INFO)
    app = app_with_routes(test_env, {"/_test/ok": _ok})

    def lost(*_args, **_kwargs):
        raise OperationalError("COMMIT", {}, ConnectionResetError("terminating connection"))

    monkeypatch.setattr(db.session, "commit", lost)
    response = app.test_client().get("/_test/ok")
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "terminating" not in html
    assert _incident(html.split("<main", 1)[1]) in caplog.text
    assert response.headers["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response.headers
