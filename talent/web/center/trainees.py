"""Center workspace: trainees — the list of my centers' trainees (paged, by name; filtered by
cohort, enrollment status and home region) and the search by FIN or name: the search is posted,
kept on the server behind a short handle, and answered by a redirect to a GET page that carries
only the handle (no FIN in any URL, and Back works); register (optionally straight into a
cohort), view (audited) and edit."""
from __future__ import annotations

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_login import current_user
from flask_babel import gettext as _, lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import DateField, EmailField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from talent.centers.queries import page_number
from talent.errors import Duplicate, ValidationError
from talent.extensions import db, limiter
from talent.geo.models import Region
from talent.learning import queries as lq
from talent.learning import services as ls
from talent.readmodels import trainees as trainee_list
from talent.people import services as ps
from talent.people.models import EDUCATION_LEVELS
from talent.permissions import P
from talent.web.access import permission_required
from talent.web.center.cohorts import ENROLLMENT_LABELS, STATUS_LABELS
from talent.web.center.blueprint import bp
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.learning.models import EnrollmentStatus
from talent.web.transactions import commit_now, rollback_only
from talent.centers.models import Center
from talent.learning.models import Cohort
from talent.permissions import scope_centers

GENDER_LABELS = {"F": _l("Female"), "M": _l("Male")}
# The search page counts matches up to this many ("more than …"): an exact count of a common
# name or a single letter would read every match (the list of pages then ends there).
SEARCH_COUNT_CAP = 5000
EDUCATION_LABELS = {"secondary": _l("Secondary"), "vocational": _l("Vocational"), "bachelor": _l("Bachelor"),
                    "master": _l("Master"), "doctorate": _l("Doctorate")}


class SearchForm(FlaskForm):
    q = StringField(_l("FIN or name"), validators=[DataRequired(), Length(max=200)])
    # The list's filters ride along, so a new search keeps them.
    cohort_id = HiddenField()
    status = HiddenField()
    region_id = HiddenField()


LIST_FILTERS = ("cohort_id", "status", "region_id")
# The search handles this browser session made (a handle works only here, for its user).
SEARCH_SESSION_KEY = "trainee_searches"
SEARCH_SESSION_MAX = 20
COHORT_CHOICES_MAX = 300


class TraineeForm(FlaskForm):
    fin = StringField(_l("FIN"), validators=[DataRequired(), Length(max=20)])
    last_name = StringField(_l("Last name"), validators=[DataRequired(), Length(max=100)])
    first_name = StringField(_l("First name"), validators=[DataRequired(), Length(max=100)])
    patronymic = StringField(_l("Patronymic"), validators=[Optional(), Length(max=100)])
    birth_date = DateField(_l("Birth date"), validators=[DataRequired()])
    gender = SelectField(_l("Gender"), choices=[("", "—")] + list(GENDER_LABELS.items()), validators=[DataRequired()])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=254)])
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=30)])
    home_region_id = SelectField(_l("Home region"), validators=[DataRequired()])
    education_level = SelectField(_l("Education"), choices=[("", "—")] + [(k, EDUCATION_LABELS[k]) for k in EDUCATION_LEVELS])
    center_id = SelectField(_l("Registering center"), validators=[Optional()])

    def fill_choices(self, actor, *, with_center: bool) -> None:
        regions = db.session.scalars(select(Region).order_by(Region.id)).all()
        self.home_region_id.choices = [("", "—")] + [(str(r.id), r.name) for r in regions]
        if with_center:
            self.center_id.choices = [(str(c.id), f"{c.code} — {c.name}") for c in lq.actor_centers(actor)]
            if actor.center_ids is None:
                self.center_id.choices.insert(0, ("", "—"))
        else:
            del self.center_id

    def data_for_service(self) -> dict:
        names = ("fin", "last_name", "first_name", "patronymic", "birth_date", "gender", "email", "phone",
                 "home_region_id", "education_level")
        return {name: getattr(self, name).data for name in names}


def _filter_choices(actor, selected_cohort: str) -> dict:
    stmt = (select(Cohort.id, Cohort.code, Center.code).join(Center, Center.id == Cohort.center_id)
            .order_by(Cohort.start_date.desc(), Cohort.id.desc()).limit(COHORT_CHOICES_MAX))
    rows = db.session.execute(scope_centers(stmt, actor, Cohort.center_id)).all()
    cohorts = [(str(cohort_id), f"{code} ({center_code})") for cohort_id, code, center_code in rows]
    if selected_cohort and selected_cohort not in {value for value, _label in cohorts}:
        cohorts.append((selected_cohort, selected_cohort))
    regions = db.session.scalars(select(Region).order_by(Region.id)).all()
    return {"cohorts": cohorts, "statuses": list(ENROLLMENT_LABELS.items()),
            "regions": [(str(r.id), r.name) for r in regions]}


