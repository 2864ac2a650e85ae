"""Spreadsheet import of trainees (and their enrollment into a cohort). One service behind the
web upload, the JSON API and ``talent import trainees``.

The file is read and validated once. :func:`preview_import` reads and checks the whole file and
says what would happen to every row; with ``keep`` it stores the validated, normalised rows in the
database (:class:`~talent.imports.models.ImportPreview`, compressed JSON, owned by the user and the
center, one hour) and :func:`commit_preview` — on any app server — commits them without reading
the file again, checking again only what may have changed since (known FINs, the cohort's state
and free seats). :func:`commit_import` is the one-step form (API, CLI): read, check and, only
when no row has a problem, write. Both write through :func:`_write`, everything in
bulk (trainees, enrollments and one audit event per trainee: PostgreSQL ``COPY``, SQLite one
``executemany`` per table; known FINs looked up in chunks, never row by row).
All or nothing: a single bad row writes nothing. Importing the same file again creates nothing
new (known FINs are reused, trainees already in the cohort are left alone).

Rows beyond the cohort's free seats go on the waiting list, or — with ``waitlist=False`` — are a
problem that stops the import.
"""
from __future__ import annotations

import hashlib
import json
import secrets
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import repeat
from typing import Any, Callable

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, String, any_, bindparam, delete, func, insert, literal_column, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError

from talent import audit
from talent.audit import AuditEvent
from talent.centers.models import Center
from talent.db import copy_rows, utcnow
from talent.errors import Conflict, NotFound, TooManyRequests, ValidationError
from talent.extensions import db
from talent.labels import label
from talent.imports.models import ImportPreview
from talent.imports.parser import FileProblem, Sheet, read_sheet
from talent.learning import membership
from talent.learning.models import Cohort, Enrollment
from talent.people.models import MembershipVia, Trainee, TraineeCenter
from talent.people.services import ANOTHER_PERSON, region_index
from talent.people.validation import FIELDS, as_id, clean_trainee_columns, same_person_name
from talent.permissions import Actor, P, require, require_center
from talent.reporting import summary
from talent import clock
from talent.learning.models import CohortStatus, EnrollmentStatus

CHUNK = 500

# What happens to a valid row.
NEW = "new"                 # a new trainee is registered
EXISTING = "existing"       # the FIN is known: the trainee is reused
ENROLLED = EnrollmentStatus.ENROLLED
WAITLISTED = EnrollmentStatus.WAITLISTED
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
    registered_here: bool = False   # EXISTING: registered by the import's center (else elsewhere)


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
    preview_id: str | None = None     # the stored preview (preview_import(keep=True)), for commit_preview
    # Rows answered "this FIN belongs to another person" about someone the actor's centers do not
    # reach: (row, trainee id). Each tells that a FIN is registered (see _spend_known_fins).
    fins_told: list[tuple[int, int]] = field(default_factory=list, repr=False)

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
            "committed": self.committed, "ok": self.ok, "preview_id": self.preview_id, "counts": self.counts,
            "free_seats": self.free_seats,
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


def _validate(data: bytes, center: Center, cohort: Cohort | None, *, today: date | None) -> ImportReport:
    """Read the file and check every row: the work that depends on the file alone, done once, at
    the preview (or at a one-step commit). The report's plans hold the valid rows' clean values;
    nothing here depends on the database beyond the region names."""
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
    if sheet.comment_rows:
        report.warnings.append(str(_l("%(n)d row(s) starting with # (comments, like the template's example row) "
                                      "were skipped.", n=sheet.comment_rows)))
    if not sheet.rows and sheet.comment_rows:
        report.problems.append(Problem(None, None, str(_l(
            "The file has only rows starting with # (comments, like the template's example row); add your "
            "trainees below the header."))))
        return report
    if not sheet.rows:
        report.problems.append(Problem(None, None, str(_l("The file has no rows below the header."))))
        return report

    columns = sheet.columns
    rows = sheet.rows
    count = len(rows)
    width = max(columns.values()) + 1
    cells = [row if len(row) >= width else list(row) + [None] * (width - len(row)) for _number, row in rows]
    raw = {name: [row[index] for row in cells] for name, index in columns.items()}
    names, results, errors = clean_trainee_columns(raw, count, region_index(), today=today or clock.today())
    fins = results[names.index("fin")]
    seen: dict[str, int] = {}
    plans: list[RowPlan] = []
    problems = report.problems
    for index, ((number, _cells), values) in enumerate(zip(rows, zip(*results))):
        fin = fins[index]
        row_errors = errors.get(index)
        if fin is not None:
            first = seen.get(fin)
            if first is not None:
                row_errors = dict(row_errors or {})
                row_errors["fin"] = str(_l("The same FIN is also on row %(row)d.", row=first))
            else:
                seen[fin] = number
        if row_errors:
            for column in FIELDS:
                if column in row_errors:
                    problems.append(Problem(number, column, row_errors[column]))
        else:
            values = dict(zip(names, values))
            plans.append(RowPlan(row=number, fin=fin, name=f"{values['last_name']} {values['first_name']}",
                                 values=values))
    report.plans = plans
    return report


