"""Demo data: ``talent seed demo [--trainees N]`` builds a believable, deterministic national
picture — centers in every region, a course catalog, cohorts past, present and future,
trainees with realistic outcomes, awards, placements in all three markets, objectives — and
returns one login per role.

The demo loads only into a database without operational data: it refuses (``Conflict``) when
centers or trainees exist or a demo login is taken, so it never mixes with real records and
a second run changes nothing.
"""
from __future__ import annotations

from datetime import date
from typing import Callable

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from talent.accounts.models import User
from talent.centers.models import Center
from talent.demo.data import DEMO_PASSWORD
from talent.errors import Conflict
from talent.extensions import db
from talent.people.models import Trainee
from talent import clock

__all__ = ["build_demo", "DEMO_PASSWORD", "DEMO_EMAILS"]

DEMO_EMAILS = ("admin@talent.az", "ministry@talent.az", "baku.admin@talent.az", "ganja.admin@talent.az",
               "lankaran.admin@talent.az", "trainee@talent.az", "trainee2@talent.az",
               "employer@talent.az", "employer2@talent.az")


def existing_data() -> dict[str, int]:
    """What already stands in the way of a demo load (zero counts mean nothing)."""
    return {
        "centers": db.session.scalar(select(func.count()).select_from(Center)) or 0,
        "trainees": db.session.scalar(select(func.count()).select_from(Trainee)) or 0,
        "demo users": db.session.scalar(select(func.count()).select_from(User)
                                        .where(User.email.in_(DEMO_EMAILS))) or 0,
    }


def build_demo(trainees: int = 2000, seed: int = 2026, *, today: date | None = None,
               progress: Callable[[str], None] | None = None) -> list[tuple[str, str, str]]:
    """Load reference data, then the demo; returns ``(role, email, password)`` per demo login.
    Adds and flushes in the current transaction; the caller commits."""
    from talent.demo.builder import DemoBuilder
    from talent.reference import load_reference

    if trainees < 1:
        raise ValueError("trainees must be at least 1")
    load_reference()
    found = {name: n for name, n in existing_data().items() if n}
    if found:
        raise Conflict(_l("The database already holds data (%(found)s). The demo loads only into an "
                          "empty database: create a new one (talent db upgrade on a fresh "
                          "TALENT_DATABASE_URL) and run it there.",
                          found=", ".join(f"{n} {name}" for name, n in found.items())))
    return DemoBuilder(trainees, seed, today or clock.today(), progress).run()
