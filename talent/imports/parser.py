"""Reading a trainee spreadsheet: CSV (comma or semicolon, UTF-8 with or without BOM, as Excel
writes it) or XLSX (python-calamine). Knows nothing about trainees beyond the column names;
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
# Zip-bomb limits (issue 13): what a workbook may unpack to in all, how tightly an entry may be
# compressed (spreadsheet XML packs ~5-20 times; deflate's ceiling is ~1032), and how many entries
# it may have. Defaults; the app's IMPORT_MAX_UNCOMPRESSED_BYTES / IMPORT_MAX_RATIO override them.
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
RATIO_FLOOR = 1024 * 1024          # entries smaller than this unpacked are never "too tight"
MAX_ENTRIES = 1000


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
    comment_rows: int = 0                         # rows skipped because they start with "#"


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


COMMENT_MARK = "#"


def _is_comment(cells: Any) -> bool:
    """A row whose first cell starts with ``#`` is a comment (the template's example row is one):
    skipped, and counted so the report can say so. No field's valid value starts with ``#``."""
    first = cells[0] if len(cells) else None
    return isinstance(first, str) and first.lstrip().startswith(COMMENT_MARK)


def _unpack_limits() -> tuple[int, int]:
    from flask import current_app, has_app_context
    if not has_app_context():
        return MAX_UNCOMPRESSED_BYTES, MAX_RATIO
    config = current_app.config
    return (config.get("IMPORT_MAX_UNCOMPRESSED_BYTES") or MAX_UNCOMPRESSED_BYTES,
            config.get("IMPORT_MAX_RATIO") or MAX_RATIO)