def _resolve(actor: Actor, report: ImportReport, center: Center, cohort: Cohort | None, *, waitlist: bool,
             lock: bool) -> ImportReport:
    """What the valid rows would do now: which FINs are known (and whether they are the same
    person), the cohort's state and free seats (its row locked when ``lock``). Run at the preview
    and again at the commit, on the rows the preview kept: this is all that may have changed."""
    plans = report.plans
    if cohort is not None and cohort.status not in (CohortStatus.PLANNED, CohortStatus.OPEN, CohortStatus.RUNNING):
        report.problems.append(Problem(None, "cohort", str(_l("No enrolling into a %(status)s cohort.",
                                                               status=label(cohort.status, "cohort_status")))))

    # Known FINs, looked up in chunks (with what proves the row is that person). A known FIN is
    # reused only when the row's birth date and name are the recorded ones; otherwise the row is a
    # problem like any bad row, and says nothing about the person the FIN belongs to.
    known = _known_by_fin([p.fin for p in plans]) if plans else {}
    others: dict[int, int] = {}
    for plan in plans:
        record = known.get(plan.fin)
        if record is None:
            continue
        values = plan.values
        if record.birth_date != values["birth_date"] or not same_person_name(
                (record.first_name, record.last_name, record.patronymic),
                (values["first_name"], values["last_name"], values.get("patronymic"))):
            report.problems.append(Problem(plan.row, "fin", str(ANOTHER_PERSON)))
            others[plan.row] = record.id
            continue
        plan.trainee = EXISTING
        plan.trainee_id = record.id
        plan.registered_here = record.registered_by_center_id == center.id
    if others:
        plans = [plan for plan in plans if plan.row not in others]
        reached = _reached(actor, set(others.values()))
        report.fins_told = [(row, trainee_id) for row, trainee_id in others.items() if trainee_id not in reached]

    if cohort is not None:
        if lock:
            cohort = db.session.scalar(select(Cohort).where(Cohort.id == cohort.id).with_for_update(of=Cohort)
                                       .execution_options(populate_existing=True))
        in_cohort = set(db.session.scalars(select(Enrollment.trainee_id).where(Enrollment.cohort_id == cohort.id)))
        enrolled = db.session.scalar(select(func.count()).select_from(Enrollment).where(
            Enrollment.cohort_id == cohort.id, Enrollment.status == EnrollmentStatus.ENROLLED))
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


def _reached(actor: Actor, trainee_ids: set[int]) -> set[int]:
    """Those of ``trainee_ids`` whose records the actor's centers reach (registered there or
    enrolled there: ``TraineeCenter``); an administrator reaches everyone."""
    if actor.center_ids is None or not trainee_ids:
        return set(trainee_ids)
    if not actor.center_ids:
        return set()
    ids, reached = sorted(trainee_ids), set()
    for start in range(0, len(ids), CHUNK):     # a file may have thousands of such rows (SQLite's bound)
        reached.update(db.session.scalars(select(TraineeCenter.trainee_id).distinct().where(
            TraineeCenter.trainee_id.in_(ids[start:start + CHUNK]),
            TraineeCenter.center_id.in_(sorted(actor.center_ids)))))
    return reached


