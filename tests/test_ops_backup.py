"""`talent backup` / `talent restore`: a round trip on the suite's database (SQLite or PostgreSQL)
that compares the row count and a checksum of every table; refusals change nothing."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from talent import audit, create_app
from talent.audit import AuditEvent
from talent.extensions import db
from talent.ops.backup import table_fingerprints
from talent.permissions import Actor
from tests.conftest import is_postgres

# The backup reads the database from outside: its data must be committed.
pytestmark = pytest.mark.committed


def _populate(factory):
    center = factory.center()
    cohort = factory.cohort(center=center)
    for i in range(5):
        trainee = factory.trainee(first_name=f"Ad{i}", email=f"t{i}@example.az")
        factory.enrollment(trainee=trainee, cohort=cohort, attendance_pct=90, final_score=70 + i)
    factory.center_admin(center)
    audit.record(Actor.system(), "test.event", "center", center.id, details={"note": "ə ğ ı İ ö ş ç ü"})
    db.session.commit()


@pytest.fixture
def scratch(app, tmp_path):
    """A second, empty database of the same kind, and an app bound to it."""
    if is_postgres(app):
        server = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
        name = f"talent_restore_{os.getpid()}_{secrets.token_hex(4)}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = server.set(database=name).render_as_string(hide_password=False)
    else:
        url = f"sqlite:///{tmp_path / 'scratch.db'}"
    env = {"TALENT_ENV": "testing", "TALENT_DATABASE_URL": url,
           "TALENT_INSTANCE_PATH": str(tmp_path / "instance"), "TALENT_SECRET_KEY": "s" * 40}
    other = create_app({"REQUIRE_2FA": False}, env=env)
    yield url, other
    with other.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    if is_postgres(app):
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _fingerprints(url):
    engine = create_engine(url)
    try:
        return table_fingerprints(engine)
    finally:
        engine.dispose()


def _without_ops_events(prints, url):
    """The restore writes one ``ops.restore`` audit event afterwards; compare the rest exactly."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            extra = conn.execute(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)).scalar()
    finally:
        engine.dispose()
    assert extra == "ops.restore"
    prints = dict(prints)
    count, _digest = prints.pop("audit_events")
    return prints, count


def test_backup_and_restore_round_trip_is_exact(app, factory, scratch, tmp_path):
    _populate(factory)
    source_url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = _fingerprints(source_url)
    assert before["trainees"][0] == 5 and before["enrollments"][0] == 5
    file = tmp_path / "talent.backup"

    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 0, result.output
    assert file.is_file() and "tables" in result.output
    # The backup itself is audited (after the dump, so not inside it).
    assert db.session.scalar(select(AuditEvent.action).order_by(AuditEvent.id.desc()).limit(1)) == "ops.backup"

    scratch_url, other = scratch
    with other.app_context():  # (the CLI runs in the current app context if there is one)
        refused = other.test_cli_runner().invoke(args=["restore", str(file)])
    assert refused.exit_code == 1 and "--yes" in refused.output
    assert _fingerprints(scratch_url) == {}  # nothing happened

    with other.app_context():
        restored = other.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert restored.exit_code == 0, restored.output
    after, audit_count = _without_ops_events(_fingerprints(scratch_url), scratch_url)
    expected = dict(before)
    assert audit_count == expected.pop("audit_events")[0] + 1
    assert after == expected
    assert set(before) >= {"trainees", "users", "alembic_version", "audit_events"}


def test_restore_in_place_undoes_later_changes(app, factory, tmp_path):
    _populate(factory)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    file = tmp_path / "before.backup"
    assert app.test_cli_runner().invoke(args=["backup", str(file)]).exit_code == 0
    before = _fingerprints(url)
    factory.trainee(first_name="Later")
    db.session.commit()
    assert _fingerprints(url)["trainees"][0] == 6

    db.session.remove()
    result = app.test_cli_runner().invoke(args=["restore", str(file), "--yes"])
    assert result.exit_code == 0, result.output
    after = _fingerprints(url)
    for name in before:
        if name != "audit_events":
            assert after[name] == before[name], name
    # The restored database is usable: new rows get fresh ids (sequences came back too).
    factory.trainee(first_name="AfterRestore")
    db.session.commit()


def test_backup_refuses_to_overwrite_without_force(app, tmp_path):
    file = tmp_path / "exists.backup"
    file.write_text("keep me")
    result = app.test_cli_runner().invoke(args=["backup", str(file)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert file.read_text() == "keep me"
    forced = app.test_cli_runner().invoke(args=["backup", str(file), "--force"])
    assert forced.exit_code == 0, forced.output
    assert file.read_bytes() != b"keep me"


def test_backup_into_missing_folder_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "nope" / "x.backup")])
    assert result.exit_code == 1 and "does not exist" in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("content", [b"", b"not a backup at all", b"SQLite format 3\x00" + b"\x00" * 200,
                                     b"PGDMP" + b"\x00" * 200])
def test_restore_of_a_bad_file_changes_nothing(app, factory, tmp_path, content):
    _populate(factory)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = _fingerprints(url)
    bad = tmp_path / "bad.backup"
    bad.write_bytes(content)
    result = app.test_cli_runner().invoke(args=["restore", str(bad), "--yes"])
    assert result.exit_code == 1, result.output
    assert "Error:" in result.output and "Traceback" not in result.output
    assert _fingerprints(url) == before


def test_restore_of_a_missing_file_is_a_clear_error(app, tmp_path):
    result = app.test_cli_runner().invoke(args=["restore", str(tmp_path / "missing.backup"), "--yes"])
    assert result.exit_code == 1 and "does not exist" in result.output


def test_fingerprint_sees_a_changed_value(app, factory):
    _populate(factory)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    before = _fingerprints(url)
    from talent.people.models import Trainee
    trainee = db.session.scalars(select(Trainee)).first()
    trainee.first_name = "Changed"
    db.session.commit()
    after = _fingerprints(url)
    assert after["trainees"][0] == before["trainees"][0]
    assert after["trainees"][1] != before["trainees"][1]
