"""The follow-ups still to make, kept as rows (``follow_ups_open``) by the writes that move them, in
their own transaction (issue 17: the center dashboard and the follow-up queue within 100 ms at 1M,
where computing them meant walking every completer of a center's cohorts with three probes each).

**What a row means** (:class:`~talent.placement.models.FollowUpOpen`): the enrollment is completed,
its trainee consents to follow-up, no outcome is recorded for the milestone, and the trainee holds no
job at or after the cohort's end that the cohort's own center sees (one it recorded, or one the
trainee reported; not rejected). ``job_elsewhere`` says whether a job recorded by another center (or
by a center since deleted) is held. Reading decides the rest (:mod:`talent.placement.queries`): the
milestone has come (the day), and whether the reader sees that other job (an administrator does; a
center's staff when that center is theirs).

**Kept exactly, in the writing transaction.** A flush notes the trainees whose rows may move — an
enrollment's status, cohort or trainee; a placement's trainee, end, verification, source or center; a
follow-up outcome recorded, moved or removed; the trainee's consent or name; a cohort's end, center
or code (its completers) — and before the transaction commits (:func:`talent.db.before_commit_step`,
after the report summary) those trainees' rows are computed again from the live tables: their rows
deleted, the rule's rows inserted. On PostgreSQL the trainees are locked first (in id order, as the
membership does), so two transactions recounting one trainee follow each other and the second reads
what the first committed. A rollback takes the rows back with the change. Core writes that bypass the
ORM (the demo load) call :func:`rebuild`; ``talent followups check-queue`` compares the rows with the
rule over every enrollment, ``talent followups rebuild-queue`` recomputes them.

**The centers that see each reported job** (:class:`~talent.placement.models.ReportedJobCenter`) are
kept by the same recount: every job a trainee reported, once per center the trainee belongs to. They
move with the job (its trainee, source, verification) and with the membership, whose Core writes no
ORM event sees: :mod:`talent.people.membership` notes the trainees it writes
(:func:`~talent.people.membership.note_changed`) and the recount takes them too.

Tests: tests/test_followup_queue_kept.py (both ways: the kept rows against the rules after every
change), tests/test_placement_list_count.py, tests/test_placement_pending_count.py.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import Integer, Select, delete, event, exists, func, insert, literal, or_, select, text, union_all
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from talent.db import attribute_values, before_commit_step, watched_changes
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.people import membership
from talent.people.models import Trainee, TraineeCenter
from talent.placement.models import FollowUp, FollowUpOpen, Placement, PlacementStatus, ReportedJobCenter
from talent.placement.services.common import MILESTONES

PENDING = "talent.followup_queue_pending"
LOCK_SPACE = 731_617   # pg_advisory_xact_lock(LOCK_SPACE, trainee id): the recount of one trainee
CHUNK = 1000

# What the rule reads, per model (a change to another attribute moves no row).
_WATCHED: dict[type, tuple[str, ...]] = {
    Enrollment: ("status", "cohort_id", "trainee_id"),
    Placement: ("trainee_id", "end_date", "verification", "source", "center_id"),
    FollowUp: ("enrollment_id", "milestone_months"),
    Trainee: ("followup_consent", "first_name", "last_name"),
    Cohort: ("end_date", "center_id", "code"),
}

COLUMNS = ("enrollment_id", "milestone_months", "trainee_id", "cohort_id", "center_id", "cohort_end",
           "cohort_code", "last_name", "first_name", "job_elsewhere")


# ---- the rule ------------------------------------------------------------------------------------

def _held_job(*conditions):
    """A job of the enrollment's trainee, not rejected, held at or after the cohort's end."""
    return exists(select(Placement.id).where(
        Placement.trainee_id == Enrollment.trainee_id, Placement.verification != PlacementStatus.REJECTED,
        or_(Placement.end_date.is_(None), Placement.end_date >= Cohort.end_date), *conditions))


def rule(trainee_ids: list[int] | None = None) -> Select:
    """The rows that must exist (in :data:`COLUMNS` order), of ``trainee_ids`` or of everyone."""
    seen_by_its_center = _held_job(or_(Placement.source != "center", Placement.center_id == Cohort.center_id))
    elsewhere = _held_job(Placement.source == "center",
                          or_(Placement.center_id.is_(None), Placement.center_id != Cohort.center_id))
    parts = []
    for months in MILESTONES:
        stmt = (select(Enrollment.id, literal(months), Enrollment.trainee_id, Cohort.id, Cohort.center_id,
                       Cohort.end_date, Cohort.code, Trainee.last_name, Trainee.first_name, elsewhere)
                .join(Cohort, Cohort.id == Enrollment.cohort_id)
                .join(Trainee, Trainee.id == Enrollment.trainee_id)
                .where(Enrollment.status == EnrollmentStatus.COMPLETED, Trainee.followup_consent.is_(True),
                       ~seen_by_its_center,
                       ~exists(select(FollowUp.id).where(FollowUp.enrollment_id == Enrollment.id,
                                                         FollowUp.milestone_months == months))))
        if trainee_ids is not None:
            stmt = stmt.where(Enrollment.trainee_id.in_(trainee_ids))
        parts.append(stmt)
    return union_all(*parts)


REPORTED_COLUMNS = ("placement_id", "center_id", "trainee_id", "verification")


def reported_rule(trainee_ids: list[int] | None = None) -> Select:
    """The :class:`ReportedJobCenter` rows that must exist: every job a trainee reported, once per
    center the trainee belongs to (in :data:`REPORTED_COLUMNS` order)."""
    stmt = (select(Placement.id, TraineeCenter.center_id, Placement.trainee_id, Placement.verification)
            .join(TraineeCenter, TraineeCenter.trainee_id == Placement.trainee_id)
            .where(Placement.source != "center"))
    if trainee_ids is not None:
        stmt = stmt.where(Placement.trainee_id.in_(trainee_ids))
    return stmt


# ---- what changed --------------------------------------------------------------------------------

def _pending(session: Session) -> dict[str, set[int]]:
    return session.info.setdefault(PENDING, {"trainees": set(), "cohorts": set(), "enrollments": set(),
                                             "gone_cohorts": set()})


@event.listens_for(Session, "after_flush")
def _collect(session: Session, _flush_context) -> None:
    """Note the trainees (directly, or through a cohort or an enrollment) a flush may have moved."""
    if not (session.new or session.dirty or session.deleted):
        return
    for obj, kind, is_dirty in watched_changes(session, _WATCHED):
        pending = _pending(session)
        if kind in (Enrollment, Placement):
            pending["trainees"].update(attribute_values(obj, "trainee_id"))
        elif kind is FollowUp:
            pending["enrollments"].update(attribute_values(obj, "enrollment_id"))
        elif kind is Trainee:
            if obj.id is not None:
                pending["trainees"].add(obj.id)
        elif kind is Cohort and is_dirty:
            pending["cohorts"].add(obj.id)
        elif kind is Cohort and obj in session.deleted:
            pending["gone_cohorts"].add(obj.id)   # its enrollments went with it (ON DELETE CASCADE)


@event.listens_for(Session, "after_transaction_end")
def _forget(session: Session, transaction) -> None:
    if transaction.parent is None:
        session.info.pop(PENDING, None)
        membership.changed(session)


def _chunks(ids: list[int]):
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


@before_commit_step(20)   # after the report summary's cohort locks (talent.db)
def _before_commit(session: Session) -> None:
    sync(session)


def sync(session: Session) -> int:
    """Flush, then recount the rows of every trainee the transaction may have moved (no-op when it
    moved none): their follow-ups to make and the centers that see their reported jobs; and, for a
    trainee whose membership alone changed, those centers. The number of trainees recounted."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    pending = session.info.pop(PENDING, None) or {}
    members = membership.changed(session)
    if not any(pending.values()) and not members:
        return 0
    trainees = set(pending.get("trainees", ()))
    for chunk in _chunks(sorted(pending.get("enrollments", ()))):
        trainees.update(session.scalars(select(Enrollment.trainee_id).where(Enrollment.id.in_(chunk))))
    for chunk in _chunks(sorted(pending.get("cohorts", ()))):
        # Their completers now (an enrollment that stopped being one is noted by its own change).
        trainees.update(session.scalars(select(Enrollment.trainee_id).where(
            Enrollment.cohort_id.in_(chunk), Enrollment.status == EnrollmentStatus.COMPLETED)))
    for chunk in _chunks(sorted(pending.get("gone_cohorts", ()))):
        trainees.update(session.scalars(select(FollowUpOpen.trainee_id).where(FollowUpOpen.cohort_id.in_(chunk))))
    recount(session, trainees, members - trainees)
    return len(trainees | members)


