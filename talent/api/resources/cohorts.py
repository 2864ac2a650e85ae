"""Cohorts: list, detail, create, update, status transitions, sessions, the roster and waiting
list, enrollment and withdrawal, and attendance and scores in bulk (one transaction each).
Every call goes through talent.learning.services, so capacity, transitions, scoping and audit are
the same as on the center pages."""
from __future__ import annotations

from typing import Any

from talent.api.core import api_actor, operation, paginate
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.errors import ValidationError
from talent.learning import queries as learning_queries
from talent.learning import services as learning
from talent.learning.models import (ATTENDANCE_MARKS, COHORT_MODES, COHORT_STATUSES, ENROLLMENT_STATUSES,
                                    Cohort, CohortSession, Enrollment)
from talent.permissions import P

ID = F.integer(minimum=1, maximum=2**31 - 1)

CohortOut = Schema("Cohort", {
    "id": F.integer(required=True),
    "code": F.string(required=True),
    "course_id": F.integer(required=True),
    "course_code": F.string(required=True),
    "center_id": F.integer(required=True),
    "center_code": F.string(required=True),
    "start_date": F.date(required=True),
    "end_date": F.date(required=True),
    "capacity": F.integer(required=True, minimum=1),
    "mode": F.enum_of(COHORT_MODES, required=True),
    "status": F.enum_of(COHORT_STATUSES, required=True),
    "enrolled": F.integer(required=True, minimum=0, description="Trainees holding a seat."),
    "waitlisted": F.integer(required=True, minimum=0),
    "finished": F.integer(required=True, minimum=0,
                          description="Trainees who completed or did not pass (a completed cohort's people)."),
    "completed_at": F.datetime(required=True, nullable=True),
    "cancelled_reason": F.string(required=True, nullable=True),
    "version": F.integer(required=True, description="Send it back on updates to detect concurrent changes."),
})
CohortIn = Schema("CohortIn", {
    "code": F.string(required=True, min_length=1, max_length=40),
    "course_id": ID.but(required=True),
    "center_id": ID.but(required=True),
    "start_date": F.date(required=True),
    "end_date": F.date(required=True),
    "capacity": F.integer(required=True, minimum=1, maximum=10000),
    "mode": F.enum_of(COHORT_MODES, default="onsite"),
})
CohortUpdate = Schema("CohortUpdate", {
    **CohortIn.partial("_CohortPartial").fields,
    "version": F.integer(minimum=1, maximum=2**31 - 1,
                         description="The version you read; a change made meanwhile is a 409."),
})
StatusChange = Schema("CohortStatusChange", {
    "status": F.enum_of(("open", "running", "completed", "cancelled"), required=True),
    "reason": F.string(nullable=True, max_length=500,
                       description="Required to cancel, and to complete before the end date."),
    "version": F.integer(minimum=1, maximum=2**31 - 1),
    "did_not_sit": F.array(ID, max_items=5000,
                           description="Completing: enrollments without a final score whose trainees did not sit "
                                       "the assessment (they do not pass, for that reason). Any other enrolled "
                                       "trainee without a score makes completion a 422 `missing_scores` naming "
                                       "each as `enrollments[<id>]`."),
})
CohortQuery = Schema("CohortQuery", {
    "status": F.enum_of(COHORT_STATUSES),
    "center_id": ID,
    "q": F.string(max_length=40, description="Part of the cohort code."),
    "sort": F.enum_of(tuple(learning_queries.COHORT_SORTS), default="start",
                      description="start (newest first), start_asc, code, status or center."),
}, register=False)

SessionOut = Schema("CohortSession", {
    "id": F.integer(required=True),
    "cohort_id": F.integer(required=True),
    "starts_at": F.datetime(required=True),
    "ends_at": F.datetime(required=True),
    "topic": F.string(required=True, nullable=True),
})
SessionIn = Schema("CohortSessionIn", {
    "starts_at": F.datetime(required=True),
    "ends_at": F.datetime(nullable=True, description="Default: two hours after the start."),
    "topic": F.string(nullable=True, max_length=200),
})

