"""Center workspace: cohorts — list, create/edit, detail (roster, waiting list, schedule, status
actions), enrollment by FIN, withdrawal, attendance per session and the score grid.

Views load, call one service, and redirect; the rules and the permission checks are in
talent.learning.services (another center's cohort is a 404 there)."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from flask_babel import format_datetime, gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (DateField, DateTimeLocalField, HiddenField, IntegerField, SelectField, SelectMultipleField,
                     StringField, TextAreaField, TimeField)
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from talent.accounts.oidc import trainee_verified_at
from talent.centers.queries import page_number, paginate_rows
from talent.errors import Conflict, Duplicate, ValidationError
from talent.extensions import db
from talent.learning import queries as lq
from talent.learning import services as ls
from talent.learning.models import COHORT_STATUSES, CohortSession, Enrollment, ResultCorrection
from talent.people.validation import as_id
from talent.permissions import P
from talent.loading import load
from talent.web.access import permission_required
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only
from talent import clock
from talent.learning.models import CohortStatus, EnrollmentStatus

STATUS_LABELS = {"planned": _l("Planned"), "open": _l("Open"), "running": _l("Running"),
                 "completed": _l("Completed"), "cancelled": _l("Cancelled")}
MODE_LABELS = {"onsite": _l("On-site"), "online": _l("Online"), "hybrid": _l("Hybrid")}
ENROLLMENT_LABELS = {"applied": _l("Applied"), "waitlisted": _l("Waiting list"), "enrolled": _l("Enrolled"),
                     "completed": _l("Completed"), "failed": _l("Not passed"), "withdrawn": _l("Withdrawn")}
MARK_LABELS = {"present": _l("Present"), "absent": _l("Absent"), "excused": _l("Excused")}
ACTION_LABELS = {"open": _l("Open for enrollment"), "running": _l("Start"), "completed": _l("Complete"),
                 "cancelled": _l("Cancel")}


class CohortForm(FlaskForm):
    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=40)])
    course_id = SelectField(_l("Course"), coerce=int, validators=[DataRequired()])
    center_id = SelectField(_l("Center"), coerce=int, validators=[DataRequired()])
    start_date = DateField(_l("Start date"), validators=[DataRequired()])
    end_date = DateField(_l("End date"), validators=[DataRequired()])
    capacity = IntegerField(_l("Capacity (seats)"), validators=[DataRequired(), NumberRange(1, 10_000)])
    mode = SelectField(_l("Mode"), choices=list(MODE_LABELS.items()))
    version = HiddenField()

    def fill_choices(self, actor) -> None:
        self.course_id.choices = [(c.id, f"{c.code} — {c.title}") for c in lq.active_courses()]
        self.center_id.choices = [(c.id, f"{c.code} — {c.name}") for c in lq.actor_centers(actor)]

    def values(self) -> dict:
        return {name: getattr(self, name).data for name in
                ("code", "course_id", "center_id", "start_date", "end_date", "capacity", "mode")}


class EnrollForm(FlaskForm):
    fin = StringField(_l("FIN of the trainee"), validators=[DataRequired(), Length(max=20)])
    birth_date = DateField(_l("Birth date"), validators=[DataRequired()])


class WithdrawForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(), Length(max=500)])


class StatusForm(FlaskForm):
    target = HiddenField(validators=[DataRequired()])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=500)])
    version = HiddenField()


class SessionForm(FlaskForm):
    starts_at = DateTimeLocalField(_l("Starts"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Ends"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])


WEEKDAY_LABELS = [("0", _l("Monday")), ("1", _l("Tuesday")), ("2", _l("Wednesday")), ("3", _l("Thursday")),
                  ("4", _l("Friday")), ("5", _l("Saturday")), ("6", _l("Sunday"))]


class ScheduleForm(FlaskForm):
    weekdays = SelectMultipleField(_l("Days of the week"), choices=WEEKDAY_LABELS, validators=[DataRequired()])
    start_time = TimeField(_l("Start time"), validators=[DataRequired()])
    duration_minutes = IntegerField(_l("Length (minutes)"), default=120, validators=[DataRequired(), NumberRange(15, 720)])
    topic = StringField(_l("Topic"), validators=[Optional(), Length(max=200)])


class GridForm(FlaskForm):
    """Only the CSRF token: the grids post one field per trainee, read from request.form."""


def _labels() -> dict:
    return {"status_labels": STATUS_LABELS, "mode_labels": MODE_LABELS, "enrollment_labels": ENROLLMENT_LABELS,
            "mark_labels": MARK_LABELS, "action_labels": ACTION_LABELS}


@bp.route("/cohorts")
@permission_required(P.COHORTS_READ)
def cohorts():
    actor = current_actor()
    status = request.args.get("status") or None
    status = status if status in COHORT_STATUSES else None
    center_id = as_id(request.args.get("center_id"))
    sort = request.args.get("sort", "start")
    sort = sort if sort in lq.COHORT_SORTS else "start"
    q = (request.args.get("q") or "").strip()[:40] or None
    page = paginate_rows(lq.cohort_list(actor, status=status, center_id=center_id, sort=sort, q=q),
                         page_number(request.args.get("page")), per_page=25)
    return render_template("center/cohorts.html", page=page, rows=page.items, centers=lq.actor_centers(actor),
                           filters={"status": status or "", "center_id": center_id or "", "sort": sort, "q": q or ""},
                           statuses=COHORT_STATUSES, sorts=list(lq.COHORT_SORTS), **_labels())


@bp.route("/cohorts/new", methods=["GET", "POST"])
@permission_required(P.COHORTS_WRITE)
def cohort_new():
    actor = current_actor()
    form = CohortForm()
    form.fill_choices(actor)
    if form.validate_on_submit():
        try:
            cohort = ls.create_cohort(actor, form.values())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
        else:
            flash(_("Cohort %(code)s created.", code=cohort.code), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
        return render_template("center/cohort_form.html", form=form, cohort=None), 422
    if request.method == "POST":
        return render_template("center/cohort_form.html", form=form, cohort=None), 422
    return render_template("center/cohort_form.html", form=form, cohort=None)


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/edit", methods=["GET", "POST"])
@permission_required(P.COHORTS_WRITE)
def cohort_edit(cohort_id: int):
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.COHORTS_WRITE)
    form = CohortForm(obj=cohort) if request.method == "GET" else CohortForm()
    form.fill_choices(actor)
    if request.method == "GET":
        form.version.data = str(cohort.version)
    if form.validate_on_submit():
        try:
            ls.update_cohort(actor, cohort.id, form.values(), version=form.version.data)
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
        else:
            flash(_("Cohort %(code)s saved.", code=cohort.code), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
        return render_template("center/cohort_form.html", form=form, cohort=cohort), 422
    if request.method == "POST":
        return render_template("center/cohort_form.html", form=form, cohort=cohort), 422
    return render_template("center/cohort_form.html", form=form, cohort=cohort)


def _id_href(endpoint: str, key: str) -> tuple[str, str]:
    """The URL of ``endpoint`` as the text before and after its id, for a page that links every
    row of a long table: joining them around each row's id costs far less than url_for per row."""
    marker = "2147483647"  # the largest id the routes take: no other part of the URL is that number
    before, _, after = url_for(endpoint, **{key: int(marker)}).partition(marker)
    return before, after


