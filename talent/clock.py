"""The application's one clock.

Every "today" the platform reasons about (deadlines, a cohort's days, an award's expiry, the
period a report covers, the date printed on a page, an export or a PDF) is the calendar date in
``TALENT_TIMEZONE`` (Asia/Baku by default) of the current instant — never the host's local date,
which on a server in UTC is a different day for four hours every evening.

``now()`` is the current instant (aware, UTC); ``today()`` its date in the app's zone;
``local_date(instant)`` the app-zone date of any stored instant. Tests take "today" from here too,
and CI runs the suite once more with the clock frozen at 23:30 UTC (see ``tests/conftest.py``).
"""
from __future__ import annotations

import calendar
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Baku"


def zone_name() -> str:
    """The configured zone inside an app context, the default outside one."""
    try:
        from flask import current_app
        return current_app.config.get("BABEL_DEFAULT_TIMEZONE") or DEFAULT_TIMEZONE
    except RuntimeError:  # no application context (a plain script, a unit test)
        return DEFAULT_TIMEZONE


def zone() -> ZoneInfo:
    return ZoneInfo(zone_name())


def now() -> datetime:
    return datetime.now(timezone.utc)


def today() -> date:
    return now().astimezone(zone()).date()


def local_date(instant: datetime | date | None) -> date | None:
    """The app-zone calendar date of a stored instant (naive datetimes are UTC, as stored)."""
    if instant is None or not isinstance(instant, datetime):
        return instant
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(zone()).date()


def add_months(day: date, months: int) -> date:
    """``day`` plus whole months, clamped to the month's last day (31 Aug + 6 → 28/29 Feb): award
    expiry, follow-up due dates and the demo's dates all count months this one way."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))
