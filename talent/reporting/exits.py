"""The exits kept for the outcome indicators (:class:`talent.reporting.models.ReportExit`): one row
per exit with everything about it that does not depend on the report date, written with the
cohort's other summary rows (:func:`talent.reporting.summary.refresh`) and read by
:mod:`talent.reporting.outcomes` while the summary is current (docs/performance.md).

The values are the definitions of :mod:`talent.reporting.outcomes` read per exit, in Python:

- the exit date: for a withdrawal with its instant recorded, the local date of that instant in the
  summary's time zone; otherwise the cohort's end date. No row for an exit dated before the
  cohort's first day, for someone never enrolled, or in a cancelled cohort;
- ``employed_q2`` / ``employed_q4``: a job (placement, not rejected) held at any time in the 2nd /
  4th calendar quarter after the exit quarter (started before the next quarter's first day, not
  ended before the quarter's own); per market by the employer's country and the configured
  regional countries (recorded in the summary state: another configuration reads live);
- ``pay_q2``: the highest monthly pay recorded among the jobs held in the 2nd quarter (per market
  likewise), NULL when none has a pay;
- ``credentialed``: an award of the enrollment, not revoked, issued on or before the day a year
  after the exit (29 February + a year is 28 February).

Whether the 2nd or 4th quarter, or the year, after exit is over by the report date is decided
when reading, from ``exit_date`` (:func:`measured_before`).
"""
from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any, Iterable
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from talent.credentials.models import Award
from talent.learning.models import Cohort, CohortStatus, Enrollment, EnrollmentStatus
from talent.people.models import Trainee
from talent.placement.markets import INTERNATIONAL, LOCAL, REGIONAL, regional_set, market_for
from talent.placement.models import Employer, Placement, PlacementStatus
from talent.reporting.cellkey import key_sql
from talent.reporting import kept
from talent.reporting.models import ReportExit, ReportExitDay

DOMAIN = "enrollment"
EXIT_STATUSES = (EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED, EnrollmentStatus.WITHDRAWN)
MARKETS = (LOCAL, REGIONAL, INTERNATIONAL)
CHUNK = 1000
FLAGS = ("credentialed", "employed_q2", "employed_q4") + tuple(
    f"employed_{q}_{m}" for m in MARKETS for q in ("q2", "q4"))
PAYS = ("pay_q2",) + tuple(f"pay_q2_{m}" for m in MARKETS)
VALUES = ("cohort_id", "trainee_id", "center_id", "course_id", "gender", "exit_date", "key") + FLAGS + PAYS
# The counts of ReportExitDay: exits, then per indicator (paid_q2*: a pay recorded).
DAY_COUNTS = ("exiters", "credentialed", "employed_q2", "employed_q4", "paid_q2") + tuple(
    f"{n}_{m}" for m in MARKETS for n in ("employed_q2", "employed_q4", "paid_q2"))
DAY_KEYS = ("cohort_id", "exit_date", "gender")


# ---- calendar quarters as integers ------------------------------------------------------------

def quarter_index(d: date) -> int:
    """``year * 4 + quarter - 1``: consecutive quarters are consecutive integers."""
    return d.year * 4 + (d.month - 1) // 3


