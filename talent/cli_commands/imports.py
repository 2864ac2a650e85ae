"""``talent import trainees FILE --center CODE [--cohort CODE] [--dry-run]`` and
``talent import purge-previews`` (expired previews of the import pages).

Exit codes: 0 imported (or, with --dry-run, the file is valid), 1 nothing imported — the row
report is on stderr, 2 usage error (unknown option, file, center or cohort).
"""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from talent.cli_commands.transaction import rollback_only, transactional
from talent.centers.queries import center_by_code
from talent.imports.services import commit_import, preview_import, purge_previews
from talent.learning.queries import cohort_by_code
from talent.permissions import Actor


@click.group("import")
def import_group() -> None:
    """Import data from spreadsheets."""


def _print_report(report, *, err: bool) -> None:
    counts = report.counts
    click.echo(f"Rows read: {counts['rows']}; valid: {counts['valid']}; with problems: "
               f"{counts['rows_with_problems']}", err=err)
    click.echo(f"Trainees: {counts['new']} new, {counts['existing']} already registered", err=err)
    if report.cohort_id is not None:
        click.echo(f"Cohort: {counts['enrolled']} enrolled, {counts['waitlisted']} waiting list, "
                   f"{counts['already']} already in the cohort (free seats before: {report.free_seats})", err=err)
    for warning in report.warnings:
        click.echo(f"Warning: {warning}", err=err)


@import_group.command("trainees")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--center", "center_code", required=True, help="Code of the center registering the trainees.")
@click.option("--cohort", "cohort_code", default=None, help="Code of a cohort to enroll them into.")
@click.option("--dry-run", is_flag=True, help="Check the file and print what would happen; write nothing.")
@click.option("--no-waitlist", is_flag=True, help="Refuse rows beyond the free seats instead of wait-listing them.")
@with_appcontext
@transactional
def trainees(file: Path, center_code: str, cohort_code: str | None, dry_run: bool, no_waitlist: bool) -> None:
    """Register (and optionally enroll) trainees from a CSV or XLSX file. All or nothing."""
    center = center_by_code(center_code)
    if center is None:
        raise click.BadParameter(f"no center with code {center_code!r}", param_hint="--center")
    cohort = None
    if cohort_code:
        cohort = cohort_by_code(cohort_code)
        if cohort is None:
            raise click.BadParameter(f"no cohort with code {cohort_code!r}", param_hint="--cohort")
        if cohort.center_id != center.id:
            raise click.BadParameter(f"cohort {cohort.code} is not at center {center.code}", param_hint="--cohort")
    size = file.stat().st_size
    if size > current_app.config["IMPORT_MAX_BYTES"]:
        click.echo(f"Error: the file is larger than {current_app.config['IMPORT_MAX_BYTES'] // (1024 * 1024)} MB; "
                   "nothing imported.", err=True)
        sys.exit(1)
    data = file.read_bytes()
    actor = Actor.system(label=f"cli:{file.name}"[:254])
    if dry_run:
        report = preview_import(actor, data, center_id=center.id, cohort_id=cohort.id if cohort else None,
                                waitlist=not no_waitlist)
    else:
        report = commit_import(actor, data, center_id=center.id, cohort_id=cohort.id if cohort else None,
                               waitlist=not no_waitlist, filename=file.name)
    if not (report.ok and not dry_run):
        rollback_only()  # a dry run, or a file with problems: nothing is written
    if not report.ok:
        click.echo(f"Nothing imported: {len(report.problems)} problem(s) in {file.name}.", err=True)
        for problem in report.problems:
            where = f"row {problem.row}" if problem.row is not None else "file"
            column = f", column {problem.column}" if problem.column else ""
            click.echo(f"  {where}{column}: {problem.message}", err=True)
        _print_report(report, err=True)
        sys.exit(1)
    _print_report(report, err=False)
    click.echo("Dry run: the file is valid; nothing written." if dry_run else "Imported.")


@import_group.command("purge-previews")
@with_appcontext
@transactional
def purge_previews_command() -> None:
    """Delete expired import previews (their checked rows). Run it from cron, e.g. hourly; new
    previews also remove the expired ones."""
    click.echo(f"Deleted {purge_previews()} expired import preview(s).")


commands = [import_group]
