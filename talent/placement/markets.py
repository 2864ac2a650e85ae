"""The market of a placement (the strategy's local / regional / international labour markets).

Decided by the employer's country: ``AZ`` is the local market; the configured neighbouring
countries (``app.config["REGIONAL_COUNTRIES"]``, default GE, TR, RU, IR, KZ, UZ, TM, KG, TJ) are
the regional market; every other country is international. Remote work counts by the employer's
country. The same rule exists twice, once in Python (:func:`market_for`) and once as SQL
(:func:`market_case`) for reports that group in the database; tests keep them in step.
"""
from __future__ import annotations

from typing import Iterable

import re

from flask import current_app, has_app_context
from sqlalchemy import case, literal_column

from talent.config import DEFAULT_NEIGHBOURS

LOCAL_COUNTRY = "AZ"
LOCAL, REGIONAL, INTERNATIONAL = "local", "regional", "international"


_CODE = re.compile(r"^[A-Z]{2}$")


def regional_set(regional_countries: Iterable[str] | None) -> list[str]:
    codes = {(c or "").strip().upper() for c in (regional_countries or ()) if c} - {LOCAL_COUNTRY}
    return sorted(c for c in codes if _CODE.match(c))


def _sql_text(value: str):
    # Constants are inlined (they are checked two-letter codes or fixed words), so the same CASE
    # built twice renders the same SQL and PostgreSQL accepts it in SELECT and GROUP BY alike.
    assert re.match(r"^[a-zA-Z]+$", value)
    return literal_column(f"'{value}'")


def market_for(country_code: str | None, regional_countries: Iterable[str] | None = None) -> str | None:
    """``"local"``, ``"regional"`` or ``"international"`` for an employer's country code; None
    when the country is unknown."""
    if not country_code:
        return None
    code = country_code.strip().upper()
    if code == LOCAL_COUNTRY:
        return LOCAL
    if code in regional_set(regional_countries):
        return REGIONAL
    return INTERNATIONAL


def market_case(country_column, regional_countries: Iterable[str] | None = None):
    """A SQL ``CASE`` expression giving the market of ``country_column`` (e.g.
    ``Employer.country_code``), labelled ``market``-ready: use ``.label("market")`` and GROUP BY it."""
    regional = regional_set(regional_countries)
    whens = [(country_column == _sql_text(LOCAL_COUNTRY), _sql_text(LOCAL))]
    if regional:
        whens.append((country_column.in_([_sql_text(c) for c in regional]), _sql_text(REGIONAL)))
    return case(*whens, else_=_sql_text(INTERNATIONAL))


def current_regional_countries() -> tuple[str, ...]:
    """The configured regional countries of the running app (default neighbours outside one)."""
    if has_app_context():
        return tuple(current_app.config.get("REGIONAL_COUNTRIES", DEFAULT_NEIGHBOURS))
    return tuple(DEFAULT_NEIGHBOURS)
