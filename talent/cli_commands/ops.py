"""``talent backup FILE`` and ``talent restore FILE --yes``: the whole database to and from a file
(pg_dump/pg_restore on PostgreSQL, the SQLite backup API on SQLite)."""
from __future__ import annotations

import getpass
import logging
import sys

import click
from flask import current_app
from sqlalchemy.engine import make_url
from flask.cli import with_appcontext

from talent.errors import DomainError
from talent import audit
from talent.accounts import twofactor
from talent.cli_commands.transaction import transaction, transactional
from talent.extensions import db
from talent.ops.backup import backup_database, check_backup_file, restore_database
from talent.permissions import Actor

log = logging.getLogger("talent.ops")


def _fail(error: DomainError) -> None:
    click.echo(f"Error: {error.message}", err=True)
    sys.exit(1)


def _close_connections() -> None:
    db.session.remove()
    for engine in db.engines.values():
        engine.dispose()


def _audit(action: str, details: dict) -> None:
    """The audit event of a finished backup or restore, in a transaction of its own (the
    command's work is files and another connection): its failure is logged, not fatal."""
    try:
        with transaction():
            audit.record(Actor.system(label=f"cli:{getpass.getuser()}"), action, "database", None, details=details)
    except Exception:  # the audit trail must not turn a finished backup into a failure
        log.exception("could not record %s in the audit trail", action)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
@click.option("--force", is_flag=True, help="Overwrite FILE if it exists.")
@with_appcontext
@transactional
def backup(file: str, force: bool) -> None:
    """Write a complete backup of the database to FILE."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    try:
        info = backup_database(url, file, overwrite=force)
    except DomainError as error:
        _fail(error)
    click.echo(f"Backup of the {info.backend} database written to {info.path} "
               f"({info.size} bytes, {info.tables} tables, {info.rows} rows, schema {info.revision}).")
    log.info("backup written to %s (%d tables, %d rows)", info.path, info.tables, info.rows)
    _audit("ops.backup", {"file": str(info.path), "rows": info.rows})


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False, exists=False))
@click.option("--yes", is_flag=True, help="Confirm that every row of the database is replaced.")
@with_appcontext
@transactional
def restore(file: str, yes: bool) -> None:
    """Replace the whole database with the backup in FILE (all or nothing).

    Stop the web servers first. Refuses to run without --yes."""
    url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    backend = make_url(url).get_backend_name()
    try:
        check_backup_file(file, backend)
    except DomainError as error:
        _fail(error)
    if not yes:
        click.echo(f"Error: this replaces every row of the {backend} database "
                   f"{make_url(url).render_as_string(hide_password=True)} with the backup. "
                   "Run again with --yes to confirm.", err=True)
        sys.exit(1)
    _close_connections()
    try:
        info = restore_database(url, file)
    except DomainError as error:
        _fail(error)
    _close_connections()
    click.echo(f"Restored {info.tables} tables, {info.rows} rows from {info.path} (schema {info.revision}). "
               "Run `talent db upgrade` if the backup is from an older release.")
    log.info("database restored from %s", info.path)
    _audit("ops.restore", {"file": str(info.path), "rows": info.rows})


@click.group("two-factor")
def two_factor() -> None:
    """Two-factor sign-in of users."""


@two_factor.command("reset")
@click.option("--email", required=True, help="The user who lost their authenticator and recovery codes.")
@with_appcontext
@transactional
def two_factor_reset(email: str) -> None:
    """Clear a user's second factor: they set it up again at their next sign-in."""
    user = twofactor.user_by_email(email)
    twofactor.reset(Actor.system(label=f"cli:{getpass.getuser()}"), user)
    click.echo(f"Two-factor sign-in reset for {user.email}; they will set it up at their next sign-in.")


commands = [backup, restore, two_factor]
