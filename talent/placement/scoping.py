"""Which jobs a center's staff see and may change (the query scoping of talent.permissions for the
placement tables).

A job a center recorded is that center's (``Placement.center_id``); a job the trainee reported is
the trainee's and concerns every center the trainee is in scope of, which may verify or reject it
only when it enrolled the trainee (``deciding_centers``).
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, or_, select

from talent.errors import NotFound
from talent.permissions import Actor, enrolling_center_ids, may_see_trainee, trainee_id_visible_clause
from talent.placement.models import Placement, ReportedJobCenter


def placement_visible_clause(actor: Actor):
    """SQL condition on ``Placement``: jobs the actor's centers recorded, and jobs reported by a
    trainee of theirs. None for an actor not limited to centers."""
    if actor.center_ids is None:
        return None
    centers = sorted(actor.center_ids) or [-1]
    return or_(and_(Placement.source == "center", Placement.center_id.in_(centers)),
               and_(Placement.source != "center", trainee_id_visible_clause(actor, Placement.trainee_id)))


def placement_listed_clause(actor: Actor):
    """The rows of :func:`placement_visible_clause`, for lists and counts: the reported jobs read from
    their kept centers (``reported_job_centers``, an index range per center) instead of the membership
    of every reporter (tests/test_placement_list_count.py and tests/test_followup_queue_kept.py compare
    both). None for an actor not limited to centers."""
    if actor.center_ids is None:
        return None
    centers = sorted(actor.center_ids) or [-1]
    reported = select(ReportedJobCenter.placement_id).where(ReportedJobCenter.center_id.in_(centers))
    return or_(and_(Placement.source == "center", Placement.center_id.in_(centers)),
               and_(Placement.source != "center", Placement.id.in_(reported)))


def may_see_placement(actor: Actor, placement) -> bool:
    if actor.center_ids is None:
        return True
    if placement.source == "center":
        return placement.center_id is not None and placement.center_id in actor.center_ids
    return may_see_trainee(actor, placement.trainee_id)


def require_placement(actor: Actor, placement) -> None:
    """Staff access to one job, or 404 (another center's record is not revealed)."""
    if not may_see_placement(actor, placement):
        raise NotFound(_l("Not found."))


def owns_placement(actor: Actor, placement) -> bool:
    """May change the job's facts: the recording center (a trainee's own report is theirs)."""
    if actor.center_ids is None:
        return True
    return placement.source == "center" and placement.center_id in actor.center_ids


def deciding_centers(actor: Actor, trainee_id: int) -> set[int] | None:
    """The actor's centers that enrolled the trainee (who may verify or reject their reported
    jobs); None for an actor not limited to centers."""
    if actor.center_ids is None:
        return None
    return enrolling_center_ids(trainee_id) & set(actor.center_ids)
