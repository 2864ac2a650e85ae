"""The ministry's reports: aggregates only."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("ministry", __name__)
