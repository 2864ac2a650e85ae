"""Trainee–center membership (``trainee_centers``): which centers' staff reach a trainee (DESIGN §3
"A center sees what concerns it"), kept as rows so that every center page and permission check reads
one indexed table instead of "registered by this center OR holds an enrollment of theirs".

This module owns the table's writes; the rule of which rows must exist reads enrollments too and is
learning's (:mod:`talent.learning.membership`), which calls :func:`replace` with the rows the rule
gives. Registration (here) only ever adds. Rows are removed when the rule no longer holds (an
enrollment withdrawn, a cohort cancelled): access obtained through an enrollment ends with it.
"""
from __future__ import annotations

from typing import Iterable

from sqlalchemy import Select, delete, select, true, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from talent.db import utcnow
from talent.extensions import db
from talent.people.models import MembershipVia, Trainee, TraineeCenter

__all__ = ["CHANGED", "CHUNK", "COLUMNS", "MembershipVia", "TraineeCenter", "add", "centers_of", "changed",
           "insert_missing", "lock_trainees", "member_ids", "note_changed", "rename", "replace"]

Row = tuple[int, int, str]   # (trainee_id, center_id, via)
#: Trainees (or rows) per statement: 4 parameters a row stays under SQLite's 32,766 and
#: PostgreSQL's 65,535 bound parameters.
CHUNK = 2000
#: ``session.info`` key: the trainees whose membership this transaction may have changed (the rows are
#: written by Core statements, which the session events of the domains above do not see). Placement
#: reads it before the commit to keep which centers see each reported job (talent.placement.followup_queue).
CHANGED = "talent.membership_changed"


def note_changed(trainee_ids: Iterable[int]) -> None:
    """Note trainees whose membership rows this transaction wrote (or may have written)."""
    db.session.info.setdefault(CHANGED, set()).update(i for i in trainee_ids if i is not None)


def changed(session) -> set[int]:
    """Take the trainees noted so far (the set is emptied)."""
    return session.info.pop(CHANGED, None) or set()


def _name_of(trainee_id: int):
    """The trainee's folded name, read by the statement that writes the row (the copy the row keeps)."""
    return select(Trainee.search_name).where(Trainee.id == trainee_id).scalar_subquery()


def _insert_ignoring_existing(rows: list[dict]) -> None:
    """Insert membership rows (each with its trainee's name, read in the same statement); a row
    another transaction has just inserted is left as it is (two enrollments of one trainee at one
    center at the same moment)."""
    if not rows:
        return
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    rows = [{**row, "search_name": _name_of(row["trainee_id"])} for row in rows]
    for start in range(0, len(rows), CHUNK):   # bound parameters per statement stay well under the limits
        db.session.execute(insert(TraineeCenter).values(rows[start:start + CHUNK]).on_conflict_do_nothing())


def insert_missing(rows: Select) -> None:
    """``INSERT … SELECT`` of ``rows`` (trainee_id, center_id, via, since, search_name), leaving
    rows that already exist as they are: a bulk writer's one statement, no per-row work in Python."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    # SQLite reads "ON" after a SELECT without WHERE as a join's ON: the WHERE settles it.
    rows = rows.where(true())
    db.session.execute(insert(TraineeCenter).from_select(COLUMNS, rows).on_conflict_do_nothing())


#: The columns of a membership row, in the order :func:`insert_missing` takes them.
COLUMNS = ["trainee_id", "center_id", "via", "since", "search_name"]


def rename(trainee_id: int, search_name: str) -> None:
    """The trainee's folded name changed: their rows' copy follows, in the same transaction."""
    db.session.execute(update(TraineeCenter).where(TraineeCenter.trainee_id == trainee_id,
                                                   TraineeCenter.search_name != search_name)
                       .values(search_name=search_name), execution_options={"synchronize_session": False})


def add(trainee_id: int, center_id: int | None, via: str = MembershipVia.REGISTERED) -> None:
    """The trainee belongs to the center (registration: the registering center)."""
    if center_id is None:
        return
    note_changed([trainee_id])
    _insert_ignoring_existing([{"trainee_id": trainee_id, "center_id": center_id, "via": via, "since": utcnow()}])
    if via == MembershipVia.REGISTERED:   # registering outranks an enrollment already there
        db.session.execute(update(TraineeCenter).where(
            TraineeCenter.trainee_id == trainee_id, TraineeCenter.center_id == center_id,
            TraineeCenter.via != via).values(via=via))


def lock_trainees(trainee_ids: Iterable[int]) -> None:
    """Serialize membership changes of these trainees (their rows, in id order: no deadlock
    between two writers of overlapping trainees). Without it a withdrawal and an enrollment at the
    same center in two transactions could each compute from what the other has not committed.
    ``FOR NO KEY UPDATE``: it waits for another membership writer, not for the key-share locks
    that inserting an enrollment (or a membership row) takes on the trainee — with ``FOR UPDATE``
    two enrollments of one trainee deadlocked on each other's foreign-key check."""
    ids = sorted(set(trainee_ids))
    if ids and db.session.get_bind().dialect.name == "postgresql":
        for start in range(0, len(ids), CHUNK):
            db.session.execute(select(Trainee.id).where(Trainee.id.in_(ids[start:start + CHUNK]))
                               .order_by(Trainee.id).with_for_update(key_share=True))


def replace(trainee_ids: Iterable[int], wanted: Iterable[Row]) -> None:
    """Make the membership of ``trainee_ids`` exactly ``wanted`` (rows of those trainees): add what
    is missing, remove what no longer holds, correct ``via``. The caller holds
    :func:`lock_trainees`."""
    ids = sorted(set(trainee_ids))
    if not ids:
        return
    note_changed(ids)
    wanted_rows = {(t, c): via for t, c, via in wanted}
    have = {(t, c): via for t, c, via in db.session.execute(
        select(TraineeCenter.trainee_id, TraineeCenter.center_id, TraineeCenter.via)
        .where(TraineeCenter.trainee_id.in_(ids)))}
    gone = sorted(set(have) - set(wanted_rows))
    if gone:
        db.session.execute(delete(TraineeCenter).where(
            tuple_(TraineeCenter.trainee_id, TraineeCenter.center_id).in_(gone)),
            execution_options={"synchronize_session": False})
    now = utcnow()
    _insert_ignoring_existing([{"trainee_id": t, "center_id": c, "via": via, "since": now}
                               for (t, c), via in sorted(wanted_rows.items()) if (t, c) not in have])
    for (t, c), via in sorted(wanted_rows.items()):
        if (t, c) in have and have[(t, c)] != via:
            db.session.execute(update(TraineeCenter).where(
                TraineeCenter.trainee_id == t, TraineeCenter.center_id == c).values(via=via),
                execution_options={"synchronize_session": False})


def member_ids(centers: Iterable[int], *where) -> Select:
    """``SELECT trainee_id`` of the trainees belonging to any of ``centers`` (the primary key's
    leading column: an index range per center), and meeting ``where`` (on their rows: a name
    search on ``TraineeCenter.search_name``)."""
    return select(TraineeCenter.trainee_id).where(TraineeCenter.center_id.in_(sorted(centers) or [-1]), *where)


def centers_of(trainee_id: int) -> set[int]:
    """The centers the trainee belongs to (the trainee_id index)."""
    return set(db.session.scalars(select(TraineeCenter.center_id).where(TraineeCenter.trainee_id == trainee_id)))