EnrollmentOut = Schema("Enrollment", {
    "id": F.integer(required=True),
    "cohort_id": F.integer(required=True),
    "trainee_id": F.integer(required=True),
    "status": F.enum_of(ENROLLMENT_STATUSES, required=True),
    "attendance_pct": F.number(required=True, nullable=True, minimum=0, maximum=100),
    "final_score": F.number(required=True, nullable=True, minimum=0, maximum=100),
    "applied_at": F.datetime(required=True),
    "waitlisted_at": F.datetime(required=True, nullable=True),
    "enrolled_at": F.datetime(required=True, nullable=True),
    "completed_at": F.datetime(required=True, nullable=True),
    "withdrawn_at": F.datetime(required=True, nullable=True),
    "withdrawal_reason": F.string(required=True, nullable=True),
})
EnrollIn = Schema("EnrollmentIn", {
    "trainee_id": ID.but(description="A trainee the token already reaches (registered by or enrolled at its "
                                     "centers); any other id is a 404 like an unknown one. Or give fin and "
                                     "birth_date."),
    "fin": F.string(min_length=1, max_length=20, description="Enroll the registered trainee with this FIN; "
                                                               "birth_date is then required."),
    "birth_date": F.date(description="With fin: the birth date as on the person's ID card. An unknown FIN and "
                                     "a wrong birth date get the same 422."),
    "waitlist": F.boolean(default=True, description="When the cohort is full: waiting list (true) or 409."),
}, description="Give exactly one of trainee_id and fin (with birth_date). The waiting list gives no "
               "access to the person's record; a seat does.")
WithdrawIn = Schema("WithdrawIn", {"reason": F.string(required=True, min_length=1, max_length=500)})
RosterQuery = Schema("RosterQuery", {"status": F.enum_of(ENROLLMENT_STATUSES)}, register=False)

MarkIn = Schema("AttendanceMark", {
    "session_id": ID.but(required=True),
    "enrollment_id": ID.but(required=True),
    "mark": F.enum_of(ATTENDANCE_MARKS, required=True, nullable=True, description="null removes a mark."),
})
AttendanceIn = Schema("AttendanceIn", {"marks": F.array(MarkIn, required=True, min_items=1, max_items=20000)})
ScoreIn = Schema("Score", {
    "enrollment_id": ID.but(required=True),
    "score": F.number(required=True, nullable=True, minimum=0, maximum=100,
                      description="0-100, at most two decimals; null clears."),
})
ScoresIn = Schema("ScoresIn", {"scores": F.array(ScoreIn, required=True, min_items=1, max_items=5000)})
BulkResult = Schema("BulkResult", {
    "written": F.integer(required=True, minimum=0, description="How many values changed."),
    "cohort": F.object(CohortOut, required=True),
})


def cohort_json(c: Cohort, enrolled: int | None = None, waitlisted: int | None = None,
                finished: int | None = None) -> dict[str, Any]:
    if enrolled is None or waitlisted is None or finished is None:
        counts = learning.seat_counts(c.id)
        enrolled, waitlisted = counts["enrolled"], counts["waitlisted"]
        finished = counts["completed"] + counts["failed"]
    return {"id": c.id, "code": c.code, "course_id": c.course_id, "course_code": c.course.code,
            "center_id": c.center_id, "center_code": c.center.code, "start_date": c.start_date,
            "end_date": c.end_date, "capacity": c.capacity, "mode": c.mode, "status": c.status,
            "enrolled": int(enrolled), "waitlisted": int(waitlisted), "finished": int(finished),
            "completed_at": c.completed_at,
            "cancelled_reason": c.cancelled_reason, "version": c.version}


def session_json(s: CohortSession) -> dict[str, Any]:
    return {"id": s.id, "cohort_id": s.cohort_id, "starts_at": s.starts_at, "ends_at": s.ends_at,
            "topic": s.topic}


