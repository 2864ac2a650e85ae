"""Reads about jobs and follow-up: the follow-up queue, the placements list, export rows.

Scoped to the actor's centers before anything else; one query per list (no N+1).
"""
from __future__ import annotations

import calendar
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Select, and_, any_, exists, func, literal, or_, select, union_all

from talent.centers.queries import Page, paginate_rows
from talent.extensions import db
from talent.i18n import fold
from talent.i18n import az_collate
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.permissions import Actor, P, require, scope_centers
from talent.placement.markets import current_regional_countries, market_case
from talent.placement.models import Employer, FollowUp, FollowUpOpen, Placement, ReportedJobCenter
from talent.placement.scoping import placement_listed_clause
from talent.placement.services import MILESTONES
from talent import clock
from talent.learning.models import EnrollmentStatus
from talent.placement.models import PlacementStatus


def milestone_cutoff(today: date, months: int) -> date:
    """The latest cohort end date whose ``months``-month milestone is due on ``today``
    (i.e. the largest ``e`` with ``add_months(e, months) <= today``)."""
    index = today.year * 12 + today.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    if today.day == calendar.monthrange(today.year, today.month)[1]:
        return date(year, month, last)
    return date(year, month, min(today.day, last))


def _has_job(actor: Actor):
    """A recorded, not rejected job held at or after the cohort's end — one the actor sees: the
    trainee's own report, or one their centers recorded (a job another center recorded stays
    that center's, not even its existence shows here)."""
    stmt = select(Placement.id).where(
        Placement.trainee_id == Enrollment.trainee_id, Placement.verification != PlacementStatus.REJECTED,
        or_(Placement.end_date.is_(None), Placement.end_date >= Cohort.end_date))
    if actor.center_ids is not None:   # the trainee is a completer of the actor's cohort: in scope
        stmt = stmt.where(or_(Placement.source != "center",
                              Placement.center_id.in_(sorted(actor.center_ids) or [-1])))
    return exists(stmt)


@dataclass
class FollowUpFilters:
    center_id: int | None = None
    milestone: int | None = None
    sort: str = "due"
    errors: dict[str, str] = field(default_factory=dict)


FOLLOWUP_SORTS = ("due", "name", "cohort")


def _milestones(filters: FollowUpFilters) -> list[int]:
    return [months for months in MILESTONES if not filters.milestone or filters.milestone == months]


def among(column, ids: Select):
    """``column`` among the ids ``ids`` selects, for a few thousand ids out of a large table. On
    PostgreSQL as ``= ANY(ARRAY(…))``: the planner then probes ``column``'s index once per id instead
    of hashing the whole table; with ``IN (SELECT …)`` it estimated thousands of rows and chose hash
    joins (and, being costly, a parallel plan) over every row (docs/performance.md, "The follow-up
    queue in one pass", "Session 28"). SQLite keeps ``IN``."""
    if db.session.get_bind().dialect.name == "postgresql":
        return column == any_(func.array(ids.scalar_subquery()))
    return column.in_(ids)


def _in_cohorts(cohort_ids: Select, limited: bool):
    """``enrollments.cohort_id`` among ``cohort_ids`` (:func:`among`: the cohorts' enrollments through
    the cohort index, the anti-joins below as index probes). Only for an actor ``limited`` to some
    centers: an administrator's cohorts are all of them, whose completers the hash plan reads in one
    pass."""
    return among(Enrollment.cohort_id, cohort_ids) if limited else Enrollment.cohort_id.in_(cohort_ids)


