"""Language helpers shared by models and templates."""
from __future__ import annotations

import unicodedata
from functools import lru_cache

from flask_babel import get_locale
from sqlalchemy import String

from talent.extensions import db

LANGUAGES = ("az", "en", "ru")


def current_language() -> str:
    try:
        locale = get_locale()
    except Exception:  # outside a request (CLI): Azerbaijani
        return "az"
    return locale.language if locale is not None and locale.language in LANGUAGES else "az"


class LocalizedName:
    """Mixin for rows with ``name_az``/``name_en``/``name_ru`` columns."""

    name_az: str
    name_en: str
    name_ru: str

    def name_in(self, language: str) -> str:
        return getattr(self, f"name_{language}", None) or self.name_az

    @property
    def name(self) -> str:
        return self.name_in(current_language())


# Azerbaijani letters folded to plain Latin so "ismayilov" finds "İsmayılov"; Cyrillic kept.
_FOLD = str.maketrans({"ə": "e", "Ə": "e", "ı": "i", "I": "i", "İ": "i", "ğ": "g", "Ğ": "g",
                       "ş": "s", "Ş": "s", "ç": "c", "Ç": "c", "ö": "o", "Ö": "o", "ü": "u",
                       "Ü": "u"})


def fold(text: str | None) -> str:
    """Case- and accent-insensitive search key: Azerbaijani letters folded, other accents
    stripped, whitespace collapsed, lower case."""
    if not text:
        return ""
    text = text.translate(_FOLD)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


# ---- Azerbaijani alphabetical order ----------------------------------------------------------
# A B C Ç D E Ə F G Ğ H X I İ J K Q L M N O Ö P R S Ş T U Ü V Y Z: Ə after E, Ü after U ("Su"
# before "Sü"), X after H, Q after K. PostgreSQL sorts with its ICU collation "az-x-icu"; SQLite
# with the "az" collation below (registered on every connection), built on the same order.
AZ_ALPHABET = "abcçdeəfgğhxıijkqlmnoöprsştuüvyz"
_AZ_RANK = {letter: n for n, letter in enumerate(AZ_ALPHABET)}
_AZ_LOWER = str.maketrans({"I": "ı", "İ": "i"})


def az_sort_key(text: str | None) -> tuple:
    """Sort key of ``text`` in Azerbaijani order: letters by the alphabet (case ignored first),
    digits before letters, other characters by code point; then case as a tie-break."""
    if not text:
        return ((), ())
    primary = []
    for ch in text.translate(_AZ_LOWER).lower():
        rank = _AZ_RANK.get(ch)
        if rank is not None:
            primary.append((2, rank))
        elif ch.isdigit():
            primary.append((1, ord(ch)))
        elif ch.isspace():
            primary.append((0, 0))
        else:
            base = unicodedata.normalize("NFKD", ch)[0]
            primary.append((2, _AZ_RANK[base]) if base in _AZ_RANK else (3, ord(ch)))
    return (tuple(primary), tuple(ch.isupper() for ch in text))


# SQLite calls the collation once per comparison, so a sort of n names computes ~2 n log n keys: at
# 100k trainees the list of a center's 20,000 members spent 98 ms on them. Names repeat (surnames,
# first names), so each key is computed once and remembered (a bounded cache: a few MB at most).
_az_key = lru_cache(maxsize=65536)(az_sort_key)


def sqlite_az_collation(left: str, right: str) -> int:
    if left == right:
        return 0
    a, b = _az_key(left), _az_key(right)
    return (a > b) - (a < b)


def az_collate(column, dialect_name: str | None = None):
    """``column`` ordered the Azerbaijani way in SQL (ORDER BY az_collate(Model.name)); columns
    that are not text are returned as they are."""
    if not isinstance(getattr(column, "type", None), String):
        return column
    if dialect_name is None:
        dialect_name = db.engine.dialect.name
    if dialect_name == "postgresql":
        return column.collate("az-x-icu")
    if dialect_name == "sqlite":
        return column.collate("az")
    return column
