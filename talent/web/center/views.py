"""The center administrator's workspace: one blueprint (blueprint.py), its views split by topic;
importing this module registers them all."""
from __future__ import annotations

from talent.web.center import (awards, cohorts, dashboard, employers, exports, followups, imports,  # noqa: F401
                               placements, portal, trainees)
from talent.web.center.blueprint import bp

__all__ = ["bp"]
