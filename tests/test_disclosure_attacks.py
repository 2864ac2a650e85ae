"""Attacks on the ministry's published figures (issue #12), run the way an outsider with a ministry
account would: free periods, filters, several pages and the JSON API, then arithmetic.

Every attack targets the *small* cells (a true count of 1..k-1 people) of some table and tries to
work them out from other answers. What an attacker may conclude from a published cell:

* a number ``v`` -> the true count lies in ``[v - B, v + B]`` (B = the public noise bound of a
  period's count, twice the perturbation table's; 0 for plain suppression) and is at least 1
  unless ``v`` is 0;
* ``0`` -> nobody;
* ``<k`` -> 1 .. k-1+B;  ``x`` (or anything else withheld) -> 0 .. anything.

Interval arithmetic over the answers gives the range the target must lie in; a target is
**recovered** when that range is a single number (the attacker is certain) and it is the true
count. Each attack records the share of small target cells recovered and the number of queries it
made; the suite asserts the shares and prints them (``pytest -s`` shows the table).

The truth comes from the unperturbed internals (:mod:`talent.reporting.queries`), never from a
published answer.
"""
from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone

import pytest

from talent.catalog.models import Course
from talent.credentials.models import Award
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.placement.models import Employer, Placement
from talent.reporting import queries, reports, suppression
from talent.reporting.periods import parse_filters
from tests.api_helpers import api_for
from talent.permissions import ROLE_PERMISSIONS, Actor

READER = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
               permissions=ROLE_PERMISSIONS["ministry"])  # the report functions need their reader

TODAY = date(2026, 6, 1)
K = 5
# The public bound of the noise on a published count of a period's events (0: plain suppression).
BOUND = getattr(suppression, "WINDOW_BOUND", 0)
REGIONS = ("BAKU", "GANJA_DASHKASAN", "SHAKI_ZAGATALA", "LANKARAN_ASTARA", "NAKHCHIVAN", "GUBA_KHACHMAZ")
EVENT_COUNTS = ("enrolled", "completed", "certified", "placements", "local", "regional", "international")
INF = float("inf")

# What each attack may recover at most (share of its small target cells, certain and exact).
LIMIT = 0.01


# ---- the population ---------------------------------------------------------------------------

def _ts(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, tzinfo=timezone.utc)


@dataclass
class Population:
    centers: dict = field(default_factory=dict)
    courses: list = field(default_factory=list)


