"""The fast worksheet reader (expat) gives exactly what openpyxl's read-only reader gives — same
rows, numbers, values and types, same problems — on generated workbooks and on hand-written
worksheet XML with the odd corners of the format; and a worksheet openpyxl cannot read is a file
problem, not an error."""
from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from talent.imports import parser
from talent.imports.parser import FileProblem, read_sheet
from talent.people.validation import FIELDS
from tests.learning_helpers import request_ctx  # noqa: F401

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def read(data: bytes, max_rows: int = 50):
    try:
        sheet = read_sheet(data, max_rows=max_rows, max_bytes=10**8)
        return sheet.columns, sheet.rows, sheet.unknown_columns, sheet.format
    except FileProblem as problem:
        return "problem", str(problem.message)


def both(data: bytes, max_rows: int = 50):
    """(fast reader's result, openpyxl's result, whether the fast reader answered)."""
    answered = []
    fast_rows = parser._fast_xlsx_rows

    def spy(*args):
        result = fast_rows(*args)
        answered.append(result is not None)
        return result

    fast_strings = parser._fast_string_table
    parser._fast_xlsx_rows = spy
    try:
        fast = read(data, max_rows)
    finally:
        parser._fast_xlsx_rows = lambda *args: None
        parser._fast_string_table = lambda source: None
    try:
        slow = read(data, max_rows)
    finally:
        parser._fast_xlsx_rows = fast_rows
        parser._fast_string_table = fast_strings
    if data.startswith(b"PK"):
        assert raw_alike(data, max_rows) == any(answered)
    return fast, slow, any(answered)


def raw_alike(data: bytes, max_rows: int = 50) -> bool:
    """The fast reader's (header, rows) straight from the workbook equal those built from openpyxl's
    ``iter_rows(values_only=True)``; where openpyxl fails to read, the fast reader gave up too.
    Returns whether the fast reader answered."""
    from openpyxl import load_workbook
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        return False
    try:
        sheet = wb.worksheets[0]
        fast = parser._fast_xlsx_rows(wb, sheet, max_rows)
        try:
            iterator = sheet.iter_rows(values_only=True)
            header = next(iterator, None)
            rows = []
            for number, cells in enumerate(iterator, start=2):
                if not parser._is_empty(list(cells)) and not parser._is_comment(cells):
                    rows.append((number, list(cells)))
                    if len(rows) > max_rows:
                        break
        except Exception:
            assert fast is None
            return False
        if fast is not None:
            assert fast[0] == header and type(fast[0]) is type(header)
            assert fast[1] == rows
            assert [[type(v) for v in r] for _, r in fast[1]] == [[type(v) for v in r] for _, r in rows]
        return fast is not None
    finally:
        wb.close()


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


def test_the_fast_reader_reads_the_template_and_a_big_sheet_like_openpyxl():
    big = workbook([list(FIELDS)] + [[f"{i:07d}", "Ad", "Soyad x005F_y", None, date(1990, 1, 1 + i % 28), "F",
                                      None, 994501234567 + i, "BAKU", 1.5 * i] for i in range(300)])
    for data in (parser.template_xlsx(), big, shared_strings(big), shared_strings(parser.template_xlsx()),
                 workbook([list(FIELDS)] + [["A", i] for i in range(300)], write_only=True)):
        fast, slow, answered = both(data, max_rows=1000)
        assert answered, "the fast reader gave up on a plain workbook"
        assert fast == slow and fast[0] != "problem"
    strings = []
    fast_strings = parser._fast_string_table
    parser._fast_string_table = lambda source: strings.append(fast_strings(source)) or strings[-1]
    try:
        read(shared_strings(big))
    finally:
        parser._fast_string_table = fast_strings
    assert strings and strings[0] is not None and "Soyad y" in strings[0]   # openpyxl drops "x005F_"


