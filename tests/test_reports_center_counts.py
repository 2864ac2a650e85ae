"""The reports' centers column (issue 17): nationally, per region and per center it is counted as the
centers that ran a matching cohort — one probe per center on (center_id, end_date) — where it was the
distinct centers of every matching cohort. Both ways give the same figures for every period and filter,
with cancelled cohorts, a center without cohorts in the period, and a region filter (whose own subquery
on centers must not be tied to the counted center)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from talent import clock
from talent.catalog.models import Certification, Skill, Sector, course_skills
from talent.centers.models import Center
from talent.demo import build_demo
from talent.extensions import db
from talent.learning.models import Cohort
from talent.reporting.periods import parse_filters
from talent.reporting.queries import current


@pytest.fixture
def demo(app, factory):
    build_demo(trainees=200, seed=11)
    # A cancelled cohort, and a center whose only cohort is cancelled.
    first = db.session.scalar(select(Cohort).order_by(Cohort.id))
    db.session.execute(update(Cohort).where(Cohort.id == first.id).values(status="cancelled"))
    lonely = factory.center(region=db.session.get(Center, first.center_id).region.code)
    today = clock.today()
    factory.cohort(center=lonely, start_date=today - timedelta(days=30), end_date=today + timedelta(days=30),
                   status="cancelled")
    db.session.commit()


def _filters(app):
    year = clock.today().year
    first = db.session.scalar(select(Center).order_by(Center.id))
    center, region_code = first.code, first.region.code
    level = db.session.scalar(select(Certification.level).limit(1))
    skill = db.session.scalar(select(Skill.code).join(course_skills, course_skills.c.skill_id == Skill.id).limit(1))
    sector = db.session.scalar(select(Sector.code).limit(1))
    periods = [{"period": "year", "year": str(year)}, {"period": "year", "year": str(year - 1)},
               {"period": "quarter", "year": str(year), "quarter": "1"},
               {"period": "custom", "start": f"{year - 3}-01-01", "end": f"{year + 1}-12-31"},
               {"period": "year", "year": str(year - 10)}]
    extra = [{}, {"region": region_code}, {"center": center}, {"level": level}, {"skill": skill},
             {"sector": sector}, {"region": region_code, "level": level}]
    for period in periods:
        for more in extra:
            filters, messages = parse_filters({**period, **more}, today=clock.today())
            assert messages == [], (period, more, messages)
            yield filters


def test_centers_with_a_cohort_equal_the_distinct_centers_of_the_cohorts(demo, app):
    compared = nonzero = 0
    with app.test_request_context("/"):
        for filters in _filters(app):
            for dimension in (None, "region", "center"):
                probed = current.center_counts(filters, dimension)
                assert probed == current._center_counts_of_cohorts(filters, dimension), (filters, dimension)
                compared += 1
                nonzero += bool(probed)
    assert compared == 105 and nonzero > 40
