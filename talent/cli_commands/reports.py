"""``talent reports rebuild-summary`` and ``talent reports check-summary``: the per-cohort summary
behind the national and regional reports (talent/reporting/summary.py)."""
from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.extensions import db
from talent.reporting import kept, queries, snapshots, summary


@click.group()
def reports() -> None:
    """The ministry reports' summary tables."""


@reports.command("rebuild-summary")
@click.option("--if-missing", is_flag=True,
              help="Do nothing when the summary is already built in the configured time zone, record keys and "
                   "regional countries.")
@with_appcontext
@transactional
def rebuild_summary(if_missing: bool) -> None:
    """Count the summary from the live tables, in one transaction (reports keep working meanwhile).
    Needed after TALENT_TIMEZONE, TALENT_DISCLOSURE_KEY or TALENT_REGIONAL_COUNTRIES changes (the
    outcome indicators read the live tables until then), after an upgrade that says so (revisions
    0006, 0013, 0022, 0024, 0025, 0026, 0027, 0028, 0030 and 0031 print it), or on a database that held data before the
    summary existed."""
    tz = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Baku")
    if if_missing and summary.exits_current(db.session, tz):
        made = snapshots.refresh(db.session)
        click.echo(f"The report summary is already built ({tz}); {made['computed']} kept report answer(s) "
                   f"(supply against demand, outcome indicators) made current.")
        return
    started = time.perf_counter()
    counts = summary.rebuild(db.session, tz)
    kept.clear(db.session)
    made = snapshots.refresh(db.session)
    click.echo(f"Report summary rebuilt ({tz}): {counts['cohorts']:,} cohorts, {counts['cohort_rows']:,} cohort rows, "
               f"{counts['day_rows']:,} day rows, {counts['exit_rows']:,} exits, {made['computed']} kept report "
               f"answer(s) in {time.perf_counter() - started:.1f} s.")


@reports.command("refresh-kept")
@with_appcontext
@transactional
def refresh_kept() -> None:
    """Make the kept report answers (supply against demand, outcome indicators) current once — what
    the worker and the embedded ticker do every TALENT_KEPT_REFRESH_SECONDS: compute again the
    answers of every year a change has touched since the last refresh, and the default periods' when
    missing. Until it runs, a page computes a touched period live (always exact)."""
    started = time.perf_counter()
    counts = snapshots.refresh(db.session)
    click.echo(f"Kept report answers: {counts['computed']} computed, {counts['removed']} removed, "
               f"{counts['marks_years']} year mark(s) taken in {time.perf_counter() - started:.1f} s.")


@reports.command("check-summary")
@with_appcontext
@transactional(read_only=True)
def check_summary() -> None:
    """Compare the summary with the live tables for every year with data; exit 1 on any difference."""
    differences = queries.compare_with_live(db.session)
    if differences is None:
        click.echo("The report summary is not built (reports read the live tables).")
        raise SystemExit(1)
    differences += snapshots.wrong_snapshots(db.session)
    for line in differences:
        click.echo(line)
    if differences:
        raise SystemExit(1)
    click.echo("The report summary equals the live tables.")


commands = [reports]
