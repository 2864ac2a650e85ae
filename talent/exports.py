"""Spreadsheet exports shared by every interface: CSV (streamed) and XLSX responses.

Every cell goes through :func:`safe_cell` so a value typed by a user can never run as a formula
when the file is opened in Excel or LibreOffice ("CSV/formula injection"): a text that starts
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is prefixed with a single quote.
Numbers, dates and booleans stay typed values (a number is never a formula).

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

from talent import clock

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIMETYPE = "text/csv; charset=utf-8"
_SHEET_TITLE_BAD = re.compile(r"[\[\]\*\?/\\:]")
_WIDTH_SAMPLE_ROWS = 200
_MAX_WIDTH = 60


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


def _csv_text(value: Any) -> str:
    value = safe_cell(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return local_time(value).isoformat(sep=" ", timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987)."""
    ascii_name = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\;' else "_" for ch in filename)
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _download_headers(response: Response, filename: str) -> Response:
    response.headers["Content-Disposition"] = content_disposition(filename)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def csv_lines(header: Sequence[Any], rows: Iterable[Sequence[Any]]) -> Iterable[str]:
    """The CSV text, line by line, starting with a UTF-8 byte-order mark (so Excel reads
    Azerbaijani letters correctly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def line(values) -> str:
        writer.writerow([_csv_text(v) for v in values])
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
            cell = WriteOnlyCell(ws, value=safe_cell(h))
            cell.font = bold
            header_cells.append(cell)
        ws.append(header_cells)

        def write(row):
            cells = []
            for value in row:
                value = safe_cell(value)
                if isinstance(value, datetime):
                    value = local_time(value).replace(tzinfo=None)  # Excel has no time zones: Baku's wall time
                cells.append(value)
            ws.append(cells)

        for row in sample:
            write(row)
        for row in iterator:
            write(row)
    if notes:
        ws = workbook.create_sheet(_sheet_title("Notes", used))
        ws.column_dimensions["A"].width = 100
        wrap = Alignment(wrap_text=True, vertical="top")
        for note in notes:
            cell = WriteOnlyCell(ws, value=safe_cell(str(note)))
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