def build_population(factory) -> Population:
    """Six regions with one center each, three courses (one per level, two sectors), a cohort per
    center and quarter of 2024-2025 with 1..9 people: most region x quarter cells are small.
    Events fall only on days 5..25 of a month (so windows moved within days 26..4 are equivalent)."""
    rng = random.Random(20261205)
    pop = Population()
    sectors = [factory.sector()]
    from talent.catalog.models import Sector
    other = db.session.query(Sector).filter(Sector.id != sectors[0].id).order_by(Sector.id).first()
    sectors.append(other or sectors[0])
    for i, level in enumerate(("foundation", "intermediate", "advanced")):
        cert = factory.certification(code=f"ATK{i}", level=level)
        pop.courses.append(factory.course(cert, code=f"ATKC{i}", level=level, sector_id=sectors[i % 2].id))
    for code in REGIONS:
        pop.centers[code] = factory.center(code=f"ATK-{code}", region=code, city="")
    employers = [Employer(name="Local Co", country_code="AZ", city="Bakı"),
                 Employer(name="Ganja Co", country_code="AZ", city="Gəncə"),
                 Employer(name="Regional Co", country_code="TR", city="İstanbul"),
                 Employer(name="Far Co", country_code="DE", city="Berlin")]
    db.session.add_all(employers)
    db.session.flush()
    region_ids = {code: factory.region(code).id for code in REGIONS}
    serial = 0
    n = 0
    for year in (2024, 2025):
        for quarter in range(4):
            for code in REGIONS:
                course = rng.choice(pop.courses)
                start = date(year, 3 * quarter + 1, rng.randint(5, 12))
                end = start + timedelta(days=rng.randint(50, 70))
                end = end.replace(day=min(max(end.day, 5), 25))
                cohort = Cohort(code=f"A{year}{quarter}{code[:4]}", course_id=course.id,
                                center_id=pop.centers[code].id, start_date=start, end_date=end, capacity=30,
                                mode="onsite", status="completed")
                db.session.add(cohort)
                db.session.flush()
                for _ in range(rng.randint(1, 9)):
                    n += 1
                    trainee = Trainee(fin=f"A{n:06d}", first_name="Test", last_name=f"Person{n}",
                                      patronymic="", search_name=f"person{n} test",
                                      birth_date=date(rng.randint(1970, 2004), rng.randint(1, 12), 10),
                                      gender=rng.choice("FM"), home_region_id=region_ids[rng.choice(REGIONS)])
                    db.session.add(trainee)
                    db.session.flush()
                    status = rng.choices(("completed", "failed", "withdrawn"), (7, 2, 1))[0]
                    enrolled = start - timedelta(days=rng.randint(0, 3))
                    enrolled = enrolled.replace(day=min(max(enrolled.day, 5), 25))
                    e = Enrollment(trainee_id=trainee.id, cohort_id=cohort.id, status=status,
                                   enrolled_at=_ts(enrolled), completed_at=_ts(end) if status == "completed" else None)
                    db.session.add(e)
                    db.session.flush()
                    if status != "completed":
                        continue
                    if rng.random() < 0.8:
                        serial += 1
                        issued = end + timedelta(days=rng.randint(3, 20))
                        issued = issued.replace(day=min(max(issued.day, 5), 25))
                        db.session.add(Award(serial=f"AZAI-{year}-{serial:06d}",
                                             verification_code=secrets.token_urlsafe(12), enrollment_id=e.id,
                                             trainee_id=trainee.id, certification_id=course.certification_id,
                                             center_id=pop.centers[code].id, issued_on=issued))
                    if rng.random() < 0.6:
                        begin = end + timedelta(days=rng.randint(10, 120))
                        begin = begin.replace(day=min(max(begin.day, 5), 25))
                        employer = rng.choices(employers, (4, 2, 2, 1))[0]
                        db.session.add(Placement(trainee_id=trainee.id, employer_id=employer.id, job_title="Analyst",
                                                 employment_type="full_time", start_date=begin, source="center",
                                                 verification="verified"))
    db.session.flush()
    db.session.commit()
    return pop


# ---- reading published and true figures --------------------------------------------------------

def flt(**args):
    f, messages = parse_filters({k: str(v) for k, v in args.items()}, today=TODAY)
    assert messages == [], messages
    return f


def window(start: date, end: date, **extra):
    return flt(period="custom", start=start.isoformat(), end=end.isoformat(), **extra)


class Counter:
    def __init__(self):
        self.queries = 0


def interval(cell) -> tuple[float, float]:
    """What a published cell tells the attacker about the true count."""
    if cell.value is not None:
        v = int(round(cell.value))
        if v == 0:
            return (0, 0)
        return (max(v - BOUND, 1), v + BOUND)
    if cell.status == "small":
        return (1, K - 1 + BOUND)
    return (0, INF)


def published_regions(filters, counter: Counter) -> dict:
    counter.queries += 1
    table = reports.regions_table(filters, actor=READER).tables[0].table
    out = {(row["code"], col): row["cells"][col] for row in table.rows for col in EVENT_COUNTS}
    out.update({("AZ", col): table.total["cells"][col] for col in EVENT_COUNTS})
    return out


def true_regions(filters) -> dict:
    from talent.geo.models import Region
    codes = dict(db.session.execute(db.select(Region.id, Region.code)).all())
    data, national = queries.metrics_with_total(filters, "region")
    out = {(codes[rid], col): values[col] for rid, values in data.items() for col in EVENT_COUNTS}
    out.update({("AZ", col): national[col] for col in EVENT_COUNTS})
    return out


def minus(a, b):
    return (a[0] - b[1], a[1] - b[0])


def plus(a, b):
    return (a[0] + b[0], a[1] + b[1])


@dataclass
class Outcome:
    name: str
    targets: int = 0
    recovered: int = 0
    guessed: int = 0   # the point estimate (difference of published numbers) equals the truth
    queries: int = 0

    @property
    def share(self) -> float:
        return self.recovered / self.targets if self.targets else 0.0

    def line(self) -> str:
        return (f"{self.name:38s} small targets {self.targets:4d}  recovered {self.recovered:4d} "
                f"({100 * self.share:5.1f} %)  point guess right {self.guessed:4d}  queries {self.queries}")


