"""Report filters: the period (year, quarter or custom dates) and the course filters (skill,
sector, level), parsed from a query string or a JSON body the same way for pages and the API.

Bad input never fails: every unusable value produces a message and falls back to the default
(the current year, no course filter), so a hand-edited URL still gets a correct, suppressed page.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from typing import Any, Mapping
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent.catalog.models import LEVELS, Sector, Skill
from talent.extensions import db
from talent import clock
from talent.validation import parse_int

EARLIEST = date(2000, 1, 1)
MAX_YEARS_AHEAD = 1
PERIOD_KINDS = ("year", "quarter", "custom")


EPOCH = date(1900, 1, 1)  # before any record


@dataclass(frozen=True)
class Filters:
    """What a report covers. ``start``/``end`` are inclusive dates (Baku time); ``today`` is the
    report date (placement rate at 6 months counts cohorts ended 183 days before it)."""
    start: date
    end: date
    today: date
    kind: str = "year"
    year: int | None = None
    quarter: int | None = None
    skill_id: int | None = None
    skill_code: str | None = None
    sector_id: int | None = None
    sector_code: str | None = None
    level: str | None = None
    # Set by drill-down pages, never from the query string.
    region_id: int | None = None
    center_id: int | None = None
    timezone: str = "Asia/Baku"

    @property
    def start_at(self) -> datetime:
        """The first instant of the period (midnight in the report time zone)."""
        return datetime.combine(self.start, time.min, tzinfo=ZoneInfo(self.timezone))

    @property
    def end_before(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=ZoneInfo(self.timezone))

    def query_args(self) -> dict[str, Any]:
        """The filters as query-string arguments (for links between reports and exports)."""
        args: dict[str, Any] = {"period": self.kind}
        if self.kind == "year":
            args["year"] = self.year
        elif self.kind == "quarter":
            args.update(year=self.year, quarter=self.quarter)
        else:
            args.update(start=self.start.isoformat(), end=self.end.isoformat())
        if self.skill_code:
            args["skill"] = self.skill_code
        if self.sector_code:
            args["sector"] = self.sector_code
        if self.level:
            args["level"] = self.level
        return args

    def describe(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "kind": self.kind,
                "skill": self.skill_code, "sector": self.sector_code, "level": self.level,
                "report_date": self.today.isoformat()}

    def with_period(self, start: date, end: date) -> "Filters":
        return replace(self, start=start, end=end, kind="custom", year=None, quarter=None)

    def anchor(self) -> date:
        """Where the running totals of the period's counts start (``DISCLOSURE_ANCHOR``): ``year``
        (the default) — 1 January of the period's first year, so a period starting on 1 January
        costs nothing extra, at the price of one independent draw per year a window may start in;
        ``epoch`` — before any record, so every window is a difference of the same running totals,
        at the price of reading all earlier history (docs/disclosure.md)."""
        from flask import current_app
        if current_app.config.get("DISCLOSURE_ANCHOR", "year") == "epoch":
            return EPOCH
        return date(self.start.year, 1, 1)

    def before_start(self) -> "Filters | None":
        """The records before the period back to the anchor (anchor to the day before ``start``),
        same filters: the cell-key method publishes a period's count as the
        difference of two perturbed running totals from the anchor (talent.reporting.suppression,
        docs/disclosure.md). None when nothing can precede the period."""
        anchor = self.anchor()
        if self.start <= anchor:
            return None
        return replace(self, start=anchor, end=self.start - timedelta(days=1), kind="custom", year=None,
                       quarter=None)

    def scoped(self, **kw) -> "Filters":
        return replace(self, **kw)


MAX_KEPT_QUARTERS = 8


def is_published(kind: Any, start: date, end: date) -> bool:
    """Whether [start, end] is what ``kind`` says: a calendar year or quarter (a published period),
    or ``quarters`` — whole consecutive quarters, at most :data:`MAX_KEPT_QUARTERS` (the window an
    objective on the outcome indicators is measured on) — whose report answers may be kept
    (talent.reporting.kept)."""
    if kind == "year":
        return (start, end) == (date(start.year, 1, 1), date(start.year, 12, 31))
    if start.day != 1 or start.month not in (1, 4, 7, 10) or end < start:
        return False
    if kind == "quarter":
        return (start, end) == quarter_bounds(start.year, (start.month - 1) // 3 + 1)
    if kind == "quarters":
        span = (end.year - start.year) * 4 + (end.month - 1) // 3 - (start.month - 1) // 3 + 1
        return 1 <= span <= MAX_KEPT_QUARTERS and end == quarter_bounds(end.year, (end.month - 1) // 3 + 1)[1]
    return False


def names_published_period(params: Any) -> bool:
    """Whether ``params`` (a kept answer's, or a message's) name a published period: ``kind``,
    ``start`` and ``end`` as ISO dates, a calendar year or quarter."""
    try:
        start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    except (KeyError, TypeError, ValueError):
        return False
    return is_published(params.get("kind"), start, end)


def published_filters(params: Mapping[str, Any], timezone: str, today: date) -> Filters:
    """The filters of a published period named by ``params`` (``kind``, ``start``, ``end`` as ISO
    dates), with no course filter."""
    start, end = date.fromisoformat(params["start"]), date.fromisoformat(params["end"])
    kind = params["kind"]
    return Filters(start=start, end=end, today=today, kind=kind, year=start.year if kind != "quarters" else None,
                   quarter=(start.month - 1) // 3 + 1 if kind == "quarter" else None, timezone=timezone)


def quarter_bounds(year: int, quarter: int) -> tuple[date, date]:
    start = date(year, 3 * (quarter - 1) + 1, 1)
    end = date(year + 1, 1, 1) if quarter == 4 else date(year, 3 * quarter + 1, 1)
    return start, end - timedelta(days=1)


def quarters_between(start: date, end: date) -> list[tuple[str, date, date]]:
    """Calendar quarters overlapping [start, end], each clipped to the range."""
    out = []
    year, quarter = start.year, (start.month - 1) // 3 + 1
    while True:
        q_start, q_end = quarter_bounds(year, quarter)
        if q_start > end:
            break
        out.append((f"{year}-Q{quarter}", max(q_start, start), min(q_end, end)))
        quarter += 1
        if quarter == 5:
            year, quarter = year + 1, 1
    return out


def _date(value: Any) -> date | None:
    text = str(value or "").strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _get(mapping: Mapping[str, Any], name: str) -> str:
    value = mapping.get(name) if mapping is not None else None
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


def parse_filters(mapping: Mapping[str, Any] | None, *, today: date | None = None,
                  timezone: str | None = None) -> tuple[Filters, list[str]]:
    """Read ``period`` (year | quarter | custom), ``year``, ``quarter``, ``start``, ``end``,
    ``skill`` (code), ``sector`` (code) and ``level``. Returns the filters and the messages for
    anything that was ignored."""
    mapping = mapping or {}
    messages: list[str] = []
    if today is None:
        today = clock.today()
    if timezone is None:
        try:
            from flask import current_app
            timezone = current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Baku")
        except RuntimeError:
            timezone = "Asia/Baku"
    latest = date(today.year + MAX_YEARS_AHEAD, 12, 31)

    kind = _get(mapping, "period").lower() or None
    if kind is None:
        # Infer from what was given, so ?year=2024 or ?start=..&end=.. work alone.
        if _get(mapping, "start") or _get(mapping, "end"):
            kind = "custom"
        elif _get(mapping, "quarter"):
            kind = "quarter"
        else:
            kind = "year"
    if kind not in PERIOD_KINDS:
        messages.append(_l("Unknown period type; showing the current year."))
        kind = "year"

    def default_year() -> tuple[str, int, None, date, date]:
        return "year", today.year, None, date(today.year, 1, 1), date(today.year, 12, 31)

    year = quarter = None
    if kind in ("year", "quarter"):
        raw_year = _get(mapping, "year")
        year = parse_int(raw_year) if raw_year else today.year
        if year is None or not EARLIEST.year <= year <= latest.year:
            messages.append(_l("The year must be between %(first)s and %(last)s; showing the current year.",
                               first=EARLIEST.year, last=latest.year))
            kind, year, quarter, start, end = default_year()
        elif kind == "year":
            start, end = date(year, 1, 1), date(year, 12, 31)
        else:
            raw_quarter = _get(mapping, "quarter")
            quarter = parse_int(raw_quarter) if raw_quarter else (today.month - 1) // 3 + 1
            if quarter not in (1, 2, 3, 4):
                messages.append(_l("The quarter must be 1, 2, 3 or 4; showing the whole year."))
                kind, quarter = "year", None
                start, end = date(year, 1, 1), date(year, 12, 31)
            else:
                start, end = quarter_bounds(year, quarter)
    else:
        start, end = _date(_get(mapping, "start")), _date(_get(mapping, "end"))
        if start is None or end is None:
            messages.append(_l("Give both dates as YYYY-MM-DD; showing the current year."))
            kind, year, quarter, start, end = default_year()
        elif end < start:
            messages.append(_l("The end date is before the start date; showing the current year."))
            kind, year, quarter, start, end = default_year()
        elif start < EARLIEST or end > latest:
            messages.append(_l("Dates must lie between %(first)s and %(last)s; showing the current year.",
                               first=EARLIEST.isoformat(), last=latest.isoformat()))
            kind, year, quarter, start, end = default_year()

    skill_id = skill_code = sector_id = sector_code = level = None
    raw_skill = _get(mapping, "skill")
    if raw_skill:
        skill = db.session.execute(select(Skill.id, Skill.code).where(Skill.code == raw_skill.upper()[:40])).first()
        if skill is None:
            messages.append(_l("Unknown skill; the skill filter was ignored."))
        else:
            skill_id, skill_code = skill.id, skill.code
    raw_sector = _get(mapping, "sector")
    if raw_sector:
        sector = db.session.execute(
            select(Sector.id, Sector.code).where(Sector.code == raw_sector.upper()[:40])).first()
        if sector is None:
            messages.append(_l("Unknown sector; the sector filter was ignored."))
        else:
            sector_id, sector_code = sector.id, sector.code
    raw_level = _get(mapping, "level").lower()
    if raw_level:
        if raw_level in LEVELS:
            level = raw_level
        else:
            messages.append(_l("Unknown course level; the level filter was ignored."))

    filters = Filters(start=start, end=end, today=today, kind=kind, year=year, quarter=quarter,
                      skill_id=skill_id, skill_code=skill_code, sector_id=sector_id,
                      sector_code=sector_code, level=level, timezone=timezone)
    return filters, messages
