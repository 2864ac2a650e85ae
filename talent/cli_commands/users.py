from __future__ import annotations

import os

import click
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.accounts.services import create_user
from talent.permissions import Actor


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True, help="Email address, also the sign-in name.")
@click.option("--role", required=True, type=click.Choice(["admin", "center_admin", "trainee", "ministry", "employer"]))
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email).")
@click.option("--center", "centers", multiple=True, help="Center code (center_admin; repeatable).")
@click.option("--employer", "employer_id", type=int, default=None,
              help="Id of the employer the user acts for (employer; see /admin/users/new for the list).")
@with_appcontext
@transactional
def create(email: str, role: str, full_name: str | None, centers: tuple[str, ...], employer_id: int | None) -> None:
    """Create a user. The password comes from TALENT_NEW_PASSWORD or a prompt."""
    password = os.environ.get("TALENT_NEW_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True)
    user = create_user(Actor.system(), email=email, full_name=full_name or email, role=role,
                       password=password, center_codes=list(centers), employer_id=employer_id)
    click.echo(f"Created {user.role} {user.email} (id {user.id}).")
