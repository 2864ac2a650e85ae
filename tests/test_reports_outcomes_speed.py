"""Outcome indicators in one pass (issue 20, speed): the statement looks each exit's jobs up once
(one join, no correlated subquery per indicator and market), and its figures equal a plain Python
reading of the written definitions (talent/reporting/outcomes.py) on a dataset built around the
edges the SQL has to get right — quarter boundaries of jobs, withdrawals near midnight in Baku
at the period's edges, 29 February and the year after exit, markets, rejected jobs, jobs without
pay, several jobs and several exits of one person — for several periods, each breakdown.
"""
from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.placement.markets import current_regional_countries, market_for
from talent.placement.models import Employer, Placement
from talent.reporting import outcomes, summary
from talent.reporting.periods import Filters

TODAY = date(2026, 12, 6)
BAKU = ZoneInfo("Asia/Baku")


def _ymd(d: date) -> int:
    return d.year * 10000 + d.month * 100 + d.day


def _reference(filters: Filters) -> dict[tuple[str, object], dict[str, object]]:
    """The definitions read literally, row by row in Python."""
    today_q = outcomes.quarter_index(filters.today)
    regional = current_regional_countries()
    out: dict[tuple[str, object], dict[str, object]] = defaultdict(lambda: defaultdict(int))
    pays: dict[tuple[str, object, str], list[Decimal]] = defaultdict(list)
    jobs = defaultdict(list)
    for placement, country in db.session.execute(select(Placement, Employer.country_code)
                                                 .join(Employer, Employer.id == Placement.employer_id)):
        if placement.verification != "rejected":
            jobs[placement.trainee_id].append((placement, market_for(country, regional)))
    rows = db.session.execute(select(Enrollment, Cohort, Trainee).join(Cohort, Cohort.id == Enrollment.cohort_id)
                              .join(Trainee, Trainee.id == Enrollment.trainee_id))
    for enrollment, cohort, trainee in rows:
        if (enrollment.status not in ("completed", "failed", "withdrawn") or enrollment.enrolled_at is None
                or cohort.status == "cancelled"):
            continue
        if enrollment.status == "withdrawn" and enrollment.withdrawn_at is not None:
            exit_date = enrollment.withdrawn_at.astimezone(BAKU).date()
        else:
            exit_date = cohort.end_date
        if exit_date < cohort.start_date or not filters.start <= exit_date <= filters.end:
            continue
        q = outcomes.quarter_index(exit_date)
        q2_base, q4_base = q + 2 < today_q, q + 4 < today_q
        cred_base = _ymd(exit_date) + 10000 <= _ymd(filters.today)
        awarded = any(a.revoked_at is None and _ymd(a.issued_on) <= _ymd(exit_date) + 10000
                      for a in db.session.scalars(select(Award).where(Award.enrollment_id == enrollment.id)))

        def held(job, quarter):
            return (outcomes.quarter_index(job.start_date) <= quarter
                    and (job.end_date is None or outcomes.quarter_index(job.end_date) >= quarter))

        figures = {"exiters": 1, "q2_base": int(q2_base), "q4_base": int(q4_base), "cred_base": int(cred_base),
                   "credentialed": int(cred_base and awarded)}
        exit_pays = {}
        for market in (None,) + outcomes.MARKETS:
            mine = [job for job, m in jobs[trainee.id] if market is None or m == market]
            q2 = [job for job in mine if held(job, q + 2)] if q2_base else []
            q4 = [job for job in mine if held(job, q + 4)] if q4_base else []
            name = (lambda n: n) if market is None else (lambda n, m=market: f"{n}__{m}")
            paid = [job.monthly_pay_azn for job in q2 if job.monthly_pay_azn is not None]
            figures[name("employed_q2")] = int(bool(q2))
            figures[name("employed_q4")] = int(bool(q4))
            figures[name("paid_q2")] = int(bool(paid))
            if paid:
                exit_pays[name("paid_q2")] = max(paid)
        center = cohort.center
        for dim, g in (("total", 0), ("region", center.region_id), ("center", center.id),
                       ("level", cohort.course.level), ("gender", trainee.gender)):
            for name, value in figures.items():
                out[(dim, g)][name] += value
            for name, pay in exit_pays.items():
                pays[(dim, g, name)].append(Decimal(pay))
    for (dim, g, name), values in pays.items():
        out[(dim, g)]["median_" + name] = (outcomes._median(values), len(values))
    return out


