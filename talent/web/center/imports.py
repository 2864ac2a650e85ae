"""Center workspace: spreadsheet import of trainees.

Upload → preview → confirm. The uploaded file is kept server-side under
``instance/imports/<random>.bin``; only the random token (and the chosen center/cohort) sits in
the user's session, so no personal data ever appears in a URL. The preview and the commit call
the same service (talent.imports.services) as the CLI and the API.
"""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import Response, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField, SelectField

from talent.errors import NotFound, ValidationError
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
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.learning.models import CohortStatus
from talent.centers.models import Center

SESSION_KEY = "trainee_import"
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
STALE_SECONDS = 24 * 3600


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


def _folder() -> Path:
    folder = Path(current_app.instance_path) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _path(token: str) -> Path | None:
    if not token or not _TOKEN.match(token):
        return None
    return _folder() / f"{token}.bin"


def _discard_upload() -> None:
    pending = session.pop(SESSION_KEY, None)
    if pending:
        path = _path(pending.get("token", ""))
        if path is not None:
            path.unlink(missing_ok=True)


def _sweep() -> None:
    """Remove uploads nobody confirmed within a day."""
    cutoff = time.time() - STALE_SECONDS
    for path in _folder().glob("*.bin"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink(missing_ok=True)
        except OSError:
            continue


def _pending():
    pending = session.get(SESSION_KEY)
    path = _path(pending.get("token", "")) if pending else None
    if not pending or path is None or not path.exists():
        session.pop(SESSION_KEY, None)
        return None, None
    return pending, path


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
        _discard_upload()
        _sweep()
        token = secrets.token_urlsafe(24)
        _path(token).write_bytes(data)
        session[SESSION_KEY] = {"token": token, "center_id": int(form.center_id.data),
                                "cohort_id": int(form.cohort_id.data) if form.cohort_id.data else None,
                                "waitlist": bool(form.waitlist.data),
                                "filename": (upload.filename or "")[:100]}
        return redirect(url_for("center.import_preview"))
    status = 422 if request.method == "POST" else 200
    return render_template("center/import_upload.html", form=form), status


def _render_preview(report, pending, status: int = 200):
    actor = current_actor()
    cohort = load(actor, Cohort, pending["cohort_id"], P.IMPORTS_RUN) if pending.get("cohort_id") else None
    center = load(actor, Center, pending["center_id"], P.IMPORTS_RUN, center=lambda c: c.id)
    return render_template("center/import_preview.html", report=report, counts=report.counts, cohort=cohort,
                           center=center, filename=pending.get("filename"), waitlist=pending.get("waitlist"),
                           shown=report.plans[:500]), status


@bp.route("/imports/preview")
@permission_required(P.IMPORTS_RUN)
def import_preview():
    pending, path = _pending()
    if pending is None:
        flash(_("Upload a file first."), "info")
        return redirect(url_for("center.import_upload"))
    report = services.preview_import(current_actor(), path.read_bytes(), center_id=pending["center_id"],
                                     cohort_id=pending["cohort_id"], waitlist=pending["waitlist"])
    return _render_preview(report, pending)


@bp.route("/imports/confirm", methods=["POST"])
@permission_required(P.IMPORTS_RUN)
def import_confirm():
    pending, path = _pending()
    if pending is None:
        flash(_("The upload expired or was already imported. Upload the file again."), "warning")
        return redirect(url_for("center.import_upload"))
    if not GridForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "danger")
        return redirect(url_for("center.import_preview"))
    report = services.commit_import(current_actor(), path.read_bytes(), center_id=pending["center_id"],
                                    cohort_id=pending["cohort_id"], waitlist=pending["waitlist"],
                                    filename=pending.get("filename"))
    if not report.committed:
        rollback_only()
        flash(_("Nothing was imported: the file has problems (listed below)."), "danger")
        return _render_preview(report, pending, 422)
    _discard_upload()
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
    _discard_upload()
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