def enrollment_json(e: Enrollment) -> dict[str, Any]:
    return {"id": e.id, "cohort_id": e.cohort_id, "trainee_id": e.trainee_id, "status": e.status,
            "attendance_pct": e.attendance_pct, "final_score": e.final_score, "applied_at": e.applied_at,
            "waitlisted_at": e.waitlisted_at, "enrolled_at": e.enrolled_at, "completed_at": e.completed_at,
            "withdrawn_at": e.withdrawn_at, "withdrawal_reason": e.withdrawal_reason}


@operation(bp, "/cohorts", summary="List cohorts", tags=["Cohorts"], query=CohortQuery, response=CohortOut,
           paginated=True, description="A center administrator sees the cohorts of their centers.")
def list_cohorts(query):
    stmt = learning_queries.cohort_list(api_actor(), status=query.get("status"),
                                        center_id=query.get("center_id"), sort=query.get("sort", "start"),
                                        q=query.get("q"))
    return paginate(stmt, lambda row: cohort_json(*row), query, scalars=False)


@operation(bp, "/cohorts/{cohort_id}", summary="One cohort", tags=["Cohorts"], response=CohortOut)
def get_cohort(cohort_id: int):
    return cohort_json(learning.get_cohort(api_actor(), cohort_id))


@operation(bp, "/cohorts", "POST", summary="Create a cohort (status planned)", tags=["Cohorts"],
           body=CohortIn, response=CohortOut, status=201, idempotent=True)
def create_cohort(body):
    return cohort_json(learning.create_cohort(api_actor(), body), 0, 0, 0)


@operation(bp, "/cohorts/{cohort_id}", "PATCH", summary="Change a cohort", tags=["Cohorts"],
           body=CohortUpdate, response=CohortOut, errors=[409])
def update_cohort(cohort_id: int, body):
    version = body.pop("version", None)
    return cohort_json(learning.update_cohort(api_actor(), cohort_id, body, version=version))


@operation(bp, "/cohorts/{cohort_id}/status", "POST", summary="Move a cohort to another status",
           tags=["Cohorts"], body=StatusChange, response=CohortOut, errors=[409],
           description="planned → open → running → completed; planned/open/running → cancelled. "
                       "Completing decides completed/failed per trainee and issues the awards earned.")
def change_cohort_status(cohort_id: int, body):
    cohort = learning.change_status(api_actor(), cohort_id, body["status"], reason=body.get("reason"),
                                    version=body.get("version"), did_not_sit=body.get("did_not_sit"))
    return cohort_json(cohort)


OutcomeOut = Schema("CompletionOutcome", {
    "enrollment_id": F.integer(required=True),
    "final_score": F.number(required=True, nullable=True),
    "attendance_pct": F.number(required=True, nullable=True),
    "passes": F.boolean(required=True),
    "reasons": F.array(F.enum_of(learning.FAIL_REASONS), required=True,
                       description="Why not: no_score, did_not_sit, score_below, no_attendance, attendance_below."),
})
PreviewOut = Schema("CompletionPreview", {
    "cohort_id": F.integer(required=True),
    "passing": F.integer(required=True, minimum=0),
    "failing": F.integer(required=True, minimum=0),
    "missing_scores": F.array(F.integer(), required=True,
                              description="Enrollments without a final score: they block completion unless "
                                          "listed in `did_not_sit`."),
    "outcomes": F.array(OutcomeOut, required=True),
})


@operation(bp, "/cohorts/{cohort_id}/completion-preview", summary="Who would pass, and why not",
           tags=["Cohorts"], response=PreviewOut,
           description="What completing the cohort now would decide for each enrolled trainee. Reads only.")