def recount(session: Session, trainee_ids: Iterable[int], members_only: Iterable[int] = ()) -> None:
    """Make the rows of ``trainee_ids`` exactly the rules' (both tables), and the reported-job rows of
    ``members_only`` (the caller's transaction)."""
    ids, members = sorted(set(trainee_ids)), sorted(set(members_only) - set(trainee_ids))
    if not ids and not members:
        return
    lock_trainees(session, sorted(set(ids) | set(members)))
    for chunk in _chunks(ids):
        session.execute(delete(FollowUpOpen).where(FollowUpOpen.trainee_id.in_(chunk)),
                        execution_options={"synchronize_session": False})
        session.execute(insert(FollowUpOpen).from_select(list(COLUMNS), rule(chunk)))
    for chunk in _chunks(sorted(set(ids) | set(members))):
        session.execute(delete(ReportedJobCenter).where(ReportedJobCenter.trainee_id.in_(chunk)),
                        execution_options={"synchronize_session": False})
        session.execute(insert(ReportedJobCenter).from_select(list(REPORTED_COLUMNS), reported_rule(chunk)))


def lock_trainees(session: Session, ids: list[int]) -> None:
    """PostgreSQL: one recount of a trainee at a time (transaction advisory locks, in id order). Not the
    trainee's row: these locks are the transaction's last (talent.db's steps), so no other lock is
    waited for while they are held, and no writer holding a trainee, cohort or enrollment for update
    can be waiting for them in a cycle."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for chunk in _chunks(ids):
        ordered = select(func.unnest(literal(chunk, ARRAY(Integer))).label("id")).order_by(text("1")).subquery()
        session.execute(select(func.count(func.pg_advisory_xact_lock(LOCK_SPACE, ordered.c.id))))


def rebuild(session: Session) -> int:
    """Recompute every row of both tables from the live tables (after writes past the ORM and the
    membership's functions); the number of follow-up rows."""
    session.flush()
    session.execute(delete(FollowUpOpen), execution_options={"synchronize_session": False})
    session.execute(insert(FollowUpOpen).from_select(list(COLUMNS), rule()))
    session.execute(delete(ReportedJobCenter), execution_options={"synchronize_session": False})
    session.execute(insert(ReportedJobCenter).from_select(list(REPORTED_COLUMNS), reported_rule()))
    return session.scalar(select(func.count()).select_from(FollowUpOpen)) or 0


@dataclass
class Differences:
    missing: list[tuple]
    extra: list[tuple]

    @property
    def ok(self) -> bool:
        return not self.missing and not self.extra


def differences(session: Session) -> Differences:
    """The rows the rule gives and the table lacks, and the other way round (every column)."""
    wanted = {tuple(_normal(r)) for r in session.execute(rule()).all()}
    have = {tuple(_normal(r)) for r in session.execute(select(*(getattr(FollowUpOpen, c) for c in COLUMNS))).all()}
    return Differences(missing=sorted(wanted - have), extra=sorted(have - wanted))


def reported_differences(session: Session) -> Differences:
    """The same for the centers that see each reported job: (placement, center, trainee, verification)."""
    wanted = {tuple(r) for r in session.execute(reported_rule()).all()}
    have = {tuple(r) for r in session.execute(
        select(*(getattr(ReportedJobCenter, c) for c in REPORTED_COLUMNS))).all()}
    return Differences(missing=sorted(wanted - have), extra=sorted(have - wanted))


def _normal(row) -> list:
    values = list(row)
    values[-1] = bool(values[-1])   # SQLite returns EXISTS as 0/1
    return values
