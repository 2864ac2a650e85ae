"""Issue 16: every ``talent`` command runs in the one transaction wrapper
(talent.cli_commands.transaction.transactional) and none commits itself."""
from __future__ import annotations

import ast
from pathlib import Path

import click
from sqlalchemy import func, select

from talent.accounts.models import User
from talent.cli_commands.transaction import WRAPPED
from talent.extensions import db

ROOT = Path(__file__).resolve().parents[1]


def _walk(command: click.Command, path: tuple[str, ...] = ()):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _walk(sub, path + (name,))
    else:
        yield path, command


def _talent_commands(app):
    """The commands the project registers (Flask's own ``shell``, ``routes`` … are not ours)."""
    found = []
    for path, command in _walk(app.cli):
        module = getattr(command.callback, "__module__", "") or ""
        if module.startswith("talent"):
            found.append((" ".join(path), command))
    return found


def test_every_project_command_is_wrapped(app):
    commands = _talent_commands(app)
    names = {name for name, _ in commands}
    # The walk reaches the nested groups too (a walk that found nothing would pass vacuously).
    assert {"import trainees", "users create", "tokens create", "two-factor reset", "reports check-summary",
            "keys rotate", "seed demo", "backup", "restore", "awards issue"} <= names
    unwrapped = [name for name, command in commands if not getattr(command.callback, WRAPPED, False)]
    assert unwrapped == []


def test_a_command_that_is_not_wrapped_is_caught(app):
    @click.command("unwrapped-probe")
    def probe() -> None:
        """not wrapped"""
    probe.callback.__module__ = "talent.cli_commands.probe"
    app.cli.add_command(probe)
    try:
        unwrapped = [name for name, c in _talent_commands(app) if not getattr(c.callback, WRAPPED, False)]
        assert unwrapped == ["unwrapped-probe"]
    finally:
        app.cli.commands.pop("unwrapped-probe")


def test_no_command_module_commits_itself():
    offenders = []
    for path in [ROOT / "talent/cli.py", *sorted((ROOT / "talent/cli_commands").glob("*.py"))]:
        if path.name == "transaction.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr in ("commit", "rollback"):
                offenders.append(f"{path.name}:{node.lineno}")
    assert offenders == []


def test_a_refused_command_writes_nothing(app, factory, monkeypatch):
    monkeypatch.setenv("TALENT_NEW_PASSWORD", "a-long-test-password-1")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--email", "x@test.az", "--role", "center_admin"])
    assert result.exit_code == 1 and "Error:" in result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "x@test.az")) == 0
    result = runner.invoke(args=["users", "create", "--email", "y@test.az", "--role", "admin"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.email == "y@test.az")) == 1
