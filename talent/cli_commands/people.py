"""``talent people check-membership`` and ``talent people rebuild-membership``: the trainee–center
membership (``trainee_centers``) that center pages and permission checks read, against its rule
("registered by, or enrolled at": ``talent.learning.membership``)."""
from __future__ import annotations

import click
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.learning import membership


@click.group()
def people() -> None:
    """Trainees and the centers they belong to."""


@people.command("check-membership")
@with_appcontext
@transactional(read_only=True)
def check_membership() -> None:
    """Compare the trainee–center membership (each row's center, reason and copy of the trainee's
    folded name) with its rule over every trainee; exit 1 on any difference."""
    found = membership.differences()
    for trainee_id, center_id, via in found.missing:
        click.echo(f"missing: trainee {trainee_id} at center {center_id} ({via})")
    for trainee_id, center_id, via in found.extra:
        click.echo(f"extra: trainee {trainee_id} at center {center_id} ({via})")
    if not found.ok:
        click.echo(f"{found.missing_count:,} missing and {found.extra_count:,} extra rows (a row whose copy of "
                   "the trainee's name differs counts as one of each).")
        raise SystemExit(1)
    click.echo("The trainee–center membership equals its rule (registered by or enrolled at).")


@people.command("rebuild-membership")
@with_appcontext
@transactional
def rebuild_membership() -> None:
    """Recompute the whole membership from its rule, in one transaction (after rows were written
    past the services, e.g. by hand in SQL)."""
    rows = membership.rebuild()
    click.echo(f"Trainee–center membership rebuilt: {rows:,} rows.")


commands = [people]