def _spend_known_fins(actor: Actor, report: ImportReport, fin_budget: Callable[[int], bool] | None) -> None:
    """The rows answered "this FIN belongs to another person" about people the actor does not
    reach each tell that a FIN is registered, like the register form's answer (``KnownFin``): they
    are spent from ``fin_budget`` (the interface's: ``people.services.spend_fin_lookups`` with
    the account's and the address's keys; None: not limited, the CLI) and audited
    (``trainee.fin_known``, in the person's activity list). Past the budget the whole preview is
    refused and nothing of it kept. Rows of one's own trainees, rows whose FIN, birth date and
    name matched (the proof the design accepts) and unknown FINs cost nothing."""
    told = report.fins_told
    if not told:
        return
    if fin_budget is not None and not fin_budget(len(told)):
        if report.preview_id is not None:
            db.session.execute(delete(ImportPreview).where(ImportPreview.id == report.preview_id))
            report.preview_id = None
        raise TooManyRequests(_l(
            "Nothing was checked or kept. Rows of this file whose FIN belongs to someone your centers do not "
            "know: %(count)d, more than you may be told now. For the privacy of the people FINs belong to, how "
            "often you are told that a FIN is registered is limited (together with the trainee forms). Check "
            "those FINs and birth dates against the ID cards and upload the file again later.",
            count=len(told)), code="fin_lookups_limited")
    audit.record_many(actor, "trainee.fin_known", "trainee", [
        {"entity_id": trainee_id, "trainee_id": trainee_id, "center_id": report.center_id,
         "details": {"same_person": False, "via": "import", "row": row}} for row, trainee_id in told])
    db.session.flush()


def _ids_by_fin(fins: list[str]) -> dict[str, int]:
    """Trainee ids of the known FINs, looked up in chunks."""
    return {fin: row.id for fin, row in _known_by_fin(fins, Trainee.id).items()}


_IDENTITY = (Trainee.id, Trainee.birth_date, Trainee.first_name, Trainee.last_name, Trainee.patronymic,
             Trainee.registered_by_center_id)


def _known_by_fin(fins: list[str], *columns) -> dict[str, Any]:
    """The known FINs' trainees (id and what identifies the person: birth date, names, registering
    center — or just ``columns``), looked up in chunks of 10,000 with one parameter each
    (PostgreSQL: an array; SQLite: a JSON list read by ``json_each``; elsewhere an IN list of 500),
    through Core: no ORM row processing for thousands of rows."""
    columns = columns or _IDENTITY
    found: dict[str, Any] = {}
    connection = db.session.connection()
    dialect = connection.dialect.name
    size = CHUNK if dialect not in ("postgresql", "sqlite") else 10_000
    for start in range(0, len(fins), size):
        chunk = fins[start:start + size]
        if dialect == "postgresql":
            condition = Trainee.fin == any_(bindparam("fins", chunk, type_=postgresql.ARRAY(String)))
        elif dialect == "sqlite":
            condition = Trainee.fin.in_(select(literal_column("value")).select_from(
                func.json_each(bindparam("fins", json.dumps(chunk), type_=String))))
        else:
            condition = Trainee.fin.in_(chunk)
        found.update((row.fin, row) for row in connection.execute(select(Trainee.fin, *columns).where(condition)))
    return found


class Same:
    """A column value shared by every row of a :func:`_bulk_insert` (converted once)."""
    __slots__ = ("value",)

    def __init__(self, value: Any):
        self.value = value


def _with_defaults(table, columns: dict[str, Any], count: int) -> dict[str, Any]:
    """``columns`` plus the Python-side defaults of the columns it leaves out, as Core's
    ``insert`` would fill them in."""
    columns = dict(columns)
    for column in table.c:
        default = column.default
        if column.name in columns or default is None or column.primary_key:
            continue
        if default.is_scalar:
            columns[column.name] = Same(default.arg)
        elif default.is_callable:
            columns[column.name] = [default.arg(None) for _ in range(count)]
        else:
            # A SQL-expression default cannot be filled in here. No column of the three bulk-written
            # tables has one; if a model gains one, the import tests (tests/test_import_bulk.py) fail
            # here at once: give the column's value explicitly in the import's columns.
            raise TypeError(f"{table.name}.{column.name} has a SQL expression default: pass its value "
                            "explicitly to _bulk_insert")
    return columns