def quarter_start(index: int) -> date:
    return date(index // 4, 3 * (index % 4) + 1, 1)


def years_before(d: date, years: int) -> date:
    """The same day ``years`` earlier (later when negative); 29 February becomes the 28th."""
    try:
        return d.replace(year=d.year - years)
    except ValueError:   # 29 February
        return d.replace(year=d.year - years, day=28)


def measured_before(today: date) -> dict[str, date]:
    """The exits measured for each indicator on the report date, as a bound on the exit date: the
    2nd quarter after the exit quarter is over for exits before ``q2`` (three quarters or more
    before today's), the 4th for exits before ``q4``; the year after exit for exits on or before
    ``cred`` (``exit + 1 year <= today``, as ``yyyymmdd + 10000`` compares)."""
    today_q = quarter_index(today)
    return {"q2": quarter_start(today_q - 2), "q4": quarter_start(today_q - 4), "cred": years_before(today, 1)}


def markets_label(regional_countries: Iterable[str] | None) -> str:
    """The regional countries as the summary state records them."""
    return ",".join(regional_set(regional_countries))


# ---- the values of each exit --------------------------------------------------------------------

def _chunks(ids: list[int], size: int = CHUNK):
    for i in range(0, len(ids), size):
        yield ids[i:i + size]


def exit_values(session: Session, cohort_ids: list[int], tz: ZoneInfo,
                regional_countries: Iterable[str] | None) -> dict[int, dict[str, Any]]:
    """Enrollment id -> the :class:`ReportExit` values of every exit of these cohorts."""
    rows = session.execute(
        select(Enrollment.id, Enrollment.trainee_id, Enrollment.cohort_id, Enrollment.status, Enrollment.withdrawn_at,
               Cohort.center_id, Cohort.course_id, Cohort.start_date, Cohort.end_date, Trainee.gender,
               key_sql(Enrollment.id, DOMAIN).label("key"))
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
        .join(Trainee, Trainee.id == Enrollment.trainee_id)
        .where(Enrollment.cohort_id.in_(cohort_ids), Enrollment.status.in_(EXIT_STATUSES),
               Enrollment.enrolled_at.is_not(None), Cohort.status != CohortStatus.CANCELLED)).all()
    exits: dict[int, dict[str, Any]] = {}
    for r in rows:
        if r.status == EnrollmentStatus.WITHDRAWN and r.withdrawn_at is not None:
            exit_date = r.withdrawn_at.astimezone(tz).date()
        else:
            exit_date = r.end_date
        if exit_date < r.start_date:
            continue   # withdrew before the cohort started: never took part
        exits[r.id] = {"cohort_id": r.cohort_id, "trainee_id": r.trainee_id, "center_id": r.center_id,
                       "course_id": r.course_id, "gender": r.gender, "exit_date": exit_date, "key": int(r.key)}
    if not exits:
        return {}
    regional = tuple(regional_countries or ())
    jobs: dict[int, list[tuple[date, date | None, Decimal | None, str]]] = defaultdict(list)
    for chunk in _chunks(sorted({e["trainee_id"] for e in exits.values()})):
        for trainee_id, start, end, pay, country in session.execute(
                select(Placement.trainee_id, Placement.start_date, Placement.end_date, Placement.monthly_pay_azn,
                       Employer.country_code)
                .join(Employer, Employer.id == Placement.employer_id)
                .where(Placement.trainee_id.in_(chunk), Placement.verification != PlacementStatus.REJECTED)):
            jobs[trainee_id].append((start, end, pay, market_for(country, regional)))
    awards: dict[int, list[date]] = defaultdict(list)
    for chunk in _chunks(sorted(exits)):
        for enrollment_id, issued_on in session.execute(
                select(Award.enrollment_id, Award.issued_on)
                .where(Award.enrollment_id.in_(chunk), Award.revoked_at.is_(None))):
            awards[enrollment_id].append(issued_on)
    for enrollment_id, values in exits.items():
        exit_date = values["exit_date"]
        q = quarter_index(exit_date)
        bounds = {offset: (quarter_start(q + offset), quarter_start(q + offset + 1)) for offset in (2, 4)}
        year_after = years_before(exit_date, -1)
        values["credentialed"] = int(any(issued <= year_after for issued in awards.get(enrollment_id, ())))
        for name in FLAGS[1:]:
            values[name] = 0
        for name in PAYS:
            values[name] = None
        for start, end, pay, market in jobs.get(values["trainee_id"], ()):
            for offset, (first, following) in bounds.items():
                if start < following and (end is None or end >= first):
                    quarter = f"q{offset}"
                    values[f"employed_{quarter}"] = 1
                    values[f"employed_{quarter}_{market}"] = 1
                    if offset == 2 and pay is not None:
                        for name in ("pay_q2", f"pay_q2_{market}"):
                            if values[name] is None or pay > values[name]:
                                values[name] = pay
    return exits


def day_rows(values: Iterable[dict[str, Any]]) -> dict[tuple, dict[str, Any]]:
    """The :class:`ReportExitDay` rows of these exits, by (cohort, exit date, gender)."""
    out: dict[tuple, dict[str, Any]] = {}
    for v in values:
        k = tuple(v[n] for n in DAY_KEYS)
        row = out.get(k)
        if row is None:
            row = out[k] = {**dict(zip(DAY_KEYS, k)), "center_id": v["center_id"], "course_id": v["course_id"],
                            **{n: 0 for n in DAY_COUNTS}, **{f"{n}_key": 0 for n in DAY_COUNTS}}
        for n in DAY_COUNTS:
            if n == "exiters":
                hit = 1
            elif n.startswith("paid_q2"):
                hit = int(v[n.replace("paid_q2", "pay_q2")] is not None)
            else:
                hit = v[n]
            if hit:
                row[n] += 1
                row[f"{n}_key"] += v["key"]
    return out


def refresh_exits(session: Session, cohort_ids: list[int], tz: ZoneInfo,
                  regional_countries: Iterable[str] | None) -> None:
    """Replace these cohorts' exit rows and their day sums (in the caller's transaction, under
    its cohort locks), and mark the exit years of every exit that changed, came or went (the kept
    outcome answers of those years are not read until they are computed again: talent.reporting.kept)."""
    old = {row["enrollment_id"]: row for row in session.execute(
        select(ReportExit.__table__).where(ReportExit.cohort_id.in_(cohort_ids))).mappings()}
    session.execute(delete(ReportExit).where(ReportExit.cohort_id.in_(cohort_ids)))
    session.execute(delete(ReportExitDay).where(ReportExitDay.cohort_id.in_(cohort_ids)))
    values = exit_values(session, cohort_ids, tz, regional_countries)
    if values:
        session.execute(insert(ReportExit), [{"enrollment_id": i, **v} for i, v in values.items()])
        session.execute(insert(ReportExitDay), list(day_rows(values.values()).values()))
    years = set()
    for enrollment_id in old.keys() | values.keys():
        before, after = old.get(enrollment_id), values.get(enrollment_id)
        if before is None or after is None or any(before[name] != value for name, value in after.items()):
            years.update(row["exit_date"].year for row in (before, after) if row is not None)
    kept.mark_years(session, years)


def wrong_exits(session: Session, tz: ZoneInfo, regional_countries: Iterable[str] | None,
                limit: int = 20) -> list[str]:
    """Exit rows and day sums that differ from a recomputation from the live tables, missing or
    left over (``check-summary``)."""
    ids = list(session.scalars(select(Enrollment.cohort_id).distinct().order_by(Enrollment.cohort_id)))
    kept_cohorts = set(session.scalars(select(ReportExit.cohort_id).distinct()))
    out: list[str] = []
    for chunk in _chunks(sorted(set(ids) | kept_cohorts)):
        wanted = exit_values(session, chunk, tz, regional_countries)
        kept = {r.enrollment_id: r for r in session.scalars(select(ReportExit)
                                                            .where(ReportExit.cohort_id.in_(chunk)))}
        wanted_days = day_rows(wanted.values())
        kept_days = {tuple(r[n] for n in DAY_KEYS): dict(r) for r in session.execute(
            select(ReportExitDay.__table__).where(ReportExitDay.cohort_id.in_(chunk))).mappings()}
        for k in sorted(set(wanted_days) | set(kept_days), key=str):
            if wanted_days.get(k) != kept_days.get(k):
                out.append(f"exit day {k}: kept {kept_days.get(k)} should be {wanted_days.get(k)}")
                if len(out) >= limit:
                    return out
        for enrollment_id in sorted(set(wanted) | set(kept)):
            want, row = wanted.get(enrollment_id), kept.get(enrollment_id)
            if row is None:
                out.append(f"exit of enrollment {enrollment_id}: missing")
            elif want is None:
                out.append(f"exit of enrollment {enrollment_id}: kept but not an exit")
            else:
                have = {n: getattr(row, n) for n in VALUES}
                for n in PAYS:
                    have[n] = None if have[n] is None else Decimal(have[n])
                    want[n] = None if want[n] is None else Decimal(want[n])
                if have != want:
                    diff = {n: (have[n], want[n]) for n in VALUES if have[n] != want[n]}
                    out.append(f"exit of enrollment {enrollment_id}: kept/should be {diff}")
            if len(out) >= limit:
                return out
    return out
