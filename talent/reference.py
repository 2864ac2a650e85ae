"""Reference data from ``seeds/``: regions, sectors, skills, ISCO occupations and countries.

Idempotent: rows are matched by code; missing ones are added, changed names updated, nothing
else touched. A second run changes nothing.
"""
from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import select

from talent.catalog.models import Occupation, Sector, Skill
from talent.config import ROOT
from talent.extensions import db
from talent.geo.models import Country, Region

SEEDS = ROOT / "seeds"

# file, model, key column, columns copied
TABLES: list[tuple[str, Any, str, tuple[str, ...]]] = [
    ("regions.csv", Region, "code", ("name_az", "name_en", "name_ru")),
    ("countries.csv", Country, "code", ("name_en", "name_az", "name_ru")),
    ("sectors.csv", Sector, "code", ("name_az", "name_en", "name_ru")),
    ("skills.csv", Skill, "code", ("name_az", "name_en", "name_ru", "esco_uri")),
    ("occupations.csv", Occupation, "code", ("level", "name_en", "name_az", "name_ru")),
]


def read_csv(name: str, folder: Path = SEEDS) -> list[dict[str, str]]:
    with open(folder / name, newline="", encoding="utf-8") as handle:
        return [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in csv.DictReader(handle)]


def load_reference(folder: Path = SEEDS) -> dict[str, int]:
    """Load every reference table; returns how many rows were added or changed per table."""
    changes: dict[str, int] = {}
    for filename, model, key, columns in TABLES:
        rows = read_csv(filename, folder)
        existing = {getattr(obj, key): obj for obj in db.session.scalars(select(model))}
        changed = 0
        for row in rows:
            values = {c: (row.get(c) or None) if c == "esco_uri" else row.get(c, "") for c in columns}
            obj = existing.get(row[key])
            if obj is None:
                db.session.add(model(**{key: row[key]}, **values))
                changed += 1
            elif any(getattr(obj, c) != v for c, v in values.items()):
                for c, v in values.items():
                    setattr(obj, c, v)
                changed += 1
        db.session.flush()
        changes[model.__tablename__] = changed
    return changes
