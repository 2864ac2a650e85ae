"""Reads about trainees: search by FIN or folded name, one page at a time. The trainee list filtered
by enrollment and a trainee's enrollments are a read model (``talent.readmodels.trainees``)."""
from __future__ import annotations

import re

from sqlalchemy import ColumnElement, Select, false, func, select, true

from talent.extensions import db
from talent.i18n import az_collate, fold
from talent.people.models import Trainee
from talent.permissions import Actor, scope_trainees

_FIN_LIKE = re.compile(r"^[0-9A-Za-z]{7}$")
# A LIKE '%word%' is answered from the trigram index only for words of three characters or more.
_TRIGRAM = 3


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _name_contains(word: str, column) -> ColumnElement[bool]:
    """The folded name ``column`` contains ``word`` (folded)."""
    if len(word) < _TRIGRAM and db.session.get_bind().dialect.name == "postgresql":
        # A word shorter than a trigram gives PostgreSQL nothing to look up: as a LIKE it would read
        # the whole trigram index and recheck every row (65 ms a statement at 100k trainees, 0.85 s
        # at 1M, for "zx"); the same substring test as a function is checked on the rows the other
        # words or the permission scope leave, or on a plain scan.
        return func.strpos(column, word) > 0
    return column.like(f"%{_like_escape(word)}%", escape="\\")


class _Search:
    """What ``text`` finds: a trainee's FIN when one has it (``fin``), else every word of the name
    (``name_matches``, the conditions on a folded-name column: :func:`scope_trainees` puts them on
    the membership rows for a center's staff), or nobody (``nobody``)."""

    def __init__(self, text: str | None):
        self.fin: ColumnElement[bool] | None = None
        self.words: list[str] = []
        self.nobody = False
        if text is None:
            return
        text = text.strip()
        if _FIN_LIKE.match(text):
            # A known FIN is answered from the unique index alone; the name search only runs when no
            # trainee has that FIN (so it need not also look for the FIN).
            if db.session.scalar(select(Trainee.id).where(Trainee.fin == text.upper())) is not None:
                self.fin = Trainee.fin == text.upper()
                return
        self.words = fold(text).split()
        self.nobody = not self.words

    def name_matches(self, column) -> list[ColumnElement[bool]]:
        return [_name_contains(w, column) for w in self.words]

    def scoped(self, stmt: Select, actor: Actor, extra=()) -> Select:
        """``stmt`` (on trainees) kept to those found that the actor may see and ``extra`` keeps."""
        found = [false()] if self.nobody else [self.fin] if self.fin is not None else []
        return scope_trainees(stmt.where(*found, *extra), actor, self.name_matches if self.words else None)


def name_order(columns=Trainee.__table__.c) -> tuple:
    """The trainee list's order: last name, then first name in Azerbaijani alphabetical order (Ə
    after E, Sü after Su; ``talent.i18n.az_collate``), then id (the patronymic, often missing, is
    left out: SQLite and PostgreSQL place a missing one differently). PostgreSQL answers it from
    the index ``ix_trainees_name_az`` (revision 0009) on the same collated columns."""
    return az_collate(columns.last_name), az_collate(columns.first_name), columns.id


def _in_order(actor: Actor, search: _Search, extra=()) -> Select:
    return search.scoped(select(Trainee).order_by(*name_order()), actor, extra)


def trainee_search(actor: Actor, text: str) -> Select:
    """Trainees the actor may see whose FIN equals ``text`` or whose name contains every word of
    ``text`` (folded: "ismayilov" finds "İsmayılov"), by name then id."""
    return _in_order(actor, _Search(text))


def trainee_search_page(actor: Actor, text: str | None, *, page: int, per_page: int,
                        count_cap: int | None = None, extra=()) -> tuple[list[Trainee], int, bool]:
    """One page of :func:`trainee_search` and how many it found: ``(trainees, total, more)``.
    Without ``text``: every trainee the actor may see (the list of a center's trainees); ``extra``
    narrows either (see :func:`talent.readmodels.trainees.list_conditions`).

    With ``count_cap``, counting stops there: ``more`` is then True and ``total`` is the cap.

    One statement collects the matching trainees the actor may see (id and name; at most
    ``count_cap + 1``), counts them and sorts one page of them, then loads those trainees. A page
    sorted straight from the whole table (ORDER BY name LIMIT 25) lets PostgreSQL walk the name
    index in order and test each trainee, which reads half the table before reaching a common
    surname in "M" (1.1 s at 1M trainees); collecting the matches first uses the trigram index.
    Only when more than ``count_cap`` match does the page come from that ordered walk: the matches
    are then many, so it meets 25 of them soon."""
    search = _Search(text)
    offset = (page - 1) * per_page
    hits = search.scoped(select(Trainee.id, Trainee.last_name, Trainee.first_name), actor, extra)
    if count_cap is not None:
        hits = hits.limit(count_cap + 1)
    hits = hits.cte("hits")
    counted = select(func.count().label("total")).select_from(hits).subquery("counted")
    on_page = (select(hits.c.id, hits.c.last_name, hits.c.first_name)
               .order_by(*name_order(hits.c)).limit(per_page).offset(offset).subquery("on_page"))
    # Always one row, so the count comes back with an empty page too.
    stmt = (select(Trainee, counted.c.total).select_from(counted)
            .outerjoin(on_page, true()).outerjoin(Trainee, Trainee.id == on_page.c.id)
            .order_by(*name_order(on_page.c)))
    rows = db.session.execute(stmt).all()
    total = rows[0].total if rows else 0
    if count_cap is not None and total > count_cap:
        walk = _in_order(actor, search, extra).limit(per_page).offset(offset)
        return list(db.session.scalars(walk)), count_cap, True
    return [t for t, _ in rows if t is not None], total, False
