"""Shared plumbing for the benchmarks: scratch databases seeded with the demo, the environment the
app runs with, timing helpers and a plain-text table printer.

A scratch database is named after its size (PostgreSQL ``talent_bench_<n>``; SQLite
``<workdir>/talent_bench_<n>.db``). ``prepare_database`` migrates it and runs
``talent seed demo --trainees N`` through the real console script, unless ``reuse`` is set and the
database already holds a finished demo load (a marker row count is checked, not assumed).
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("TALENT_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
SQLITE_DIR = Path(os.environ.get("TALENT_BENCH_DIR") or Path(tempfile.gettempdir()) / "talent-bench")
SECRET = "bench-secret-" + "x" * 40
# Name of the scratch PostgreSQL databases (talent_bench_<size>): another prefix keeps two checkouts
# benchmarking on one server from dropping each other's database.
PG_PREFIX = os.environ.get("TALENT_BENCH_PG_PREFIX", "talent_bench")


@dataclass
class Target:
    """One scratch database: its kind, size, SQLAlchemy URL and instance folder."""
    kind: str  # "postgresql" | "sqlite"
    size: int
    url: str
    instance: Path

    @property
    def name(self) -> str:
        return f"{PG_PREFIX}_{self.size}"

    def libpq_dsn(self) -> str:
        """The URL psycopg accepts (no ``+psycopg`` driver suffix)."""
        return self.url.replace("postgresql+psycopg://", "postgresql://", 1)

    def sqlite_path(self) -> str:
        return self.url[len("sqlite:///"):]


def target(kind: str, size: int) -> Target:
    instance = SQLITE_DIR / f"instance_{kind}_{size}"
    instance.mkdir(parents=True, exist_ok=True)
    if kind == "postgresql":
        base = PG_SERVER.rsplit("/", 1)[0]
        return Target(kind, size, f"{base}/{PG_PREFIX}_{size}", instance)
    if kind == "sqlite":
        return Target(kind, size, f"sqlite:///{SQLITE_DIR / f'talent_bench_{size}.db'}", instance)
    raise SystemExit(f"unknown database kind {kind!r} (postgresql or sqlite)")


def app_env(t: Target, **extra: str) -> dict[str, str]:
    """The environment the app (CLI, gunicorn, in-process) runs with against ``t``."""
    env = dict(os.environ)
    env.update({
        "TALENT_ENV": "development",
        "TALENT_DATABASE_URL": t.url,
        "TALENT_INSTANCE_PATH": str(t.instance),
        "TALENT_SECRET_KEY": SECRET,
        "TALENT_REQUIRE_2FA": "false",
        "TALENT_RATELIMIT": "false",
        "TALENT_MAIL_SENDER": "log",
    })
    env.update(extra)
    return env


def _pg_admin():
    import psycopg
    base = PG_SERVER.replace("postgresql+psycopg://", "postgresql://", 1)
    return psycopg.connect(base, autocommit=True)


def database_exists(t: Target) -> bool:
    if t.kind == "sqlite":
        return Path(t.sqlite_path()).exists()
    with _pg_admin() as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (t.name,)).fetchone() is not None


def drop_database(t: Target) -> None:
    if t.kind == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(t.sqlite_path() + suffix).unlink(missing_ok=True)
        return
    with _pg_admin() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{t.name}" WITH (FORCE)')


def create_database(t: Target) -> None:
    if t.kind == "sqlite":
        Path(t.sqlite_path()).parent.mkdir(parents=True, exist_ok=True)
        return
    with _pg_admin() as conn:
        conn.execute(f'CREATE DATABASE "{t.name}"')


def trainee_count(t: Target) -> int | None:
    """Trainees in a finished demo load (the demo logins are the last thing it writes), else None."""
    sql_users = "SELECT count(*) FROM users WHERE email = 'trainee@talent.az'"
    sql_trainees = "SELECT count(*) FROM trainees"
    try:
        if t.kind == "sqlite":
            import sqlite3
            conn = sqlite3.connect(t.sqlite_path())
            try:
                if not conn.execute(sql_users).fetchone()[0]:
                    return None
                return conn.execute(sql_trainees).fetchone()[0]
            finally:
                conn.close()
        import psycopg
        with psycopg.connect(t.libpq_dsn()) as conn:
            if not conn.execute(sql_users).fetchone()[0]:
                return None
            return conn.execute(sql_trainees).fetchone()[0]
    except Exception:
        return None


def talent(t: Target, *args: str, **env_extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "talent"), *args], env=app_env(t, **env_extra), cwd=ROOT,
                          check=True, capture_output=True, text=True)


def prepare_database(t: Target, reuse: bool, log: Callable[[str], None] = print) -> float | None:
    """Make ``t`` hold a migrated demo of ``t.size`` trainees. Returns the seeding time in seconds,
    or None when an existing load was reused."""
    if reuse and database_exists(t) and trainee_count(t) is not None:
        log(f"  reusing {t.name} ({trainee_count(t):,} trainees)")
        talent(t, "db", "upgrade")  # a no-op unless new revisions arrived
        # A load made before the report summary existed: count it once (seconds at 1M).
        log("  " + talent(t, "reports", "rebuild-summary", "--if-missing").stdout.strip())
        return None
    drop_database(t)
    create_database(t)
    log(f"  {t.name}: migrating and seeding {t.size:,} trainees ...")
    talent(t, "db", "upgrade")
    started = time.perf_counter()
    talent(t, "seed", "demo", "--trainees", str(t.size))
    elapsed = time.perf_counter() - started
    if t.kind == "postgresql":
        import psycopg
        with psycopg.connect(t.libpq_dsn(), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE")
    else:
        import sqlite3
        conn = sqlite3.connect(t.sqlite_path())
        conn.execute("ANALYZE")
        conn.close()
    log(f"  seeded in {elapsed:.1f} s")
    return elapsed


def median_ms(fn: Callable[[], object], repeat: int = 5, warmup: int = 1) -> float:
    """Median wall time of ``fn`` in milliseconds, after ``warmup`` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def print_table(headers: Sequence[str], rows: Iterable[Sequence[object]], out=sys.stdout) -> str:
    """A GitHub-flavoured Markdown table (readable in a terminal, pasteable into docs)."""
    rows = [[_cell(v) for v in row] for row in rows]
    widths = [max(len(str(h)), *(len(r[i]) for r in rows)) if rows else len(str(h))
              for i, h in enumerate(headers)]
    lines = ["| " + " | ".join(str(h).ljust(w) for h, w in zip(headers, widths)) + " |",
             "| " + " | ".join("-" * w for w in widths) + " |"]
    for row in rows:
        lines.append("| " + " | ".join(c.rjust(w) if _numeric(c) else c.ljust(w)
                                       for c, w in zip(row, widths)) + " |")
    text = "\n".join(lines)
    print(text, file=out, flush=True)
    return text


def _cell(value: object) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 10 else f"{value:.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def _numeric(text: str) -> bool:
    return bool(text) and text.replace(",", "").replace(".", "").replace("x", "").replace("-", "").isdigit()


def machine() -> str:
    """nproc, memory, CPU model, PostgreSQL server version: the figures' context."""
    parts = [f"{os.cpu_count()} CPU"]
    try:
        meminfo = Path("/proc/meminfo").read_text().splitlines()
        total_kb = int(next(line for line in meminfo if line.startswith("MemTotal")).split()[1])
        parts.append(f"{total_kb / 1024 / 1024:.0f} GB RAM")
        model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), None)
        if model:
            parts.append(model)
    except (OSError, StopIteration):
        pass
    try:
        with _pg_admin() as conn:
            parts.append("PostgreSQL " + conn.execute("SHOW server_version").fetchone()[0])
    except Exception:
        pass
    import sqlite3
    parts.append(f"SQLite {sqlite3.sqlite_version}")
    parts.append(f"Python {sys.version.split()[0]}")
    parts.append(f"load average {load_average()}")
    return ", ".join(parts)


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every figure (2 CPUs here)."""
    try:
        return f"{os.getloadavg()[0]:.1f}"
    except OSError:
        return "unknown"
