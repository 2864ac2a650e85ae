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
    try:
        workbook = _load_workbook(data, max_unpacked)
    except FileProblem:
        raise
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as error:
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    except Exception as error:  # openpyxl raises assorted errors on broken workbooks
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise FileProblem(_l("The file is empty."))
        fast = _fast_xlsx_rows(workbook, sheet, max_rows)
        if fast is not None:
            header, rows, comments = fast
            if header is None:
                raise FileProblem(_l("The file is empty."))
            columns, unknown = _map_header(list(header))
            if len(rows) > max_rows:
                raise _too_many(max_rows)
            return Sheet(columns, rows, unknown, "xlsx", comments)
        iterator = sheet.iter_rows(values_only=True)
        header = next(iterator, None)
        if header is None:
            raise FileProblem(_l("The file is empty."))
        columns, unknown = _map_header(list(header))
        rows: list[tuple[int, list[Any]]] = []
        comments = 0
        for number, cells in enumerate(iterator, start=2):
            cells = list(cells)
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
    except Exception as error:  # a broken worksheet inside a sound zip (bad XML, cell references, numbers)
        raise FileProblem(_l("The Excel file cannot be read (%(error)s).", error=error.__class__.__name__)) from None
    finally:
        workbook.close()
    return Sheet(columns, rows, unknown, "xlsx", comments)


def _load_workbook(data: bytes, max_unpacked: int = MAX_UNCOMPRESSED_BYTES):
    """openpyxl's ``load_workbook(read_only=True, data_only=True)``, with the shared strings read by
    :func:`_fast_string_table` when it can (openpyxl: ~10 µs a string, 30,000 in a 10,000-row file)."""
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.xml.constants import SHARED_STRINGS

    class Reader(ExcelReader):
        def read_strings(self):
            part = self.package.find(SHARED_STRINGS)
            if part is not None and not self.rich_text:
                with self.archive.open(part.PartName[1:]) as source:
                    strings = _fast_string_table(source)
                if strings is not None:
                    self.shared_strings = strings
                    return
            super().read_strings()

    reader = Reader(io.BytesIO(data), read_only=True, data_only=True)
    reader.archive.close()
    reader.archive = limited_zip(data, max_unpacked)   # every entry unpacks within the budget
    reader.read()
    return reader.wb


# ---- fast worksheet reading ---------------------------------------------------------------------
# openpyxl's read-only worksheet builds an ElementTree element per cell and costs ~15 µs a cell
# (1.5 s for 10,000 rows of 10 columns). For the plain structure spreadsheet programs write —
# sheetData > row > c > v | f | is > t — the same values come from expat callbacks at a fraction of
# that. Everything else (rich text, unexpected elements, odd attributes, any error) makes
# _fast_xlsx_rows answer None and openpyxl reads the sheet as before. The workbook itself (shared
# strings, styles, date formats, the epoch, the dimension) is still loaded by openpyxl.

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_DATA, _ROW, _CELL, _VALUE, _FORMULA, _INLINE, _TEXT = (
    f"{_MAIN_NS}}}{name}" for name in ("sheetData", "row", "c", "v", "f", "is", "t"))


_SHARED_ITEM = f"{_MAIN_NS}}}si"


class _Unusual(Exception):
    """The worksheet has something the fast reader leaves to openpyxl."""


class _Enough(Exception):
    """More rows than an import may have: stop reading."""


