"""Fast bulk loading for the demo: rows are plain tuples buffered per table and written in
chunks — ``COPY … FROM STDIN`` through psycopg on PostgreSQL, one ``executemany`` of a prepared
INSERT on SQLite. Ids are chosen by the caller (from ``max(id) + 1``) so related rows can be
written without reading anything back; PostgreSQL sequences are moved past them at the end.

Values must already be in the database's text form: use :meth:`BulkWriter.ts` for timestamps and
:attr:`BulkWriter.true`/``false`` for booleans; dates are ISO strings. Text values must not
contain tabs, newlines or backslashes (the demo's vocabularies do not)."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import text

from talent.extensions import db


class BulkWriter:
    def __init__(self, chunk_size: int = 20_000):
        self.connection = db.session.connection()
        self.postgres = self.connection.dialect.name == "postgresql"
        self.chunk_size = chunk_size
        self.columns: dict[str, tuple[str, ...]] = {}
        self.buffers: dict[str, list[tuple]] = {}
        self.order: list[str] = []  # registration order = foreign-key order
        self.counts: dict[str, int] = {}
        self.true = "t" if self.postgres else 1
        self.false = "f" if self.postgres else 0
        self._ts_suffix = "+00" if self.postgres else ".000000"

    # -- value formatting -----------------------------------------------------------------
    def ts(self, moment: datetime) -> str:
        """A UTC timestamp (naive or aware-UTC ``datetime``) in the stored text form."""
        return moment.strftime("%Y-%m-%d %H:%M:%S") + self._ts_suffix

    # -- tables --------------------------------------------------------------------------
    def table(self, name: str, columns: tuple[str, ...]) -> None:
        """Register a table; tables are flushed in registration order, so register parents
        before children."""
        self.columns[name] = columns
        self.buffers[name] = []
        self.order.append(name)
        self.counts[name] = 0

    def next_id(self, table: str) -> int:
        return (self.connection.execute(text(f'SELECT max(id) FROM "{table}"')).scalar() or 0) + 1

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.chunk_size:
            self.flush()

    def flush(self) -> None:
        """Write every buffer, parents first, so foreign keys always find their rows."""
        for name in self.order:
            rows = self.buffers[name]
            if rows:
                self._write(name, rows)
                self.counts[name] += len(rows)
                self.buffers[name] = []

    def _write(self, name: str, rows: list[tuple]) -> None:
        columns = self.columns[name]
        if self.postgres:
            raw = self.connection.connection.driver_connection
            lines = "".join(
                "\t".join(r"\N" if v is None else str(v) for v in row) + "\n" for row in rows)
            with raw.cursor() as cursor:
                with cursor.copy(f'COPY "{name}" ({", ".join(columns)}) FROM STDIN') as copy:
                    copy.write(lines)
        else:
            marks = ", ".join("?" for _ in columns)
            self.connection.exec_driver_sql(
                f'INSERT INTO "{name}" ({", ".join(columns)}) VALUES ({marks})', rows)

    def finish(self) -> None:
        """Flush what is left and move PostgreSQL id sequences past the ids we chose."""
        self.flush()
        if self.postgres:
            for name in self.order:
                if "id" in self.columns[name]:
                    self.connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM \"{name}\"), false)"))
