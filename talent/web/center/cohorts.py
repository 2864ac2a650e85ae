"""Center workspace: cohorts."""
from __future__ import annotations

from talent.web.center.views import bp  # noqa: F401
