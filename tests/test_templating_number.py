"""The templates' ``number`` filter remembers its answers per (type, number, locale): it must write
exactly what flask_babel.format_decimal writes, in every language, whatever was asked before."""
from __future__ import annotations

from decimal import Decimal

from flask_babel import force_locale, format_decimal


def test_number_filter_is_format_decimal_in_every_language(app):
    number = app.jinja_env.filters["number"]
    values = [0, 3, 1234, 1234567, -12, 1.5, 1.0, 1234.5678, Decimal("1.50"), Decimal("1234.000"), 10**12]
    with app.test_request_context("/"):
        for _ in range(2):                                   # the second time from the remembered answers
            for language in ("az", "en", "ru"):
                with force_locale(language):
                    for value in values:
                        assert number(value) == format_decimal(value), (language, value)
                    assert number(None) == ""
        with force_locale("en"):
            assert number(1234) == "1,234"
        with force_locale("ru"):
            assert number(1234) != "1,234"                   # the locale is part of the key


def test_every_page_names_its_number_symbols_as_decimal1_writes_them(app, client):
    """<html data-group-symbol data-decimal-symbol> (read by the charts' scripts) are the symbols of
    the page's language, worked out once per language: the same as a number written by decimal1."""
    import re
    from flask_babel import refresh
    decimal1 = app.jinja_env.filters["decimal1"]
    seen = set()
    for language in ("az", "en", "ru", "az"):
        with app.test_request_context("/"), force_locale(language):
            sample = decimal1(1234567.5)
        refresh()
        html = client.get("/verify", headers={"Accept-Language": language}).get_data(as_text=True)
        found = re.search(r'<html lang="(\w+)" data-group-symbol="([^"]*)" data-decimal-symbol="([^"]*)"', html)
        assert found, html[:300]
        assert found.group(1) == language
        assert (found.group(2), found.group(3)) == (sample[1], sample[-2]), language
        seen.add((found.group(2), found.group(3)))
    assert ("," , ".") in seen and len(seen) >= 2              # en differs from az and ru
