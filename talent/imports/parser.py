"""Reading a trainee spreadsheet: CSV (comma or semicolon, UTF-8 with or without BOM, as Excel
writes it) or XLSX (openpyxl, read-only). Knows nothing about trainees beyond the column names;
returns the header mapping and the raw rows with their spreadsheet row numbers."""
from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l

from talent.people.validation import FIELDS, REQUIRED

XLSX_MAGIC = b"PK\x03\x04"


class FileProblem(Exception):
    """The file as a whole cannot be read (format, size, header). ``message`` is translatable."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


@dataclass
class Sheet:
    columns: dict[str, int]                       # field name -> column index
    rows: list[tuple[int, list[Any]]]              # (spreadsheet row number, cells)
    unknown_columns: list[str] = field(default_factory=list)
    format: str = "csv"


def _header_key(cell: Any) -> str:
    return str(cell or "").strip().lower().replace(" ", "_").replace("-", "_")


def _map_header(header: list[Any]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    unknown: list[str] = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        if not key:
            continue
        if key in FIELDS:
            if key in columns:
                raise FileProblem(_l("The column %(name)s appears twice.", name=key))
            columns[key] = index
        else:
            unknown.append(str(cell).strip())
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise FileProblem(_l("Required columns are missing: %(names)s. The first row must name the columns "
                             "(download the template).", names=", ".join(missing)))
    return columns, unknown


def _is_empty(cells: list[Any]) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def read_sheet(data: bytes, *, max_rows: int, max_bytes: int) -> Sheet:
    """Parse the upload. Raises :class:`FileProblem` for a file that cannot be read as a whole."""
    if len(data) > max_bytes:
        raise FileProblem(_l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if not data.strip():
        raise FileProblem(_l("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        return _read_xlsx(data, max_rows)
    return _read_csv(data, max_rows)


def _too_many(max_rows: int) -> FileProblem:
    return FileProblem(_l("The file has more than %(n)d rows; split it into smaller files.", n=max_rows))


def _read_csv(data: bytes, max_rows: int) -> Sheet:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FileProblem(_l("The file is not UTF-8 text. Save it as \"CSV UTF-8\" or as an Excel workbook "
                             "(.xlsx).")) from None
    if "\x00" in text:
        raise FileProblem(_l("This is not a CSV or XLSX file."))
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
        if header is None:
            raise FileProblem(_l("The file is empty."))
        columns, unknown = _map_header(header)
        rows: list[tuple[int, list[Any]]] = []
        for cells in reader:
            if not "".join(cells).strip():           # _is_empty for cells that are all strings
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise FileProblem(_l("The CSV file is malformed: %(error)s", error=str(error))) from None
    return Sheet(columns, rows, unknown, "csv")


def _read_xlsx(data: bytes, max_rows: int) -> Sheet:
    from openpyxl import load_workbook
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    except Exception as error:  # openpyxl raises assorted errors on broken workbooks
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileProblem(_l("The file is empty."))
        iterator = sheet.iter_rows(values_only=True)
        header = next(iterator, None)
        if header is None:
            raise FileProblem(_l("The file is empty."))
        columns, unknown = _map_header(list(header))
        rows: list[tuple[int, list[Any]]] = []
        for number, cells in enumerate(iterator, start=2):
            cells = list(cells)
            if _is_empty(cells):
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            rows.append((number, cells))
    finally:
        workbook.close()
    return Sheet(columns, rows, unknown, "xlsx")


def template_csv() -> bytes:
    """An empty import file with the header and one example row (UTF-8 with BOM for Excel)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(FIELDS)
    writer.writerow(EXAMPLE_ROW)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def template_xlsx() -> bytes:
    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "trainees"
    sheet.append(list(FIELDS))
    sheet.append(list(EXAMPLE_ROW))
    for column in "ABCDEFGHIJ":
        sheet.column_dimensions[column].width = 18
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


EXAMPLE_ROW = ("5ABCD12", "Aysel", "Məmmədova", "Rəşad qızı", "1998-05-17", "F", "aysel@example.az",
               "+994 50 123 45 67", "Bakı", "bachelor")
