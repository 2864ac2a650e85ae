"""The import pages: upload -> preview -> confirm, templates, limits, roles and scoping."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select

from talent.extensions import db
from talent.imports.models import ImportPreview
from talent.learning.models import Enrollment
from talent.people.models import Trainee
from tests.test_import_services import ROWS, csv_bytes


@pytest.fixture
def world(factory):
    mine, other = factory.center(code="MINE"), factory.center(code="OTHER")
    cohort = factory.cohort(center=mine, status="open", capacity=10, code="MINE-1")
    foreign = factory.cohort(center=other, status="open", code="OTHER-1")
    admin = factory.center_admin(mine)
    db.session.commit()
    return {"mine": mine, "other": other, "cohort": cohort, "foreign": foreign, "admin": admin}


def upload(client, data: bytes, name="trainees.csv", **fields):
    payload = {"file": (io.BytesIO(data), name), "waitlist": "y", **fields}
    return client.post("/center/imports", data=payload, content_type="multipart/form-data")


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_upload_preview_confirm(app, client, login_as, world):
    login_as(world["admin"])
    assert client.get("/center/imports").status_code == 200
    assert client.get(f"/center/imports?cohort_id={world['cohort'].id}").status_code == 200
    response = upload(client, csv_bytes(sep=";", bom=True), center_id=world["mine"].id, cohort_id=world["cohort"].id)
    assert response.status_code == 302 and response.headers["Location"].endswith("/center/imports/preview")
    kept = db.session.scalars(select(ImportPreview)).all()     # the checked rows, in the database
    assert len(kept) == 1 and kept[0].valid_rows == 3 and kept[0].committed_at is None
    assert not (Path(app.instance_path) / "imports").exists()   # no file on this host
    preview = client.get("/center/imports/preview")
    text = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "1AAAAA1" in text and "new trainee" in text
    assert "1AAAAA1" not in preview.request.url
    assert count(Trainee) == 0
    confirm = client.post("/center/imports/confirm")
    assert confirm.status_code == 302 and f"/center/cohorts/{world['cohort'].id}" in confirm.headers["Location"]
    assert count(Trainee) == 3 and count(Enrollment) == 3
    db.session.expire_all()
    assert db.session.get(ImportPreview, kept[0].id).committed_at is not None
    again = client.post("/center/imports/confirm")              # nothing pending any more
    assert again.status_code == 302 and again.headers["Location"].endswith("/center/imports")


def test_bad_rows_are_listed_and_nothing_imported(client, login_as, world):
    login_as(world["admin"])
    upload(client, csv_bytes(ROWS + ["12,X,Y,,1999-01-01,M,,,Nowhere,"]), center_id=world["mine"].id)
    text = client.get("/center/imports/preview").get_data(as_text=True)
    assert "home_region" in text and "Unknown region" in text and "Import 3 rows" not in text
    response = client.post("/center/imports/confirm")
    assert response.status_code == 422
    assert count(Trainee) == 0


def test_upload_validation(client, login_as, world):
    login_as(world["admin"])
    assert client.post("/center/imports", data={"center_id": world["mine"].id}).status_code == 422   # no file
    # a cohort of another center is not among the choices
    assert upload(client, csv_bytes(), center_id=world["mine"].id, cohort_id=world["foreign"].id).status_code == 422
    assert upload(client, csv_bytes(), center_id=world["other"].id).status_code == 422


def test_too_large_upload(app, client, login_as, world, monkeypatch):
    login_as(world["admin"])
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 50)
    response = upload(client, csv_bytes(), center_id=world["mine"].id)
    assert response.status_code == 422 and "larger than" in response.get_data(as_text=True)


def test_cancel_discards(client, login_as, world):
    login_as(world["admin"])
    upload(client, csv_bytes(), center_id=world["mine"].id)
    assert client.post("/center/imports/cancel").status_code == 302
    assert client.get("/center/imports/preview").status_code == 302


def test_templates_download(client, login_as, world):
    login_as(world["admin"])
    csv = client.get("/center/imports/template.csv")
    assert csv.status_code == 200 and csv.data.startswith("\ufeff".encode()) and b"fin,first_name" in csv.data
    xlsx = client.get("/center/imports/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.data.startswith(b"PK")
    assert client.get("/center/imports/template.pdf").status_code == 404


@pytest.mark.parametrize("role", ["ministry", "trainee"])
def test_forbidden_roles(client, login_as, world, factory, role):
    user = factory.user(role) if role == "ministry" else factory.trainee_user()
    db.session.commit()
    login_as(user)
    for url in ("/center/imports", "/center/imports/preview", "/center/imports/template.csv"):
        assert client.get(url).status_code == 403, url
    assert client.post("/center/imports/confirm").status_code == 403


def test_other_user_cannot_use_my_upload(app, client, login_as, world, factory):
    login_as(world["admin"])
    upload(client, csv_bytes(), center_id=world["mine"].id)
    other_client = app.test_client()
    stranger = factory.center_admin(world["other"])
    db.session.commit()
    from tests.conftest import login
    login(other_client, stranger.email)
    assert other_client.get("/center/imports/preview").status_code == 302   # no upload in their session
