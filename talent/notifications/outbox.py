"""The transactional outbox: write a message in the caller's transaction, deliver it once.

Writing: :func:`enqueue` adds an :class:`OutboxMessage` to the current session (so it commits or
rolls back with the event that caused it); :func:`enqueue_unique` inserts one that scheduled work
may try to insert from several workers at once, keyed by ``dedupe_key`` (the second is skipped).
A flush notes the new rows' ids on the session; ``talent.notifications.worker`` hands them to the
worker only after the commit (and forgets them on a rollback).

Delivering: :func:`deliver` claims rows with one conditional UPDATE (``pending`` and due, or
``sending`` whose lease ran out because a worker died) that stamps them with a fresh lock token,
commits, sends each row and marks it ``sent`` where the token still holds. A broker message
delivered twice, or two workers sweeping at once, therefore send a row once: the second claim
finds it no longer pending. A failure keeps the error and schedules the next attempt with an
exponential backoff (``OUTBOX_BACKOFF_SECONDS`` × 2^(attempt−1), at most one day) until
``OUTBOX_MAX_ATTEMPTS``, then the row is ``failed`` (an administrator may retry or discard it).
"""
from __future__ import annotations

import threading
from contextlib import contextmanager

import logging
import os
import socket
import uuid
from datetime import datetime, timedelta
from typing import Iterable, Iterator, Sequence

from flask import current_app
from sqlalchemy import and_, event, insert, or_, select, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from talent import clock
from talent.extensions import db
from talent.notifications import channels
from talent.notifications.models import OutboxStatus, OutboxMessage

log = logging.getLogger("talent.outbox")

NEW_IDS = "talent_outbox_new_ids"     # session.info: ids of rows written in this transaction
SWEEP = "talent_outbox_sweep"         # session.info: rows were bulk-inserted; sweep after the commit
NO_RECIPIENT = "no recipient (no account, no contact or no consent): not sent"


# Delivery claims, sends and marks rows in its own session (its own connection and commits, apart from
# the request's). The test suite, which runs each test inside one rolled-back transaction, points it
# at that transaction's connection (savepoints) so the delivery sees the test's rows.
# Only the thread that set it uses it (a connection is not shared between threads; the background
# sender's thread takes its own from the engine).
TEST_CONNECTION = None
TEST_THREAD: int | None = None


def own_session(**options) -> Session:
    if TEST_CONNECTION is not None and threading.get_ident() == TEST_THREAD:
        return Session(bind=TEST_CONNECTION, join_transaction_mode="create_savepoint", **options)
    return Session(db.engine, **options)


@contextmanager
def batch_session(**options) -> Iterator[Session]:
    """A session that keeps one connection for a whole batch: its many small commits (claim, one
    mark per message) neither return the connection to the pool nor pay the pool's pre-ping
    round trip at each checkout."""
    if TEST_CONNECTION is not None and threading.get_ident() == TEST_THREAD:
        with own_session(**options) as session:
            yield session
        return
    with db.engine.connect() as connection, Session(bind=connection, **options) as session:
        yield session


def enqueue(*, kind: str, recipient: str | None, subject: str, body_text: str, body_html: str | None = None,
            channel: str = "email", locale: str = "az", trainee_id: int | None = None,
            user_id: int | None = None, dedupe_key: str | None = None,
            session: Session | None = None) -> OutboxMessage:
    """Add one message to the caller's transaction. A message without a recipient is written
    too (it costs the same as a real one, see ``request_password_reset``) and never sent."""
    session = session or db.session
    row = OutboxMessage(kind=kind, channel=channel, recipient=recipient or "", subject=subject[:300],
                        body_text=body_text, body_html=body_html, locale=locale or "az",
                        trainee_id=trainee_id, user_id=user_id, dedupe_key=dedupe_key,
                        status=OutboxStatus.PENDING, attempts=0, next_attempt_at=clock.now(), created_at=clock.now())
    session.add(row)
    return row


