"""Who may apply for a course (issue 19): the course's lowest education level and age range on
the cohort's start date are checked on the applicant's own answers when they apply; an earlier
certification the course requires is checked against the records when the center accepts (so the
public answer never depends on what the records hold about a FIN)."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select

from talent import clock
from talent.catalog.models import EDUCATION_ORDER, Course
from talent.credentials.models import Award
from talent.extensions import db
from talent.labels import label
from talent.people.validation import age_on


def applicant_refusal(course: Course, start_date: date, *, birth_date: date,
                      education_level: str | None) -> tuple[str, object] | None:
    """``(field, reason)`` when the applicant's own answers do not meet the course's rules."""
    if course.min_education_level:
        needed = EDUCATION_ORDER.index(course.min_education_level)
        if education_level is None:
            return "education_level", _l("This course asks for at least this education level: %(level)s.",
                                         level=label(course.min_education_level, "education"))
        if EDUCATION_ORDER.index(education_level) < needed:
            return "education_level", _l("This course asks for at least this education level: %(level)s.",
                                         level=label(course.min_education_level, "education"))
    age = age_on(birth_date, start_date)
    if course.min_age is not None and age < course.min_age:
        return "birth_date", _l("This course is for people at least %(n)d years old when it starts.",
                                n=course.min_age)
    if course.max_age is not None and age > course.max_age:
        return "birth_date", _l("This course is for people at most %(n)d years old when it starts.",
                                n=course.max_age)
    return None


def holds_certification(trainee_id: int | None, certification_id: int, today: date | None = None) -> bool:
    """A valid (not revoked, not expired) award of the certification."""
    if trainee_id is None:
        return False
    today = today or clock.today()
    return db.session.scalar(select(Award.id).where(
        Award.trainee_id == trainee_id, Award.certification_id == certification_id, Award.revoked_at.is_(None),
        or_(Award.expires_on.is_(None), Award.expires_on >= today)).limit(1)) is not None


def missing_certification(course: Course, trainee_id: int | None):
    """The refusal reason when the course requires an earlier certification the person lacks."""
    cert = course.required_certification
    if cert is None or holds_certification(trainee_id, cert.id):
        return None
    return _l("This course requires the certification %(name)s, which the applicant does not hold.", name=cert.name)