def _followup_live(actor: Actor, today: date, filters: FollowUpFilters):
    """The due follow-ups computed from the live tables: the definition the kept rows are proven
    against (tests/test_followup_queue.py). One row per (completer, milestone) with the trainee's
    name.

    One pass over the completers (of the actor's cohorts that ended by the earliest milestone's
    cutoff, consenting, without a job the actor sees: the job test does not depend on the
    milestone, so it runs once per completer), then per milestone the cohorts old enough and no
    recorded outcome for it."""
    milestones = _milestones(filters)
    if not milestones:
        return None
    cutoffs = {months: milestone_cutoff(today, months) for months in milestones}
    cohort_ids = select(Cohort.id).where(Cohort.end_date <= max(cutoffs.values()))
    cohort_ids = scope_centers(cohort_ids, actor, Cohort.center_id)
    if filters.center_id:
        cohort_ids = cohort_ids.where(Cohort.center_id == filters.center_id)
    completers = (select(Enrollment.id.label("enrollment_id"), Cohort.end_date.label("cohort_end"),
                         Cohort.id.label("cohort_id"), Cohort.code.label("cohort_code"),
                         Cohort.center_id.label("center_id"), Trainee.id.label("trainee_id"),
                         Trainee.last_name.label("last_name"), Trainee.first_name.label("first_name"))
                  .join(Cohort, Cohort.id == Enrollment.cohort_id)
                  .join(Trainee, Trainee.id == Enrollment.trainee_id)
                  .where(Enrollment.status == EnrollmentStatus.COMPLETED, _in_cohorts(cohort_ids, actor.center_ids is not None),
                         Trainee.followup_consent.is_(True), ~_has_job(actor))
                  .cte("completers"))
    parts = []
    for months in milestones:
        parts.append(select(completers.c.enrollment_id, literal(months).label("milestone"), completers.c.cohort_end,
                            completers.c.cohort_id, completers.c.cohort_code, completers.c.center_id,
                            completers.c.trainee_id, completers.c.last_name, completers.c.first_name)
                     .where(completers.c.cohort_end <= cutoffs[months],
                            ~exists(select(FollowUp.id).where(FollowUp.enrollment_id == completers.c.enrollment_id,
                                                              FollowUp.milestone_months == months))))
    return union_all(*parts).subquery("due") if len(parts) > 1 else parts[0].subquery("due")


def _followup_kept(actor: Actor, today: date, filters: FollowUpFilters, *, first: int | None = None):
    """The due follow-ups read from the kept rows (``follow_ups_open``,
    :mod:`talent.placement.followup_queue`): the rows of the actor's centers whose milestone has come
    (an index range per center and milestone), without a job the actor sees. A row keeps the jobs its
    cohort's center sees out already; a job another center recorded (``job_elsewhere``) counts for an
    administrator, and for a center's staff when that center is theirs (one probe, only for those
    rows).

    ``first``: only the first ``first`` rows of each range in the queue's default order, for a page
    of it. Each range is read in that order (the index gives ``cohort_end``; only the names within
    one end day are sorted), so a page reads a few dozen rows of each instead of every due row
    sorted together (34,000 for a center's staff at 1M: 16 -> 1 ms). The ranges are then one per
    center and milestone, where ``center_id IN (…)`` would return a milestone's rows out of order."""
    milestones = _milestones(filters)
    if not milestones:
        return None
    q = FollowUpOpen
    theirs = None
    if actor.center_ids is not None:
        theirs = ~exists(select(Placement.id).where(
            Placement.trainee_id == q.trainee_id, Placement.verification != PlacementStatus.REJECTED,
            or_(Placement.end_date.is_(None), Placement.end_date >= q.cohort_end), Placement.source == "center",
            Placement.center_id.in_(sorted(actor.center_ids) or [-1])))
    centers: list[int | None] = [None]
    if first is not None:
        known = [filters.center_id] if filters.center_id else sorted(actor.center_ids or ())
        if known and len(known) <= PER_CENTER_RANGES:
            centers = known
    parts = []
    for months in milestones:   # one index range per center and milestone (an OR made it a bitmap scan)
        for center_id in centers:
            stmt = (select(q.enrollment_id, q.milestone_months.label("milestone"), q.cohort_end, q.cohort_id,
                           q.cohort_code, q.center_id, q.trainee_id, q.last_name, q.first_name)
                    .where(q.milestone_months == months, q.cohort_end <= milestone_cutoff(today, months),
                           q.job_elsewhere.is_(False) if theirs is None else or_(q.job_elsewhere.is_(False), theirs)))
            stmt = scope_centers(stmt, actor, q.center_id)
            if filters.center_id:
                stmt = stmt.where(q.center_id == filters.center_id)
            if center_id is not None:
                stmt = stmt.where(q.center_id == center_id)
            if first is not None:
                stmt = select(stmt.order_by(q.cohort_end, az_collate(q.last_name), az_collate(q.first_name),
                                            q.enrollment_id).limit(first).subquery())
            parts.append(stmt)
    return union_all(*parts).subquery("due") if len(parts) > 1 else parts[0].subquery("due")


