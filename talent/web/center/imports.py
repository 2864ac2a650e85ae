"""Center workspace: spreadsheet import of trainees.

Upload → preview → confirm. The upload is read and checked once, when it arrives; its valid rows
are kept in the database (talent.imports.services, table ``import_previews``), so "confirm" may
land on any app server. Only the preview's unguessable id sits in the user's session, so no
personal data ever appears in a URL; the service checks that the preview is the user's own.
"""
from __future__ import annotations

import re
from types import SimpleNamespace

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from talent.errors import Conflict, NotFound, TooManyRequests, ValidationError
from talent.extensions import db
from talent.imports import parser, services
from talent.learning import queries as lq
from talent.learning import services as ls
from talent.learning.models import Cohort
from talent.loading import load
from talent.permissions import P, scope_centers
from talent.web.transactions import rollback_only
from talent.web.access import permission_required
from talent.web.center.cohorts import GridForm
from talent.web.center.trainees import spend_fin_answers
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.learning.models import CohortStatus
from talent.centers.models import Center

SESSION_KEY = "trainee_import"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class UploadForm(FlaskForm):
    file = FileField(_l("Spreadsheet (CSV or XLSX)"), validators=[FileRequired()])
    center_id = SelectField(_l("Center"))
    cohort_id = SelectField(_l("Enroll into cohort (optional)"), default="")
    waitlist = BooleanField(_l("Put rows beyond the free seats on the waiting list"), default=True)

    def fill_choices(self, actor) -> None:
        centers = lq.actor_centers(actor)
        self.center_id.choices = [(str(c.id), f"{c.code} — {c.name}") for c in centers]
        stmt = scope_centers(select(Cohort).where(Cohort.status.in_(ls.ENROLLABLE))
                             .order_by(Cohort.start_date.desc()), actor, Cohort.center_id)
        self.cohort_id.choices = [("", "—")] + [(str(c.id), f"{c.code} ({c.center.code})")
                                                for c in db.session.scalars(stmt)]


def _pending_id() -> str | None:
    pending = session.get(SESSION_KEY)
    preview_id = pending.get("preview") if isinstance(pending, dict) else None
    return preview_id if isinstance(preview_id, str) and _TOKEN.match(preview_id) else None


def _forget(message: str, category: str):
    session.pop(SESSION_KEY, None)
    flash(message, category)
    return redirect(url_for("center.import_upload"))


