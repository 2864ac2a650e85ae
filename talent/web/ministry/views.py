"""The ministry's reports: aggregates only, suppressed, never a row about a person.

Every page reads its filters with :func:`talent.reporting.periods.parse_filters` (bad values get a
message and the default view), calls one function of :mod:`talent.reporting.reports` (which
checks ``reports:read``) and renders the suppressed tables; exports and the print page use the
very same report objects.
"""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from talent.catalog.models import LEVELS, Sector, Skill
from talent.errors import ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.i18n import current_language
from talent.objectives import services as objective_services
from talent.readmodels.objectives import ObjectivesTable, objectives_progress
from talent.permissions import P, require
from talent.reporting import demand, exports, outcomes, reports, supply_demand
from talent.reporting.definitions import DEFINITIONS, in_language
from talent.reporting.outcome_definitions import OUTCOME_DEFINITIONS
from talent.reporting.periods import parse_filters
from talent.web.access import permission_required
from talent.web.context import current_actor
from talent.web.forms import apply_errors
from talent.web.ministry.forms import ObjectiveForm
from talent.web.transactions import rollback_only
from talent import clock

bp = Blueprint("ministry", __name__)

LINK_ARGS = {"ministry.region_detail": "region_id", "ministry.center_detail": "center_id"}


@bp.app_context_processor
def _helpers():
    return {"column_label": lambda col: reports.COLUMN_LABELS.get(col, col),
            "link_arg": lambda endpoint: LINK_ARGS[endpoint]}


def _region_chart(report_table):
    return reports.chart(report_table, ["enrolled", "completed", "certified"], "bar")

PAGE_REPORTS = ("dashboard", "regions", "fairness", "mobility", "trends", "objectives", "region", "center", "outcomes")
FORMATS = ("csv", "xlsx")


def _filters(default_years: int = 0):
    args = request.args
    if default_years and not any(args.get(k) for k in ("period", "year", "quarter", "start", "end")):
        today = clock.today()
        args = dict(args.items())
        args.update(period="custom", start=date(today.year - default_years, 1, 1).isoformat(),
                    end=date(today.year, 12, 31).isoformat())
    filters, messages = parse_filters(args)
    for message in messages:
        flash(str(message), "warning")
    return filters


def _filter_options():
    language = current_language()
    skills = [(s.code, s.name_in(language)) for s in db.session.scalars(
        select(Skill).where(Skill.active.is_(True)).order_by(Skill.code))]
    sectors = [(s.code, s.name_in(language)) for s in db.session.scalars(
        select(Sector).where(Sector.active.is_(True)).order_by(Sector.code))]
    return {"skills": skills, "sectors": sectors, "levels": LEVELS}


def _render(template: str, report, filters, **context):
    return render_template(template, report=report, filters=filters, options=_filter_options(),
                           query=filters.query_args(), **context)


def _build(name: str, filters, object_id: int | None = None):
    actor = current_actor()
    if name == "dashboard":
        return reports.national_summary(filters, actor=actor)
    if name == "regions":
        return reports.regions_table(filters, actor=actor)
    if name == "fairness":
        return reports.fairness(filters, actor=actor)
    if name == "mobility":
        return reports.mobility(filters, actor=actor)
    if name == "trends":
        return reports.trends(filters, actor=actor)
    if name == "region" and object_id is not None:
        return reports.region_centers(filters, object_id, actor=actor)
    if name == "center" and object_id is not None:
        return reports.center_breakdown(filters, object_id, actor=actor)
    if name == "outcomes":
        return outcomes.outcomes(filters, actor=actor)
    abort(404)


@bp.get("/")
@permission_required(P.REPORTS_READ)
def dashboard():
    filters = _filters()
    report = reports.national_summary(filters, actor=current_actor())
    progress = objectives_progress(actor=current_actor())
    national = report.tables[0]
    market_chart = reports.chart(national, ["local", "regional", "international"], "bar", stacked=True)
    market_chart["labels"] = [_("Azerbaijan")]
    return _render("ministry/dashboard.html", report, filters, objectives=progress, market_chart=market_chart,
                   region_chart=_region_chart(report.tables[1]))


@bp.get("/regions")
@permission_required(P.REPORTS_READ)
def regions():
    filters = _filters()
    report = reports.regions_table(filters, actor=current_actor())
    sort, direction = request.args.get("sort") or None, request.args.get("dir", "asc")
    if direction not in ("asc", "desc"):
        flash(_("Unknown sort direction; ascending order is used."), "warning")
        direction = "asc"
    for message in reports.sort_rows(report.tables[0], sort, direction == "desc"):
        flash(str(message), "warning")
        sort = None
    return _render("ministry/regions.html", report, filters, sort=sort, direction=direction,
                   region_chart=_region_chart(report.tables[0]))


