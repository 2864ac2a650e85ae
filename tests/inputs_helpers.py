"""Shared pieces of the hostile-input tests (tests/test_inputs_*.py): payloads, a world of records
whose free text is hostile, and row counting over every table."""
from __future__ import annotations

import re
from datetime import timedelta
from functools import cache

from sqlalchemy import text

from talent.extensions import db
from talent import clock

# Markup that must never reach a page unescaped.
DANGEROUS = (re.compile(r"<script>alert", re.I), re.compile(r"<img src=x", re.I))


def xss(tag: str) -> str:
    """A payload naming the field it was put in (so a leak says where it came from)."""
    return f'"><img src=x onerror=alert({tag})><script>alert({tag})</script>'


def leaks(html: str) -> list[str]:
    """The unescaped payload fragments found in ``html``, with some context."""
    found = []
    for pattern in DANGEROUS:
        for m in pattern.finditer(html):
            found.append(html[max(0, m.start() - 80):m.end() + 40])
    return found


def table_counts(*, exclude=("audit_events", "audit_event_trainees")) -> dict[str, int]:
    """``{table: row count}`` for every table of the schema (the audit trail excluded: a refused
    form that shows a roster again audits that view, and the request keeps it — issue 16's
    transactions are not steered by the status code)."""
    db.session.expire_all()
    names, statement = _count_statement(tuple(exclude))
    return dict(zip(names, db.session.execute(statement).one()))


@cache
def _count_statement(exclude: tuple[str, ...]):
    """One statement of scalar subqueries, written once as text (the fuzz tests count after every
    example: one round trip instead of one per table, and no statement to build and key each time)."""
    names = [t.name for t in db.metadata.sorted_tables if t.name not in exclude]
    return names, text("SELECT " + ", ".join(f'(SELECT count(*) FROM "{n}")' for n in names))


def trainee_data(fin: str, **kw) -> dict:
    data = {"fin": fin, "first_name": "Aysel", "last_name": "Məmmədova", "patronymic": "Rəşad qızı",
            "birth_date": "1998-05-17", "gender": "F", "home_region": "BAKU"}
    data.update(kw)
    return data


def hostile_world(factory) -> dict:
    """One center with hostile text in every free-text field the pages show, written through the
    real services where there is one. Committed."""
    from talent.centers.services import create_center
    from talent.credentials.services import issue_award, revoke_award
    from talent.learning.services import withdraw
    from talent.people.services import create_trainee
    from talent.permissions import Actor
    from talent.placement.services import record_placement
    from tests.factories import next_fin

    sys = Actor.system()
    center = create_center(sys, code="XSS1", name=xss("center"), region_id=factory.region("BAKU").id,
                           city=xss("city"), capacity=100)
    course = factory.course(title_en=xss("course"), title_az=xss("course_az"))
    cohort = factory.cohort(center=center, course=course, start_date=clock.today() - timedelta(days=90),
                            end_date=clock.today() - timedelta(days=10))
    names = {"first_name": xss("first"), "last_name": xss("last"), "patronymic": xss("patronymic")}
    t1 = create_trainee(sys, trainee_data(next_fin(), **names), center_id=center.id)
    t2 = create_trainee(sys, trainee_data(next_fin(), **names), center_id=center.id)
    t3 = create_trainee(sys, trainee_data(next_fin(), **names), center_id=center.id)
    # Formula-looking text: exports must neutralise it.
    t4 = create_trainee(sys, trainee_data(next_fin(), first_name="=HYPERLINK(\"http://x\")",
                                          last_name="+1+2", patronymic="@SUM(A1)"), center_id=center.id)
    e1 = factory.enrollment(t1, cohort, status="completed", final_score=90, attendance_pct=95)
    e2 = factory.enrollment(t2, cohort, status="enrolled")
    e3 = factory.enrollment(t3, cohort, status="completed", final_score=90, attendance_pct=95)
    e4 = factory.enrollment(t4, cohort, status="completed", final_score=90, attendance_pct=95)
    withdraw(sys, e2.id, xss("withdraw"))
    award1 = issue_award(sys, e1)
    award3 = issue_award(sys, e3)
    revoke_award(sys, award3, xss("revoke"))
    placement = record_placement(sys, t1.id, employer_name=xss("employer"), job_title=xss("job"),
                                 employer_city=xss("ecity"), country_code="AZ", employment_type="full_time",
                                 start_date=(clock.today() - timedelta(days=5)).isoformat())
    formula_placement = record_placement(sys, t4.id, employer_name="-2+3", job_title="=1+1", country_code="AZ",
                                         employment_type="full_time",
                                         start_date=(clock.today() - timedelta(days=5)).isoformat())
    users = {"center_admin": factory.center_admin(center), "admin": factory.user("admin"),
             "ministry": factory.user("ministry"), "trainee": factory.trainee_user(t1)}
    db.session.commit()
    return {"center": center, "course": course, "cohort": cohort, "trainees": [t1, t2, t3, t4],
            "enrollments": [e1, e2, e3, e4], "award": award1, "revoked": award3, "placement": placement,
            "formula_placement": formula_placement, "users": users}