def completion_preview(cohort_id: int):
    preview = learning.completion_preview(api_actor(), cohort_id)
    return {"cohort_id": preview.cohort.id, "passing": len(preview.passing), "failing": len(preview.failing),
            "missing_scores": [r.enrollment.id for r in preview.missing],
            "outcomes": [{"enrollment_id": r.enrollment.id, "final_score": r.enrollment.final_score,
                          "attendance_pct": r.attendance_pct, "passes": r.passes, "reasons": r.reasons}
                         for r in preview.rows]}


@operation(bp, "/cohorts/{cohort_id}/sessions", summary="The cohort's sessions", tags=["Cohorts"],
           response=SessionOut, response_list=True)
def list_sessions(cohort_id: int):
    cohort = learning.get_cohort(api_actor(), cohort_id)
    return [session_json(s) for s in learning_queries.sessions(cohort.id)]


@operation(bp, "/cohorts/{cohort_id}/sessions", "POST", summary="Schedule a session", tags=["Cohorts"],
           body=SessionIn, response=SessionOut, status=201, idempotent=True, errors=[409])
def add_session(cohort_id: int, body):
    session = learning.add_session(api_actor(), cohort_id, starts_at=body["starts_at"],
                                   ends_at=body.get("ends_at"), topic=body.get("topic"))
    return session_json(session)


@operation(bp, "/cohorts/{cohort_id}/enrollments", summary="The cohort's roster", tags=["Enrollments"],
           query=RosterQuery, response=EnrollmentOut, response_list=True,
           description="Enrollments only (no personal data); GET /trainees/{trainee_id} for a person.")
def list_enrollments(cohort_id: int, query):
    cohort = learning.get_cohort(api_actor(), cohort_id)
    rows = learning_queries.roster(cohort.id)
    if query.get("status"):
        rows = [e for e in rows if e.status == query["status"]]
    return [enrollment_json(e) for e in rows]


@operation(bp, "/cohorts/{cohort_id}/waitlist", summary="The cohort's waiting list, in order",
           tags=["Enrollments"], response=EnrollmentOut, response_list=True)
def waitlist(cohort_id: int):
    cohort = learning.get_cohort(api_actor(), cohort_id)
    return [enrollment_json(e) for e in learning.waiting_list(cohort.id)]


@operation(bp, "/cohorts/{cohort_id}/enrollments", "POST", summary="Enroll a trainee", tags=["Enrollments"],
           body=EnrollIn, response=EnrollmentOut, status=201, idempotent=True, errors=[409],
           description="Enrolls, or puts on the waiting list when the cohort is full (`waitlist`: true); "
                       "409 `capacity` when full and `waitlist` is false, 409 `duplicate` when already in.")
def enroll(cohort_id: int, body):
    actor = api_actor()
    has_id, has_fin = body.get("trainee_id") is not None, bool(body.get("fin"))
    if has_id == has_fin:
        message = "Give exactly one of trainee_id and fin."
        raise ValidationError(message, fields={"trainee_id": message})
    if has_fin:
        enrollment = learning.enroll_by_fin(actor, cohort_id, body["fin"], body.get("birth_date"),
                                            waitlist=body["waitlist"])
    else:
        enrollment = learning.enroll(actor, cohort_id, body["trainee_id"], waitlist=body["waitlist"])
    return enrollment_json(enrollment)


@operation(bp, "/enrollments/{enrollment_id}", summary="One enrollment", tags=["Enrollments"],
           response=EnrollmentOut)
def get_enrollment(enrollment_id: int):
    return enrollment_json(learning.get_enrollment(api_actor(), enrollment_id))


@operation(bp, "/enrollments/{enrollment_id}/withdraw", "POST", summary="Withdraw a trainee",
           tags=["Enrollments"], body=WithdrawIn, response=EnrollmentOut, errors=[409],
           description="The freed seat goes to the first on the waiting list.")
def withdraw(enrollment_id: int, body):
    return enrollment_json(learning.withdraw(api_actor(), enrollment_id, body["reason"]))


