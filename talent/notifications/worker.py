"""Handing committed outbox rows to the worker, and the worker itself.

The engine is **Dramatiq** on Redis (``TALENT_BROKER_URL=redis://…``; README "Background work"
says why). After a transaction that wrote outbox rows commits, one broker message carries their
ids to the ``talent.outbox.deliver`` actor; a rolled-back transaction sends nothing. The broker is
at-least-once (Dramatiq's Redis broker acknowledges a message only when the actor returns and
gives the messages of a dead worker to the others); sending once comes from the row's state in
``talent.notifications.outbox``.

Without a broker URL (the embedded default: ``make run``, SQLite, tests) the same
:func:`talent.notifications.outbox.deliver` runs in-process right after the commit: in the
request's thread, or, with ``MAIL_BACKGROUND`` on, in one background thread per process, so a
slow mail server never shows in a response time. Rows that must wait (a retry's backoff) are
picked up by the next :func:`outbox.sweep`: ``talent worker`` sweeps every ``OUTBOX_SWEEP_SECONDS``,
and ``talent notifications tick`` (cron) sweeps too.
"""
from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from flask import Flask, current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from talent.notifications import outbox

log = logging.getLogger("talent.worker")

QUEUE_NAME = "talent"
_APP: Flask | None = None          # the app the actors of this process run in (set by run_worker)
_broker_state: dict = {}
_broker_lock = threading.Lock()


# ---- Dramatiq ----------------------------------------------------------------------------------

def _run_in_app(fn: Callable, *args):
    app = _APP
    if app is None:
        raise RuntimeError("talent worker: no application bound (run_worker sets it)")
    with app.app_context():
        return fn(*args)


def _deliver_job(ids: list[int]) -> None:
    counts = _run_in_app(outbox.deliver, ids)
    if counts.get("retry"):
        _schedule_sweep(_APP)


def _sweep_job() -> None:
    _run_in_app(outbox.sweep)


# Jobs of higher layers (this module is below them): registered by name, run by one actor.
_JOBS: dict[str, Callable] = {}


def register_job(name: str, fn: Callable) -> None:
    """Let ``send_job(app, name, *args)`` run ``fn(*args)`` in the worker (in the app context; ``fn``
    commits its own transaction)."""
    _JOBS[name] = fn


def _named_job(name: str, *args) -> None:
    fn = _JOBS.get(name)
    if fn is None:
        raise RuntimeError(f"talent worker: no job named {name!r} in this process")
    _run_in_app(fn, *args)


def send_job(app: Flask, name: str, *args) -> bool:
    """Send a registered job to the worker; False (nothing sent) without a broker."""
    state = broker_for(app)
    if state is None:
        return False
    state["job"].send(name, *args)
    return True


def broker_for(app: Flask):
    """The Dramatiq broker and actors for ``app``'s ``BROKER_URL`` and ``BROKER_NAMESPACE`` (one per process,
    URL and namespace)."""
    url = app.config.get("BROKER_URL")
    if not url:
        return None
    namespace = app.config.get("BROKER_NAMESPACE") or "talent"
    with _broker_lock:
        if (_broker_state.get("url"), _broker_state.get("namespace")) != (url, namespace):
            import dramatiq
            from dramatiq.brokers.redis import RedisBroker

            broker = RedisBroker(url=url, namespace=namespace,
                                 heartbeat_timeout=int(app.config.get("BROKER_HEARTBEAT_MS", 60000)))
            # The outbox row holds the retry schedule; Dramatiq's own retries (with backoff)
            # cover a failure around it, e.g. the database unreachable while claiming.
            options = {"broker": broker, "queue_name": QUEUE_NAME, "max_retries": 10,
                       "min_backoff": 1000, "max_backoff": 300000}
            _broker_state.update(
                url=url, namespace=namespace, broker=broker,
                deliver=dramatiq.actor(_deliver_job, actor_name="talent.outbox.deliver", **options),
                sweep=dramatiq.actor(_sweep_job, actor_name="talent.outbox.sweep", **options),
                job=dramatiq.actor(_named_job, actor_name="talent.job", broker=broker, queue_name=QUEUE_NAME,
                                   max_retries=3, min_backoff=1000, max_backoff=60000))
        return _broker_state


def _schedule_sweep(app: Flask | None) -> None:
    state = broker_for(app) if app is not None else None
    if state is not None:
        delay = int(float(app.config.get("OUTBOX_BACKOFF_SECONDS", 30)) * 1000)
        state["sweep"].send_with_options(delay=delay)


# ---- after the commit ---------------------------------------------------------------------------

_queue: "queue.Queue" = queue.Queue()
_thread: threading.Thread | None = None
_thread_lock = threading.Lock()
BACKGROUND_DELAY = 0.25  # seconds


BY_ID = 200  # rows handed over by id; a transaction that wrote more (scheduled work) leaves the rest to a sweep