def _detail(cohort, *, status_code: int = 200, enroll_form=None, session_form=None, status_form=None,
            schedule_form=None, existing=None):
    roster = ls.view_roster(current_actor(), cohort)
    counts = ls.seat_counts(cohort.id)
    sessions = lq.sessions(cohort.id)
    mark_counts = lq.session_mark_counts(cohort.id)
    waiting = [e for e in roster if e.status == EnrollmentStatus.WAITLISTED]
    status_form = status_form or StatusForm(formdata=None)
    status_form.version.data = str(cohort.version)
    deadline = ls.correction_deadline(cohort)
    correctable = deadline is not None and clock.today() <= deadline and current_actor().has(P.COHORTS_WRITE)
    return render_template(
        "center/cohort_detail.html", cohort=cohort, roster=roster, counts=counts, sessions=sessions,
        mark_counts=mark_counts, waiting=waiting, positions={e.id: i for i, e in enumerate(waiting, start=1)}, enroll_form=enroll_form or EnrollForm(formdata=None),
        session_form=session_form or SessionForm(formdata=None), status_form=status_form,
        schedule_form=schedule_form or ScheduleForm(formdata=None),
        withdraw_form=WithdrawForm(formdata=None), transitions=sorted(ls.TRANSITIONS[cohort.status]),
        free=ls.free_seats(cohort, counts),
        existing=existing, correctable=correctable, correction_deadline=deadline,
        corrected=set(db.session.scalars(
            select(ResultCorrection.enrollment_id).join(Enrollment, Enrollment.id == ResultCorrection.enrollment_id)
            .where(Enrollment.cohort_id == cohort.id))) if cohort.status == CohortStatus.COMPLETED else set(),
        correct_href=_id_href("center.enrollment_correct", "enrollment_id"),
        # Translated once for the whole roster rather than once per row.
        roster_labels={status: str(label) for status, label in ENROLLMENT_LABELS.items()},
        trainee_href=_id_href("center.trainee_detail", "trainee_id"),
        withdraw_href=_id_href("center.enrollment_withdraw", "enrollment_id"), **_labels()), status_code


