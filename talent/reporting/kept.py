"""Report answers kept per published period (issue 17: the pages within their budget at 1M).

Two ministry answers cannot be summed from per-day rows: supply against demand counts *distinct
people* over a period, and the outcome indicators publish *medians* of pay. At 1,000,000 trainees
their live statements take 0.3–1.5 s. So the answer of the live statement itself is kept for the
published periods (a calendar year or quarter with no course filter) in :class:`ReportKeptSnapshot`,
and read only while it is provably current:

- **Marks, in the writing transaction.** A transaction that changes what a kept answer reads adds,
  before it commits, one :class:`ReportKeptMark` row per year it touches (``NULL``: every year):
  for supply against demand, just before the commit, the years of the awards behind an award issued,
  revoked or re-dated, a job recorded, moved, re-dated or rejected, a home region, a cohort's end date
  or course, an enrollment's cohort (a course's skills, sector or level, or a vacancy: every year);
  for the outcome indicators, the report summary's recount marks the exit years of every kept exit
  it changes (:func:`mark_years`, talent/reporting/exits.py). Writers only insert: two transactions
  never wait for each other here.
- **An answer is read only when no mark names one of its years** (one statement: the snapshot and
  the absence of marks are seen at one instant), the report summary is current in the report's time
  zone and its record keys are the ones in use. Otherwise the page computes the figures live, exactly
  as before, and (with a worker) asks for the snapshot to be made.
- **The refresh** (:func:`talent.reporting.snapshots.refresh`: the worker's periodic job, a miss's
  message, the embedded ticker, ``talent reports refresh-kept``, ``rebuild-summary``) runs under one
  lock: it reads the marks, deletes exactly those it read, and computes again every snapshot of their
  years with the live statement. A mark committed after its read stays, so a snapshot that could have
  missed that change is not read until the next refresh; a change committed before its read is in the
  statements it runs after. The figures read are therefore always those of the live tables at the
  moment of the read — or the live statement itself.

Tests: tests/test_reports_supply_kept.py, tests/test_reports_outcomes_kept.py,
tests/test_reports_supply_worker.py.
"""
from __future__ import annotations

import time
from typing import Any, Iterable

from flask import current_app
from sqlalchemy import delete, event, exists, func, insert, or_, select, text
from sqlalchemy.orm import Session

from talent.catalog.models import Course
from talent.centers.models import Center
from talent.credentials.models import Award
from talent.db import attribute_values, utcnow, watched_changes
from talent.learning.models import Cohort, Enrollment
from talent.notifications import worker
from talent.people.models import Trainee
from talent.placement.models import Placement, Vacancy
from talent.reporting.cellkey import fingerprint
from talent.reporting.models import ReportKeptMark, ReportKeptSnapshot

PENDING = "talent.kept_pending"
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
    Center: ("region_id",),   # the outcome indicators by region join the center's region when read
}


def _pending(session: Session) -> dict[str, Any]:
    return session.info.setdefault(PENDING, {"years": set(), "trainees": set(), "cohorts": set(),
                                             "enrollments": set(), ALL: False})


def has_pending(session: Session) -> bool:
    """Whether this transaction changed something not yet turned into marks (read live then)."""
    pending = session.info.get(PENDING)
    return bool(pending) and any(pending.values())


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context) -> None:
    """Note what a flush changed that the people statement reads (before the history is reset)."""
    if not (session.new or session.dirty or session.deleted):
        return
    pending = None
    for obj, kind, is_dirty in watched_changes(session, _WATCHED):
        pending = pending or _pending(session)
        if kind is Award:
            pending["years"].update(d.year for d in attribute_values(obj, "issued_on"))
        elif kind is Placement:
            pending["trainees"].update(attribute_values(obj, "trainee_id"))
        elif kind is Trainee:
            if obj in session.deleted:
                pending[ALL] = True
            elif is_dirty:
                pending["trainees"].add(obj.id)
        elif kind is Cohort and is_dirty:
            pending["cohorts"].add(obj.id)
        elif kind is Enrollment and is_dirty:
            pending["enrollments"].add(obj.id)
        elif kind is Vacancy or (kind in (Course, Center) and obj not in session.new):
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
    mark_years(session, years)
    return len(years)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)


# ---- snapshots ----------------------------------------------------------------------------------