def dispatch(app: Flask, ids: list[int], sweep: bool = False) -> None:
    """Hand committed rows to the worker (broker) or deliver them in this process. At most
    ``BY_ID`` rows go by id (a statement's parameters are bounded: 65,535 on PostgreSQL, 32,766 on
    SQLite); the rest of a larger batch is swept."""
    if len(ids) > BY_ID:
        ids, sweep = ids[:BY_ID], True
    state = broker_for(app)
    if state is not None:
        try:
            if ids:
                state["deliver"].send(list(ids))
            if sweep:   # bulk-written rows: several sweeps share them (each claims its own batches)
                for _n in range(int(app.config.get("BROKER_SWEEP_FANOUT", 4))):
                    state["sweep"].send()
        except Exception:  # noqa: BLE001 - the rows are committed; the worker's periodic sweep sends them
            log.exception("outbox: could not reach the broker; the next sweep delivers the rows")
        return
    if app.config.get("MAIL_BACKGROUND"):
        _ensure_thread()
        _queue.put((app, ids, sweep))          # never blocks the request
    else:
        _deliver_here(app, ids, sweep)


def _deliver_here(app: Flask, ids: list[int], sweep: bool) -> None:
    try:
        if has_app_context() and current_app._get_current_object() is app:
            _deliver_now(ids, sweep)
        else:
            with app.app_context():
                _deliver_now(ids, sweep)
    except Exception:  # noqa: BLE001 - committed rows stay pending; never raise into the caller's commit
        log.exception("outbox: in-process delivery failed; the rows stay pending")


def _deliver_now(ids: list[int], sweep: bool) -> None:
    if ids:
        outbox.deliver(ids)
    if sweep:
        outbox.sweep()


@event.listens_for(Session, "after_commit")
def _after_commit(session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction is still open
        return
    ids, sweep = outbox.take_committed(session)
    if (ids or sweep) and has_app_context():
        dispatch(current_app._get_current_object(), ids, sweep)


@event.listens_for(Session, "after_rollback")
def _after_rollback(session) -> None:
    if session.in_nested_transaction():
        return
    outbox.forget(session)


def _ensure_thread() -> None:
    global _thread
    if _thread is not None and _thread.is_alive():
        return
    with _thread_lock:
        if _thread is None or not _thread.is_alive():
            _thread = threading.Thread(target=_work, name="talent-outbox", daemon=True)
            _thread.start()


def _work() -> None:
    """One long-lived sender per process. It polls the queue every BACKGROUND_DELAY seconds rather
    than waiting on it, so queuing a message wakes nothing: neither the sending nor the thread's
    share of the interpreter shows in the answer that queued it (a password reset answers alike
    for any address)."""
    while True:
        time.sleep(BACKGROUND_DELAY)
        while True:
            try:
                app, ids, sweep = _queue.get_nowait()
            except queue.Empty:
                break
            try:
                with app.app_context():
                    _deliver_now(ids, sweep)
            except Exception:  # noqa: BLE001
                log.exception("outbox: background delivery failed; the rows stay pending")
            finally:
                _queue.task_done()


def wait_for_background(timeout: float = 10.0) -> None:
    """Wait until rows handed to the in-process background sender are sent (tests)."""
    deadline = time.monotonic() + timeout
    while _queue.unfinished_tasks and time.monotonic() < deadline:
        time.sleep(0.02)


# ---- the worker process ---------------------------------------------------------------------------

def run_worker(app: Flask, *, threads: int = 4, periodic: list[tuple[float, Callable[[], None]]] | None = None,
               stop: threading.Event | None = None) -> None:
    """Run Dramatiq's worker for ``app`` until ``stop`` is set (or the process is stopped), and
    the periodic jobs (every N seconds, each in the app context; a failing one is logged)."""
    global _APP
    state = broker_for(app)
    if state is None:
        raise RuntimeError("talent worker needs TALENT_BROKER_URL (redis://…); without it messages are "
                           "delivered in-process after each commit and no worker is needed")
    import dramatiq

    _APP = app
    stop = stop or threading.Event()
    worker = dramatiq.Worker(state["broker"], queues={QUEUE_NAME}, worker_threads=threads, worker_timeout=200)
    worker.start()
    log.info("talent worker: %s threads on %s", threads, app.config.get("BROKER_URL"))
    jobs = [[interval, fn, 0.0] for interval, fn in (periodic or [])]
    try:
        while not stop.is_set():
            now = time.monotonic()
            for job in jobs:
                interval, fn, last = job
                if now - last >= interval:
                    job[2] = now
                    try:
                        with app.app_context():
                            fn()
                    except Exception:  # noqa: BLE001
                        log.exception("talent worker: periodic job %s failed", getattr(fn, "__name__", fn))
            stop.wait(0.5)
    finally:
        worker.stop()
