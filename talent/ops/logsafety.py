"""Keep personal data out of the logs.

Unexpected errors are logged with their traceback so support can find them by incident id; but a
database error's text carries the SQL parameters (SQLAlchemy's ``[parameters: …]``) and the
server's detail (PostgreSQL's ``Key (fin)=(…)``, ``Failing row contains (…)``), which hold FINs,
names and phone numbers. A log-record factory, installed once per process, rewrites every record
before any handler sees it: those parts are replaced and anything shaped like a FIN is masked.
"""
from __future__ import annotations

import logging
import re
import traceback

HIDDEN = "[hidden]"
_PATTERNS = [
    # SQLAlchemy: "[parameters: (...)]" / "[parameters: {...}]" up to the end of the line.
    (re.compile(r"\[parameters: .*?\](?=\s*$|\s*\n|\s*\(Background)", re.S), f"[parameters: {HIDDEN}]"),
    (re.compile(r"\[parameters: [^\n]*"), f"[parameters: {HIDDEN}]"),
    # PostgreSQL error details.
    (re.compile(r"(Key \([^)]*\))=\((?:[^()\n]|\([^()\n]*\))*\)"), rf"\1=({HIDDEN})"),
    (re.compile(r"(Failing row contains )\([^\n]*\)"), rf"\1({HIDDEN})"),
    # A FIN: 7 capital letters and digits with at least one digit, standing alone.
    (re.compile(r"(?<![0-9A-Za-z])(?=[0-9A-Z]{7}(?![0-9A-Za-z]))(?=[A-Z]{0,6}[0-9])[0-9A-Z]{7}"), "[FIN]"),
]
_MARK = "_talent_redacting"


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


def install() -> None:
    """Wrap the process's log-record factory (idempotent)."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, _MARK, False):
        return

    def factory(*args, **kwargs):
        record = previous(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a malformed record: let logging report it as it would
            return record
        safe = redact(message)
        if safe != message:
            record.msg, record.args = safe, ()
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
