"""Public certificate verification and credentials."""
from __future__ import annotations

from talent.web.public.views import bp  # noqa: F401