@pytest.mark.parametrize("items", [
    "<si><t>a</t></si><si/><si><t/></si><si><t>x005F_x000D_ &amp; &#10;\r\n</t></si>",
    '<si><t xml:space="preserve">  a  </t></si><si><t><![CDATA[<b>]]></t></si>',
    "<si><r><t>a</t></r><r><rPr><b/></rPr><t>b</t></r></si>",                   # rich text: openpyxl's
    '<si><t>a</t><rPh sb="0" eb="1"><t>x</t></rPh><phoneticPr fontId="1"/></si>',  # phonetic: openpyxl's
    "<si><t>a</t><t>b</t></si>",
    "<si><t>a<b/></t></si>",
    "<extLst/><si><t>a</t></si>",
])
def test_shared_string_tables(items):
    rows = HEADER_ROW + '<row r="2">' + "".join(f'<c r="{chr(65 + i)}2" t="s"><v>{i}</v></c>' for i in range(3)) + "</row>"
    xml = sheet_xml(rows).replace("<extLst/>", "")
    data = with_sheet(xml, shared=[])
    data = data  # the table below replaces the empty one
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for name in source.namelist():
            content = source.read(name)
            if name == "xl/sharedStrings.xml":
                padding = "<si><t>p</t></si>" * 3
                content = f'<sst xmlns="{NS}">{items.replace(chr(92) + "r", chr(13)).replace(chr(92) + "n", chr(10))}{padding}</sst>'.encode()
            target.writestr(name, content)
    fast, slow, _ = both(out.getvalue())
    assert fast == slow


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


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("dimension", ["A1:J3", None, "A1:B2", "C3"])
def test_hand_written_worksheets(name, dimension):
    rows = CASES[name]
    after = '<foo><row r="9"><c r="A9"><v>1</v></c></row></foo>' if name == "row outside sheetData" else ""
    shared = ["fin", "first_name", "<t>x</t>", "<r><t>a</t></r><r><t>b</t></r>"] if name == "shared strings" else None
    data = with_sheet(sheet_xml(rows, dimension, after=after), shared=shared)
    fast, slow, answered = both(data)
    assert fast == slow
    assert answered == (name not in LEFT_TO_OPENPYXL)


LEFT_TO_OPENPYXL = {"rich text", "phonetic", "element in a row", "row outside sheetData", "absolute references"}


@pytest.mark.parametrize("xml", [
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
])
def test_broken_worksheets_read_alike_and_are_file_problems(xml):
    fast, slow, _ = both(with_sheet(xml))
    assert fast == slow


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
    fast, slow, answered = both(data)
    assert answered and fast == slow
    assert fast[1][0][1][4] == datetime(1904, 4, 10)


def test_row_limit_alike():
    data = workbook([list(FIELDS)] + [["x"]] * 30 + [[None]] * 5 + [["y"]] * 30)
    for limit in (1, 29, 30, 59, 60, 61):
        fast, slow, answered = both(data, max_rows=limit)
        assert answered and fast == slow
    assert both(data, max_rows=59)[0][0] == "problem"


_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12).map(
    lambda s: ILLEGAL_CHARACTERS_RE.sub("", s))
_cell = st.one_of(st.none(), _text, st.integers(-10**15, 10**15), st.booleans(),
                  st.floats(allow_nan=False, allow_infinity=False),
                  st.dates(min_value=date(1900, 3, 1), max_value=date(9999, 12, 31)),
                  st.datetimes(min_value=datetime(1900, 3, 1), max_value=datetime(9999, 12, 31)),
                  st.times(), st.sampled_from(list(FIELDS)))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(header=st.one_of(st.just(list(FIELDS)), st.lists(_cell, max_size=12)),
       rows=st.lists(st.lists(_cell, max_size=12), max_size=12), write_only=st.booleans())
def test_generated_workbooks_read_alike(header, rows, write_only):
    data = workbook([header] + rows, write_only=write_only)
    for data in (data, shared_strings(data)):
        fast, slow, answered = both(data, max_rows=8)
        assert answered
        assert fast == slow