def judge(outcome: Outcome, truth: int, bounds: tuple[float, float], estimate: float | None) -> None:
    if not 1 <= truth <= K - 1:
        return
    outcome.targets += 1
    lo, hi = max(bounds[0], 1), min(bounds[1], K - 1)  # the attacker knows it is a small cell
    if lo == hi == truth:
        outcome.recovered += 1
    if estimate is not None and round(estimate) == truth:
        outcome.guessed += 1


def point(cell) -> float | None:
    return None if cell.value is None else float(cell.value)


def difference(outcome: Outcome, big: dict, small: dict, truth: dict) -> None:
    """Target = big - small, cell by cell."""
    for key, value in truth.items():
        a, b = big[key], small[key]
        estimate = None if point(a) is None or point(b) is None else point(a) - point(b)
        judge(outcome, value, minus(interval(a), interval(b)), estimate)


REPORT = []


@pytest.fixture
def pop(factory):
    return build_population(factory)


def _record(outcome: Outcome) -> Outcome:
    REPORT.append(outcome)
    print("\n" + outcome.line())
    return outcome


# ---- the attacks -----------------------------------------------------------------------------------

QUARTER_ENDS = [(date(y, m, 1), date(y, m + 2, 31 if m + 2 in (3, 12) else 30)) for y in (2024, 2025)
                for m in (1, 4, 7, 10)]


def test_nested_period_differencing(pop):
    """Jan 1 - end of quarter q minus Jan 1 - end of quarter q-1 = quarter q (the issue's attack)."""
    outcome, counter = Outcome("nested periods (Jan 1 - Q end)"), Counter()
    for year in (2024, 2025):
        jan1 = date(year, 1, 1)
        ends = [e for s, e in QUARTER_ENDS if e.year == year]
        starts = [s for s, e in QUARTER_ENDS if e.year == year]
        for q in range(1, 4):
            big = published_regions(window(jan1, ends[q]), counter)
            small = published_regions(window(jan1, ends[q - 1]), counter)
            difference(outcome, big, small, true_regions(window(starts[q], ends[q])))
    outcome.queries = counter.queries
    _record(outcome)
    assert outcome.targets > 50
    assert outcome.share <= LIMIT, outcome.line()


def test_overlapping_period_differencing(pop):
    """[s - 1 month, e] minus [s - 1 month, s - 1]: the window shares a start with the other."""
    outcome, counter = Outcome("overlapping periods"), Counter()
    for year in (2024, 2025):
        for month in (3, 5, 8, 11):
            target_start, target_end = date(year, month, 1), date(year, month + 1, 28)
            lead = date(year, month - 1, 1)
            big = published_regions(window(lead, target_end), counter)
            small = published_regions(window(lead, target_start - timedelta(days=1)), counter)
            difference(outcome, big, small, true_regions(window(target_start, target_end)))
    outcome.queries = counter.queries
    _record(outcome)
    assert outcome.targets > 30
    assert outcome.share <= LIMIT, outcome.line()


def test_year_minus_quarters(pop):
    """The year minus three of its quarters = the fourth."""
    outcome, counter = Outcome("year minus quarters"), Counter()
    for year in (2024, 2025):
        year_cells = published_regions(flt(period="year", year=year), counter)
        quarters = [published_regions(flt(period="quarter", year=year, quarter=q), counter) for q in range(1, 5)]
        for left_out in range(4):
            truth = true_regions(flt(period="quarter", year=year, quarter=left_out + 1))
            for key, value in truth.items():
                bounds, estimate = interval(year_cells[key]), point(year_cells[key])
                for q in range(4):
                    if q == left_out:
                        continue
                    bounds = minus(bounds, interval(quarters[q][key]))
                    estimate = None if estimate is None or point(quarters[q][key]) is None \
                        else estimate - point(quarters[q][key])
                judge(outcome, value, bounds, estimate)
    outcome.queries = counter.queries
    _record(outcome)
    assert outcome.targets > 50
    assert outcome.share <= LIMIT, outcome.line()


