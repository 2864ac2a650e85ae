"""Read model of the trainee list: the trainees of the actor's centers filtered by their enrollments
(people and learning together), and a trainee's enrollments as a center sees them."""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import selectinload

from talent import audit
from talent.errors import PermissionDenied, ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.learning.models import ENROLLMENT_STATUSES, Cohort, Enrollment
from talent.people import queries
from talent.people.models import Trainee
from talent.people.services import FIX_FIELDS, MAX_PER_PAGE, SearchPage, clean_query
from talent.permissions import Actor, P, scope_centers
from talent.validation import as_id


def list_conditions(actor: Actor, *, cohort_id: int | None = None, status: str | None = None,
                    region_id: int | None = None) -> list[ColumnElement[bool]]:
    """Filters of the trainee list: enrolled in a cohort, with an enrollment in a status (in that
    cohort, else at the actor's centers), from a home region. The caller checks the cohort is
    one the actor may read."""
    conditions: list[ColumnElement[bool]] = []
    if cohort_id is not None or status is not None:
        enrolled = select(Enrollment.trainee_id)
        if cohort_id is not None:
            enrolled = enrolled.where(Enrollment.cohort_id == cohort_id)
        elif actor.center_ids is not None:
            enrolled = enrolled.join(Cohort, Cohort.id == Enrollment.cohort_id).where(
                Cohort.center_id.in_(sorted(actor.center_ids) or [-1]))
        if status is not None:
            enrolled = enrolled.where(Enrollment.status == status)
        conditions.append(Trainee.id.in_(enrolled))
    if region_id is not None:
        conditions.append(Trainee.home_region_id == region_id)
    return conditions


def list_trainees(actor: Actor, *, text: Any = None, cohort_id: Any = None, status: Any = None,
                  region_id: Any = None, page: int = 1, per_page: int = 25,
                  count_cap: int | None = None) -> SearchPage:
    """The trainees of the actor's centers (everyone's for an administrator), sorted by name, one
    page at a time: optionally only those a search ``text`` finds (FIN or name, as
    :func:`talent.people.services.search_trainees`), enrolled in a cohort (one the actor may read),
    with an enrollment in a status, or from a home region. Bad filters name their field. Audited like the search
    (without the text), and each trainee shown as viewed in a list."""
    if not actor.has(P.TRAINEES_READ):
        raise PermissionDenied(_l("You do not have permission to do this."))
    errors: dict[str, str] = {}
    if text is not None:
        try:
            text = clean_query(text)
        except ValidationError as error:
            errors.update(error.fields)
    cohort = None
    if cohort_id not in (None, ""):
        cohort = db.session.get(Cohort, as_id(cohort_id)) if as_id(cohort_id) is not None else None
        if cohort is None or not actor.covers_center(cohort.center_id):
            errors["cohort_id"] = str(_l("Choose a cohort of your centers from the list."))
    if status in ("", None):
        status = None
    elif status not in ENROLLMENT_STATUSES:
        errors["status"] = str(_l("Choose a status from the list."))
    region = None
    if region_id not in (None, ""):
        region = db.session.get(Region, as_id(region_id)) if as_id(region_id) is not None else None
        if region is None:
            errors["region_id"] = str(_l("Choose a region from the list."))
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    extra = list_conditions(actor, cohort_id=cohort.id if cohort else None, status=status,
                                    region_id=region.id if region else None)
    items, total, more = queries.trainee_search_page(actor, text, page=page, per_page=per_page,
                                                     count_cap=count_cap, extra=extra)
    filters = {k: v for k, v in (("cohort_id", cohort.id if cohort else None), ("status", status),
                                 ("region_id", region.id if region else None)) if v is not None}
    details: dict[str, Any] = {"results": total, "list": True, "text": text is not None}
    if more:
        details["more"] = True
    if filters:
        details["filters"] = filters
    # Names, FINs and birth dates of the trainees shown: each trainee can see who found them in a
    # search (the event's linked trainees) or listed them (one event each).
    audit.record(actor, "trainee.search", "trainee", None, details=details,
                 trainee_ids=[trainee.id for trainee in items] if text else None)
    if not text:
        for trainee in items:
            audit.record(actor, "trainee.view_list", "trainee", trainee.id, trainee_id=trainee.id,
                         details={"page": "trainees"})
    return SearchPage(items=items, page=page, per_page=per_page, total=total, more=more)


def trainee_enrollments(trainee_id: int, actor: Actor | None = None):
    """A trainee's enrollments with their cohorts, courses and centers (newest first). For a
    center administrator only those at their centers: what other centers recorded (their
    enrollments, scores) stays theirs."""
    stmt = (select(Enrollment).join(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Enrollment.trainee_id == trainee_id)
            .options(selectinload(Enrollment.cohort))
            .order_by(Cohort.start_date.desc(), Enrollment.id.desc()))
    if actor is not None:
        stmt = scope_centers(stmt, actor, Cohort.center_id)
    return list(db.session.scalars(stmt))