@bp.route("/cohorts/<int(max=2147483647):cohort_id>")
@permission_required(P.COHORTS_READ)
def cohort_detail(cohort_id: int):
    cohort = ls.get_cohort(current_actor(), cohort_id)
    return _detail(cohort)


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/status", methods=["POST"])
@permission_required(P.COHORTS_WRITE)
def cohort_status(cohort_id: int):
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.COHORTS_WRITE)
    form = StatusForm()
    if not form.validate_on_submit():
        return _detail(cohort, status_code=422, status_form=form)
    try:
        ls.change_status(actor, cohort.id, form.target.data, reason=form.reason.data, version=form.version.data)
    except ValidationError as error:
        rollback_only()
        form.reason.errors = list(form.reason.errors or []) + [str(m) for m in error.fields.values()]
        flash(str(error.message), "danger")
        return _detail(ls.get_cohort(actor, cohort_id), status_code=422, status_form=form)
    flash(_("Cohort %(code)s is now: %(status)s.", code=cohort.code,
            status=STATUS_LABELS.get(cohort.status, cohort.status)), "success")
    return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/enroll", methods=["POST"])
@permission_required(P.ENROLLMENTS_WRITE)
def cohort_enroll(cohort_id: int):
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.ENROLLMENTS_WRITE)
    form = EnrollForm()
    if form.validate_on_submit():
        try:
            enrollment = ls.enroll_by_fin(actor, cohort.id, form.fin.data, form.birth_date.data)
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
        except Duplicate as error:
            rollback_only()
            cohort = ls.get_cohort(actor, cohort_id, P.ENROLLMENTS_WRITE)
            form.fin.errors = list(form.fin.errors or []) + [str(error.message)]
            return _detail(cohort, status_code=409, enroll_form=form,
                           existing=lq.existing_enrollment(cohort.id, form.fin.data))
        else:
            name = enrollment.trainee.full_name
            if enrollment.status == EnrollmentStatus.WAITLISTED:
                flash(_("The cohort is full: %(name)s is on the waiting list.", name=name), "warning")
            else:
                flash(_("%(name)s is enrolled.", name=name), "success")
            eid_at = trainee_verified_at(enrollment.trainee_id)
            if eid_at is not None:   # the person proved who they are with the national e-ID (issue 21)
                flash(_("Identity verified by e-ID: %(when)s.", when=format_datetime(eid_at)), "info")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
    return _detail(cohort, status_code=422, enroll_form=form)


