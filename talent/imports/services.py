"""Spreadsheet import of trainees (and their enrollment into a cohort). One service behind the
web upload, the JSON API and ``talent import trainees``.

:func:`preview_import` reads and checks the whole file and says what would happen to every row;
:func:`commit_import` does the same and, only when no row has a problem, writes everything in
bulk (Core ``INSERT`` of trainees, enrollments and audit events; known FINs looked up in chunks).
All or nothing: a single bad row writes nothing. Importing the same file again creates nothing
new (known FINs are reused, trainees already in the cohort are left alone).

Rows beyond the cohort's free seats go on the waiting list, or — with ``waitlist=False`` — are a
problem that stops the import.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from talent import audit
from talent.audit import AuditEvent
from talent.centers.models import Center
from talent.db import utcnow
from talent.errors import Conflict, NotFound, ValidationError
from talent.extensions import db
from talent.imports.parser import FileProblem, Sheet, read_sheet
from talent.learning.models import Cohort, Enrollment
from talent.people.models import Trainee
from talent.people.services import region_index
from talent.people.validation import FIELDS, as_id, clean_trainee
from talent.permissions import Actor, P, require, require_center

CHUNK = 500

# What happens to a valid row.
NEW = "new"                 # a new trainee is registered
EXISTING = "existing"       # the FIN is known: the trainee is reused
ENROLLED = "enrolled"
WAITLISTED = "waitlisted"
ALREADY = "already"         # already in the cohort: nothing changes


@dataclass
class Problem:
    row: int | None          # spreadsheet row number (1 = header); None for the file as a whole
    column: str | None
    message: str


@dataclass
class RowPlan:
    row: int
    fin: str
    name: str
    trainee: str = NEW       # NEW or EXISTING
    enrollment: str | None = None   # ENROLLED, WAITLISTED, ALREADY or None (no cohort)
    values: dict[str, Any] = field(default_factory=dict, repr=False)
    trainee_id: int | None = None


@dataclass
class ImportReport:
    center_id: int
    cohort_id: int | None
    rows_read: int = 0
    plans: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    free_seats: int | None = None
    committed: bool = False
    format: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def counts(self) -> dict[str, int]:
        counts = {"rows": self.rows_read, "valid": len(self.plans),
                  "rows_with_problems": len({p.row for p in self.problems if p.row is not None}),
                  "new": 0, "existing": 0, "enrolled": 0, "waitlisted": 0, "already": 0}
        for plan in self.plans:
            counts[plan.trainee] += 1
            if plan.enrollment:
                counts[plan.enrollment] += 1
        return counts

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form (the API and the CLI's report). No personal data beyond the file's."""
        return {
            "committed": self.committed, "ok": self.ok, "counts": self.counts, "free_seats": self.free_seats,
            "problems": [{"row": p.row, "column": p.column, "message": p.message} for p in self.problems],
            "warnings": list(self.warnings),
            "rows": [{"row": p.row, "fin": p.fin, "trainee": p.trainee, "enrollment": p.enrollment}
                     for p in self.plans],
        }


def _load_targets(actor: Actor, center_id: Any, cohort_id: Any) -> tuple[Center, Cohort | None]:
    require(actor, P.IMPORTS_RUN)
    center = db.session.get(Center, as_id(center_id)) if as_id(center_id) else None
    if center is None:
        raise ValidationError(_l("Please correct the marked fields."), fields={"center_id": str(_l("Unknown center."))})
    require_center(actor, P.IMPORTS_RUN, center.id)
    cohort = None
    if cohort_id not in (None, "", 0):
        cohort = db.session.get(Cohort, as_id(cohort_id)) if as_id(cohort_id) else None
        if cohort is None or not actor.covers_center(cohort.center_id):
            raise NotFound(_l("Not found."))
        if cohort.center_id != center.id:
            raise ValidationError(_l("Please correct the marked fields."),
                                  fields={"cohort_id": str(_l("The cohort is not at this center."))})
        require(actor, P.ENROLLMENTS_WRITE, cohort.center_id)
    return center, cohort


def check_targets(actor: Actor, center_id: Any, cohort_id: Any = None) -> tuple[Center, Cohort | None]:
    """The center (one of the actor's) and the optional cohort (of that center) an import goes
    to; raises ValidationError/PermissionDenied/NotFound. For interfaces that check before upload."""
    return _load_targets(actor, center_id, cohort_id)


