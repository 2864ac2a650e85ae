"""Import previews kept server-side (issue 17): the file is read and checked once, at the preview;
the commit — on any app server — takes the stored rows, checks again only what may have changed
(known FINs, free seats), and happens once. Previews belong to their user and center and expire."""
from __future__ import annotations

import dataclasses
import hashlib
import io
import random
import threading
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, update

from talent import create_app
from talent.audit import AuditEvent
from talent.errors import Conflict, NotFound, PermissionDenied
from talent.extensions import db
from talent.imports import services
from talent.imports.models import ImportPreview
from talent.learning.models import Enrollment
from talent.people.models import Trainee
from talent.people.services import region_index
from talent.people.validation import FIELDS, clean_trainee, clean_trainee_columns
from tests.conftest import PG_URL
from tests.learning_helpers import actor, request_ctx  # noqa: F401
from tests.test_import_services import ROWS, csv_bytes


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def setup(factory):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=2)
    user = factory.center_admin(center)
    return center, cohort, user


def _expire(preview_id: str) -> None:
    db.session.execute(update(ImportPreview).where(ImportPreview.id == preview_id)
                       .values(expires_at=datetime.now(timezone.utc) - timedelta(seconds=1)))


@pytest.mark.usefixtures("request_ctx")
class TestService:
    def test_preview_keeps_the_checked_rows_and_writes_no_trainee(self, setup):
        center, cohort, user = setup
        data = csv_bytes()
        report = services.preview_import(actor(user), data, center_id=center.id, cohort_id=cohort.id, keep=True,
                                         filename="t.csv")
        assert report.ok and report.preview_id and len(report.preview_id) >= 40
        kept = db.session.get(ImportPreview, report.preview_id)
        assert kept.user_id == user.id and kept.center_id == center.id and kept.cohort_id == cohort.id
        assert kept.digest == hashlib.sha256(data).hexdigest() and kept.rows_read == 3 and kept.valid_rows == 3
        assert kept.expires_at - kept.created_at == timedelta(hours=1)
        assert b"1AAAAA1" not in kept.payload              # compressed
        assert count(Trainee) == 0 and count(Enrollment) == 0
        shown = services.show_preview(actor(user), report.preview_id)
        assert [(p.fin, p.trainee, p.enrollment) for p in shown.plans] == [
            (p.fin, p.trainee, p.enrollment) for p in report.plans]

    def test_commit_does_not_read_the_file_again(self, setup, monkeypatch):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(), center_id=center.id, cohort_id=cohort.id,
                                         keep=True)

        def no_reading(*args, **kwargs):
            raise AssertionError("the commit read the file again")
        monkeypatch.setattr(services, "read_sheet", no_reading)
        monkeypatch.setattr(services, "clean_trainee_columns", no_reading)
        done = services.commit_preview(actor(user), report.preview_id)
        assert done.committed and done.counts["new"] == 3 and done.counts["enrolled"] == 2
        assert count(Trainee) == 3 and count(Enrollment) == 3
        new = db.session.scalar(select(Trainee).where(Trainee.fin == "1AAAAA1"))
        assert new.search_name == "ismayilov elvin kamran oglu" and new.phone == "+994501234567"
        assert new.birth_date == date(1999, 4, 12) and new.registered_by_center_id == center.id
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "import.row")) == 3
        assert db.session.get(ImportPreview, report.preview_id).payload == b""   # rows dropped once written

    def test_a_second_commit_is_refused(self, setup):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(), center_id=center.id, keep=True)
        assert services.commit_preview(actor(user), report.preview_id).committed
        with pytest.raises(Conflict) as error:
            services.commit_preview(actor(user), report.preview_id)
        assert error.value.code == "import_committed"
        assert count(Trainee) == 3

    def test_an_expired_preview_is_refused(self, setup):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(), center_id=center.id, keep=True)
        _expire(report.preview_id)
        with pytest.raises(Conflict) as error:
            services.commit_preview(actor(user), report.preview_id)
        assert error.value.code == "import_expired"
        with pytest.raises(Conflict):
            services.show_preview(actor(user), report.preview_id)
        assert count(Trainee) == 0
        assert services.purge_previews() == 1 and count(ImportPreview) == 0

    def test_another_user_or_center_is_refused(self, setup, factory):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(), center_id=center.id, cohort_id=cohort.id,
                                         keep=True)
        colleague = factory.center_admin(center)          # same center, another person
        with pytest.raises(NotFound):
            services.commit_preview(actor(colleague), report.preview_id)
        with pytest.raises(NotFound):
            services.show_preview(actor(colleague), report.preview_id)
        services.discard_preview(actor(colleague), report.preview_id)   # not theirs: nothing happens
        assert db.session.get(ImportPreview, report.preview_id) is not None
        moved = dataclasses.replace(actor(user), center_ids=frozenset({factory.center().id}))
        with pytest.raises(PermissionDenied):             # the user no longer works at that center
            services.commit_preview(moved, report.preview_id)
        # one character changed (never the character it already ends with: that would be the same id)
        altered = report.preview_id[:-1] + ("B" if report.preview_id.endswith("A") else "A")
        for bad in ("", None, 7, "x" * 500, altered):
            with pytest.raises(NotFound):
                services.commit_preview(actor(user), bad)
        assert count(Trainee) == 0 and count(Enrollment) == 0

    def test_the_commit_checks_seats_and_fins_again(self, setup, factory):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(), center_id=center.id, cohort_id=cohort.id,
                                         keep=True)
        assert report.counts["enrolled"] == 2 and report.counts["new"] == 3
        # Meanwhile: one seat taken, and the third row's person registered at the desk.
        factory.enrollment(cohort=cohort, status="enrolled")
        factory.trainee(fin="3CCCCC3", first_name="Rəşad", last_name="Quliyev", patronymic=None,
                        birth_date=date(2000, 1, 1), gender="M")
        done = services.commit_preview(actor(user), report.preview_id)
        assert done.committed
        assert done.counts["enrolled"] == 1 and done.counts["waitlisted"] == 2
        assert done.counts["new"] == 2 and done.counts["existing"] == 1
        assert count(Trainee) == 4

    def test_a_fin_taken_by_another_person_meanwhile_stops_the_commit(self, setup, factory):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(), center_id=center.id, keep=True)
        factory.trainee(fin="1AAAAA1", first_name="Başqa", last_name="Adam", birth_date=date(1990, 1, 1))
        done = services.commit_preview(actor(user), report.preview_id)
        assert not done.committed and [p.row for p in done.problems] == [2]
        assert count(Trainee) == 1
        db.session.expire_all()           # nothing written, the preview not used up: it may be tried again
        assert db.session.get(ImportPreview, report.preview_id).committed_at is None

    def test_a_file_with_problems_is_kept_with_its_problems_and_never_commits(self, setup):
        center, cohort, user = setup
        report = services.preview_import(actor(user), csv_bytes(ROWS + ["12,X,Y,,1999-01-01,M,,,Nowhere,"]),
                                         center_id=center.id, keep=True)
        assert not report.ok
        shown = services.show_preview(actor(user), report.preview_id)
        assert [(p.row, p.column) for p in shown.problems] == [(p.row, p.column) for p in report.problems]
        assert not services.commit_preview(actor(user), report.preview_id).committed
        assert count(Trainee) == 0

    def test_purge_leaves_live_previews(self, setup, app):
        center, cohort, user = setup
        live = services.preview_import(actor(user), csv_bytes(), center_id=center.id, keep=True).preview_id
        old = services.preview_import(actor(user), csv_bytes(), center_id=center.id, keep=True).preview_id
        _expire(old)
        db.session.commit()
        result = app.test_cli_runner().invoke(args=["import", "purge-previews"])
        assert result.exit_code == 0 and "1" in result.output
        db.session.expire_all()
        assert db.session.get(ImportPreview, live) is not None and db.session.get(ImportPreview, old) is None


