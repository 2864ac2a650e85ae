"""Shared form helpers: put a service's field errors onto the form."""
from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from talent.errors import DomainError


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
