"""The report summary: per-cohort counts that let the national and regional reports sum a few
tens of thousands of rows instead of scanning every enrollment (docs/performance.md).

**Kept current by the write path, in the same transaction.** Session events note every cohort
whose figures a flush may have changed — an enrollment's status, dates or cohort; an award
issued, revoked or renewed; a placement of one of its completers recorded, verified, rejected
or moved; the cohort's own dates — and before the transaction commits those cohorts' summary rows
are rebuilt from their live rows (:func:`sync`). Code that writes these tables with Core
statements (bulk imports, cohort-wide status updates) calls :func:`mark_cohorts` itself. On
PostgreSQL the cohorts are locked (``FOR UPDATE``, in id order) before their rows are recounted,
so two transactions touching one cohort cannot overwrite each other's counts.

**Read only when built.** The tables are used while the single :class:`ReportSummaryState` row
exists and names the report's time zone; otherwise the reports read the live tables (always
correct, slower). ``talent reports rebuild-summary`` builds everything from the live tables
(after restoring a backup made elsewhere, or after changing TALENT_TIMEZONE);
``talent reports check-summary`` compares it with the live queries.

The live queries in :mod:`talent.reporting.queries` stay the definition: the tests run every
report both ways and require equal figures.
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from itertools import chain
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, update, event, exists, func, insert, inspect, literal_column, or_, select, text
from sqlalchemy.orm import Session

from talent.credentials.models import Award
from talent.catalog.models import Course
from talent.centers.models import Center
from talent.learning.models import Cohort, Enrollment
from talent.placement.markets import INTERNATIONAL, current_regional_countries, market_for, regional_set
from talent.placement.models import Employer, Placement
from talent.geo.models import Region
from talent.people.models import Trainee
from talent.reporting.dimensions import (EVER_ENROLLED, FINISHED, PLACEMENT_WINDOW_DAYS, TRAINEE_DIMENSIONS,
                                         age_band_case, dimension_column, home_case, with_dimension_joins,
                                         course_conditions)
from talent.reporting.cellkey import fingerprint, key_name, key_sql, record_key
from talent.reporting import exits
from talent.reporting.models import (DAY_FIGURES, NO_PREVIOUS, ReportCenterDay, ReportCohortDay, ReportCohortPlacement,
                                     ReportCohortTotal, ReportExit, ReportExitDay, ReportGroupCenterDay, ReportGroupDay,
                                     ReportPlacementEmployerMonth, ReportPlacementMonth,
                                     ReportGroupTotal, ReportSummaryState)
from talent import signals
from talent.db import before_commit_step, watched_changes
from talent.learning.models import EnrollmentStatus
from talent.placement.models import PlacementStatus

MARKS = "talent_report_summary_marks"
CHUNK = 1000  # cohorts per statement (bounded IN lists and memory)

# Attributes whose change can move a cohort's figures.
_WATCHED = {
    Enrollment: ("status", "enrolled_at", "completed_at", "withdrawn_at", "cohort_id", "trainee_id"),
    Award: ("enrollment_id", "issued_on", "revoked_at", "renewal_of_id"),
    Placement: ("trainee_id", "start_date", "end_date", "verification", "employer_id"),
    Cohort: ("start_date", "end_date", "center_id", "course_id", "status"),  # center, course: representative rows
    Center: ("region_id",),  # the representative rows per region
    Trainee: ("gender", "birth_date", "home_region_id"),  # the fairness groups
    Employer: ("country_code",),  # the markets of the exits' jobs
    Course: ("sector_id",),  # the sector of its cohorts' placement rows
}


# ---- what changed ----------------------------------------------------------------------------

def _marks(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(MARKS, {"cohorts": set(), "enrollments": set(), "trainees": set(),
                                                  "people": set(), "centers": set(), "employers": set(),
                                                  "courses": set()})


def mark_cohorts(session: Session, cohort_ids: Iterable[int]) -> None:
    """Recount these cohorts before the transaction commits (for Core writes the ORM events do
    not see)."""
    _marks(session)["cohorts"].update(i for i in cohort_ids if i is not None)


@signals.cohort_completed.connect
@signals.cohort_cancelled.connect
def _on_cohort_closed(_actor, *, cohort: Cohort, **_) -> None:
    """Completing or cancelling a cohort changes its enrollments by a Core update, which the ORM
    events below do not see: recount the cohort at the commit."""
    session = inspect(cohort).session
    if session is not None:
        mark_cohorts(session, [cohort.id])


def _values(obj, name: str, *, changed_only: bool) -> list[Any]:
    """The attribute's current value plus, when it changed in this flush, its previous ones."""
    history = inspect(obj).attrs[name].history
    if changed_only:
        return list(chain(history.added or (), history.deleted or ()))
    return [getattr(obj, name)] + list(history.deleted or ())


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context) -> None:
    """Note the cohorts (directly or through enrollments and trainees) a flush touched. Runs
    with the pre-flush state still visible (new/dirty/deleted and attribute history)."""
    if not (session.new or session.dirty or session.deleted):
        return
    marks = None
    for obj, kind, is_dirty in watched_changes(session, _WATCHED):
        marks = marks or _marks(session)
        if kind is Enrollment:
            marks["cohorts"].update(v for v in _values(obj, "cohort_id", changed_only=False) if v)
        elif kind is Award:
            marks["enrollments"].update(v for v in _values(obj, "enrollment_id", changed_only=False) if v)
        elif kind is Placement:
            marks["trainees"].update(v for v in _values(obj, "trainee_id", changed_only=False) if v)
        elif kind is Cohort and is_dirty:
            marks["cohorts"].add(obj.id)
        elif kind is Trainee and is_dirty:
            marks["people"].add(obj.id)  # every cohort of theirs: their group moved
        elif kind is Center and is_dirty:
            marks["centers"].add(obj.id)  # its cohorts' representative rows per region
        elif kind is Employer and is_dirty:
            marks["employers"].add(obj.id)  # the market of its employees' exits
        elif kind is Course and is_dirty:
            marks["courses"].add(obj.id)  # its cohorts' representative rows per sector


@before_commit_step(10)   # before the follow-up queue's trainee locks (talent.db)
def _before_commit(session: Session) -> None:
    # SQLAlchemy sends before_commit for a savepoint's release too; the steps run only at the
    # commit of the whole transaction: a bulk action that takes a savepoint per item (deciding
    # fifty applications) recounts each cohort once, not once per item.
    sync(session)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    # Only when the whole transaction ends. A savepoint rolled back keeps the marks: the changes
    # made before it (and by earlier savepoints) are still to be counted, and counting a cohort
    # that ends up unchanged is only a recount of its live rows.
    if transaction.parent is None:
        session.info.pop(MARKS, None)