def mark_years(session: Session, years: Iterable[int | None]) -> None:
    """Mark these years now, in the caller's transaction (the summary's recount of kept exits)."""
    wanted = sorted(set(years), key=lambda y: (y is None, y))
    if wanted:
        session.execute(insert(ReportKeptMark), [{"year": y} for y in wanted])


JOB = "talent.reports.kept"
# Part of every kept answer's key: a release that changes what a report keeps (its figures' shape or
# definitions) raises it, so the answers kept before are never read and the next refresh replaces them.
FORMAT = 1
ASK_AGAIN_SECONDS = 10.0   # a busy page asks once per answer in this time, not once per view
_asked: dict[tuple, float] = {}


def ask(report: str, params: dict[str, Any]) -> None:
    """Ask the worker (when there is one) to keep this answer; without a broker nothing is sent (the
    embedded ticker and ``talent reports refresh-kept`` keep the default periods)."""
    request = (report, *sorted(params.items()))
    now = time.monotonic()
    if now - _asked.get(request, -ASK_AGAIN_SECONDS) < ASK_AGAIN_SECONDS:
        return
    _asked[request] = now
    try:
        worker.send_job(current_app._get_current_object(), JOB, [[report, params]])
    except Exception:  # noqa: BLE001 - the page is answered live; the periodic refresh catches up
        current_app.logger.warning("kept reports: could not ask the worker for a snapshot", exc_info=True)


def keepable(filters) -> bool:
    """Whether these filters name a published period kept as a snapshot: a calendar year or
    quarter, no course filter, no drill-down."""
    return (filters.kind in ("year", "quarter") and not (filters.skill_id or filters.sector_id or filters.level)
            and filters.region_id is None and filters.center_id is None)


def _marked(first_year: int, last_year: int):
    return exists().where(or_(ReportKeptMark.year.is_(None), ReportKeptMark.year.between(first_year, last_year)))


def read(session: Session, key: str, first_year: int, last_year: int) -> dict[str, Any] | None:
    """The kept answer under ``key``, or None when it is not provably current (see the module's
    docstring): missing, a mark names one of the years, this transaction has changes not yet
    marked, or it was made with other record keys."""
    if has_pending(session):
        return None
    row = session.execute(
        select(ReportKeptSnapshot.figures, ReportKeptSnapshot.key_id)
        .where(ReportKeptSnapshot.key == key, ~_marked(first_year, last_year))).first()
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
    rows = session.execute(select(ReportKeptMark.id, ReportKeptMark.year)).all()
    ids = [r.id for r in rows]
    for i in range(0, len(ids), CHUNK):
        session.execute(delete(ReportKeptMark).where(ReportKeptMark.id.in_(ids[i:i + CHUNK])))
    return {r.year for r in rows if r.year is not None}, any(r.year is None for r in rows)


def stale(session: Session, years: set[int], every_year: bool) -> list[ReportKeptSnapshot]:
    """The snapshots whose period overlaps one of ``years`` (all of them with ``every_year``), or
    that were made with other record keys."""
    stmt = select(ReportKeptSnapshot).order_by(ReportKeptSnapshot.id)
    if not every_year:
        overlap = [(ReportKeptSnapshot.first_year <= y) & (ReportKeptSnapshot.last_year >= y) for y in sorted(years)]
        stmt = stmt.where(or_(ReportKeptSnapshot.key_id != fingerprint(), *overlap))
    return list(session.scalars(stmt))


def store(session: Session, report: str, key: str, first_year: int, last_year: int, params: dict[str, Any],
          figures: dict[str, Any]) -> None:
    row = session.scalar(select(ReportKeptSnapshot).where(ReportKeptSnapshot.key == key))
    if row is None:
        row = ReportKeptSnapshot(key=key, report=report)
        session.add(row)
    row.params, row.first_year, row.last_year = params, first_year, last_year
    row.figures, row.key_id, row.computed_at = figures, fingerprint(), utcnow()
    session.flush()


def clear(session: Session) -> None:
    """Remove every snapshot and mark (``rebuild-summary`` makes the defaults again)."""
    session.execute(delete(ReportKeptSnapshot))
    session.execute(delete(ReportKeptMark))


def snapshots(session: Session, report: str | None = None) -> list[ReportKeptSnapshot]:
    stmt = select(ReportKeptSnapshot).order_by(ReportKeptSnapshot.key)
    if report is not None:
        stmt = stmt.where(ReportKeptSnapshot.report == report)
    return list(session.scalars(stmt))
