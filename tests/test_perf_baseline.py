"""The load test's baseline route exists only in benchmark mode and does one primary-key read."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from talent import create_app
from talent.config import load_config
from talent.extensions import db
from talent.geo.models import Region

# A second app (its own engine) reads the data: committed for real.
pytestmark = pytest.mark.committed


def _bench_app(test_env):
    app = create_app({"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "REQUIRE_2FA": False},
                     env={**test_env, "TALENT_BENCHMARK_ROUTES": "true"})
    assert app.config["BENCHMARK_ROUTES"] is True
    return app


def test_config_key_defaults_off_and_reads_env():
    assert load_config({"TALENT_ENV": "testing", "TALENT_SECRET_KEY": "x" * 40})["BENCHMARK_ROUTES"] is False
    assert load_config({"TALENT_ENV": "testing", "TALENT_SECRET_KEY": "x" * 40,
                        "TALENT_BENCHMARK_ROUTES": "true"})["BENCHMARK_ROUTES"] is True


def test_baseline_not_registered_by_default(client):
    assert client.get("/bench/baseline/1").status_code == 404
    assert "bench.baseline" not in client.application.view_functions


def test_baseline_reads_one_row_by_primary_key(test_env):
    region = db.session.scalars(select(Region).where(Region.code == "BAKU")).one()
    app = _bench_app(test_env)
    client = app.test_client()
    statements = []
    from sqlalchemy import event

    def record(conn, cursor, statement, *args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        response = client.get(f"/bench/baseline/{region.id}")
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 200
    assert "BAKU" in response.get_data(as_text=True)
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "regions" in selects[0]
    assert client.get("/bench/baseline/999999").status_code == 404
    with app.app_context():
        for e in db.engines.values():
            e.dispose()
