from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from talent.cli_commands.transaction import transactional
from talent.demo import build_demo
from talent.reference import load_reference


@click.group()
def seed() -> None:
    """Load reference and demo data."""


@seed.command("reference")
@with_appcontext
@transactional
def reference() -> None:
    """Load regions, sectors, skills, occupations and countries from seeds/ (idempotent)."""
    counts = load_reference()
    click.echo("Reference data: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@seed.command("demo")
@click.option("--trainees", default=2000, show_default=True, type=click.IntRange(1, 2_000_000),
              help="Number of trainees to create.")
@click.option("--seed", "random_seed", default=2026, show_default=True, help="Random seed (deterministic).")
@with_appcontext
@transactional
def demo(trainees: int, random_seed: int) -> None:
    """Build a believable national demo: centers in every region, courses, cohorts past, present
    and future, trainees with realistic outcomes, awards, placements in all three markets,
    objectives, and one login per role (printed at the end).

    Loads reference data first. The same --seed gives the same data (dates are relative to
    today). Runs only on an empty database: when centers, trainees or demo logins already exist
    it changes nothing and exits with status 1. Large loads (PostgreSQL: 1,000,000 trainees;
    SQLite: up to 100,000) print progress to stderr. Refuses to run in production."""
    if current_app.config["PRODUCTION"]:
        click.echo("Error: the demo data command refuses to run in production.", err=True)
        raise SystemExit(1)
    started = time.monotonic()
    progress = (lambda message: click.echo(message, err=True)) if trainees >= 10_000 else None
    logins = build_demo(trainees=trainees, seed=random_seed, progress=progress)
    click.echo(f"Demo data loaded: {trainees:,} trainees in {time.monotonic() - started:.1f} s.")
    click.echo("Demo logins:")
    for role, email, password in logins:
        click.echo(f"  {role:<13} {email:<32} {password}")
