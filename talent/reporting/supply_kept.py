"""Supply against demand kept per published period (issue 17: the page within its budget at 1M).

The figures about people (graduates per skill or occupation group and home region, those placed, the
median days to a first job) count *distinct people* over a period, which no per-day sum gives, and
cost one statement of about a second at 1,000,000 trainees. They are kept instead as **snapshots**
of the live statement's answer for the published periods (a calendar year or quarter, by skill or by
ISCO major group, with no course filter), read only while they are provably current:

- **Marks, in the writing transaction.** Every transaction that changes what the statement reads (an
  award issued, revoked or re-dated; a job recorded, moved, re-dated or rejected; a home region; a
  cohort's end date or course; an enrollment's cohort; a course's skills, sector or level; a vacancy)
  adds, just before it commits, one :class:`ReportSupplyMark` row per year it touches (``NULL``: every
  year). Writers only insert: two transactions never wait for each other here.
- **A snapshot is read only when no mark names one of its years** (one statement: the snapshot and
  the absence of marks are seen at one instant), the report summary is current in the report's
  time zone and its record keys are the ones in use. Otherwise the page computes the figures live,
  exactly as before, and (with a worker) asks for the snapshot to be made.
- **The refresh** (:func:`talent.reporting.supply_demand.refresh_kept`: the worker's periodic job, a
  miss's message, ``talent reports refresh-supply``, ``rebuild-summary``) runs under one lock: it
  reads the marks, deletes exactly those it read, and computes again every snapshot of their years
  (and any asked for) with the live statement. A mark committed after its read stays, so a snapshot
  that could have missed that change is not read until the next refresh; a change committed before
  its read is in the statement it runs after. The figures read are therefore always those of the live
  tables at the moment of the read — or the live statement itself.

Tests: tests/test_reports_supply_kept.py (every kind of write marks; a snapshot is read only when
current; the kept figures equal the live ones; rollback; ``check-summary``).
"""
from __future__ import annotations

from datetime import date
from itertools import chain
from typing import Any, Iterable

from sqlalchemy import delete, event, exists, func, insert, inspect, or_, select, text
from sqlalchemy.orm import Session

from talent.catalog.models import Course
from talent.credentials.models import Award
from talent.db import utcnow
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.placement.models import Placement, Vacancy
from talent.reporting.cellkey import fingerprint
from talent.reporting.models import ReportSupplyMark, ReportSupplySnapshot
from talent.reporting.summary import watched_changes

PENDING = "talent.supply_pending"
ALL = "all"
CHUNK = 500
LOCK_ID = 7_316_002_000_017   # pg_advisory_xact_lock: one refresh at a time, across app servers

# What the people statement reads, per model (a change to another attribute changes nothing there).
_WATCHED: dict[type, tuple[str, ...]] = {
    Award: ("issued_on", "revoked_at", "trainee_id", "enrollment_id"),
    Enrollment: ("cohort_id", "trainee_id"),
    Cohort: ("end_date", "course_id"),
    Trainee: ("home_region_id",),
    Placement: ("trainee_id", "start_date", "verification", "vacancy_id"),
    Course: ("sector_id", "level", "skills"),
    Vacancy: ("created_at", "closes_on", "closed_at", "occupation_code", "skills"),
}


def _pending(session: Session) -> dict[str, Any]:
    return session.info.setdefault(PENDING, {"years": set(), "trainees": set(), "cohorts": set(),
                                             "enrollments": set(), ALL: False})


def has_pending(session: Session) -> bool:
    """Whether this transaction changed something not yet turned into marks (read live then)."""
    pending = session.info.get(PENDING)
    return bool(pending) and any(pending.values())


def _values(obj, name: str) -> list[Any]:
    history = inspect(obj).attrs[name].history
    return [v for v in chain([getattr(obj, name)], history.deleted or ()) if v is not None]


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context) -> None:
    """Note what a flush changed that the people statement reads (before the history is reset)."""
    if not (session.new or session.dirty or session.deleted):
        return
    pending = None
    for obj, kind, is_dirty in watched_changes(session, _WATCHED):
        pending = pending or _pending(session)
        if kind is Award:
            pending["years"].update(d.year for d in _values(obj, "issued_on"))
        elif kind is Placement:
            pending["trainees"].update(_values(obj, "trainee_id"))
        elif kind is Trainee:
            if obj in session.deleted:
                pending[ALL] = True
            elif is_dirty:
                pending["trainees"].add(obj.id)
        elif kind is Cohort and is_dirty:
            pending["cohorts"].add(obj.id)
        elif kind is Enrollment and is_dirty:
            pending["enrollments"].add(obj.id)
        elif kind is Vacancy or (kind is Course and obj not in session.new):
            pending[ALL] = True   # rare writes: a vacancy moves the occupation groups' skills


def _award_years(session: Session, column, ids: set[int], join_enrollment: bool = False) -> set[int]:
    """The calendar years of the awards (any, revoked or not) whose ``column`` is one of ``ids``."""
    years: set[int] = set()
    ordered = sorted(ids)
    for i in range(0, len(ordered), CHUNK):
        stmt = select(func.min(Award.issued_on), func.max(Award.issued_on))
        if join_enrollment:
            stmt = stmt.join(Enrollment, Enrollment.id == Award.enrollment_id)
        low, high = session.execute(stmt.where(column.in_(ordered[i:i + CHUNK]))).one()
        if low is not None:
            years.update(range(low.year, high.year + 1))
    return years


