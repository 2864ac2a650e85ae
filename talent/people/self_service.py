"""What a trainee does about their own record in the portal: see who on the staff looked at their
record and withdraw the optional consents. The actor is always the trainee; nobody else's data is
reachable. Their learning, awards and jobs, and the download of everything held about them, are a
read model (``talent.readmodels.trainee_portal``)."""
from __future__ import annotations


from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from talent import audit
from talent.audit import AuditEvent, AuditEventTrainee
from talent.errors import NotFound, PermissionDenied
from talent.extensions import db
from talent.people.models import Trainee
from talent.permissions import Actor, P, require


def my_trainee(actor: Actor, *, write: bool = False) -> Trainee:
    require(actor, P.SELF_WRITE if write else P.SELF_READ)
    if actor.trainee_id is None:
        raise PermissionDenied(_l("Your account is not linked to a trainee record."))
    trainee = db.session.get(Trainee, actor.trainee_id)
    if trainee is None:
        raise NotFound(_l("Not found."))
    return trainee


def set_consents(actor: Actor, *, followup: bool, research: bool) -> Trainee:
    """Give or withdraw the optional consents (follow-up contact, research use)."""
    trainee = my_trainee(actor, write=True)
    before = {"followup": trainee.followup_consent, "research": trainee.research_consent}
    trainee.followup_consent = bool(followup)
    trainee.research_consent = bool(research)
    db.session.flush()
    after = {"followup": trainee.followup_consent, "research": trainee.research_consent}
    if before != after:
        audit.record(actor, "trainee.consent", "trainee", trainee.id, trainee_id=trainee.id,
                     details={"before": before, "after": after})
    return trainee


def about_me(trainee_id: int):
    """Events about this trainee: on their record, or views/exports that contained them."""
    linked = select(AuditEventTrainee.event_id).where(AuditEventTrainee.trainee_id == trainee_id)
    return (AuditEvent.trainee_id == trainee_id) | AuditEvent.id.in_(linked)


def staff_views(actor: Actor, limit: int = 200) -> list[AuditEvent]:
    """Events about my record by anyone but me (staff views and changes, searches that found me,
    rosters and exports I was on), newest first."""
    trainee = my_trainee(actor)
    stmt = (select(AuditEvent).where(about_me(trainee.id))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
    if actor.user_id is not None:
        stmt = stmt.where((AuditEvent.actor_id.is_(None)) | (AuditEvent.actor_id != actor.user_id))
    return list(db.session.scalars(stmt))
