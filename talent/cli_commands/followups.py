"""``talent followups send-due``: send the self-service follow-up links that are due (3, 6 and 12
months after a cohort ended) and the reminders; idempotent, so a daily scheduler may run it as
often as it likes."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.permissions import Actor
from talent.placement.followup import send_due


@click.group()
def followups() -> None:
    """Self-service follow-up of graduates."""


@followups.command("send-due")
@with_appcontext
@transactional
def send_due_command() -> None:
    """Send every due follow-up wave once, and one reminder to graduates who did not answer."""
    result = send_due(Actor.system(label="talent followups send-due"))
    for wave, count in result.sent.items():
        click.echo(f"{wave} months: {count} link(s) sent")
    click.echo(f"reminders: {result.reminded}")


commands = [followups]