def enqueue_unique(values: dict, *, session: Session | None = None) -> bool:
    """Insert one message keyed by ``values["dedupe_key"]`` unless a row with that key exists
    (written by another worker's run of the same scheduled job); True when this call wrote it.
    One ``INSERT … ON CONFLICT (dedupe_key) DO NOTHING``: the loser of a race keeps its
    transaction, and no savepoint is needed (on SQLite a savepoint outside a transaction commits)."""
    session = session or db.session
    now = clock.now()
    row = {"channel": "email", "locale": "az", "body_html": None, "status": OutboxStatus.PENDING, "attempts": 0,
           "next_attempt_at": now, "created_at": now, **values}
    row["recipient"] = row.get("recipient") or ""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_for
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as insert_for
    else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite
        if session.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == row["dedupe_key"])) is not None:
            return False
        try:
            with session.begin_nested():
                session.execute(insert(OutboxMessage).values(**row))
        except IntegrityError:
            return False
        session.info[SWEEP] = True
        return True
    result = session.execute(insert_for(OutboxMessage).values(**row)
                             .on_conflict_do_nothing(index_elements=["dedupe_key"]))
    if result.rowcount:
        session.info[SWEEP] = True
    return bool(result.rowcount)


BULK_ROWS = 500   # rows per multi-row INSERT: ~15 columns each, well under SQLite's 32,766 parameters


def _insert_for(session: Session):
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as insert_for
    elif dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as insert_for
    else:  # pragma: no cover - the platform runs on PostgreSQL and SQLite
        return None
    return insert_for


def existing_keys(keys: Sequence[str], *, session: Session | None = None) -> set[str]:
    """The ``dedupe_key`` values among ``keys`` that rows already carry (one statement per
    ``BULK_ROWS`` keys): scheduled work skips composing what an earlier run wrote."""
    session = session or db.session
    keys = list(keys)
    found: set[str] = set()
    for start in range(0, len(keys), BULK_ROWS):
        found.update(session.scalars(select(OutboxMessage.dedupe_key)
                                     .where(OutboxMessage.dedupe_key.in_(keys[start:start + BULK_ROWS]))))
    return found


def enqueue_unique_many(rows: Sequence[dict], *, session: Session | None = None) -> int:
    """:func:`enqueue_unique` for many messages at once: one multi-row ``INSERT … ON CONFLICT
    (dedupe_key) DO NOTHING`` per ``BULK_ROWS`` rows (a row another worker's run wrote meanwhile is
    skipped). Returns how many rows this call wrote; they are swept after the commit."""
    session = session or db.session
    if not rows:
        return 0
    insert_for = _insert_for(session)
    if insert_for is None:  # pragma: no cover
        return sum(enqueue_unique(row, session=session) for row in rows)
    now = clock.now()
    base = {"channel": "email", "locale": "az", "body_html": None, "status": OutboxStatus.PENDING, "attempts": 0,
            "next_attempt_at": now, "created_at": now, "trainee_id": None, "user_id": None}
    values = [{**base, **row, "recipient": row.get("recipient") or ""} for row in rows]
    written = 0
    for start in range(0, len(values), BULK_ROWS):
        # RETURNING counts the rows written (a multi-row statement's rowcount is not reliable
        # on every driver: psycopg answers -1/0 for it).
        written += len(session.scalars(insert_for(OutboxMessage).values(values[start:start + BULK_ROWS])
                                       .on_conflict_do_nothing(index_elements=["dedupe_key"])
                                       .returning(OutboxMessage.id)).all())
    if written:
        session.info[SWEEP] = True
    return written


def enqueue_many(rows: Sequence[dict], *, session: Session | None = None) -> int:
    """:func:`enqueue` for many messages at once (scheduled work): one INSERT of all rows (the
    driver batches them), in the caller's transaction; they are swept after the commit."""
    session = session or db.session
    if not rows:
        return 0
    now = clock.now()
    base = {"channel": "email", "locale": "az", "body_html": None, "status": OutboxStatus.PENDING, "attempts": 0,
            "next_attempt_at": now, "created_at": now, "trainee_id": None, "user_id": None, "dedupe_key": None}
    session.execute(insert(OutboxMessage.__table__), [
        {**base, **row, "recipient": row.get("recipient") or "", "subject": (row.get("subject") or "")[:300]}
        for row in rows])
    session.info[SWEEP] = True
    return len(rows)


