"""Helpers for the administration, dashboard, placement and export tests."""
from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from talent.audit import AuditEvent
from talent.extensions import db
from talent.permissions import Actor
from talent import clock

JOB = {
    "employer_name": "Azercell Telecom",
    "country_code": "AZ",
    "job_title": "Data analyst",
    "employment_type": "full_time",
    "start_date": clock.today() - timedelta(days=30),
}


def job(**overrides):
    values = dict(JOB)
    values.update(overrides)
    return values


def actor(user) -> Actor:
    return Actor.for_user(user)


def audit_actions(**filters) -> list[str]:
    stmt = select(AuditEvent.action).order_by(AuditEvent.id)
    for name, value in filters.items():
        stmt = stmt.where(getattr(AuditEvent, name) == value)
    return list(db.session.scalars(stmt))


def completer(factory, center, *, ended_days_ago: int = 200, **kw):
    """A trainee who completed a cohort at ``center`` that ended ``ended_days_ago`` days ago."""
    end = clock.today() - timedelta(days=ended_days_ago)
    cohort = kw.pop("cohort", None) or factory.cohort(center=center, start_date=end - timedelta(days=60),
                                                      end_date=end, status="completed")
    trainee = kw.pop("trainee", None) or factory.trainee(**kw)
    enrollment = factory.enrollment(trainee=trainee, cohort=cohort, status="completed")
    return trainee, enrollment


def request_context(app):
    """A request context for calling services directly: translated messages need a locale, and
    the locale selector reads the request."""
    return app.test_request_context("/", headers={"Accept-Language": "en"})
