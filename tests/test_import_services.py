"""Spreadsheet import: parsing, the row report, all-or-nothing commit, idempotency, limits, CLI."""
from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from talent.audit import AuditEvent
from talent.errors import NotFound, PermissionDenied
from talent.extensions import db
from talent.imports import services
from talent.imports.parser import template_csv, template_xlsx
from talent.learning.models import Enrollment
from talent.people.models import Trainee
from tests.learning_helpers import actor, request_ctx  # noqa: F401

pytestmark = pytest.mark.usefixtures("request_ctx")

HEADER = "fin,first_name,last_name,patronymic,birth_date,gender,email,phone,home_region,education_level"
ROWS = [
    "1AAAAA1,Elvin,İsmayılov,Kamran oğlu,1999-04-12,M,elvin@example.az,050 123 45 67,BAKU,bachelor",
    "2BBBBB2,Nigar,Həsənova,,12.03.2001,qadın,,+994 55 555 55 55,Gəncə-Daşkəsən,",
    "3ccccc3,Rəşad,Quliyev,,2000-01-01,male,,,ganja-dashkasan,master",
]


def csv_bytes(rows=ROWS, header=HEADER, sep=",", bom=False) -> bytes:
    text = "\r\n".join([header.replace(",", sep)] + [r.replace(",", sep) for r in rows]) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode("utf-8")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def setup(factory):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=2)
    admin = actor(factory.center_admin(center))
    return center, cohort, admin


@pytest.mark.parametrize("sep, bom", [(",", False), (";", True), (";", False), (",", True)])
def test_csv_variants_preview(setup, sep, bom):
    center, _, admin = setup
    report = services.preview_import(admin, csv_bytes(sep=sep, bom=bom), center_id=center.id)
    assert report.ok, report.problems
    assert [p.fin for p in report.plans] == ["1AAAAA1", "2BBBBB2", "3CCCCC3"]
    assert report.counts["new"] == 3
    assert count(Trainee) == 0


def test_xlsx_with_date_cells(setup):
    center, _, admin = setup
    wb = Workbook()
    ws = wb.active
    ws.append(["FIN", "First_Name", "last_name", "birth_date", "gender", "home_region", "phone"])
    ws.append(["4DDDDD4", "Aysel", "Məmmədova", date(1998, 5, 17), "F", "Bakı", 994501234567])
    ws.append([None] * 7)
    ws.append(["5EEEEE5", "Orxan", "Əliyev", "17.05.1998", "M", "baku", None])
    out = io.BytesIO()
    wb.save(out)
    report = services.commit_import(admin, out.getvalue(), center_id=center.id)
    assert report.ok and report.committed, report.problems
    t = db.session.scalar(select(Trainee).where(Trainee.fin == "4DDDDD4"))
    assert t.birth_date == date(1998, 5, 17) and t.phone == "+994501234567"
    assert t.registered_by_center_id == center.id
    assert [p.row for p in report.plans] == [2, 4]


def test_every_problem_reported_by_row_and_column_and_nothing_written(setup, factory):
    center, cohort, admin = setup
    rows = ROWS + [
        "BAD,A,B,,1999-01-01,M,,,BAKU,",                    # row 5: invalid FIN
        "1aaaaa1,Dup,Row,,1999-01-01,M,,,BAKU,",             # row 6: duplicate FIN within the file
        "6FFFFF6,X,Y,,1999-01-01,M,,,Atlantis,",             # row 7: unknown region
        "7GGGGG7,X,Y,,31.02.1999,M,,,BAKU,",                 # row 8: impossible date
        "8HHHHH8,X,Y,,1999-01-01,M,not-an-email,,BAKU,",     # row 9: bad email
        "9JJJJJ9,,Y,,1999-01-01,,,,BAKU,",                   # row 10: missing first name and gender
    ]
    report = services.commit_import(admin, csv_bytes(rows), center_id=center.id, cohort_id=cohort.id)
    assert not report.committed
    found = {(p.row, p.column) for p in report.problems}
    assert {(5, "fin"), (6, "fin"), (7, "home_region"), (8, "birth_date"), (9, "email"), (10, "first_name"),
            (10, "gender")} <= found
    assert "row 2" in next(p.message for p in report.problems if p.row == 6)
    assert count(Trainee) == 0 and count(Enrollment) == 0


def test_commit_enrolls_waitlists_and_is_idempotent(setup, factory):
    center, cohort, admin = setup
    # Row 4's FIN is known, with the same birth date and name: that person is reused.
    known = factory.trainee(fin="3CCCCC3", first_name="Rəşad", last_name="Quliyev", patronymic=None,
                            birth_date=date(2000, 1, 1), gender="M")
    report = services.commit_import(admin, csv_bytes(), center_id=center.id, cohort_id=cohort.id)
    assert report.committed
    assert [(p.trainee, p.enrollment) for p in report.plans] == [
        ("new", "enrolled"), ("new", "enrolled"), ("existing", "waitlisted")]
    assert report.warnings  # one row more than the free seats
    assert count(Trainee) == 3
    statuses = dict(db.session.execute(select(Enrollment.trainee_id, Enrollment.status)).tuples().all())
    assert statuses[known.id] == "waitlisted"
    new = db.session.scalar(select(Trainee).where(Trainee.fin == "1AAAAA1"))
    assert new.search_name == "ismayilov elvin kamran oglu" and new.phone == "+994501234567"
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "import.row")) == 3
    db.session.commit()
    again = services.commit_import(admin, csv_bytes(), center_id=center.id, cohort_id=cohort.id)
    assert again.committed
    assert again.counts["new"] == 0 and again.counts["already"] == 3
    assert count(Trainee) == 3 and count(Enrollment) == 3


