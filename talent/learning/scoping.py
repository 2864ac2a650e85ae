"""Which trainees a center's staff reach (DESIGN §3 "A center sees what concerns it"), registered
with :mod:`talent.permissions` when the learning package loads: the core holds the permission
functions, this domain the tables they read (people's trainees and learning's enrollments).

A center reaches a trainee when one of its centers registered the trainee, or holds an enrollment
of theirs in one of ``SCOPE_STATUSES``. Applied and waitlisted give nothing (a seat was asked for,
not taken); withdrawn gives nothing either: access obtained through an enrollment ends with that
enrollment, so a center cannot enroll someone (even with proof) and keep reading their record
after withdrawing them.

The rule is kept as rows of ``trainee_centers`` (:mod:`talent.learning.membership` writes them in
every transaction that changes it); the clauses here read that one indexed table.
"""
from __future__ import annotations

from sqlalchemy import and_, select

from talent import permissions
from talent.extensions import db
from talent.learning.membership import SCOPE_STATUSES
from talent.learning.models import Cohort, Enrollment
from talent.people import membership
from talent.people.models import Trainee, TraineeCenter
from talent.permissions import Actor

__all__ = ["SCOPE_STATUSES", "LearningReach"]


def _centers(actor: Actor) -> list[int]:
    return sorted(actor.center_ids or []) or [-1]


class LearningReach:
    """The trainee reach of :class:`talent.permissions.TraineeReach`."""

    @staticmethod
    def visible_clause(actor: Actor, name_matches=None):
        # A name search tests the name on the centers' membership rows (their copy of it): one
        # index (center, name trigrams) gives the centers' trainees of that name, instead of every
        # trainee of that name in the country checked against every member of the centers.
        named = name_matches(TraineeCenter.search_name) if name_matches else ()
        return Trainee.id.in_(membership.member_ids(_centers(actor), *named))

    @staticmethod
    def name_clause(name_matches):
        return and_(*name_matches(Trainee.search_name))

    @staticmethod
    def id_visible_clause(actor: Actor, trainee_id_column):
        return trainee_id_column.in_(membership.member_ids(_centers(actor)))

    @staticmethod
    def member_center_ids(trainee_id: int) -> set[int]:
        return membership.centers_of(trainee_id)

    @staticmethod
    def self_clause(trainee_id: int):
        return Trainee.id == trainee_id

    @staticmethod
    def enrolling_center_ids(trainee_id: int) -> set[int]:
        return set(db.session.scalars(
            select(Cohort.center_id).join(Enrollment, Enrollment.cohort_id == Cohort.id)
            .where(Enrollment.trainee_id == trainee_id, Enrollment.status.in_(SCOPE_STATUSES))))

    @staticmethod
    def trainee_id_of_user(user_id: int) -> int | None:
        return db.session.scalar(select(Trainee.id).where(Trainee.user_id == user_id))


permissions.register_trainee_reach(LearningReach())