@event.listens_for(Session, "after_flush")
def _note_new_rows(session, _context) -> None:
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(NEW_IDS, []).extend(ids)


def dispatch_after_commit(row_id: int, session: Session | None = None) -> None:
    """Hand an existing row (retried by an administrator) to the worker after the commit."""
    (session or db.session).info.setdefault(NEW_IDS, []).append(row_id)


def take_committed(session) -> tuple[list[int], bool]:
    """The ids written by the transaction that just committed, and whether to sweep."""
    return session.info.pop(NEW_IDS, []), bool(session.info.pop(SWEEP, False))


def forget(session) -> None:
    session.info.pop(NEW_IDS, None)
    session.info.pop(SWEEP, None)


# ---- delivery -----------------------------------------------------------------------------------

def _config(name: str, default):
    try:
        return current_app.config.get(name, default)
    except RuntimeError:
        return default


def backoff(attempts: int) -> timedelta:
    base = float(_config("OUTBOX_BACKOFF_SECONDS", 30))
    return timedelta(seconds=min(base * 2 ** max(attempts - 1, 0), 86400))


def _claimable(now: datetime):
    return or_(and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
               and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.locked_until < now))


def claim(session: Session, ids: Sequence[int] | None = None, *, limit: int = 200) -> tuple[str, list[OutboxMessage]]:
    """Take rows for this worker (the given ids, or the due ones, at most ``limit``): one
    conditional UPDATE, committed before anything is sent. Returns the lock token and the rows.

    On PostgreSQL the rows are picked with ``FOR UPDATE SKIP LOCKED`` inside the UPDATE and come
    back with ``RETURNING``: several workers sweeping at once each take different rows instead of
    queueing behind the first one's locks and finding them gone (one statement, one commit). SQLite
    has a single writer, so there the plain conditional UPDATE already gives each row to one."""
    now = clock.now()
    token = f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"
    lease = timedelta(seconds=float(_config("OUTBOX_LEASE_SECONDS", 300)))
    claimed = dict(status=OutboxStatus.SENDING, locked_by=token, locked_until=now + lease,
                   attempts=OutboxMessage.attempts + 1)
    if session.get_bind().dialect.name == "postgresql":
        pick = select(OutboxMessage.id).where(_claimable(now))
        if ids is not None:
            if not ids:
                return token, []
            pick = pick.where(OutboxMessage.id.in_(list(ids)))
        pick = (pick.order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)
                .with_for_update(skip_locked=True))
        rows = list(session.scalars(update(OutboxMessage).where(OutboxMessage.id.in_(pick.scalar_subquery()))
                                    .values(**claimed).returning(OutboxMessage)
                                    .execution_options(synchronize_session=False)))
        session.commit()
        rows.sort(key=lambda row: row.id)
        return token, rows
    if ids is None:
        ids = list(session.scalars(select(OutboxMessage.id).where(_claimable(now))
                                   .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)))
    if not ids:
        session.rollback()
        return token, []
    session.execute(update(OutboxMessage)
                    .where(OutboxMessage.id.in_(list(ids)), _claimable(now))
                    .values(**claimed)
                    .execution_options(synchronize_session=False))
    session.commit()
    rows = list(session.scalars(select(OutboxMessage).where(OutboxMessage.locked_by == token,
                                                            OutboxMessage.status == OutboxStatus.SENDING)
                                .order_by(OutboxMessage.id)))
    session.commit()
    return token, rows


def mark_batch(session: Session) -> int:
    """How many ``sent`` marks share one commit: ``OUTBOX_MARK_BATCH``, 1 by default on every
    database (a dying worker leaves at most the message in flight unmarked). A larger value buys
    throughput on SQLite, where each commit waits for the disk, at the price of that many possible
    repeats after a crash (docs/reliability.md)."""
    configured = int(_config("OUTBOX_MARK_BATCH", 0) or 0)
    return configured if configured > 0 else 1


