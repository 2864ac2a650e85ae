"""Declarative base with a constraint naming convention, so Alembic can alter constraints on
SQLite (batch mode) and PostgreSQL alike."""
from __future__ import annotations

from datetime import datetime, timezone
from itertools import chain
from typing import Any, Callable, Iterable, Sequence

from sqlalchemy import MetaData, DateTime, event, inspect
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Session, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# ---- work done before a transaction commits, in a fixed order -----------------------------------

_COMMIT_STEPS: list[tuple[int, Callable[[Session], None]]] = []


def before_commit_step(order: int) -> Callable[[Callable[[Session], None]], Callable[[Session], None]]:
    """Run the decorated ``step(session)`` before a whole transaction commits (not at a savepoint's
    release), after every step of a lower ``order``. Steps that lock rows take them in this order,
    so two transactions never wait for each other's locks in a cycle: the report summary locks its
    cohorts (10) before the follow-up queue locks its trainees (20), whichever module was imported
    first."""
    def register(step: Callable[[Session], None]) -> Callable[[Session], None]:
        _COMMIT_STEPS.append((order, step))
        _COMMIT_STEPS.sort(key=lambda item: item[0])
        return step
    return register


@event.listens_for(Session, "before_commit")
def _run_commit_steps(session: Session) -> None:
    if session.in_nested_transaction():
        return
    for _order, step in list(_COMMIT_STEPS):
        step(session)


def watched_changes(session: Session, watched: dict[type, tuple[str, ...]]):
    """The objects of a flush (``after_flush``: the pre-flush state and attribute history are
    still visible) whose class is watched and which are new, deleted, or changed in a watched
    attribute; each as (object, class, is_dirty)."""
    for obj in chain(session.new, session.dirty, session.deleted):
        kind = type(obj)
        names = watched.get(kind)
        if names is None:
            continue
        is_dirty = obj not in session.new and obj not in session.deleted
        if is_dirty and not any(inspect(obj).attrs[n].history.has_changes() for n in names):
            continue
        yield obj, kind, is_dirty


def attribute_values(obj, name: str) -> list[Any]:
    """An attribute's current value and, when a flush changed it, its previous ones (None left out):
    every key a change of ``obj`` may have moved."""
    history = inspect(obj).attrs[name].history
    return [v for v in chain([getattr(obj, name)], history.deleted or ()) if v is not None]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC timestamps on both SQLite (which stores naive text) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None:
            if value.tzinfo is None:
                value = value.replace(tzinfo=timezone.utc)
            value = value.astimezone(timezone.utc)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


class Base(DeclarativeBase):
    registry = registry(metadata=MetaData(naming_convention=NAMING_CONVENTION),
                        type_annotation_map={datetime: UTCDateTime()})


def in_check(column: str, values) -> str:
    """SQL text for a CHECK that a column holds one of a fixed set of strings."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


def copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """The one bulk writer (CSV/XLSX imports, the demo data): ``rows`` (tuples in ``columns`` order)
    into ``table`` on ``connection``, in its transaction, without per-row ORM or Core work —
    PostgreSQL ``COPY … FROM STDIN`` through psycopg (which adapts and escapes each value; None is
    NULL), SQLite one DB-API ``executemany`` of a prepared INSERT. Values are what the driver takes
    (run them through the columns' bind processors first where the type needs it). A broken key or
    constraint raises SQLAlchemy's :class:`IntegrityError` on both."""
    dialect = connection.dialect
    preparer = dialect.identifier_preparer
    target = f"{preparer.quote(table)} ({', '.join(preparer.quote(name) for name in columns)})"
    if dialect.name == "postgresql":
        import psycopg
        cursor = connection.connection.driver_connection.cursor()
        try:
            with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        except psycopg.errors.IntegrityError as error:   # the same meaning as SQLAlchemy's, for the caller
            raise IntegrityError(f"COPY {table}", None, error) from error
        finally:
            cursor.close()
    elif dialect.name == "sqlite":
        connection.exec_driver_sql(f"INSERT INTO {target} VALUES ({', '.join('?' * len(columns))})", list(rows))
    else:
        raise NotImplementedError(f"copy_rows: no bulk path for {dialect.name}")


# Indexes that autogenerate cannot compare: PostgreSQL's reflection drops the COLLATE of an index
# expression, so the trainee list's collated index (revision 0009) would read as changed on every
# run. Migrations' env.py and the drift test leave them out.
AUTOGENERATE_SKIP_INDEXES = frozenset({"ix_trainees_name_az"})


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in AUTOGENERATE_SKIP_INDEXES)