def test_the_column_cleaner_gives_what_clean_trainee_gives(app, request_ctx):
    """The import cleans column by column, each distinct value of a repeating column once: the
    same values and errors as clean_trainee row by row, including cells equal in Python but
    different as cells (1, 1.0, True), and a column missing from the file."""
    regions = region_index()
    rnd = random.Random(17)
    pools = {
        "fin": ["1AAAAA1", "bad", "", None, 1234567, "5abcd12"],
        "first_name": ["Elvin", " Elvin ", "", None, "x" * 101, "A\x00B", 1, 1.0, True],
        "last_name": ["İsmayılov", "Quliyev", None, "  ", 7.5],
        "patronymic": [None, "Kamran oğlu", "", 0, False],
        "birth_date": ["1999-04-12", "12.03.2001", "2031-01-01", "1900-01-01", "31.02.2000", "", None,
                       date(2000, 1, 1), datetime(2000, 1, 1), 36000, 36000.0],
        "gender": ["M", "qadın", "kişi", "X", "", None, 1, True],
        "email": ["a@b.az", "bad", None, ""],
        "phone": ["050 123 45 67", "123", None, 994501234567],
        "home_region": ["BAKU", "baku", "Gəncə-Daşkəsən", "Nowhere", "", None, 1, 1.0, True],
        "education_level": ["bachelor", "MASTER", "x", None, ""],
    }
    today = date(2026, 1, 1)
    rows = [{name: rnd.choice(values) for name, values in pools.items()} for _ in range(3000)]
    for left_out in (None, "education_level"):
        present = [name for name in FIELDS if name != left_out]
        columns = {name: [row[name] for row in rows] for name in present}
        names, results, errors = clean_trainee_columns(columns, len(rows), regions, today=today)
        for index, row in enumerate(rows):
            expected_values, expected_errors = clean_trainee({k: row[k] for k in present}, regions, today=today)
            assert errors.get(index, {}) == expected_errors, row
            if not expected_errors:
                assert dict(zip(names, (column[index] for column in results))) == expected_values, row
    assert any(not e for e in (errors.get(i) for i in range(len(rows))))   # some rows are valid


