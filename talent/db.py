"""Declarative base with a constraint naming convention, so Alembic can alter constraints on
SQLite (batch mode) and PostgreSQL alike."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import MetaData, DateTime
from sqlalchemy.orm import DeclarativeBase, registry
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


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


# Indexes that autogenerate cannot compare: PostgreSQL's reflection drops the COLLATE of an index
# expression, so the trainee list's collated index (revision 0009) would read as changed on every
# run. Migrations' env.py and the drift test leave them out.
AUTOGENERATE_SKIP_INDEXES = frozenset({"ix_trainees_name_az"})


def include_in_autogenerate(obj, name, type_, reflected, compare_to) -> bool:
    return not (type_ == "index" and name in AUTOGENERATE_SKIP_INDEXES)
