"""Trainees: register, update, look up. The only code that writes trainees.

Every function takes the acting :class:`~talent.permissions.Actor` first, checks the permission
and the actor's centers, validates with :mod:`talent.people.validation`, flushes (never commits)
and writes an audit event. Staff views of a trainee's record are audited as ``trainee.view``.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Mapping, Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from limits import parse_many
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from talent import audit, clock
from talent.centers.queries import Page
from talent.centers.models import Center
from talent.errors import Duplicate, NotFound, PermissionDenied, ValidationError
from talent.extensions import db, limiter
from talent.geo.models import Region
from talent.people import membership, queries
from talent.people.models import Trainee, TraineeSearch
from talent.people.validation import (FIELDS, FieldError, RegionIndex, as_id, clean_fin, clean_trainee,
                                      has_control_chars, same_person_name, search_name)
from talent.permissions import Actor, P, require, require_center, require_trainee

FIX_FIELDS = _l("Please correct the marked fields.")
ANOTHER_PERSON = _l("This FIN belongs to another person.")
MAX_PER_PAGE = 100
FIN_LOOKUPS_LIMITED = _l("You have entered too many FINs that are already registered. For the privacy of the "
                         "people they belong to, registering and editing trainees is paused for a while: try again "
                         "later, or enroll a registered person into a cohort with their FIN and birth date.")


class KnownFin(Duplicate):
    """The answer "this FIN is already registered" to registering a trainee or changing one's FIN.
    It tells that a FIN exists (an enumeration oracle), so it is audited (``trainee.fin_known``,
    flushed: the interface commits it before answering) and the interfaces limit how often one
    account (API token) or address gets it (``FIN_LOOKUP_RATE_LIMIT``, :func:`fin_lookup_limit`)."""


def fin_lookup_limit() -> str:
    return current_app.config.get("FIN_LOOKUP_RATE_LIMIT") or "20 per hour;60 per day"


# The one budget of "this FIN is registered" answers, per account (API token) and per address:
# the register and edit forms and API calls (a shared Flask-Limiter scope) and the import preview
# (:func:`spend_fin_lookups`, several answers at once) all spend from it.
FIN_LOOKUP_SCOPE = "fin-known"


def spend_fin_lookups(keys: Sequence[str], count: int) -> bool:
    """Spend ``count`` answers that tell a FIN is registered from the :func:`fin_lookup_limit`
    budget of each of ``keys`` (an account's, an address's: the keys the interfaces limit the
    forms by). All or nothing: when any budget cannot take ``count`` more, nothing is spent and the
    answer is False. (Two requests at the same instant may both pass the check: the budget is a
    brake on enumeration, not an exact quota.)"""
    if count <= 0 or not limiter.enabled:
        return True
    strategy = limiter.limiter
    prefix = [limiter._key_prefix] if limiter._key_prefix else []
    buckets = [(item, [*prefix, key, FIN_LOOKUP_SCOPE]) for key in keys for item in parse_many(fin_lookup_limit())]
    if not all(strategy.test(item, *args, cost=count) for item, args in buckets):
        return False
    for item, args in buckets:
        strategy.hit(item, *args, cost=count)
    return True


def fin_lookups_limited_message() -> str:
    return str(FIN_LOOKUPS_LIMITED)


def _audit_known_fin(actor: Actor, known: Trainee, center_id: int | None, **details: Any) -> None:
    audit.record(actor, "trainee.fin_known", "trainee", known.id, trainee_id=known.id, center_id=center_id,
                 details=details)
    db.session.flush()


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
    known = db.session.scalar(select(Trainee).where(Trainee.fin == values["fin"]))
    if known is not None:
        _refuse_known_fin(actor, known, values, center_id)
    trainee = Trainee(registered_by_center_id=center_id, **values)
    try:
        with db.session.begin_nested():   # a concurrent registration of the same FIN: a clear Duplicate
            db.session.add(trainee)
            db.session.flush()
    except IntegrityError:
        raise Duplicate(_l("A trainee with this FIN is already registered."),
                        fields={"fin": str(_l("A trainee with this FIN is already registered; "
                                              "enroll them by FIN instead."))}) from None
    membership.add(trainee.id, center_id)
    audit.record(actor, "trainee.create", "trainee", trainee.id, trainee_id=trainee.id, center_id=center_id)
    return trainee


def _refuse_known_fin(actor: Actor, known: Trainee, values: Mapping[str, Any], center_id: int | None) -> None:
    """Registering a FIN that is already registered (one person, one record). Only when the birth
    date and the name are the recorded ones does the answer say that this person is registered
    (then the center enrolls them with FIN and birth date); otherwise the FIN belongs to another
    person, and nothing about that person is told. Either answer tells that the FIN exists: it is
    audited, and limited by the interfaces (:class:`KnownFin`)."""
    same = (known.birth_date == values.get("birth_date") and same_person_name(
        (known.first_name, known.last_name, known.patronymic),
        (values.get("first_name"), values.get("last_name"), values.get("patronymic"))))
    _audit_known_fin(actor, known, center_id, same_person=same, via="register")
    if not same:
        raise KnownFin(ANOTHER_PERSON, fields={"fin": str(_l(
            "This FIN belongs to another person. Check the FIN and the birth date against the ID card."))})
    raise KnownFin(_l("This person is already registered."),
                    fields={"fin": str(_l("This person is already registered: enroll them into a cohort with "
                                          "their FIN and birth date."))})


def registering_center_seen_by(actor: Actor, trainee: Trainee) -> int | None:
    """The center that registered ``trainee``, as ``actor`` may know it (DESIGN §3 "a center sees
    what concerns it"): a center administrator learns it only when it is one of their centers (a
    center that enrolled a person by proof must not learn which other center registered them);
    an administrator and the trainee themself see it; otherwise None."""
    return trainee.registered_by_center_id if actor.covers_center(trainee.registered_by_center_id) else None


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
        known = db.session.scalar(select(Trainee).where(Trainee.fin == values["fin"]))
        if known is not None:
            _audit_known_fin(actor, known, trainee.registered_by_center_id, same_person=False, via="edit",
                             edited_trainee_id=trainee.id)
            raise KnownFin(_l("A trainee with this FIN is already registered."),
                            fields={"fin": str(_l("A trainee with this FIN is already registered."))})
    changed = sorted(k for k, v in values.items() if getattr(trainee, k) != v)
    for key in changed:
        setattr(trainee, key, values[key])
    trainee.search_name = search_name(trainee.last_name, trainee.first_name, trainee.patronymic)
    db.session.flush()
    membership.rename(trainee.id, trainee.search_name)   # the membership rows' copy of the name
    if changed:
        audit.record(actor, "trainee.update", "trainee", trainee.id, trainee_id=trainee.id,
                     details={"fields": changed})
    return trainee


def find_by_identity(fin: Any, birth_date: date) -> Trainee | None:
    """The trainee with this FIN **and** this birth date, regardless of scope — the proof a center
    gives that it met the person (their ID card) before enrolling them. One statement on both
    columns, so an unknown FIN and a wrong birth date take the same path and the same time.
    Callers must answer both alike and not show the record unless the actor may see it."""
    try:
        fin = clean_fin(fin)
    except FieldError:
        return None
    return db.session.scalar(select(Trainee).where(Trainee.fin == fin, Trainee.birth_date == birth_date))


@dataclass
class SearchPage(Page):
    """A page of a trainee search. ``more``: counting stopped at ``total``, more trainees match."""
    more: bool = False


def clean_query(text: Any) -> str:
    text = (text or "").strip() if isinstance(text, str) or text is None else str(text).strip()
    if not text:
        raise ValidationError(FIX_FIELDS, fields={"q": str(_l("Enter a FIN or a name."))})
    if len(text) > 200:
        raise ValidationError(FIX_FIELDS, fields={"q": str(_l("At most %(n)d characters.", n=200))})
    if has_control_chars(text):
        raise ValidationError(FIX_FIELDS, fields={"q": str(_l("The text contains characters that are not allowed."))})
    return text


# ---- the trainee list and its search handles -----------------------------------------------

SEARCH_HANDLE_HOURS = 12
_HANDLE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def save_search(actor: Actor, text: Any) -> str:
    """Keep a search text on the server and answer its handle: a short random string the results
    page carries in its URL instead of the text (often a FIN). The actor's expired handles go."""
    if not actor.has(P.TRAINEES_READ) or actor.user_id is None:
        raise PermissionDenied(_l("You do not have permission to do this."))
    text = clean_query(text)
    expired = clock.now() - timedelta(hours=SEARCH_HANDLE_HOURS)
    db.session.execute(delete(TraineeSearch).where(TraineeSearch.user_id == actor.user_id,
                                                   TraineeSearch.created_at < expired))
    search = TraineeSearch(handle=secrets.token_urlsafe(12), user_id=actor.user_id, text=text)
    db.session.add(search)
    db.session.flush()
    return search.handle


