"""The ``talent`` command: a Flask CLI group bound to the app. Each command is one transaction
that commits at its end and rolls back on any error; commands call the same services as the web.

Exit codes: 0 success, 1 the command ran but refused (bad data, nothing written), 2 usage error.
"""
from __future__ import annotations

import functools
import os
import sys

import click
from flask import Flask
from flask.cli import FlaskGroup, run_command

from talent import create_app
from talent.config import DEV_SERVER_URL_VARIABLE, ConfigError
from talent.cli_commands import (awards, followups, imports, keys, notifications, ops, people, reports, seed, tokens,
                                  users)
# Every command runs in the one wrapper of talent.cli_commands.transaction (kept importable here).
from talent.cli_commands.transaction import transactional  # noqa: F401


def _create_app(*_args, **_kwargs) -> Flask:
    return create_app()


def _app_factory() -> Flask:
    try:
        return _create_app()
    except ConfigError as error:
        click.echo(f"Configuration error: {error}", err=True)
        sys.exit(2)


@click.group(cls=FlaskGroup, create_app=_app_factory, add_default_commands=True,
             add_version_option=False, load_dotenv=False)
def main() -> None:
    """talent — regional AI training and talent centers.

    Configuration comes from TALENT_* environment variables (see README).
    """


def serve_url(host: str, port: int) -> str:
    """The address a browser reaches the development server on (a wildcard bind is reached on
    this machine; to link to another address, set TALENT_PUBLIC_URL)."""
    if host in ("0.0.0.0", "", "::", "[::]"):
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _run_command() -> click.Command:
    """Flask's ``run`` that first tells the configuration where it serves, so generated links (QR
    codes, share links, mails) point there unless TALENT_PUBLIC_URL is set; production ignores it
    (talent.config.public_base_url). The reloader's child process inherits the variable."""
    @functools.wraps(run_command.callback)
    def callback(*args, **kwargs):
        os.environ[DEV_SERVER_URL_VARIABLE] = serve_url(kwargs["host"], kwargs["port"])
        return run_command.callback(*args, **kwargs)

    return click.Command("run", callback=callback, params=run_command.params, help=run_command.help,
                         short_help=run_command.short_help)


main.add_command(_run_command())


def register_commands(app: Flask) -> None:
    for group in (seed, users, tokens):
        app.cli.add_command(group)
    for module in (imports, awards, keys, ops, reports, notifications, followups, people):
        for command in module.commands:
            app.cli.add_command(command)