@pytest.mark.parametrize("dimension", ["level", "sector", "skill"])
def test_filter_differencing(pop, dimension):
    """Everything minus the other values of a filter = the remaining value."""
    outcome, counter = Outcome(f"filter differencing ({dimension})"), Counter()
    if dimension == "level":
        values = ["foundation", "intermediate", "advanced"]
    elif dimension == "sector":
        from talent.catalog.models import Sector
        values = [db.session.get(Sector, c.sector_id).code for c in pop.courses]
        values = sorted(set(values))
    else:
        values = sorted({s.code for c in pop.courses for s in c.skills})
    for year in (2024, 2025):
        whole = published_regions(flt(period="year", year=year), counter)
        parts = {v: published_regions(flt(period="year", year=year, **{dimension: v}), counter) for v in values}
        for target in values:
            truth = true_regions(flt(period="year", year=year, **{dimension: target}))
            for key, value in truth.items():
                bounds, estimate = interval(whole[key]), point(whole[key])
                for v in values:
                    if v == target:
                        continue
                    bounds = minus(bounds, interval(parts[v][key]))
                    estimate = None if estimate is None or point(parts[v][key]) is None \
                        else estimate - point(parts[v][key])
                judge(outcome, value, bounds, estimate)
    outcome.queries = counter.queries
    _record(outcome)
    if len(values) > 1:
        assert outcome.targets > 10
    assert outcome.share <= LIMIT, outcome.line()


def test_table_minus_margins_across_pages(pop):
    """The regions page (local market per region), the mobility page (where each region's
    graduates work), the dashboard (national) and fairness (by gender) read together."""
    outcome, counter = Outcome("table minus margins across pages"), Counter()
    from talent.geo.models import Region
    codes = dict(db.session.execute(db.select(Region.id, Region.code)).all())
    for year in (2024, 2025):
        f = flt(period="year", year=year)
        regions = published_regions(f, counter)
        counter.queries += 1
        mob = {row["code"]: row["cells"] for row in reports.mobility(f, actor=READER).tables[0].table.rows}
        truth_mob = {codes[rid]: v for rid, v in queries.mobility_metrics(f).items()}
        # "Elsewhere in Azerbaijan" = local (regions page) - same region - Baku - unknown (mobility page).
        for code, cells in mob.items():
            value = truth_mob.get(code, {}).get("other_az", 0)
            bounds, estimate = interval(regions[(code, "local")]), point(regions[(code, "local")])
            for col in ("same_region", "baku", "az_unknown"):
                bounds = minus(bounds, interval(cells[col]))
                estimate = None if estimate is None or point(cells[col]) is None else estimate - point(cells[col])
            judge(outcome, value, bounds, estimate)
        # A region's row = the dashboard's national figure minus every other region.
        counter.queries += 1
        national = reports.national_summary(f, actor=READER).tables[0].table.rows[0]["cells"]
        truth = true_regions(f)
        for code in REGIONS + tuple(c for c in codes.values() if c not in REGIONS):
            for col in EVENT_COUNTS:
                bounds, estimate = interval(national[col]), point(national[col])
                for other in codes.values():
                    if other == code:
                        continue
                    bounds = minus(bounds, interval(regions[(other, col)]))
                    estimate = None if estimate is None or point(regions[(other, col)]) is None \
                        else estimate - point(regions[(other, col)])
                judge(outcome, truth.get((code, col), 0), bounds, estimate)
        # Fairness: the women's figure = the national figure (dashboard) minus the men's.
        counter.queries += 1
        fair = reports.fairness(f, actor=READER).table("gender").table
        by_gender = {row["code"]: row["cells"] for row in fair.rows}
        true_gender = queries.metrics(f, "gender")
        for col in ("completed", "completion_den", "placement_den"):
            for target, other in (("F", "M"), ("M", "F")):
                src = fair.total["cells"][col]  # the "All" row: the national figure
                bounds = minus(interval(src), interval(by_gender[other][col]))
                estimate = None if point(src) is None or point(by_gender[other][col]) is None \
                    else point(src) - point(by_gender[other][col])
                judge(outcome, true_gender.get(target, {}).get(col, 0), bounds, estimate)
    outcome.queries = counter.queries
    _record(outcome)
    assert outcome.targets > 20
    assert outcome.share <= LIMIT, outcome.line()