@operation(bp, "/cohorts/{cohort_id}/attendance", "POST", summary="Record attendance marks in bulk",
           tags=["Attendance and scores"], body=AttendanceIn, response=BulkResult, errors=[409],
           description="All marks or none: one bad mark saves nothing (422 naming each bad mark).")
def record_attendance(cohort_id: int, body):
    actor = api_actor()
    marks = [(m["session_id"], m["enrollment_id"], m["mark"]) for m in body["marks"]]
    written = learning.record_attendance(actor, cohort_id, marks)
    return {"written": written, "cohort": cohort_json(learning.get_cohort(actor, cohort_id))}


@operation(bp, "/cohorts/{cohort_id}/scores", "POST", summary="Record final scores in bulk",
           tags=["Attendance and scores"], body=ScoresIn, response=BulkResult, errors=[409],
           description="All scores or none: one bad score saves nothing.")
def record_scores(cohort_id: int, body):
    actor = api_actor()
    scores: dict[int, Any] = {}
    for i, item in enumerate(body["scores"]):
        if item["enrollment_id"] in scores:
            raise ValidationError("Each enrollment once.", fields={f"scores[{i}].enrollment_id": "Given twice."})
        scores[item["enrollment_id"]] = item["score"]
    written = learning.record_scores(actor, cohort_id, scores)
    return {"written": written, "cohort": cohort_json(learning.get_cohort(actor, cohort_id))}


CorrectionIn = Schema("ResultCorrectionIn", {
    "final_score": F.number(nullable=True, minimum=0, maximum=100, description="The corrected score; omit to keep."),
    "attendance_pct": F.number(nullable=True, minimum=0, maximum=100,
                               description="The corrected attendance %; omit to keep."),
    "reason": F.string(required=True, min_length=1, max_length=500),
})
CorrectionOut = Schema("ResultCorrection", {
    "id": F.integer(required=True),
    "enrollment": F.object(EnrollmentOut, required=True),
    "old_score": F.number(required=True, nullable=True),
    "new_score": F.number(required=True, nullable=True),
    "old_attendance": F.number(required=True, nullable=True),
    "new_attendance": F.number(required=True, nullable=True),
    "old_status": F.enum_of(ENROLLMENT_STATUSES, required=True),
    "new_status": F.enum_of(ENROLLMENT_STATUSES, required=True),
    "reason": F.string(required=True),
    "corrected_at": F.datetime(required=True),
})


@operation(bp, "/enrollments/{enrollment_id}/correction", "POST", summary="Correct a result after completion",
           tags=["Attendance and scores"], body=CorrectionIn, response=CorrectionOut, status=201, errors=[409],
           description="Within TALENT_CORRECTION_DAYS (default 30) of the cohort's completion (409 after). The "
                       "result is evaluated again; an award is issued or revoked accordingly.")
def correct_result(enrollment_id: int, body):
    c = learning.correct_result(api_actor(), enrollment_id, final_score=body.get("final_score"),
                                attendance_pct=body.get("attendance_pct"), reason=body["reason"])
    return {"id": c.id, "enrollment": enrollment_json(c.enrollment), "old_score": c.old_score,
            "new_score": c.new_score, "old_attendance": c.old_attendance, "new_attendance": c.new_attendance,
            "old_status": c.old_status, "new_status": c.new_status, "reason": c.reason,
            "corrected_at": c.corrected_at}


@operation(bp, "/cohorts/{cohort_id}/sessions/{session_id}/all-present", "POST",
           summary="Mark everyone without a mark present", tags=["Attendance and scores"], response=BulkResult,
           errors=[409], description="Marks already given are kept; only for a session that has started (422).")
def mark_all_present(cohort_id: int, session_id: int):
    actor = api_actor()
    written = learning.mark_all_present(actor, cohort_id, session_id)
    return {"written": written, "cohort": cohort_json(learning.get_cohort(actor, cohort_id))}


__all__ = ["cohort_json", "enrollment_json", "P"]
