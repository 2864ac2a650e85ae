"""Ministry reports: the same published aggregates as the ministry pages (the cell-key method of
docs/disclosure.md: counts perturbed consistently, published values below k shown as "<k", rates
from published counts). Never a row about a person, never a raw count beside a cell."""
from __future__ import annotations

from flask import Response

from talent.api.core import api_actor, operation
from talent.api.schema import F, Schema
from talent.api.blueprint import bp
from talent.catalog.models import LEVELS
from talent.errors import ValidationError
from talent.objectives import services as objective_services
from talent.objectives.models import METRICS as OBJECTIVE_METRICS, OBJECTIVE_GENDERS, OBJECTIVE_MARKETS, SCOPES as OBJECTIVE_SCOPES
from talent.readmodels.objectives import objectives_progress, progress as objective_progress
from talent.reporting import demand, outcomes, reports, supply_demand
from talent.reporting.periods import parse_filters

ReportQuery = Schema("ReportQuery", {
    "period": F.enum_of(("year", "quarter", "custom"), description="Default: inferred from the other fields."),
    "year": F.integer(minimum=1900, maximum=2200),
    "quarter": F.integer(minimum=1, maximum=4),
    "start": F.date(description="With period=custom."),
    "end": F.date(description="With period=custom."),
    "skill": F.string(max_length=40, description="Skill code."),
    "sector": F.string(max_length=40, description="Sector code."),
    "level": F.enum_of(LEVELS),
}, register=False)

Cell = Schema("ReportCell", {
    "value": F.number(required=True, nullable=True,
                      description="The published value (counts are perturbed, docs/disclosure.md); null when "
                                  "withheld or not computable."),
    "suppressed": F.string(required=True, nullable=True, description="What is shown instead, e.g. '<5'."),
    "status": F.string(required=True),
}, description="One figure of a report.")
ReportTable = Schema("ReportTable", {
    "name": F.string(required=True),
    "title": F.string(required=True),
    "columns": F.array(F.string(), required=True),
    "rows": F.array(F("object", description="Key fields (label, ids) and one ReportCell per column."),
                    required=True),
    "total": F("object", required=True, nullable=True),
    "suppression_k": F.integer(required=True, minimum=1),
})
ReportOut = Schema("Report", {
    "report": F.string(required=True),
    "filters": F("object", required=True, description="The period and filters applied."),
    "suppression_k": F.integer(required=True, nullable=True),
    "tables": F.array(ReportTable, required=True),
}, description="Published aggregates (cell-key method), exactly as on the ministry pages.")
ObjectiveOut = Schema("ObjectiveProgress", {
    "id": F.integer(required=True),
    "title": F.string(required=True),
    "metric": F.string(required=True),
    "scope": F.string(required=True),
    "scope_name": F.string(required=True),
    "gender": F.string(required=True, nullable=True, description="F (women), M (men) or null (everyone)."),
    "market": F.string(required=True, nullable=True,
                       description="local, regional, international or null (any market)."),
    "target_value": F.number(required=True),
    "baseline_value": F.number(required=True),
    "baseline_year": F.integer(required=True, nullable=True),
    "deadline_year": F.integer(required=True),
    "current": F.object(Cell, required=True),
    "projected": F.number(required=True, nullable=True),
    "progress_pct": F.number(required=True, nullable=True),
    "status": F.string(required=True),
})


def _filters(query):
    raw = {k: (v.isoformat() if hasattr(v, "isoformat") else str(v)) for k, v in query.items() if v is not None}
    filters, messages = parse_filters(raw)
    if messages:
        raise ValidationError("; ".join(str(m) for m in messages),
                              fields={"filters": "; ".join(str(m) for m in messages)})
    return filters


def _report(fn, query, **kw):
    actor = api_actor()
    return fn(_filters(query), actor=actor, **kw).as_json()


_TAGS = ["Reports"]


@operation(bp, "/reports/national", summary="National summary", tags=_TAGS, query=ReportQuery, response=ReportOut)
def report_national(query):
    return _report(reports.national_summary, query)


@operation(bp, "/reports/regions", summary="Regions table", tags=_TAGS, query=ReportQuery, response=ReportOut)
def report_regions(query):
    return _report(reports.regions_table, query)


@operation(bp, "/reports/regions/{region_id}", summary="One region's centers", tags=_TAGS, query=ReportQuery,
           response=ReportOut)
def report_region(region_id: int, query):
    return _report(reports.region_centers, query, region_id=region_id)


@operation(bp, "/reports/fairness", summary="Fairness gaps", tags=_TAGS, query=ReportQuery, response=ReportOut)
def report_fairness(query):
    return _report(reports.fairness, query)


@operation(bp, "/reports/mobility", summary="Mobility of graduates", tags=_TAGS, query=ReportQuery,
           response=ReportOut)
def report_mobility(query):
    return _report(reports.mobility, query)


@operation(bp, "/reports/trends", summary="Quarterly trends", tags=_TAGS, query=ReportQuery, response=ReportOut)
def report_trends(query):
    return _report(reports.trends, query)


@operation(bp, "/reports/objectives", summary="Progress against the workforce objectives", tags=_TAGS,
           response=ObjectiveOut, response_list=True)
