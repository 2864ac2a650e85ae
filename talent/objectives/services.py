"""Workforce objectives: the ministry creates, changes and removes targets. The only writers of
:class:`~talent.objectives.models.Objective`."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask_babel import lazy_gettext as _l

from talent import audit
from talent.catalog.models import Sector, Skill
from talent.errors import NotFound, ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.objectives.models import (MARKET_METRICS, METRICS, OBJECTIVE_GENDERS, OBJECTIVE_MARKETS, SCOPES,
                                      Objective)
from talent.permissions import P, Actor, require
from talent.validation import parse_int

RATE_METRICS = ("completion_rate", "certification_rate", "placement_rate", "employment_q2_rate",
                "employment_q4_rate", "credential_rate")
FIRST_YEAR, LAST_YEAR = 2000, 2100
SCOPE_FIELDS = {"region": ("region_id", Region), "skill": ("skill_id", Skill), "sector": ("sector_id", Sector)}


def _decimal(value: Any) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip().replace(",", "."))
    except (InvalidOperation, ValueError):
        return None
    return number if number.is_finite() else None


def _validated(values: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    title = " ".join(str(values.get("title") or "").split())
    if not title:
        errors["title"] = _l("Give the objective a title.")
    elif len(title) > 200:
        errors["title"] = _l("At most 200 characters.")
    out["title"] = title
    for name in ("title_en", "title_ru"):  # optional translations of the title
        text = " ".join(str(values.get(name) or "").split())
        if len(text) > 200:
            errors[name] = _l("At most 200 characters.")
        out[name] = text or None
    metric = values.get("metric")
    if metric not in METRICS:
        errors["metric"] = _l("Choose a metric from the list.")
    out["metric"] = metric
    scope = values.get("scope")
    if scope not in SCOPES:
        errors["scope"] = _l("Choose a scope from the list.")
    out["scope"] = scope
    for name, (field, model) in SCOPE_FIELDS.items():
        out[field] = None
        if scope == name:
            ref = parse_int(values.get(field))
            if ref is None or db.session.get(model, ref) is None:
                errors[field] = _l("Choose the %(scope)s this objective is about.", scope=name)
            else:
                out[field] = ref
    gender = str(values.get("gender") or "").strip().upper() or None
    if gender is not None and gender not in OBJECTIVE_GENDERS:
        errors["gender"] = _l("Choose women, men or everyone.")
    out["gender"] = gender
    market = str(values.get("market") or "").strip().lower() or None
    if market is not None and market not in OBJECTIVE_MARKETS:
        errors["market"] = _l("Choose the local, regional or international market, or any market.")
    elif market is not None and metric in METRICS and metric not in MARKET_METRICS:
        errors["market"] = _l("A market applies only to placements and to the employment and pay indicators.")
    out["market"] = market
    target = _decimal(values.get("target_value"))
    baseline = _decimal(values.get("baseline_value") if values.get("baseline_value") not in (None, "") else 0)
    for name, number in (("target_value", target), ("baseline_value", baseline)):
        if number is None:
            errors[name] = _l("Enter a number.")
        elif number < 0:
            errors[name] = _l("Must not be negative.")
        elif number >= Decimal("1e10"):
            errors[name] = _l("Too large.")
        elif metric in RATE_METRICS and number > 100:
            errors[name] = _l("A rate is a percentage from 0 to 100.")
    out["target_value"], out["baseline_value"] = target, baseline
    baseline_year, deadline_year = parse_int(values.get("baseline_year")), parse_int(values.get("deadline_year"))
    for name, year in (("baseline_year", baseline_year), ("deadline_year", deadline_year)):
        if year is None or not FIRST_YEAR <= year <= LAST_YEAR:
            errors[name] = _l("Enter a year between %(first)s and %(last)s.", first=FIRST_YEAR, last=LAST_YEAR)
    if baseline_year and deadline_year and "baseline_year" not in errors and "deadline_year" not in errors \
            and deadline_year < baseline_year:
        errors["deadline_year"] = _l("The deadline year cannot be before the baseline year.")
    out["baseline_year"], out["deadline_year"] = baseline_year, deadline_year
    if errors:
        raise ValidationError(_l("Please correct the marked fields."), fields=errors)
    return out


def _details(objective: Objective) -> dict[str, Any]:
    return {"title": objective.title_az, "title_en": objective.title_en, "title_ru": objective.title_ru,
            "metric": objective.metric, "scope": objective.scope,
            "region_id": objective.region_id, "skill_id": objective.skill_id, "sector_id": objective.sector_id,
            "gender": objective.gender, "market": objective.market,
            "target_value": str(objective.target_value), "baseline_value": str(objective.baseline_value),
            "baseline_year": objective.baseline_year, "deadline_year": objective.deadline_year}


def create_objective(actor: Actor, **values: Any) -> Objective:
    """Create an objective. Fields: title, metric, scope, region_id / skill_id / sector_id (the
    one the scope names), gender (F, M or none: everyone), market (local, regional, international or
    none; only for placed and the employment and pay indicators), target_value, baseline_value
    (default 0), baseline_year, deadline_year."""
    require(actor, P.OBJECTIVES_MANAGE)
    clean = _validated(values)
    objective = Objective(created_by_id=actor.user_id, **clean)
    db.session.add(objective)
    db.session.flush()
    audit.record(actor, "objective.create", "objective", objective.id, details=_details(objective))
    return objective


def get_objective(actor: Actor, objective_id: int) -> Objective:
    require(actor, P.REPORTS_READ)
    objective = db.session.get(Objective, objective_id)
    if objective is None:
        raise NotFound(_l("Not found."))
    return objective


def update_objective(actor: Actor, objective_id: int, **values: Any) -> Objective:
    require(actor, P.OBJECTIVES_MANAGE)
    objective = get_objective(actor, objective_id)
    clean = _validated(values)
    before = _details(objective)
    for name, value in clean.items():
        setattr(objective, name, value)
    db.session.flush()
    audit.record(actor, "objective.update", "objective", objective.id,
                 details={"before": before, "after": _details(objective)})
    return objective


def objective_values(objective: Objective) -> dict[str, Any]:
    """The objective in the fields :func:`create_objective` takes."""
    return {"title": objective.title_az, "title_en": objective.title_en, "title_ru": objective.title_ru,
            "metric": objective.metric, "scope": objective.scope, "region_id": objective.region_id,
            "skill_id": objective.skill_id, "sector_id": objective.sector_id, "gender": objective.gender,
            "market": objective.market, "target_value": objective.target_value,
            "baseline_value": objective.baseline_value, "baseline_year": objective.baseline_year,
            "deadline_year": objective.deadline_year}


def change_objective(actor: Actor, objective_id: int, **changes: Any) -> Objective:
    """Change some fields of an objective (the API's PATCH): the others keep their values, and the
    whole objective is checked by the same rules as a new one (a market with a count metric is
    refused whichever of the two was changed)."""
    require(actor, P.OBJECTIVES_MANAGE)
    objective = get_objective(actor, objective_id)
    return update_objective(actor, objective_id, **(objective_values(objective) | changes))


def delete_objective(actor: Actor, objective_id: int) -> None:
    require(actor, P.OBJECTIVES_MANAGE)
    objective = get_objective(actor, objective_id)
    details = _details(objective)
    db.session.delete(objective)
    db.session.flush()
    audit.record(actor, "objective.delete", "objective", objective_id, details=details)
