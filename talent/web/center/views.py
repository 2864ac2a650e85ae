"""The center administrator's workspace."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("center", __name__)