def test_no_waitlist_makes_overflow_a_problem(setup):
    center, cohort, admin = setup
    report = services.commit_import(admin, csv_bytes(), center_id=center.id, cohort_id=cohort.id, waitlist=False)
    assert not report.committed
    assert any(p.row == 4 for p in report.problems)
    assert count(Trainee) == 0


def test_closed_cohort_is_a_problem(factory, setup):
    center, _, admin = setup
    closed = factory.cohort(center=center, status="completed")
    report = services.commit_import(admin, csv_bytes(), center_id=center.id, cohort_id=closed.id)
    assert not report.committed and count(Trainee) == 0


@pytest.mark.parametrize("data, fragment", [
    (b"", "empty"),
    (b"\xff\xfe\x00bad", "UTF-8"),
    ("fin,first_name\n1AAAAA1,X\n".encode(), "missing"),
    (b"PK\x03\x04garbage", "Excel"),
    (HEADER.encode() + b"\n", "no rows"),
])
def test_file_problems(setup, data, fragment):
    center, _, admin = setup
    report = services.preview_import(admin, data, center_id=center.id)
    assert not report.ok
    assert fragment.lower() in report.problems[0].message.lower()
    assert report.problems[0].row is None


def test_size_and_row_limits(app, setup, monkeypatch):
    center, _, admin = setup
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 2)
    report = services.preview_import(admin, csv_bytes(), center_id=center.id)
    assert "more than 2 rows" in report.problems[0].message
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 100)
    report = services.preview_import(admin, csv_bytes(), center_id=center.id)
    assert "larger than" in report.problems[0].message


def test_scoping(factory, setup):
    center, cohort, admin = setup
    other = factory.center()
    other_cohort = factory.cohort(center=other, status="open")
    with pytest.raises(PermissionDenied):
        services.preview_import(admin, csv_bytes(), center_id=other.id)
    with pytest.raises(NotFound):
        services.preview_import(admin, csv_bytes(), center_id=center.id, cohort_id=other_cohort.id)
    with pytest.raises(PermissionDenied):
        services.preview_import(actor(factory.user("ministry")), csv_bytes(), center_id=center.id)


def test_templates_are_readable_and_import_nobody(setup):
    # The example row is a comment row (tests/test_workflows_imports.py): the template as
    # downloaded is read without error and imports nobody.
    center, _, admin = setup
    for data in (template_csv(), template_xlsx()):
        report = services.preview_import(admin, data, center_id=center.id)
        assert not report.plans and report.rows_read == 0
        assert [p.message for p in report.problems] == [
            "The file has only rows starting with # (comments, like the template's example row); add your "
            "trainees below the header."]


# ---- CLI ---------------------------------------------------------------------------------------

def test_cli_import(app, factory, tmp_path):
    center = factory.center(code="BAKU1")
    factory.cohort(center=center, code="ML-1", status="open", capacity=10)
    db.session.commit()
    good = tmp_path / "good.csv"
    good.write_bytes(csv_bytes(sep=";", bom=True))
    runner = app.test_cli_runner()

    result = runner.invoke(args=["import", "trainees", str(good), "--center", "BAKU1", "--cohort", "ml-1",
                                 "--dry-run"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    assert count(Trainee) == 0

    result = runner.invoke(args=["import", "trainees", str(good), "--center", "BAKU1", "--cohort", "ML-1"])
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output
    db.session.expire_all()
    assert count(Trainee) == 3 and count(Enrollment) == 3

    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes(ROWS + ["XX,A,B,,1999-01-01,M,,,BAKU,"]))
    result = runner.invoke(args=["import", "trainees", str(bad), "--center", "BAKU1"])
    assert result.exit_code == 1
    assert "row 5, column fin" in result.output

    assert runner.invoke(args=["import", "trainees", str(good), "--center", "NOPE"]).exit_code == 2
    assert runner.invoke(args=["import", "trainees", str(tmp_path / "missing.csv"), "--center", "BAKU1"]).exit_code == 2
    assert runner.invoke(args=["import", "trainees", str(good)]).exit_code == 2


def test_race_with_another_registration_is_a_conflict(setup, factory, monkeypatch):
    from talent.errors import Conflict
    center, _, admin = setup
    factory.trainee(fin="1AAAAA1")
    monkeypatch.setattr(services, "_known_by_fin", lambda fins, *columns: {})   # the lookup ran before the other insert
    with pytest.raises(Conflict):
        services.commit_import(admin, csv_bytes(), center_id=center.id)
