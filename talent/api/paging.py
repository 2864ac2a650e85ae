"""Pagination (``limit``/``page``, ``total`` counted in SQL) and sorting by a documented field."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from sqlalchemy import Select, func, select

from talent.api.schema import F, SCHEMAS, Schema
from talent.extensions import db
from talent.i18n import az_collate

MAX_LIMIT = 500
DEFAULT_LIMIT = 50

PAGE_FIELDS = {
    "limit": F.integer(minimum=1, maximum=MAX_LIMIT, default=DEFAULT_LIMIT,
                       description="Items per page (1-500)."),
    "page": F.integer(minimum=1, maximum=1_000_000, default=1, description="Page number, from 1."),
}


def page_schema(item: Schema) -> Schema:
    name = f"{item.name}Page"
    if name in SCHEMAS:
        return SCHEMAS[name]
    return Schema(name, {
        "items": F.array(item, required=True),
        "page": F.integer(required=True, minimum=1),
        "limit": F.integer(required=True, minimum=1, maximum=MAX_LIMIT),
        "total": F.integer(required=True, minimum=0),
        "next_page": F.integer(required=True, nullable=True, minimum=2),
    }, description=f"One page of {item.name} items.")


def paginate(stmt: Select, serialize: Callable[[Any], dict], query: dict[str, Any], *,
             scalars: bool = True) -> dict[str, Any]:
    """Run ``stmt`` for the requested page; ``total`` is counted in SQL."""
    limit, page = query.get("limit", DEFAULT_LIMIT), query.get("page", 1)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    paged = stmt.limit(limit).offset((page - 1) * limit)
    rows = db.session.scalars(paged).unique().all() if scalars else db.session.execute(paged).all()
    return {"items": [serialize(row) for row in rows], "page": page, "limit": limit, "total": total,
            "next_page": page + 1 if page * limit < total else None}


def apply_sort(stmt: Select, sort: str | None, columns: dict[str, Any], default: str, tiebreak) -> Select:
    """``sort`` is a documented field name, ``-name`` for descending."""
    sort = sort or default
    descending = sort.startswith("-")
    column = az_collate(columns[sort.lstrip("-")])  # names in Azerbaijani order (Ə after E)
    return stmt.order_by(column.desc() if descending else column.asc(), tiebreak)


def sort_field(columns: Iterable[str], default: str) -> F:
    values = []
    for name in columns:
        values += [name, f"-{name}"]
    return F.enum_of(values, default=default, description="Sort by a field; prefix '-' for descending.")
