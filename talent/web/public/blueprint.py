"""The public blueprint, on its own so the modules adding routes to it import it without a cycle
(talent/web/public/views.py gathers them)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("public", __name__)
