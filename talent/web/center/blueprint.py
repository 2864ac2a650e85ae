"""The center workspace's blueprint, on its own so the topic modules adding routes to it import it
without a cycle (talent/web/center/views.py gathers them)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("center", __name__)
