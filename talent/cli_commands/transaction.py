"""The one transaction wrapper of every ``talent`` command (DESIGN §4: each CLI command commits
once at its end and rolls back on any error). A command body asks for a rollback instead of the
commit with :func:`rollback_only` (a dry run, a refused file), never by committing itself.

Every command callback is decorated with :func:`transactional` (``read_only=True`` for one that
only reads); tests/test_cli_transactions.py walks the command tree and fails on one that is not."""
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


WRAPPED = "talent_transactional"


def transactional(fn=None, *, read_only: bool = False):
    """Run a command body in one :func:`transaction`; a domain error is printed as a clear
    message (with its fields) and exits with status 1, nothing written. ``read_only`` rolls the
    transaction back at the end whatever the body did."""
    if fn is None:
        return functools.partial(transactional, read_only=read_only)

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            with transaction():
                if read_only:
                    rollback_only()
                return fn(*args, **kwargs)
        except DomainError as error:
            click.echo(f"Error: {error.message}", err=True)
            for name, message in error.fields.items():
                click.echo(f"  {name}: {message}", err=True)
            sys.exit(1)
    setattr(wrapper, WRAPPED, True)   # copied onto outer decorators by functools.wraps
    return wrapper