def _list_page(actor, form: SearchForm, *, text: str | None, handle: str | None, filters: dict, page: int,
               status: int = 200):
    filter_errors: dict[str, str] = {}
    try:
        result = trainee_list.list_trainees(actor, text=text, page=page, per_page=25, count_cap=SEARCH_COUNT_CAP, **filters)
    except ValidationError as error:
        filter_errors = {k: str(v) for k, v in error.fields.items() if k in LIST_FILTERS}
        filters = {k: v for k, v in filters.items() if k not in filter_errors}
        result = trainee_list.list_trainees(actor, text=text, page=1, per_page=25, count_cap=SEARCH_COUNT_CAP, **filters)
        status = 422
    return render_template("center/trainees.html", form=form, result=result, gender_labels=GENDER_LABELS,
                           handle=handle, text=text, filters=filters, filter_errors=filter_errors,
                           link_args=dict(filters, **({"s": handle} if handle else {})),
                           choices=_filter_choices(actor, filters.get("cohort_id", "")),
                           status_labels=ENROLLMENT_LABELS), status


@bp.route("/trainees", methods=["GET", "POST"])
@permission_required(P.TRAINEES_READ)
def trainees():
    """The list of my centers' trainees, and the search. A search is posted, kept on the server,
    and answered with a redirect to this page's GET with the search's handle (``s``): the page
    survives Back and reload, and the searched text (often a FIN) is in no URL."""
    actor = current_actor()
    if request.method == "POST":
        form = SearchForm()
        filters = {k: (getattr(form, k).data or "").strip() for k in LIST_FILTERS}
        filters = {k: v for k, v in filters.items() if v}
        if form.validate_on_submit():
            try:
                handle = ps.save_search(actor, form.q.data)
            except ValidationError as error:
                rollback_only()
                apply_errors(form, error)
            else:
                session[SEARCH_SESSION_KEY] = (session.get(SEARCH_SESSION_KEY, []) + [handle])[-SEARCH_SESSION_MAX:]
                return redirect(url_for("center.trainees", s=handle, **filters), 303)
        return _list_page(actor, form, text=None, handle=None, filters=filters, page=1, status=422)
    args = request.args
    filters = {k: args.get(k, "").strip() for k in LIST_FILTERS}
    filters = {k: v for k, v in filters.items() if v}
    handle, text = args.get("s") or None, None
    if handle:
        if handle in session.get(SEARCH_SESSION_KEY, []):
            text = ps.saved_search_text(actor, handle)
        if text is None:
            flash(_("This search is no longer available; search again."), "info")
            handle = None
    form = SearchForm(formdata=None, data={"q": text or "", **filters})
    return _list_page(actor, form, text=text, handle=handle, filters=filters, page=page_number(args.get("page")))


# "This FIN is already registered" tells that a FIN exists: how often an account, and an address,
# gets that answer is limited (people.services.KnownFin); the other answers are not counted. One
# budget (a shared scope) for registering, editing and the import preview (center/imports.py).
def _fin_account_key() -> str:
    return f"fin-known:user:{getattr(current_user, 'id', None) or request.remote_addr}"


def _fin_address_key() -> str:
    return f"fin-known:ip:{request.remote_addr or 'unknown'}"


def _told_fin_known(_response) -> bool:
    return bool(g.get("fin_known"))


def spend_fin_answers(count: int) -> bool:
    """Spend ``count`` "registered" answers at once (an import preview) from the same budget."""
    return ps.spend_fin_lookups([_fin_account_key(), _fin_address_key()], count)


def _limit_fin_answers(view):
    for key in (_fin_account_key, _fin_address_key):
        view = limiter.shared_limit(ps.fin_lookup_limit, scope=ps.FIN_LOOKUP_SCOPE, methods=["POST"], key_func=key,
                                    deduct_when=_told_fin_known, error_message=ps.fin_lookups_limited_message)(view)
    return view


