"""The suite's own isolation (tests/conftest.py): each test runs in one transaction on one
connection, which only the test's thread may use. CI of 2026-12-06 failed once because the embedded
scheduler, started by an earlier test's production-mode app, kept running and put its rounds on the
next tests' connection through ``db.session`` ("nested transaction already deassociated")."""
from __future__ import annotations

import threading

from sqlalchemy import text

from talent.extensions import db
from talent.notifications import events
from tests.security_helpers import production_app


def test_another_thread_never_joins_the_tests_connection(app):
    ours = db.session.connection()
    seen = {}

    def other():
        with app.app_context():
            try:
                seen["same"] = db.session.connection().connection.dbapi_connection is ours.connection.dbapi_connection
                seen["one"] = db.session.scalar(text("SELECT 1"))
            finally:
                db.session.remove()

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(10)
    assert seen == {"same": False, "one": 1}
    assert db.session.connection() is ours          # the test's own session still joins its connection


def test_a_production_apps_scheduler_stops_with_the_test_that_started_it(tmp_path):
    prod = production_app(tmp_path)
    assert events.embedded_scheduler_wanted(prod)    # production config: on, no broker
    prod.test_client().get("/healthz")
    assert events.embedded_scheduler_running()       # stopped by the suite after this test


def test_no_scheduler_runs_at_the_start_of_a_test():
    assert not events.embedded_scheduler_running()
