"""XLSX imports are read by python-calamine (issue 16: no openpyxl internals). The workbooks
spreadsheet programs write read as openpyxl's read-only reader read them; a workbook calamine cannot
read is a file problem in the user's language, never an error; the zip-bomb and DTD refusals stay
(tests/test_import_zipbomb.py for the bombs)."""
from __future__ import annotations

import inspect
import io
import re
import zipfile
from datetime import date, datetime, time

import pytest
from openpyxl import Workbook

from talent.imports import parser
from talent.imports.parser import FileProblem, read_sheet
from talent.people.validation import FIELDS
from tests.learning_helpers import request_ctx  # noqa: F401

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def read(data: bytes, max_rows: int = 50):
    try:
        sheet = read_sheet(data, max_rows=max_rows, max_bytes=10**8)
        return sheet.columns, _trimmed(sheet.rows), sheet.unknown_columns, sheet.format
    except FileProblem as problem:
        return "problem", str(problem.message)


def _same(value):
    """A date cell is a ``date`` from calamine and a midnight ``datetime`` from openpyxl."""
    return datetime.combine(value, time()) if type(value) is date else value


def _trimmed(rows):
    """Rows without their trailing empty cells (calamine pads every row to the sheet's width)."""
    out = []
    for number, cells in rows:
        cells = [_same(c) for c in cells]
        while cells and cells[-1] is None:
            cells.pop()
        out.append((number, cells))
    return out


def openpyxl_read(data: bytes, max_rows: int = 50):
    """What the reader gave when it read through openpyxl (``load_workbook(read_only=True,
    data_only=True)``, ``iter_rows(values_only=True)``), as :func:`read` reports it."""
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            iterator = wb.worksheets[0].iter_rows(values_only=True)
            header = next(iterator, None)
            if header is None:
                return "problem", str(FileProblem(parser._l("The file is empty.")).message)
            columns, unknown = parser._map_header(list(header))
            rows = []
            for number, cells in enumerate(iterator, start=2):
                cells = list(cells)
                if parser._is_empty(cells) or parser._is_comment(cells):
                    continue
                if len(rows) >= max_rows:
                    return "problem", str(parser._too_many(max_rows).message)
                rows.append((number, cells))
            return columns, _trimmed(rows), unknown, "xlsx"
        finally:
            wb.close()
    except FileProblem as problem:
        return "problem", str(problem.message)


def shared_strings(data: bytes) -> bytes:
    """The workbook with its inline strings moved to a shared string table, as Excel saves text."""
    source = zipfile.ZipFile(io.BytesIO(data))
    strings: dict[str, int] = {}

    def share(match):
        text = match.group(2) or ""
        index = strings.setdefault(text, len(strings))
        return f'<c r="{match.group(1)}" t="s"><v>{index}</v></c>'

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name.startswith("xl/worksheets/"):
                content = re.sub(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>',
                                 share, content.decode()).encode()
            elif name == "[Content_Types].xml":
                content = content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                          b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                          b'sharedStrings+xml" /></Types>')
            target.writestr(name, content)
        items = "".join(f'<si><t xml:space="preserve">{text}</t></si>' for text in strings)
        target.writestr("xl/sharedStrings.xml", f'<sst xmlns="{NS}" uniqueCount="{len(strings)}">{items}</sst>')
    return out.getvalue()