# Up to this many centers, a page of the queue reads one range per center and milestone.
PER_CENTER_RANGES = 16


def _due(actor: Actor, today: date, filters: FollowUpFilters, live: bool, *, first: int | None = None):
    if live:
        return _followup_live(actor, today, filters)
    return _followup_kept(actor, today, filters, first=first)


def _followup_order(due, sort: str):
    return {"due": (due.c.cohort_end, due.c.milestone, az_collate(due.c.last_name), az_collate(due.c.first_name)),
            "name": (az_collate(due.c.last_name), az_collate(due.c.first_name), due.c.milestone),
            "cohort": (due.c.cohort_code, az_collate(due.c.last_name), az_collate(due.c.first_name), due.c.milestone)}[
        sort if sort in FOLLOWUP_SORTS else "due"] + (due.c.enrollment_id,)


def followups_due(actor: Actor, filters: FollowUpFilters, page: int = 1, per_page: int = 25,
                  today: date | None = None, live: bool = False) -> Page:
    """The follow-up queue: completers of the actor's cohorts with no recorded job whose 3- or
    6-month milestone (after the cohort's end) has come and has no recorded outcome. Trainees
    who withdrew their follow-up consent are left out. Rows carry contact details (personal
    data): the caller audits the view.

    The page and the total are two statements over the kept rows alone (index-only on PostgreSQL):
    ``count(*) OVER ()`` beside the sorted page made PostgreSQL keep every due row (34,000 for a
    center at 1M) for the window before sorting, 33 ms of 72. Only the page's rows are joined to
    their trainees for the contacts. ``live`` computes the same from the live tables (the
    definition, for the tests)."""
    require(actor, P.PLACEMENTS_READ)
    require(actor, P.TRAINEES_READ)
    today = today or clock.today()
    page = max(1, page)
    due = _due(actor, today, filters, live)
    if due is None:
        return Page(items=[], page=page, per_page=per_page, total=0)
    # In the default order a page needs only the first rows of each kept range.
    shown = due if filters.sort in ("name", "cohort") else _due(actor, today, filters, live, first=page * per_page)
    chosen = (select(shown).order_by(*_followup_order(shown, filters.sort))
              .limit(per_page).offset((page - 1) * per_page).subquery("chosen"))
    stmt = (select(chosen, Trainee.search_name, Trainee.phone, Trainee.email)
            .join(Trainee, Trainee.id == chosen.c.trainee_id).order_by(*_followup_order(chosen, filters.sort)))
    rows = list(db.session.execute(stmt).all())
    total = db.session.scalar(select(func.count()).select_from(due)) or 0
    return Page(items=rows, page=page, per_page=per_page, total=total)


def followups_due_count(actor: Actor, today: date | None = None, live: bool = False) -> dict[int, int]:
    """How many follow-ups are due, per center id (GROUP BY in SQL, over the kept rows)."""
    require(actor, P.PLACEMENTS_READ)
    due = _due(actor, today or clock.today(), FollowUpFilters(), live)
    rows = db.session.execute(select(due.c.center_id, func.count()).group_by(due.c.center_id)).all()
    return {center_id: n for center_id, n in rows}


# ---- placements list -----------------------------------------------------------------------

@dataclass
class PlacementFilters:
    verification: str | None = None
    source: str | None = None
    market: str | None = None
    q: str | None = None
    sort: str = "-start"


PLACEMENT_SORTS = {
    "start": (Placement.start_date,), "-start": (Placement.start_date.desc(),),
    "name": (Trainee.search_name,), "-name": (Trainee.search_name.desc(),),
    "employer": (Employer.name,), "-employer": (Employer.name.desc(),),
}


def _placement_scope(stmt, actor: Actor):
    """Jobs the actor's centers recorded, and jobs their trainees reported (permissions; the reported
    ones read from their kept centers)."""
    condition = placement_listed_clause(actor)
    return stmt if condition is None else stmt.where(condition)


