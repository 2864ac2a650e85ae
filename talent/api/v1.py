"""JSON API v1: the blueprint (talent/api/blueprint.py) with every resource registered on it
(talent/api/resources/, the public verification in talent/api/verify.py). Importing this module
registers them; the order is the order of the OpenAPI document."""
from __future__ import annotations

from talent.api.blueprint import bp
from talent.api.core import find_operation
from talent.api.resources import meta  # noqa: F401
from talent.api import verify  # noqa: F401  (public credential verification)
from talent.api.resources import catalog, cohorts  # noqa: F401
from talent.api.resources import public_catalog  # noqa: F401  (the public course catalog, issue 19)
from talent.api.resources import people  # noqa: F401
from talent.api.resources import outcomes  # noqa: F401
from talent.api.resources import reports  # noqa: F401
from talent.api.resources import audit  # noqa: F401
from talent.api.resources import outbox  # noqa: F401  (the notification queue, issue 18)
from talent.api.resources import applications  # noqa: F401  (online applications, issue 19)
from talent.api.resources import employers  # noqa: F401  (employers and vacancies, issue 20)
from talent.api.resources import talent_profiles  # noqa: F401  (opt-in talent profiles and shortlists, issue 20)

__all__ = ["bp"]


def _describe_verification() -> None:
    """The public verification answers ``not_found`` with its own JSON shape (not a problem)."""
    op = find_operation("api_v1.verify_credential")
    if op is not None and op.response is not None:
        op.responses.setdefault(404, op.response)


_describe_verification()