# ---- two app servers ---------------------------------------------------------------------------

OVERRIDES = {"WTF_CSRF_ENABLED": False, "SERVER_NAME": "localhost", "REQUIRE_2FA": False}


@pytest.fixture
def second_host(test_env):
    """Another app server: its own app object and engine, the same settings and database."""
    other = create_app(OVERRIDES, env=test_env)
    yield other
    with other.app_context():
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()


@pytest.mark.committed
def test_a_preview_made_on_one_host_is_committed_on_another(app, second_host, client, factory, login_as):
    center = factory.center(code="MINE")
    cohort = factory.cohort(center=center, status="open", capacity=10, code="MINE-1")
    admin = factory.center_admin(center)
    db.session.commit()
    login_as(admin)
    upload = client.post("/center/imports", data={"file": (io.BytesIO(csv_bytes()), "t.csv"), "waitlist": "y",
                                                  "center_id": center.id, "cohort_id": cohort.id},
                         content_type="multipart/form-data")
    assert upload.status_code == 302
    other = second_host.test_client()
    cookie = client.get_cookie("talent_session")
    other.set_cookie("talent_session", cookie.value, domain=cookie.domain)
    assert "1AAAAA1" in other.get("/center/imports/preview").get_data(as_text=True)
    confirm = other.post("/center/imports/confirm")
    assert confirm.status_code == 302 and f"/center/cohorts/{cohort.id}" in confirm.headers["Location"]
    db.session.expire_all()
    assert count(Trainee) == 3 and count(Enrollment) == 3
    # The first host's session is the same one: the preview is gone there too, and a second
    # confirm (a double click landing on the first host) imports nothing.
    again = client.post("/center/imports/confirm")
    assert again.status_code == 302 and again.headers["Location"].endswith("/center/imports")
    db.session.expire_all()
    assert count(Trainee) == 3 and count(Enrollment) == 3



@pytest.mark.committed
@pytest.mark.skipif(not PG_URL, reason="concurrency needs PostgreSQL: set TALENT_TEST_DATABASE_URL")
def test_two_simultaneous_commits_of_one_preview_import_it_once(app, factory):
    center = factory.center()
    cohort = factory.cohort(center=center, status="open", capacity=10)
    user = factory.center_admin(center)
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        preview_id = services.preview_import(actor(user), csv_bytes(), center_id=center.id, cohort_id=cohort.id,
                                             keep=True).preview_id
        db.session.commit()
        who = actor(user)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        with app.test_request_context("/", headers={"Accept-Language": "en"}):
            barrier.wait(timeout=30)
            try:
                outcome = "committed" if services.commit_preview(who, preview_id).committed else "problems"
                db.session.commit()
            except Conflict as error:
                db.session.rollback()
                outcome = error.code
            except BaseException as error:  # pragma: no cover - reported below
                outcome = repr(error)
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["committed", "import_committed"]
    db.session.expire_all()
    assert count(Trainee) == 3 and count(Enrollment) == 3
