"""One transaction per request, decided by the handler and not by the answer's status code
(indico's ``RH.commit`` style).

Services flush and never commit. The request commits once at its end, whatever its status code,
unless the handler said otherwise:

- :func:`rollback_only` — this request's writes are discarded: a view that caught a
  ``DomainError`` after a service had flushed part of a change, a preview, a dry run. The
  session is rolled back at once (the page then shows the stored state, not the refused one)
  and nothing later in the request commits.
- :func:`no_commit` — the same for a whole view.
- :func:`commit_now` — keep what was written so far whatever follows: a failed sign-in's counter
  and lockout, a failed second-factor code. Such a view answers 401/422 and its write stays.

An exception rolls back: the error handlers (talent/web/errors.py) call :func:`rollback_only`
for every error they answer (a ``DomainError``, an ``abort(...)``, a database fault, anything
unexpected), and an exception nobody answers is rolled back at teardown. The API (talent/api)
runs through the same hooks. A commit that fails at the end of a request answers like an
error the view raised (503 with an incident id for a lost database), never Flask's bare 500.
"""
from __future__ import annotations

from functools import wraps

from flask import Flask, Response, current_app, g, has_request_context

from talent.extensions import db

_ROLLBACK = "_talent_rollback_only"


def rollback_only() -> None:
    """Discard this request's writes now and commit nothing else in it."""
    db.session.rollback()
    if has_request_context():
        setattr(g, _ROLLBACK, True)


def is_rollback_only() -> bool:
    return bool(g.get(_ROLLBACK, False))


def commit_now() -> None:
    """Commit what this request wrote so far (a write that must survive the refusal the view is
    about to answer). A failing commit raises, and the error handlers answer it."""
    db.session.commit()


def no_commit(view):
    """A view whose request never commits (it may flush, e.g. to preview a change)."""
    @wraps(view)
    def wrapped(*args, **kwargs):
        setattr(g, _ROLLBACK, True)
        return view(*args, **kwargs)
    return wrapped


def init_transactions(app: Flask) -> None:
    @app.after_request
    def _finish(response: Response) -> Response:
        if g.pop(_ROLLBACK, False):
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - the commit itself failed (e.g. database gone)
            db.session.rollback()
            # Answer as if the view had raised it: 503 with an incident id for a lost database,
            # never Flask's bare 500 (the fault scripts caught this while PostgreSQL restarted).
            response = current_app.make_response(current_app.handle_user_exception(error))
            g.pop(_ROLLBACK, None)
        return response

    @app.teardown_request
    def _rollback(exc: BaseException | None) -> None:
        # g outlives the request when a test holds the app context: the mark must not leak.
        g.pop(_ROLLBACK, None)
        if exc is not None:
            db.session.rollback()
