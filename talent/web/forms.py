"""Shared form helpers: put a service's field errors onto the form."""
from __future__ import annotations

from flask import flash
from flask_babel import get_translations, lazy_gettext as _l, lazy_ngettext
from flask_wtf import FlaskForm

from talent.errors import DomainError
from talent.extensions import login_manager


def apply_errors(form: FlaskForm, error: DomainError) -> None:
    """Attach ``error.fields`` to matching form fields; anything else is flashed."""
    unmatched = []
    for name, message in error.fields.items():
        field = getattr(form, name, None)
        if field is not None and hasattr(field, "errors"):
            field.errors = list(field.errors or []) + [str(message)]
        else:
            unmatched.append(str(message))
    if unmatched or not error.fields:
        flash(" ".join([str(error.message)] + unmatched), "danger")


# ---- WTForms' and Flask-Login's own messages in the page's language ---------------------------------
# WTForms ships no Azerbaijani catalog, so "This field is required." reached az pages in English.
# Its messages are listed here for extraction into the app's catalogs (az, en, ru) and looked up
# there first; anything else falls back to WTForms' own catalogs.
LIBRARY_MESSAGES = (
    _l("This field is required."), _l("Not a valid choice."), _l("Not a valid integer value."),
    _l("Not a valid decimal value."), _l("Not a valid float value."), _l("Not a valid date value."),
    _l("Not a valid datetime value."), _l("Not a valid time value."), _l("Invalid email address."),
    _l("Invalid input."), _l("Invalid URL."), _l("Invalid Choice: could not coerce."),
    _l("Invalid choice(s): one or more data inputs could not be coerced."),
    _l("Field must be between %(min)d and %(max)d characters long."),
    _l("Number must be at least %(min)s."), _l("Number must be at most %(max)s."),
    _l("Number must be between %(min)s and %(max)s."),
    _l("The CSRF token is missing."), _l("The CSRF token has expired."), _l("The CSRF token is invalid."),
    _l("CSRF token missing."), _l("CSRF token expired."), _l("Invalid CSRF Token."),
    _l("Please log in to access this page."),
)
LIBRARY_PLURALS = (
    lazy_ngettext("Field must be at least %(min)d character long.",
                  "Field must be at least %(min)d characters long.", 1),
    lazy_ngettext("Field cannot be longer than %(max)d character.",
                  "Field cannot be longer than %(max)d characters.", 1),
)


class FormTranslations:
    """What Flask-WTF asks for a form's messages: the app's catalog first, WTForms' second."""

    def __init__(self, fallback):
        self.fallback = fallback

    def gettext(self, string):
        translated = get_translations().ugettext(string)
        return translated if translated != string else self.fallback.gettext(string)

    def ngettext(self, singular, plural, n):
        translated = get_translations().ungettext(singular, plural, n)
        if translated not in (singular, plural):
            return translated
        return self.fallback.ngettext(singular, plural, n)


def init_form_translations(app) -> None:
    """WTForms' messages and Flask-Login's sign-in prompt through the app's catalogs."""
    import flask_wtf.form
    from flask_babel import gettext

    if not isinstance(flask_wtf.form.translations, FormTranslations):
        flask_wtf.form.translations = FormTranslations(flask_wtf.form.translations)
    login_manager.login_message = "Please log in to access this page."
    login_manager.localize_callback = gettext
