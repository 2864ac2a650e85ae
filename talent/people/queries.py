"""Reads about trainees: search (by FIN or folded name) and a trainee's enrollments."""
from __future__ import annotations

import re

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import selectinload

from talent.extensions import db
from talent.i18n import fold
from talent.people.models import Trainee
from talent.permissions import Actor, scope_trainees

_FIN_LIKE = re.compile(r"^[0-9A-Za-z]{7}$")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def trainee_search(actor: Actor, text: str) -> Select:
    """Trainees the actor may see whose FIN equals ``text`` or whose name contains every word of
    ``text`` (folded: "ismayilov" finds "İsmayılov")."""
    text = text.strip()
    conditions = []
    if _FIN_LIKE.match(text):
        # A known FIN is answered from the unique index alone; the name scan (a LIKE with a leading
        # wildcard reads every trainee) only runs when no trainee has that FIN.
        if db.session.scalar(select(Trainee.id).where(Trainee.fin == text.upper())) is not None:
            return scope_trainees(select(Trainee).where(Trainee.fin == text.upper()).order_by(Trainee.id), actor)
        conditions.append(Trainee.fin == text.upper())
    words = fold(text).split()
    if words:
        name_match = [Trainee.search_name.like(f"%{_like_escape(w)}%", escape="\\") for w in words]
        conditions.append(and_(*name_match))
    stmt = select(Trainee).where(or_(*conditions)).order_by(Trainee.search_name, Trainee.id)
    return scope_trainees(stmt, actor)


def trainee_enrollments(trainee_id: int):
    """A trainee's enrollments with their cohorts, courses and centers (newest first)."""
    from talent.learning.models import Cohort, Enrollment
    stmt = (select(Enrollment).join(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Enrollment.trainee_id == trainee_id)
            .options(selectinload(Enrollment.cohort))
            .order_by(Cohort.start_date.desc(), Enrollment.id.desc()))
    return list(db.session.scalars(stmt))