def test_same_cell_same_answer_everywhere(pop, app, monkeypatch):
    """One decision per cell: a region's figures are the same on the regions page, the dashboard
    table, as the total of its own centers page and in the trends total; a cell asked again, or
    through an equivalent window (moved across days without events), gets the same answer, so
    averaging repeated or equivalent queries gains nothing."""
    f = flt(period="year", year=2025)
    first = reports.regions_table(f, actor=READER).tables[0].table
    dashboard = reports.national_summary(f, actor=READER).tables[1].table
    assert [r["cells"] for r in first.rows] == [r["cells"] for r in dashboard.rows]
    for _ in range(3):
        again = reports.regions_table(f, actor=READER).tables[0].table
        assert [r["cells"] for r in again.rows] == [r["cells"] for r in first.rows]
    # Events only fall on days 5..25: these windows hold exactly the same people.
    equivalent = [window(date(2025, 1, 3), date(2026, 1, 2)), window(date(2025, 1, 2), date(2025, 12, 28))]
    across_new_year = [window(date(2024, 12, 27), date(2025, 12, 31)), window(date(2024, 12, 29), date(2025, 12, 28))]

    def same(windows):
        baseline = reports.regions_table(f, actor=READER).tables[0].table
        for g in windows:
            other = reports.regions_table(g, actor=READER).tables[0].table
            for a, b in zip(baseline.rows, other.rows):
                for col in EVENT_COUNTS:
                    assert a["cells"][col] == b["cells"][col], (a["code"], col, g)
    same(equivalent)
    # With year anchors (the default) a window starting in December 2024 has running totals from
    # 1 January 2024: another draw (docs/disclosure.md). With epoch anchors it is the same figure.
    monkeypatch.setitem(app.config, "DISCLOSURE_ANCHOR", "epoch")
    same(equivalent + across_new_year)
    monkeypatch.setitem(app.config, "DISCLOSURE_ANCHOR", "year")
    by_code = {r["code"]: r for r in first.rows}
    for code in REGIONS:
        region_id = by_code[code]["id"]
        total = reports.region_centers(f, region_id, actor=READER).tables[0].table.total
        for col in EVENT_COUNTS:
            assert total["cells"][col] == by_code[code]["cells"][col], (code, col)
    mobility = {r["code"]: r["cells"] for r in reports.mobility(f, actor=READER).tables[0].table.rows}
    for code in REGIONS:  # a region's placements: the same records on the regions and mobility pages
        assert mobility[code]["placements"] == by_code[code]["cells"]["placements"], code
        assert mobility[code]["regional"] == by_code[code]["cells"]["regional"], code
        assert mobility[code]["international"] == by_code[code]["cells"]["international"], code
    national = reports.national_summary(f, actor=READER).tables[0].table.rows[0]["cells"]
    trend_total = reports.trends(f, actor=READER).tables[0].table.total["cells"]
    for trend_col, col in (("enrollments", "enrolled"), ("completions", "completed"), ("awards", "certified"),
                           ("placements", "placements"), ("local", "local"), ("international", "international")):
        assert trend_total[trend_col] == national[col], trend_col
    fairness_total = reports.fairness(f, actor=READER).table("gender").table.total["cells"]
    for col in ("completed", "completion_rate", "certification_rate", "placement_rate"):
        assert fairness_total[col] == national[col], col
    # A course with one skill: the same figures in the Courses and the Skills table of a center.
    center = next(iter(pop.centers.values()))
    report = reports.center_breakdown(f, center.id, actor=READER)
    courses = {r["id"]: r["cells"] for r in report.table("courses").table.rows}
    for skill_row in report.table("skills").table.rows:
        holders = [c for c in pop.courses if any(s.code == skill_row["code"] for s in c.skills)]
        if len(holders) == 1 and holders[0].id in courses:
            assert skill_row["cells"] == courses[holders[0].id]


def _event_days(before: date) -> list[date]:
    """Days on which something countable happened (enrollments, completions, awards, placements):
    a window starting the day after one of them holds a different set of records."""
    days = set()
    for column in (Enrollment.enrolled_at, Enrollment.completed_at):
        days.update(v.date() for v in db.session.scalars(db.select(column)) if v is not None)
    days.update(db.session.scalars(db.select(Award.issued_on)))
    days.update(db.session.scalars(db.select(Placement.start_date)))
    return sorted(d for d in days if d < before)