def _memo_key(value: Any) -> Any:
    """A key under which equal values are written alike (raises TypeError for anything else):
    the class is part of it (1 == True == 1.0, but they are written differently), a timestamp's
    time zone too; floats (0.0 == -0.0) and containers other than flat dicts are not memoized."""
    cls = value.__class__
    if cls is dict:
        return tuple((k.__class__, k, _memo_key(v)) for k, v in value.items())
    if cls is datetime:
        return cls, value, value.tzinfo
    if cls in (str, int, bool, date, type(None)) or issubclass(cls, str):   # str: also the status enums
        return cls, value
    raise TypeError(cls)


def _memoized(process):
    """A converter that converts each distinct value once: the audit details of an import repeat
    a handful of shapes across thousands of rows, its timestamps are all one "now"."""
    cache: dict[Any, Any] = {}
    # The same dict object (the import shares one details dict per shape) is looked up by identity
    # first, without building its key again; the entry holds the object, so the id is not reused.
    same: dict[int, tuple[Any, Any]] = {}

    def convert(value):
        if value.__class__ is dict:
            hit = same.get(id(value))
            if hit is not None and hit[0] is value:
                return hit[1]
        try:
            key = _memo_key(value)
        except TypeError:
            return process(value)
        try:
            result = cache[key]
        except KeyError:
            cache[key] = result = process(value)
        if value.__class__ is dict:
            same[id(value)] = (value, result)
        return result
    return convert


def _json_text(process, connection):
    """Core's JSON bind processor for psycopg wraps a value in ``Json``, which COPY would dump
    again for every row; dump it here, as psycopg would, so that a memoized value is dumped once."""
    from psycopg.adapt import PyFormat
    from psycopg.types.json import Json
    raw = connection.connection.driver_connection
    dumper = raw.adapters.get_dumper(Json, PyFormat.TEXT)(Json, raw)

    def convert(value):
        wrapped = process(value)
        return bytes(dumper.dump(wrapped)).decode() if isinstance(wrapped, Json) else wrapped
    return convert


def _bulk_insert(table, columns: dict[str, Any], count: int) -> None:
    """Insert ``count`` rows given column by column (a list of ``count`` values, or :class:`Same`)
    in the current transaction, without per-row ORM or Core work: the values go through the bind
    processors Core would use (a shared value converted once), then PostgreSQL COPY (psycopg) or
    SQLite one DB-API executemany."""
    if not count:
        return
    connection = db.session.connection()
    dialect = connection.dialect
    columns = _with_defaults(table, columns, count)
    names = list(columns)
    if dialect.name not in ("postgresql", "sqlite"):   # the statements below are written for these two
        rows = [{name: (value.value if isinstance(value, Same) else value[i]) for name, value in columns.items()}
                for i in range(count)]
        db.session.execute(insert(table), rows)
        return
    values = []
    for name in names:
        column = columns[name]
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        if process is not None and dialect.name == "postgresql" and isinstance(table.c[name].type, JSON):
            process = _json_text(process, connection)
        if process is None:
            values.append(repeat(column.value, count) if isinstance(column, Same) else column)
        elif isinstance(column, Same):
            values.append(repeat(process(column.value), count))
        else:   # memoized: JSON details, dates and timestamps repeat across the rows
            values.append(list(map(_memoized(process), column)))
    copy_rows(connection, table.name, names, zip(*values))


def _new_ids(table, count: int) -> list[int] | None:
    """The ids of ``count`` new rows, so rows written in bulk need no look-up afterwards.
    PostgreSQL: drawn from the table's id sequence in one statement. SQLite: the ones after the
    largest (what SQLite would give them; a writer that slipped in between makes the insert fail,
    never two rows share an id). None elsewhere."""
    connection = db.session.connection()
    if not count:
        return None
    if connection.dialect.name == "postgresql":
        return list(connection.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) FROM generate_series(1, :n)"),
            {"table": table.name, "n": count}))
    if connection.dialect.name == "sqlite":
        last = connection.scalar(select(func.coalesce(func.max(table.c.id), 0)))
        return list(range(last + 1, last + 1 + count))
    return None


# ---- the preview, kept server-side ----------------------------------------------------------

PAYLOAD_VERSION = 1


