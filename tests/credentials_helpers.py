"""Helpers for the credentials and portal tests."""
from __future__ import annotations

from decimal import Decimal


from talent.extensions import db


def completed(factory, cohort=None, *, score=80, attendance=90, trainee=None, **cert_kw):
    """A completed enrollment in ``cohort`` (or a new one) with the given score and attendance."""
    if cohort is None:
        cert = factory.certification(**cert_kw)
        cohort = factory.cohort(course=factory.course(certification=cert), status="completed")
    return factory.enrollment(trainee=trainee, cohort=cohort, status="completed",
                              final_score=None if score is None else Decimal(score),
                              attendance_pct=None if attendance is None else Decimal(attendance))


def issued(factory, **kw):
    """An award issued to a new completed enrollment; returns the award."""
    from talent.credentials.services import issue_award
    from talent.permissions import Actor
    enrollment = completed(factory, **kw)
    award = issue_award(Actor.system(), enrollment)
    db.session.flush()
    return award