def test_averaging_many_differences(pop, app, monkeypatch):
    """The averaging attack (Asghar & Kaafar): the same target (every region's fourth quarter of
    2025) as the difference of many *different* pairs of windows sharing a start, each pair a
    fresh draw of the noise; the attacker averages the differences and rounds. Repeating a pair,
    or moving its start across days without events, gives the very same answers (nothing to
    average); here the starts are chosen, with knowledge of the data an outsider lacks, just after
    days with events, so every pair would be a new draw of plain cell-key noise: an upper bound. Measured:
    what docs/disclosure.md reports; before the cumulative anchors it rose with the queries."""
    monkeypatch.setitem(app.config, "DISCLOSURE_ANCHOR", "epoch")  # the stronger setting; year: next test
    target_start, target_end = date(2025, 10, 1), date(2025, 12, 31)
    truth = true_regions(window(target_start, target_end))
    leads = [d + timedelta(days=1) for d in _event_days(date(2025, 9, 30))]  # long windows: shown numbers
    results = {}
    for pairs in (1, 4, 12, 48, 96):
        outcome, counter = Outcome(f"averaging {pairs} differences"), Counter()
        estimates: dict = {}
        for lead in leads[:pairs]:
            big = published_regions(window(lead, target_end), counter)
            small = published_regions(window(lead, target_start - timedelta(days=1)), counter)
            for key in truth:
                if point(big[key]) is None or point(small[key]) is None:
                    continue
                estimates.setdefault(key, []).append(point(big[key]) - point(small[key]))
        for key, value in truth.items():
            got = estimates.get(key)
            judge(outcome, value, (0, INF), sum(got) / len(got) if got else None)
        if BOUND == 0:  # plain suppression: a difference of two shown numbers is certain
            outcome.recovered = outcome.guessed
        outcome.queries = counter.queries
        results[pairs] = _record(outcome)
    assert len(leads) >= 96 and results[1].targets > 10
    # No certainty at any number of queries, the point guess right no more often than at chance,
    # and no gain from more queries: every pair telescopes to the same two perturbed cumulative
    # counts, so all differences of a target are one and the same number.
    assert all(r.recovered == 0 for r in results.values())
    assert results[1].guessed / results[1].targets <= 0.25, results[1].line()
    assert results[96].guessed == results[1].guessed, results[96].line()
    assert all(len(set(values)) == 1 for values in estimates.values()), "a new pair gave a new draw"


def test_year_anchors_bound_the_averaging_by_the_years(pop, app, monkeypatch):
    """DISCLOSURE_ANCHOR=year (the default, the cheaper setting: a period starting on 1 January needs
    no running total before it): window pairs starting in one year all give the same estimate, so an
    attacker gets at most one independent estimate per year a window can start in (two here)."""
    monkeypatch.setitem(app.config, "DISCLOSURE_ANCHOR", "year")
    assert flt(period="year", year=2025).before_start() is None
    assert flt(period="quarter", year=2025, quarter=3).before_start().start == date(2025, 1, 1)
    target_start, target_end = date(2025, 10, 1), date(2025, 12, 31)
    truth = true_regions(window(target_start, target_end))
    leads = [d + timedelta(days=1) for d in _event_days(date(2025, 9, 30))][::4]
    outcome, counter, estimates = Outcome("averaging, year anchors"), Counter(), {}
    for lead in leads:
        big = published_regions(window(lead, target_end), counter)
        small = published_regions(window(lead, target_start - timedelta(days=1)), counter)
        for key in truth:
            if point(big[key]) is not None and point(small[key]) is not None:
                estimates.setdefault(key, []).append(point(big[key]) - point(small[key]))
    for key, value in truth.items():
        got = estimates.get(key)
        judge(outcome, value, (0, INF), sum(got) / len(got) if got else None)
    outcome.queries = counter.queries
    _record(outcome)
    assert {lead.year for lead in leads} == {2024, 2025} and len(leads) >= 20
    assert all(len(set(values)) <= 2 for values in estimates.values())
    assert outcome.recovered == 0 and outcome.guessed / outcome.targets <= 0.4, outcome.line()


