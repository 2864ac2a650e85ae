from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from talent.cli import transactional


@click.group()
def seed() -> None:
    """Load reference and demo data."""


@seed.command("reference")
@with_appcontext
@transactional
def reference() -> None:
    """Load regions, sectors, skills, occupations and countries from seeds/ (idempotent)."""
    from talent.reference import load_reference
    counts = load_reference()
    click.echo("Reference data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@seed.command("demo")
@click.option("--trainees", default=2000, show_default=True, type=click.IntRange(1, 2_000_000),
              help="Number of trainees to create.")
@click.option("--seed", "random_seed", default=2026, show_default=True, help="Random seed (deterministic).")
@with_appcontext
def demo(trainees: int, random_seed: int) -> None:
    """Build a believable national demo: centers in every region, courses, cohorts, trainees,
    outcomes, awards, placements, objectives and one login per role (printed).

    Refuses to run in production."""
    if current_app.config["PRODUCTION"]:
        click.echo("Error: the demo data command refuses to run in production.", err=True)
        raise SystemExit(1)
    from talent.demo import build_demo
    logins = build_demo(trainees=trainees, seed=random_seed)
    click.echo("Demo logins (password for all: see below):")
    for role, email, password in logins:
        click.echo(f"  {role:<13} {email:<32} {password}")
