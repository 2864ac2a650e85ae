"""Training centers: the only code that writes them (admins create, edit, deactivate).

A deactivated center keeps its cohorts, trainees and history; it is simply no longer offered for
new cohorts. Centers are never deleted.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from talent import audit
from talent.catalog.services import FieldChecker, apply_changes, get_or_404, check_unique_code, merged
from talent.centers.models import Center
from talent.extensions import db
from talent.geo.models import Region
from talent.permissions import Actor, P, require

CENTER_FIELDS = ("code", "name", "region_id", "city", "address", "capacity")


def _clean_center(c: FieldChecker) -> None:
    c.code(max_len=32)
    c.text("name", 200)
    c.reference("region_id", Region, active_only=False)
    c.text("city", 120)
    c.text("address", 300, required=False)
    c.integer("capacity", 1, 100000)


def _save(actor: Actor, fields: dict[str, Any], center_id: Any = None) -> Center:
    require(actor, P.CENTERS_MANAGE)
    center = get_or_404(Center, center_id) if center_id is not None else None
    checker = FieldChecker(merged(center, fields, CENTER_FIELDS) if center else fields, CENTER_FIELDS)
    _clean_center(checker)
    checker.raise_if_errors()
    values = checker.values
    check_unique_code(Center, values["code"], center.id if center else None)
    if center is None:
        center = Center(**values)
        db.session.add(center)
        changed = sorted(values)
    else:
        changed = apply_changes(center, values)
    db.session.flush()
    audit.record(actor, "center.create" if center_id is None else "center.update", "center", center.id,
                 center_id=center.id, details={"code": center.code, "changed": changed})
    return center


def create_center(actor: Actor, **fields) -> Center:
    return _save(actor, fields)


def update_center(actor: Actor, center_id: int, **fields) -> Center:
    return _save(actor, fields, center_id)


def set_center_active(actor: Actor, center_id: int, active: bool) -> Center:
    require(actor, P.CENTERS_MANAGE)
    center = get_or_404(Center, center_id)
    if center.active != bool(active):
        center.active = bool(active)
        db.session.flush()
        audit.record(actor, "center.activate" if active else "center.deactivate", "center", center.id,
                     center_id=center.id)
    return center


def active_centers() -> list[Center]:
    return list(db.session.scalars(select(Center).where(Center.active.is_(True)).order_by(Center.code)))