def report_objectives():
    return [p.as_json() for p in objectives_progress(actor=api_actor())]


@operation(bp, "/reports/applications", summary="Demand for training by region (online applications)",
           tags=_TAGS, query=ReportQuery, response=ReportOut,
           description="Applications to cohorts starting in the period, applicants, seats, applicants per seat "
                       "and the funnel accepted → enrolled → completed → certified → placed, by the region of "
                       "the center (published cells only, docs/disclosure.md).")
def report_applications(query):
    return demand.demand_by_region(_filters(query), actor=api_actor()).as_json()


SupplyDemandQuery = Schema("SupplyDemandQuery", {
    **ReportQuery.fields,
    "by": F.enum_of(supply_demand.BY, default=supply_demand.DEFAULT_BY,
                    description="Rows by skill, or by ISCO-08 major group (the first digit of the occupation code)."),
}, register=False)


@operation(bp, "/reports/supply-demand", summary="Supply against demand by skill or occupation group and place",
           tags=_TAGS, query=SupplyDemandQuery, response=ReportOut,
           description="Certified graduates of the period (by home region) against the openings of the vacancies "
                       "posted here (by region, or country for work abroad), the gap, the median days from the end "
                       "of the course to the first job and the share placed into vacancies posted here (published "
                       "cells only, docs/disclosure.md).")
def report_supply_demand(query):
    return supply_demand.supply_demand(_filters(query), actor=api_actor(), by=query.pop("by", None)).as_json()


@operation(bp, "/reports/outcomes", summary="Outcome indicators of the people who left training",
           tags=_TAGS, query=ReportQuery, response=ReportOut,
           description="Exits (completed, failed, withdrawn) of the period; employment rate in the 2nd and 4th "
                       "quarter after the exit quarter, median monthly pay in the 2nd (AZN), credential attainment "
                       "within a year of exit; one table each by region, center, course level, gender and market "
                       "(published cells only; a median of fewer than k people is withheld; docs/disclosure.md).")
def report_outcomes(query):
    return outcomes.outcomes(_filters(query), actor=api_actor()).as_json()


# ---- objectives (issue 20: any figure, any group and market) ----------------------------------------

_ID = dict(nullable=True, minimum=1, maximum=2**31 - 1)
ObjectiveIn = Schema("ObjectiveIn", {
    "title": F.string(required=True, min_length=1, max_length=200, description="In Azerbaijani."),
    "title_en": F.string(nullable=True, max_length=200),
    "title_ru": F.string(nullable=True, max_length=200),
    "metric": F.enum_of(OBJECTIVE_METRICS, required=True,
                        description="A count, a rate, or an outcome indicator (employment_q2_rate, "
                                    "employment_q4_rate, median_pay_q2 in AZN, credential_rate)."),
    "scope": F.enum_of(OBJECTIVE_SCOPES, required=True),
    "region_id": F.integer(**_ID, description="With scope=region."),
    "skill_id": F.integer(**_ID, description="With scope=skill."),
    "sector_id": F.integer(**_ID, description="With scope=sector."),
    "gender": F.enum_of(OBJECTIVE_GENDERS, nullable=True, description="F (women), M (men); omitted: everyone."),
    "market": F.enum_of(OBJECTIVE_MARKETS, nullable=True,
                        description="Only with placed and the employment and pay indicators; omitted: any."),
    "target_value": F.number(required=True, minimum=0),
    "baseline_value": F.number(minimum=0),
    "baseline_year": F.integer(required=True, minimum=2000, maximum=2100),
    "deadline_year": F.integer(required=True, minimum=2000, maximum=2100),
})


@operation(bp, "/objectives", "POST", summary="Create a workforce objective (ministry)", tags=_TAGS,
           body=ObjectiveIn, response=ObjectiveOut, status=201,
           description="The same rules as the ministry's form: a market only with placed and the employment and "
                       "pay indicators, rates from 0 to 100, the scope's region, skill or sector required.")
def create_objective(body):
    actor = api_actor()
    objective = objective_services.create_objective(actor, **body)
    return objective_progress(objective).as_json()


@operation(bp, "/objectives/{objective_id}", summary="A workforce objective and its progress", tags=_TAGS,
           response=ObjectiveOut)
def get_objective(objective_id: int):
    return objective_progress(objective_services.get_objective(api_actor(), objective_id)).as_json()


@operation(bp, "/objectives/{objective_id}", "PATCH", summary="Change a workforce objective (ministry)", tags=_TAGS,
           body=ObjectiveIn.partial(), response=ObjectiveOut,
           description="Only the fields given change; the whole objective is then checked by the rules of "
                       "POST /objectives (e.g. a market set earlier is refused when the metric becomes a count).")
def update_objective(objective_id: int, body):
    objective = objective_services.change_objective(api_actor(), objective_id, **body)
    return objective_progress(objective).as_json()


@operation(bp, "/objectives/{objective_id}", "DELETE", summary="Delete a workforce objective (ministry)",
           tags=_TAGS, status=204, description="Audited with the objective's fields.")
def delete_objective(objective_id: int):
    objective_services.delete_objective(api_actor(), objective_id)
    return Response(status=204)
