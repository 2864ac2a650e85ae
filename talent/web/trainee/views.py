"""The trainee portal."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("trainee", __name__)
