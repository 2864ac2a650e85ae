"""Migrations: upgrade from empty, downgrade to empty and back, and no drift between the models
and the migrated schema — on SQLite and on PostgreSQL (whichever the suite runs on)."""
from __future__ import annotations

import secrets
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from talent import create_app
from talent.db import include_in_autogenerate
from talent.extensions import db
from tests.conftest import PG_URL, _normalise_pg


@contextmanager
def scratch_app(test_env, tmp_path):
    """An app on a brand-new empty database of the suite's kind."""
    if PG_URL:
        server = make_url(_normalise_pg(PG_URL))
        name = f"talent_mig_{secrets.token_hex(4)}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'scratch.db'}"
    app = create_app(env={**test_env, "TALENT_DATABASE_URL": url})
    try:
        with app.app_context():
            yield app
            db.session.remove()
            db.engine.dispose()
    finally:
        if PG_URL:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()


def _tables():
    return set(inspect(db.engine).get_table_names()) - {"alembic_version"}


@pytest.mark.no_db
def test_upgrade_downgrade_upgrade(test_env, tmp_path):
    with scratch_app(test_env, tmp_path):
        upgrade()
        assert _tables() == set(db.metadata.tables)
        downgrade(revision="base")
        assert _tables() == set()
        upgrade()
        assert _tables() == set(db.metadata.tables)


@pytest.mark.no_db
def test_autogenerate_finds_no_drift(test_env, tmp_path):
    with scratch_app(test_env, tmp_path):
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "include_object": include_in_autogenerate})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], diff


@pytest.mark.no_db
def test_audit_trail_is_append_only_in_the_database(test_env, tmp_path):
    with scratch_app(test_env, tmp_path):
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO audit_events (at, actor_label, channel, action, entity_type) "
                              "VALUES (CURRENT_TIMESTAMP, 'x', 'cli', 'test', 'thing')"))
        for statement in ("UPDATE audit_events SET action = 'forged'", "DELETE FROM audit_events"):
            with pytest.raises(Exception, match="append-only"):
                with db.engine.begin() as conn:
                    conn.execute(text(statement))
