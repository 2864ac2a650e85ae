"""The pure trainee validators shared by forms, API and import."""
from __future__ import annotations

from datetime import date, datetime
from types import SimpleNamespace

import pytest

from tests.learning_helpers import request_ctx  # noqa: F401
from talent.people.validation import (FieldError, RegionIndex, clean_birth_date, clean_email, clean_fin,
                                      clean_gender, clean_phone, clean_education_level, clean_trainee,
                                      parse_date)

pytestmark = pytest.mark.usefixtures("request_ctx")
TODAY = date(2026, 3, 1)
REGIONS = RegionIndex.build([
    SimpleNamespace(id=1, code="BAKU", name_az="Bakı", name_en="Baku", name_ru="Баку"),
    SimpleNamespace(id=5, code="GANJA_DASHKASAN", name_az="Gəncə-Daşkəsən", name_en="Ganja-Dashkasan",
                    name_ru="Гянджа-Дашкесан"),
])


@pytest.mark.parametrize("raw, expected", [(" 5abcd12 ", "5ABCD12"), ("1234567", "1234567"), ("ABCDEFG", "ABCDEFG")])
def test_fin_trimmed_and_upper_cased(raw, expected):
    assert clean_fin(raw) == expected


@pytest.mark.parametrize("raw", ["", "123456", "12345678", "5ABC-12", "5ABCÇ12", "5ABC 12"])
def test_bad_fins_rejected(raw):
    with pytest.raises(FieldError):
        clean_fin(raw)


@pytest.mark.parametrize("raw", ["+994 50 123 45 67", "050 123 45 67", "0501234567", "994501234567",
                                 "+994-50-123-45-67", "(050) 123-45-67", "00994501234567", "501234567"])
def test_phone_forms_normalised(raw):
    assert clean_phone(raw) == "+994501234567"


@pytest.mark.parametrize("raw", ["12345", "+1 202 555 0101", "05012345678", "abc", "+994 05 123 45 67"])
def test_bad_phones_rejected(raw):
    with pytest.raises(FieldError):
        clean_phone(raw)


def test_empty_optional_fields_are_none():
    assert clean_phone("  ") is None
    assert clean_email("") is None
    assert clean_education_level(None) is None


@pytest.mark.parametrize("raw, expected", [("1999-04-12", date(1999, 4, 12)), ("12.04.1999", date(1999, 4, 12)),
                                           ("2.4.1999", date(1999, 4, 2)), (datetime(1999, 4, 12), date(1999, 4, 12)),
                                           ("1999-04-12 00:00:00", date(1999, 4, 12))])
def test_dates(raw, expected):
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["1999/04/12", "31.02.1999", "1999-13-01", "yesterday", "12-04-1999"])
def test_bad_dates(raw):
    with pytest.raises(FieldError):
        parse_date(raw)


def test_age_limits():
    assert clean_birth_date("2012-03-01", today=TODAY) == date(2012, 3, 1)      # exactly 14
    with pytest.raises(FieldError):
        clean_birth_date("2012-03-02", today=TODAY)                            # 13
    assert clean_birth_date("1945-03-02", today=TODAY)                         # 80
    with pytest.raises(FieldError):
        clean_birth_date("1945-03-01", today=TODAY)                            # 81
    with pytest.raises(FieldError):
        clean_birth_date("2030-01-01", today=TODAY)


@pytest.mark.parametrize("raw, expected", [("F", "F"), ("m", "M"), ("Female", "F"), ("MALE", "M"),
                                           ("qadın", "F"), ("QADIN", "F"), ("Kişi", "M"), ("kisi", "M")])
def test_gender(raw, expected):
    assert clean_gender(raw) == expected


def test_email():
    assert clean_email(" Elvin@Example.AZ ") == "elvin@example.az"
    for bad in ("elvin", "elvin@", "@x.az", "a b@x.az", "elvin@localhost"):
        with pytest.raises(FieldError):
            clean_email(bad)


@pytest.mark.parametrize("raw", ["BAKU", "baku", "Bakı", "BAKI", "Баку", "gəncə-daşkəsən", "ganja dashkasan",
                                 "GANJA_DASHKASAN", "Ganja-Dashkasan"])
def test_region_by_code_or_name_any_case(raw):
    assert REGIONS.lookup(raw) in (1, 5)


def test_unknown_region():
    with pytest.raises(FieldError):
        REGIONS.lookup("Atlantis")


def test_clean_trainee_collects_every_problem():
    values, errors = clean_trainee({"fin": "12", "first_name": "", "last_name": "X", "birth_date": "31.02.2000",
                                    "gender": "x", "email": "bad", "phone": "1", "home_region": "nowhere",
                                    "education_level": "phd"}, REGIONS, today=TODAY)
    assert set(errors) == {"fin", "first_name", "birth_date", "gender", "email", "phone", "home_region",
                           "education_level"}


def test_clean_trainee_values_and_search_name():
    values, errors = clean_trainee({"fin": "5abcd12", "first_name": "Elvin", "last_name": "İsmayılov",
                                    "patronymic": "Kamran oğlu", "birth_date": "12.04.1999", "gender": "kişi",
                                    "home_region": "Bakı", "education_level": "Master"}, REGIONS, today=TODAY)
    assert errors == {}
    assert values["fin"] == "5ABCD12"
    assert values["home_region_id"] == 1
    assert values["education_level"] == "master"
    assert values["search_name"] == "ismayilov elvin kamran oglu"
