"""A center page's skill table (issue 17): its enrollment figures are the sums of the same period's
course figures over each skill's courses (a cohort counts once per skill of its course), the
distinct counts (people placed, placements, centers) are read per skill — the same figures as the
grouping by skill, with the summary and from the live tables, with and without the cell-key
method, for periods that start at its anchor and periods that do not, with a skill or level filter."""
from __future__ import annotations

import pytest
from sqlalchemy import delete, func, select

from talent import clock
from talent.catalog.models import Certification, Skill, course_skills
from talent.demo import build_demo
from talent.extensions import db
from talent.learning.models import Cohort
from talent.reporting import queries, summary
from talent.reporting.models import ReportSummaryState
from talent.reporting.periods import parse_filters


def _periods():
    year = clock.today().year
    return [{"period": "year", "year": str(year)}, {"period": "year", "year": str(year - 1)},
            {"period": "quarter", "year": str(year - 1), "quarter": "3"},
            {"period": "custom", "start": f"{year - 2}-03-15", "end": f"{year}-12-31"}]


@pytest.fixture
def demo(app):
    build_demo(trainees=300, seed=7)
    # The demo's catalog teaches each skill in one course: three more courses teach the first
    # course's skills too (the grouping by skill joins course_skills as it is at read time).
    links = db.session.execute(select(course_skills.c.course_id, course_skills.c.skill_id)
                               .order_by(course_skills.c.course_id, course_skills.c.skill_id)).all()
    courses = sorted({c for c, _ in links})
    first = [s for c, s in links if c == courses[0]]
    db.session.execute(course_skills.insert(), [{"course_id": c, "skill_id": s} for c in courses[1:4] for s in first
                                                if (c, s) not in set(links)])
    db.session.commit()
    shared = db.session.scalar(select(func.count()).select_from(
        select(course_skills.c.skill_id).group_by(course_skills.c.skill_id)
        .having(func.count() > 1).subquery()))
    several = db.session.scalar(select(func.count()).select_from(
        select(course_skills.c.course_id).group_by(course_skills.c.course_id)
        .having(func.count() > 1).subquery()))
    assert shared and several      # skills taught by several courses, courses teaching several skills
    return sorted(set(db.session.scalars(select(Cohort.center_id))))


@pytest.mark.parametrize("method", ["cellkey", "threshold"])
def test_skill_figures_from_the_course_figures_equal_the_grouping_by_skill(demo, app, monkeypatch, method):
    monkeypatch.setitem(app.config, "DISCLOSURE_METHOD", method)
    compared = 0
    level = db.session.scalar(select(Certification.level).limit(1))
    skill = db.session.scalar(select(Skill.code).join(course_skills, course_skills.c.skill_id == Skill.id)
                              .group_by(Skill.code).having(func.count() > 1).limit(1))
    assert level and skill
    for args in [*_periods(), {**_periods()[0], "skill": skill}, {**_periods()[1], "level": level}]:
        f, messages = parse_filters(args, today=clock.today())
        assert messages == []
        for center_id in demo:
            scoped = f.scoped(center_id=center_id)
            for live in (False, True):
                if live:
                    db.session.execute(delete(ReportSummaryState))      # the reports read the live tables
                else:
                    assert summary.usable(db.session, scoped, "skill")
                by_course, _total = queries.metrics_with_total(scoped, "course")
                derived = queries.skill_metrics(scoped, by_course)
                direct = queries.metrics(scoped, "skill")
                assert derived == direct, (args, center_id, live, method)
                compared += sum(v["enrolled"] + v["placements"] for v in direct.values()) > 0
                if live:
                    db.session.rollback()
    assert compared >= 10       # not a comparison of empty tables