@bp.route("/imports", methods=["GET", "POST"])
@permission_required(P.IMPORTS_RUN)
def import_upload():
    actor = current_actor()
    form = UploadForm()
    form.fill_choices(actor)
    if request.method == "GET":
        cohort_arg = request.args.get("cohort_id", "")
        if cohort_arg.isdigit() and cohort_arg in {value for value, _label in form.cohort_id.choices}:
            form.cohort_id.data = cohort_arg
            form.center_id.data = str(load(actor, Cohort, cohort_arg, P.IMPORTS_RUN).center_id)
    if form.validate_on_submit():
        upload = form.file.data
        data = upload.read(current_app.config["IMPORT_MAX_BYTES"] + 1)
        if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
            form.file.errors.append(_("The file is larger than %(mb)d MB.",
                                      mb=current_app.config["IMPORT_MAX_BYTES"] // (1024 * 1024)))
            return render_template("center/import_upload.html", form=form), 422
        try:
            # Check the targets (center of mine, cohort of that center) before keeping the file.
            services.check_targets(actor, form.center_id.data, form.cohort_id.data or None)
        except ValidationError as error:
            apply_errors(form, error)
            return render_template("center/import_upload.html", form=form), 422
        previous = _pending_id()
        if previous:
            services.discard_preview(actor, previous)
        # The file is read and checked once, here; its valid rows are kept in the database.
        try:
            report = services.preview_import(actor, data, center_id=form.center_id.data,
                                             cohort_id=form.cohort_id.data or None, waitlist=bool(form.waitlist.data),
                                             keep=True, filename=(upload.filename or "")[:100],
                                             fin_budget=spend_fin_answers)
        except TooManyRequests as error:
            rollback_only()   # nothing of the file is kept
            session.pop(SESSION_KEY, None)
            form.file.errors.append(str(error.message))
            return render_template("center/import_upload.html", form=form), 429
        session[SESSION_KEY] = {"preview": report.preview_id}
        return redirect(url_for("center.import_preview"))
    status = 422 if request.method == "POST" else 200
    return render_template("center/import_upload.html", form=form), status


def _render_preview(report, details, status: int = 200):
    actor = current_actor()
    cohort = load(actor, Cohort, details.cohort_id, P.IMPORTS_RUN) if details.cohort_id else None
    center = load(actor, Center, details.center_id, P.IMPORTS_RUN, center=lambda c: c.id)
    return render_template("center/import_preview.html", report=report, counts=report.counts, cohort=cohort,
                           center=center, filename=details.filename, waitlist=details.waitlist,
                           shown=report.plans[:500]), status


_GONE = _l("The upload expired or was already imported. Upload the file again.")


@bp.route("/imports/preview")
@permission_required(P.IMPORTS_RUN)
def import_preview():
    preview_id = _pending_id()
    if preview_id is None:
        flash(_("Upload a file first."), "info")
        return redirect(url_for("center.import_upload"))
    actor = current_actor()
    try:
        details = services.preview_details(actor, preview_id)
        report = services.show_preview(actor, preview_id)
    except (NotFound, Conflict):
        return _forget(str(_GONE), "warning")
    return _render_preview(report, details)


@bp.route("/imports/confirm", methods=["POST"])
@permission_required(P.IMPORTS_RUN)
def import_confirm():
    preview_id = _pending_id()
    if preview_id is None:
        flash(str(_GONE), "warning")
        return redirect(url_for("center.import_upload"))
    if not GridForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "danger")
        return redirect(url_for("center.import_preview"))
    actor = current_actor()
    try:
        details = services.preview_details(actor, preview_id)
        filename, waitlist, center_id, cohort_id = (details.filename, details.waitlist, details.center_id,
                                                    details.cohort_id)
        report = services.commit_preview(actor, preview_id)
    except (NotFound, Conflict) as error:
        rollback_only()
        return _forget(str(error.message), "warning")
    if not report.committed:
        rollback_only()
        flash(_("Nothing was imported: the file has problems (listed below)."), "danger")
        return _render_preview(report, SimpleNamespace(filename=filename, waitlist=waitlist, center_id=center_id,
                                                       cohort_id=cohort_id), 422)
    session.pop(SESSION_KEY, None)
    counts = report.counts
    flash(_("Imported: %(new)d new trainees, %(existing)d already registered; %(enrolled)d enrolled, "
            "%(waitlisted)d on the waiting list.", new=counts["new"], existing=counts["existing"],
            enrolled=counts["enrolled"], waitlisted=counts["waitlisted"]), "success")
    if report.cohort_id:
        return redirect(url_for("center.cohort_detail", cohort_id=report.cohort_id))
    return redirect(url_for("center.trainees"))


@bp.route("/imports/cancel", methods=["POST"])
@permission_required(P.IMPORTS_RUN)
def import_cancel():
    preview_id = _pending_id()
    session.pop(SESSION_KEY, None)
    if preview_id:
        services.discard_preview(current_actor(), preview_id)
    flash(_("The upload was discarded."), "info")
    return redirect(url_for("center.import_upload"))


@bp.route("/imports/template.<fmt>")
@permission_required(P.IMPORTS_RUN)
def import_template(fmt: str):
    if fmt == "csv":
        return Response(parser.template_csv(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=trainees-template.csv"})
    if fmt == "xlsx":
        return Response(parser.template_xlsx(),
                        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        headers={"Content-Disposition": "attachment; filename=trainees-template.xlsx"})
    raise NotFound(_("Not found."))