def sync(session: Session) -> None:
    """Flush, then recount every cohort the transaction touched (no-op when nothing did)."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    marks = session.info.get(MARKS)
    if not marks or not any(marks.values()):
        return
    session.info.pop(MARKS, None)
    tz = built_timezone(session)
    if tz is None:
        return
    cohort_ids = set(marks["cohorts"])
    if marks["employers"]:
        for chunk in _chunks(sorted(marks["employers"])):
            marks["trainees"].update(session.scalars(
                select(Placement.trainee_id).where(Placement.employer_id.in_(chunk)).distinct()))
    if marks["enrollments"]:
        for chunk in _chunks(sorted(marks["enrollments"])):
            cohort_ids.update(session.scalars(select(Enrollment.cohort_id).where(Enrollment.id.in_(chunk))))
    if marks["trainees"]:
        for chunk in _chunks(sorted(marks["trainees"])):
            # The cohorts they completed (their placement rows) or left otherwise (their exits).
            cohort_ids.update(session.scalars(
                select(Enrollment.cohort_id).where(Enrollment.trainee_id.in_(chunk),
                                                   Enrollment.status.in_(FINISHED)).distinct()))
    if marks["people"]:
        for chunk in _chunks(sorted(marks["people"])):
            cohort_ids.update(session.scalars(
                select(Enrollment.cohort_id).where(Enrollment.trainee_id.in_(chunk)).distinct()))
    if marks["centers"]:
        for chunk in _chunks(sorted(marks["centers"])):
            cohort_ids.update(session.scalars(select(Cohort.id).where(Cohort.center_id.in_(chunk))))
    if marks["courses"]:
        for chunk in _chunks(sorted(marks["courses"])):
            cohort_ids.update(session.scalars(select(Cohort.id).where(Cohort.course_id.in_(chunk))))
    refresh(session, cohort_ids, tz)


# ---- recounting --------------------------------------------------------------------------------

def _chunks(ids: list[int], size: int = CHUNK):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def built_timezone(session: Session) -> str | None:
    return session.scalar(select(ReportSummaryState.timezone).where(ReportSummaryState.id == 1))


def built_markets(session: Session) -> tuple[str, ...]:
    """The regional countries the kept exits' markets were taken with."""
    label = session.scalar(select(ReportSummaryState.markets).where(ReportSummaryState.id == 1))
    return tuple(label.split(",")) if label else ()


def _add_days(session: Session, column, days: int):
    if session.get_bind().dialect.name == "sqlite":
        return func.date(column, f"+{int(days)} days")
    return column + literal_column(str(int(days)))


GROUPS = ("gender", "age_band", "home")  # the columns of the group tables (TRAINEE_DIMENSIONS)


def _group_columns(session: Session) -> list:
    """The trainee group of each enrollment (gender, age band on the cohort's first day, home
    region as baku/other), as the live queries define them."""
    baku = session.scalar(select(Region.id).where(Region.code == Region.BAKU_CODE))
    return [Trainee.gender.label("gender"), age_band_case().label("age_band"), home_case(baku).label("home")]


def _totals(session: Session, cohort_ids: list[int]) -> list[dict[str, Any]]:
    """Per cohort and trainee group: the :class:`ReportGroupTotal` rows."""
    completed = Enrollment.status == EnrollmentStatus.COMPLETED
    key = key_sql(Enrollment.id, "enrollment")
    groups = _group_columns(session)
    placed_within = exists().where(
        Placement.trainee_id == Enrollment.trainee_id,
        Placement.verification != PlacementStatus.REJECTED,
        Placement.start_date <= _add_days(session, Cohort.end_date, PLACEMENT_WINDOW_DAYS),
        or_(Placement.end_date.is_(None), Placement.end_date >= Cohort.end_date))
    stmt = (select(Enrollment.cohort_id, *groups,
                   func.count().filter(Enrollment.status == EnrollmentStatus.ENROLLED).label("active"),
                   func.count().filter(completed).label("completed"),
                   func.count().filter(Enrollment.status.in_(FINISHED)).label("finished"),
                   func.count().filter(and_(completed, placed_within)).label("placed"),
                   func.coalesce(func.sum(key).filter(Enrollment.status == EnrollmentStatus.ENROLLED), 0).label("active_key"),
                   func.coalesce(func.sum(key).filter(completed), 0).label("completed_key"),
                   func.coalesce(func.sum(key).filter(Enrollment.status.in_(FINISHED)), 0).label("finished_key"),
                   func.coalesce(func.sum(key).filter(and_(completed, placed_within)), 0).label("placed_key"))
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id))
    stmt = (stmt.where(Enrollment.cohort_id.in_(cohort_ids),
                       Enrollment.status.in_((EnrollmentStatus.ENROLLED,) + FINISHED))
            .group_by(Enrollment.cohort_id, *groups))
    return [{**{n: getattr(r, n) for n in ("cohort_id",) + GROUPS}, "active": r.active, "completed": r.completed,
             "finished": r.finished, "placed": r.placed, "active_key": int(r.active_key),
             "completed_key": int(r.completed_key), "finished_key": int(r.finished_key),
             "placed_key": int(r.placed_key)} for r in session.execute(stmt)]


def _days(session: Session, cohort_ids: list[int], tz: ZoneInfo) -> list[dict[str, Any]]:
    """Per cohort, day and trainee group: the :class:`ReportGroupDay` rows."""
    # enrolled, completed, completed_awarded, certified, then the four key sums
    counts: dict[tuple, list[int]] = defaultdict(lambda: [0] * 8)
    key = key_sql(Enrollment.id, "enrollment")
    groups = _group_columns(session)
    original_award = (select(Award.id).where(Award.enrollment_id == Enrollment.id, Award.renewal_of_id.is_(None),
                                             Award.revoked_at.is_(None)).exists())
    stmt = (select(Enrollment.cohort_id, Enrollment.status, Enrollment.enrolled_at, Enrollment.completed_at,
                   original_award.label("awarded"), key.label("key"), *groups)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .where(Enrollment.cohort_id.in_(cohort_ids), Enrollment.status.in_(EVER_ENROLLED)))
    for cohort_id, status, enrolled_at, completed_at, awarded, record_key, *group in session.execute(stmt):
        if enrolled_at is not None:
            bucket = counts[(cohort_id, enrolled_at.astimezone(tz).date(), *group)]
            bucket[0] += 1
            bucket[4] += record_key
        if status == EnrollmentStatus.COMPLETED and completed_at is not None:
            bucket = counts[(cohort_id, completed_at.astimezone(tz).date(), *group)]
            bucket[1] += 1
            bucket[5] += record_key
            if awarded:
                bucket[2] += 1
                bucket[6] += record_key
    awards = (select(Enrollment.cohort_id, Award.issued_on, *groups, func.count(), func.sum(key))
              .select_from(Award).join(Enrollment, Enrollment.id == Award.enrollment_id)
              .join(Cohort, Cohort.id == Enrollment.cohort_id)
              .join(Trainee, Trainee.id == Enrollment.trainee_id))
    awards = (awards.where(Enrollment.cohort_id.in_(cohort_ids), Award.revoked_at.is_(None),
                           Award.renewal_of_id.is_(None))
              .group_by(Enrollment.cohort_id, Award.issued_on, *groups))
    for cohort_id, issued_on, *rest in session.execute(awards):
        *group, n, key_sum = rest
        counts[(cohort_id, issued_on, *group)][3] += n
        counts[(cohort_id, issued_on, *group)][7] += int(key_sum or 0)
    names = ("cohort_id", "day") + GROUPS
    return [{**dict(zip(names, k)), "enrolled": v[0], "completed": v[1], "completed_awarded": v[2],
             "certified": v[3], "enrolled_key": v[4], "completed_key": v[5], "completed_awarded_key": v[6],
             "certified_key": v[7]} for k, v in counts.items()]


def _placements(cohort_ids: list[int], baku: int | None):
    """The cohorts' placement rows (:class:`ReportCohortPlacement`) with the groups their
    representative flags depend on: (cohort, placement, region, center, course, age band, trainee,
    employer, start, gender, home, sector, the employer's country)."""
    return (select(Enrollment.cohort_id, Placement.id.label("placement_id"), Center.region_id, Cohort.center_id,
                   Cohort.course_id, age_band_case().label("age_band"), Placement.trainee_id, Placement.employer_id,
                   Placement.start_date, Trainee.gender, home_case(baku).label("home"), Course.sector_id,
                   Employer.country_code)
            .select_from(Enrollment)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Course, Course.id == Cohort.course_id)
            .join(Center, Center.id == Cohort.center_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .join(Placement, Placement.trainee_id == Enrollment.trainee_id)
            .join(Employer, Employer.id == Placement.employer_id)
            .where(Enrollment.cohort_id.in_(cohort_ids), Enrollment.status == EnrollmentStatus.COMPLETED,
                   Placement.verification != PlacementStatus.REJECTED,
                   Cohort.start_date <= Placement.start_date)
            .distinct())