# ---- raw fields and bare small counts in every answer ------------------------------------------------

CELL_KEYS = {"value", "suppressed", "status"}
KEY_FIELDS = {"id", "code", "label", "name", "title", "report", "columns", "suppression_k", "filters", "total",
              "rows", "tables", "region", "center", "disclosure"}


def _walk(node, path, problems, k):
    if isinstance(node, dict):
        if path.endswith("_gap") and set(node) == {"value", "flag"}:
            return  # a group's published rate minus the overall published rate (checked in test_reports_figures)
        if set(node) >= CELL_KEYS:
            value = node["value"]
            if isinstance(value, (int, float)) and node.get("kind", "count") == "count" \
                    and not path.endswith(("_rate", "_gap")) and value == int(value) and 1 <= value <= k - 1 \
                    and not path.endswith(("centers",)):
                problems.append(f"bare small count at {path}: {value}")
            return
        for key, value in node.items():
            if key == "filters":
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool) and key not in KEY_FIELDS:
                problems.append(f"raw number at {path}.{key}: {value}")
            else:
                _walk(value, f"{path}.{key}", problems, k)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            _walk(value, f"{path}[{i}]", problems, k)


def test_no_raw_field_in_any_api_report(pop, client, factory):
    ministry = factory.user("ministry", locale="en")
    db.session.commit()
    api = api_for(client, ministry)
    problems: list[str] = []
    region_id = pop.centers["BAKU"].region_id
    paths = ["/api/v1/reports/national", "/api/v1/reports/regions", f"/api/v1/reports/regions/{region_id}",
             "/api/v1/reports/fairness", "/api/v1/reports/mobility", "/api/v1/reports/trends"]
    queries_made = 0
    for period in ("period=year&year=2024", "period=year&year=2025", "period=quarter&year=2025&quarter=2",
                   "period=custom&start=2025-02-01&end=2025-03-31"):
        for path in paths:
            response = api.get(f"{path}?{period}")
            queries_made += 1
            assert response.status_code == 200, (path, response.get_data(as_text=True))
            body = response.get_json()
            for t in body["tables"]:
                for row in t["rows"] + ([t["total"]] if t.get("total") else []):
                    extra = [key for key in row if key not in t["columns"] and key not in KEY_FIELDS]
                    problems.extend(f"{path} {t['name']}: raw field {key}={row[key]!r}" for key in extra)
            _walk(body, path, problems, K)
    print(f"\nraw fields and bare small counts: {len(problems)} in {queries_made} API answers")
    for line in problems[:10]:
        print("  " + line)
    assert problems == []


def test_exports_and_charts_carry_no_small_count(pop, client, factory, login_as):
    """CSV, XLSX and print carry the same published cells; a chart draws a withheld value as a
    marked bar (never as an empty bar or a zero)."""
    ministry = factory.user("ministry", locale="en")
    db.session.commit()
    login_as(ministry)
    for name in ("regions", "mobility", "trends", "fairness", "dashboard"):
        response = client.get(f"/ministry/export/{name}.csv?period=year&year=2025")
        assert response.status_code == 200
        lines = response.get_data(as_text=True).splitlines()
        header = lines[0].split(",")
        for line in lines[1:]:
            for column, value in zip(header[1:], line.split(",")[1:]):
                if value.isdigit() and column != "Centers":
                    assert not 1 <= int(value) <= K - 1, (name, line)
    marked = 0
    for quarter in (1, 2, 3, 4):
        body = client.get(f"/ministry/regions?period=quarter&year=2025&quarter={quarter}").get_data(as_text=True)
        start = body.index('id="chart-regions-data">') + len('id="chart-regions-data">')
        chart = json.loads(body[start:body.index("</script>", start)])
        nulls = {(i, j) for i, ds_ in enumerate(chart["datasets"]) for j, v in enumerate(ds_["data"]) if v is None}
        listed = {(i, j) for i, j, symbol in chart.get("withheld", []) if symbol in (f"<{K}", "x")}
        assert nulls == listed, "every withheld value is drawn as a marked bar with its symbol"
        assert chart.get("withheldHeight") == K - 1 if nulls else True
        marked += len(listed)
    assert marked, "the quarterly charts of this data have withheld cells"