def _pack(report: ImportReport) -> bytes:
    """The validated part of a report (file problems and warnings, the valid rows' clean values
    column by column) as compressed JSON."""
    plans = report.plans
    names = list(plans[0].values) if plans else []
    columns = {name: [plan.values[name] for plan in plans] for name in names}
    if "birth_date" in columns:
        columns["birth_date"] = [value.isoformat() for value in columns["birth_date"]]
    body = {"v": PAYLOAD_VERSION, "format": report.format, "rows_read": report.rows_read,
            "problems": [[p.row, p.column, p.message] for p in report.problems],
            "warnings": report.warnings, "rows": [plan.row for plan in plans], "columns": columns}
    return zlib.compress(json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(), 1)


def _unpack(payload: bytes, center_id: int, cohort_id: int | None) -> ImportReport:
    body = json.loads(zlib.decompress(payload))
    report = ImportReport(center_id=center_id, cohort_id=cohort_id, rows_read=body["rows_read"],
                          format=body["format"], warnings=list(body["warnings"]),
                          problems=[Problem(row, column, message) for row, column, message in body["problems"]])
    columns = body["columns"]
    if "birth_date" in columns:
        columns["birth_date"] = list(map(date.fromisoformat, columns["birth_date"]))
    names = list(columns)
    report.plans = [RowPlan(row=row, fin=values["fin"], name=f"{values['last_name']} {values['first_name']}",
                            values=values)
                    for row, values in zip(body["rows"], (dict(zip(names, cells)) for cells in zip(*columns.values())))]
    return report


def _keep(actor: Actor, report: ImportReport, data: bytes, *, waitlist: bool, filename: str | None) -> str:
    """Store the preview's validated rows; returns its unguessable id. Expired previews go."""
    purge_previews()
    now = utcnow()
    preview = ImportPreview(
        id=secrets.token_urlsafe(32), user_id=actor.user_id, actor_label=(actor.label or "")[:255],
        center_id=report.center_id, cohort_id=report.cohort_id, waitlist=waitlist,
        filename=_printable(filename), format=report.format, digest=hashlib.sha256(data).hexdigest(),
        rows_read=report.rows_read, valid_rows=len(report.plans), payload=_pack(report), created_at=now,
        expires_at=now + timedelta(seconds=current_app.config.get("IMPORT_PREVIEW_SECONDS", 3600)))
    db.session.add(preview)
    db.session.flush()
    return preview.id


def _printable(filename: str | None) -> str:
    return "".join(ch for ch in (filename or "") if ch.isprintable())[:100]


def preview_import(actor: Actor, data: bytes, *, center_id: Any, cohort_id: Any = None, waitlist: bool = True,
                   today: date | None = None, keep: bool = False, filename: str | None = None,
                   fin_budget: Callable[[int], bool] | None = None) -> ImportReport:
    """Read and check a file once and say what would happen to each row. With ``keep`` the
    validated rows are stored (:class:`ImportPreview`, the report's ``preview_id``) for
    :func:`commit_preview`, which never reads the file again; otherwise nothing is written but
    the audit of the rows that tell a FIN is registered, which are spent from ``fin_budget``
    (:func:`_spend_known_fins`; past it: :class:`TooManyRequests` and nothing kept)."""
    center, cohort = _load_targets(actor, center_id, cohort_id)
    report = _validate(data, center, cohort, today=today)
    if keep:   # what the file says is stored before the database's part of the report is added
        report.preview_id = _keep(actor, report, data, waitlist=waitlist, filename=filename)
    _resolve(actor, report, center, cohort, waitlist=waitlist, lock=False)
    _spend_known_fins(actor, report, fin_budget)
    return report


def _open(actor: Actor, preview_id: Any) -> tuple[ImportPreview, Center, Cohort | None]:
    """The actor's own preview, not expired (nor committed, for a commit), its center and cohort
    still theirs. Another user's preview, or an unknown id, is not found."""
    require(actor, P.IMPORTS_RUN)
    preview = db.session.get(ImportPreview, preview_id) if isinstance(preview_id, str) and preview_id else None
    if preview is None or preview.user_id != actor.user_id:
        raise NotFound(_l("Not found."))
    if preview.committed_at is not None:
        raise Conflict(_l("This file was already imported."), code="import_committed")
    if preview.expires_at <= utcnow():
        raise Conflict(_l("The preview expired. Upload the file again."), code="import_expired")
    center, cohort = _load_targets(actor, preview.center_id, preview.cohort_id)
    return preview, center, cohort


