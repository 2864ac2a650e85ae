"""``talent followups send-due``: send the self-service follow-up links that are due (3, 6 and 12
months after a cohort ended) and the reminders; idempotent, so a daily scheduler may run it as
often as it likes. ``check-queue`` and ``rebuild-queue``: the follow-ups still to make, kept as rows
for the centers' queue (talent/placement/followup_queue.py), against their rule."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.permissions import Actor
from talent.extensions import db
from talent.placement import followup_queue
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



@followups.command("check-queue")
@with_appcontext
@transactional(read_only=True)
def check_queue() -> None:
    """Compare the kept follow-ups to make (the centers' queue and dashboard read them) and the kept
    centers of each reported job (the jobs list and its count of jobs to verify) with their rules over
    every completer and every reported job; print each difference and exit 1 on any."""
    found = followup_queue.differences(db.session)
    reported = followup_queue.reported_differences(db.session)
    for row in found.missing:
        click.echo(f"missing: enrollment {row[0]}, {row[1]} months: {row}")
    for row in found.extra:
        click.echo(f"extra: enrollment {row[0]}, {row[1]} months: {row}")
    for row in reported.missing:
        click.echo(f"missing: reported job {row[0]} at center {row[1]}: {row}")
    for row in reported.extra:
        click.echo(f"extra: reported job {row[0]} at center {row[1]}: {row}")
    if not found.ok or not reported.ok:
        click.echo(f"{len(found.missing) + len(reported.missing):,} missing and "
                   f"{len(found.extra) + len(reported.extra):,} extra rows.")
        raise SystemExit(1)
    click.echo("The follow-ups to make and the centers of the reported jobs equal their rules.")


@followups.command("rebuild-queue")
@with_appcontext
@transactional
def rebuild_queue() -> None:
    """Recompute the kept follow-ups to make and the kept centers of each reported job from the live
    tables, in one transaction (after rows were written past the application, e.g. by hand in SQL)."""
    rows = followup_queue.rebuild(db.session)
    click.echo(f"Follow-ups to make rebuilt: {rows:,} rows (and the centers of the reported jobs).")


commands = [followups]