def placements_page(actor: Actor, filters: PlacementFilters, page: int = 1, per_page: int = 25) -> Page:
    """Jobs of trainees of the actor's centers: rows of (Placement, trainee full name parts,
    market). Personal data: the caller audits the view."""
    require(actor, P.PLACEMENTS_READ)
    market = market_case(Employer.country_code, current_regional_countries())
    stmt = (select(Placement, Trainee.last_name, Trainee.first_name, market.label("market"))
            .join(Trainee, Trainee.id == Placement.trainee_id)
            .join(Employer, Employer.id == Placement.employer_id))
    stmt = _placement_filtered(_placement_scope(stmt, actor), filters, market)
    order = PLACEMENT_SORTS.get(filters.sort, PLACEMENT_SORTS["-start"])
    stmt = stmt.order_by(*order, Placement.id.desc())
    page = max(1, page)
    rows = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    return Page(items=rows, page=page, per_page=per_page, total=placements_count(actor, filters))


def _placement_filtered(stmt, filters: PlacementFilters, market):
    """``stmt`` (over placements joined to their trainee and employer) narrowed by the list's filters."""
    if filters.verification:
        stmt = stmt.where(Placement.verification == filters.verification)
    if filters.source:
        stmt = stmt.where(Placement.source == filters.source)
    if filters.market:
        stmt = stmt.where(market == filters.market)
    if filters.q:
        stmt = stmt.where(Trainee.search_name.contains(fold(filters.q), autoescape=True))
    return stmt


def placements_count(actor: Actor, filters: PlacementFilters) -> int:
    """How many rows :func:`placements_page` lists, counted on ``placements`` alone.

    A job always has its trainee and employer, so they are joined only for a filter on them (a name,
    a market). For a center's staff the two ways a job is theirs — recorded by one of their centers,
    or reported by a trainee of theirs — exclude each other (``source``), so they are counted apart
    and added, each through its own index; as one count with their OR, PostgreSQL joined every
    visible job to its trainee and employer and hashed the membership (docs/performance.md,
    "Session 27")."""
    require(actor, P.PLACEMENTS_READ)
    market = market_case(Employer.country_code, current_regional_countries())

    def count(*conditions) -> int:
        # count(*), not count(placements.id): the recorded jobs are then counted from an index alone.
        stmt = select(func.count()).select_from(Placement).where(*conditions)
        if filters.q:
            stmt = stmt.join(Trainee, Trainee.id == Placement.trainee_id)
        if filters.market:
            stmt = stmt.join(Employer, Employer.id == Placement.employer_id)
        return db.session.scalar(_placement_filtered(stmt, filters, market)) or 0

    if actor.center_ids is None:
        return count()
    centers = sorted(actor.center_ids) or [-1]
    # Two statements, always both (the page's statement count does not depend on its rows): as
    # scalar subqueries of one statement PostgreSQL ran them without parallel workers (71 against
    # 45 + 8 ms at 1M). The reported jobs through their kept centers (``reported_job_centers``).
    recorded = count(Placement.source == "center", Placement.center_id.in_(centers))
    if filters.q or filters.market or filters.source:
        # Filters on the job, its trainee or employer: the reported jobs of the centers by id (on
        # PostgreSQL as ``= ANY(ARRAY(…))``, probes of the primary key; with ``IN`` it scanned every job).
        ids = select(ReportedJobCenter.placement_id).where(ReportedJobCenter.center_id.in_(centers)).distinct()
        return recorded + count(Placement.source != "center", among(Placement.id, ids))
    # Otherwise the kept rows alone (a job of a trainee of two of the centers counted once).
    reported = select(func.count(func.distinct(ReportedJobCenter.placement_id))).where(
        ReportedJobCenter.center_id.in_(centers))
    if filters.verification:
        reported = reported.where(ReportedJobCenter.verification == filters.verification)
    return recorded + (db.session.scalar(reported) or 0)


