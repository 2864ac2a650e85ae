"""Reports read from a second database when TALENT_REPORTS_DATABASE_URL is set (a read replica in
production). The replica here is a copy of the primary taken before more enrollments are added to
the primary, so the two disagree and the figures show which one a page read."""
from __future__ import annotations

import csv
import io
import sqlite3
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from talent import create_app
from talent.extensions import db
from tests.conftest import is_postgres
from tests.factories import PASSWORD

# The replica database is copied from the primary: its data must be committed.
pytestmark = pytest.mark.committed

ON_REPLICA, ADDED_ON_PRIMARY = 7, 6


def _enroll(factory, cohort, n):
    at = datetime.now(timezone.utc) - timedelta(hours=1)
    for _ in range(n):
        factory.enrollment(cohort=cohort, enrolled_at=at)


def _copy_database(app, tmp_path) -> str:
    """A copy of the primary as it is now; returns its URL."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    db.session.remove()
    db.engine.dispose()  # CREATE DATABASE ... TEMPLATE needs the source without connections
    if not is_postgres(app):
        target = tmp_path / "replica.db"
        source = sqlite3.connect(make_url(url).database)
        copy = sqlite3.connect(target)
        with copy:
            source.backup(copy)
        source.close()
        copy.close()
        return f"sqlite:///{target}"
    primary = make_url(url)
    name = f"{primary.database}_replica"
    admin = create_engine(primary.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{primary.database}"'))
    admin.dispose()
    return primary.set(database=name).render_as_string(hide_password=False)


def _drop_copy(url: str) -> None:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        Path(parsed.database).unlink(missing_ok=True)
        return
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{parsed.database}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def replica(app, factory, test_env, tmp_path):
    """A ministry user, a Baku cohort with 7 enrollments this year copied to the replica, then 6
    more on the primary only. Yields (app reading reports from the replica, its client)."""
    center = factory.center(region="BAKU")
    cohort = factory.cohort(center=center, capacity=100,
                            start_date=datetime.now(timezone.utc).date() - timedelta(days=10))
    _enroll(factory, cohort, ON_REPLICA)
    ministry = factory.user("ministry")
    db.session.commit()
    email, cohort_id = ministry.email, cohort.id
    url = _copy_database(app, tmp_path)
    try:
        from talent.learning.models import Cohort
        _enroll(factory, db.session.get(Cohort, cohort_id), ADDED_ON_PRIMARY)
        db.session.commit()
        replica_app = create_app({"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "REQUIRE_2FA": False},
                                 env={**test_env, "TALENT_REPORTS_DATABASE_URL": url})
        client = replica_app.test_client()
        response = client.post("/login", data={"email": email, "password": PASSWORD})
        assert response.status_code == 302
        yield replica_app, client
        with replica_app.app_context():
            db.session.remove()
            for engine in db.engines.values():
                engine.dispose()
    finally:
        _drop_copy(url)


def _baku_enrolled(client) -> int:
    response = client.get("/ministry/export/regions.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True).lstrip("\ufeff")
    # ";" for an az/ru reader, "," for en (talent.exports.csv_delimiter)
    rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ","))
    from sqlalchemy import select
    from talent.geo.models import Region
    from talent.reporting.reports import MAIN_COLUMNS
    region = db.session.scalars(select(Region).where(Region.code == "BAKU")).one()
    names = {region.name_az, region.name_en, region.name_ru}
    column = 1 + MAIN_COLUMNS.index("enrolled")  # the first column is the region (any language)
    baku = next(r for r in rows if r and r[0] in names)
    return int(baku[column])


def test_settings_give_the_reports_bind(app, test_env):
    other = create_app({"SERVER_NAME": "localhost"}, env={**test_env, "TALENT_REPORTS_DATABASE_URL": "sqlite:///x.db"})
    assert other.config["REPORTS_DATABASE_URL"] == "sqlite:///x.db"
    assert other.config["SQLALCHEMY_BINDS"] == {"reports": "sqlite:///x.db"}
    assert not app.config["REPORTS_DATABASE_URL"]


def test_report_pages_read_the_second_database(replica, client, factory, login_as, app, monkeypatch):
    replica_app, replica_client = replica
    # Which database answers is told by the exact counts: the threshold method publishes them
    # unperturbed (13 and 7 are above k); the cell-key method is tested in test_disclosure_attacks.
    for application in (app, replica_app):
        monkeypatch.setitem(application.config, "DISCLOSURE_METHOD", "threshold")
    # The primary holds 13 enrollments, the replica 7: the app without a replica shows 13 ...
    login_as(factory.user("ministry"))
    db.session.commit()
    assert _baku_enrolled(client) == ON_REPLICA + ADDED_ON_PRIMARY
    # ... the app with TALENT_REPORTS_DATABASE_URL shows the replica's 7.
    with replica_app.app_context():
        reports_engine = db.engines["reports"]
    seen: list[str] = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)
    event.listen(reports_engine, "before_cursor_execute", record)
    try:
        assert _baku_enrolled(replica_client) == ON_REPLICA
        for path in ("/ministry/", "/ministry/regions", "/ministry/fairness", "/ministry/trends",
                     "/ministry/mobility"):
            before = len(seen)
            response = replica_client.get(path)
            assert response.status_code == 200, path
            assert len(seen) > before, f"{path} sent no query to the reports database"
    finally:
        event.remove(reports_engine, "before_cursor_execute", record)
    # The figures come from the replica's enrollments or from its report summary tables.
    assert any("enrollments" in s or "report_group_" in s or "report_cohort_" in s for s in seen)


def test_writes_stay_on_the_primary(replica):
    """The export is audited: the audit event lands on the primary, never on the replica."""
    replica_app, replica_client = replica
    from talent.audit import AuditEvent
    from sqlalchemy import func, select
    assert replica_client.get("/ministry/export/regions.csv").status_code == 200
    with replica_app.app_context():
        primary = db.session.scalar(select(func.count()).select_from(AuditEvent)
                                    .where(AuditEvent.action == "report.export"))
        with db.engines["reports"].connect() as conn:
            on_replica = conn.execute(select(func.count()).select_from(AuditEvent)
                                      .where(AuditEvent.action == "report.export")).scalar()
    assert primary == 1 and on_replica == 0
