"""The market of a placement (the strategy's local / regional / international labour markets).

Decided by the employer's country: ``AZ`` is the local market; the configured neighbouring
countries (``app.config["REGIONAL_COUNTRIES"]``, default GE, TR, RU, IR, KZ, UZ, TM, KG, TJ) are
the regional market; every other country is international. Remote work counts by the employer's
country. The same rule exists twice, once in Python (:func:`market_for`) and once as SQL
(:func:`market_case`) for reports that group in the database; tests keep them in step.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import case, literal

LOCAL_COUNTRY = "AZ"
LOCAL, REGIONAL, INTERNATIONAL = "local", "regional", "international"


def _regional_set(regional_countries: Iterable[str] | None) -> list[str]:
    return sorted({(c or "").strip().upper() for c in (regional_countries or ()) if c} - {LOCAL_COUNTRY})


def market_for(country_code: str | None, regional_countries: Iterable[str] | None = None) -> str | None:
    """``"local"``, ``"regional"`` or ``"international"`` for an employer's country code; None
    when the country is unknown."""
    if not country_code:
        return None
    code = country_code.strip().upper()
    if code == LOCAL_COUNTRY:
        return LOCAL
    if code in _regional_set(regional_countries):
        return REGIONAL
    return INTERNATIONAL


def market_case(country_column, regional_countries: Iterable[str] | None = None):
    """A SQL ``CASE`` expression giving the market of ``country_column`` (e.g.
    ``Employer.country_code``), labelled ``market``-ready: use ``.label("market")`` and GROUP BY it."""
    regional = _regional_set(regional_countries)
    whens = [(country_column == LOCAL_COUNTRY, literal(LOCAL))]
    if regional:
        whens.append((country_column.in_(regional), literal(REGIONAL)))
    return case(*whens, else_=literal(INTERNATIONAL))


def current_regional_countries() -> tuple[str, ...]:
    """The configured regional countries of the running app (default neighbours outside one)."""
    from flask import current_app, has_app_context

    from talent.config import DEFAULT_NEIGHBOURS
    if has_app_context():
        return tuple(current_app.config.get("REGIONAL_COUNTRIES", DEFAULT_NEIGHBOURS))
    return tuple(DEFAULT_NEIGHBOURS)
