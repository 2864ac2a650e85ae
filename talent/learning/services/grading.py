"""Attendance, scores, completion (with the pass rule and its preview), corrections after
completion, and the audited roster.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from talent import audit, clock, signals
from talent.db import utcnow
from talent.errors import InvalidTransition, NotFound, ValidationError
from talent.extensions import db
from talent.learning.models import (ATTENDANCE_MARKS, Attendance, Cohort, CohortSession, Enrollment,
                                    ResultCorrection, CohortStatus, EnrollmentStatus)
from talent.learning.queries import attendance_percentages, roster
from talent.permissions import Actor, P, require
from talent.validation import as_id
from talent.learning.services.common import (FIX_FIELDS, check_transition, check_version, clean_reason,
                                             get_cohort, get_enrollment, local_zone, lock_cohort,
                                             recompute_attendance)
from talent.learning.services.enrollment import marks_editable


def record_attendance(actor: Actor, cohort_id: int, marks: Iterable[tuple[Any, Any, Any]]) -> int:
    """Save attendance marks ``(session_id, enrollment_id, mark)`` of one cohort in one go: mark
    is present, absent or excused (empty removes a mark). Every mark is checked first; one bad
    mark saves nothing. Returns the number of marks written. Recomputes attendance %."""
    cohort = get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE, lock=True)
    if not marks_editable(cohort):
        raise InvalidTransition(_l("Attendance is taken while a cohort is open or running."))
    starts = {sid: at for sid, at in db.session.execute(
        select(CohortSession.id, CohortSession.starts_at).where(CohortSession.cohort_id == cohort.id))}
    session_ids = set(starts)
    enrollment_ids = set(db.session.scalars(select(Enrollment.id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED)))
    now = clock.now()
    errors: dict[str, str] = {}
    future: set[int] = set()
    clean: dict[tuple[int, int], str | None] = {}
    for session_id, enrollment_id, mark in marks:
        key = f"mark-{session_id}-{enrollment_id}"
        try:
            sid, eid = int(session_id), int(enrollment_id)
        except (TypeError, ValueError):
            errors[key] = str(_l("Unknown session or trainee."))
            continue
        if sid not in session_ids or eid not in enrollment_ids:
            errors[key] = str(_l("Unknown session or trainee."))
            continue
        mark = (str(mark).strip().lower() if mark is not None else "") or None
        if mark is not None and mark not in ATTENDANCE_MARKS:
            errors[key] = str(_l("Choose present, absent or excused."))
            continue
        if mark is not None and _aware(starts[sid]) > now:
            errors[key] = str(_l("This session has not started yet."))
            future.add(sid)
            continue
        clean[(sid, eid)] = mark
    if errors:
        if future:
            first = min(_aware(starts[sid]) for sid in future)
            raise ValidationError(_l("Attendance is taken once a session has started; the session of %(when)s "
                                     "has not started yet.",
                                     when=first.astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")),
                                  fields=errors, code="session_not_started")
        raise ValidationError(FIX_FIELDS, fields=errors)
    if not clean:
        return 0
    keys = list(clean)
    sessions_touched = sorted({sid for sid, _ in keys})
    existing = {(a.session_id, a.enrollment_id): a for a in db.session.scalars(
        select(Attendance).where(Attendance.session_id.in_(sessions_touched),
                                 Attendance.enrollment_id.in_(sorted({eid for _, eid in keys}))))}
    now = utcnow()
    written = 0
    for key, mark in clean.items():
        row = existing.get(key)
        if mark is None:
            if row is not None:
                db.session.delete(row)
                written += 1
        elif row is None:
            db.session.add(Attendance(session_id=key[0], enrollment_id=key[1], mark=mark, recorded_at=now))
            written += 1
        elif row.mark != mark:
            row.mark = mark
            row.recorded_at = now
            written += 1
    db.session.flush()
    recompute_attendance(cohort.id)
    audit.record(actor, "attendance.record", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"sessions": sessions_touched, "marks": written})
    return written


def _aware(instant: datetime) -> datetime:
    return instant if instant.tzinfo is not None else instant.replace(tzinfo=timezone.utc)


def session_started(session: CohortSession) -> bool:
    return _aware(session.starts_at) <= clock.now()


def mark_all_present(actor: Actor, cohort_id: int, session_id: int) -> int:
    """Mark every enrolled trainee without a mark for this session as present (marks already
    given — the exceptions — are kept). Only for a session that has started. Returns the number
    of marks written."""
    cohort = get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE)
    sid = as_id(session_id)
    session = db.session.get(CohortSession, sid) if sid else None
    if session is None or session.cohort_id != cohort.id:
        raise NotFound(_l("Not found."))
    if not session_started(session):
        raise ValidationError(_l("Attendance is taken once a session has started; the session of %(when)s "
                                 "has not started yet.",
                                 when=_aware(session.starts_at).astimezone(local_zone()).strftime("%Y-%m-%d %H:%M")),
                              code="session_not_started")
    marked = set(db.session.scalars(select(Attendance.enrollment_id).where(Attendance.session_id == session.id)))
    unmarked = db.session.scalars(select(Enrollment.id).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED).order_by(Enrollment.id))
    return record_attendance(actor, cohort.id, [(session.id, eid, "present") for eid in unmarked
                                                if eid not in marked])


def parse_score(value: Any) -> Decimal | None:
    """A score from 0 to 100 with up to two decimals (a comma works as the decimal point);
    empty is None."""
    if value is None:
        return None
    if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
        text = str(value)
    else:
        text = str(value).strip().replace(",", ".")
    if not text:
        return None
    try:
        score = Decimal(text)
    except InvalidOperation:
        raise ValueError(str(_l("Enter a number from 0 to 100."))) from None
    if not score.is_finite() or score < 0 or score > 100:
        raise ValueError(str(_l("Enter a number from 0 to 100.")))
    if score != score.quantize(Decimal("0.01")):
        raise ValueError(str(_l("At most two decimals.")))
    return score.quantize(Decimal("0.01"))


def record_scores(actor: Actor, cohort_id: int, scores: Mapping[Any, Any]) -> int:
    """Save final scores ``{enrollment_id: score}`` (0–100; empty clears) of one cohort in one go;
    one bad score saves nothing. Returns the number changed."""
    cohort = get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE, lock=True)
    if not marks_editable(cohort):
        raise InvalidTransition(_l("Scores are recorded while a cohort is open or running."))
    enrollments = {e.id: e for e in db.session.scalars(select(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))}
    errors: dict[str, str] = {}
    clean: dict[int, Decimal | None] = {}
    for raw_id, raw_score in scores.items():
        key = f"score-{raw_id}"
        try:
            eid = int(raw_id)
        except (TypeError, ValueError):
            errors[key] = str(_l("Unknown trainee."))
            continue
        if eid not in enrollments:
            errors[key] = str(_l("Unknown trainee."))
            continue
        try:
            clean[eid] = parse_score(raw_score)
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    changed = 0
    for eid, score in clean.items():
        enrollment = enrollments[eid]
        if enrollment.final_score != score:
            enrollment.final_score = score
            changed += 1
    db.session.flush()
    audit.record(actor, "scores.record", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"changed": changed})
    return changed


# Why an enrollment does not pass (codes; the pages translate them).
FAIL_REASONS = ("no_score", "did_not_sit", "score_below", "no_attendance", "attendance_below")


class MissingScores(ValidationError):
    """Completion refused: enrolled trainees without a final score that were not marked as not
    having sat the assessment. ``fields`` names each (``enrollments[<id>]``)."""
    code = "missing_scores"


def evaluate(certification, final_score: Decimal | None, attendance_pct: Decimal | None,
             did_not_sit: bool = False) -> tuple[bool, list[str]]:
    """Does a result pass the certification, and if not, why (codes of :data:`FAIL_REASONS`)?
    Without a certification everyone who finishes passes."""
    if certification is None:
        return True, []
    reasons: list[str] = []
    if did_not_sit:
        reasons.append("did_not_sit")
    elif final_score is None:
        reasons.append("no_score")
    elif final_score < Decimal(certification.pass_mark):
        reasons.append("score_below")
    if attendance_pct is None:
        reasons.append("no_attendance")
    elif attendance_pct < Decimal(certification.min_attendance):
        reasons.append("attendance_below")
    return not reasons, reasons


@dataclass
class Outcome:
    """What completing will decide for one enrolled trainee."""
    enrollment: Enrollment
    attendance_pct: Decimal | None
    passes: bool
    reasons: list[str]

    @property
    def missing_score(self) -> bool:
        return "no_score" in self.reasons


@dataclass
class CompletionPreview:
    cohort: Cohort
    rows: list[Outcome] = field(default_factory=list)

    @property
    def passing(self) -> list[Outcome]:
        return [r for r in self.rows if r.passes]

    @property
    def failing(self) -> list[Outcome]:
        return [r for r in self.rows if not r.passes]

    @property
    def missing(self) -> list[Outcome]:
        return [r for r in self.rows if r.missing_score]


def _preview(cohort: Cohort, did_not_sit: set[int] = frozenset()) -> CompletionPreview:
    pct = attendance_percentages(cohort.id)
    cert = cohort.course.certification
    preview = CompletionPreview(cohort)
    for enrollment in roster(cohort.id):
        if enrollment.status != EnrollmentStatus.ENROLLED:
            continue
        attendance = pct.get(enrollment.id)
        marked = enrollment.id in did_not_sit and enrollment.final_score is None
        passes, reasons = evaluate(cert, enrollment.final_score, attendance, marked)
        preview.rows.append(Outcome(enrollment, attendance, passes, reasons))
    return preview


def completion_preview(actor: Actor, cohort_id: int) -> CompletionPreview:
    """Who passes and who does not (and why) if the cohort were completed now. Reads only."""
    cohort = get_cohort(actor, cohort_id, P.COHORTS_READ)
    return _preview(cohort)


def _did_not_sit_ids(values: Iterable[Any] | None, enrollments: Mapping[int, Enrollment]) -> set[int]:
    """The enrollments marked "did not sit the assessment": enrolled here and without a score."""
    ids: set[int] = set()
    errors: dict[str, str] = {}
    for value in values or ():
        eid = as_id(value)
        if eid is None or eid not in enrollments:
            errors["did_not_sit"] = str(_l("Unknown trainee."))
            continue
        if enrollments[eid].final_score is not None:
            errors[f"enrollments[{eid}]"] = str(_l("This trainee has a score; only a trainee without a score "
                                                   "can be marked as not having sat the assessment."))
            continue
        ids.add(eid)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    return ids


def complete_cohort(actor: Actor, cohort_id: int, *, override_reason: str | None = None,
                    version: Any = None, today: date | None = None, did_not_sit: Iterable[Any] | None = None):
    """Complete a running cohort: each enrolled trainee becomes ``completed`` when the final score
    reaches the certification's pass mark and attendance its minimum, otherwise ``failed``
    (no certification: completed). The waiting list is closed (withdrawn). Before the end date an
    override reason is required.

    With a certification, every enrolled trainee needs a final score: a trainee without one must
    be listed in ``did_not_sit`` ("did not sit the assessment": failed for that reason) or be
    withdrawn first; otherwise nothing changes and :class:`MissingScores` names them.
    Completed enrollments are handed to certification
    (the ``talent.signals.cohort_completed`` signal: ``talent.credentials``). Returns the cohort."""
    cohort = get_cohort(actor, cohort_id, P.COHORTS_WRITE, lock=True)
    check_version(cohort, version)
    check_transition(cohort, CohortStatus.COMPLETED)
    today = today or clock.today()
    reason = clean_reason(override_reason)
    if today < cohort.end_date and not reason:
        raise ValidationError(
            _l("The cohort ends on %(date)s. Completing it earlier needs a reason.", date=cohort.end_date.isoformat()),
            fields={"reason": str(_l("Give the reason for completing before the end date."))})
    cert = cohort.course.certification
    enrollments = {e.id: e for e in db.session.scalars(select(Enrollment).where(
        Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))}
    not_sat = _did_not_sit_ids(did_not_sit, enrollments)
    missing = sorted(eid for eid, e in enrollments.items() if e.final_score is None and eid not in not_sat)
    if cert is not None and missing:
        raise MissingScores(
            _l("Trainees without a final score: %(n)d. Enter their scores, mark those who did not sit the "
               "assessment, or withdraw them; then complete the cohort.", n=len(missing)),
            fields={f"enrollments[{eid}]": str(_l("No final score.")) for eid in missing})
    recompute_attendance(cohort.id)
    now = utcnow()
    outcome = {"completed": 0, "failed": 0}
    for enrollment in sorted(enrollments.values(), key=lambda e: e.id):
        enrollment.did_not_sit = enrollment.id in not_sat
        passed, _why = evaluate(cert, enrollment.final_score, enrollment.attendance_pct, enrollment.did_not_sit)
        enrollment.status = EnrollmentStatus.COMPLETED if passed else EnrollmentStatus.FAILED
        enrollment.completed_at = now
        outcome[enrollment.status] += 1
    db.session.execute(
        update(Enrollment)
        .where(Enrollment.cohort_id == cohort.id, Enrollment.status.in_((EnrollmentStatus.APPLIED, EnrollmentStatus.WAITLISTED)))
        .values(status=EnrollmentStatus.WITHDRAWN, withdrawn_at=now, withdrawal_reason=str(_l("Cohort completed"))),
        execution_options={"synchronize_session": False})
    cohort.status = CohortStatus.COMPLETED
    cohort.completed_at = now
    cohort.completion_override_reason = reason if today < cohort.end_date else None
    cohort.version += 1
    db.session.flush()
    audit.record(actor, "cohort.complete", "cohort", cohort.id, center_id=cohort.center_id,
                 details={**outcome, **({"did_not_sit": sorted(not_sat)} if not_sat else {}),
                          **({"override_reason": reason} if cohort.completion_override_reason else {})})
    # credentials issues the awards; the report summary recounts the cohort (bulk updates above)
    signals.cohort_completed.send(actor, cohort=cohort)
    return cohort


def correction_days() -> int:
    """How many days after completion a result may be corrected (``TALENT_CORRECTION_DAYS``)."""
    from flask import current_app
    return int(current_app.config.get("CORRECTION_DAYS", 30))


def correction_deadline(cohort: Cohort) -> date | None:
    """The last day (centers' time zone) a completed cohort's results may be corrected."""
    if cohort.status != CohortStatus.COMPLETED or cohort.completed_at is None:
        return None
    return clock.local_date(cohort.completed_at) + timedelta(days=correction_days())


def correct_result(actor: Actor, enrollment_id: int, *, reason: Any, final_score: Any = None,
                   attendance_pct: Any = None, today: date | None = None) -> ResultCorrection:
    """Amend the final score and/or the attendance % of a completed cohort's trainee, with a reason,
    up to :func:`correction_days` after completion. The result is evaluated again (completed ↔
    failed); an award is then issued (idempotent) or revoked with the correction as its reason.
    Empty values are left as they were. The old and new values are kept (shown to the trainee)
    and audited."""
    enrollment = get_enrollment(actor, enrollment_id, P.COHORTS_WRITE)
    cohort = lock_cohort(enrollment.cohort_id)
    db.session.refresh(enrollment)
    if cohort.status != CohortStatus.COMPLETED or enrollment.status not in (EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED):
        raise InvalidTransition(_l("Only the results of a completed cohort are corrected; "
                                   "before completion, change them on the scores and attendance pages."))
    deadline = correction_deadline(cohort)
    if (today or clock.today()) > deadline:
        raise InvalidTransition(_l("Results can be corrected for %(n)d days after completion; "
                                   "the last day was %(date)s.", n=correction_days(), date=deadline.isoformat()))
    errors: dict[str, str] = {}
    values: dict[str, Decimal | None] = {}
    for name, raw in (("final_score", final_score), ("attendance_pct", attendance_pct)):
        try:
            values[name] = parse_score(raw)
        except ValueError as error:
            errors[name] = str(error)
    try:
        reason = clean_reason(reason, required=True, message=_l("Give the reason for the correction."))
    except ValidationError as error:
        errors.update(error.fields)
    new_score = values.get("final_score") if values.get("final_score") is not None else enrollment.final_score
    new_att = values.get("attendance_pct") if values.get("attendance_pct") is not None else enrollment.attendance_pct
    if not errors and (new_score, new_att) == (enrollment.final_score, enrollment.attendance_pct):
        errors["final_score"] = str(_l("Enter a new score or a new attendance."))
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    old = {"final_score": enrollment.final_score, "attendance_pct": enrollment.attendance_pct,
           "status": enrollment.status, "did_not_sit": enrollment.did_not_sit}
    if new_score is not None:
        enrollment.did_not_sit = False  # a score exists now
    passed, why = evaluate(cohort.course.certification, new_score, new_att, enrollment.did_not_sit)
    enrollment.final_score = new_score
    enrollment.attendance_pct = new_att
    enrollment.status = EnrollmentStatus.COMPLETED if passed else EnrollmentStatus.FAILED
    correction = ResultCorrection(enrollment_id=enrollment.id, corrected_by_id=actor.user_id, reason=reason,
                                  old_score=old["final_score"], new_score=new_score,
                                  old_attendance=old["attendance_pct"], new_attendance=new_att,
                                  old_status=old["status"], new_status=enrollment.status)
    db.session.add(correction)
    db.session.flush()

    def plain(value):
        return None if value is None else str(value)
    awards = signals.merged(signals.result_corrected.send(actor, enrollment=enrollment, reason=reason))
    audit.record(actor, "enrollment.correct", "enrollment", enrollment.id, trainee_id=enrollment.trainee_id,
                 center_id=cohort.center_id,
                 details={"cohort_id": cohort.id, "reason": reason, "correction_id": correction.id,
                          "old": {k: plain(v) if k != "did_not_sit" else v for k, v in old.items()},
                          "new": {"final_score": plain(new_score), "attendance_pct": plain(new_att),
                                  "status": enrollment.status, "did_not_sit": enrollment.did_not_sit},
                          "fail_reasons": why, **awards})
    return correction


def corrections_of(enrollment_ids: Iterable[int]) -> dict[int, list[ResultCorrection]]:
    """The corrections of these enrollments, oldest first (one query)."""
    ids = sorted(set(enrollment_ids))
    result: dict[int, list[ResultCorrection]] = {}
    if not ids:
        return result
    for row in db.session.scalars(select(ResultCorrection).where(ResultCorrection.enrollment_id.in_(ids))
                                  .order_by(ResultCorrection.corrected_at, ResultCorrection.id)):
        result.setdefault(row.enrollment_id, []).append(row)
    return result


def view_roster(actor: Actor, cohort: Cohort) -> list[Enrollment]:
    """The roster of a cohort for staff; a view of trainees' personal data, so audited."""
    require(actor, P.TRAINEES_READ, cohort.center_id)
    rows = roster(cohort.id)
    audit.record(actor, "cohort.roster_view", "cohort", cohort.id, center_id=cohort.center_id,
                 details={"trainees": len(rows)}, trainee_ids=[row.trainee_id for row in rows])
    return rows