def _plan(actor: Actor, data: bytes, center: Center, cohort: Cohort | None, *, waitlist: bool,
          lock: bool, today: date | None) -> ImportReport:
    report = ImportReport(center_id=center.id, cohort_id=cohort.id if cohort else None)
    try:
        sheet: Sheet = read_sheet(data, max_rows=current_app.config["IMPORT_MAX_ROWS"],
                                  max_bytes=current_app.config["IMPORT_MAX_BYTES"])
    except FileProblem as problem:
        report.problems.append(Problem(None, None, str(problem.message)))
        return report
    report.format = sheet.format
    report.rows_read = len(sheet.rows)
    if sheet.unknown_columns:
        report.warnings.append(str(_l("These columns are not used: %(names)s.",
                                      names=", ".join(sheet.unknown_columns))))
    if not sheet.rows:
        report.problems.append(Problem(None, None, str(_l("The file has no rows below the header."))))
        return report
    if cohort is not None and cohort.status not in ("planned", "open", "running"):
        report.problems.append(Problem(None, "cohort", str(_l("No enrolling into a %(status)s cohort.",
                                                               status=cohort.status))))

    regions = region_index()
    today = today or date.today()
    columns = sheet.columns
    get = {name: columns.get(name) for name in FIELDS}
    seen: dict[str, int] = {}
    plans: list[RowPlan] = []
    for number, cells in sheet.rows:
        raw = {name: (cells[index] if index is not None and index < len(cells) else None)
               for name, index in get.items()}
        values, errors = clean_trainee(raw, regions, today=today)
        fin = values.get("fin")
        if fin is not None:
            first = seen.get(fin)
            if first is not None:
                errors["fin"] = str(_l("The same FIN is also on row %(row)d.", row=first))
            else:
                seen[fin] = number
        for column in FIELDS:
            if column in errors:
                report.problems.append(Problem(number, column, errors[column]))
        if not errors:
            plans.append(RowPlan(row=number, fin=fin, name=f"{values['last_name']} {values['first_name']}",
                                 values=values))

    # Known FINs, looked up in chunks.
    known = _ids_by_fin([p.fin for p in plans])
    for plan in plans:
        if plan.fin in known:
            plan.trainee = EXISTING
            plan.trainee_id = known[plan.fin]

    if cohort is not None:
        if lock:
            cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort.id).with_for_update(of=Cohort)
                                       .execution_options(populate_existing=True))
        in_cohort = set(db.session.scalars(select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort.id)))
        enrolled = db.session.scalar(select(func.count()).select_from(Enrollment).where(
            Enrollment.cohort_id == cohort.id, Enrollment.status == "enrolled"))
        free = max(cohort.capacity - enrolled, 0)
        report.free_seats = free
        to_place = 0
        for plan in plans:
            if plan.trainee_id is not None and plan.trainee_id in in_cohort:
                plan.enrollment = ALREADY
            elif free > 0:
                plan.enrollment = ENROLLED
                free -= 1
            else:
                plan.enrollment = WAITLISTED
                to_place += 1
        if to_place:
            message = str(_l("%(rows)d rows more than the %(free)d free seats of the cohort.",
                             rows=to_place, free=report.free_seats))
            if waitlist:
                report.warnings.append(message + " " + str(_l("They go on the waiting list.")))
            else:
                for plan in plans:
                    if plan.enrollment == WAITLISTED:
                        report.problems.append(Problem(plan.row, None, str(_l("No free seat left in the cohort."))))
                report.problems.append(Problem(None, None, message))
    report.problems.sort(key=lambda p: (p.row or 0, FIELDS.index(p.column) if p.column in FIELDS else 99))
    report.plans = plans
    return report


def _ids_by_fin(fins: list[str]) -> dict[str, int]:
    """Trainee ids of the known FINs, looked up in chunks (PostgreSQL: one array parameter per
    chunk; elsewhere an IN list)."""
    found: dict[str, int] = {}
    postgres = db.session.connection().dialect.name == "postgresql"
    size = 10_000 if postgres else CHUNK
    for start in range(0, len(fins), size):
        chunk = fins[start:start + size]
        if postgres:
            from sqlalchemy import String, any_, bindparam
            from sqlalchemy.dialects.postgresql import ARRAY
            condition = Trainee.fin == any_(bindparam("fins", chunk, type_=ARRAY(String)))
        else:
            condition = Trainee.fin.in_(chunk)
        found.update(db.session.execute(select(Trainee.fin, Trainee.id).where(condition)).tuples().all())
    return found


