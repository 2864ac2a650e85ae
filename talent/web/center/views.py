"""The center administrator's workspace: one blueprint, its views split by topic."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("center", __name__)

from talent.web.center import (awards, cohorts, dashboard, exports, followups, imports, placements,  # noqa: E402,F401
                               portal, trainees)
