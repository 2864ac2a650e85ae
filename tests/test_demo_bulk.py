"""The demo's bulk writer: rows land in parent-first order, errors surface, and on PostgreSQL the
indexes it drops for a large load all come back."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from talent.demo.bulk import BulkWriter
from talent.extensions import db
from talent.placement.models import FollowUp
from tests.conftest import is_postgres

TABLES = ("cohorts", "cohort_sessions", "trainees", "enrollments", "attendance", "awards", "placements",
          "follow_ups")


def index_definitions() -> set[str]:
    return set(db.session.scalars(text(
        "SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = ANY(:t)"),
        {"t": list(TABLES)}))


def test_deferred_indexes_are_rebuilt(app):
    if not is_postgres(app):
        pytest.skip("indexes are deferred on PostgreSQL only")
    before = index_definitions()
    writer = BulkWriter()
    for name in TABLES:
        writer.table(name, tuple(c.name for c in db.metadata.tables[name].columns))
    writer.defer_indexes()
    during = index_definitions()
    assert during < before
    assert all("UNIQUE" in d for d in during)  # keys and unique indexes stay while loading
    writer.finish()
    assert index_definitions() == before
    db.session.rollback()


def test_rows_are_written_parent_first_in_chunks(app, factory):
    enrollment = factory.enrollment(status="completed")
    writer = BulkWriter(chunk_size=2)
    writer.table("follow_ups", ("id", "enrollment_id", "milestone_months", "outcome", "note", "recorded_at"))
    start = writer.next_id("follow_ups")
    from datetime import datetime
    for i, months in enumerate((3, 6)):
        writer.add("follow_ups", (start + i, enrollment.id, months, "looking", None,
                                  writer.ts(datetime(2025, 1, 2, 9, 30))))
    writer.finish()
    assert writer.counts["follow_ups"] == 2
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 2
    row = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).first()
    assert row.recorded_at.year == 2025 and row.recorded_at.tzinfo is not None
    if is_postgres(app):  # the id sequence moved past the ids chosen by the writer
        db.session.add(FollowUp(enrollment_id=enrollment.id, milestone_months=3, outcome="employed"))
        with pytest.raises(Exception):
            db.session.flush()  # duplicate (enrollment, milestone), not a duplicate id
        db.session.rollback()


def test_a_failing_write_surfaces_and_stops(app):
    writer = BulkWriter(chunk_size=1)
    writer.table("follow_ups", ("id", "enrollment_id", "milestone_months", "outcome", "note", "recorded_at"))
    with pytest.raises(Exception):
        writer.add("follow_ups", (1, 999_999, 3, "looking", None, writer.ts(__import__("datetime").datetime(2025, 1, 1))))
        writer.flush()
    writer.close()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 0