def _finish(session: Session, row_id: int, token: str, *, commit: bool = True, **values) -> None:
    if session.get_bind().dialect.name == "postgresql" and not session.in_transaction():
        # The mark's commit does not wait for the WAL to reach the disk: a killed *worker* loses
        # nothing (the server has the commit); only a crash of the database server itself within
        # a fraction of a second could forget a mark, and that message would be sent again with
        # the same Message-ID. It makes the one-commit-per-message mark ~10x cheaper.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    session.execute(update(OutboxMessage).where(OutboxMessage.id == row_id, OutboxMessage.locked_by == token)
                    .values(locked_by=None, locked_until=None, **values)
                    .execution_options(synchronize_session=False))
    if commit:
        session.commit()


def deliver(ids: Iterable[int] | None = None, *, limit: int = 200) -> dict[str, int]:
    """Claim and send rows (the given ids, or the due ones); inside an app context. Returns how
    many were sent, failed for now (retried later), failed for good, skipped (no recipient)."""
    counts = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    max_attempts = int(_config("OUTBOX_MAX_ATTEMPTS", 8))
    # One call claims at most ``limit`` rows, so more ids than that would only lengthen the IN list
    # (past the database's parameter limit for a large batch); the caller sweeps for the rest.
    wanted = None if ids is None else list(ids)[:limit]
    with batch_session(expire_on_commit=False) as session:
        per_commit = mark_batch(session)
        token, rows = claim(session, wanted, limit=limit)
        if not rows:
            return counts
        with channels.outbox_connection() as send_email:
            for row in rows:
                if not row.recipient:
                    _finish(session, row.id, token, status=OutboxStatus.DISCARDED, last_error=NO_RECIPIENT)
                    counts["skipped"] += 1
                    continue
                try:
                    if row.channel == "sms":
                        channels.send_sms(row.recipient, row.body_text, str(row.id))
                    else:
                        send_email(to=row.recipient, subject=row.subject, text=row.body_text, html=row.body_html,
                                   message_id=f"<outbox-{row.id}@talent>")
                except channels.PermanentFailure as error:
                    _finish(session, row.id, token, status=OutboxStatus.FAILED, last_error=str(error)[:2000])
                    counts["failed"] += 1
                except Exception as error:  # noqa: BLE001 - kept on the row, retried with backoff
                    final = row.attempts >= max_attempts
                    log.warning("outbox %s: attempt %s failed: %s", row.id, row.attempts, error)
                    _finish(session, row.id, token, status=OutboxStatus.FAILED if final else OutboxStatus.PENDING,
                            next_attempt_at=clock.now() + backoff(row.attempts),
                            last_error=f"{type(error).__name__}: {error}"[:2000])
                    counts["failed" if final else "retry"] += 1
                else:
                    # A mark batch of 1 (PostgreSQL's default): each "sent" commits before the next
                    # message leaves, so a worker dying can leave at most the one message in flight
                    # unmarked. Larger values (SQLite's default) trade that window for fewer
                    # commits (see docs/reliability.md).
                    counts["sent"] += 1
                    _finish(session, row.id, token, status=OutboxStatus.SENT, sent_at=clock.now(), last_error=None,
                            commit=counts["sent"] % per_commit == 0)
        session.commit()
    return counts


def sweep(*, batch: int = 200, max_batches: int | None = None) -> dict[str, int]:
    """Deliver every due row (retries whose time came, rows of a worker that died, rows
    bulk-inserted by scheduled work), batch by batch."""
    total = {"sent": 0, "retry": 0, "failed": 0, "skipped": 0}
    done = 0
    while max_batches is None or done < max_batches:
        counts = deliver(None, limit=batch)
        done += 1
        for key, value in counts.items():
            total[key] += value
        if sum(counts.values()) == 0 and not _any_due():   # an empty batch may be a lost race: look again
            break
    return total


def _any_due() -> bool:
    with own_session() as session:
        return session.scalar(select(OutboxMessage.id).where(_claimable(clock.now())).limit(1)) is not None
