"""Domain errors. Services raise them; each interface turns them into its own answer
(web: page or form messages; API: problem+json; CLI: message and exit code)."""
from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, fields: dict[str, str] | None = None, code: str | None = None,
                 extra: dict[str, object] | None = None):
        super().__init__(message)
        self.message = message
        self.fields = dict(fields or {})
        # Facts an interface may show beside the message (e.g. the record a duplicate clashes with).
        self.extra = dict(extra or {})
        if code:
            self.code = code


class ValidationError(DomainError):
    """Input is wrong; ``fields`` maps field names to messages."""
    status = 422
    code = "validation"


class NotFound(DomainError):
    status = 404
    code = "not_found"


class PermissionDenied(DomainError):
    status = 403
    code = "forbidden"


class Conflict(DomainError):
    """The request clashes with the current state (capacity, duplicates, stale forms)."""
    status = 409
    code = "conflict"


class InvalidTransition(Conflict):
    code = "invalid_transition"


class CapacityFull(Conflict):
    code = "capacity"


class Duplicate(Conflict):
    code = "duplicate"


class TooManyRequests(DomainError):
    """A budget of answers is spent for now (e.g. being told that FINs are registered); the
    message says why and when to try again."""
    status = 429
    code = "rate_limited"
