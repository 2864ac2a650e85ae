"""Completing a cohort with a summary (missing scores block it unless marked), correcting a result
after completion (window, re-evaluation, awards, report summary, audit), attendance only for
sessions that have started and "mark all present" (issue 14)."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from talent import clock
from talent.audit import AuditEvent
from talent.credentials.models import Award
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.learning import services
from talent.learning.models import Attendance, Enrollment, ResultCorrection
from talent.reporting import queries, summary
from talent.reporting.models import ReportCohortTotal
from tests.learning_helpers import actor, request_ctx  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_ctx")


def _cohort(factory, n_sessions=4, **kw):
    cert = factory.certification(pass_mark=60, min_attendance=75)
    cohort = factory.cohort(course=factory.course(certification=cert), status="running",
                            start_date=clock.today() - timedelta(days=40), end_date=clock.today() - timedelta(days=1),
                            **kw)
    sessions = [factory.session(cohort, cohort.start_date + timedelta(days=i)) for i in range(n_sessions)]
    return cohort, sessions


def _attend(admin, cohort, sessions, enrollment, present=None):
    present = len(sessions) if present is None else present
    services.record_attendance(admin, cohort.id, [(s.id, enrollment.id, "present" if i < present else "absent")
                                                  for i, s in enumerate(sessions)])


def _statuses(cohort):
    db.session.expire_all()
    return sorted(db.session.scalars(select(Enrollment.status).where(Enrollment.cohort_id == cohort.id)))


# ---- completion with a summary ---------------------------------------------------------------

def test_no_scores_entered_blocks_completion_and_changes_nothing(factory):
    """The finding: 0 of 20 scores entered, "Complete" failed everyone for good."""
    cohort, sessions = _cohort(factory)
    admin = actor(factory.center_admin(cohort.center))
    people = [factory.enrollment(cohort=cohort) for _ in range(20)]
    for e in people:
        _attend(admin, cohort, sessions, e)
    with pytest.raises(services.MissingScores) as info:
        services.complete_cohort(admin, cohort.id)
    assert info.value.status == 422 and info.value.code == "missing_scores"
    assert sorted(info.value.fields) == sorted(f"enrollments[{e.id}]" for e in people)
    assert "20" in str(info.value.message)
    assert _statuses(cohort) == ["enrolled"] * 20
    assert db.session.get(type(cohort), cohort.id).status == "running"
    # the same through change_status (what the web form and the API call)
    with pytest.raises(services.MissingScores):
        services.change_status(admin, cohort.id, "completed")


def test_preview_says_who_passes_and_why(factory):
    cohort, sessions = _cohort(factory)
    admin = actor(factory.center_admin(cohort.center))
    good, low_score, low_att, no_score, nothing = (factory.enrollment(cohort=cohort) for _ in range(5))
    for e in (good, low_score, no_score):
        _attend(admin, cohort, sessions, e)
    _attend(admin, cohort, sessions, low_att, present=2)           # 50 % < 75 %
    services.record_scores(admin, cohort.id, {good.id: "60", low_score.id: "59.99", low_att.id: "90"})
    preview = services.completion_preview(admin, cohort.id)
    why = {row.enrollment.id: (row.passes, row.reasons) for row in preview.rows}
    assert why == {good.id: (True, []), low_score.id: (False, ["score_below"]),
                   low_att.id: (False, ["attendance_below"]), no_score.id: (False, ["no_score"]),
                   nothing.id: (False, ["no_score", "no_attendance"])}
    assert [r.enrollment.id for r in preview.passing] == [good.id]
    assert sorted(r.enrollment.id for r in preview.missing) == sorted([no_score.id, nothing.id])
    assert _statuses(cohort) == ["enrolled"] * 5   # a preview writes nothing


def test_marked_did_not_sit_fail_with_that_reason(factory):
    cohort, sessions = _cohort(factory)
    admin = actor(factory.center_admin(cohort.center))
    scored, absent = factory.enrollment(cohort=cohort), factory.enrollment(cohort=cohort)
    for e in (scored, absent):
        _attend(admin, cohort, sessions, e)
    services.record_scores(admin, cohort.id, {scored.id: "80"})
    with pytest.raises(ValidationError) as info:   # only someone without a score can be marked
        services.complete_cohort(admin, cohort.id, did_not_sit=[scored.id, absent.id])
    assert f"enrollments[{scored.id}]" in info.value.fields
    with pytest.raises(ValidationError):
        services.complete_cohort(admin, cohort.id, did_not_sit=["x"])
    assert _statuses(cohort) == ["enrolled", "enrolled"]
    services.complete_cohort(admin, cohort.id, did_not_sit=[str(absent.id)])
    db.session.expire_all()
    scored, absent = db.session.get(Enrollment, scored.id), db.session.get(Enrollment, absent.id)
    assert (scored.status, scored.did_not_sit) == ("completed", False)
    assert (absent.status, absent.did_not_sit) == ("failed", True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "cohort.complete"))
    assert event.details["did_not_sit"] == [absent.id] and event.details["completed"] == 1


def test_without_certification_scores_are_not_needed(factory):
    course = factory.course()
    course.certification_id = None
    cohort = factory.cohort(course=course, status="running", end_date=clock.today() - timedelta(days=1),
                            start_date=clock.today() - timedelta(days=20))
    factory.enrollment(cohort=cohort)
    services.complete_cohort(actor(factory.center_admin(cohort.center)), cohort.id)
    assert _statuses(cohort) == ["completed"]


# ---- correction after completion ----------------------------------------------------------------

def _completed(factory, score="50", present=None):
    """A completed cohort with one trainee who passed (score 80) and one with ``score``."""
    cohort, sessions = _cohort(factory)
    admin_user = factory.center_admin(cohort.center)
    admin = actor(admin_user)
    passer, other = factory.enrollment(cohort=cohort), factory.enrollment(cohort=cohort)
    _attend(admin, cohort, sessions, passer)
    _attend(admin, cohort, sessions, other, present)
    services.record_scores(admin, cohort.id, {passer.id: "80", other.id: score})
    services.complete_cohort(admin, cohort.id)
    return cohort, admin, passer, other


def _awards(enrollment):
    return list(db.session.scalars(select(Award).where(Award.enrollment_id == enrollment.id).order_by(Award.id)))


def test_correcting_a_score_reevaluates_issues_and_revokes(factory):
    cohort, admin, passer, other = _completed(factory)
    assert other.status == "failed" and _awards(other) == []
    correction = services.correct_result(admin, other.id, final_score="75", reason="Marking error on page 3")
    assert (other.status, other.final_score) == ("completed", Decimal("75.00"))
    assert (correction.old_score, correction.new_score, correction.old_status, correction.new_status) == (
        Decimal("50.00"), Decimal("75.00"), "failed", "completed")
    [award] = _awards(other)
    assert award.revoked_at is None
    # correcting the attendance of a passer who stays above the minimum: the award stays the same
    services.correct_result(admin, other.id, attendance_pct="90", reason="Excused day not counted")
    assert [a.id for a in _awards(other)] == [award.id]
    # below the pass mark again: the award is revoked with the correction as reason
    services.correct_result(admin, other.id, final_score="40", reason="Second marker disagreed")
    assert other.status == "failed"
    db.session.refresh(award)
    assert award.revoked_at is not None and "Second marker disagreed" in award.revoked_reason
    # and back: a new award (the revoked one stays visible as revoked)
    services.correct_result(admin, other.id, final_score="70", reason="Appeal upheld")
    awards = _awards(other)
    assert len(awards) == 2 and awards[0].revoked_at is not None and awards[1].revoked_at is None
    assert awards[1].renewal_of_id == awards[0].id
    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == "enrollment.correct")
                                     .order_by(AuditEvent.id)))
    assert len(events) == 4
    assert events[0].details["old"]["final_score"] == "50.00" and events[0].details["new"]["final_score"] == "75.00"
    assert events[0].details["old"]["status"] == "failed" and events[0].details["new"]["status"] == "completed"
    assert events[0].details["reason"] == "Marking error on page 3"
    assert events[2].details["awards_revoked"] == [award.serial]
    assert db.session.scalar(select(func.count()).select_from(ResultCorrection)) == 4
    assert services.corrections_of([other.id])[other.id][0].reason == "Marking error on page 3"


def test_correcting_a_did_not_sit_trainee(factory):
    cohort, sessions = _cohort(factory)
    admin = actor(factory.center_admin(cohort.center))
    e = factory.enrollment(cohort=cohort)
    _attend(admin, cohort, sessions, e)
    services.complete_cohort(admin, cohort.id, did_not_sit=[e.id])
    assert (e.status, e.did_not_sit) == ("failed", True)
    services.correct_result(admin, e.id, final_score="88", reason="Sat the resit on time")
    assert (e.status, e.did_not_sit) == ("completed", False) and len(_awards(e)) == 1


def test_correction_needs_a_reason_valid_values_and_a_change(factory):
    cohort, admin, passer, other = _completed(factory)
    for kwargs in ({"final_score": "75", "reason": "  "}, {"final_score": "101", "reason": "x"},
                   {"attendance_pct": "abc", "reason": "x"}, {"final_score": "50", "reason": "same value"},
                   {"reason": "nothing given"}):
        with pytest.raises(ValidationError):
            services.correct_result(admin, other.id, **kwargs)
    db.session.expire_all()
    other = db.session.get(Enrollment, other.id)
    assert (other.status, other.final_score) == ("failed", Decimal("50.00"))
    assert db.session.scalar(select(func.count()).select_from(ResultCorrection)) == 0


def test_correction_window_is_configurable(app, factory):
    cohort, admin, passer, other = _completed(factory)
    last_day = clock.local_date(cohort.completed_at) + timedelta(days=30)
    assert services.correction_deadline(cohort) == last_day
    with pytest.raises(InvalidTransition) as info:
        services.correct_result(admin, other.id, final_score="75", reason="late", today=last_day + timedelta(days=1))
    assert last_day.isoformat() in str(info.value.message)
    services.correct_result(admin, other.id, final_score="75", reason="on the last day", today=last_day)
    app.config["CORRECTION_DAYS"] = 0
    try:
        with pytest.raises(InvalidTransition):
            services.correct_result(admin, other.id, final_score="45", reason="next day",
                                    today=clock.local_date(cohort.completed_at) + timedelta(days=1))
    finally:
        app.config["CORRECTION_DAYS"] = 30


def test_correction_only_after_completion_and_in_own_center(factory):
    cohort, sessions = _cohort(factory)
    admin = actor(factory.center_admin(cohort.center))
    e = factory.enrollment(cohort=cohort)
    with pytest.raises(InvalidTransition):
        services.correct_result(admin, e.id, final_score="70", reason="not completed yet")
    done, admin, passer, other = _completed(factory)
    with pytest.raises(NotFound):
        services.correct_result(actor(factory.center_admin(factory.center())), other.id, final_score="70",
                                reason="not my center")
    with pytest.raises(Exception):
        services.correct_result(actor(factory.trainee_user()), other.id, final_score="70", reason="me")
    assert db.session.scalar(select(func.count()).select_from(ResultCorrection)) == 0


def test_correction_keeps_the_report_summary_right(factory):
    cohort, admin, passer, other = _completed(factory)
    summary.rebuild(db.session, clock.zone_name())
    db.session.commit()
    totals = select(ReportCohortTotal.completed).where(ReportCohortTotal.cohort_id == cohort.id)
    assert db.session.scalar(totals) == 1
    services.correct_result(admin, other.id, final_score="90", reason="Recounted")
    db.session.commit()
    assert db.session.scalar(totals) == 2
    assert queries.compare_with_live(db.session) == []
    services.correct_result(admin, passer.id, attendance_pct="10", reason="Attendance sheet was another group's")
    db.session.commit()
    assert db.session.scalar(totals) == 1
    assert queries.compare_with_live(db.session) == []


# ---- attendance ------------------------------------------------------------------------------

def test_attendance_refused_for_a_session_that_has_not_started(factory):
    cohort = factory.cohort(status="running", start_date=clock.today() - timedelta(days=5),
                            end_date=clock.today() + timedelta(days=20))
    admin = actor(factory.center_admin(cohort.center))
    e = factory.enrollment(cohort=cohort)
    started = factory.session(cohort, cohort.start_date)
    later = clock.now() + timedelta(days=2)
    future = factory.session(cohort, later.date())
    assert services.session_started(started) and not services.session_started(future)
    with pytest.raises(ValidationError) as info:
        services.record_attendance(admin, cohort.id, [(started.id, e.id, "present"), (future.id, e.id, "present")])
    assert info.value.code == "session_not_started"
    assert list(info.value.fields) == [f"mark-{future.id}-{e.id}"]
    assert "has not started" in str(info.value.message)
    assert db.session.scalar(select(func.count()).select_from(Attendance)) == 0   # all or nothing
    with pytest.raises(ValidationError):
        services.mark_all_present(admin, cohort.id, future.id)
    assert services.record_attendance(admin, cohort.id, [(started.id, e.id, "present")]) == 1


def test_mark_all_present_keeps_the_exceptions(factory):
    cohort, sessions = _cohort(factory, n_sessions=1)
    admin = actor(factory.center_admin(cohort.center))
    a, b, c = (factory.enrollment(cohort=cohort) for _ in range(3))
    factory.enrollment(cohort=cohort, status="waitlisted", waitlisted_at=datetime.now(timezone.utc))
    services.record_attendance(admin, cohort.id, [(sessions[0].id, b.id, "absent")])
    assert services.mark_all_present(admin, cohort.id, sessions[0].id) == 2
    marks = dict(db.session.execute(select(Attendance.enrollment_id, Attendance.mark)).all())
    assert marks == {a.id: "present", b.id: "absent", c.id: "present"}
    assert services.mark_all_present(admin, cohort.id, sessions[0].id) == 0
    db.session.refresh(a)
    assert a.attendance_pct == Decimal("100.00")
    with pytest.raises(NotFound):
        services.mark_all_present(admin, cohort.id, 999999)
