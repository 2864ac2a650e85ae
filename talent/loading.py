"""One way to load a record by id for an actor: ``load(actor, Model, id, perm)``.

Every interface (web views, API resources, CLI commands) and the services' own ``get_*`` use it,
so loading and authorising a record answers the same everywhere:

- **403** (``PermissionDenied``) only when the actor's role lacks ``perm`` entirely;
- **404** (``NotFound``) for an id that is not a valid id, a record that does not exist, and a
  record of another center (its existence is not revealed), or one ``visible`` refuses.

The record's center is its ``center_id`` unless ``center=`` says how to reach it (an enrollment
through its cohort, a center is its own; ``UNSCOPED`` for a record reached otherwise, such as a
trainee, with ``visible``); a model with neither has no center to check. It sits
in the core (below the domains, above ``talent.permissions``) and knows no domain model.
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent.errors import NotFound
from talent.extensions import db
from talent.permissions import Actor, P, require

T = TypeVar("T")
INT_MAX = 2_147_483_647
_NO_CENTER = object()


def UNSCOPED(_obj: Any) -> object:
    """``center=UNSCOPED``: the record has no one center (a trainee, seen by every center that
    registered or enrolled them); ``visible`` decides instead."""
    return _NO_CENTER


def record_id(value: Any) -> int | None:
    """A positive database id from an int or a string of digits, else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        value = value.strip()
        # ASCII digits only: str.isdigit() also accepts "²" and "①", which int() refuses.
        if not (value.isascii() and value.isdecimal()) or len(value) > 10:
            return None
        value = int(value)
    if not isinstance(value, int) or not 1 <= value <= INT_MAX:
        return None
    return value


def not_found() -> NotFound:
    return NotFound(_l("Not found."))


def load(actor: Actor, model: type[T], id_: Any, perm: P | None, *,
         center: Callable[[T], int | None] | None = None,
         visible: Callable[[T], bool] | None = None, lock: bool = False) -> T:
    """The ``model`` row with id ``id_`` if ``actor`` may use ``perm`` on it.

    ``perm`` None: any actor of the interface may read it (catalog entries). ``lock`` locks the
    row for the rest of the transaction (PostgreSQL ``FOR UPDATE``)."""
    if perm is not None:
        require(actor, perm)
    rid = record_id(id_)
    if rid is None:
        raise not_found()
    if lock:
        stmt = (select(model).where(model.id == rid).with_for_update(of=model)  # type: ignore[attr-defined]
                .execution_options(populate_existing=True))
        obj = db.session.scalar(stmt)
    else:
        obj = db.session.get(model, rid)
    if obj is None:
        raise not_found()
    center_id = center(obj) if center is not None else getattr(obj, "center_id", _NO_CENTER)
    if center_id is not _NO_CENTER and not actor.covers_center(center_id):
        raise not_found()
    if visible is not None and not visible(obj):
        raise not_found()
    return obj