REPRESENTATIVE_FLAGS = ("rep_all", "rep_region", "rep_center", "rep_course", "rep_age", "rep_sector")


# Per flag, the column with the start of the trainee's previous flagged row in the same group.
PREVIOUS_STARTS = ("prev_all", "prev_region", "prev_center", "prev_course", "prev_age", "prev_sector")
PREVIOUS_OF = dict(zip(REPRESENTATIVE_FLAGS, PREVIOUS_STARTS))


KEPT_GROUPS = ("region_id", "center_id", "course_id", "gender", "age_band", "home", "sector_id")


def _representative_rows(session: Session, placement_ids: list[int]):
    """The rows of these placements with their groups (live), current flags and kept groups."""
    F = ReportCohortPlacement
    baku = session.scalar(select(Region.id).where(Region.code == Region.BAKU_CODE))
    return session.execute(
        select(F.cohort_id, F.placement_id, Center.region_id, Cohort.center_id, Cohort.course_id,
               age_band_case().label("age_band"), Trainee.gender, home_case(baku).label("home"), Course.sector_id,
               *[getattr(F, n) for n in REPRESENTATIVE_FLAGS],
               *[getattr(F, n).label(f"kept_{n}") for n in KEPT_GROUPS], F.trainee_id, F.pkey, F.tkey, F.market,
               Employer.country_code)
        .select_from(F).join(Cohort, Cohort.id == F.cohort_id).join(Center, Center.id == Cohort.center_id)
        .join(Employer, Employer.id == F.employer_id)
        .join(Course, Course.id == Cohort.course_id)
        .join(Trainee, Trainee.id == F.trainee_id)
        .where(F.placement_id.in_(placement_ids))).all()


def representative_flags(rows) -> dict[tuple[int, int], tuple[bool, ...]]:
    """(cohort id, placement id) -> the flags it should carry: for each grouping, whether it is the
    row with the lowest cohort id among the placement's rows in its group."""
    lowest: dict[tuple, int] = {}
    groups = {}
    for r in rows:
        cohort_id, placement_id = r.cohort_id, r.placement_id
        keys = ((0, placement_id), (1, placement_id, r.region_id), (2, placement_id, r.center_id),
                (3, placement_id, r.center_id, r.course_id), (4, placement_id, r.age_band),
                (5, placement_id, r.sector_id))
        groups[(cohort_id, placement_id)] = keys
        for key in keys:
            if key not in lowest or cohort_id < lowest[key]:
                lowest[key] = cohort_id
    return {row: tuple(lowest[key] == row[0] for key in keys) for row, keys in groups.items()}


def mark_representatives(session: Session, placement_ids: Iterable[int]) -> None:
    """Recompute the representative flags of every row of these placements: only the rows whose
    flags change are written."""
    trainees: set[int] = set()
    for chunk in _chunks(sorted(set(placement_ids))):
        rows = _representative_rows(session, chunk)
        _write_flags(session, rows, representative_flags(rows))
        trainees.update(session.scalars(select(ReportCohortPlacement.trainee_id)
                                        .where(ReportCohortPlacement.placement_id.in_(chunk))))
    mark_previous_starts(session, trainees)


def _people_rows(session: Session, trainee_ids: list[int]):
    """Every row of these trainees with its kept groups, flags and previous starts."""
    F = ReportCohortPlacement
    return session.execute(
        select(F.cohort_id, F.placement_id, F.trainee_id, F.start_date, F.region_id, F.center_id, F.course_id,
               F.age_band, F.sector_id, *[getattr(F, n) for n in REPRESENTATIVE_FLAGS],
               *[getattr(F, n) for n in PREVIOUS_STARTS])
        .where(F.trainee_id.in_(trainee_ids))).all()


def previous_starts(rows) -> dict[tuple[int, int], tuple[date | None, ...]]:
    """(cohort id, placement id) -> per flag, the start of the trainee's previous row carrying that
    flag in the same group (rows in (start, placement id) order), None on the first and on rows
    without the flag. ``rows`` must hold every row of their trainees."""
    chains: dict[tuple, list[tuple[date, int, int]]] = defaultdict(list)
    out: dict[tuple[int, int], list[date | None]] = {}
    for r in rows:
        out[(r.cohort_id, r.placement_id)] = [None] * len(REPRESENTATIVE_FLAGS)
        groups = ((), (r.region_id,), (r.center_id,), (r.center_id, r.course_id), (r.age_band,), (r.sector_id,))
        for i, (flag, group) in enumerate(zip(REPRESENTATIVE_FLAGS, groups)):
            if getattr(r, flag):
                chains[(i, r.trainee_id, *group)].append((r.start_date, r.placement_id, r.cohort_id))
    for (i, *_), chain_rows in chains.items():
        chain_rows.sort()
        previous = None
        for start, placement_id, cohort_id in chain_rows:
            out[(cohort_id, placement_id)][i] = previous
            previous = start
    return {row: tuple(values) for row, values in out.items()}


def mark_previous_starts(session: Session, trainee_ids: Iterable[int]) -> None:
    """Recompute the previous starts of every row of these trainees (after their flags are right):
    only the rows whose values change are written."""
    for chunk in _chunks(sorted(set(trainee_ids))):
        rows = _people_rows(session, chunk)
        _write_changed(session, rows, previous_starts(rows), PREVIOUS_STARTS, getattr)


def wrong_previous_starts(session: Session, limit: int = 20) -> list[str]:
    """Rows whose previous starts differ from a recomputation (``check-summary``)."""
    F = ReportCohortPlacement
    ids = list(session.scalars(select(F.trainee_id).distinct().order_by(F.trainee_id)))
    out: list[str] = []
    for chunk in _chunks(ids):
        rows = _people_rows(session, chunk)
        wanted = previous_starts(rows)
        for r in rows:
            stored = tuple(getattr(r, n) for n in PREVIOUS_STARTS)
            if stored != wanted[(r.cohort_id, r.placement_id)]:
                out.append(f"placement {r.placement_id} cohort {r.cohort_id}: previous starts "
                           f"{dict(zip(PREVIOUS_STARTS, map(str, stored)))} should be "
                           f"{dict(zip(PREVIOUS_STARTS, map(str, wanted[(r.cohort_id, r.placement_id)])))}")
                if len(out) >= limit:
                    return out
    return out


def _refresh_placements(session: Session, chunk: list[int], markets: tuple[str, ...],
                        months: "PlacementMonths | None" = None) -> set[int]:
    """Replace these cohorts' placement rows, each written once with its representative flags,
    and correct the flags of the other cohorts' rows of the same placements (only those that
    change: the lowest cohort id of a group moved). Returns the trainees whose rows these were or
    are (their previous starts are recomputed once every chunk is written). ``months`` is told the
    trainees before any of their rows is written (the monthly roll-up adds their difference)."""
    F = ReportCohortPlacement
    old_rows = session.execute(select(F.placement_id, F.trainee_id).where(F.cohort_id.in_(chunk))).all()
    touched = {r.placement_id for r in old_rows}
    trainees = {r.trainee_id for r in old_rows}
    baku = session.scalar(select(Region.id).where(Region.code == Region.BAKU_CODE))
    new_rows = session.execute(_placements(chunk, baku)).all()
    touched.update(r.placement_id for r in new_rows)
    trainees.update(r.trainee_id for r in new_rows)
    if months is not None:
        # Every row this chunk writes (its own, the flags of the same placements' other rows, the
        # previous starts) is a row of these trainees.
        months.before(session, trainees)
    session.execute(delete(F).where(F.cohort_id.in_(chunk)))
    regional = regional_set(markets)
    others = [r for part in _chunks(sorted(touched)) for r in _representative_rows(session, part)]
    wanted = representative_flags(chain(others, new_rows))
    if new_rows:
        session.execute(insert(F), [
            {"cohort_id": r.cohort_id, "placement_id": r.placement_id, "trainee_id": r.trainee_id,
             "employer_id": r.employer_id, "start_date": r.start_date, "region_id": r.region_id,
             "center_id": r.center_id, "course_id": r.course_id, "gender": r.gender, "age_band": r.age_band,
             "home": r.home, "sector_id": r.sector_id,
             "pkey": record_key(r.placement_id, "placement"), "tkey": record_key(r.trainee_id, "trainee"),
             # As the reports' market CASE: an employer without a country is international.
             "market": market_for(r.country_code, regional) or INTERNATIONAL,
             **dict(zip(REPRESENTATIVE_FLAGS, wanted[(r.cohort_id, r.placement_id)]))} for r in new_rows])
    _write_flags(session, others, wanted)
    return trainees


