"""``talent awards issue --cohort CODE``: issue the awards a cohort's completers earned
(idempotent: already issued awards are kept and listed)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.credentials.services import issue_for_cohort
from talent.errors import NotFound
from talent.learning.queries import cohort_by_code
from talent.permissions import Actor


@click.group()
def awards() -> None:
    """Certificates (awards)."""


@awards.command("issue")
@click.option("--cohort", "cohort_code", required=True, help="The cohort's code.")
@with_appcontext
@transactional
def issue(cohort_code: str) -> None:
    """Issue every award the cohort's completed enrollments earned."""
    cohort = cohort_by_code(cohort_code)
    if cohort is None:
        raise NotFound(f"No cohort with code {cohort_code}.")
    result = issue_for_cohort(Actor.system(), cohort)
    for award in result:
        click.echo(f"{award.serial}\t{award.verification_code}")
    click.echo(f"{len(result)} award(s) for cohort {cohort.code}.")


commands = [awards]
