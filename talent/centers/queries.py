"""Reads about centers: the actor's centers, a center by its code, and a small row paginator the
list pages share. The center dashboard, which counts cohorts and enrollments, is a read model
(``talent.readmodels.center_dashboard``)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select

from talent.centers.models import Center
from talent.extensions import db
from talent.permissions import Actor, P, require, scope_centers



# ---- pagination of row queries -------------------------------------------------------------

@dataclass
class Page:
    """A page of rows, shaped like Flask-SQLAlchemy's Pagination for the ``pagination`` macro."""
    items: list[Any]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page)) if self.per_page else 1

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def iter_pages(self, left_edge: int = 2, left_current: int = 2, right_current: int = 4,
                   right_edge: int = 2):
        last = 0
        for num in range(1, self.pages + 1):
            if (num <= left_edge or self.page - left_current - 1 < num < self.page + right_current
                    or num > self.pages - right_edge):
                if last + 1 != num:
                    yield None
                yield num
                last = num


def page_number(raw: Any) -> int:
    try:
        return max(1, min(int(raw), 100000))
    except (TypeError, ValueError):
        return 1


def paginate_rows(stmt: Select, page: int, per_page: int = 25) -> Page:
    """Count and fetch one page of ``stmt`` (which must already be ordered)."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    page = max(1, page)
    rows = list(db.session.execute(stmt.limit(per_page).offset((page - 1) * per_page)).all())
    return Page(items=rows, page=page, per_page=per_page, total=total)


def my_centers(actor: Actor, *, include_inactive: bool = False) -> list[Center]:
    require(actor, P.CENTERS_READ)
    stmt = select(Center).order_by(Center.code)
    if not include_inactive:
        stmt = stmt.where(Center.active.is_(True))
    return list(db.session.scalars(scope_centers(stmt, actor, Center.id)))


def center_by_code(raw: object) -> Center | None:
    """The center with this code however it was typed ("baku1", " BAKU1 "); codes are stored in
    capitals. The one lookup by code for every interface."""
    code = str(raw or "").strip().upper()
    if not code:
        return None
    return db.session.scalar(select(Center).where(Center.code == code))