def _write_flags(session: Session, rows, wanted) -> None:
    _write_changed(session, rows, wanted, REPRESENTATIVE_FLAGS, lambda r, n: bool(getattr(r, n)))


def _write_changed(session: Session, rows, wanted, names: tuple[str, ...], stored) -> None:
    """Write ``names`` of the placement rows whose stored values (``stored(row, name)``) differ from
    ``wanted[(cohort id, placement id)]``: an executemany ``UPDATE`` by primary key."""
    changes = [{"cohort_id": r.cohort_id, "placement_id": r.placement_id,
                **dict(zip(names, wanted[(r.cohort_id, r.placement_id)]))}
               for r in rows if tuple(stored(r, n) for n in names) != wanted[(r.cohort_id, r.placement_id)]]
    if changes:
        session.execute(update(ReportCohortPlacement), changes)


def wrong_representatives(session: Session, limit: int = 20) -> list[str]:
    """Rows of report_cohort_placements whose representative flags or kept groups differ from a
    recomputation (``check-summary``)."""
    F = ReportCohortPlacement
    ids = list(session.scalars(select(F.placement_id).distinct().order_by(F.placement_id)))
    regional = regional_set(built_markets(session))
    out: list[str] = []
    for chunk in _chunks(ids):
        rows = _representative_rows(session, chunk)
        wanted = representative_flags(rows)
        for r in rows:
            market = market_for(r.country_code, regional) or INTERNATIONAL
            if r.market != market:
                out.append(f"placement {r.placement_id} cohort {r.cohort_id}: market {r.market} should be {market}")
            kept = tuple(getattr(r, f"kept_{n}") for n in KEPT_GROUPS)
            live = tuple(getattr(r, n) for n in KEPT_GROUPS)
            keys = (record_key(r.placement_id, "placement"), record_key(r.trainee_id, "trainee"))
            if (r.pkey, r.tkey) != keys:
                out.append(f"placement {r.placement_id} cohort {r.cohort_id}: record keys {(r.pkey, r.tkey)} "
                           f"should be {keys}")
            if kept != live:
                out.append(f"placement {r.placement_id} cohort {r.cohort_id}: groups {dict(zip(KEPT_GROUPS, kept))} "
                           f"should be {dict(zip(KEPT_GROUPS, live))}")
            stored = tuple(bool(getattr(r, n)) for n in REPRESENTATIVE_FLAGS)
            if stored != wanted[(r.cohort_id, r.placement_id)]:
                out.append(f"placement {r.placement_id} cohort {r.cohort_id}: representative flags "
                           f"{dict(zip(REPRESENTATIVE_FLAGS, stored))} should be "
                           f"{dict(zip(REPRESENTATIVE_FLAGS, wanted[(r.cohort_id, r.placement_id)]))}")
                if len(out) >= limit:
                    return out
    return out


SUMMARY_TABLES = (ReportCohortTotal, ReportCohortDay, ReportCenterDay, ReportGroupTotal, ReportGroupDay, ReportCohortPlacement,
                  ReportExit, ReportExitDay, ReportPlacementMonth, ReportGroupCenterDay, ReportPlacementEmployerMonth)


def _summed(rows: list[dict[str, Any]], keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """Group rows added up per ``keys`` (the trainee group columns dropped)."""
    out: dict[tuple, dict[str, Any]] = {}
    for row in rows:
        k = tuple(row[n] for n in keys)
        target = out.get(k)
        if target is None:
            out[k] = {n: v for n, v in row.items() if n not in GROUPS}
            continue
        for n, v in row.items():
            if n not in keys and n not in GROUPS:
                target[n] += v
    return list(out.values())


def refresh(session: Session, cohort_ids: Iterable[int], tz_name: str, *, roll_up: bool = True) -> None:
    """Recount these cohorts' summary rows from their live rows (in the caller's transaction).
    ``roll_up=False`` leaves the monthly placement roll-up alone (the rebuild counts it whole)."""
    ids = sorted(set(cohort_ids))
    if not ids:
        return
    tz = ZoneInfo(tz_name)
    markets = built_markets(session)
    months = PlacementMonths() if roll_up else None
    trainees: set[int] = set()
    differences: dict[tuple, dict[str, int]] = {}
    group_differences: dict[tuple, dict[str, int]] = {}
    for chunk in _chunks(ids):
        if session.get_bind().dialect.name == "postgresql":
            # Serialise with any other transaction recounting the same cohorts (id order: no deadlock
            # between two recounts).
            session.execute(select(Cohort.id).where(Cohort.id.in_(chunk)).order_by(Cohort.id).with_for_update())
        group_totals, group_days = _totals(session, chunk), _days(session, chunk, tz)
        # The cohort rows are the group rows summed over the groups (one pass over the live rows).
        cohort_days = _summed(group_days, ("cohort_id", "day"))
        kept = {r.id: {"center_id": r.center_id, "start_date": r.start_date, "end_date": r.end_date}
                for r in session.execute(select(Cohort.id, Cohort.center_id, Cohort.start_date, Cohort.end_date)
                                         .where(Cohort.id.in_(chunk)))}
        cohort_totals = _summed(group_totals, ("cohort_id",))
        for row in chain(cohort_days, group_days):
            row["center_id"] = kept[row["cohort_id"]]["center_id"]
        for row in chain(cohort_totals, group_totals):
            row.update(kept[row["cohort_id"]])
        # The center day rows (overall and per trainee group) change by the difference between the
        # cohorts' new and old day rows (the old ones under the center they were added to).
        for table, new_rows, target in ((ReportCohortDay, cohort_days, differences),
                                        (ReportGroupDay, group_days, group_differences)):
            old_rows = session.execute(select(table.__table__).where(table.cohort_id.in_(chunk))).mappings()
            keys = CENTER_DAY_KEYS[table]
            _add_day_sums(target, new_rows, keys, sign=1)
            _add_day_sums(target, old_rows, keys, sign=-1)
        rows = {ReportGroupTotal: group_totals, ReportGroupDay: group_days,
                ReportCohortTotal: cohort_totals,
                ReportCohortDay: cohort_days}
        for table, values in rows.items():
            session.execute(delete(table).where(table.cohort_id.in_(chunk)))
            if values:
                session.execute(insert(table), values)
        trainees |= _refresh_placements(session, chunk, markets, months)
        exits.refresh_exits(session, chunk, tz, markets)
    # Once for every chunk, in key order: two recounts lock the center rows in the same order (as
    # they lock their cohorts), so they wait for each other and never deadlock.
    add_center_days(session, differences)
    add_group_center_days(session, group_differences)
    mark_previous_starts(session, trainees)
    if months is not None:
        months.add_difference(session)


# The key of a cohort's day row in its center's roll-up, per table of cohort day rows.
CENTER_DAY_KEYS = {ReportCohortDay: ("center_id", "day"), ReportGroupDay: ("center_id", "day") + GROUPS}


def _add_day_sums(out: dict[tuple, dict[str, int]], rows, keys: tuple[str, ...], sign: int) -> None:
    """Add day rows (mappings with ``keys``) to ``out`` per key, times ``sign``."""
    for row in rows:
        target = out.setdefault(tuple(row[k] for k in keys), dict.fromkeys(DAY_FIGURES, 0))
        for name in DAY_FIGURES:
            target[name] += sign * int(row[name] or 0)


def add_center_days(session: Session, differences: dict[tuple, dict[str, int]]) -> None:
    """Add ``differences`` ((center, day) → figures) to the center day rows."""
    add_differences(session, ReportCenterDay, ("center_id", "day"), DAY_FIGURES,
                    {k: [v[n] for n in DAY_FIGURES] for k, v in differences.items()})


def add_group_center_days(session: Session, differences: dict[tuple, dict[str, int]]) -> None:
    """Add ``differences`` ((center, day, gender, age band, home) → figures) to the group center day rows."""
    add_differences(session, ReportGroupCenterDay, ("center_id", "day") + GROUPS, DAY_FIGURES,
                    {k: [v[n] for n in DAY_FIGURES] for k, v in differences.items()})


def add_differences(session: Session, model, keys: tuple[str, ...], names: tuple[str, ...],
                    differences: dict[tuple, list[int]]) -> None:
    """Add ``differences`` (key values → values of ``names``) to the roll-up ``model``: one upsert per
    key that adds (rows created as needed), in key order so two transactions adding to the same
    rows wait for each other instead of deadlocking; rows left all zero are removed."""
    changed = sorted(k for k, v in differences.items() if any(v))
    if not changed:
        return
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as upsert
    else:
        from sqlalchemy.dialects.sqlite import insert as upsert
    table = model.__table__
    stmt = upsert(table)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c[k] for k in keys],
                                      set_={n: table.c[n] + stmt.excluded[n] for n in names})
    session.execute(stmt, [dict(zip(keys, k), **dict(zip(names, differences[k]))) for k in changed])
    # Rows are removed as soon as they are all zero, so the only ones now are among those just
    # changed (narrowed by the leading key columns: a range of the primary key).
    leading = [table.c[name].in_(sorted({k[i] for k in changed})) for i, name in enumerate(keys[:3])]
    session.execute(delete(model).where(*leading, *[table.c[n] == 0 for n in names]))


