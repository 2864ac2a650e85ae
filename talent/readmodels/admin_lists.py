"""Read model of the administration lists: catalog entries, centers and users (catalog, centers and
accounts together), filtered and sorted in SQL."""
from __future__ import annotations

from sqlalchemy import Select, func, or_, select

from talent.accounts.models import CenterAssignment, User
from talent.catalog.models import Certification, Course, Sector, Skill
from talent.centers.models import Center
from talent.i18n import az_collate
from talent.permissions import Actor, P, require

SEARCH_COLUMNS = {
    Center: ("code", "name", "city"),
    Sector: ("code", "name_az", "name_en", "name_ru"),
    Skill: ("code", "name_az", "name_en", "name_ru"),
    Certification: ("code", "name_az", "name_en"),
    Course: ("code", "title_az", "title_en"),
}


def _like(text: str) -> str:
    return text.strip().lower()


def admin_list_stmt(actor: Actor, model, *, q: str | None = None, active: str | None = None,
                    sort: str = "code", descending: bool = False, sortable: tuple[str, ...] = ("code",)) -> Select:
    """Rows of ``model`` for an admin list: search (case-insensitive substring over the
    entry's code and names), active filter ("1"/"0"), sort by an allowed column."""
    require(actor, P.CENTERS_MANAGE if model is Center else P.CATALOG_MANAGE)
    stmt = select(model)
    if q and q.strip():
        needle = _like(q)
        stmt = stmt.where(or_(*(func.lower(getattr(model, c)).contains(needle, autoescape=True)
                                for c in SEARCH_COLUMNS[model])))
    if active in ("1", "0"):
        stmt = stmt.where(model.active.is_(active == "1"))
    column = az_collate(getattr(model, sort if sort in sortable else "code"))
    return stmt.order_by(column.desc() if descending else column, az_collate(model.code))


def users_stmt(actor: Actor, *, role: str | None = None, active: str | None = None,
               center_id: int | None = None, sort: str = "email") -> Select:
    require(actor, P.USERS_MANAGE)
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    if active in ("1", "0"):
        stmt = stmt.where(User.active.is_(active == "1"))
    if center_id:
        stmt = stmt.where(User.id.in_(select(CenterAssignment.user_id)
                                      .where(CenterAssignment.center_id == center_id)))
    order = {"email": (User.email,), "role": (User.role, User.email), "-created": (User.created_at.desc(),),
             "-login": (User.last_login_at.desc(), User.email)}.get(sort, (User.email,))
    return stmt.order_by(*order, User.id)
