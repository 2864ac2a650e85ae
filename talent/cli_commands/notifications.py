"""``talent worker`` runs the background worker; ``talent notifications tick`` runs the scheduled
work once (session reminders, expiry notices, every ``scheduled_tick`` receiver) and delivers what
is due; ``talent notifications sweep`` delivers due outbox rows (retries, rows of a dead worker).

``tick`` and ``sweep`` are safe to run from cron on several machines at once: scheduled rows are
keyed per (event, person, day) and delivery claims each row once.
"""
from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.notifications import events, outbox, worker as engine
from talent.reporting import snapshots


@click.command("worker")
@click.option("--threads", default=4, show_default=True, help="Delivery threads in this process.")
@click.option("--tick-seconds", default=3600, show_default=True,
              help="How often the scheduled work (reminders, expiry notices) runs; 0 = never.")
@with_appcontext
@transactional
def worker(threads: int, tick_seconds: int) -> None:
    """Run the background worker (Dramatiq on TALENT_BROKER_URL) until stopped: mail and SMS from the
    outbox, the scheduled work, and the kept report answers — supply against demand, outcome indicators — (every
    TALENT_KEPT_REFRESH_SECONDS, and when a page asks for a period not kept yet)."""
    app = current_app._get_current_object()
    if not app.config.get("BROKER_URL"):
        raise click.UsageError("Set TALENT_BROKER_URL=redis://… to run a worker. Without it (the embedded "
                               "default) messages are delivered in-process right after each commit.")
    periodic = [(float(app.config["OUTBOX_SWEEP_SECONDS"]), outbox.sweep),
                (float(app.config["KEPT_REFRESH_SECONDS"]), snapshots.refresh_job)]
    if tick_seconds > 0:
        periodic.append((float(tick_seconds), events.tick_and_sweep))
    click.echo(f"talent worker: {threads} thread(s), broker {app.config['BROKER_URL'].split('@')[-1]}")
    engine.run_worker(app, threads=threads, periodic=periodic)


@click.group()
def notifications() -> None:
    """Notifications: scheduled work and the outbox."""


@notifications.command("tick")
@with_appcontext
@transactional
def tick() -> None:
    """Run the scheduled work once (idempotent per day); the messages leave after the commit."""
    result = events.tick()
    for name, value in sorted(result.items()):
        click.echo(f"{name}: {value}")


@notifications.command("sweep")
@with_appcontext
@transactional
def sweep() -> None:
    """Deliver every due outbox row now."""
    counts = outbox.sweep()
    click.echo(" ".join(f"{key}={value}" for key, value in counts.items()))


commands = [worker, notifications]
