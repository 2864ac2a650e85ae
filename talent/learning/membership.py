"""The rule of the trainee–center membership (``talent.people.membership``): a trainee belongs to
the center that registered them and to every center holding an enrollment of theirs in one of
``SCOPE_STATUSES`` (enrolled, completed, failed). Applied and waitlisted give nothing, withdrawn
ends what the enrollment gave.

Learning writes enrollments, so learning keeps the rows right: :func:`sync` after every change of
an enrollment's status or cohort (in the same transaction), :func:`rebuild` after a bulk load,
:func:`differences` to prove the table equals the rule computed from the live tables
(``talent people check-membership``).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Iterable

from sqlalchemy import BindParameter, Select, bindparam, delete, func, insert, literal, select, union_all

from talent.extensions import db
from talent.learning.models import Cohort, Enrollment, EnrollmentStatus
from talent.people import membership
from talent.people.models import MembershipVia, Trainee, TraineeCenter

#: Enrollments in these statuses bring the trainee into the cohort's center's scope.
SCOPE_STATUSES = (EnrollmentStatus.ENROLLED, EnrollmentStatus.COMPLETED, EnrollmentStatus.FAILED)


def rule_rows(trainee_ids: Iterable[int] | BindParameter | None = None) -> Select:
    """``(trainee_id, center_id, via, since, search_name)`` as the rule gives them from the live
    tables, for these trainees (every trainee when None; an expanding bound parameter gives the
    statement that :func:`sync` builds once). ``via`` is ``registered`` when both hold; ``since``
    is the earliest moment the relationship began; ``search_name`` the trainee's folded name (the
    rows' copy, for a center's name search)."""
    registered = select(Trainee.id.label("trainee_id"), Trainee.registered_by_center_id.label("center_id"),
                        literal(str(MembershipVia.REGISTERED)).label("via"), Trainee.created_at.label("since")) \
        .where(Trainee.registered_by_center_id.is_not(None))
    enrolled = select(Enrollment.trainee_id, Cohort.center_id, literal(str(MembershipVia.ENROLLED)).label("via"),
                      func.coalesce(Enrollment.enrolled_at, Enrollment.applied_at).label("since")) \
        .join(Cohort, Cohort.id == Enrollment.cohort_id).where(Enrollment.status.in_(SCOPE_STATUSES))
    if trainee_ids is not None:
        ids = trainee_ids if isinstance(trainee_ids, BindParameter) else (sorted(set(trainee_ids)) or [-1])
        registered = registered.where(Trainee.id.in_(ids))
        enrolled = enrolled.where(Enrollment.trainee_id.in_(ids))
    both = union_all(registered, enrolled).subquery()
    # "registered" > "enrolled": max() picks registration when both hold.
    rows = (select(both.c.trainee_id, both.c.center_id, func.max(both.c.via).label("via"),
                   func.min(both.c.since).label("since"))
            .group_by(both.c.trainee_id, both.c.center_id)).subquery()
    return (select(rows.c.trainee_id, rows.c.center_id, rows.c.via, rows.c.since, Trainee.search_name)
            .join(Trainee, Trainee.id == rows.c.trainee_id))


@cache
def _rule_of_some() -> Select:
    """The rule for the trainees of the ``trainee_ids`` parameter, built once: every enrollment
    written runs it, and building the union cost more than running it."""
    return rule_rows(bindparam("trainee_ids", expanding=True))


def sync(trainee_ids: Iterable[int]) -> None:
    """Bring these trainees' membership in line with the rule (after their enrollments changed:
    enrolled, promoted, withdrawn, moved to another cohort, a cohort cancelled)."""
    ids = sorted(set(trainee_ids))
    if not ids:
        return
    db.session.flush()
    membership.lock_trainees(ids)
    for start in range(0, len(ids), membership.CHUNK):
        chunk = ids[start:start + membership.CHUNK]
        wanted = [(t, c, via) for t, c, via, _since, _name in
                  db.session.execute(_rule_of_some(), {"trainee_ids": chunk})]
        membership.replace(chunk, wanted)


def add(trainee_ids: Iterable[int], *, new: Iterable[int] = ()) -> None:
    """Add the rows the rule gives for these trainees, for a writer that only adds relationships
    (registers, enrolls; withdraws nobody): the import. One ``INSERT … SELECT`` per chunk instead
    of :func:`sync`'s comparison in Python (which took most of a 10,000-row import). Existing
    trainees are locked as in :func:`sync`; those created in this transaction (``new``) are seen
    by no other one and need no lock."""
    ids = sorted(set(trainee_ids))
    if not ids:
        return
    fresh = set(new)
    db.session.flush()
    membership.note_changed(ids)
    membership.lock_trainees(i for i in ids if i not in fresh)
    for start in range(0, len(ids), membership.CHUNK):
        membership.insert_missing(rule_rows(ids[start:start + membership.CHUNK]))


def rebuild() -> int:
    """Recompute the whole table from the rule in one statement (after a bulk load that wrote
    trainees and enrollments without the services). Returns the number of rows."""
    db.session.flush()
    db.session.execute(delete(TraineeCenter), execution_options={"synchronize_session": False})
    db.session.execute(insert(TraineeCenter).from_select(membership.COLUMNS, rule_rows()))
    return db.session.scalar(select(func.count()).select_from(TraineeCenter)) or 0


@dataclass(frozen=True)
class Differences:
    """Rows the rule gives that the table lacks, and rows the table holds that the rule does not
    give (or with another ``via``, or another copy of the trainee's name): ``(trainee_id,
    center_id, via)``, a sample of each (the names are not shown)."""
    missing: list[tuple[int, int, str]]
    extra: list[tuple[int, int, str]]
    missing_count: int
    extra_count: int

    @property
    def ok(self) -> bool:
        return not self.missing_count and not self.extra_count


def differences(sample: int = 20) -> Differences:
    """Compare the table with the rule over every trainee (two EXCEPTs)."""
    rule = rule_rows().subquery()
    rule_keys = select(rule.c.trainee_id, rule.c.center_id, rule.c.via, rule.c.search_name)
    table_keys = select(TraineeCenter.trainee_id, TraineeCenter.center_id, TraineeCenter.via,
                        TraineeCenter.search_name)
    missing = rule_keys.except_(table_keys).subquery()
    extra = table_keys.except_(rule_keys).subquery()

    def _sample(q):
        keys = (q.c.trainee_id, q.c.center_id, q.c.via)
        return [tuple(r) for r in db.session.execute(select(*keys).order_by(*keys).limit(sample))]

    def _count(q):
        return db.session.scalar(select(func.count()).select_from(q)) or 0

    return Differences(_sample(missing), _sample(extra), _count(missing), _count(extra))