def wrong_center_days(session: Session, limit: int = 20) -> list[str]:
    """Center day rows (overall and per trainee group) that differ from the sum of their cohorts' day
    rows (``check-summary``)."""
    out: list[str] = []
    for rows, kept_model, label in ((ReportCohortDay, ReportCenterDay, "center day"),
                                    (ReportGroupDay, ReportGroupCenterDay, "group center day")):
        keys = CENTER_DAY_KEYS[rows]
        wanted = {tuple(r[:len(keys)]): tuple(int(v) for v in r[len(keys):]) for r in session.execute(
            select(*[getattr(rows, k) for k in keys], *[func.sum(getattr(rows, n)) for n in DAY_FIGURES])
            .group_by(*[getattr(rows, k) for k in keys]))}
        wanted = {k: v for k, v in wanted.items() if any(v)}
        out.extend(_wrong_kept(session, kept_model, keys, DAY_FIGURES, wanted, label))
    return out[:limit]


def _wrong_kept(session: Session, model, keys: tuple[str, ...], names: tuple[str, ...],
                wanted: dict[tuple, tuple], label: str) -> list[str]:
    """The rows of the roll-up ``model`` (key columns ``keys``, values ``names``) that differ from
    ``wanted`` (key values → values), missing or extra, one line each for ``check-summary``."""
    kept = {tuple(r[:len(keys)]): tuple(r[len(keys):]) for r in session.execute(
        select(*[getattr(model, k) for k in keys], *[getattr(model, n) for n in names]))}
    return [f"{label} {key}: kept {kept.get(key)} should be {wanted.get(key)}"
            for key in sorted(set(wanted) | set(kept)) if wanted.get(key) != kept.get(key)]


def wrong_total_cohorts(session: Session, limit: int = 20) -> list[str]:
    """Total rows whose kept center or dates, and day rows whose kept center, are not their
    cohort's (``check-summary``)."""
    out: list[str] = []
    for T in (ReportCohortTotal, ReportGroupTotal):
        rows = session.execute(
            select(T.cohort_id, T.center_id, T.start_date, T.end_date, Cohort.center_id.label("c"),
                   Cohort.start_date.label("s"), Cohort.end_date.label("e"))
            .join(Cohort, Cohort.id == T.cohort_id)
            .where(or_(T.center_id != Cohort.center_id, T.start_date != Cohort.start_date,
                       T.end_date != Cohort.end_date)).limit(limit)).all()
        out.extend(f"{T.__tablename__} cohort {r.cohort_id}: kept center and dates {(r.center_id, str(r.start_date), str(r.end_date))} "
                   f"should be {(r.c, str(r.s), str(r.e))}" for r in rows)
    # The day rows keep their cohort's center too: a center's figures read them by it.
    for D in (ReportCohortDay, ReportGroupDay):
        rows = session.execute(
            select(D.cohort_id, D.day, D.center_id, Cohort.center_id.label("c"))
            .join(Cohort, Cohort.id == D.cohort_id).where(D.center_id != Cohort.center_id).limit(limit)).all()
        out.extend(f"{D.__tablename__} cohort {r.cohort_id} day {r.day}: kept center {r.center_id} should be {r.c}"
                   for r in rows)
    return out[:limit]


# ---- placements per month (revision 0030_placement_months) ---------------------------------------

# Per scope of report_placement_months: the representative flag, its previous start and the group
# column of report_cohort_placements (None: nationally, group 0).
MONTH_SCOPES = (("all", "rep_all", "prev_all", None), ("region", "rep_region", "prev_region", "region_id"),
                ("center", "rep_center", "prev_center", "center_id"), ("sector", "rep_sector", "prev_sector", "sector_id"))
MonthKey = tuple[str, int, date, str, date]
MONTH_KEYS = ("scope", "group_id", "month", "market", "prev_quarter")
EMPLOYER_MONTH_KEYS = ("region_id", "month", "employer_id")


def quarter_start(day: date) -> date:
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def _month_rows(session: Session, trainee_ids: list[int] | None):
    F = ReportCohortPlacement
    columns = [F.start_date, F.market, F.pkey, F.tkey, F.region_id, F.center_id, F.sector_id, F.employer_id,
               *[getattr(F, flag) for _, flag, _, _ in MONTH_SCOPES], *[getattr(F, prev) for _, _, prev, _ in MONTH_SCOPES]]
    stmt = select(*columns)
    if trainee_ids is not None:
        stmt = stmt.where(F.trainee_id.in_(trainee_ids))
    else:
        stmt = stmt.execution_options(yield_per=20000)
    return session.execute(stmt)


def month_contributions(rows, out: dict[MonthKey, list[int]] | None = None, sign: int = 1,
                        employers: dict[tuple, list[int]] | None = None) -> dict[MonthKey, list[int]]:
    """What placement rows add to report_placement_months: per key, [placements, pkey sum, tkey sum];
    and, into ``employers`` when given, to report_placement_employer_months: per (region, month,
    employer), [placements, pkey sum] of the rows flagged per region."""
    out = {} if out is None else out
    for r in rows:
        month = r.start_date.replace(day=1)
        if employers is not None and r.rep_region:
            target = employers.setdefault((r.region_id, month, r.employer_id), [0, 0])
            target[0] += sign
            target[1] += sign * int(r.pkey)
        for scope, flag, prev, group in MONTH_SCOPES:
            if not getattr(r, flag):
                continue
            group_id = 0 if group is None else getattr(r, group)
            if group_id is None:   # a course without a sector: no sector row
                continue
            previous = getattr(r, prev)
            key = (scope, group_id, month, r.market, NO_PREVIOUS if previous is None else quarter_start(previous))
            target = out.setdefault(key, [0, 0, 0])
            target[0] += sign
            target[1] += sign * int(r.pkey)
            target[2] += sign * int(r.tkey)
    return out


