"""Trainees: register, update, look up. The only code that writes trainees.

Every function takes the acting :class:`~talent.permissions.Actor` first, checks the permission
and the actor's centers, validates with :mod:`talent.people.validation`, flushes (never commits)
and writes an audit event. Staff views of a trainee's record are audited as ``trainee.view``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from talent import audit
from talent.centers.queries import Page
from talent.errors import Duplicate, NotFound, PermissionDenied, ValidationError
from talent.extensions import db
from talent.geo.models import Region
from talent.people import queries
from talent.people.models import Trainee
from talent.people.validation import (FIELDS, FieldError, RegionIndex, as_id, clean_fin, clean_trainee,
                                      has_control_chars, search_name)
from talent.permissions import Actor, P, require, require_center, require_trainee

FIX_FIELDS = _l("Please correct the marked fields.")
MAX_PER_PAGE = 100


def region_index() -> RegionIndex:
    """The lookup of regions by code or name (14 rows)."""
    return RegionIndex.build(db.session.scalars(select(Region)))


def _check_center(actor: Actor, center_id: int | None) -> int | None:
    """The registering center: required for a center admin and one of theirs."""
    if center_id in ("", None):
        center_id = None
    if center_id is None:
        if actor.center_ids is not None:
            if len(actor.center_ids) == 1:
                return next(iter(actor.center_ids))
            raise ValidationError(FIX_FIELDS, fields={"center_id": str(_l("Choose one of your centers."))})
        return None
    center_id = as_id(center_id)
    if center_id is None:
        raise ValidationError(FIX_FIELDS, fields={"center_id": str(_l("Unknown center."))})
    from talent.centers.models import Center
    if db.session.get(Center, center_id) is None:
        raise ValidationError(FIX_FIELDS, fields={"center_id": str(_l("Unknown center."))})
    require_center(actor, P.TRAINEES_WRITE, center_id)
    return center_id


def create_trainee(actor: Actor, data: Mapping[str, Any], *, center_id: int | None = None,
                   today: date | None = None) -> Trainee:
    """Register a trainee. ``data`` has the import column names (``fin``, ``first_name``, …,
    ``home_region`` as a region code, name or id). A center admin registers for one of their
    centers (``registered_by_center_id``). A FIN that is already registered is a
    :class:`Duplicate` with a ``fin`` field message."""
    require(actor, P.TRAINEES_WRITE)
    center_id = _check_center(actor, center_id)
    raw = {name: data.get(name) for name in FIELDS}
    raw["home_region"] = _region_value(data)
    values, errors = clean_trainee(raw, region_index(), today=today)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    if db.session.scalar(select(Trainee.id).where(Trainee.fin == values["fin"])) is not None:
        raise Duplicate(_l("A trainee with this FIN is already registered."),
                        fields={"fin": str(_l("A trainee with this FIN is already registered; "
                                              "enroll them by FIN instead."))})
    trainee = Trainee(registered_by_center_id=center_id, **values)
    try:
        with db.session.begin_nested():   # a concurrent registration of the same FIN: a clear Duplicate
            db.session.add(trainee)
            db.session.flush()
    except IntegrityError:
        raise Duplicate(_l("A trainee with this FIN is already registered."),
                        fields={"fin": str(_l("A trainee with this FIN is already registered; "
                                              "enroll them by FIN instead."))}) from None
    audit.record(actor, "trainee.create", "trainee", trainee.id, trainee_id=trainee.id, center_id=center_id)
    return trainee


def _region_value(data: Mapping[str, Any]) -> Any:
    """Forms send ``home_region_id``; imports and the API send ``home_region`` (code or name)."""
    value = data.get("home_region")
    if value in (None, "") and data.get("home_region_id") not in (None, ""):
        region_id = as_id(data["home_region_id"])
        region = db.session.get(Region, region_id) if region_id else None
        return region.code if region else "?"
    return value


def get_trainee(actor: Actor, trainee_id: int, *, audit_view: bool = True) -> Trainee:
    """One trainee's record for staff (or the trainee themself); audited as ``trainee.view``."""
    trainee_id = as_id(trainee_id)
    if trainee_id is None:
        raise NotFound(_l("Not found."))
    require_trainee(actor, trainee_id)
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None:
        raise NotFound(_l("Not found."))
    if audit_view:
        audit.record(actor, "trainee.view", "trainee", trainee.id, trainee_id=trainee.id)
    return trainee