def saved_search_text(actor: Actor, handle: Any) -> str | None:
    """The text behind one of the actor's own handles, or None (unknown, another user's, expired)."""
    if (not isinstance(handle, str) or not handle or len(handle) > 32 or not set(handle) <= _HANDLE_CHARS
            or actor.user_id is None):
        return None
    row = db.session.execute(select(TraineeSearch.text, TraineeSearch.created_at)
                             .where(TraineeSearch.handle == handle, TraineeSearch.user_id == actor.user_id)).first()
    if row is None or row.created_at < clock.now() - timedelta(hours=SEARCH_HANDLE_HOURS):
        return None
    return row.text


def search_trainees(actor: Actor, text: str, *, page: int = 1, per_page: int = 25,
                    count_cap: int | None = None) -> SearchPage:
    """Search by FIN (exact) or by name (case- and accent-insensitive) among the trainees the
    actor may see: one page of Trainee, sorted by name, and how many match — exactly, or with
    ``count_cap`` up to that many (then ``more`` is True). The search is audited (without the
    search text, which may be a FIN)."""
    if not actor.has(P.TRAINEES_READ):
        raise PermissionDenied(_l("You do not have permission to do this."))
    text = clean_query(text)
    page, per_page = max(1, page), max(1, min(per_page, MAX_PER_PAGE))
    items, total, more = queries.trainee_search_page(actor, text, page=page, per_page=per_page,
                                                     count_cap=count_cap)
    result = SearchPage(items=items, page=page, per_page=per_page, total=total, more=more)
    details = {"results": total, "more": True} if more else {"results": total}
    audit.record(actor, "trainee.search", "trainee", None, details=details,
                 trainee_ids=[trainee.id for trainee in items])
    return result
