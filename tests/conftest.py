"""Test fixtures.

The suite runs on SQLite by default and on PostgreSQL when ``TALENT_TEST_DATABASE_URL`` names a
server (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``): a throw-away database
is created for the session and dropped at its end. The schema is built by the migrations and the
reference data loaded once; every test then runs inside a transaction rolled back at its end
(savepoints for the code's own commits), except the ``committed`` ones (see ``_clean_state``).
"""
from __future__ import annotations

import os
import secrets
import threading
import uuid
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from talent import create_app
from talent.audit import SQLITE_TRIGGER, SQLITE_TRIGGER_DROP
from talent.extensions import db, limiter
from talent.notifications import outbox
from talent.reference import load_reference
from talent.reporting import summary

PG_URL = os.environ.get("TALENT_TEST_DATABASE_URL")
# "HH:MM" (UTC): the whole session runs with the clock moved to that time of today's UTC date and
# ticking from there. CI runs the suite once more at 23:30 UTC, when Baku (UTC+4) is already on the
# next day, so a test or a code path that takes the host's date instead of the app's cannot return.
FROZEN_CLOCK = os.environ.get("TALENT_TEST_FROZEN_CLOCK")
REDIS_URL = os.environ.get("TALENT_TEST_REDIS_URL")


def _normalise_pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@pytest.fixture(scope="session", autouse=True)
def _frozen_clock():
    if not FROZEN_CLOCK:
        yield None
        return
    import time_machine
    from datetime import datetime, time as dtime, timezone as dtz
    hours, minutes = (int(part) for part in FROZEN_CLOCK.split(":"))
    start = datetime.combine(datetime.now(dtz.utc).date(), dtime(hours, minutes), tzinfo=dtz.utc)
    with time_machine.travel(start, tick=True):
        yield start


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    if not PG_URL:
        path = tmp_path_factory.mktemp("db") / "talent-test.db"
        yield f"sqlite:///{path}"
        return
    server = make_url(_normalise_pg(PG_URL))
    name = f"talent_test_{os.getpid()}_{secrets.token_hex(4)}"
    admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


@pytest.fixture(scope="session")
def test_env(database_url, tmp_path_factory):
    instance = tmp_path_factory.mktemp("instance")
    return {
        "TALENT_ENV": "testing",
        "TALENT_DATABASE_URL": database_url,
        "TALENT_INSTANCE_PATH": str(instance),
        "TALENT_SECRET_KEY": "test-secret-key-" + "x" * 32,
        "TALENT_RATELIMIT_STORAGE": REDIS_URL or "memory://",
        "TALENT_PUBLIC_URL": "http://localhost",
    }