@bp.get("/regions/<int:region_id>")
@permission_required(P.REPORTS_READ)
def region_detail(region_id: int):
    filters = _filters()
    report = reports.region_centers(filters, region_id, actor=current_actor())
    return _render("ministry/region.html", report, filters)


@bp.get("/centers/<int:center_id>")
@permission_required(P.REPORTS_READ)
def center_detail(center_id: int):
    filters = _filters()
    report = reports.center_breakdown(filters, center_id, actor=current_actor())
    return _render("ministry/center.html", report, filters)


@bp.get("/fairness")
@permission_required(P.REPORTS_READ)
def fairness():
    filters = _filters()
    report = reports.fairness(filters, actor=current_actor())
    return _render("ministry/fairness.html", report, filters)


@bp.get("/mobility")
@permission_required(P.REPORTS_READ)
def mobility():
    filters = _filters()
    report = reports.mobility(filters, actor=current_actor())
    chart = reports.chart(report.tables[0], list(reports.MOBILITY_COLUMNS[1:]), "bar", stacked=True)
    return _render("ministry/mobility.html", report, filters, mobility_chart=chart)


@bp.get("/trends")
@permission_required(P.REPORTS_READ)
def trends():
    filters = _filters(default_years=2)
    report = reports.trends(filters, actor=current_actor())
    table = report.tables[0]
    return _render("ministry/trends.html", report, filters,
                   trend_chart=reports.chart(table, ["enrollments", "completions", "awards", "placements"], "line"),
                   trend_market_chart=reports.chart(table, ["local", "regional", "international"], "bar",
                                                    stacked=True))


@bp.get("/definitions")
@permission_required(P.REPORTS_READ)
def definitions():
    language = current_language()
    others = [code for code in ("az", "en", "ru") if code != language]
    return render_template("ministry/definitions.html", current=in_language(language), language=language,
                           others=[(code, in_language(code)) for code in others], count=len(DEFINITIONS))


# ---- exports and print ---------------------------------------------------------------------------

def _export_tables(name: str, filters, object_id: int | None):
    if name == "objectives":
        require(current_actor(), P.REPORTS_READ)
        return _("Objectives"), [ObjectivesTable(objectives_progress(actor=current_actor()))]
    report = _build(name, filters, object_id)
    return report.title, report.tables


def _object_id():
    raw = request.args.get("id")
    if raw is None:
        return None
    try:
        return int(raw)
    except ValueError:
        abort(404)


@bp.get("/export/<name>.<fmt>")
@permission_required(P.REPORTS_READ)
def export(name: str, fmt: str):
    if name not in PAGE_REPORTS or fmt not in FORMATS:
        abort(404)
    filters = _filters(default_years=2 if name == "trends" else 0)
    object_id = _object_id()
    title, tables = _export_tables(name, filters, object_id)
    k = int(current_app.config["SUPPRESSION_K"])
    exports.record_export(current_actor(), name, fmt, object_id, filters)
    if fmt == "csv":
        wanted = request.args.get("table")
        table = next((t for t in tables if t.name == wanted), None) if wanted else tables[0]
        if table is None:
            flash(_("Unknown table; the first table was exported."), "warning")
            table = tables[0]
        return exports.csv_response(name, table, filters)
    return exports.xlsx_report(name, title, tables, filters, k)


@bp.get("/print/<name>")
@permission_required(P.REPORTS_READ)
def print_report(name: str):
    if name not in PAGE_REPORTS:
        abort(404)
    filters = _filters(default_years=2 if name == "trends" else 0)
    object_id = _object_id()
    title, tables = _export_tables(name, filters, object_id)
    return render_template("ministry/print.html", title=title, tables=tables, filters=filters, name=name,
                           definitions=in_language(current_language()),
                           k=int(current_app.config["SUPPRESSION_K"]))


# ---- objectives ----------------------------------------------------------------------------------

def _objective_form(form: ObjectiveForm) -> ObjectiveForm:
    language = current_language()
    blank = [("", "—")]
    form.region_id.choices = blank + [(str(r.id), r.name_in(language))
                                      for r in db.session.scalars(select(Region).order_by(Region.id))]
    form.skill_id.choices = blank + [(str(s.id), s.name_in(language))
                                     for s in db.session.scalars(select(Skill).order_by(Skill.code))]
    form.sector_id.choices = blank + [(str(s.id), s.name_in(language))
                                      for s in db.session.scalars(select(Sector).order_by(Sector.code))]
    return form


