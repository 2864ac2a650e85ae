"""Pure validators for trainee data, shared by the web forms, the JSON API and the spreadsheet
import. No database access here: the caller passes what needs looking up (the region index).

Each ``clean_*`` function takes raw input (a string, or a date/number from a spreadsheet cell)
and returns the normalised value, or raises :class:`FieldError` with a translatable message.
``clean_trainee`` checks a whole record and returns ``(values, errors)`` with every problem.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date
from functools import partial
from typing import Any, Iterable, Mapping, Sequence

from flask_babel import lazy_gettext as _l

from talent.i18n import fold
from talent.people.models import EDUCATION_LEVELS
# The generic cleaners live in the core (talent.validation); re-exported for the trainee forms.
from talent.validation import (MAX_ID, FieldError, cell_text, as_id, clean_free_text,  # noqa: F401
                               has_control_chars, parse_date)
from talent import clock

MIN_AGE = 14
MAX_AGE = 80
NAME_MAX = 100

FIELDS = ("fin", "first_name", "last_name", "patronymic", "birth_date", "gender", "email", "phone",
          "home_region", "education_level")
REQUIRED = ("fin", "first_name", "last_name", "birth_date", "gender", "home_region")

_FIN_RE = re.compile(r"^[0-9A-Z]{7}$")
_EMAIL_RE = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_PHONE_STRIP = re.compile(r"[\s\-().]")

_GENDERS = {"f": "F", "female": "F", "qadin": "F", "m": "M", "male": "M", "kisi": "M"}


def clean_fin(value: Any) -> str:
    """FIN: trimmed, upper-cased, exactly 7 digits or capital Latin letters."""
    fin = cell_text(value).upper()
    if not fin:
        raise FieldError(_l("This field is required."))
    if not _FIN_RE.match(fin):
        raise FieldError(_l("A FIN is exactly 7 characters: digits and Latin letters."))
    return fin


def clean_name(value: Any, *, required: bool = True) -> str | None:
    name = " ".join(cell_text(value).split())
    if not name:
        if required:
            raise FieldError(_l("This field is required."))
        return None
    if len(name) > NAME_MAX:
        raise FieldError(_l("At most %(n)d characters.", n=NAME_MAX))
    if has_control_chars(name):
        raise FieldError(_l("The text contains characters that are not allowed."))
    return name


def age_on(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def clean_birth_date(value: Any, *, today: date | None = None) -> date:
    """A real date, giving an age from 14 to 80 years today."""
    birth = parse_date(value)
    today = today or clock.today()
    if birth > today:
        raise FieldError(_l("The birth date is in the future."))
    age = age_on(birth, today)
    if age < MIN_AGE or age > MAX_AGE:
        raise FieldError(_l("The age must be from %(min)d to %(max)d years.", min=MIN_AGE, max=MAX_AGE))
    return birth


def clean_gender(value: Any) -> str:
    text = cell_text(value)
    gender = _GENDERS.get(text.lower())
    if gender is not None:
        return gender
    text = fold(text)
    if not text:
        raise FieldError(_l("This field is required."))
    gender = _GENDERS.get(text)
    if gender is None:
        raise FieldError(_l("Gender must be F or M (female/male, qadın/kişi)."))
    return gender


def clean_email(value: Any) -> str | None:
    email = cell_text(value).lower()
    if not email:
        return None
    if len(email) > 254 or not _EMAIL_RE.match(email):
        raise FieldError(_l("Enter a valid email address."))
    return email


def clean_phone(value: Any) -> str | None:
    """Any common Azerbaijani form, stored as ``+994`` and 9 national digits."""
    text = _PHONE_STRIP.sub("", cell_text(value))
    if not text:
        return None
    if text.startswith("+994"):
        national = text[4:]
    elif text.startswith("00994"):
        national = text[5:]
    elif text.startswith("994") and len(text) == 12:
        national = text[3:]
    elif text.startswith("0") and len(text) == 10:
        national = text[1:]
    elif len(text) == 9:
        national = text
    else:
        national = ""
    if len(national) != 9 or not national.isdigit() or national[0] == "0":
        raise FieldError(_l("Enter an Azerbaijani phone number such as +994 50 123 45 67."))
    return "+994" + national


def clean_education_level(value: Any) -> str | None:
    text = cell_text(value).lower()
    if not text:
        return None
    if text not in EDUCATION_LEVELS:
        raise FieldError(_l("Education level must be one of: %(levels)s.",
                            levels=", ".join(EDUCATION_LEVELS)))
    return text


@dataclass(frozen=True)
class RegionIndex:
    """Region lookup by code or Azerbaijani/English/Russian name, any case (folded)."""
    by_key: Mapping[str, int]

    @classmethod
    def build(cls, regions: Iterable[Any]) -> "RegionIndex":
        keys: dict[str, int] = {}
        for region in regions:
            for name in (region.code, region.name_az, region.name_en, region.name_ru):
                if name:
                    keys[name] = region.id
                    keys[fold(name)] = region.id
                    keys[fold(name).replace("-", " ")] = region.id
                    keys[fold(name).replace("_", " ")] = region.id
        return cls(keys)

    def lookup(self, value: Any) -> int:
        raw = cell_text(value)
        region_id = self.by_key.get(raw)        # exact code or name: no folding needed
        if region_id is not None:
            return region_id
        text = fold(raw)
        if not text:
            raise FieldError(_l("This field is required."))
        region_id = self.by_key.get(text) or self.by_key.get(text.replace("-", " ").replace("_", " "))
        if region_id is None:
            raise FieldError(_l("Unknown region."))
        return region_id


def search_name(last_name: str, first_name: str, patronymic: str | None) -> str:
    return fold(f"{last_name} {first_name} {patronymic or ''}")


# ---- is the file's person the recorded one? ----------------------------------------------------
# A known FIN is reused only for the same person: the birth date must be equal and the name the
# same, read leniently — a file typed on another keyboard or copied from another system differs
# in ways that do not make it another person: case and spacing, punctuation and hyphens, the
# Azerbaijani letters written plainly (ə as e or a, ş as s or sh, x as x or kh, ...), first and last
# name swapped, and a patronymic left out or given without "oğlu"/"qızı". Names in Cyrillic are
# not transliterated: such a row is reported, and the person is enrolled by FIN and birth date.

_NAME_PUNCTUATION = re.compile(r"[^\w ]+")
# The English-style spelling of Azerbaijani letters (passports, foreign systems).
_ENGLISH = str.maketrans({"ə": "a", "Ə": "a", "ş": "sh", "Ş": "sh", "ç": "ch", "Ç": "ch", "x": "kh",
                          "X": "kh", "ğ": "gh", "Ğ": "gh", "q": "g", "Q": "g", "c": "j", "C": "j"})
_PATRONYMIC_WORDS = {"oglu", "ogli", "qizi", "gizi", "kizi", "ogly", "kyzy", "oghlu", "ghizi", "gyzy"}


@lru_cache(maxsize=8192)   # names repeat a lot across an import's rows
def _name_keys(text: str | None) -> frozenset[str]:
    """The spellings a name is compared by: plain folded Latin, and the English-style one."""
    text = (text or "").replace("-", " ").replace("'", "").replace("`", "").replace("ʼ", "")
    keys = set()
    for variant in (text, text.translate(_ENGLISH)):
        key = " ".join(_NAME_PUNCTUATION.sub(" ", fold(variant)).split())
        if key:
            keys.add(key)
    return frozenset(keys)


@lru_cache(maxsize=8192)
def _patronymic_keys(text: str | None) -> frozenset[str]:
    words = [w for w in fold(text).replace("-", " ").split() if w not in _PATRONYMIC_WORDS]
    return _name_keys(" ".join(words))


def same_person_name(record: tuple[str, str, str | None], given: tuple[str, str, str | None]) -> bool:
    """Is ``given`` (first name, last name, patronymic from a file or form) the recorded
    ``record`` name? Lenient as described above."""
    if record[0] == given[0] and record[1] == given[1] and (not record[2] or not given[2] or record[2] == given[2]):
        return True   # as recorded (a file imported again): no folding needed
    r_first, r_last = _name_keys(record[0]), _name_keys(record[1])
    g_first, g_last = _name_keys(given[0]), _name_keys(given[1])
    if not ((r_first & g_first and r_last & g_last) or (r_first & g_last and r_last & g_first)):
        return False
    r_pat, g_pat = _patronymic_keys(record[2]), _patronymic_keys(given[2])
    return not r_pat or not g_pat or bool(r_pat & g_pat)


def _optional_name(value: Any) -> str | None:
    return clean_name(value, required=False)


_STEPS = (
    ("fin", "fin", clean_fin),
    ("first_name", "first_name", clean_name),
    ("last_name", "last_name", clean_name),
    ("patronymic", "patronymic", _optional_name),
    ("birth_date", "birth_date", clean_birth_date),
    ("gender", "gender", clean_gender),
    ("email", "email", clean_email),
    ("phone", "phone", clean_phone),
    ("home_region", "home_region_id", None),
    ("education_level", "education_level", clean_education_level),
)


def clean_trainee(raw: Mapping[str, Any], regions: RegionIndex, *, today: date | None = None,
                  partial: bool = False) -> tuple[dict[str, Any], dict[str, str]]:
    """Check a whole trainee record. Returns ``(values, errors)``; ``errors`` maps the field name
    to a message (a str). ``values`` has the model's column names (``home_region_id``) and
    ``search_name``. With ``partial`` only the keys present in ``raw`` are checked (updates)."""
    values: dict[str, Any] = {}
    errors: dict[str, str] = {}
    today = today or clock.today()
    for name, target, fn in _STEPS:
        if partial and name not in raw:
            continue
        try:
            if name == "birth_date":
                values[target] = fn(raw.get(name), today=today)
            elif name == "home_region":
                values[target] = regions.lookup(raw.get(name))
            else:
                values[target] = fn(raw.get(name))
        except FieldError as error:
            errors[name] = str(error.message)
    if not partial and not errors:
        values["search_name"] = search_name(values["last_name"], values["first_name"], values.get("patronymic"))
    return values, errors


# Fields whose values are (nearly) unique per person: cleaning them once per distinct value
# would only fill a cache.
_UNIQUE_FIELDS = frozenset({"fin", "email", "phone"})


def clean_trainee_columns(columns: Mapping[str, Sequence[Any]], count: int, regions: RegionIndex, *,
                          today: date | None = None) -> tuple[list[str], list[list[Any]], dict[int, dict[str, str]]]:
    """:func:`clean_trainee` for the ``count`` rows of an import, given column by column (a field
    left out is empty in every row). Returns the value columns' names (the model's, and
    ``search_name``), the value columns, and the errors of the rows that have any (by row index,
    each as :func:`clean_trainee` gives them). A row without errors has exactly the values
    :func:`clean_trainee` gives it; a row with errors has None in the fields that failed (and
    as its ``search_name``). Each distinct value of a repeating field (names, birth dates, gender,
    region, education) is cleaned once: files repeat them across thousands of rows."""
    today = today or clock.today()
    names: list[str] = []
    results: list[list[Any]] = []
    errors: dict[int, dict[str, str]] = {}
    for name, target, fn in _STEPS:
        if name == "birth_date":
            fn = partial(clean_birth_date, today=today)
        elif name == "home_region":
            fn = regions.lookup
        cells = columns.get(name)
        if cells is None:
            cells = [None] * count
        out: list[Any] = []
        append = out.append
        if name in _UNIQUE_FIELDS:
            for index, value in enumerate(cells):
                try:
                    append(fn(value))
                except FieldError as error:
                    append(None)
                    errors.setdefault(index, {})[name] = str(error.message)
        else:
            cache: dict[Any, tuple[bool, Any]] = {}
            for index, value in enumerate(cells):
                key = (value.__class__, value)    # 1, 1.0 and True are equal keys but different cells
                hit = cache.get(key)
                if hit is None:
                    try:
                        hit = (True, fn(value))
                    except FieldError as error:
                        hit = (False, str(error.message))
                    cache[key] = hit
                if hit[0]:
                    append(hit[1])
                else:
                    append(None)
                    errors.setdefault(index, {})[name] = hit[1]
        names.append(target)
        results.append(out)
    searches: dict[tuple[Any, Any, Any], str] = {}
    search: list[str | None] = []
    by_name = dict(zip(names, results))
    for index, key in enumerate(zip(by_name["last_name"], by_name["first_name"], by_name["patronymic"])):
        if index in errors:
            search.append(None)
            continue
        found = searches.get(key)
        if found is None:
            found = searches[key] = search_name(*key)
        search.append(found)
    names.append("search_name")
    results.append(search)
    return names, results, errors
