"""Cohorts, their schedule, enrollment (with capacity and a waiting list), attendance, scores and
completion. The only code that writes these tables.

Rules enforced here:
- status transitions planned → open → running → completed, and planned/open/running → cancelled;
  anything else is an :class:`InvalidTransition`;
- no enrolling into completed or cancelled cohorts;
- never more ``enrolled`` than the capacity, also under concurrent requests: the cohort row is
  locked (``SELECT … FOR UPDATE`` on PostgreSQL) before seats are counted; when full, a trainee
  goes on the waiting list (``waitlisted``, ordered by ``waitlisted_at`` then id) and is promoted
  automatically when a seat frees;
- a cohort is completed on or after its end date, or earlier with an override reason;
- forms carry ``Cohort.version``: a change made meanwhile is a :class:`Conflict`.

Attendance percentage: sessions marked ``present`` divided by sessions marked ``present`` or
``absent``. Excused sessions are removed from the denominator, unmarked sessions do not count;
no counted session gives no percentage (None).

The package's modules: ``common`` (shared rules, loading, reasons, version check), ``cohorts``,
``schedule``, ``enrollment`` and ``grading`` (attendance, scores, completion, corrections). Every
public name is importable from ``talent.learning.services``.
"""

from talent.learning.services.common import (FIX_FIELDS, TRANSITIONS, ENROLLABLE, MARKS_EDITABLE,
                                             ACTIVE_ENROLLMENT, CODE_MAX, REASON_MAX, get_cohort,
                                             lock_cohort, get_enrollment, clean_reason, check_version,
                                             as_int, check_transition, local_zone, recompute_attendance)
from talent.learning.services.cohorts import create_cohort, update_cohort, change_status
from talent.learning.services.schedule import add_session, MAX_SESSIONS, schedule_weekly, delete_session
from talent.learning.services.enrollment import (seat_counts, free_seats, marks_editable, enroll,
                                                 NO_SUCH_PERSON, enroll_by_fin, withdraw, waiting_list,
                                                 promote_waitlist, trainee_enrollment)
from talent.learning.services.grading import (record_attendance, session_started, mark_all_present,
                                              parse_score, record_scores, FAIL_REASONS, MissingScores,
                                              evaluate, Outcome, CompletionPreview, completion_preview,
                                              complete_cohort, correction_days, correction_deadline,
                                              correct_result, corrections_of, view_roster)

__all__ = ['FIX_FIELDS', 'TRANSITIONS', 'ENROLLABLE', 'MARKS_EDITABLE', 'ACTIVE_ENROLLMENT', 'CODE_MAX',
           'REASON_MAX', 'get_cohort', 'lock_cohort', 'get_enrollment', 'clean_reason', 'check_version',
           'as_int', 'create_cohort', 'update_cohort', 'change_status', 'check_transition', 'local_zone',
           'add_session', 'MAX_SESSIONS', 'schedule_weekly', 'delete_session', 'seat_counts', 'free_seats',
           'marks_editable', 'enroll', 'NO_SUCH_PERSON', 'enroll_by_fin', 'withdraw', 'waiting_list',
           'promote_waitlist', 'record_attendance', 'session_started', 'mark_all_present',
           'recompute_attendance', 'parse_score', 'record_scores', 'FAIL_REASONS', 'MissingScores',
           'evaluate', 'Outcome', 'CompletionPreview', 'completion_preview', 'complete_cohort',
           'correction_days', 'correction_deadline', 'correct_result', 'corrections_of', 'view_roster',
           'trainee_enrollment']
