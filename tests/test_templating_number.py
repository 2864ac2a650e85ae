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


# The ``cell`` macro of templates/ministry/_macros.html as it was before report_cell replaced it.
OLD_CELL_MACRO = """{% macro cell(c) -%}
  {%- if c.value is none -%}
    {%- if c.status == "small" -%}<span class="text-muted" title="{{ _('A few people (published value below %(k)s): withheld to protect them', k=c.k) }}">{{ c.symbol }}</span>
    {%- elif c.status == "no_base" -%}<span class="text-muted" title="{{ _('Nothing to divide by') }}">—</span>
    {%- elif c.kind == "rate" -%}<span class="text-muted" title="{{ _('Rate withheld: its base is below %(k)s or its numerator is withheld', k=c.k) }}">x</span>
    {%- else -%}<span class="text-muted" title="{{ _('Hidden so that a small number cannot be worked out') }}">x</span>{%- endif -%}
  {%- elif c.kind == "rate" -%}{{ c.value|decimal1 }}
  {%- else -%}{{ c.value|number }}{%- endif -%}
{%- endmacro %}{% for c in cells %}[{{ cell(c) }}]{% endfor %}"""


def test_report_cell_writes_what_the_template_macro_wrote(app):
    """The ministry tables write each cell with report_cell (a macro call per cell was most of their
    rendering): the same HTML as the macro it replaced, for every kind of cell, in every language, and
    the macro kept for the other templates gives it too."""
    from talent.reporting.suppression import COMPLEMENT, HIDDEN_RATE, NO_BASE, SHOWN, SMALL, Cell
    cells = [Cell(0), Cell(7), Cell(1234567), Cell(64.53, kind="rate"), Cell(1234.0, kind="rate"),
             Cell(None, SMALL, k=5), Cell(None, SMALL, k=10), Cell(None, NO_BASE, kind="rate"),
             Cell(None, HIDDEN_RATE, kind="rate", k=3), Cell(None, COMPLEMENT), Cell(None, COMPLEMENT, kind="rate"),
             Cell(12, SHOWN, kind="entity")]
    old = app.jinja_env.from_string(OLD_CELL_MACRO)
    new = app.jinja_env.from_string("{% for c in cells %}[{{ report_cell(c) }}]{% endfor %}")
    kept = app.jinja_env.from_string('{% import "ministry/_macros.html" as m %}'
                                     '{% for c in cells %}[{{ m.cell(c) }}]{% endfor %}')
    with app.test_request_context("/"):
        for language in ("az", "en", "ru"):
            with force_locale(language):
                expected = old.render(cells=cells)
                assert new.render(cells=cells) == expected, language
                assert kept.render(cells=cells) == expected, language
                assert "&lt;5" in expected and "title=" in expected


def test_decimal1_is_format_decimal_with_its_pattern_in_every_language(app):
    """decimal1 applies its patterns parsed once: the same text as format_decimal with the pattern."""
    decimal1 = app.jinja_env.filters["decimal1"]
    values = [0, 0.04, 0.05, 0.25, 1, 3.14159, 64.5, 99.95, 100, 1234.56, 1234567.5, -2, -0.05, Decimal("12.35"), 10**9]
    with app.test_request_context("/"):
        for language in ("az", "en", "ru"):
            with force_locale(language):
                for value in values:
                    assert decimal1(value) == format_decimal(value, format="#,##0.0"), (language, value)
                    assert decimal1(value, signed=True) == format_decimal(value, format="+#,##0.0;-#,##0.0"), \
                        (language, value)
                assert decimal1(None) == ""
