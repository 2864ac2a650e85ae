"""Backup and restore of the whole database.

- PostgreSQL: ``pg_dump --format=custom`` and ``pg_restore --clean --if-exists --single-transaction``
  (all or nothing), with the connection taken from the database URL (the password goes through
  ``PGPASSWORD``, never the command line).
- SQLite: the SQLite online backup API, in both directions (a consistent copy even while the app
  is serving).

A backup is written to a temporary file beside the target and renamed into place, so a failed
backup never leaves a half-written file. A restore checks the file first (``pg_restore --list`` /
``PRAGMA integrity_check`` plus the Alembic version table) and changes nothing if it is not a
usable backup.

``table_fingerprints`` gives the row count and a SHA-256 of every table's rows (in primary-key
order), used to prove a round trip is exact.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import MetaData, create_engine, func, inspect, select, table, text
from sqlalchemy.engine import URL, Engine, make_url

from talent.errors import Conflict, ValidationError

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    backend: str
    size: int
    tables: int
    rows: int
    revision: str | None


class BackupFailed(Conflict):
    """The backup or restore tool failed; nothing was changed."""
    code = "backup_failed"


def _url(url: str | URL) -> URL:
    parsed = make_url(url) if isinstance(url, str) else url
    if parsed.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ValidationError(f"Unsupported database for backup: {parsed.get_backend_name()}")
    return parsed


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise ValidationError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _pg_env_args(url: URL) -> tuple[dict[str, str], list[str]]:
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = ["--host", url.host or "127.0.0.1", "--port", str(url.port or 5432)]
    if url.username:
        args += ["--username", url.username]
    env["PGCONNECT_TIMEOUT"] = env.get("PGCONNECT_TIMEOUT", "10")
    return env, args


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupFailed(f"{name} is not installed; install the PostgreSQL client tools.")
    return path


def _run(cmd: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    result = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupFailed(f"{Path(cmd[0]).name} failed: " + (detail[-1] if detail else f"exit {result.returncode}"))
    return result


def _summary(url: URL, path: Path) -> BackupInfo:
    engine = create_engine(url)
    try:
        counts = table_row_counts(engine)
        revision = _revision(engine)
    finally:
        engine.dispose()
    return BackupInfo(path=path, backend=url.get_backend_name(), size=path.stat().st_size,
                      tables=len(counts), rows=sum(counts.values()), revision=revision)


# ---- backup ----------------------------------------------------------------------------------

def backup_database(url: str | URL, target: str | Path, *, overwrite: bool = False) -> BackupInfo:
    """Write a complete, consistent backup of the database at ``url`` to ``target``."""
    url = _url(url)
    target = Path(target).resolve()
    if target.exists() and not overwrite:
        raise Conflict(f"{target} already exists; choose another file name.")
    if not target.parent.is_dir():
        raise ValidationError(f"The folder {target.parent} does not exist.")
    tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
    try:
        if url.get_backend_name() == "sqlite":
            source_path = _sqlite_path(url)
            if not source_path.exists():
                raise ValidationError(f"The database file {source_path} does not exist.")
            source = sqlite3.connect(f"file:{source_path}?mode=ro", uri=True)
            dest = sqlite3.connect(tmp)
            try:
                source.backup(dest)
            finally:
                dest.close()
                source.close()
        else:
            env, args = _pg_env_args(url)
            _run([_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", *args,
                  "--file", str(tmp), url.database or "postgres"], env)
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            tmp.unlink()
    return _summary(url, target) if url.get_backend_name() == "postgresql" else \
        _summary(make_url(f"sqlite:///{target}"), target)


# ---- restore ---------------------------------------------------------------------------------

def check_backup_file(source: str | Path, backend: str) -> None:
    """Refuse a file that is not a usable backup for ``backend`` (nothing is changed)."""
    source = Path(source)
    if not source.is_file():
        raise ValidationError(f"{source} does not exist or is not a file.")
    with source.open("rb") as handle:
        head = handle.read(16)
    if backend == "sqlite":
        if head != SQLITE_MAGIC:
            raise ValidationError(f"{source} is not an SQLite backup.")
        conn = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            if conn.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise ValidationError(f"{source} is damaged (SQLite integrity check failed).")
            if conn.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
                            ).fetchone() is None:
                raise ValidationError(f"{source} is not a backup of this application (no schema version).")
        except sqlite3.DatabaseError as error:
            raise ValidationError(f"{source} is not a readable SQLite database: {error}") from None
        finally:
            conn.close()
    else:
        if not head.startswith(PG_MAGIC):
            raise ValidationError(f"{source} is not a pg_dump custom-format backup.")
        listing = _run([_tool("pg_restore"), "--list", str(source)], dict(os.environ)).stdout
        if "alembic_version" not in listing:
            raise ValidationError(f"{source} is not a backup of this application (no schema version).")


def restore_database(url: str | URL, source: str | Path) -> BackupInfo:
    """Replace the whole content of the database at ``url`` with the backup ``source``, all or
    nothing. Close the application's connections first (the CLI disposes its engine)."""
    url = _url(url)
    source = Path(source).resolve()
    backend = url.get_backend_name()
    check_backup_file(source, backend)
    if backend == "sqlite":
        target = _sqlite_path(url)
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        dest = sqlite3.connect(target, timeout=30)
        try:
            src.backup(dest)  # page by page into the live file, under its write lock
        except sqlite3.OperationalError as error:
            raise BackupFailed(f"Could not write {target}: {error}") from None
        finally:
            dest.close()
            src.close()
    else:
        env, args = _pg_env_args(url)
        _run([_tool("pg_restore"), "--clean", "--if-exists", "--no-owner", "--no-privileges",
              "--single-transaction", "--exit-on-error", *args, "--dbname", url.database or "postgres",
              str(source)], env)
    return _summary(url, source)


# ---- verification ----------------------------------------------------------------------------

def _tables(engine: Engine) -> list[str]:
    return sorted(inspect(engine).get_table_names())


def _revision(engine: Engine) -> str | None:
    if "alembic_version" not in _tables(engine):
        return None
    with engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def table_row_counts(engine: Engine) -> dict[str, int]:
    counts = {}
    with engine.connect() as conn:
        for name in _tables(engine):
            counts[name] = conn.execute(select(func.count()).select_from(table(name))).scalar_one()
    return counts


def table_fingerprints(engine: Engine) -> dict[str, tuple[int, str]]:
    """For every table: (row count, SHA-256 over its rows in primary-key order)."""
    metadata = MetaData()
    metadata.reflect(engine)
    result = {}
    with engine.connect() as conn:
        for name in sorted(metadata.tables):
            tbl = metadata.tables[name]
            order = list(tbl.primary_key.columns) or list(tbl.columns)
            digest = hashlib.sha256()
            count = 0
            for row in conn.execute(select(tbl).order_by(*order)):
                digest.update(repr(tuple(row)).encode())
                digest.update(b"\n")
                count += 1
            result[name] = (count, digest.hexdigest())
    return result
