"""Cleaners every domain shares (the core layer, DESIGN §4): ids from outside, free text, dates.
Each takes raw input (a string, or a date/number from a spreadsheet cell) and returns the
normalised value, or raises :class:`FieldError` with a translatable message. Domain-specific
cleaners (a trainee's FIN, names, region) stay in their domain (``talent.people.validation``).
"""
from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l

_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DOTTED_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")


class FieldError(ValueError):
    """One field's value is wrong; ``message`` is translatable (lazy)."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


def cell_text(value: Any) -> str:
    """A cell or form value as trimmed text: None is empty, a whole float (a spreadsheet's 7) is 7."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def has_control_chars(text: str | None) -> bool:
    """Control characters (NUL and friends) are never valid text; PostgreSQL refuses NUL."""
    return bool(text) and _CONTROL.search(text) is not None


def clean_free_text(value: Any, *, max_length: int, required: bool = False) -> str | None:
    """A reason, topic or other free text: trimmed, no control characters, bounded length."""
    text = cell_text(value)
    if not text:
        if required:
            raise FieldError(_l("This field is required."))
        return None
    if has_control_chars(text):
        raise FieldError(_l("The text contains characters that are not allowed."))
    if len(text) > max_length:
        raise FieldError(_l("At most %(n)d characters.", n=max_length))
    return text


MAX_ID = 2**31 - 1


def as_id(value: Any) -> int | None:
    """A database id from outside (URL, form, JSON): a whole number from 1 to 2**31-1, else None
    (PostgreSQL refuses larger integers for integer columns)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not (text.isascii() and text.isdigit()) or len(text) > 10:
            return None
        number = int(text)
    return number if 1 <= number <= MAX_ID else None


def parse_int(value: Any, *, low: int | None = None, high: int | None = None) -> int | None:
    """A whole number from a form, a query string or JSON (``int(str(value).strip())``: surrounding
    space and a sign are fine, a fraction or a word is not), or None when it is not one or lies
    outside ``low``..``high`` (both included; a bound left out is not checked). ``as_id`` is the
    stricter reader for ids."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def normalise_email(email: str) -> str:
    """An e-mail address as accounts store and look it up: trimmed, lower case."""
    return (email or "").strip().lower()


def parse_date(value: Any) -> date:
    """``YYYY-MM-DD`` or ``DD.MM.YYYY`` (or a date cell from a spreadsheet)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        raise FieldError(_l("This field is required."))
    if len(text) > 10 and text[10:].strip() in {"00:00:00", "0:00:00", "00:00"}:
        text = text[:10].strip()  # "1998-05-17 00:00:00" as some spreadsheets write dates
    match = _ISO_DATE.match(text)
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        match = _DOTTED_DATE.match(text)
        if not match:
            raise FieldError(_l("Write the date as YYYY-MM-DD or DD.MM.YYYY."))
        day, month, year = (int(g) for g in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise FieldError(_l("This date does not exist.")) from None