def workbook(rows, write_only=False) -> bytes:
    wb = Workbook(write_only=write_only)
    ws = wb.create_sheet() if write_only else wb.active
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def with_sheet(xml: str, *, shared: list[str] | None = None, date1904: bool = False) -> bytes:
    """A workbook (openpyxl's, with date styles 1-3) whose first worksheet is ``xml``."""
    source = zipfile.ZipFile(io.BytesIO(workbook([["x"], [date(2000, 1, 1), datetime(2000, 1, 1, 1), time(1)]])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/worksheets/sheet1.xml":
                data = xml.encode("utf-8")
            elif name == "[Content_Types].xml" and shared is not None:
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml" /></Types>')
            elif name == "xl/workbook.xml" and date1904:
                data = re.sub(rb"<workbookPr[^>]*/>", b'<workbookPr date1904="1" />', data)
                if b"date1904" not in data:
                    data = data.replace(b"<bookViews>", b'<workbookPr date1904="1" /><bookViews>')
            target.writestr(name, data)
        if shared is not None:
            items = "".join(f"<si>{s}</si>" for s in shared)
            target.writestr("xl/sharedStrings.xml", f'<sst xmlns="{NS}" count="{len(shared)}">{items}</sst>')
    return out.getvalue()


def sheet_xml(rows: str, dimension: str | None = "A1:J3", before: str = "", after: str = "") -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">{before}{dim}'
            f"<sheetData>{rows}</sheetData>{after}</worksheet>")


HEADER_ROW = '<row r="1">' + "".join(
    f'<c r="{chr(65 + i)}1" t="inlineStr"><is><t>{name}</t></is></c>' for i, name in enumerate(FIELDS)) + "</row>"


CASES = {
    "plain": HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>1AAAAA1</t></is></c><c r="B2"><v>12</v></c>'
             '<c r="C2"><v>1.5E3</v></c><c r="D2" t="b"><v>1</v></c><c r="E2" s="1"><v>36527</v></c>'
             '<c r="F2" s="2"><v>36527.5</v></c><c r="G2" s="3"><v>0.25</v></c></row>',
    "shared strings": '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
                      '<row r="2"><c r="A2" t="s"><v>2</v></c><c r="B2" t="s"><v>3</v></c></row>',
    "formulas, errors, dates as text, str": HEADER_ROW +
        '<row r="2"><c r="A2" t="str"><f>A1</f><v>fin</v></c><c r="B2" t="e"><v>#N/A</v></c>'
        '<c r="C2" t="d"><v>2001-02-03T04:05:06</v></c><c r="D2"><f>1+1</f><v>2</v></c><c r="E2"><f>X</f></c>'
        '<c r="F2" t="inlineStr"/><c r="G2" t="inlineStr"><is/></c><c r="H2" t="inlineStr"><is><t/></is></c>'
        '<c r="I2" t="weird"><v>zz</v></c><c r="J2"><v></v></c></row>',
    "no references": HEADER_ROW.replace(' r="1"', "").replace('r="A1" ', "") +
                     '<row><c><v>1</v></c><c/><c r="E3"><v>5</v></c><c><v>6</v></c></row>',
    "gaps and out of order": '<row r="3"><c r="A3"><v>3</v></c></row>' + HEADER_ROW.replace('r="1"', 'r="4"') +
                             '<row r="2"><c r="A2"><v>2</v></c></row><row r="7"><c r="B7"><v>7</v></c></row>'
                             '<row r="7"><c r="C7"><v>77</v></c></row><row r="9"/>',
    "header after a gap": HEADER_ROW.replace('r="1"', 'r="2"') + '<row r="3"><c r="A3"><v>3</v></c></row>',
    "duplicate cells": HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c><c r="A2"><v>2</v></c></row>',
    "rich text": HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><r><t>a</t></r><r><t>b</t></r></is></c></row>',
    "phonetic": HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t><rPh sb="0" eb="1"><t>x</t></rPh></is></c></row>',
    "whitespace and entities": HEADER_ROW + '<row r="2"><c r="A2" t="inlineStr"><is><t xml:space="preserve">'
                               '  a &amp; b &#10; &lt;c&gt;\r\n </t></is></c><c r="B2" t="inlineStr"><is><t>'
                               '<![CDATA[x<y]]></t></is></c></row>',
    "lower-case references": HEADER_ROW + '<row r="2"><c r="b2"><v>1</v></c><c r="aa2"><v>2</v></c></row>',
    "absolute references": HEADER_ROW + '<row r="2"><c r="B2"><v>1</v></c><c r="$C$2"><v>2</v></c></row>',
    "style zero and empty": HEADER_ROW + '<row r="2"><c r="A2" s="0"><v>1</v></c><c r="B2" s=""><v>2</v></c></row>',
    "numbers": HEADER_ROW + '<row r="2"><c r="A2"><v>-0</v></c><c r="B2"><v>1e999</v></c><c r="C2"><v> 7 </v></c>'
                            '<c r="D2"><v>0012</v></c><c r="E2"><v>1_0</v></c></row>',
    "other elements": HEADER_ROW + '<row r="2" spans="1:3" ht="20" customHeight="1"><c r="A2"><v>1</v>'
                                   "</c></row>",
    "element in a row": HEADER_ROW + '<row r="2"><c r="A2"><v>1</v></c><extLst/></row>',
    "row outside sheetData": HEADER_ROW,
    "empty": "",
}



# Read alike (with no <dimension>: openpyxl trusted a dimension smaller than the sheet and dropped
# the cells outside it; calamine reads the cells that are there).
ALIKE = ["plain", "shared strings", "whitespace and entities", "rich text", "phonetic", "style zero and empty",
         "other elements", "element in a row", "duplicate cells", "lower-case references", "empty"]
# Where calamine reads hand-written XML differently, and why that is no worse for an import:
DIFFERENT = {
    "gaps and out of order": "rows in row-number order, not file order",
    "header after a gap": "the first row with cells is the header (openpyxl: row 1, empty -> columns missing)",
    "no references": "cells without a reference placed by calamine's rules",
    "numbers": "a number cell holding ' 7 ' or '1_0' stays text (openpyxl: Python's int())",
    "formulas, errors, dates as text, str": "an unknown cell type (t=\"weird\") is a file problem",
    "absolute references": "a cell reference with $ is a file problem (no spreadsheet program writes one)",
    "row outside sheetData": "rows outside <sheetData> are not read",
}


def test_plain_workbooks_read_as_openpyxl_read_them():
    big = workbook([list(FIELDS)] + [[f"{i:07d}", "Ad", "Soyad", None, date(1990, 1, 1 + i % 28), "F",
                                      None, 994501234567 + i, "BAKU", 1.5 * i] for i in range(300)])
    for data in (parser.template_xlsx(), big, shared_strings(big), shared_strings(parser.template_xlsx()),
                 workbook([list(FIELDS)] + [["A", i] for i in range(300)], write_only=True)):
        ours = read(data, max_rows=1000)
        assert ours[0] != "problem", ours
        assert ours == openpyxl_read(data, max_rows=1000)


def test_whole_numbers_stay_whole():
    """calamine reads every number as a float: a phone or a FIN typed as a number is an int again,
    never "994501234567.0"."""
    data = workbook([list(FIELDS), ["1234567", "Ad", "Soyad", None, "1990-01-01", "F", None, 994501234567, "BAKU", 2.5]])
    cells = read(data)[1][0][1]
    assert cells[7] == 994501234567 and type(cells[7]) is int
    assert cells[9] == 2.5 and type(cells[9]) is float


@pytest.mark.parametrize("name", ALIKE)
def test_hand_written_worksheets_read_alike(name):
    shared = ["fin", "first_name", "<t>x</t>", "<r><t>a</t></r><r><t>b</t></r>"] if name == "shared strings" else None
    data = with_sheet(sheet_xml(CASES[name], None), shared=shared)
    ours, theirs = read(data), openpyxl_read(data)
    if theirs[0] == "problem":
        assert ours[0] == "problem"
    else:
        assert ours == theirs


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dimension", ["A1:J3", None, "A1:B2", "C3"])
def test_every_hand_written_worksheet_is_a_sheet_or_a_file_problem(name, dimension):
    assert name in ALIKE or name in DIFFERENT
    after = '<foo><row r="9"><c r="A9"><v>1</v></c></row></foo>' if name == "row outside sheetData" else ""
    result = read(with_sheet(sheet_xml(CASES[name], dimension, after=after)))   # FileProblem or rows, no error
    assert result[0] == "problem" or isinstance(result[0], dict)


BROKEN = [
    sheet_xml(HEADER_ROW)[:-40],                                                     # truncated
    sheet_xml(HEADER_ROW + '<row r="2"><c r="A?"><v>1</v></c></row>'),                # bad reference
    sheet_xml(HEADER_ROW + '<row r="2"><c r="A2"><v>abc</v></c></row>'),              # bad number
    sheet_xml(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>7</v></c></row>'),          # no such shared string
    sheet_xml(HEADER_ROW + '<row r="2"><c r="A2" t="b"><v>x</v></c></row>'),          # bad boolean
    sheet_xml(HEADER_ROW + '<row r="2"><c r="A2" s="1"><v>99999999</v></c></row>'),   # date out of range
    sheet_xml(HEADER_ROW + '<row r="x"><c r="A2"><v>1</v></c></row>'),                # bad row number
    sheet_xml(HEADER_ROW + '<row r="2.0"><c r="A2"><v>1</v></c></row>'),              # float row number
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + sheet_xml(HEADER_ROW)[21:],   # entities
    sheet_xml(HEADER_ROW, dimension="Z"),                                             # bad dimension
]


@pytest.mark.parametrize("xml", BROKEN)
def test_broken_worksheets_are_file_problems_or_row_problems(xml):
    result = read(with_sheet(xml))
    assert result[0] == "problem" or isinstance(result[0], dict)


def test_a_dtd_is_refused_in_any_part():
    entities = '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]>' + sheet_xml(HEADER_ROW)[21:]
    assert read(with_sheet(entities)) == ("problem", "The Excel file cannot be read (DTDForbidden).")
    external = sheet_xml(HEADER_ROW).replace("?>", '?><!DOCTYPE w SYSTEM "file:///etc/passwd">', 1)
    assert read(with_sheet(external))[0] == "problem"
    utf16 = sheet_xml(HEADER_ROW).replace('encoding="UTF-8"', 'encoding="UTF-16"').replace(
        "?>", "?><!DOCTYPE x []>", 1).encode("utf-16-le")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(with_sheet(sheet_xml(HEADER_ROW)))) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            target.writestr(name, utf16 if name == "xl/worksheets/sheet1.xml" else source.read(name))
    assert read(out.getvalue())[0] == "problem"


@pytest.mark.usefixtures("request_ctx")
def test_a_broken_worksheet_is_a_report_problem_not_an_error(factory):
    from talent.imports.services import preview_import
    from tests.learning_helpers import actor
    center = factory.center()
    admin = actor(factory.center_admin(center))
    for rows in ('<row r="2"><c r="A2" t="s"><v>7</v></c></row>', '<row r="2"><c r="A?"><v>1</v></c></row>'):
        report = preview_import(admin, with_sheet(sheet_xml(HEADER_ROW + rows)), center_id=center.id)
        assert not report.ok and report.problems[0].row is None
        assert "cannot be read" in report.problems[0].message


def test_1904_dates():
    data = with_sheet(sheet_xml(HEADER_ROW + '<row r="2"><c r="E2" s="1"><v>100</v></c></row>'), date1904=True)
    ours = read(data)
    assert ours == openpyxl_read(data)
    assert ours[1][0][1][4] == datetime(1904, 4, 10)


def test_row_limit_alike():
    data = workbook([list(FIELDS)] + [["x"]] * 30 + [[None]] * 5 + [["y"]] * 30)
    for limit in (1, 29, 30, 59, 60, 61):
        assert read(data, max_rows=limit) == openpyxl_read(data, max_rows=limit)


def test_no_openpyxl_internals():
    """The reader goes through python-calamine's public API; openpyxl only writes (the template)."""
    source = inspect.getsource(parser)
    assert "_archive" not in source and "openpyxl.reader" not in source and "_worksheet_path" not in source
    assert "CalamineWorkbook" in source
