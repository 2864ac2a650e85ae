"""CSV and XLSX downloads of the ministry reports: exactly the suppressed cells the screen shows
(withheld figures as ``<5`` / ``x`` / ``—``), through the shared formula-safe writers in
:mod:`talent.exports`. The workbook has one sheet per table, a sheet of the definitions in
Azerbaijani, English and Russian, and a notes sheet with the period, filters and how the published
values are protected (in the three languages).
"""
from __future__ import annotations

from typing import Any, Iterable

from flask import Response
from flask_babel import gettext

from talent import audit
from talent.exports import stream_csv, xlsx_response
from talent.permissions import Actor, P, require
from talent.reporting.definitions import DEFINITIONS, suppression_note
from talent import clock

def definition_header() -> list[str]:
    """The Definitions sheet's header in the reader's language (the terms stay in all three)."""
    header = [gettext("Key")]
    for language in ("az", "en", "ru"):
        header += [f"{gettext('Term')} ({language})", f"{gettext('Definition')} ({language})"]
    return header


def definition_rows() -> list[list[str]]:
    return [[key, *texts["az"], *texts["en"], *texts["ru"]] for key, texts in DEFINITIONS]


def _filename(name: str, filters, ext: str) -> str:
    return f"talent-{name}-{filters.start.isoformat()}-{filters.end.isoformat()}.{ext}"


def notes(title: Any, filters, k: int) -> list[str]:
    described = filters.describe()
    lines = [str(title),
             f"Period: {described['start']} – {described['end']} ({described['kind']})",
             f"Report date: {described['report_date']}"]
    for name in ("skill", "sector", "level"):
        if described.get(name):
            lines.append(f"Filter {name}: {described[name]}")
    for language in ("az", "en", "ru"):
        lines.append(suppression_note(k, language))
    lines.append(f"Exported on {clock.today().isoformat()}.")
    return lines


def csv_response(report_name: str, table, filters) -> Response:
    """One table of a report as CSV (a report with several tables is exported one table at a time)."""
    return stream_csv(_filename(f"{report_name}-{table.name}", filters, "csv"), table.header(),
                      table.export_rows())


def xlsx_report(report_name: str, title: Any, tables: Iterable, filters, k: int) -> Response:
    sheets = [(str(t.title), t.header(), list(t.export_rows())) for t in tables]
    sheets.append((gettext("Definitions"), definition_header(), definition_rows()))
    return xlsx_response(_filename(report_name, filters, "xlsx"), sheets, notes(title, filters, k))


def record_export(actor: Actor, report_name: str, fmt: str, object_id: int | None, filters) -> None:
    """A report left the system as a file: audited with what was asked (never a person)."""
    require(actor, P.REPORTS_READ)
    audit.record(actor, "report.export", "report", report_name,
                 details={"format": fmt, "id": object_id, **filters.describe()})
