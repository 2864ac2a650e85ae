"""Fast bulk loading for the demo: rows are plain tuples buffered per table and written in
chunks by :func:`talent.db.copy_rows` (the one bulk writer, which the imports use too) —
``COPY … FROM STDIN`` through psycopg on PostgreSQL, one ``executemany`` of a prepared INSERT on
SQLite. Ids are chosen by the caller (from ``max(id) + 1``) so related rows can be
written without reading anything back; PostgreSQL sequences are moved past them at the end.

Values must already be in the database's text form: use :meth:`BulkWriter.ts` for timestamps and
:attr:`BulkWriter.true`/``false`` for booleans; dates are ISO strings.

On PostgreSQL the COPYs run in one background thread while the caller generates the next
chunk: the server checks keys and builds indexes on the second core instead of the two taking
turns. Only that thread touches the connection until :meth:`BulkWriter.flush` (``wait=True``)
or :meth:`BulkWriter.finish` returns."""
from __future__ import annotations

import queue
import threading
from datetime import datetime

from sqlalchemy import text

from talent.db import copy_rows
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
        self._queue: queue.Queue | None = None
        self._worker: threading.Thread | None = None
        self._error: BaseException | None = None
        self._deferred: list[str] = []
        if self.postgres:
            self._queue = queue.Queue(maxsize=4)
            self._worker = threading.Thread(target=self._work, name="demo-copy", daemon=True)
            self._worker.start()

    # -- value formatting -----------------------------------------------------------------
    def ts(self, moment: datetime) -> str:
        """A UTC timestamp (naive or aware-UTC ``datetime``) in the stored text form."""
        return moment.isoformat(" ", "seconds")[:19] + self._ts_suffix

    # -- tables --------------------------------------------------------------------------
    def table(self, name: str, columns: tuple[str, ...]) -> None:
        """Register a table; tables are flushed in registration order, so register parents
        before children."""
        self.columns[name] = columns
        self.buffers[name] = []
        self.order.append(name)
        self.counts[name] = 0

    def defer_indexes(self) -> None:
        """PostgreSQL, large loads: drop the plain (non-unique) indexes of the registered tables
        now and build them once in :meth:`finish` — one sort per index instead of a million
        random B-tree inserts. Unique indexes and keys stay, so integrity is checked as rows
        arrive. Everything happens in the caller's transaction."""
        if not self.postgres:
            return
        rows = self.connection.execute(text(
            "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
            "AND tablename = ANY(:tables) AND indexdef NOT LIKE 'CREATE UNIQUE%'"),
            {"tables": list(self.order)}).all()
        for name, definition in rows:
            self.connection.execute(text(f'DROP INDEX "{name}"'))
            self._deferred.append(definition)

    def next_id(self, table: str) -> int:
        return (self.connection.execute(text(f'SELECT max(id) FROM "{table}"')).scalar() or 0) + 1

    def add(self, table: str, row: tuple) -> None:
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.chunk_size:
            self.flush(wait=False)

    def flush(self, wait: bool = True) -> None:
        """Write every buffer, parents first, so foreign keys always find their rows. With
        ``wait`` return only when everything is in the database (the connection is free)."""
        for name in self.order:
            rows = self.buffers[name]
            if rows:
                self.counts[name] += len(rows)
                self.buffers[name] = []
                if self._queue is not None:
                    self._check()
                    self._queue.put((name, rows))
                else:
                    self._write(name, rows)
        if wait and self._queue is not None:
            self._queue.join()
            self._check()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def _work(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                if self._error is None:
                    self._write(*item)
            except BaseException as error:  # handed to the caller at its next flush
                self._error = error
            finally:
                self._queue.task_done()

    def _write(self, name: str, rows: list[tuple]) -> None:
        copy_rows(self.connection, name, self.columns[name], rows)

    def close(self) -> None:
        """Stop the background thread (also after an error); safe to call twice."""
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join()
            self._worker = None

    def finish(self) -> None:
        """Flush what is left and move PostgreSQL id sequences past the ids we chose."""
        try:
            self.flush()
        finally:
            self.close()
        if self._deferred:
            self.connection.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
            for definition in self._deferred:
                self.connection.execute(text(definition))
            self._deferred = []
        if self.postgres:
            for name in self.order:
                if "id" in self.columns[name]:
                    self.connection.execute(text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), "
                        f"(SELECT coalesce(max(id), 0) + 1 FROM \"{name}\"), false)"))