class PlacementMonths:
    """The monthly roll-up's difference over one recount: the rows of the trainees it touches, read
    before the first of their rows is written (:meth:`before`) and again at the end."""

    def __init__(self) -> None:
        self.trainees: set[int] = set()
        self.difference: dict[MonthKey, list[int]] = {}
        self.employers: dict[tuple, list[int]] = {}

    def before(self, session: Session, trainee_ids: Iterable[int]) -> None:
        new = sorted(set(trainee_ids) - self.trainees)
        for chunk in _chunks(new):
            month_contributions(_month_rows(session, chunk), self.difference, sign=-1, employers=self.employers)
        self.trainees.update(new)

    def add_difference(self, session: Session) -> None:
        for chunk in _chunks(sorted(self.trainees)):
            month_contributions(_month_rows(session, chunk), self.difference, sign=1, employers=self.employers)
        add_placement_months(session, self.difference)
        add_differences(session, ReportPlacementEmployerMonth, EMPLOYER_MONTH_KEYS, ("placements", "pkey"),
                        self.employers)


def add_placement_months(session: Session, differences: dict[MonthKey, list[int]]) -> None:
    """Add ``differences`` to report_placement_months (:func:`add_differences`)."""
    add_differences(session, ReportPlacementMonth, MONTH_KEYS, ("placements", "pkey", "tkey"), differences)


# The monthly roll-ups of the placement rows: (model, key columns, value columns, label).
MONTH_TABLES = ((ReportPlacementMonth, MONTH_KEYS, ("placements", "pkey", "tkey"), "placement month"),
                (ReportPlacementEmployerMonth, EMPLOYER_MONTH_KEYS, ("placements", "pkey"), "employer month"))


def _all_month_rows(session: Session) -> tuple[dict[MonthKey, list[int]], dict[tuple, list[int]]]:
    out: dict[MonthKey, list[int]] = {}
    employers: dict[tuple, list[int]] = {}
    month_contributions(_month_rows(session, None), out, employers=employers)
    return ({k: v for k, v in out.items() if v[0]}, {k: v for k, v in employers.items() if v[0]})


def rebuild_placement_months(session: Session) -> None:
    """Count the monthly roll-ups whole from the placement rows (the rebuild)."""
    for (model, keys, names, _), rows in zip(MONTH_TABLES, _all_month_rows(session)):
        session.execute(delete(model))
        ordered = sorted(rows)
        for i in range(0, len(ordered), 5000):
            session.execute(insert(model), [dict(zip(keys, k), **dict(zip(names, rows[k])))
                                            for k in ordered[i:i + 5000]])


def wrong_placement_months(session: Session, limit: int = 20) -> list[str]:
    """Monthly rows that differ from the placement rows added up again (``check-summary``)."""
    out: list[str] = []
    for (model, keys, names, label), wanted in zip(MONTH_TABLES, _all_month_rows(session)):
        out.extend(_wrong_kept(session, model, keys, names, {k: tuple(v) for k, v in wanted.items()}, label))
    return out[:limit]


def rebuild(session: Session, tz_name: str) -> dict[str, int]:
    """Build the summary tables from scratch for every cohort and record that they are current.
    Returns the row counts."""
    session.execute(delete(ReportSummaryState))
    for table in SUMMARY_TABLES:
        session.execute(delete(table))
    if session.get_bind().dialect.name == "postgresql":
        # Right after a bulk load (the demo, a restore) the planner has no statistics for these tables
        # and chose a full join per chunk of cohorts: minutes instead of seconds at 1M. ANALYZE runs
        # inside the transaction and sees its own rows.
        session.execute(text("ANALYZE cohorts, enrollments, awards, placements, trainees"))
    ids = list(session.scalars(select(Enrollment.cohort_id).distinct().order_by(Enrollment.cohort_id)))
    # The state row first (the flags wait for the commit): the recount takes the markets from it.
    session.add(_state(tz_name))
    session.flush()
    refresh(session, ids, tz_name, roll_up=False)
    rebuild_placement_months(session)
    if session.get_bind().dialect.name == "postgresql":
        # The same for the summary's own tables, which the reports read next.
        session.execute(text("ANALYZE report_cohort_days, report_cohort_totals, report_group_days, "
                             "report_group_totals, report_cohort_placements, report_exits, report_exit_days, "
                             "report_center_days, report_placement_months, report_group_center_days, "
                             "report_placement_employer_months"))
    session.info.pop(MARKS, None)  # everything is counted
    return {"cohorts": len(ids),
            "cohort_rows": session.scalar(select(func.count()).select_from(ReportCohortTotal)) or 0,
            "day_rows": session.scalar(select(func.count()).select_from(ReportCohortDay)) or 0,
            "group_rows": session.scalar(select(func.count()).select_from(ReportGroupTotal)) or 0,
            "group_day_rows": session.scalar(select(func.count()).select_from(ReportGroupDay)) or 0,
            "placement_rows": session.scalar(select(func.count()).select_from(ReportCohortPlacement)) or 0,
            "exit_rows": session.scalar(select(func.count()).select_from(ReportExit)) or 0}


def _state(tz_name: str) -> ReportSummaryState:
    """The state row of a summary built now: its time zone, record keys and regional countries."""
    return ReportSummaryState(id=1, timezone=tz_name, key_id=fingerprint(),
                              markets=exits.markets_label(current_regional_countries()))


def mark_built_if_empty(session: Session, tz_name: str) -> bool:
    """A database with no enrollments has a current (empty) summary: record it. Returns whether
    the summary is (now) in use."""
    if built_timezone(session) is not None:
        return True
    if session.scalar(select(Enrollment.id).limit(1)) is not None:
        return False
    session.add(_state(tz_name))
    session.flush()
    return True


# ---- reading --------------------------------------------------------------------------------

SUMMARY_DIMENSIONS = (None, "region", "center", "course", "skill", *TRAINEE_DIMENSIONS)


STATE_MARKETS = "talent_report_summary_markets"


def is_current(session: Session, tz_name: str) -> bool:
    """Whether the summary is built in this time zone with the configured record keys. The markets
    the state row records are noted for :func:`markets_current`, which a report asks right after."""
    state = session.execute(select(ReportSummaryState.timezone, ReportSummaryState.key_id,
                                   ReportSummaryState.markets).where(ReportSummaryState.id == 1)).first()
    session.info[STATE_MARKETS] = state.markets if state is not None else None
    return state is not None and state.timezone == tz_name and state.key_id == fingerprint()


def exits_current(session: Session, tz_name: str) -> bool:
    """Whether the kept exits can answer the outcome indicators: the summary is current and its
    exits' markets were taken with the configured regional countries."""
    return is_current(session, tz_name) and markets_current(session)


def markets_current(session: Session) -> bool:
    """Whether the summary's kept markets were taken with the configured regional countries: the
    label the state row held when :func:`is_current` last read it in this session (every report
    that reads the kept markets asks whether the summary is current first), else read now."""
    label = session.info[STATE_MARKETS] if STATE_MARKETS in session.info else session.scalar(
        select(ReportSummaryState.markets).where(ReportSummaryState.id == 1))
    return label == exits.markets_label(current_regional_countries())


def usable(session: Session, filters, dimension: str | None) -> bool:
    """Whether the summary can answer this report: a cohort dimension (or none) and a summary
    built in the report's time zone with the configured record keys."""
    if dimension not in SUMMARY_DIMENSIONS:
        return False
    return is_current(session, filters.timezone)


DAY_METRICS = ("enrolled", "completed", "cert_num", "cert_den", "certified")


def _course_filtered(filters) -> bool:
    """Whether the filters narrow the courses (the center day rows cannot answer then)."""
    return bool(filters.level or filters.sector_id or filters.skill_id)