def _told_known_fin() -> None:
    """The answer tells that the FIN is registered: its audit (flushed by the service) is kept,
    and the limiter counts it."""
    commit_now()
    g.fin_known = True


@bp.route("/trainees/new", methods=["GET", "POST"])
@permission_required(P.TRAINEES_WRITE)
@_limit_fin_answers
def trainee_new():
    """Register a trainee; with ``cohort_id`` (a cohort of mine) also enroll them into it."""
    actor = current_actor()
    cohort = None
    if request.args.get("cohort_id"):
        cohort = ls.get_cohort(actor, request.args.get("cohort_id"), P.ENROLLMENTS_WRITE)
    form = TraineeForm()
    form.fill_choices(actor, with_center=cohort is None)
    if request.method == "GET" and cohort is None and actor.center_ids and len(actor.center_ids) == 1:
        form.center_id.data = str(next(iter(actor.center_ids)))
    if form.validate_on_submit():
        center_id = cohort.center_id if cohort is not None else (form.center_id.data or None)
        try:
            trainee = ps.create_trainee(actor, form.data_for_service(), center_id=center_id)
            enrollment = ls.enroll(actor, cohort.id, trainee.id) if cohort is not None else None
        except ps.KnownFin as error:
            _told_known_fin()
            apply_errors(form, error)
            return render_template("center/trainee_form.html", form=form, trainee=None, cohort=cohort), 422
        except (ValidationError, Duplicate) as error:
            rollback_only()
            apply_errors(form, error)
            return render_template("center/trainee_form.html", form=form, trainee=None, cohort=cohort), 422
        if enrollment is not None:
            if enrollment.status == EnrollmentStatus.WAITLISTED:
                flash(_("%(name)s registered; the cohort is full, so they are on the waiting list.",
                        name=trainee.full_name), "warning")
            else:
                flash(_("%(name)s registered and enrolled.", name=trainee.full_name), "success")
            return redirect(url_for("center.cohort_detail", cohort_id=cohort.id))
        flash(_("%(name)s registered.", name=trainee.full_name), "success")
        return redirect(url_for("center.trainee_detail", trainee_id=trainee.id))
    status = 422 if request.method == "POST" else 200
    return render_template("center/trainee_form.html", form=form, trainee=None, cohort=cohort), status


@bp.route("/trainees/<int(max=2147483647):trainee_id>")
@permission_required(P.TRAINEES_READ)
def trainee_detail(trainee_id: int):
    actor = current_actor()
    trainee = ps.get_trainee(actor, trainee_id)  # audited as trainee.view; 404 outside my centers
    enrollments = trainee_list.trainee_enrollments(trainee.id, actor)  # only my centers' records
    return render_template("center/trainee_detail.html", trainee=trainee, enrollments=enrollments,
                           gender_labels=GENDER_LABELS, education_labels=EDUCATION_LABELS,
                           status_labels=STATUS_LABELS, enrollment_labels=ENROLLMENT_LABELS,
                           can_write=actor.has(P.TRAINEES_WRITE), my_centers=actor.center_ids)


@bp.route("/trainees/<int(max=2147483647):trainee_id>/edit", methods=["GET", "POST"])
@permission_required(P.TRAINEES_WRITE)
@_limit_fin_answers
def trainee_edit(trainee_id: int):
    actor = current_actor()
    trainee = ps.get_trainee(actor, trainee_id, audit_view=request.method == "GET")
    if request.method == "GET":
        form = TraineeForm(obj=trainee)
        form.fill_choices(actor, with_center=False)
        form.home_region_id.data = str(trainee.home_region_id)
        form.education_level.data = trainee.education_level or ""
    else:
        form = TraineeForm()
        form.fill_choices(actor, with_center=False)
    if form.validate_on_submit():
        try:
            ps.update_trainee(actor, trainee.id, form.data_for_service())
        except ps.KnownFin as error:
            _told_known_fin()
            apply_errors(form, error)
            return render_template("center/trainee_form.html", form=form, trainee=trainee, cohort=None), 422
        except (ValidationError, Duplicate) as error:
            rollback_only()
            apply_errors(form, error)
            return render_template("center/trainee_form.html", form=form, trainee=trainee, cohort=None), 422
        flash(_("Saved."), "success")
        return redirect(url_for("center.trainee_detail", trainee_id=trainee.id))
    status = 422 if request.method == "POST" else 200
    return render_template("center/trainee_form.html", form=form, trainee=trainee, cohort=None), status
