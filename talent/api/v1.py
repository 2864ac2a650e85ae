"""JSON API v1 blueprint. Resources are added by the API work."""
from __future__ import annotations

from flask import Blueprint

from talent.extensions import csrf

bp = Blueprint("api_v1", __name__)
csrf.exempt(bp)
