"""System administration (admin role): centers, the catalog (sectors, skills, certifications,
courses) and users with their center assignments.

The catalog and centers share one set of list/create/edit/(de)activate views driven by a small
registry (:data:`KINDS`); each view calls the entity's service and nothing else writes.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Callable

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _, lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from talent.accounts import invitations
from talent.accounts import services as accounts
from talent.accounts.models import ROLES, User
from talent.readmodels import admin_lists as catq
from talent.catalog import services as catalog
from talent.catalog.models import Certification, Course, Sector, Skill
from talent.centers import services as centers
from talent.centers.models import Center
from talent.centers.queries import page_number
from talent.errors import DomainError, NotFound, ValidationError
from talent.extensions import db
from talent.loading import UNSCOPED, load
from talent.permissions import P, user_can
from talent.web.access import permission_required
from talent.web.admin import forms as F
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.transactions import rollback_only
from talent.people.validation import as_id
from talent import clock
from talent import auditlog
from talent.centers.queries import Page
from talent.exports import stream_csv
from talent.audit import action_label

bp = Blueprint("admin", __name__)
PER_PAGE = 25


@dataclass(frozen=True)
class Kind:
    key: str
    model: Any
    form: type
    create: Callable
    update: Callable
    set_active: Callable
    title: Any
    one: Any
    columns: tuple[tuple[Any, str], ...]       # (label, attribute or template expression key)
    sortable: tuple[str, ...]
    permission: P = P.CATALOG_MANAGE


KINDS: dict[str, Kind] = {k.key: k for k in (
    Kind("centers", Center, F.CenterForm, centers.create_center, centers.update_center, centers.set_center_active,
         _l("Centers"), _l("center"), ((_l("Code"), "code"), (_l("Name"), "name"), (_l("Region"), "region.name"),
                                         (_l("City"), "city"), (_l("Capacity"), "capacity")),
         ("code", "name", "city", "capacity", "created_at"), P.CENTERS_MANAGE),
    Kind("sectors", Sector, F.SectorForm, catalog.create_sector, catalog.update_sector, catalog.set_sector_active,
         _l("Sectors"), _l("sector"), ((_l("Code"), "code"), (_l("Name"), "name")), ("code", "name_az", "name_en")),
    Kind("skills", Skill, F.SkillForm, catalog.create_skill, catalog.update_skill, catalog.set_skill_active,
         _l("Skills"), _l("skill"), ((_l("Code"), "code"), (_l("Name"), "name"), (_l("ESCO"), "esco_uri")),
         ("code", "name_az", "name_en")),
    Kind("certifications", Certification, F.CertificationForm, catalog.create_certification,
         catalog.update_certification, catalog.set_certification_active, _l("Certifications"), _l("certification"),
         ((_l("Code"), "code"), (_l("Name"), "name"), (_l("Skill"), "skill.name"), (_l("Level"), "level"),
          (_l("Pass mark"), "pass_mark"), (_l("Min. attendance"), "min_attendance"),
          (_l("Validity (months)"), "validity_months")),
         ("code", "name_az", "name_en", "level", "pass_mark")),
    Kind("courses", Course, F.CourseForm, catalog.create_course, catalog.update_course, catalog.set_course_active,
         _l("Courses"), _l("course"), ((_l("Code"), "code"), (_l("Title"), "title"), (_l("Level"), "level"),
                                         (_l("Hours"), "hours"), (_l("Language"), "language"),
                                         (_l("Certification"), "certification.code")),
         ("code", "title_az", "title_en", "level", "hours")),
)}


def attr(obj, path: str):
    for part in path.split("."):
        obj = getattr(obj, part, None) if obj is not None else None
    return obj


def _kind(key: str) -> Kind:
    kind = KINDS.get(key)
    if kind is None:
        abort(404)
    if not user_can(current_user, kind.permission):
        abort(403)
    return kind


def _load(kind: Kind, obj_id: int):
    return load(current_actor(), kind.model, obj_id, kind.permission, center=UNSCOPED)


@bp.route("/")
@permission_required(P.ADMIN_AREA)
def index():
    counts = {}
    for kind in KINDS.values():
        rows = db.session.execute(select(kind.model.active, func.count()).group_by(kind.model.active)).all()
        counts[kind.key] = {bool(active): n for active, n in rows}
    users = dict(db.session.execute(select(User.role, func.count()).group_by(User.role)).all())
    return render_template("admin/index.html", kinds=KINDS, counts=counts, users=users)


@bp.route("/<key>/")
@permission_required(P.ADMIN_AREA)
def entity_list(key: str):
    kind = _kind(key)
    args = request.args
    sort = args.get("sort", "code")
    descending = sort.startswith("-")
    sort = sort.lstrip("-")
    stmt = catq.admin_list_stmt(current_actor(), kind.model, q=args.get("q"), active=args.get("active"),
                                sort=sort, descending=descending, sortable=kind.sortable)
    page = db.paginate(stmt, page=page_number(args.get("page")), per_page=PER_PAGE, error_out=False)
    return render_template("admin/list.html", kind=kind, page=page, attr=attr, q=args.get("q", ""),
                           active=args.get("active", ""), sort=args.get("sort", "code"))


def _form_page(kind: Kind, obj=None):
    actor = current_actor()
    form = kind.form(obj=obj) if request.method == "GET" else kind.form()
    form.fill_choices()
    if request.method == "GET" and obj is not None:
        for name, field in form._fields.items():
            value = getattr(obj, name, None)
            if name.endswith("_id"):
                field.data = str(value) if value is not None else ""
            elif name == "skill_ids":
                field.data = [str(s.id) for s in obj.skills]
            elif isinstance(value, int) and not isinstance(value, bool):
                field.data = str(value)
    status = 200
    if form.validate_on_submit():
        try:
            if obj is None:
                saved = kind.create(actor, **form.service_fields())
            else:
                saved = kind.update(actor, obj.id, **form.service_fields())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Saved: %(code)s.", code=saved.code), "success")
            return redirect(url_for("admin.entity_list", key=kind.key))
    elif request.method == "POST":
        status = 422
    return render_template("admin/form.html", kind=kind, form=form, obj=obj), status


@bp.route("/<key>/new", methods=["GET", "POST"])
@permission_required(P.ADMIN_AREA)
def entity_new(key: str):
    return _form_page(_kind(key))


@bp.route("/<key>/<int:obj_id>/edit", methods=["GET", "POST"])
@permission_required(P.ADMIN_AREA)
def entity_edit(key: str, obj_id: int):
    kind = _kind(key)
    return _form_page(kind, _load(kind, obj_id))


@bp.route("/<key>/<int:obj_id>/active", methods=["POST"])
@permission_required(P.ADMIN_AREA)
def entity_active(key: str, obj_id: int):
    kind = _kind(key)
    active = request.form.get("active")
    if active not in ("0", "1"):
        abort(400)
    obj = kind.set_active(current_actor(), obj_id, active == "1")
    flash(_("%(code)s is now active.", code=obj.code) if obj.active
          else _("%(code)s is now inactive.", code=obj.code), "success")
    return redirect(url_for("admin.entity_list", key=kind.key))


# ---- users ---------------------------------------------------------------------------------

@bp.route("/users/")
@permission_required(P.USERS_MANAGE)
def users():
    args = request.args
    center_id = args.get("center_id", "")
    stmt = catq.users_stmt(current_actor(), role=args.get("role") if args.get("role") in ROLES else None,
                           active=args.get("active"), center_id=as_id(center_id),
                           sort=args.get("sort", "email")).options(selectinload(User.assignments))
    page = db.paginate(stmt, page=page_number(args.get("page")), per_page=PER_PAGE, error_out=False)
    all_centers = db.session.scalars(select(Center).order_by(Center.code)).all()
    # Staff without a password: when they were last invited, and whether that link has expired.
    waiting = [u for u in page.items if not u.password_hash and u.role in invitations.STAFF_ROLES
               and not invitations.is_service_user(u)]
    sent = invitations.last_invitations([u.id for u in waiting])
    max_age = timedelta(seconds=invitations.MAX_AGE[invitations.INVITE])
    invites = {u.id: {"sent": sent.get(u.id),
                      "expired": sent.get(u.id) is not None and sent[u.id] + max_age < clock.now()}
               for u in waiting}
    return render_template("admin/users.html", page=page, centers={c.id: c for c in all_centers}, invites=invites,
                           roles=F.ROLE_LABELS, role=args.get("role", ""), active=args.get("active", ""),
                           center_id=center_id, sort=args.get("sort", "email"))


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(P.USERS_MANAGE)
def user_new():
    form = F.UserForm()
    form.fill_choices()
    status = 200
    if form.validate_on_submit():
        try:
            user = invitations.create_staff_user(
                current_actor(), email=form.email.data, full_name=form.full_name.data, role=form.role.data,
                password=form.password.data or None, center_ids=[int(c) for c in form.centers.data or []],
                locale=form.locale.data or None,
                employer_id=as_id(form.employer_id.data) if form.employer_id.data else None)
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            if user.password_hash or user.role not in invitations.STAFF_ROLES:
                flash(_("User %(email)s created.", email=user.email), "success")
            else:
                flash(_("User %(email)s created; an invitation to set a password was sent.", email=user.email),
                      "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/user_form.html", form=form, user=None), status


def _user(user_id: int) -> User:
    return load(current_actor(), User, user_id, P.USERS_MANAGE)


@bp.route("/users/<int:user_id>/centers", methods=["GET", "POST"])
@permission_required(P.USERS_MANAGE)
def user_centers(user_id: int):
    user = _user(user_id)
    form = F.UserCentersForm()
    form.fill_choices()
    if request.method == "GET":
        form.centers.data = [str(c) for c in sorted(user.center_ids)]
    status = 200
    if form.validate_on_submit():
        try:
            accounts.set_centers(current_actor(), user, [int(c) for c in form.centers.data or []])
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            status = 422
        else:
            flash(_("Centers of %(email)s saved.", email=user.email), "success")
            return redirect(url_for("admin.users"))
    elif request.method == "POST":
        status = 422
    return render_template("admin/user_form.html", form=form, user=user), status


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
@permission_required(P.USERS_MANAGE)
def user_invite(user_id: int):
    """Send or resend the invitation to set a password (only the newest link works)."""
    try:
        user = invitations.invite_staff(current_actor(), user_id)
    except NotFound:
        raise
    except DomainError as error:
        rollback_only()
        flash(str(error.message), "danger")
        return redirect(url_for("admin.users")), 303
    flash(_("An invitation was sent to %(email)s.", email=user.email), "success")
    return redirect(url_for("admin.users"))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@permission_required(P.USERS_MANAGE)
def user_active(user_id: int):
    user = _user(user_id)
    active = request.form.get("active")
    if active not in ("0", "1"):
        abort(400)
    accounts.set_active(current_actor(), user, active == "1")
    flash(_("%(email)s is now active.", email=user.email) if user.active
          else _("%(email)s is now deactivated.", email=user.email), "success")
    return redirect(url_for("admin.users"))


# ---- the audit trail ---------------------------------------------------------------------------

AUDIT_FILTERS = ("actor", "trainee_id", "action", "date_from", "date_to")


def _audit_filter():
    values = {name: request.args.get(name, "") for name in AUDIT_FILTERS}
    try:
        return auditlog.make_filter(**values), values, {}
    except ValidationError as error:
        return None, values, error.fields


@bp.route("/audit")
@permission_required(P.AUDIT_READ)
def audit_log():
    """Who did what, filtered and paged; CSV of everything that matches at /admin/audit.csv."""
    flt, values, errors = _audit_filter()
    if flt is None:
        return render_template("admin/audit.html", page=None, values=values, errors=errors,
                               action_label=_action_label()), 422
    number = page_number(request.args.get("page"))
    events, total = auditlog.page(current_actor(), flt, page=number, per_page=50)
    page = Page(items=events, page=number, per_page=50, total=total)
    return render_template("admin/audit.html", page=page, values=values, errors={},
                           action_label=_action_label())


@bp.route("/audit.csv")
@permission_required(P.AUDIT_READ)
def audit_export():
    flt, values, errors = _audit_filter()
    if flt is None:
        return render_template("admin/audit.html", page=None, values=values, errors=errors,
                               action_label=_action_label()), 422
    rows = auditlog.export_rows(current_actor(), flt)
    return stream_csv(f"audit-{clock.today().isoformat()}.csv", auditlog.CSV_HEADER, rows)


def _action_label():
    return action_label