@bp.route("/enrollments/<int(max=2147483647):enrollment_id>/withdraw", methods=["POST"])
@permission_required(P.ENROLLMENTS_WRITE)
def enrollment_withdraw(enrollment_id: int):
    actor = current_actor()
    enrollment = ls.get_enrollment(actor, enrollment_id, P.ENROLLMENTS_WRITE)
    cohort_id = enrollment.cohort_id
    form = WithdrawForm()
    if not form.validate_on_submit():
        flash(_("Give the reason for withdrawing."), "danger")
        return _detail(enrollment.cohort, status_code=422)
    try:
        ls.withdraw(actor, enrollment.id, form.reason.data)
    except ValidationError as error:
        rollback_only()
        flash(" ".join([str(error.message)] + [str(m) for m in error.fields.values()]), "danger")
        return _detail(ls.get_cohort(actor, cohort_id), status_code=422)
    flash(_("%(name)s withdrawn.", name=enrollment.trainee.full_name), "success")
    return redirect(url_for("center.cohort_detail", cohort_id=cohort_id))


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/sessions", methods=["POST"])
@permission_required(P.COHORTS_WRITE)
def session_add(cohort_id: int):
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.COHORTS_WRITE)
    form = SessionForm()
    if form.validate_on_submit():
        try:
            ls.add_session(actor, cohort.id, starts_at=form.starts_at.data, ends_at=form.ends_at.data,
                           topic=form.topic.data)
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            cohort = ls.get_cohort(actor, cohort_id)
        else:
            flash(_("Session added."), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id) + "#schedule")
    return _detail(cohort, status_code=422, session_form=form)


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/schedule", methods=["POST"])
@permission_required(P.COHORTS_WRITE)
def session_schedule(cohort_id: int):
    """Add a weekly series of sessions over the cohort's dates."""
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.COHORTS_WRITE)
    form = ScheduleForm()
    if form.validate_on_submit():
        try:
            n = ls.schedule_weekly(actor, cohort.id, weekdays=form.weekdays.data, start_time=form.start_time.data,
                                   duration_minutes=form.duration_minutes.data, topic=form.topic.data)
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            cohort = ls.get_cohort(actor, cohort_id)
        else:
            flash(_("%(n)d sessions added.", n=n), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id) + "#schedule")
    return _detail(cohort, status_code=422, schedule_form=form)