@event.listens_for(Session, "before_commit")
def _before_commit(session: Session) -> None:
    """Turn the transaction's changes into marks, in the transaction (a savepoint's release keeps
    them for the commit of the whole transaction, as the report summary does)."""
    if session.in_nested_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    write_marks(session)


def write_marks(session: Session) -> int:
    """Write the marks of the changes noted so far (no-op when there are none); the number written."""
    pending = session.info.pop(PENDING, None)
    if not pending or not any(pending.values()):
        return 0
    if pending[ALL]:
        years: set[int | None] = {None}
    else:
        years = set(pending["years"])
        years |= _award_years(session, Award.trainee_id, pending["trainees"])
        years |= _award_years(session, Award.enrollment_id, pending["enrollments"])
        years |= _award_years(session, Enrollment.cohort_id, pending["cohorts"], join_enrollment=True)
    if not years:
        return 0
    session.execute(insert(ReportSupplyMark), [{"year": y} for y in sorted(years, key=lambda y: (y is None, y))])
    return len(years)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


# ---- snapshots ----------------------------------------------------------------------------------

def keepable(filters) -> bool:
    """Whether these filters name a published period kept as a snapshot: a calendar year or
    quarter, no course filter, no drill-down."""
    return (filters.kind in ("year", "quarter") and not (filters.skill_id or filters.sector_id or filters.level)
            and filters.region_id is None and filters.center_id is None)


def snapshot_key(by: str, start: date, end: date, timezone: str) -> str:
    return f"{by}|{start.isoformat()}|{end.isoformat()}|{timezone}"


def _marked(first_year: int, last_year: int):
    return exists().where(or_(ReportSupplyMark.year.is_(None),
                              ReportSupplyMark.year.between(first_year, last_year)))


def read(session: Session, filters, by: str) -> dict[str, Any] | None:
    """The kept figures of this period, or None when they are not provably current (see the
    module's docstring)."""
    if not keepable(filters) or has_pending(session):
        return None
    key = snapshot_key(by, filters.start, filters.end, filters.timezone)
    row = session.execute(
        select(ReportSupplySnapshot.figures, ReportSupplySnapshot.key_id)
        .where(ReportSupplySnapshot.key == key, ~_marked(filters.start.year, filters.end.year))).first()
    if row is None or row.key_id != fingerprint():
        return None
    return row.figures


def lock(session: Session) -> None:
    """One refresh at a time (PostgreSQL: a transaction advisory lock; SQLite allows one writer,
    and the refresh writes first)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": LOCK_ID})


def take_marks(session: Session) -> tuple[set[int], bool]:
    """Delete the marks visible now (exactly those read) and return their years and whether one
    named every year."""
    rows = session.execute(select(ReportSupplyMark.id, ReportSupplyMark.year)).all()
    ids = [r.id for r in rows]
    for i in range(0, len(ids), CHUNK):
        session.execute(delete(ReportSupplyMark).where(ReportSupplyMark.id.in_(ids[i:i + CHUNK])))
    return {r.year for r in rows if r.year is not None}, any(r.year is None for r in rows)


def stale_snapshots(session: Session, years: set[int], every_year: bool) -> list[ReportSupplySnapshot]:
    """The snapshots whose period overlaps one of ``years`` (all of them with ``every_year``), or
    that were made with other record keys."""
    stmt = select(ReportSupplySnapshot).order_by(ReportSupplySnapshot.id)
    if not every_year:
        conditions = [ReportSupplySnapshot.key_id != fingerprint()]
        overlap = [(ReportSupplySnapshot.first_year <= y) & (ReportSupplySnapshot.last_year >= y) for y in sorted(years)]
        stmt = stmt.where(or_(*conditions, *overlap))
    return list(session.scalars(stmt))


def store(session: Session, by: str, start: date, end: date, timezone: str, figures: dict[str, Any]) -> None:
    key = snapshot_key(by, start, end, timezone)
    row = session.scalar(select(ReportSupplySnapshot).where(ReportSupplySnapshot.key == key))
    if row is None:
        row = ReportSupplySnapshot(key=key, by=by, start=start, end=end, first_year=start.year, last_year=end.year)
        session.add(row)
    row.figures = figures
    row.key_id = fingerprint()
    row.computed_at = utcnow()
    session.flush()


def clear(session: Session) -> None:
    """Remove every snapshot and mark (``rebuild-summary`` makes the defaults again)."""
    session.execute(delete(ReportSupplySnapshot))
    session.execute(delete(ReportSupplyMark))


def snapshots(session: Session) -> list[ReportSupplySnapshot]:
    return list(session.scalars(select(ReportSupplySnapshot).order_by(ReportSupplySnapshot.key)))


def marked_years(session: Session) -> Iterable[int | None]:
    return session.scalars(select(ReportSupplyMark.year).distinct())
