"""``talent keys rotate``: a new signing key for VC-JWT credentials; old public keys stay
published in /.well-known/jwks.json so credentials signed before still verify."""
from __future__ import annotations

import sys

import click
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.credentials import signing


@click.group()
def keys() -> None:
    """Manage the credential signing keys."""


@keys.command("rotate")
@with_appcontext
@transactional(read_only=True)   # the keys are files; the database is not written
def rotate() -> None:
    """Generate a new current signing key (the old public key stays published)."""
    try:
        kid = signing.rotate()
    except RuntimeError as error:
        click.echo(f"Error: {error}", err=True)
        sys.exit(1)
    click.echo(f"New signing key: {kid}")
    click.echo(f"Published keys: {len(signing.published_keys())}")


@keys.command("list")
@with_appcontext
@transactional(read_only=True)
def list_keys() -> None:
    """List the published public keys (the current one first)."""
    for jwk in signing.published_keys():
        click.echo(jwk["kid"])


commands = [keys]