def read_sheet(data: bytes, *, max_rows: int, max_bytes: int, max_uncompressed: int | None = None,
               max_ratio: int | None = None) -> Sheet:
    """Parse the upload. Raises :class:`FileProblem` for a file that cannot be read as a whole."""
    if len(data) > max_bytes:
        raise FileProblem(_l("The file is larger than %(mb)d MB.", mb=max_bytes // (1024 * 1024)))
    if not data.strip():
        raise FileProblem(_l("The file is empty."))
    if data.startswith(XLSX_MAGIC):
        default_total, default_ratio = _unpack_limits()
        limit = max_uncompressed or default_total
        check_zip(data, max_total=limit, max_ratio=max_ratio or default_ratio)
        return _read_xlsx(data, max_rows, limit)
    return _read_csv(data, max_rows)


# ---- zip bombs -------------------------------------------------------------------------------

def _too_big_unpacked(limit: int) -> FileProblem:
    return FileProblem(_l("The Excel file would unpack to more than %(mb)d MB; it was not read. Save it "
                          "again from your spreadsheet program, or split it.", mb=max(1, limit // (1024 * 1024))))


def check_zip(data: bytes, *, max_total: int, max_ratio: int) -> None:
    """Refuse a workbook from its central directory, before anything is unpacked: more entries
    than a workbook has, more than ``max_total`` bytes unpacked in all, or an entry compressed
    more than ``max_ratio`` times (a zip bomb)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as error:
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    if len(entries) > MAX_ENTRIES:
        raise FileProblem(_l("The Excel file has more than %(n)d parts; it was not read.", n=MAX_ENTRIES))
    total = 0
    for entry in entries:
        total += max(entry.file_size, 0)
        if total > max_total:
            raise _too_big_unpacked(max_total)
        if entry.file_size > RATIO_FLOOR and entry.file_size > max_ratio * max(entry.compress_size, 1):
            raise FileProblem(_l("The Excel file is packed far more tightly than a spreadsheet can be (a part "
                                 "unpacks %(ratio)d times its size); it was not read.",
                                 ratio=entry.file_size // max(entry.compress_size, 1)))


class _Budget:
    """Bytes all the entries of one workbook may still unpack to."""

    def __init__(self, limit: int):
        self.limit = limit
        self.left = limit

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise _too_big_unpacked(self.limit)


class _LimitedEntry(io.RawIOBase):
    """A zip entry being unpacked, counted against the workbook's budget chunk by chunk: the
    central directory's sizes are checked first, but the stream itself is limited too."""
    CHUNK = 1 << 16

    def __init__(self, raw, budget: _Budget):
        super().__init__()
        self._raw = raw
        self._budget = budget

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0:
            parts = []
            while True:
                chunk = self.read(self.CHUNK)
                if not chunk:
                    return b"".join(parts)
                parts.append(chunk)
        chunk = self._raw.read(min(size, self.CHUNK) if size else 0)
        self._budget.spend(len(chunk))
        return chunk

    def readinto(self, buffer) -> int:
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def close(self) -> None:
        self._raw.close()
        super().close()


class _LimitedZipFile(zipfile.ZipFile):
    budget: _Budget

    def open(self, name, mode="r", pwd=None, **kwargs):  # type: ignore[override]
        raw = super().open(name, mode, pwd, **kwargs)
        if mode != "r":
            return raw
        return io.BufferedReader(_LimitedEntry(raw, self.budget), buffer_size=_LimitedEntry.CHUNK)


def limited_zip(data: bytes, limit: int) -> zipfile.ZipFile:
    archive = _LimitedZipFile(io.BytesIO(data))
    archive.budget = _Budget(limit)
    return archive


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
        comments = 0
        for cells in reader:
            if not "".join(cells).strip():           # _is_empty for cells that are all strings
                continue
            if _is_comment(cells):
                comments += 1
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            rows.append((reader.line_num, cells))
    except csv.Error as error:
        raise FileProblem(_l("The CSV file is malformed: %(error)s", error=str(error))) from None
    return Sheet(columns, rows, unknown, "csv", comments)


def _read_xlsx(data: bytes, max_rows: int, max_unpacked: int = MAX_UNCOMPRESSED_BYTES) -> Sheet:
    """The first worksheet, read by python-calamine (Rust: calamine and quick-xml) once every part of
    the workbook has been unpacked within the budget and found free of DTDs (:func:`_unpack_within`)."""
    from python_calamine import CalamineWorkbook
    _unpack_within(data, max_unpacked)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        if not workbook.sheet_names:
            raise FileProblem(_l("The file is empty."))
        sheet = workbook.get_sheet_by_index(0)
        start = sheet.start[0] if sheet.start else 0   # the first row calamine gives (0-based)
        iterator = iter(sheet.iter_rows())
        header = next(iterator, None)
        if header is None or _is_empty(header):
            raise FileProblem(_l("The file is empty."))
        columns, unknown = _map_header([_value(cell) for cell in header])
        rows: list[tuple[int, list[Any]]] = []
        comments = 0
        for number, cells in enumerate(iterator, start=start + 2):
            cells = [_value(cell) for cell in cells]
            if _is_empty(cells):
                continue
            if _is_comment(cells):
                comments += 1
                continue
            if len(rows) >= max_rows:
                raise _too_many(max_rows)
            rows.append((number, cells))
    except FileProblem:
        raise
    except Exception as error:  # calamine's errors on a broken workbook or worksheet (XML, references, numbers)
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    return Sheet(columns, rows, unknown, "xlsx", comments)


def _value(cell: Any) -> Any:
    """A calamine cell as openpyxl gave it: an empty cell (or a formula without a cached value) is
    None, a whole number an int (calamine reads every number as a float: a phone number or FIN typed
    as a number must not become "994501234567.0")."""
    cls = cell.__class__
    if cls is str:
        return cell if cell else None
    if cls is float and cell.is_integer():
        return int(cell)
    return cell


# A DTD in any part of the workbook is refused (external entities, entity expansion): spreadsheet
# programs never write one; defusedxml, which openpyxl read through, refused them too.
_DTD_MARKS = tuple(mark.encode(encoding) for mark in ("<!DOCTYPE", "<!ENTITY")
                   for encoding in ("utf-8", "utf-16-le", "utf-16-be"))


def _unpack_within(data: bytes, limit: int) -> None:
    """Unpack every part once, counted against the budget chunk by chunk (the central directory,
    checked by :func:`check_zip`, may lie about the sizes), and refuse a part that declares a DTD.
    Nothing is kept: calamine reads the workbook afterwards."""
    tail = max(len(mark) for mark in _DTD_MARKS)
    try:
        with limited_zip(data, limit) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                with archive.open(info) as entry:
                    previous = b""
                    while chunk := entry.read(_LimitedEntry.CHUNK):
                        window = previous + chunk
                        if any(mark in window for mark in _DTD_MARKS):
                            raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error="DTDForbidden"))
                        previous = window[-tail:]
    except FileProblem:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError, ValueError, EOFError,
            RuntimeError) as error:
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None


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


# The example row is a comment row ("#" first, skipped by the reader and counted in the report),
# and its FIN "# 5ABCD12" could never pass the FIN check either: left in, it imports nobody.
EXAMPLE_ROW = ("# 5ABCD12", "Aysel", "Məmmədova", "Rəşad qızı", "1998-05-17", "F", "aysel@example.az",
               "+994 50 123 45 67", "Bakı", "bachelor")
