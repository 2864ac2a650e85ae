"""Which trainees a center's staff reach (DESIGN §3 "A center sees what concerns it"), registered
with :mod:`talent.permissions` when the learning package loads: the core holds the permission
functions, this domain the tables they read (people's trainees and learning's enrollments).

A center reaches a trainee when one of its centers registered the trainee, or holds an enrollment
of theirs in one of ``SCOPE_STATUSES``. Applied and waitlisted give nothing (a seat was asked for,
not taken); withdrawn gives nothing either: access obtained through an enrollment ends with that
enrollment, so a center cannot enroll someone (even with proof) and keep reading their record
after withdrawing them.
"""
from __future__ import annotations

from sqlalchemy import exists, or_, select
from sqlalchemy.orm import aliased

from talent import permissions
from talent.extensions import db
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.people.models import Trainee
from talent.permissions import Actor

SCOPE_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED)


def _centers(actor: Actor) -> list[int]:
    return sorted(actor.center_ids or []) or [-1]


def _enrolled_at(trainee_id_column, centers: list[int]):
    return exists(select(Enrollment.id).join(Cohort, Cohort.id == Enrollment.cohort_id)
                  .where(Enrollment.trainee_id == trainee_id_column, Enrollment.status.in_(SCOPE_STATUSES),
                         Cohort.center_id.in_(centers)))


class LearningReach:
    """The trainee reach of :class:`talent.permissions.TraineeReach`."""

    @staticmethod
    def visible_clause(actor: Actor):
        centers = _centers(actor)
        return or_(Trainee.registered_by_center_id.in_(centers), _enrolled_at(Trainee.id, centers))

    @staticmethod
    def id_visible_clause(actor: Actor, trainee_id_column):
        centers = _centers(actor)
        registered = aliased(Trainee)
        return or_(
            exists(select(registered.id).where(registered.id == trainee_id_column,
                                               registered.registered_by_center_id.in_(centers))),
            _enrolled_at(trainee_id_column, centers))

    @staticmethod
    def self_clause(trainee_id: int):
        return Trainee.id == trainee_id

    @staticmethod
    def enrolling_center_ids(trainee_id: int) -> set[int]:
        return set(db.session.scalars(
            select(Cohort.center_id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
            .where(Enrollment.trainee_id == trainee_id, Enrollment.status.in_(SCOPE_STATUSES))))

    @staticmethod
    def registering_center_id(trainee_id: int) -> int | None:
        return db.session.scalar(select(Trainee.registered_by_center_id).where(Trainee.id == trainee_id))

    @staticmethod
    def trainee_id_of_user(user_id: int) -> int | None:
        return db.session.scalar(select(Trainee.id).where(Trainee.user_id == user_id))


permissions.register_trainee_reach(LearningReach())