@bp.route("/sessions/<int(max=2147483647):session_id>/delete", methods=["POST"])
@permission_required(P.COHORTS_WRITE)
def session_delete(session_id: int):
    actor = current_actor()
    session = load(actor, CohortSession, session_id, P.COHORTS_WRITE, center=lambda s: s.cohort.center_id)
    cohort_id = session.cohort_id
    ls.delete_session(actor, session_id)
    flash(_("Session removed."), "success")
    return redirect(url_for("center.cohort_detail", cohort_id=cohort_id) + "#schedule")


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/sessions/<int(max=2147483647):session_id>/attendance", methods=["GET", "POST"])
@permission_required(P.ATTENDANCE_WRITE)
def attendance(cohort_id: int, session_id: int):
    """The attendance grid of one session: one row per enrolled trainee, present/absent/excused."""
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE if request.method == "POST" else P.COHORTS_READ)
    session = load(actor, CohortSession, session_id, P.COHORTS_READ, center=lambda s: s.cohort.center_id,
                   visible=lambda s: s.cohort_id == cohort.id)
    enrolled = [e for e in lq.roster(cohort.id) if e.status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED)]
    marks = {eid: m for (_s, eid), m in lq.attendance_marks(cohort.id, [session.id]).items()}
    errors: dict[str, str] = {}
    status_code = 200
    if request.method == "POST":
        if not GridForm().validate_on_submit():
            flash(_("The form expired. Please try again."), "danger")
            return redirect(url_for("center.attendance", cohort_id=cohort.id, session_id=session.id))
        submitted = [(session.id, e.id, request.form.get(f"mark-{e.id}", "")) for e in enrolled
                     if e.status == EnrollmentStatus.ENROLLED]
        try:
            n = ls.record_attendance(actor, cohort.id, submitted)
        except ValidationError as error:
            rollback_only()
            errors = {int(key.rsplit("-", 1)[-1]): msg for key, msg in error.fields.items()
                      if key.rsplit("-", 1)[-1].isdigit()}
            flash(str(error.message), "danger")
            marks = {eid: m for (_s, eid, m) in submitted}
            status_code = 422
        else:
            flash(_("Attendance saved (%(n)d changes).", n=n), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id) + "#schedule")
    started = ls.session_started(session)
    return render_template("center/cohort_attendance.html", cohort=cohort, session=session, enrolled=enrolled,
                           marks=marks, errors=errors, started=started,
                           editable=ls.marks_editable(cohort) and started,
                           **_labels()), status_code


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/scores", methods=["GET", "POST"])
@permission_required(P.ATTENDANCE_WRITE)
def scores(cohort_id: int):
    """The score grid: a final score 0–100 per enrolled trainee, saved all together."""
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.ATTENDANCE_WRITE if request.method == "POST" else P.COHORTS_READ)
    enrolled = [e for e in lq.roster(cohort.id) if e.status in (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED)]
    values = {e.id: ("" if e.final_score is None else f"{e.final_score:g}") for e in enrolled}
    errors: dict[str, str] = {}
    status_code = 200
    if request.method == "POST":
        if not GridForm().validate_on_submit():
            flash(_("The form expired. Please try again."), "danger")
            return redirect(url_for("center.scores", cohort_id=cohort.id))
        submitted = {e.id: request.form.get(f"score-{e.id}", "") for e in enrolled if e.status == EnrollmentStatus.ENROLLED}
        try:
            n = ls.record_scores(actor, cohort.id, submitted)
        except ValidationError as error:
            rollback_only()
            errors = {int(key.rsplit("-", 1)[-1]): msg for key, msg in error.fields.items()
                      if key.rsplit("-", 1)[-1].isdigit()}
            flash(str(error.message), "danger")
            values.update({k: str(v)[:20] for k, v in submitted.items()})
            status_code = 422
        else:
            flash(_("Scores saved (%(n)d changes).", n=n), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
    return render_template("center/cohort_scores.html", cohort=cohort, enrolled=enrolled, values=values,
                           errors=errors, editable=ls.marks_editable(cohort), **_labels()), status_code


# ---- completing with a summary, correcting afterwards ------------------------------------------

FAIL_REASON_LABELS = {"no_score": _l("no final score"), "did_not_sit": _l("did not sit the assessment"),
                      "score_below": _l("score below the pass mark"), "no_attendance": _l("no attendance recorded"),
                      "attendance_below": _l("attendance below the minimum")}


class CompleteForm(FlaskForm):
    reason = TextAreaField(_l("Reason for completing before the end date"), validators=[Optional(), Length(max=500)])
    version = HiddenField()


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/complete", methods=["GET", "POST"])
@permission_required(P.COHORTS_WRITE)
def cohort_complete(cohort_id: int):
    """Before completing: who will pass, who will not and why; trainees without a score are
    marked "did not sit the assessment" here (or get their score first). The confirmation names
    the counts."""
    actor = current_actor()
    cohort = ls.get_cohort(actor, cohort_id, P.COHORTS_WRITE)
    if cohort.status != CohortStatus.RUNNING:
        flash(_("Only a running cohort can be completed."), "warning")
        return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
    form = CompleteForm()
    marked = {as_id(v) for v in request.form.getlist("did_not_sit")} if request.method == "POST" else set()
    errors: dict[int, str] = {}
    status_code = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                ls.complete_cohort(actor, cohort.id, override_reason=form.reason.data, version=form.version.data,
                                   did_not_sit=request.form.getlist("did_not_sit"))
            except (ValidationError, Conflict) as error:
                rollback_only()
                cohort = ls.get_cohort(actor, cohort_id, P.COHORTS_WRITE)
                form.version.data = str(cohort.version)
                for key, message in error.fields.items():
                    eid = as_id(key.removeprefix("enrollments[").rstrip("]"))
                    if eid:
                        errors[eid] = str(message)
                    elif key == "reason":
                        form.reason.errors = list(form.reason.errors or []) + [str(message)]
                flash(str(error.message), "danger")
                status_code = error.status
                if cohort.status != CohortStatus.RUNNING:
                    return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
            else:
                counts = ls.seat_counts(cohort.id)
                flash(_("Cohort %(code)s completed: %(passed)d passed, %(failed)d did not pass.", code=cohort.code,
                        passed=counts["completed"], failed=counts["failed"]), "success")
                return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
        else:
            status_code = 422
    else:
        form.version.data = str(cohort.version)
    preview = ls.completion_preview(actor, cohort.id)
    return render_template("center/cohort_complete.html", cohort=cohort, preview=preview, form=form,
                           marked=marked, errors=errors, early=clock.today() < cohort.end_date,
                           reason_labels=FAIL_REASON_LABELS, correction_days=ls.correction_days(),
                           **_labels()), status_code


class CorrectionForm(FlaskForm):
    final_score = StringField(_l("New final score"), validators=[Optional(), Length(max=10)])
    attendance_pct = StringField(_l("New attendance %"), validators=[Optional(), Length(max=10)])
    reason = TextAreaField(_l("Reason for the correction"), validators=[DataRequired(), Length(max=500)])


@bp.route("/enrollments/<int(max=2147483647):enrollment_id>/correct", methods=["GET", "POST"])
@permission_required(P.COHORTS_WRITE)
def enrollment_correct(enrollment_id: int):
    """Correct a final score or the attendance after completion, with a reason."""
    actor = current_actor()
    enrollment = ls.get_enrollment(actor, enrollment_id, P.COHORTS_WRITE)
    cohort = enrollment.cohort
    form = CorrectionForm()
    status_code = 200
    if form.validate_on_submit():
        try:
            correction = ls.correct_result(actor, enrollment.id, final_score=form.final_score.data,
                                           attendance_pct=form.attendance_pct.data, reason=form.reason.data)
        except (ValidationError, Conflict) as error:
            rollback_only()
            apply_errors(form, error)
            enrollment = ls.get_enrollment(actor, enrollment_id, P.COHORTS_WRITE)
            cohort = enrollment.cohort
            status_code = error.status
        else:
            flash(_("The result of %(name)s was corrected: %(status)s.", name=enrollment.trainee.full_name,
                    status=ENROLLMENT_LABELS.get(correction.new_status, correction.new_status)), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id) + f"#enrollment-{enrollment.id}")
    elif request.method == "POST":
        status_code = 422
    deadline = ls.correction_deadline(cohort)
    return render_template("center/enrollment_correct.html", form=form, enrollment=enrollment, cohort=cohort,
                           deadline=deadline, open_window=deadline is not None and clock.today() <= deadline,
                           corrections=ls.corrections_of([enrollment.id]).get(enrollment.id, []),
                           **_labels()), status_code


@bp.route("/cohorts/<int(max=2147483647):cohort_id>/sessions/<int(max=2147483647):session_id>/all-present",
          methods=["POST"])
@permission_required(P.ATTENDANCE_WRITE)
def attendance_all_present(cohort_id: int, session_id: int):
    """Mark everyone without a mark present; the grid then takes the exceptions."""
    actor = current_actor()
    if not GridForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "danger")
    else:
        try:
            n = ls.mark_all_present(actor, cohort_id, session_id)
        except ValidationError as error:
            rollback_only()
            flash(str(error.message), "danger")
        else:
            flash(_("%(n)d trainees marked present. Change the exceptions and save.", n=n), "success")
    return redirect(url_for("center.attendance", cohort_id=cohort_id, session_id=session_id))
