"""``talent.validation.parse_int``: the one reader of whole numbers that the placement profiles and
vacancies, the objectives, the report periods, the catalog, the cohorts and the job records each
had a copy of (``int(str(value).strip())``, some with a range). The cases pin what those copies
did, so sharing the helper changed nothing a user can send."""
from __future__ import annotations

import pytest

from talent.validation import MAX_ID, parse_int


@pytest.mark.parametrize("raw, expected", [
    ("7", 7), (" 7 ", 7), (7, 7), ("-3", -3), ("+4", 4), ("0", 0), ("1_000", 1000),
    (None, None), ("", None), ("  ", None), ("7.0", None), (7.0, None), ("seven", None), ("0x10", None),
    (True, None), (False, None), ([1], None), ({"a": 1}, None), ("1" * 5000, None),
])
def test_reads_what_int_of_the_stripped_text_reads(raw, expected):
    assert parse_int(raw) == expected


def test_bounds_are_inclusive_and_each_optional():
    assert parse_int("1", low=1, high=MAX_ID) == 1
    assert parse_int(str(MAX_ID), low=1, high=MAX_ID) == MAX_ID
    assert parse_int("0", low=1, high=MAX_ID) is None
    assert parse_int(str(MAX_ID + 1), low=1, high=MAX_ID) is None
    assert parse_int(str(-MAX_ID), low=-MAX_ID, high=MAX_ID) == -MAX_ID
    assert parse_int(str(-MAX_ID - 1), low=-MAX_ID) is None
    assert parse_int(str(10**30)) == 10**30
    assert parse_int("-5", high=0) == -5 and parse_int("5", high=0) is None


def test_the_services_read_ids_and_numbers_through_it(app):
    from talent.placement.services import profiles, vacancies
    # The range each copy had: profile ids 1..2**31-1, vacancy fields (openings, region) -2**31+1..2**31-1.
    assert profiles._int(" 12 ") == 12 and profiles._int("0") is None and profiles._int(str(2**31)) is None
    assert vacancies._int("-5") == -5 and vacancies._int(str(-2**31)) is None and vacancies._int(str(2**31)) is None
    assert profiles._int(True) is None and vacancies._int("4.5") is None
