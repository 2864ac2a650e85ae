"""The one bulk writer (talent.db.copy_rows) that the imports and the demo data both use."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import Column, Date, Integer, MetaData, String, Table, select
from sqlalchemy.exc import IntegrityError

from talent.db import copy_rows
from talent.extensions import db


@pytest.fixture
def probe():
    metadata = MetaData()
    table = Table("bulk_writer_probe", metadata, Column("id", Integer, primary_key=True),
                  Column("label", String(40)), Column("day", Date), Column("n", Integer))
    metadata.create_all(db.session.connection())
    yield table
    db.session.rollback()


def test_rows_are_written_as_given_escapes_and_nulls_included(probe):
    rows = [(1, "plain", date(2025, 1, 2), 7), (2, "tab\there, new\nline, back\\slash", None, None),
            (3, "Şəki — Ölçü", date(2024, 2, 29), -1)]
    copy_rows(db.session.connection(), "bulk_writer_probe", ("id", "label", "day", "n"), iter(rows))
    read = db.session.execute(select(probe).order_by(probe.c.id)).all()
    assert [tuple(r) for r in read] == rows


def test_a_column_subset_leaves_the_rest_null(probe):
    copy_rows(db.session.connection(), "bulk_writer_probe", ("id", "label"), [(10, "a"), (11, "b")])
    assert db.session.execute(select(probe.c.id, probe.c.day).order_by(probe.c.id)).all() == [(10, None), (11, None)]


def test_a_broken_key_is_sqlalchemys_integrity_error(probe):
    with pytest.raises(IntegrityError):
        copy_rows(db.session.connection(), "bulk_writer_probe", ("id", "label"), [(1, "a"), (1, "again")])


def test_the_imports_and_the_demo_write_through_it():
    """One writer: neither module keeps a COPY or executemany of its own."""
    import inspect
    from talent.demo import bulk
    from talent.imports import services
    for module in (bulk, services):
        source = inspect.getsource(module)
        assert "copy_rows" in source
        assert ".copy(" not in source and "exec_driver_sql" not in source