@pytest.fixture
def edges(factory):
    """About 120 exits, their jobs and awards, drawn around the edges (seeded: the same every run)."""
    rng = random.Random(20)
    centers = [factory.center(region="BAKU"), factory.center(region="GANJA_DASHKASAN"), factory.center(region="BAKU")]
    courses = [factory.course(level=level) for level in ("foundation", "intermediate", "advanced")]
    employers = [factory.employer(country_code=c) for c in ("AZ", "AZ", "TR", "GE", "DE", "US")]
    quarter_days = [date(y, m, d) for y in (2023, 2024, 2025, 2026) for m, d in
                    ((1, 1), (3, 31), (4, 1), (6, 30), (7, 1), (9, 30), (10, 1), (12, 31), (2, 15), (8, 10))]
    quarter_days += [date(2024, 2, 29), date(2024, 2, 28), date(2025, 3, 1)]
    for n in range(120):
        end = rng.choice(quarter_days)
        start = end - timedelta(days=rng.choice((10, 40, 90)))
        status = rng.choice(("completed", "completed", "failed", "withdrawn", "withdrawn", "enrolled"))
        cohort = factory.cohort(center=rng.choice(centers), course=rng.choice(courses), start_date=start,
                                end_date=end, status=rng.choice(("completed",) * 9 + ("cancelled",)))
        trainee = factory.trainee(gender=rng.choice(("F", "M")))
        kw = {}
        if status == "withdrawn" and rng.random() < 0.85:
            # around midnight in Baku (UTC+4) on a quarter's edge, or before the cohort started
            day = rng.choice(quarter_days + [start - timedelta(days=3)])
            kw["withdrawn_at"] = datetime(day.year, day.month, day.day, rng.choice((0, 3, 19, 20, 21)), 30,
                                          tzinfo=timezone.utc)
        if rng.random() < 0.05:
            kw["enrolled_at"] = None
        enrollment = factory.enrollment(trainee, cohort, status=status, **kw)
        if rng.random() < 0.15:   # a second exit of the same person
            other = factory.cohort(center=rng.choice(centers), course=rng.choice(courses),
                                   start_date=end + timedelta(days=1),
                                   end_date=end + timedelta(days=rng.choice((30, 95))), status="completed")
            factory.enrollment(trainee, other, status="completed")
        for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
            job_start = rng.choice(quarter_days) + timedelta(days=rng.choice((0, 0, 1, -1, 45)))
            job_end = rng.choice((None, None, job_start + timedelta(days=rng.choice((0, 30, 91, 200, 400)))))
            factory.placement(trainee, rng.choice(employers), start_date=job_start, end_date=job_end,
                              monthly_pay_azn=rng.choice((None, 800, 1234.5, 2000, 3100)),
                              verification=rng.choice(("verified",) * 5 + ("rejected",)))
        if rng.random() < 0.6:   # a job on an edge of the 2nd or 4th quarter after the cohort's end
            after = outcomes.quarter_index(end) + rng.choice((2, 4))
            first = date(after // 4, 3 * (after % 4) + 1, 1)
            last = outcomes._quarter_end(after)
            job_start, job_end = rng.choice(((first - timedelta(days=60), first), (last, None), (last, last),
                                             (first - timedelta(days=60), first - timedelta(days=1)),
                                             (last + timedelta(days=1), None)))
            factory.placement(trainee, rng.choice(employers), start_date=job_start, end_date=job_end,
                              monthly_pay_azn=rng.choice((None, 900, 2500)))
        if rng.random() < 0.5:
            issued = end + timedelta(days=rng.choice((0, 200, 365, 366, 500)))
            if end == date(2024, 2, 29):
                issued = rng.choice((date(2025, 2, 28), date(2025, 3, 1)))
            revoked = rng.random() < 0.1
            award = Award(serial=f"E{enrollment.id:06d}", verification_code=f"W{enrollment.id:031d}",
                          enrollment_id=enrollment.id, trainee_id=trainee.id,
                          certification_id=cohort.course.certification_id, center_id=cohort.center_id,
                          issued_on=min(issued, TODAY),
                          revoked_at=datetime(2026, 1, 1, tzinfo=timezone.utc) if revoked else None,
                          revoked_reason="Issued in error" if revoked else None)
            db.session.add(award)
    # Withdrawals on the edge of a year or quarter: the local (Baku, UTC+4) date is the next day
    # from 20:00 UTC.
    for instant in (datetime(2024, 12, 31, 20, 30), datetime(2025, 12, 31, 19, 59), datetime(2025, 3, 31, 20, 0),
                    datetime(2025, 6, 30, 23, 0), datetime(2023, 12, 31, 21, 0)):
        cohort = factory.cohort(center=centers[0], course=courses[0], start_date=instant.date() - timedelta(days=60),
                                end_date=instant.date() + timedelta(days=60), status="completed")
        trainee = factory.trainee(gender="F")
        factory.enrollment(trainee, cohort, status="withdrawn", withdrawn_at=instant.replace(tzinfo=timezone.utc))
        factory.placement(trainee, employers[2], start_date=instant.date() + timedelta(days=150), monthly_pay_azn=1500)
    db.session.flush()


PERIODS = [Filters(start=date(y, 1, 1), end=date(y, 12, 31), today=TODAY, kind="year", year=y)
           for y in (2023, 2024, 2025, 2026)] + [
    Filters(start=date(2025, 4, 1), end=date(2025, 6, 30), today=TODAY, kind="quarter", year=2025, quarter=2),
    Filters(start=date(2024, 2, 29), end=date(2025, 10, 1), today=TODAY, kind="custom")]


@pytest.mark.parametrize("source", ("kept", "live"))
@pytest.mark.parametrize("period", range(len(PERIODS)))
def test_figures_equal_the_definitions_read_row_by_row(app, factory, edges, period, source):
    """Both ways: from the kept exits (talent.reporting.exits; the summary is current in the
    tests) and from the live tables."""
    filters = PERIODS[period]
    expected = _reference(filters)
    assert summary.exits_current(db.session, filters.timezone)
    got = outcomes._figures(filters, live=source == "live")
    assert expected, "the dataset has exits in every period"
    assert set(got) == set(expected)
    for group, values in expected.items():
        for name in outcomes.ALL_COUNTS:
            assert got[group][name] == values.get(name, 0), (group, name)
        markets = [f"paid_q2__{m}" for m in outcomes.MARKETS] if group[0] in ("total", "gender") else []
        for name in ["paid_q2"] + markets:   # per market: the breakdowns that publish or read it
            want = values.get("median_" + name)
            have = got[group].get("median_" + name)
            assert (have is None) == (want is None), (group, name)
            if want is not None:
                assert have[1] == want[1] and Decimal(have[0]) == Decimal(want[0]), (group, name, have, want)


def test_the_jobs_of_an_exit_are_read_once(app):
    """One join to the jobs (and one to the employers) for every indicator and market — the
    statement used to hold a correlated subquery over ``placements`` per indicator and market
    (fourteen), each probed once per exit."""
    filters = PERIODS[2]
    with app.test_request_context("/"):
        _, stmt = outcomes.figures_statement(filters, medians=True, live=True)
        sql = str(stmt.compile(db.engine)).lower()
    assert sql.count("join placements") == 1
    assert sql.count("from placements") == 0
    assert sql.count("join employers") == 1