def _fast_string_table(source) -> list[str] | None:
    """openpyxl.reader.strings.read_string_table for items of plain text (``<si><t>…</t></si>``,
    as spreadsheet programs write unformatted text); None when there is anything else (rich or
    phonetic runs, …) or any error, and openpyxl reads the table."""
    from xml.parsers import expat
    parser = expat.ParserCreate(namespace_separator="}")
    parser.buffer_text = True
    strings: list[str] = []
    depth = 0            # 0 outside an item, 1 in <si>, 2 in its <t>
    texts = 0
    text: list[str] = []

    def start(name, _attrs):
        nonlocal depth, texts, text
        if depth == 0:
            if name == _SHARED_ITEM:
                depth, texts, text = 1, 0, []
        elif depth == 1 and name == _TEXT and not texts:
            depth, texts = 2, 1
        else:
            raise _Unusual

    def end(name):
        nonlocal depth
        if depth == 2:
            depth = 1
        elif depth == 1:
            strings.append("".join(text).replace("x005F_", ""))
            depth = 0

    def chars(data):
        if depth == 2:
            text.append(data)

    def refuse(*_args):
        raise _Unusual

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        while True:
            chunk = source.read(1 << 16)
            parser.Parse(chunk, not chunk)
            if not chunk:
                return strings
    except FileProblem:
        raise            # the unpack budget is spent: no second reading
    except Exception:
        return None


