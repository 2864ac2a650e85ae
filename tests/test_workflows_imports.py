"""The import template's example row (5ABCD12, Aysel Məmmədova) cannot be imported by accident:
it is a comment row (first cell starting with "#") that the reader skips and the report counts,
and its FIN "# 5ABCD12" could never pass the FIN check if the columns were moved."""
from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from talent.extensions import db
from talent.imports import services
from talent.imports.parser import template_csv, template_xlsx
from talent.people.models import Trainee
from tests.admin_helpers import actor
from tests.test_import_web import upload

MY_ROW = ["1AAAAA1", "Elvin", "İsmayılov", "", "1999-04-12", "M", "", "", "BAKU", ""]


@pytest.fixture
def setup(factory):
    center = factory.center()
    admin = factory.center_admin(center)
    db.session.commit()
    return center, admin


def _rows_of(data: bytes) -> list[list]:
    if data.startswith(b"PK"):
        return [list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _with_row(data: bytes, row: list) -> bytes:
    """The template as a person fills it in: their row added below the example."""
    if data.startswith(b"PK"):
        book = load_workbook(io.BytesIO(data))
        book.active.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    return data + (",".join(row) + "\r\n").encode("utf-8")


def _fins() -> list[str]:
    db.session.expire_all()
    return list(db.session.scalars(select(Trainee.fin)))


@pytest.mark.parametrize("template", [template_csv, template_xlsx], ids=["csv", "xlsx"])
def test_the_example_row_is_never_imported(app, setup, template):
    center, admin = setup
    data = template()
    example = _rows_of(data)[1]
    assert "5ABCD12" in str(example[0]) and example[1:3] == ["Aysel", "Məmmədova"]  # still shows the format

    # Downloaded and uploaded as it is: nothing to import, said plainly, nothing written.
    report = services.commit_import(actor(admin), data, center_id=center.id)
    assert not report.ok and "template's example row" in report.problems[0].message
    assert _fins() == []

    # Filled in below the example: only the person's own row is imported, and the report says a
    # comment row was skipped.
    report = services.commit_import(actor(admin), _with_row(data, MY_ROW), center_id=center.id)
    assert report.ok, report.problems
    assert report.rows_read == 1 and any("1 row(s) starting with #" in w for w in report.warnings)
    assert _fins() == ["1AAAAA1"]


def test_the_example_fin_can_never_be_valid(setup):
    # Columns moved so the FIN is not the first cell: the row is read, and refused on its FIN.
    center, admin = setup
    header, example = _rows_of(template_csv())[:2]
    order = [1, 0, *range(2, len(header))]
    book = Workbook()
    for row in (header, example, MY_ROW):
        book.active.append([row[i] for i in order])
    out = io.BytesIO()
    book.save(out)
    report = services.commit_import(actor(admin), out.getvalue(), center_id=center.id)
    assert not report.ok
    assert [(p.row, p.column) for p in report.problems] == [(2, "fin")]
    assert _fins() == []


def test_the_template_uploaded_on_the_page_imports_nobody(client, login_as, setup):
    center, admin = setup
    login_as(admin)
    for name, fmt in (("trainees.csv", "csv"), ("trainees.xlsx", "xlsx")):
        data = client.get(f"/center/imports/template.{fmt}").data
        upload(client, data, name=name, center_id=center.id)
        page = client.get("/center/imports/preview").get_data(as_text=True)
        assert "template&#39;s example row" in page or "template's example row" in page
        assert client.post("/center/imports/confirm").status_code == 422
        client.post("/center/imports/cancel")
    assert db.session.scalar(select(func.count(Trainee.id))) == 0