class IsolatedClient(FlaskClient):
    """Tests hold an app context, which requests then share; clear what Flask-Login and the
    actor cache keep on ``g`` so each request (and each client) starts as a real one would."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Assertions read English text; tests of other languages pass their own header or switch.
        self.environ_base.setdefault("HTTP_ACCEPT_LANGUAGE", "en")

    def open(self, *args, **kwargs):
        from flask import g, has_app_context
        if has_app_context():
            for name in ("_login_user", "_actor", "_flask_babel"):
                g.pop(name, None)
        response = super().open(*args, **kwargs)
        if response.is_streamed:
            # A streamed download is read to its end here, so a body that breaks after its first
            # lines fails the test that requested it even when the test only looks at the status.
            response.get_data()
        return response


@pytest.fixture(scope="session")
def app(test_env):
    from flask_migrate import upgrade
    from talent.accounts.passwords import use_fast_hashing_for_tests

    use_fast_hashing_for_tests()
    application = create_app({"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "OFFLINE_LOCALE": "en", "REQUIRE_2FA": False},
                             env=test_env)
    application.test_client_class = IsolatedClient
    with application.app_context():
        upgrade()
        db.session.commit()
    yield application
    with application.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


def _table_names():
    return [t.name for t in reversed(db.metadata.sorted_tables)]


def reset_database(app) -> None:
    db.session.remove()
    tables = _table_names()
    with db.engine.begin() as conn:
        if is_postgres(app):
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for statement in SQLITE_TRIGGER_DROP:
                conn.execute(text(statement))
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))
            conn.execute(text("DELETE FROM sqlite_sequence")) if conn.execute(
                text("SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'")).first() else None
            for statement in SQLITE_TRIGGER:
                conn.execute(text(statement))
    load_reference()
    # Empty tables: the report summary is current, so the reports read it (as on a fresh install).
    summary.mark_built_if_empty(db.session, app.config["BABEL_DEFAULT_TIMEZONE"])
    db.session.commit()


# Tests whose data must be committed and seen from other connections: threads racing each other
# (concurrency tests), a live server answering a browser or an HTTP client from its own thread, code
# that opens its own connections (DDL, engine disposal, backups). They truncate the tables after
# they ran instead of running inside the per-test transaction. A test using one of these fixtures is
# one of them without saying so.
COMMITTED_FIXTURES = {"live", "live_server"}


def _needs_committed_data(request) -> bool:
    return "committed" in request.keywords or bool(COMMITTED_FIXTURES & set(request.fixturenames))


class _JoinedSession(FlaskSession):
    """Flask-SQLAlchemy's session, every statement on the test's connection (its ``get_bind`` would
    pick the engine). Only the test's own thread joins that connection: ``db.session`` is replaced
    for the whole process, so a session another thread opens (a server thread, a background sender
    or scheduler a test started) takes its own connection from the engine, as in production,
    instead of running statements on the test's connection beside the test (a SQLite or psycopg
    connection is not shared between threads, and the savepoints would interleave)."""

    def __init__(self, db, **kwargs):
        if threading.get_ident() != _JOINED_THREAD[0]:
            kwargs.pop("bind", None)
        super().__init__(db, **kwargs)

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if bind is not None:
            return bind
        return self.bind if self.bind is not None else super().get_bind(mapper, clause=clause, **kwargs)


_JOINED_THREAD: list[int | None] = [None]


@contextmanager
def _test_transaction(app):
    """warehouse's ``db_session`` pattern: one connection, an outer transaction that is rolled back
    after the test, and a session that joins it through savepoints, so the code's own ``commit()``
    and ``rollback()`` release and roll back a savepoint while nothing ever reaches the database.
    The reference data stays committed from the session's start."""
    connection = db.engine.connect()
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # pysqlite begins its transactions itself (late, and not before a SAVEPOINT, which would then
        # commit on RELEASE): take the transaction control over for this connection, as SQLAlchemy's
        # SQLite documentation describes, and give it back before the connection returns to the pool.
        driver = connection.connection.driver_connection
        driver.isolation_level = None
    outer = connection.begin()
    if sqlite:
        connection.exec_driver_sql("BEGIN")
    else:
        _restart_sequences(connection)
    saved = db.session
    db.session = db._make_scoped_session({
        "class_": _JoinedSession, "bind": connection, "join_transaction_mode": "create_savepoint",
        "query_cls": db.Query})
    outbox.TEST_CONNECTION, outbox.TEST_THREAD = connection, threading.get_ident()
    _JOINED_THREAD[0] = threading.get_ident()
    try:
        yield
    finally:
        outbox.TEST_CONNECTION = outbox.TEST_THREAD = _JOINED_THREAD[0] = None
        db.session.remove()
        db.session = saved
        outer.rollback()
        if sqlite:
            driver.isolation_level = ""
        connection.close()


_SEQUENCES: list[tuple[str, int, bool]] = []   # PostgreSQL: each id sequence as the reference data left it


def _record_sequences(app) -> None:
    _SEQUENCES.clear()
    if is_postgres(app):
        with db.engine.connect() as conn:
            _SEQUENCES.extend((name, value or 1, value is not None) for name, value in conn.execute(text(
                "SELECT quote_ident(schemaname) || '.' || quote_ident(sequencename), last_value FROM pg_sequences")))


def _restart_sequences(connection) -> None:
    """Sequences do not roll back: set them where the reference data left them, so every test sees
    the ids a fresh database gives (the cell-key perturbation of the reports depends on them)."""
    if _SEQUENCES:
        names, values, called = (list(column) for column in zip(*_SEQUENCES))
        connection.execute(text("SELECT setval(n::regclass, v, c) FROM unnest(CAST(:n AS text[]), "
                                "CAST(:v AS bigint[]), CAST(:c AS boolean[])) AS s(n, v, c)"),
                           {"n": names, "v": values, "c": called})


