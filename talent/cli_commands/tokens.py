from __future__ import annotations

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from talent.cli_commands.transaction import transactional
from talent.accounts.models import User
from talent.accounts.services import create_token, normalise_email
from talent.errors import NotFound
from talent.extensions import db
from talent.permissions import Actor


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.option("--email", required=True, help="The user the token acts as.")
@click.option("--name", required=True, help="A name to recognise the token by.")
@click.option("--service", is_flag=True, help="A service token (for another system), not a personal one.")
@click.option("--days", type=int, default=None,
              help="Days the token is valid (default TALENT_API_TOKEN_DAYS, 90; at most TALENT_API_TOKEN_MAX_DAYS).")
@with_appcontext
@transactional
def create(email: str, name: str, service: bool, days: int | None) -> None:
    """Create an API token and print it once."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        raise NotFound(f"No user with email {email}.")
    _token, secret = create_token(Actor.system(), user, name, service=service, days=days)
    click.echo(secret)
