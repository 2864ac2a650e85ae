"""Spreadsheet exports shared by every interface: CSV (streamed) and XLSX responses.

Files open as a person in Azerbaijan opens them: CSV separated by ``;`` with decimal commas for
az and ru (what Excel expects in those locales; ``,`` and decimal points for en), UTF-8 with a
byte-order mark; XLSX with typed numbers and dates.

A value typed by a user can never run as a formula ("CSV/formula injection"). In XLSX every text
is written as a text cell (never a formula) and one that starts with ``=``, ``+``, ``-``, ``@``,
a tab or a carriage return also gets Excel's "quote prefix" style: the stored value is the text
itself, so ``+994 50 123 45 67`` stays a phone number. In CSV, which has no types, such a text is
prefixed with a single quote unless it is only a number or a phone number (digits, spaces, dashes,
brackets), which no spreadsheet runs as a formula. Numbers, dates and booleans stay values.

Exports with personal data must be audited by the caller (the service or view that produces the
rows), since this module knows nothing about what the rows mean.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import islice
from typing import Any, Iterable, Sequence
from urllib.parse import quote

from flask import Response, stream_with_context
from flask_babel import gettext

from talent import clock
from talent.i18n import current_language

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
_SHEET_TITLE_BAD = re.compile(r"[\[\]\*\?/\\:]")
_WIDTH_SAMPLE_ROWS = 200
_MAX_WIDTH = 60


_PLAIN_NUMBER = re.compile(r"^[+-]?[\d ()\-./]*\d[\d ()\-./]*$")


def formula_like(text: str) -> bool:
    """True for a text a spreadsheet could run as a formula: it starts with a formula character and
    is not just a (phone) number."""
    return text.startswith(FORMULA_PREFIXES) and not _PLAIN_NUMBER.match(text)


def csv_delimiter(language: str | None = None) -> str:
    """``;`` for Azerbaijani and Russian (Excel's list separator there), ``,`` for English."""
    if language is None:
        language = current_language()
    return "," if language == "en" else ";"


def safe_cell(value: Any) -> Any:
    """A value that is safe to put in a spreadsheet cell.

    ``None`` becomes an empty string; text starting with a formula character (``= + - @``,
    tab, CR) gets a leading single quote; numbers, dates and booleans are returned unchanged.
    Other objects are turned into text first (and then neutralised like text)."""
    if value is None:
        return ""
    if isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value
    text = value if isinstance(value, str) else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def local_time(instant: datetime) -> datetime:
    """A stored instant (naive ones are UTC, as stored) in the app's zone (TALENT_TIMEZONE), so a
    spreadsheet shows the Baku time and date, never UTC's (20:17 UTC on 4 Dec is 5 Dec in Baku)."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(clock.zone())


def _csv_text(value: Any, decimal_comma: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, datetime):
        return local_time(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, (float, Decimal)):
        text = format(value, "f") if isinstance(value, Decimal) else repr(value)
        return text.replace(".", ",") if decimal_comma else text
    if isinstance(value, int):
        return str(value)
    text = value if isinstance(value, str) else str(value)
    return "'" + text if formula_like(text) else text


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _download_headers(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]], delimiter: str | None = None) -> Iterable[str]:
    """The CSV text, line by line, starting with a UTF-8 byte-order mark (so Excel reads
    Azerbaijani letters correctly); separated as the request's language expects (``;`` and
    decimal commas for az and ru, ``,`` and decimal points for en) unless ``delimiter`` is given."""
    buffer = io.StringIO()
    delimiter = delimiter or csv_delimiter()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    decimal_comma = delimiter == ";"

    def line(values) -> str:
        writer.writerow([_csv_text(v, decimal_comma) for v in values])
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate(0)
        return text

    yield "\ufeff" + line(header)
    for row in rows:
        yield line(row)


def stream_csv(filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Response:
    """A streamed CSV download: UTF-8 with BOM, every cell neutralised, not cached.

    ``rows`` is consumed while the response is sent, after the request has committed and its
    database session has closed: give plain values read before returning (never ORM objects to
    load lazily, nor a cursor on the request's session)."""
    generator = (chunk.encode("utf-8") for chunk in csv_lines(header, rows))
    response = Response(stream_with_context(generator), mimetype=CSV_MIMETYPE)
    return _download_headers(response, filename)


def _sheet_title(title: str, used: set[str]) -> str:
    base = _SHEET_TITLE_BAD.sub("_", str(title or "Sheet")).strip("'")[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[: 31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _xlsx_cell(ws, value: Any, WriteOnlyCell):
    """A typed cell: numbers, dates and booleans as values, text always as text (never a
    formula), with Excel's quote prefix when it starts like a formula."""
    if value is None:
        return None
    if isinstance(value, datetime):
        value = local_time(value).replace(tzinfo=None)  # Excel has no time zones: Baku's wall time
    if isinstance(value, (bool, int, float, Decimal, date, datetime)):
        return value
    text = value if isinstance(value, str) else str(value)
    cell = WriteOnlyCell(ws, value=text)
    cell.data_type = "s"
    if text.startswith(FORMULA_PREFIXES):
        cell.quotePrefix = True
    return cell


def _display_width(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 19
    if isinstance(value, date):
        return 10
    return len(str(value))


def xlsx_bytes(sheets: list[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]],
               notes: list[str] | None = None) -> bytes:
    """Build an XLSX workbook (write-only mode, so large sheets stay cheap in memory): one sheet
    per ``(title, header, rows)``, bold frozen header row, column widths from the header and the
    first rows; ``notes`` (e.g. suppression rules, date of the data) on a last "Notes" sheet."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    bold = Font(bold=True)
    for title, header, rows in sheets:
        ws = workbook.create_sheet(_sheet_title(title, used))
        iterator = iter(rows)
        sample = [list(r) for r in islice(iterator, _WIDTH_SAMPLE_ROWS)]
        widths = [_display_width(h) for h in header]
        for row in sample:
            for i, value in enumerate(row):
                w = _display_width(safe_cell(value))
                if i >= len(widths):
                    widths.append(w)
                elif w > widths[i]:
                    widths[i] = w
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(max(w + 2, 8), _MAX_WIDTH)
        ws.freeze_panes = "A2"
        header_cells = []
        for h in header:
            cell = WriteOnlyCell(ws, value="" if h is None else str(h))
            cell.data_type = "s"
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)

        def write(row):
            ws.append([_xlsx_cell(ws, value, WriteOnlyCell) for value in row])

        for row in sample:
            write(row)
        for row in iterator:
            write(row)
    if notes:
        ws = workbook.create_sheet(_sheet_title(gettext("Notes"), used))
        ws.column_dimensions["A"].width = 100
        wrap = Alignment(wrap_text=True, vertical="top")
        for note in notes:
            cell = _xlsx_cell(ws, str(note), WriteOnlyCell)
            cell.alignment = wrap
            ws.append([cell])
    if not sheets and not notes:
        workbook.create_sheet("Sheet")
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def xlsx_response(filename: str, sheets: list[tuple[str, Sequence[Any], Iterable[Sequence[Any]]]],
                  notes: list[str] | None = None) -> Response:
    """An XLSX download (see :func:`xlsx_bytes`), not cached."""
    response = Response(xlsx_bytes(sheets, notes), mimetype=XLSX_MIMETYPE)
    return _download_headers(response, filename)