def _bulk_insert(table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows with uniform keys in the current transaction, without per-row ORM work:
    PostgreSQL COPY (psycopg), elsewhere one Core executemany."""
    if not rows:
        return
    connection = db.session.connection()
    if connection.dialect.name == "postgresql":
        import json
        columns = list(rows[0])
        json_columns = {name for name in columns if table.c[name].type.__class__.__name__ == "JSON"}
        cursor = connection.connection.driver_connection.cursor()
        names = ", ".join(f'"{name}"' for name in columns)
        import psycopg
        try:
            with cursor.copy(f'COPY "{table.name}" ({names}) FROM STDIN') as copy:
                for row in rows:
                    copy.write_row([json.dumps(row[name]) if name in json_columns and row[name] is not None
                                    else row[name] for name in columns])
        except psycopg.errors.IntegrityError as error:   # same meaning as SQLAlchemy's, for the caller
            raise IntegrityError(f"COPY {table.name}", None, error) from error
        finally:
            cursor.close()
    else:
        db.session.execute(insert(table), rows)


def preview_import(actor: Actor, data: bytes, *, center_id: Any, cohort_id: Any = None, waitlist: bool = True,
                   today: date | None = None) -> ImportReport:
    """Check a file and say what would happen to each row. Writes nothing."""
    center, cohort = _load_targets(actor, center_id, cohort_id)
    return _plan(actor, data, center, cohort, waitlist=waitlist, lock=False, today=today)


def commit_import(actor: Actor, data: bytes, *, center_id: Any, cohort_id: Any = None, waitlist: bool = True,
                  filename: str | None = None, today: date | None = None) -> ImportReport:
    """Check the file again (the cohort row locked) and, when every row is valid, register the new
    trainees, enroll them and audit it. With any problem nothing is written and the report says
    ``committed = False``."""
    center, cohort = _load_targets(actor, center_id, cohort_id)
    report = _plan(actor, data, center, cohort, waitlist=waitlist, lock=True, today=today)
    if not report.ok:
        return report
    now = utcnow()
    new_rows = [dict(p.values, registered_by_center_id=center.id, consent_at=now, created_at=now, updated_at=now)
                for p in report.plans if p.trainee == NEW]
    if new_rows:
        try:
            _bulk_insert(Trainee.__table__, new_rows)
        except IntegrityError:  # another import or registration took some of these FINs meanwhile
            raise Conflict(_l("Some of these trainees were registered by someone else while the file was being "
                              "imported. Nothing was imported; check the file again.")) from None
        created = _ids_by_fin([r["fin"] for r in new_rows])
        for plan in report.plans:
            if plan.trainee == NEW:
                plan.trainee_id = created[plan.fin]
    enrollment_rows = []
    if cohort is not None:
        for plan in report.plans:
            if plan.enrollment in (ENROLLED, WAITLISTED):
                enrolled = plan.enrollment == ENROLLED
                enrollment_rows.append({"trainee_id": plan.trainee_id, "cohort_id": cohort.id,
                                        "status": plan.enrollment, "applied_at": now,
                                        "enrolled_at": now if enrolled else None,
                                        "waitlisted_at": None if enrolled else now,
                                        "created_by_id": actor.user_id})
        if enrollment_rows:
            # Core executemany (uniform keys): no per-row ORM work.
            _bulk_insert(Enrollment.__table__, enrollment_rows)
    event = audit.record(actor, "import.trainees", "center", center.id, center_id=center.id,
                         details={"cohort_id": cohort.id if cohort else None, "file": "".join(ch for ch in (filename or "") if ch.isprintable())[:100],
                                  **report.counts})
    db.session.flush()
    row_events = [
        {"at": now, "actor_id": actor.user_id, "actor_label": actor.label, "channel": actor.channel, "ip": actor.ip,
         "action": "import.row", "entity_type": "trainee", "entity_id": str(plan.trainee_id),
         "trainee_id": plan.trainee_id, "center_id": center.id,
         "details": {"import_event": event.id, "trainee": plan.trainee, "enrollment": plan.enrollment}}
        for plan in report.plans if plan.trainee == NEW or plan.enrollment in (ENROLLED, WAITLISTED)]
    if row_events:
        _bulk_insert(AuditEvent.__table__, row_events)
    db.session.flush()
    report.committed = True
    return report
