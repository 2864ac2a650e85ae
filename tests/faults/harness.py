"""Processes for the fault scripts: a private PostgreSQL cluster and gunicorn, on 127.0.0.1 ports
chosen free, started and stopped by the scripts themselves (the shared PostgreSQL server of the
machine is never restarted, so other test runs are not disturbed)."""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pg_bin_dir() -> Path | None:
    """The PostgreSQL server binaries (initdb, pg_ctl), or None."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        versions = sorted((p for p in base.iterdir() if (p / "bin" / "pg_ctl").exists()),
                          key=lambda p: int(p.name) if p.name.isdigit() else 0)
        if versions:
            return versions[-1] / "bin"
    return None


def _as_postgres(cmd: list[str]) -> list[str]:
    """initdb and postgres refuse to run as root: run them as the postgres user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


def wait_for(predicate, timeout: float, interval: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            last = predicate()
            if last:
                return last
        except RuntimeError:
            raise
        except Exception as error:  # noqa: BLE001 - still waiting
            last = error
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


class PrivatePostgres:
    """A throw-away PostgreSQL cluster (initdb) with trust authentication on a free port."""

    def __init__(self) -> None:
        bin_dir = pg_bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL server binaries (initdb, pg_ctl) not found")
        self.bin = bin_dir
        self.port = free_port()
        self.base = Path(tempfile.mkdtemp(prefix="talent-faults-pg-"))
        self.data = self.base / "data"
        self.sockets = self.base / "run"
        self.log = self.base / "postgres.log"
        self.sockets.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres")
            shutil.chown(self.sockets, "postgres")
            os.chmod(self.base, 0o755)
        subprocess.run(_as_postgres([str(self.bin / "initdb"), "-D", str(self.data), "-A", "trust",
                                     "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]),
                       check=True, capture_output=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.sockets} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off")
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", options,
                                     "-l", str(self.log), "-w", "-t", "60", "start"]),
                       check=True, capture_output=True)

    def stop(self, mode: str = "fast") -> None:
        subprocess.run(_as_postgres([str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w",
                                     "-t", "60", "stop"]), check=False, capture_output=True)

    def psql(self, sql: str, database: str = "postgres") -> str:
        result = subprocess.run(["psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "-d", database,
                                 "-Atqc", sql], check=True, capture_output=True, text=True)
        return result.stdout.strip()

    def cleanup(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.base, ignore_errors=True)


def app_env(database_url: str, instance: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TALENT_")}
    env.update({
        "TALENT_ENV": "production",
        "TALENT_SECRET_KEY": "fault-scripts-secret-" + "k" * 32,
        "TALENT_DATABASE_URL": database_url,
        "TALENT_INSTANCE_PATH": str(instance),
        "TALENT_RATELIMIT_STORAGE": "memory://",
        "PYTHONDONTWRITEBYTECODE": "1",
    })
    env.update(extra)
    return env


def talent(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([str(VENV_BIN / "talent"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          check=check, timeout=600)


class Gunicorn:
    """``gunicorn wsgi:app`` with N workers on a free 127.0.0.1 port."""

    def __init__(self, env: dict[str, str], *, workers: int = 2, user: str | None = None,
                 timeout: int = 120) -> None:
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        cmd = [str(VENV_BIN / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
               "--timeout", str(timeout), "--graceful-timeout", "5", "--log-level", "info", "wsgi:app"]
        if user:
            cmd = ["runuser", "-u", user, "--", *cmd]
        self.log = tempfile.NamedTemporaryFile(prefix="talent-faults-gunicorn-", suffix=".log", delete=False)
        self.process = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        def answering():
            if self.process.poll() is not None:
                raise RuntimeError("gunicorn exited:\n" + self.log_text()[-3000:])
            return requests.get(self.base_url + "/healthz", timeout=2).status_code == 200

        try:
            try:
                wait_for(answering, 60, what="gunicorn to answer /healthz")
            except TimeoutError as error:
                raise RuntimeError(f"{error}\n{self.log_text()[-3000:]}") from None
            wait_for(lambda: len(self.worker_pids()) == workers, 30, what=f"{workers} gunicorn workers")
        except Exception:
            self.stop()
            raise

    def master_pid(self) -> int:
        """The gunicorn master (under runuser the Popen child is runuser itself)."""
        pid = self.process.pid
        children = _children(pid)
        if children and _comm(pid) == "runuser":
            return children[0]
        return pid

    def worker_pids(self) -> list[int]:
        return sorted(_children(self.master_pid()))

    def log_text(self) -> str:
        return Path(self.log.name).read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)


def _comm(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def _children(pid: int) -> list[int]:
    result = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may contain spaces; split after the last ')'.
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            result.append(int(entry.name))
    return result


def pid_with_local_port(pids: list[int], port: int) -> int | None:
    """Which of ``pids`` owns the TCP socket whose local port is ``port``."""
    inodes = set()
    hex_port = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            lines = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for line in lines:
            parts = line.split()
            if parts[1].endswith(hex_port):
                inodes.add(parts[9])
    for pid in pids:
        try:
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    return None