def _fast_xlsx_rows(workbook, sheet, max_rows: int):
    """``(header, rows, comments)`` as :func:`_read_xlsx` builds them from openpyxl's
    ``sheet.iter_rows(values_only=True)`` — header the first row or None, rows the non-empty ones
    after it that are not comments, with their row numbers, at most ``max_rows + 1``; comments the
    number of comment rows skipped — or None to let openpyxl read."""
    try:
        from openpyxl.utils.cell import column_index_from_string
        from openpyxl.utils.datetime import from_excel, from_ISO8601
        state = (workbook._archive, sheet._worksheet_path, sheet._shared_strings, workbook.epoch,
                 workbook._date_formats, workbook._timedelta_formats, sheet.max_column, sheet.max_row,
                 workbook.data_only)
    except AttributeError:   # another openpyxl than the one this was written against
        return None
    archive, path, shared, epoch, date_formats, timedelta_formats, max_col, max_row, data_only = state
    if not data_only:
        return None

    def cell_value(kind: str, text: str | None, style: Any, inline: str | None) -> Any:
        # openpyxl.worksheet._reader.WorkSheetParser.parse_cell with data_only=True
        value = None if kind == "inlineStr" else (text or None)
        if value is not None:
            if kind == "n":
                value = float(value) if ("." in value or "E" in value or "e" in value) else int(value)
                if style in date_formats:
                    value = from_excel(value, epoch, timedelta=style in timedelta_formats)
            elif kind == "s":
                value = shared[int(value)]
            elif kind == "b":
                value = bool(int(value))
            elif kind == "d":
                value = from_ISO8601(value)
        elif kind == "inlineStr" and inline is not None:
            value = inline
        return value

    columns: dict[str, int] = {}

    def column_of(reference: str) -> int:
        # coordinate_to_tuple(reference)[1] for "letters then ASCII digits"; the rest -> openpyxl
        letters = reference.rstrip("0123456789")
        if len(letters) == len(reference):
            raise _Unusual
        column = columns.get(letters)
        if column is None:
            column = columns[letters] = column_index_from_string(letters)
        return column

    def raw_rows():
        """(row index, [(column, value), ...]) per <row>, as openpyxl's parser yields them."""
        from xml.parsers import expat
        parser = expat.ParserCreate(namespace_separator="}")
        parser.buffer_text = True
        done: list[tuple[int, list[tuple[int, Any]]]] = []
        # where we are: 0 outside sheetData, 1 in sheetData, 2 in a row, 3 in a cell, 4 in its <v> or
        # <f>, 5 in an inline string <is>, 6 in its <t>
        mode = 0
        row_number = column = 0
        cells: list[tuple[int, Any]] = []
        attrs: dict[str, str] = {}
        value: str | None = None
        values = inlines = 0
        inline: str | None = None
        text: list[str] | None = None

        def start(name, new_attrs):
            nonlocal mode, row_number, column, cells, attrs, value, values, inlines, inline, text
            if mode == 3:
                if name == _VALUE:
                    values += 1
                    text = []
                    mode = 4
                elif name == _FORMULA:
                    mode = 4
                elif name == _INLINE:
                    inlines += 1
                    inline = ""
                    mode = 5
                else:
                    raise _Unusual
            elif mode == 2:
                if name != _CELL:
                    raise _Unusual
                attrs, value, values, inline, inlines = new_attrs, None, 0, None, 0
                mode = 3
            elif mode == 5:
                if name != _TEXT or inline != "":
                    raise _Unusual      # rich text or phonetic runs
                text = []
                mode = 6
            elif mode == 1:
                if name != _ROW:
                    raise _Unusual
                number = new_attrs.get("r")
                row_number = row_number + 1 if number is None else int(number)
                column, cells = 0, []
                mode = 2
            elif mode == 0:
                if name == _DATA:
                    mode = 1
                elif name in (_ROW, _CELL, _VALUE, _INLINE):
                    raise _Unusual
            else:
                raise _Unusual

        def end(name):
            nonlocal mode, column, value, inline, text
            if mode == 4:
                if name == _VALUE:
                    value = "".join(text)
                    text = None
                mode = 3
            elif mode == 3:
                if values > 1 or inlines > 1:
                    raise _Unusual
                style: Any = attrs.get("s", 0)
                if style:
                    style = int(style)
                reference = attrs.get("r")
                column = column_of(reference) if reference else column + 1
                cells.append((column, cell_value(attrs.get("t", "n"), value, style, inline)))
                mode = 2
            elif mode == 6:
                inline = "".join(text)
                text = None
                mode = 5
            elif mode == 5:
                mode = 3
            elif mode == 2:
                done.append((row_number, cells))
                mode = 1
            elif mode == 1:
                mode = 0

        def chars(data):
            if text is not None:
                text.append(data)

        def refuse(*_args):
            raise _Unusual   # openpyxl reads through defusedxml, which refuses DTDs and entities

        parser.StartElementHandler = start
        parser.EndElementHandler = end
        parser.CharacterDataHandler = chars
        parser.StartDoctypeDeclHandler = refuse
        parser.EntityDeclHandler = refuse
        with archive.open(path) as source:
            while True:
                chunk = source.read(1 << 16)
                parser.Parse(chunk, not chunk)
                yield from done
                done.clear()
                if not chunk:
                    break

    # openpyxl.worksheet._read_only.ReadOnlyWorksheet._cells_by_row and _get_row (min_col = min_row
    # = 1, values only), keeping just what _read_xlsx keeps.
    empty_row: Any = (None,) * max_col if max_col is not None else []
    header: Any = None
    rows: list[tuple[int, list[Any]]] = []
    comments = 0

    def emit(number: int, cells: Any) -> None:
        nonlocal header, comments
        if number == 1:
            header = cells
        elif _is_comment(cells):
            comments += 1
        elif not _is_empty(cells):
            rows.append((number, list(cells)))
            if len(rows) > max_rows:
                raise _Enough

    counter = index = 1
    try:
        try:
            for index, cells in raw_rows():
                if max_row is not None and index > max_row:
                    break
                if counter < index:            # rows missing from the file read as empty
                    if counter == 1:
                        emit(1, empty_row)
                    counter = index
                if counter <= index:
                    if not cells and not max_col:
                        values: Any = ()
                    else:
                        last = max_col or cells[-1][0]
                        values = [None] * last
                        for column, value in cells:
                            if 1 <= column <= last:
                                values[column - 1] = value
                        values = tuple(values)
                    emit(counter, values)
                    counter += 1
            if max_row is not None and max_row < index and counter == 1:
                emit(1, empty_row)
        except _Enough:
            pass
    except FileProblem:
        raise            # the unpack budget is spent: no second reading
    except Exception:   # _Unusual, or whatever openpyxl would also stumble on: let it read
        return None
    return header, rows, comments


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