def pending_count(actor: Actor) -> int:
    """Jobs waiting for verification among the actor's (the same rows as ``_placement_scope``).

    For a center administrator the two ways a job belongs to a center exclude each other
    (``source``): the jobs their centers recorded (an index range of ``placements``) and the jobs
    their trainees reported, read from the kept centers of each reported job
    (``reported_job_centers``, an index range per center and verification) — joining every pending
    report in the country to the membership took 93 ms at 1M (docs/performance.md, "Session 28")."""
    require(actor, P.PLACEMENTS_READ)
    pending = Placement.verification == PlacementStatus.PENDING
    if actor.center_ids is None:
        return db.session.scalar(select(func.count(Placement.id)).where(pending)) or 0
    centers = sorted(actor.center_ids) or [-1]
    recorded = select(func.count()).select_from(Placement).where(
        pending, Placement.source == "center", Placement.center_id.in_(centers)).scalar_subquery()
    reported = (select(func.count(func.distinct(ReportedJobCenter.placement_id)))
                .where(ReportedJobCenter.center_id.in_(centers),
                       ReportedJobCenter.verification == PlacementStatus.PENDING).scalar_subquery())
    return db.session.scalar(select(recorded + reported)) or 0


# ---- export rows ---------------------------------------------------------------------------

def cohort_placement_rows(actor: Actor, cohort_id: int):
    """Jobs of the cohort's completers (one row per job), for the placements export."""
    require(actor, P.PLACEMENTS_READ)
    market = market_case(Employer.country_code, current_regional_countries())
    stmt = (select(Trainee.fin, Trainee.last_name, Trainee.first_name, Employer.name, Employer.country_code,
                   market, Placement.job_title, Placement.occupation_code, Placement.employment_type,
                   Placement.remote, Placement.start_date, Placement.end_date, Placement.monthly_pay_azn,
                   Placement.source, Placement.verification, Trainee.id)
            .select_from(Enrollment)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .join(Placement, and_(Placement.trainee_id == Trainee.id))
            .join(Employer, Employer.id == Placement.employer_id)
            .where(Enrollment.cohort_id == cohort_id, Enrollment.status == EnrollmentStatus.COMPLETED,
                   or_(Placement.end_date.is_(None), Placement.end_date >= Cohort.start_date))
            .order_by(az_collate(Trainee.last_name), az_collate(Trainee.first_name), Placement.start_date))
    return list(db.session.execute(_placement_scope(scope_centers(stmt, actor, Cohort.center_id), actor)).all())



# ---- completers (to record a job for) ------------------------------------------------------

COMPLETER_SORTS = ("-ended", "ended", "name")


def completers_page(actor: Actor, *, center_id: int | None = None, without_job: bool = False,
                    sort: str = "-ended", page: int = 1, per_page: int = 25) -> Page:
    """Completers of the actor's cohorts: rows of (enrollment id, trainee id, last name, first
    name, cohort code, cohort end, cohort completed at, has a job). Personal data: the caller audits the view."""
    require(actor, P.PLACEMENTS_WRITE)
    has_job = _has_job(actor)
    stmt = (select(Enrollment.id.label("enrollment_id"), Trainee.id.label("trainee_id"),
                   Trainee.last_name.label("last_name"), Trainee.first_name.label("first_name"),
                   Cohort.code.label("cohort_code"), Cohort.end_date.label("cohort_end"),
                   Cohort.completed_at.label("completed_at"), has_job.label("has_job"))
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Trainee, Trainee.id == Enrollment.trainee_id)
            .where(Enrollment.status == EnrollmentStatus.COMPLETED))
    stmt = scope_centers(stmt, actor, Cohort.center_id)
    if center_id:
        stmt = stmt.where(Cohort.center_id == center_id)
    if without_job:
        stmt = stmt.where(~has_job)
    order = {"-ended": (Cohort.end_date.desc(), az_collate(Trainee.last_name), az_collate(Trainee.first_name)), "ended": (Cohort.end_date, az_collate(Trainee.last_name), az_collate(Trainee.first_name)),
             "name": (az_collate(Trainee.last_name), az_collate(Trainee.first_name), Cohort.end_date.desc())}[sort if sort in COMPLETER_SORTS else "-ended"]
    return paginate_rows(stmt.order_by(*order, Enrollment.id), page, per_page)