@bp.get("/objectives")
@permission_required(P.REPORTS_READ)
def objectives():
    progress = objectives_progress(actor=current_actor())
    can_manage = current_actor().has(P.OBJECTIVES_MANAGE)
    return render_template("ministry/objectives.html", objectives=progress, can_manage=can_manage)


@bp.route("/objectives/new", methods=["GET", "POST"])
@permission_required(P.OBJECTIVES_MANAGE)
def objective_new():
    form = _objective_form(ObjectiveForm())
    if request.method == "GET":
        form.baseline_year.data = form.baseline_year.data or clock.today().year
        form.deadline_year.data = form.deadline_year.data or clock.today().year + 4
    if form.validate_on_submit():
        try:
            objective_services.create_objective(current_actor(), **form.values())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            return render_template("ministry/objective_form.html", form=form, objective=None), 422
        flash(_("Objective saved."), "success")
        return redirect(url_for("ministry.objectives"))
    status = 422 if request.method == "POST" else 200
    return render_template("ministry/objective_form.html", form=form, objective=None), status


@bp.route("/objectives/<int:objective_id>/edit", methods=["GET", "POST"])
@permission_required(P.OBJECTIVES_MANAGE)
def objective_edit(objective_id: int):
    objective = objective_services.get_objective(current_actor(), objective_id)
    form = _objective_form(ObjectiveForm(obj=objective if request.method == "GET" else None))
    if request.method == "GET":
        form.title.data = objective.title_az  # the Azerbaijani title, whatever the page's language
        for name in ("region_id", "skill_id", "sector_id", "gender", "market"):
            value = getattr(objective, name)
            getattr(form, name).data = "" if value is None else str(value)
    if form.validate_on_submit():
        try:
            objective_services.update_objective(current_actor(), objective_id, **form.values())
        except ValidationError as error:
            rollback_only()
            apply_errors(form, error)
            return render_template("ministry/objective_form.html", form=form, objective=objective), 422
        flash(_("Objective saved."), "success")
        return redirect(url_for("ministry.objectives"))
    status = 422 if request.method == "POST" else 200
    return render_template("ministry/objective_form.html", form=form, objective=objective), status


@bp.post("/objectives/<int:objective_id>/delete")
@permission_required(P.OBJECTIVES_MANAGE)
def objective_delete(objective_id: int):
    objective_services.delete_objective(current_actor(), objective_id)
    flash(_("Objective removed."), "success")
    return redirect(url_for("ministry.objectives"))


@bp.route("/demand")
@permission_required(P.REPORTS_READ)
def demand_page():
    """Online applications by region: applicants per seat and the funnel (issue 19)."""
    filters = _filters()
    report = demand.demand_by_region(filters, actor=current_actor())
    return render_template("ministry/demand.html", report=report, filters=filters, options=_filter_options(),
                           query=filters.query_args(), labels=demand.COLUMN_LABELS)


@bp.route("/supply-demand")
@permission_required(P.REPORTS_READ)
def supply_demand_page():
    """Certified graduates against vacancy openings by skill or ISCO major group and place (issue 20)."""
    filters = _filters()
    # The rows (by skill or occupation group; anything else: the default) are the service's rule.
    report = supply_demand.supply_demand(filters, actor=current_actor(), by=request.args.get("by"))
    return render_template("ministry/supply_demand.html", report=report, filters=filters, options=_filter_options(),
                           query=filters.query_args(), labels=supply_demand.COLUMN_LABELS, by=report.by,
                           definitions=supply_demand.definitions(current_language()))


@bp.route("/outcomes")
@permission_required(P.REPORTS_READ)
def outcomes_page():
    """Outcome indicators of the people who left training, with their definitions (issue 20)."""
    filters = _filters()
    report = outcomes.outcomes(filters, actor=current_actor())
    language = current_language()
    definitions = [(code, [(key, *texts[code]) for key, texts in OUTCOME_DEFINITIONS])
                   for code in [language] + [c for c in ("az", "en", "ru") if c != language]]
    return render_template("ministry/outcomes.html", report=report, filters=filters, options=_filter_options(),
                           query=filters.query_args(), labels=outcomes.COLUMN_LABELS, definitions=definitions)
