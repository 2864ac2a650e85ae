"""The shared export helpers: formula neutralising, streamed CSV, XLSX workbooks."""
from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from talent.exports import content_disposition, safe_cell, stream_csv, xlsx_bytes, xlsx_response


@pytest.mark.parametrize("raw", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_text_is_prefixed_with_a_quote(raw):
    assert safe_cell(raw) == "'" + raw


@pytest.mark.parametrize("value", ["Əliyev", "a=b", "", "12", "AZAI-2025-000001"])
def test_plain_text_is_unchanged(value):
    assert safe_cell(value) == value


def test_typed_values_stay_typed():
    assert safe_cell(None) == ""
    assert safe_cell(-5) == -5
    assert safe_cell(Decimal("-1.50")) == Decimal("-1.50")
    assert safe_cell(date(2025, 1, 2)) == date(2025, 1, 2)
    assert safe_cell(True) is True


def test_stream_csv_has_bom_headers_and_neutralised_cells(app):
    with app.test_request_context(headers={"Accept-Language": "en"}):
        response = stream_csv("roster ə.csv", ["name", "note"],
                              iter([["Şahin Əliyev", "=cmd|' /C calc'!A0"], ["Ayan", None]]))
        body = b"".join(response.response)
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''roster%20%C9%99.csv" in response.headers["Content-Disposition"]
    assert response.mimetype == "text/csv"
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["name", "note"], ["Şahin Əliyev", "'=cmd|' /C calc'!A0"], ["Ayan", ""]]


def test_content_disposition_ascii_fallback():
    value = content_disposition('a"b;ç.csv')
    assert 'filename="a_b__.csv"' in value


def test_xlsx_bold_frozen_header_widths_and_notes(app):
    rows = [["Aysel", "+994501234567", 12.5, date(2025, 3, 1)], ["=2+2", "-x", Decimal("3"), None]]
    data = xlsx_bytes([("Roster: 1/2", ["Name", "Phone", "Score", "Date"], iter(rows))],
                      notes=["Counts below 5 are shown as <5"])
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Roster_ 1_2", "Notes"]
    ws = wb["Roster_ 1_2"]
    assert ws.freeze_panes == "A2"
    assert ws["A1"].font.b is True
    assert ws["A1"].value == "Name"
    # Text cells hold the text itself (no apostrophe stored); one that starts like a formula is a
    # text cell with Excel's quote prefix, never a formula.
    assert ws["B2"].value == "+994501234567" and ws["B2"].data_type == "s" and ws["B2"].quotePrefix
    assert ws["C2"].value == 12.5
    assert ws["A3"].value == "=2+2" and ws["A3"].data_type == "s" and ws["A3"].quotePrefix
    assert ws["B3"].value == "-x" and ws["B3"].quotePrefix
    assert not ws["A2"].quotePrefix
    assert ws.column_dimensions["B"].width >= len("+994501234567")
    assert ws["D2"].value.date() == date(2025, 3, 1)
    assert wb["Notes"]["A1"].value == "Counts below 5 are shown as <5"


def test_xlsx_response_headers(app):
    with app.test_request_context():
        response = xlsx_response("r.xlsx", [("A", ["x"], [[1]]), ("A", ["y"], [])])
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(response.get_data()))
    assert wb.sheetnames == ["A", "A (2)"]


def test_csv_as_excel_expects_it_in_each_language(app):
    """az and ru: ';' between cells and a decimal comma (Excel's list and decimal separators in
    those locales); en: ',' and a decimal point. A phone number is never given an apostrophe; a
    formula still is."""
    rows = [["Aysel", "+994 50 123 45 67", Decimal("64.5"), 12.25, 1131, True, date(2025, 3, 1), "=1+2"]]
    bodies = {}
    from flask import g
    for language in ("az", "ru", "en"):
        g.pop("_flask_babel", None)  # the test's app context outlives each request
        with app.test_request_context(headers={"Accept-Language": language}):
            response = stream_csv("x.csv", ["a", "b", "c", "d", "e", "f", "g", "h"], iter(rows))
            bodies[language] = b"".join(response.response).decode("utf-8-sig")
    for language in ("az", "ru"):
        parsed = list(csv.reader(io.StringIO(bodies[language]), delimiter=";"))
        assert parsed[1][:5] == ["Aysel", "+994 50 123 45 67", "64,5", "12,25", "1131"], parsed
        assert parsed[1][6] == "2025-03-01" and parsed[1][7] == "'=1+2"
        assert parsed[1][5] not in ("True", "true")
    parsed = list(csv.reader(io.StringIO(bodies["en"])))
    assert parsed[1] == ["Aysel", "+994 50 123 45 67", "64.5", "12.25", "1131", "Yes", "2025-03-01", "'=1+2"]