def show_preview(actor: Actor, preview_id: Any) -> ImportReport:
    """The stored preview's report, as it stands now (known FINs and free seats read again)."""
    preview, center, cohort = _open(actor, preview_id)
    report = _unpack(preview.payload, center.id, cohort.id if cohort else None)
    report.preview_id = preview.id
    return _resolve(actor, report, center, cohort, waitlist=preview.waitlist, lock=False)


def preview_details(actor: Actor, preview_id: Any) -> ImportPreview:
    """The stored preview's own record (file name, waiting-list choice) for its page."""
    return _open(actor, preview_id)[0]


def discard_preview(actor: Actor, preview_id: Any) -> None:
    """Forget one's own uncommitted preview (its rows are deleted at once)."""
    if isinstance(preview_id, str) and preview_id:
        db.session.execute(delete(ImportPreview).where(ImportPreview.id == preview_id,
                                                       ImportPreview.user_id.is_(None) if actor.user_id is None
                                                       else ImportPreview.user_id == actor.user_id,
                                                       ImportPreview.committed_at.is_(None)))


def purge_previews(now: datetime | None = None) -> int:
    """Delete the expired previews (committed or not); returns how many. Run by
    ``talent import purge-previews`` and whenever a new preview is stored."""
    result = db.session.execute(delete(ImportPreview).where(ImportPreview.expires_at <= (now or utcnow())))
    return result.rowcount or 0


def commit_preview(actor: Actor, preview_id: Any) -> ImportReport:
    """Commit a stored preview: its rows are not read from the file again, only what may have
    changed since is checked again (known FINs, the cohort's state and free seats, its row
    locked). Any app server can commit what another previewed. A preview is committed once: a
    second commit is a Conflict. With any problem nothing is written (``committed = False``) and
    the preview stays for another try."""
    preview, center, cohort = _open(actor, preview_id)
    # Claim it first: of two commits of one preview (two clicks, two servers) one waits here on
    # the row and then finds it taken.
    now = utcnow()
    claimed = db.session.execute(
        update(ImportPreview).where(ImportPreview.id == preview.id, ImportPreview.committed_at.is_(None))
        .values(committed_at=now).execution_options(synchronize_session=False))
    if claimed.rowcount != 1:
        raise Conflict(_l("This file was already imported."), code="import_committed")
    report = _unpack(preview.payload, center.id, cohort.id if cohort else None)
    report.preview_id = preview.id
    _resolve(actor, report, center, cohort, waitlist=preview.waitlist, lock=True)
    if not report.ok:   # nothing written: the claim is given back, the preview may be committed later
        db.session.execute(update(ImportPreview).where(ImportPreview.id == preview.id).values(committed_at=None)
                           .execution_options(synchronize_session=False))
        return report
    _write(actor, report, center, cohort, filename=preview.filename)
    # The rows are not needed any more; the record stays (refusing a second commit) until it expires.
    db.session.execute(update(ImportPreview).where(ImportPreview.id == preview.id).values(payload=b"")
                       .execution_options(synchronize_session=False))
    db.session.expire(preview)
    return report


def commit_import(actor: Actor, data: bytes, *, center_id: Any, cohort_id: Any = None, waitlist: bool = True,
                  filename: str | None = None, today: date | None = None,
                  fin_budget: Callable[[int], bool] | None = None) -> ImportReport:
    """Check the file (once; the cohort row locked) and, when every row is valid, register the new
    trainees, enroll them and audit it: the one-step import of the API and the CLI. With any
    problem nothing is written and the report says ``committed = False`` (the rows that tell a
    FIN is registered are spent from ``fin_budget`` and audited, as for :func:`preview_import`)."""
    center, cohort = _load_targets(actor, center_id, cohort_id)
    report = _validate(data, center, cohort, today=today)
    _resolve(actor, report, center, cohort, waitlist=waitlist, lock=True)
    _spend_known_fins(actor, report, fin_budget)
    if not report.ok:
        return report
    _write(actor, report, center, cohort, filename=filename)
    return report


