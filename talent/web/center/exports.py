"""Center workspace: exports."""
from __future__ import annotations

from talent.web.center.views import bp  # noqa: F401
