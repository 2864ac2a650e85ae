"""Language helpers shared by models and templates."""
from __future__ import annotations

import unicodedata

from flask_babel import get_locale

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