def update_trainee(actor: Actor, trainee_id: int, data: Mapping[str, Any], *,
                   today: date | None = None) -> Trainee:
    """Change some fields of a trainee (only the keys present in ``data``); keeps
    ``search_name`` in sync. Changing the FIN to one already registered is a Duplicate."""
    require(actor, P.TRAINEES_WRITE)
    trainee_id = as_id(trainee_id)
    if trainee_id is None:
        raise NotFound(_l("Not found."))
    require_trainee(actor, trainee_id)
    trainee = db.session.get(Trainee, trainee_id)
    if trainee is None:
        raise NotFound(_l("Not found."))
    raw = {name: data[name] for name in FIELDS if name in data}
    if "home_region" in data or "home_region_id" in data:
        raw["home_region"] = _region_value(data)
    values, errors = clean_trainee(raw, region_index(), today=today, partial=True)
    if errors:
        raise ValidationError(FIX_FIELDS, fields=errors)
    if "fin" in values and values["fin"] != trainee.fin:
        if db.session.scalar(select(Trainee.id).where(Trainee.fin == values["fin"])) is not None:
            raise Duplicate(_l("A trainee with this FIN is already registered."),
                            fields={"fin": str(_l("A trainee with this FIN is already registered."))})
    changed = sorted(k for k, v in values.items() if getattr(trainee, k) != v)
    for key in changed:
        setattr(trainee, key, values[key])
    trainee.search_name = search_name(trainee.last_name, trainee.first_name, trainee.patronymic)
    db.session.flush()
    if changed:
        audit.record(actor, "trainee.update", "trainee", trainee.id, trainee_id=trainee.id,
                     details={"fields": changed})
    return trainee


def find_by_fin(fin: str) -> Trainee | None:
    """The trainee with this FIN regardless of scope — for enrolling a known FIN (one trainee,
    one record). Callers must not show the record unless the actor may see it."""
    try:
        fin = clean_fin(fin)
    except FieldError:
        return None
    return db.session.scalar(select(Trainee).where(Trainee.fin == fin))


@dataclass
class SearchPage(Page):
    """A page of a trainee search. ``more``: counting stopped at ``total``, more trainees match."""
    more: bool = False


def search_trainees(actor: Actor, text: str, *, page: int = 1, per_page: int = 25,
                    count_cap: int | None = None) -> SearchPage:
    """Search by FIN (exact) or by name (case- and accent-insensitive) among the trainees the
    actor may see: one page of Trainee, sorted by name, and how many match — exactly, or with
    ``count_cap`` up to that many (then ``more`` is True). The search is audited (without the
    search text, which may be a FIN)."""
    if not actor.has(P.TRAINEES_READ):
        raise PermissionDenied(_l("You do not have permission to do this."))
    text = (text or "").strip()
    if not text:
        raise ValidationError(FIX_FIELDS, fields={"q": str(_l("Enter a FIN or a name."))})
    if len(text) > 200:
        raise ValidationError(FIX_FIELDS, fields={"q": str(_l("At most %(n)d characters.", n=200))})
    if has_control_chars(text):
        raise ValidationError(FIX_FIELDS, fields={"q": str(_l("The text contains characters that are not allowed."))})
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    items, total, more = queries.trainee_search_page(actor, text, page=page, per_page=per_page,
                                                     count_cap=count_cap)
    result = SearchPage(items=items, page=page, per_page=per_page, total=total, more=more)
    details = {"results": total, "more": True} if more else {"results": total}
    audit.record(actor, "trainee.search", "trainee", None, details=details,
                 trainee_ids=[trainee.id for trainee in items])
    return result