def _write(actor: Actor, report: ImportReport, center: Center, cohort: Cohort | None, *,
           filename: str | None) -> None:
    """The import's one write path, for a resolved report without problems: the new trainees,
    the enrollments and the audit events, in bulk (``copy_rows``)."""
    now = utcnow()
    new = [plan for plan in report.plans if plan.trainee == NEW]
    if new:
        trainee_columns: dict[str, Any] = {name: [plan.values[name] for plan in new] for name in new[0].values}
        trainee_columns.update(registered_by_center_id=Same(center.id), consent_at=Same(now), created_at=Same(now),
                               updated_at=Same(now))
        ids = _new_ids(Trainee.__table__, len(new))
        if ids is not None:
            trainee_columns["id"] = ids
        try:
            _bulk_insert(Trainee.__table__, trainee_columns, len(new))
        except IntegrityError:  # another import or registration took some of these FINs meanwhile
            raise Conflict(_l("Some of these trainees were registered by someone else while the file was being "
                              "imported. Nothing was imported; check the file again.")) from None
        if ids is None:
            created = _ids_by_fin([plan.fin for plan in new])
            ids = [created[plan.fin] for plan in new]
        for plan, trainee_id in zip(new, ids):
            plan.trainee_id = trainee_id
    if cohort is not None:
        placed = [plan for plan in report.plans if plan.enrollment in (ENROLLED, WAITLISTED)]
        _bulk_insert(Enrollment.__table__, {
            "trainee_id": [plan.trainee_id for plan in placed], "cohort_id": Same(cohort.id),
            "status": [plan.enrollment for plan in placed], "applied_at": Same(now),
            "enrolled_at": [now if plan.enrollment == ENROLLED else None for plan in placed],
            "waitlisted_at": [None if plan.enrollment == ENROLLED else now for plan in placed],
            "created_by_id": Same(actor.user_id)}, len(placed))
        # Core rows: the report summary adds the import's enrolled rows to the cohort's counts
        # (the same figures as a recount of the cohort, without reading the cohort back).
        summary.add_enrolled(db.session, cohort.id, (plan.trainee_id for plan in placed if plan.enrollment == ENROLLED))
    # Core rows: the trainee–center membership (learning's rule: the registering center, and the
    # cohort's center for an enrolled row). A trainee registered by this import has exactly one
    # row, written in bulk: this center (the cohort's too), "registered" (it outranks "enrolled"),
    # since now. Known trainees placed as enrolled go through the rule (one INSERT … SELECT).
    if new:
        _bulk_insert(TraineeCenter.__table__, {
            "trainee_id": [plan.trainee_id for plan in new], "center_id": Same(center.id),
            "via": Same(str(MembershipVia.REGISTERED)), "since": Same(now),
            "search_name": [plan.values["search_name"] for plan in new]}, len(new))
    membership.add(plan.trainee_id for plan in report.plans if plan.trainee == EXISTING and plan.enrollment == ENROLLED)
    event = audit.record(actor, "import.trainees", "center", center.id, center_id=center.id,
                         details={"cohort_id": cohort.id if cohort else None, "file": _printable(filename),
                                  **report.counts})
    db.session.flush()
    # One audit event per trainee registered or placed by the import, written in bulk.
    audited = [plan for plan in report.plans if plan.trainee == NEW or plan.enrollment in (ENROLLED, WAITLISTED)]
    details: dict[tuple[str, str | None], dict[str, Any]] = {}   # a few shapes, shared by the rows
    for plan in audited:
        if (plan.trainee, plan.enrollment) not in details:
            details[plan.trainee, plan.enrollment] = {"import_event": event.id, "trainee": plan.trainee,
                                                      "enrollment": plan.enrollment}
    _bulk_insert(AuditEvent.__table__, {
        "at": Same(now), "actor_id": Same(actor.user_id), "actor_label": Same(actor.label),
        "channel": Same(actor.channel), "ip": Same(actor.ip), "action": Same("import.row"),
        "entity_type": Same("trainee"), "entity_id": [str(plan.trainee_id) for plan in audited],
        "trainee_id": [plan.trainee_id for plan in audited], "center_id": Same(center.id),
        "details": [details[plan.trainee, plan.enrollment] for plan in audited]}, len(audited))
    db.session.flush()
    report.committed = True