@pytest.fixture(scope="session")
def _reference_loaded(app):
    """Empty tables plus the reference data, committed once for the session."""
    with app.app_context():
        reset_database(app)
        db.session.remove()
        _record_sequences(app)


def _stop_background_threads() -> None:
    """A test that served a request from an app whose configuration runs the embedded scheduler
    (a production-mode app, a scheduler test) started its thread: stop it with the test, so it
    never runs its rounds beside the tests that follow (it found their connection through
    ``db.session``, CI of 2026-12-06)."""
    from talent.notifications import events
    events.stop_embedded_scheduler()


@pytest.fixture(autouse=True)
def _clean_state(request, app):
    """Every test: an app context, the reference data and nothing else, fresh rate limits.

    Most tests run inside one transaction rolled back at their end (``_test_transaction``); the
    ``committed`` ones commit for real on freshly truncated tables, which are truncated again (and the
    reference data reloaded) after them."""
    request.addfinalizer(_stop_background_threads)
    if "no_db" in request.keywords:
        yield
        return
    request.getfixturevalue("_reference_loaded")
    with app.app_context():
        try:
            limiter.reset()
        except Exception:
            pass
        if _needs_committed_data(request):
            # Fresh tables before too: the rolled-back tests leave dead rows behind, which a test of
            # the planner's choices (tests/test_search_trainees.py) would see in its estimates.
            reset_database(app)
            try:
                yield
            finally:
                db.session.remove()
                _delete_award_renewal_chains(app)
                reset_database(app)
                db.session.remove()
            return
        with _test_transaction(app):
            yield


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def factory(app):
    from tests.factories import Factory
    return Factory()


def login(client, email: str, password: str = "a-long-test-password-1"):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    return response


@pytest.fixture
def login_as(client, factory):
    """``login_as(user)`` signs the test client in as a factory user."""
    def _login(user, password: str = "a-long-test-password-1"):
        login(client, user.email, password)
        return client
    return _login


def take_shard(items: list, shard: str) -> tuple[list, list]:
    """``shard`` "k/n": the k-th of every n items (in their order), and the others."""
    try:
        k, n = (int(part) for part in shard.split("/"))
    except ValueError:
        k = n = 0
    if not 1 <= k <= n:
        raise pytest.UsageError(f"TALENT_TEST_SHARD={shard!r}: expected k/n with 1 <= k <= n")
    return ([item for i, item in enumerate(items) if i % n == k - 1],
            [item for i, item in enumerate(items) if i % n != k - 1])


def pytest_collection_modifyitems(config, items):
    """``TALENT_TEST_SHARD=k/n``: this run takes the k-th of every n tests, in collection order
    (.ci/run spreads one run of the suite over both cores as n runs; together they run every test)."""
    shard = os.environ.get("TALENT_TEST_SHARD")
    if not shard:
        return
    kept, dropped = take_shard(items, shard)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


def pytest_configure(config):
    config.addinivalue_line("markers", "no_db: the test manages its own database (no per-test reset)")
    config.addinivalue_line("markers", "committed: the test commits for real (other connections must see its "
                                       "data); the tables are truncated after it instead of a rollback")


class QueryCounter:
    """Counts SQL statements sent to the database while active (to catch N+1 patterns)."""

    def __init__(self):
        self.statements: list[str] = []

    def __call__(self, conn, cursor, statement, parameters, context, executemany):
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """``with count_queries() as counter: ...; counter.count``"""
    from contextlib import contextmanager
    from sqlalchemy import event

    @contextmanager
    def _count():
        counter = QueryCounter()
        engine = db.engine
        event.listen(engine, "before_cursor_execute", counter)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", counter)
    return _count


def _delete_award_renewal_chains(app):
    """SQLite checks the awards' self-reference (renewal_of_id, ON DELETE RESTRICT) row by row, so
    ``reset_database`` cannot delete a renewal together with the award it renews: remove renewals
    leaves first. (PostgreSQL's TRUNCATE needs no help.)"""
    if is_postgres(app):
        return
    from sqlalchemy import delete, func, select
    from talent.credentials.models import Award
    db.session.rollback()
    while db.session.scalar(select(func.count(Award.id)).where(Award.renewal_of_id.is_not(None))):
        referenced = select(Award.renewal_of_id).where(Award.renewal_of_id.is_not(None))
        db.session.execute(delete(Award).where(Award.id.not_in(referenced)))
    db.session.commit()