def _center_day_where(stmt, filters, join_center: bool = False, C=ReportCenterDay, period: bool = True):
    """The period and the place filters (region, center) on a statement over rows with a
    ``center_id`` (``C``: the center day rows, overall or per trainee group; or, ``period=False``,
    the total rows, whose period condition is the caller's)."""
    if join_center:
        stmt = stmt.join(Center, Center.id == C.center_id)
    if period:
        stmt = stmt.where(C.day.between(filters.start, filters.end))
    if filters.region_id:
        stmt = stmt.where(C.center_id.in_(select(Center.id).where(Center.region_id == filters.region_id)))
    if filters.center_id:
        stmt = stmt.where(C.center_id == filters.center_id)
    return stmt


def enrollment_metrics(session: Session, filters, dimension: str | None,
                       wanted: Iterable[str] | None = None) -> dict[Any, dict[str, int]]:
    """The enrollment metrics of :func:`talent.reporting.queries.enrollment_metrics` (those in
    ``wanted``, default all), from the summary. Groups whose metrics are all zero are left out."""
    wanted = set(wanted) if wanted is not None else None
    conds = course_conditions(filters)
    # A tuple of trainee dimensions groups by all of them at once (keys are tuples): one pass over
    # the group rows for several groupings, which add up (talent.reporting.queries.metrics_by).
    several = isinstance(dimension, tuple)
    by_group = several or dimension in TRAINEE_DIMENSIONS
    D, T = (ReportGroupDay, ReportGroupTotal) if by_group else (ReportCohortDay, ReportCohortTotal)
    if several:
        if not dimension or not set(dimension) <= set(TRAINEE_DIMENSIONS):
            raise ValueError(f"only trainee dimensions group together, not {dimension!r}")
        day_keys = [getattr(D, d).label(f"k{i}") for i, d in enumerate(dimension)]
        cohort_keys = [getattr(T, d).label(f"k{i}") for i, d in enumerate(dimension)]
    elif by_group:  # a column of the group tables
        day_keys, cohort_keys = [getattr(D, dimension).label("k")], [getattr(T, dimension).label("k")]
    else:
        day_keys = cohort_keys = [dimension_column(dimension, filters).label("k")]

    def key_of(row):
        return tuple(row[:len(dimension)]) if several else row.k

    def total(column, cond=None):
        agg = func.sum(column) if cond is None else func.sum(column).filter(cond)
        return func.coalesce(agg, 0)

    by_center = not by_group and dimension in (None, "region", "center") and not _course_filtered(filters)
    by_group_center = by_group and not _course_filtered(filters)
    if by_center:  # the center day rows: a few thousand a year
        D = ReportCenterDay
        day_keys = [{None: literal_column("0"), "region": Center.region_id, "center": D.center_id}[dimension]
                    .label("k")]
    elif by_group_center:  # the same per trainee group: the group columns have the same names
        D = ReportGroupCenterDay
        day_keys = ([getattr(D, d).label(f"k{i}") for i, d in enumerate(dimension)] if several
                    else [getattr(D, dimension).label("k")])
    day_stmt = select(*day_keys, total(D.enrolled).label("enrolled"), total(D.completed).label("completed"),
                      total(D.completed_awarded).label("cert_num"), total(D.certified).label("certified"),
                      total(D.enrolled_key).label("enrolled__key"), total(D.completed_key).label("completed__key"),
                      total(D.completed_awarded_key).label("cert_num__key"),
                      total(D.certified_key).label("certified__key")
                      ).select_from(D)
    if by_center:
        day_stmt = _center_day_where(day_stmt, filters, join_center=dimension == "region")
    elif by_group_center:
        day_stmt = _center_day_where(day_stmt, filters, C=ReportGroupCenterDay)
    else:
        if (dimension is not None and not by_group) or conds:  # the national figure needs no cohort attribute
            day_stmt = day_stmt.join(Cohort, Cohort.id == D.cohort_id)
            if not by_group:
                day_stmt = with_dimension_joins(day_stmt, dimension)
        day_stmt = day_stmt.where(D.day.between(filters.start, filters.end), *conds)
        if filters.center_id:
            # The cohort's center kept on its day rows equals the cohort's (check-summary proves
            # it): one center's days of the period through ix_report_cohort_days_center_id_day
            # (a center's course and skill breakdown at 1M: 126 -> 32 ms each).
            day_stmt = day_stmt.where(D.center_id == filters.center_id)

    # The cohort's center and dates are kept on its total rows: without a course filter or a course
    # dimension the totals are read without joining cohorts.
    own = not _course_filtered(filters) and (by_group or dimension in (None, "region", "center"))
    cohort_end, cohort_start = (T.end_date, T.start_date) if own else (Cohort.end_date, Cohort.start_date)
    ended = cohort_end.between(filters.start, filters.end)
    cutoff = filters.today - timedelta(days=PLACEMENT_WINDOW_DAYS)
    past = and_(ended, cohort_end <= cutoff)
    pending = and_(ended, cohort_end > cutoff)
    if own and not by_group:
        cohort_keys = [{None: literal_column("0"), "region": Center.region_id, "center": T.center_id}[dimension]
                       .label("k")]
    cohort_stmt = (select(*cohort_keys, total(T.active).label("active"), total(T.completed, ended).label("completion_num"),
                          total(T.finished, ended).label("completion_den"),
                          total(T.completed, past).label("placement_den"),
                          total(T.placed, past).label("placement_num"),
                          total(T.completed, pending).label("placement_pending"),
                          total(T.active_key).label("active__key"),
                          total(T.completed_key, ended).label("completion_num__key"),
                          total(T.finished_key, ended).label("completion_den__key"),
                          total(T.completed_key, past).label("placement_den__key"),
                          total(T.placed_key, past).label("placement_num__key"),
                          total(T.completed_key, pending).label("placement_pending__key"))
                   .select_from(T))
    if own:
        if dimension == "region":
            cohort_stmt = cohort_stmt.join(Center, Center.id == T.center_id)
        cohort_stmt = _center_day_where(cohort_stmt.where(cohort_start <= filters.end, cohort_end >= filters.start),
                                        filters, C=T, period=False)
    else:
        cohort_stmt = cohort_stmt.join(Cohort, Cohort.id == T.cohort_id)
        if not by_group:
            cohort_stmt = with_dimension_joins(cohort_stmt, dimension)
        cohort_stmt = cohort_stmt.where(cohort_start <= filters.end, cohort_end >= filters.start, *conds)
    if dimension is not None:
        day_stmt, cohort_stmt = day_stmt.group_by(*day_keys), cohort_stmt.group_by(*cohort_keys)

    out: dict[Any, dict[str, int]] = {}
    if wanted is None or wanted & set(DAY_METRICS):
        for row in session.execute(day_stmt):
            values = {n: int(getattr(row, n)) for m in ("enrolled", "completed", "cert_num", "certified")
                      for n in (m, key_name(m))}
            values["cert_den"] = values["completed"]
            values[key_name("cert_den")] = values[key_name("completed")]
            out.setdefault(key_of(row), {}).update(values)
    if wanted is None or wanted - set(DAY_METRICS):
        for row in session.execute(cohort_stmt):
            out.setdefault(key_of(row), {}).update({n: int(getattr(row, n)) for m in (
                "active", "completion_num", "completion_den", "placement_den", "placement_num", "placement_pending")
                for n in (m, key_name(m))})
    if wanted is not None:
        keep = wanted | {key_name(m) for m in wanted}
        out = {k: {m: v for m, v in values.items() if m in keep} for k, values in out.items()}
    return {k: v for k, v in out.items() if any(v.values())}


