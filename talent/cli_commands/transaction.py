"""The one transaction wrapper of every ``talent`` command (DESIGN §4: each CLI command commits
once at its end and rolls back on any error). A command body asks for a rollback instead of the
commit with :func:`rollback_only` (a dry run, a refused file), never by committing itself."""
from __future__ import annotations

import functools
import sys
from contextlib import contextmanager
from typing import Iterator

import click
from flask import g

from talent.errors import DomainError
from talent.extensions import db


def rollback_only() -> None:
    """Roll the running command's transaction back at its end instead of committing it."""
    g.talent_cli_rollback = True


@contextmanager
def transaction() -> Iterator[None]:
    """Commit at the end of the block unless :func:`rollback_only` was called; roll back and
    re-raise on any exception."""
    g.talent_cli_rollback = False
    try:
        yield
        if g.pop("talent_cli_rollback", False):
            db.session.rollback()
        else:
            db.session.commit()
    except BaseException:
        g.pop("talent_cli_rollback", None)
        db.session.rollback()
        raise


def transactional(fn):
    """Run a command body in one :func:`transaction`; a domain error is printed as a clear
    message (with its fields) and exits with status 1, nothing written."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with transaction():
                return fn(*args, **kwargs)
        except DomainError as error:
            click.echo(f"Error: {error.message}", err=True)
            for name, message in error.fields.items():
                click.echo(f"  {name}: {message}", err=True)
            sys.exit(1)
    return wrapper
