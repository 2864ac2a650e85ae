"""Mobility: per region of the center where the trainee completed, placements by where they work
(the region of the employer's city, from a reference list of city spellings).
"""
from __future__ import annotations

import csv
from functools import lru_cache
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, case, func, literal, null, select

from talent.centers.models import Center
from talent.config import ROOT
from talent.geo.models import Region
from talent.i18n import fold
from talent.placement.markets import market_case
from talent.placement.models import Employer
from talent.reporting.dimensions import report_session, baku_region_id
from talent.reporting.cellkey import key_name, perturbing, report_key_sql as key_sql
from talent.reporting.periods import Filters
from talent.reporting.models import ReportPlacementEmployerMonth
from talent.reporting.queries.common import placement_rows, placement_source, regional_countries, with_pre


MOBILITY_COLUMNS = ("same_region", "baku", "other_az", "az_unknown", "regional", "international")


def _ascii_lower(text: str) -> str:
    return "".join(ch.lower() if ch.isascii() else ch for ch in text)


def _spellings(name: str) -> set[str]:
    """The forms ``lower(trim(city))`` can take for a city name on SQLite (ASCII-only lower) and
    PostgreSQL (full lower), from the usual ways of writing it."""
    name = " ".join(name.split())
    forms = {name, name.lower(), name.upper(), name.title(), fold(name)}
    return {f(x) for x in forms for f in (str.lower, _ascii_lower)}


@lru_cache(maxsize=1)
def _seed_cities() -> tuple[tuple[str, str], ...]:
    path = ROOT / "seeds" / "region_cities.csv"
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    except OSError:
        return ()
    out = []
    for row in rows:
        for name in (row.get("city_az"), row.get("city_en")):
            if name and row.get("region_code"):
                out.append((row["region_code"].strip(), name.strip()))
    return tuple(out)


def city_region_map() -> dict[str, int]:
    """Spelling of a city (as ``lower(trim(city))`` gives it) -> region id: the reference list of
    the regions' main cities (seeds/region_cities.csv, Azerbaijani and English names) plus the
    cities of the centers. A spelling claimed by two regions is left out (unknown)."""
    regions = dict(report_session().execute(select(Region.code, Region.id)).all())
    claims: dict[str, set[int]] = {}
    for code, name in _seed_cities():
        if code in regions:
            for s in _spellings(name):
                claims.setdefault(s, set()).add(regions[code])
    for city, region_id in report_session().execute(select(Center.city, Center.region_id).distinct()):
        if city:
            for s in _spellings(city):
                claims.setdefault(s, set()).add(region_id)
    return {s: next(iter(ids)) for s, ids in claims.items() if len(ids) == 1}


def mobility_metrics(filters: Filters, *, live: bool = False) -> dict[Any, dict[str, int]]:
    """Per region of the center where the trainee completed: placements by where they work (with
    what came before the period when the reports perturb: every column is anchored)."""
    out = _mobility_metrics(filters, live)
    before = filters.before_start()
    if perturbing():
        with_pre(out, _mobility_metrics(before, live) if before else {}, ("placements",) + MOBILITY_COLUMNS)
    return out


def _mobility_metrics(filters: Filters, live: bool = False) -> dict[Any, dict[str, int]]:
    mapping = city_region_map()
    by_region: dict[int, list[str]] = {}
    for spelling, region_id in mapping.items():
        by_region.setdefault(region_id, []).append(spelling)
    city = func.lower(func.trim(Employer.city))
    whens = [(city.in_(sorted(spellings)), literal(region_id)) for region_id, spellings in by_region.items()]
    employer_region = case(*whens, else_=null()) if whens else null()
    market = market_case(Employer.country_code, regional_countries())
    # The market and the region of the city, once per employer (a few hundred rows) instead of once
    # per placement row: the city CASE compares a trimmed, lowered string with every spelling of
    # every region (0.9 s over a year's rows at 1M trainees). OFFSET 0 keeps it a subquery that is
    # computed before the join (pulled up into the join, its CASE would run once per joined row).
    employers = select(Employer.id.label("id"), market.label("market"), employer_region.label("emp_region"))
    if report_session().get_bind().dialect.name == "postgresql":
        employers = employers.offset(0)
    # (SQLite flattens the plain subquery into the join and looks employers up by primary key; with
    # OFFSET 0 it scanned the computed subquery once per placement row: 108 -> 481 ms at 100k.)
    employers = employers.subquery()
    # One row per (region, placement): the join to completed enrollments repeats a placement for
    # each matching completion; DISTINCT once here (or the representative rows) lets the outer query
    # count and sum plainly instead of one COUNT(DISTINCT) (a sort each) per column and per key sum.
    rows = None if live else _employer_months(filters)
    if rows is None:
        rows = placement_rows(filters, "region", Center.region_id, lambda p: [
            p.id.label("pid"), Employer.id.label("employer_id"), literal(1).label("n"),
            key_sql(p.id, "placement").label("pkey")], live=live).subquery()
    inner = (select(rows.c.k, rows.c.n, rows.c.pkey, employers.c.market, employers.c.emp_region)
             .select_from(rows).join(employers, employers.c.id == rows.c.employer_id).subquery())
    baku = baku_region_id() or -1
    local = inner.c.market == "local"

    conditions = {
        "same_region": and_(local, inner.c.emp_region == inner.c.k),
        "baku": and_(local, inner.c.emp_region == baku, inner.c.k != baku),
        "other_az": and_(local, inner.c.emp_region.is_not(None), inner.c.emp_region != inner.c.k,
                         inner.c.emp_region != baku),
        "az_unknown": and_(local, inner.c.emp_region.is_(None)),
        "regional": inner.c.market == "regional",
        "international": inner.c.market == "international",
    }
    stmt = select(
        inner.c.k,
        func.coalesce(func.sum(inner.c.n), 0).label("placements"),
        func.coalesce(func.sum(inner.c.pkey), 0).label(key_name("placements")),
        *[func.coalesce(func.sum(inner.c.n).filter(cond), 0).label(c) for c, cond in conditions.items()],
        *[func.coalesce(func.sum(inner.c.pkey).filter(cond), 0).label(key_name(c)) for c, cond in conditions.items()],
    ).group_by(inner.c.k)
    cols = [n for c in ("placements",) + MOBILITY_COLUMNS for n in (c, key_name(c))]
    return {row.k: {c: int(getattr(row, c)) for c in cols} for row in report_session().execute(stmt)}


def _employer_months(filters: Filters):
    """The placements per (region, employer) of a period of whole months from
    report_placement_employer_months, as a subquery like the placement rows' (``k``, ``employer_id``,
    ``n`` placements, ``pkey``), or None where it cannot answer: no summary in use, a course filter,
    a period not made of whole months."""
    if filters.level or filters.sector_id or filters.skill_id or filters.center_id:
        return None
    if filters.start.day != 1 or (filters.end + timedelta(days=1)).day != 1:
        return None
    if placement_source(filters, "region") is None:
        return None
    E = ReportPlacementEmployerMonth
    pkey = E.pkey if perturbing() else literal(0)
    stmt = (select(E.region_id.label("k"), E.employer_id.label("employer_id"), func.sum(E.placements).label("n"),
                   func.sum(pkey).label("pkey"))
            .where(E.month.between(filters.start, filters.end)).group_by(E.region_id, E.employer_id))
    if filters.region_id:
        stmt = stmt.where(E.region_id == filters.region_id)
    return stmt.subquery()
