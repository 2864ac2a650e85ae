"""What the bulk commit of an import writes, column by column: the same values the ORM or a Core
insert would store (defaults, timestamps, JSON details), ids that later inserts do not collide
with, and one audit event per imported trainee. Runs on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import JSON, Boolean, Column, Date, Integer, MetaData, String, Table, func, insert, select

from talent.audit import AuditEvent
from talent.db import UTCDateTime, utcnow
from talent.extensions import db
from talent.imports import services
from talent.learning.models import Enrollment
from talent.people.models import Trainee
from tests.learning_helpers import actor, request_ctx  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_ctx")

HEADER = "fin;first_name;last_name;patronymic;birth_date;gender;email;phone;home_region;education_level"


def csv_bytes(rows: list[str]) -> bytes:
    return ("\r\n".join([HEADER] + rows) + "\r\n").encode("utf-8")


def rows(n: int, start: int = 0) -> list[str]:
    return [f"{i:07d};Ad{i};Soyad\\{i};;{1980 + i % 20}-0{1 + i % 9}-1{i % 10};{'FM'[i % 2]};"
            f"u{i}@example.az;050 123 45 {i % 100:02d};BAKU;{['bachelor', ''][i % 2]}" for i in range(start, start + n)]


@pytest.fixture
def setup(factory):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=3)
    user = factory.center_admin(center)
    return center, cohort, user


def test_commit_writes_what_the_orm_would(setup, factory):
    center, cohort, user = setup
    known = factory.trainee(fin="0000001", first_name="Ad1", last_name="Soyad\\1", patronymic=None,
                            birth_date=date(1981, 2, 11), gender="M")   # row 3, the same person
    before = utcnow()
    report = services.commit_import(actor(user), csv_bytes(rows(5)), center_id=center.id, cohort_id=cohort.id,
                                    filename="a.csv")
    assert report.committed, report.problems
    db.session.commit()
    db.session.expire_all()
    assert [(p.trainee, p.enrollment) for p in report.plans] == [
        ("new", "enrolled"), ("existing", "enrolled"), ("new", "enrolled"), ("new", "waitlisted"),
        ("new", "waitlisted")]

    trainees = {t.fin: t for t in db.session.scalars(select(Trainee).where(Trainee.fin.like("00000%")))}
    assert len(trainees) == 5
    t = trainees["0000004"]
    assert (t.first_name, t.last_name, t.patronymic) == ("Ad4", "Soyad\\4", None)   # a backslash survives COPY
    assert t.birth_date == date(1984, 5, 14) and t.gender == "F" and t.phone == "+994501234504"
    assert t.email == "u4@example.az" and t.education_level == "bachelor" and t.search_name == "soyad\\4 ad4"
    assert t.registered_by_center_id == center.id
    assert t.followup_consent is True and t.research_consent is False      # the columns' defaults
    assert t.consent_at.tzinfo is not None and t.consent_at == t.created_at == t.updated_at >= before
    assert trainees["0000003"].education_level is None
    assert trainees["0000001"].id == known.id and trainees["0000001"].first_name == known.first_name
    for plan in report.plans:
        assert plan.trainee_id == trainees[plan.fin].id

    enrollments = {e.trainee_id: e for e in db.session.scalars(select(Enrollment).where(
        Enrollment.cohort_id == cohort.id))}
    assert len(enrollments) == 5
    first, waiting = enrollments[trainees["0000000"].id], enrollments[trainees["0000004"].id]
    assert (first.status, waiting.status) == ("enrolled", "waitlisted")
    assert first.enrolled_at == first.applied_at and first.waitlisted_at is None
    assert waiting.waitlisted_at == waiting.applied_at and waiting.enrolled_at is None
    assert first.applied_at.tzinfo is not None and first.applied_at >= before
    assert first.created_by_id == user.id and first.attendance_pct is None

    summary = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import.trainees"))
    assert summary.details["file"] == "a.csv" and summary.details["new"] == 4
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "import.row")
                                .order_by(AuditEvent.id)).all()
    assert sorted(e.trainee_id for e in events) == sorted(t.id for t in trainees.values())   # one per trainee
    by_trainee = {e.trainee_id: e for e in events}
    for plan in report.plans:
        event = by_trainee[plan.trainee_id]
        assert event.details == {"import_event": summary.id, "trainee": plan.trainee, "enrollment": plan.enrollment}
        assert (event.entity_type, event.entity_id, event.center_id) == ("trainee", str(plan.trainee_id), center.id)
        assert (event.actor_id, event.actor_label, event.channel, event.ip) == (
            user.id, summary.actor_label, summary.channel, "127.0.0.1")
        assert event.at.tzinfo is not None and event.at >= before


def test_later_inserts_do_not_collide_with_imported_ids(setup, factory):
    center, _, user = setup
    report = services.commit_import(actor(user), csv_bytes(rows(4, start=100)), center_id=center.id)
    assert report.committed
    later = factory.trainee()                     # the ORM's own insert, after the bulk one
    ids = [p.trainee_id for p in report.plans]
    assert later.id not in ids and len(set(ids)) == 4
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 5


def test_a_second_import_reuses_and_adds_in_one_go(setup):
    center, cohort, user = setup
    assert services.commit_import(actor(user), csv_bytes(rows(2)), center_id=center.id).committed
    report = services.commit_import(actor(user), csv_bytes(rows(4)), center_id=center.id, cohort_id=cohort.id)
    assert report.committed
    assert [p.trainee for p in report.plans] == ["existing", "existing", "new", "new"]
    assert db.session.scalar(select(func.count()).select_from(Trainee)) == 4
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "import.row")) == 2 + 4


def test_bulk_insert_matches_a_core_insert(app):
    """The same rows through ``_bulk_insert`` and through Core ``insert`` read back equal,
    including shared values, defaults, NULLs, JSON values that compare equal but are written
    differently (1, True, 1.0) and unhashable JSON."""
    metadata = MetaData()
    table = Table("import_bulk_probe", metadata,
                  Column("id", Integer, primary_key=True), Column("kind", String(10)),
                  Column("day", Date), Column("at", UTCDateTime()), Column("flag", Boolean, default=True),
                  Column("info", JSON), Column("note", String(40), default="none"))
    now = utcnow()
    infos = [{"n": 1}, {"n": True}, {"n": 1.0}, {"n": [1, 2]}, None, {"n": 1}, {"n": 0.0}, {"n": -0.0},
             {1: "a"}, {"1": "a"}]
    columns = {"kind": ["core"] * len(infos), "day": [date(2000, 1, i + 1) for i in range(len(infos))],
               "at": services.Same(now), "info": infos}
    metadata.create_all(db.session.connection())
    try:
        db.session.execute(insert(table), [{"kind": "core", "day": date(2000, 1, i + 1), "at": now, "info": info}
                                           for i, info in enumerate(infos)])
        services._bulk_insert(table, dict(columns, kind=services.Same("bulk")), len(infos))
        read = db.session.execute(select(table).order_by(table.c.id)).all()
        core = [tuple(r)[2:] for r in read if r.kind == "core"]
        bulk = [tuple(r)[2:] for r in read if r.kind == "bulk"]
        assert len(core) == len(bulk) == len(infos)
        assert bulk == core
        assert [type(r[-2].get("n")) if r[-2] else None for r in bulk] == [
            int, bool, float, list, None, int, float, float, type(None), type(None)]
        assert bulk[0][1].tzinfo is not None and bulk[0][1] == now and bulk[0][2] is True
        raw = db.session.execute(select(table.c.info.cast(String)).order_by(table.c.id)).scalars().all()
        assert raw[:len(infos)] == raw[len(infos):]     # stored alike, not only read back alike
        assert '{"n": -0.0}' in raw and '{"1": "a"}' in raw
        db.session.rollback()
    finally:
        db.session.rollback()
        metadata.drop_all(db.session.connection())
