"""Cohorts, transitions, enrollment with capacity and waiting list, attendance, scores, completion."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.errors import (CapacityFull, Conflict, Duplicate, InvalidTransition, NotFound, PermissionDenied,
                           ValidationError)
from talent.extensions import db
from talent.learning import queries, services
from talent.learning.models import Attendance, Cohort, Enrollment
from tests.learning_helpers import actor, request_ctx  # noqa: F401
from talent import clock

pytestmark = pytest.mark.usefixtures("request_ctx")


def _cohort_data(center, course, **kw):
    data = {"code": "ml-2026-01", "course_id": course.id, "center_id": center.id, "start_date": "2026-02-01",
            "end_date": "01.05.2026", "capacity": "12", "mode": "hybrid"}
    data.update(kw)
    return data


def test_create_cohort(factory):
    center, course = factory.center(), factory.course()
    cohort = services.create_cohort(actor(factory.center_admin(center)), _cohort_data(center, course))
    assert (cohort.code, cohort.status, cohort.capacity, cohort.mode) == ("ML-2026-01", "planned", 12, "hybrid")
    assert cohort.end_date == date(2026, 5, 1)


def test_create_cohort_validation(factory):
    center, course = factory.center(), factory.course()
    with pytest.raises(ValidationError) as info:
        services.create_cohort(actor(factory.user("admin")),
                               _cohort_data(center, course, code="", end_date="2026-01-01", capacity="0",
                                            mode="boat"))
    assert set(info.value.fields) == {"code", "end_date", "capacity", "mode"}
    assert db.session.scalar(select(func.count()).select_from(Cohort)) == 0


def test_create_cohort_at_other_center_is_forbidden(factory):
    mine, other, course = factory.center(), factory.center(), factory.course()
    with pytest.raises(PermissionDenied):
        services.create_cohort(actor(factory.center_admin(mine)), _cohort_data(other, course))


def test_duplicate_cohort_code(factory):
    center, course = factory.center(), factory.course()
    admin = actor(factory.user("admin"))
    services.create_cohort(admin, _cohort_data(center, course))
    with pytest.raises(ValidationError) as info:
        services.create_cohort(admin, _cohort_data(center, course))
    assert "code" in info.value.fields


def test_update_checks_version_and_capacity(factory):
    cohort = factory.cohort(capacity=3, status="open")
    admin = actor(factory.user("admin"))
    for _ in range(2):
        factory.enrollment(cohort=cohort)
    services.update_cohort(admin, cohort.id, {"capacity": "5"}, version=1)
    assert cohort.version == 2
    with pytest.raises(Conflict):
        services.update_cohort(admin, cohort.id, {"capacity": "6"}, version=1)
    with pytest.raises(ValidationError) as info:
        services.update_cohort(admin, cohort.id, {"capacity": "1"}, version=2)
    assert "capacity" in info.value.fields


def test_other_centers_cohort_is_not_found(factory):
    mine, other = factory.center(), factory.center()
    cohort = factory.cohort(center=other)
    admin = actor(factory.center_admin(mine))
    with pytest.raises(NotFound):
        services.update_cohort(admin, cohort.id, {"capacity": "5"})
    with pytest.raises(NotFound):
        services.enroll(admin, cohort.id, factory.trainee().id)
    with pytest.raises(NotFound):
        services.change_status(admin, cohort.id, "cancelled", reason="x")


def test_transitions(factory):
    cohort = factory.cohort(status="planned")
    admin = actor(factory.user("admin"))
    with pytest.raises(InvalidTransition):
        services.change_status(admin, cohort.id, "running")
    services.change_status(admin, cohort.id, "open")
    services.change_status(admin, cohort.id, "running")
    assert cohort.status == "running"
    with pytest.raises(InvalidTransition):
        services.change_status(admin, cohort.id, "open")
    with pytest.raises(ValidationError):
        services.change_status(admin, cohort.id, "cancelled", reason="  ")
    services.change_status(admin, cohort.id, "cancelled", reason="No teacher")
    assert (cohort.status, cohort.cancelled_reason) == ("cancelled", "No teacher")
    with pytest.raises(InvalidTransition):
        services.change_status(admin, cohort.id, "open")
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"cohort.open", "cohort.start", "cohort.cancel"} <= actions


def test_cancel_withdraws_active_enrollments(factory):
    cohort = factory.cohort(status="open")
    e = factory.enrollment(cohort=cohort)
    services.change_status(actor(factory.user("admin")), cohort.id, "cancelled", reason="Flood")
    db.session.refresh(e)
    assert e.status == "withdrawn"


def test_enroll_then_waitlist_then_promote(factory):
    cohort = factory.cohort(capacity=2, status="open")
    admin = actor(factory.user("admin"))
    t = [factory.trainee() for _ in range(4)]
    e = [services.enroll(admin, cohort.id, x.id) for x in t]
    assert [x.status for x in e] == ["enrolled", "enrolled", "waitlisted", "waitlisted"]
    with pytest.raises(CapacityFull):
        services.enroll(admin, cohort.id, factory.trainee().id, waitlist=False)
    with pytest.raises(Duplicate):
        services.enroll(admin, cohort.id, t[0].id)
    with pytest.raises(ValidationError):
        services.withdraw(admin, e[0].id, "")
    services.withdraw(admin, e[0].id, "Moved to Ganja")
    assert e[0].status == "withdrawn" and e[0].withdrawal_reason == "Moved to Ganja"
    assert e[2].status == "enrolled" and e[3].status == "waitlisted"
    # withdrawing from the waiting list frees no seat
    services.withdraw(admin, e[3].id, "Changed mind")
    assert services.seat_counts(cohort.id)["enrolled"] == 2
    # a withdrawn trainee may come back (to the waiting list when full)
    again = services.enroll(admin, cohort.id, t[0].id)
    assert again.id == e[0].id and again.status == "waitlisted"


def test_raising_capacity_promotes_waiting_list(factory):
    cohort = factory.cohort(capacity=1, status="open")
    admin = actor(factory.user("admin"))
    services.enroll(admin, cohort.id, factory.trainee().id)
    waiting = services.enroll(admin, cohort.id, factory.trainee().id)
    services.update_cohort(admin, cohort.id, {"capacity": 2})
    assert waiting.status == "enrolled"


@pytest.mark.parametrize("status", ["completed", "cancelled"])
def test_no_enrolling_into_closed_cohorts(factory, status):
    cohort = factory.cohort(status=status)
    with pytest.raises(InvalidTransition):
        services.enroll(actor(factory.user("admin")), cohort.id, factory.trainee().id)


def test_enroll_by_fin_reuses_known_trainee_of_another_center(factory):
    mine, other = factory.center(), factory.center()
    cohort = factory.cohort(center=mine, status="open")
    trainee = factory.trainee(registered_by_center_id=other.id)
    admin = actor(factory.center_admin(mine))
    with pytest.raises(ValidationError) as info:                        # the FIN alone is not enough
        services.enroll_by_fin(admin, cohort.id, trainee.fin)
    assert set(info.value.fields) == {"birth_date"}
    with pytest.raises(NotFound):                                        # nor is the id
        services.enroll(admin, cohort.id, trainee.id)
    enrollment = services.enroll_by_fin(admin, cohort.id, trainee.fin.lower(), trainee.birth_date.strftime("%d.%m.%Y"))
    assert enrollment.trainee_id == trainee.id
    with pytest.raises(ValidationError) as unknown:
        services.enroll_by_fin(admin, cohort.id, "ZZZZZZ9", trainee.birth_date)
    with pytest.raises(ValidationError) as wrong:
        services.enroll_by_fin(admin, cohort.id, trainee.fin, trainee.birth_date.replace(day=1))
    assert unknown.value.fields == wrong.value.fields and "fin" in wrong.value.fields
    with pytest.raises(ValidationError):
        services.enroll_by_fin(admin, cohort.id, "bad", trainee.birth_date)


def _cohort_with_sessions(factory, n=4, **kw):
    cert = factory.certification(pass_mark=60, min_attendance=75)
    course = factory.course(certification=cert)
    cohort = factory.cohort(course=course, status="running", **kw)
    sessions = [factory.session(cohort, cohort.start_date + timedelta(days=i)) for i in range(n)]
    return cohort, sessions


def test_attendance_grid_and_percentage(factory):
    cohort, s = _cohort_with_sessions(factory)
    a, b = factory.enrollment(cohort=cohort), factory.enrollment(cohort=cohort)
    admin = actor(factory.user("admin"))
    marks = [(s[0].id, a.id, "present"), (s[1].id, a.id, "absent"), (s[2].id, a.id, "excused"),
             (s[3].id, a.id, "present"), (s[0].id, b.id, "excused")]
    assert services.record_attendance(admin, cohort.id, marks) == 5
    db.session.refresh(a)
    db.session.refresh(b)
    # present 2 of 3 counted (excused left out of the denominator)
    assert a.attendance_pct == Decimal("66.67")
    assert b.attendance_pct is None
    # change and clear marks
    services.record_attendance(admin, cohort.id, [(s[1].id, a.id, "present"), (s[2].id, a.id, "")])
    db.session.refresh(a)
    assert a.attendance_pct == Decimal("100.00")
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 4


def test_bad_attendance_mark_saves_nothing(factory):
    cohort, s = _cohort_with_sessions(factory)
    a = factory.enrollment(cohort=cohort)
    other_cohort, other_s = _cohort_with_sessions(factory)
    admin = actor(factory.user("admin"))
    with pytest.raises(ValidationError) as info:
        services.record_attendance(admin, cohort.id, [(s[0].id, a.id, "present"), (s[1].id, a.id, "late"),
                                                      (other_s[0].id, a.id, "present")])
    assert len(info.value.fields) == 2
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0


def test_scores_all_or_nothing(factory):
    cohort, _ = _cohort_with_sessions(factory)
    a, b = factory.enrollment(cohort=cohort), factory.enrollment(cohort=cohort)
    admin = actor(factory.user("admin"))
    with pytest.raises(ValidationError) as info:
        services.record_scores(admin, cohort.id, {a.id: "75", b.id: "101"})
    assert list(info.value.fields) == [f"score-{b.id}"]
    assert a.final_score is None
    with pytest.raises(ValidationError):
        services.record_scores(admin, cohort.id, {a.id: "abc"})
    assert services.record_scores(admin, cohort.id, {a.id: "75,5", b.id: 90}) == 2
    assert a.final_score == Decimal("75.50") and b.final_score == Decimal("90.00")


def test_complete_before_end_needs_reason(factory):
    cohort, _ = _cohort_with_sessions(factory, start_date=clock.today(), end_date=clock.today() + timedelta(days=10))
    admin = actor(factory.user("admin"))
    with pytest.raises(ValidationError) as info:
        services.complete_cohort(admin, cohort.id)
    assert "reason" in info.value.fields
    services.complete_cohort(admin, cohort.id, override_reason="Intensive course finished early")
    assert cohort.status == "completed"
    assert cohort.completion_override_reason == "Intensive course finished early"


def test_complete_sets_outcomes(factory):
    cohort, s = _cohort_with_sessions(factory, start_date=clock.today() - timedelta(days=60),
                                      end_date=clock.today() - timedelta(days=1))
    good, low_score, low_att, no_score = (factory.enrollment(cohort=cohort) for _ in range(4))
    waiting = factory.enrollment(cohort=cohort, status="waitlisted", waitlisted_at=datetime.now(timezone.utc))
    admin = actor(factory.user("admin"))
    marks = []
    for e in (good, low_score, no_score):
        marks += [(x.id, e.id, "present") for x in s]
    marks += [(s[0].id, low_att.id, "present")] + [(x.id, low_att.id, "absent") for x in s[1:]]
    services.record_attendance(admin, cohort.id, marks)
    services.record_scores(admin, cohort.id, {good.id: "60", low_score.id: "59.99", low_att.id: "95"})
    with pytest.raises(Conflict):
        services.complete_cohort(admin, cohort.id, version=cohort.version - 1)
    with pytest.raises(services.MissingScores) as info:   # no_score must be marked explicitly
        services.complete_cohort(admin, cohort.id, version=cohort.version)
    assert list(info.value.fields) == [f"enrollments[{no_score.id}]"]
    services.complete_cohort(admin, cohort.id, version=cohort.version, did_not_sit=[no_score.id])
    for e in (good, low_score, low_att, no_score, waiting):
        db.session.refresh(e)
    assert good.status == "completed"
    assert [low_score.status, low_att.status, no_score.status] == ["failed"] * 3
    assert waiting.status == "withdrawn"
    assert good.completed_at is not None
    assert cohort.completion_override_reason is None
    with pytest.raises(InvalidTransition):
        services.complete_cohort(admin, cohort.id)
    with pytest.raises(InvalidTransition):
        services.record_scores(admin, cohort.id, {good.id: "10"})


def test_sessions_within_dates(factory):
    cohort = factory.cohort(status="planned", start_date=date(2026, 3, 1), end_date=date(2026, 4, 1))
    admin = actor(factory.user("admin"))
    s = services.add_session(admin, cohort.id, starts_at="2026-03-02T10:00", topic="Intro")
    assert s.ends_at - s.starts_at == timedelta(hours=2)
    with pytest.raises(ValidationError) as info:
        services.add_session(admin, cohort.id, starts_at="2026-05-02T10:00")
    assert "starts_at" in info.value.fields
    with pytest.raises(ValidationError):
        services.add_session(admin, cohort.id, starts_at="2026-03-02T10:00")
    with pytest.raises(ValidationError):
        services.add_session(admin, cohort.id, starts_at="soon")
    services.delete_session(admin, s.id)
    assert queries.sessions(cohort.id) == []


def test_cohort_list_scoped_with_counts(factory):
    mine, other = factory.center(), factory.center()
    c1 = factory.cohort(center=mine, status="open", capacity=5)
    factory.cohort(center=other)
    factory.enrollment(cohort=c1)
    factory.enrollment(cohort=c1, status="waitlisted")
    rows = db.session.execute(queries.cohort_list(actor(factory.center_admin(mine)))).all()
    assert [(r[0].id, r[1], r[2]) for r in rows] == [(c1.id, 1, 1)]
    rows = db.session.execute(queries.cohort_list(actor(factory.user("admin")), status="open")).all()
    assert [r[0].id for r in rows] == [c1.id]


def test_trainee_cannot_manage(factory):
    cohort = factory.cohort(status="open")
    trainee_actor = actor(factory.trainee_user())
    with pytest.raises(PermissionDenied):
        services.enroll(trainee_actor, cohort.id, factory.trainee().id)
    with pytest.raises(PermissionDenied):
        services.change_status(trainee_actor, cohort.id, "running")


def test_weekly_schedule(factory):
    # 2026-03-02 is a Monday; two weeks
    cohort = factory.cohort(status="planned", start_date=date(2026, 3, 2), end_date=date(2026, 3, 15))
    admin = actor(factory.user("admin"))
    assert services.schedule_weekly(admin, cohort.id, weekdays=["0", "2"], start_time="18:30",
                                     duration_minutes="90", topic="Lecture") == 4
    sessions = queries.sessions(cohort.id)
    # 18:30 in Baku (UTC+4) is 14:30 UTC
    assert [(s.starts_at.day, s.starts_at.hour, s.starts_at.minute) for s in sessions] == [
        (2, 14, 30), (4, 14, 30), (9, 14, 30), (11, 14, 30)]
    assert sessions[0].ends_at - sessions[0].starts_at == timedelta(minutes=90)
    # running it again adds nothing
    assert services.schedule_weekly(admin, cohort.id, weekdays=[0, 2], start_time="18:30") == 0
    with pytest.raises(ValidationError) as info:
        services.schedule_weekly(admin, cohort.id, weekdays=["9"], start_time="25:00", duration_minutes="5")
    assert set(info.value.fields) == {"weekdays", "start_time", "duration_minutes"}


def test_form_times_are_local(factory):
    cohort = factory.cohort(status="planned", start_date=date(2026, 3, 1), end_date=date(2026, 4, 1))
    s = services.add_session(actor(factory.user("admin")), cohort.id, starts_at="2026-03-02T02:00")
    # 02:00 in Baku is 22:00 UTC the day before, still the cohort's 2 March locally
    assert (s.starts_at.day, s.starts_at.hour) == (1, 22)
