"""Stored answers to API POSTs sent with an ``Idempotency-Key`` header (one per user and key),
replayed on a retry. The API (talent/api/idempotency.py) hashes the request and builds the
answer; this module owns the records: it checks the key, finds the stored answer, and stores a
new one in a savepoint (like every service it flushes and never commits)."""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from talent.accounts.models import IdempotencyRecord
from talent.errors import Conflict, ValidationError
from talent.extensions import db

KEY_MAX = 200


@dataclass(frozen=True)
class StoredAnswer:
    status: int
    body: str


def check_key(key: str) -> None:
    if not key or len(key) > KEY_MAX or not key.isprintable():
        raise ValidationError(_l("The request has invalid fields."), fields={
            "Idempotency-Key": str(_l("Use 1 to %(n)d printable characters.", n=KEY_MAX))})


def stored_answer(user_id: int, key: str, request_hash: str) -> StoredAnswer | None:
    """The answer stored for this user's key, None when there is none; a key used for another
    request is refused."""
    check_key(key)
    record = db.session.scalar(select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key))
    if record is None:
        return None
    if record.request_hash != request_hash:
        raise ValidationError(_l("This Idempotency-Key was used for a different request."),
                              fields={"Idempotency-Key": str(_l("Already used for a different request."))})
    return StoredAnswer(record.status, record.body)


def store_answer(user_id: int, key: str, request_hash: str, status: int, body: str) -> None:
    """Keep the answer with the request's transaction; a concurrent request with the same key
    that stored first makes this one a Conflict (and the request rolls back)."""
    record = IdempotencyRecord(user_id=user_id, key=key, request_hash=request_hash, status=status, body=body)
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        raise Conflict(_l("A request with this Idempotency-Key is already being processed.")) from None