def trend_counts(session: Session, filters, day_buckets: list[tuple[str, date, date]]) -> dict[str, dict[str, int]]:
    """Per quarter (``(label, first day, day after the last)``): enrollments, completions and
    awards from the summary. The database sums per day (at most a few hundred rows per year);
    the days fall into their quarters here."""
    from bisect import bisect_right

    by_center = not _course_filtered(filters)
    D = ReportCenterDay if by_center else ReportCohortDay
    conds = course_conditions(filters)
    stmt = select(D.day, func.sum(D.enrolled), func.sum(D.completed), func.sum(D.certified),
                  func.sum(D.enrolled_key), func.sum(D.completed_key), func.sum(D.certified_key)).select_from(D)
    if by_center:
        stmt = _center_day_where(stmt, filters).group_by(D.day)
    else:
        stmt = (stmt.join(Cohort, Cohort.id == D.cohort_id)
                .where(D.day.between(filters.start, filters.end), *conds).group_by(D.day))
    starts = [lo for _, lo, _ in day_buckets]
    out: dict[str, dict[str, int]] = {}
    names = ("enrollments", "completions", "awards")
    for day, *sums in session.execute(stmt):
        i = bisect_right(starts, day) - 1
        if i < 0 or day >= day_buckets[i][2]:
            continue
        values = out.setdefault(day_buckets[i][0], {n: 0 for m in names for n in (m, key_name(m))})
        for m, count, key_sum in zip(names, sums[:3], sums[3:]):
            values[m] += int(count or 0)
            values[key_name(m)] += int(key_sum or 0)
    return out


# ---- checking --------------------------------------------------------------------------------


# ---- adding a bulk import's enrollments --------------------------------------------------------

def add_enrolled(session: Session, cohort_id: int, trainee_ids: Iterable[int]) -> None:
    """Count enrollments just inserted into ``cohort_id`` for ``trainee_ids`` with status
    ``enrolled`` (no completion, no award: a bulk import's new rows) into the cohort's summary
    rows, instead of recounting the whole cohort from its live rows. The import's rows are read
    once, aggregated by the database (the trainee group, the local day of ``enrolled_at``, the
    record keys), and added to the group and cohort rows (one active enrollment each; one
    enrollment on its day). Waitlisted rows change nothing. When the summary is not built nothing
    is done; when the cohort is already marked for a recount in this transaction, the recount
    counts them. On PostgreSQL the cohort is locked first, as :func:`refresh` does, so a recount
    in another transaction waits for this one and then sees these rows."""
    ids = sorted(set(trainee_ids))
    if not ids or built_timezone(session) is None:
        return
    if cohort_id in session.info.get(MARKS, {}).get("cohorts", ()):
        return
    tz = ZoneInfo(built_timezone(session))
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(select(Cohort.id).where(Cohort.id == cohort_id).with_for_update())
    key = key_sql(Enrollment.id, "enrollment")
    groups = _group_columns(session)
    days: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    totals: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    for chunk in _id_chunks(session, ids):
        stmt = (select(Enrollment.enrolled_at, *groups, func.count(), func.sum(key))
                .join(Cohort, Cohort.id == Enrollment.cohort_id)
                .join(Trainee, Trainee.id == Enrollment.trainee_id)
                .where(Enrollment.cohort_id == cohort_id, Enrollment.trainee_id.in_(chunk),
                       Enrollment.status == EnrollmentStatus.ENROLLED, Enrollment.completed_at.is_(None))
                .group_by(Enrollment.enrolled_at, *groups))
        for enrolled_at, *rest in session.execute(stmt):
            *group, n, key_sum = rest
            totals[tuple(group)][0] += n
            totals[tuple(group)][1] += int(key_sum or 0)
            if enrolled_at is not None:
                bucket = days[(enrolled_at.astimezone(tz).date(), *group)]
                bucket[0] += n
                bucket[1] += int(key_sum or 0)
    if not totals:
        return

    def summed(counts: dict[tuple, list[int]], width: int) -> dict[tuple, list[int]]:
        out: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
        for k, (n, key_sum) in counts.items():
            out[k[:width]][0] += n
            out[k[:width]][1] += key_sum
        return out

    cohort = session.execute(select(Cohort.center_id, Cohort.start_date, Cohort.end_date)
                             .where(Cohort.id == cohort_id)).one()
    center_id = cohort.center_id
    kept = {"center_id": cohort.center_id, "start_date": cohort.start_date, "end_date": cohort.end_date}
    _add_to(session, ReportGroupTotal, cohort_id, GROUPS, totals, ("active", "active_key"), extra=kept)
    _add_to(session, ReportCohortTotal, cohort_id, (), summed(totals, 0), ("active", "active_key"), extra=kept)
    _add_to(session, ReportGroupDay, cohort_id, ("day",) + GROUPS, days, ("enrolled", "enrolled_key"),
            extra={"center_id": center_id})
    cohort_days = summed(days, 1)
    _add_to(session, ReportCohortDay, cohort_id, ("day",), cohort_days, ("enrolled", "enrolled_key"),
            extra={"center_id": center_id})
    # The cohort's day rows were added to its center as it was when they were written (a recount
    # of a moved cohort takes them from there): its rows all carry one center, the current one,
    # since a move marks the cohort for a recount and this function is skipped then.
    add_center_days(session, {(center_id, day): {**dict.fromkeys(DAY_FIGURES, 0), "enrolled": n,
                                                 "enrolled_key": key_sum}
                              for (day,), (n, key_sum) in cohort_days.items()})
    add_group_center_days(session, {(center_id, *key): {**dict.fromkeys(DAY_FIGURES, 0), "enrolled": n,
                                                        "enrolled_key": key_sum}
                                    for key, (n, key_sum) in days.items()})


def _id_chunks(session: Session, ids: list[int]):
    """``ids`` as what ``column.in_()`` takes: a bound array (PostgreSQL), a ``json_each`` of a
    JSON list (SQLite) — one parameter for 10,000 ids — or plain lists of :data:`CHUNK`."""
    import json

    from sqlalchemy import Integer, String, bindparam
    from sqlalchemy.dialects import postgresql
    dialect = session.get_bind().dialect.name
    size = 10_000 if dialect in ("postgresql", "sqlite") else CHUNK
    for start in range(0, len(ids), size):
        chunk = ids[start:start + size]
        if dialect == "postgresql":
            yield select(func.unnest(bindparam("ids", chunk, type_=postgresql.ARRAY(Integer))))
        elif dialect == "sqlite":
            yield select(literal_column("value")).select_from(func.json_each(bindparam("ids", json.dumps(chunk),
                                                                                       type_=String)))
        else:
            yield chunk


def _add_to(session: Session, model, cohort_id: int, key_names: tuple[str, ...], counts: dict[tuple, list[int]],
            columns: tuple[str, str], extra: dict[str, Any] | None = None) -> None:
    """Add ``counts`` (key → [count, key sum]) to ``columns`` of the cohort's rows of ``model``,
    creating the rows that do not exist yet (every other figure 0)."""
    table = model.__table__
    conditions = [table.c.cohort_id == cohort_id]
    if "day" in key_names:
        conditions.append(table.c.day.in_(sorted({k[0] for k in counts})))
    existing = {tuple(row[n] for n in key_names): dict(row)
                for row in session.execute(select(table).where(*conditions)).mappings()}
    rows, replaced = [], []
    for k, (n, key_sum) in counts.items():
        row = existing.get(k)
        if row is None:
            row = {column.name: 0 for column in table.c}
            row.update(cohort_id=cohort_id, **dict(zip(key_names, k)), **(extra or {}))
        else:
            replaced.append(k)
        row[columns[0]] += n
        row[columns[1]] += key_sum
        rows.append(row)
    if replaced:
        matching = [or_(*[and_(*[table.c[name] == value for name, value in zip(key_names, k)]) for k in replaced])
                    ] if key_names else []
        session.execute(delete(table).where(conditions[0], *matching))
    session.execute(insert(table), rows)
