"""One transaction per request: services flush, the request commits once at its end when the
answer is a success or redirect, and rolls back on an error answer or an exception."""
from __future__ import annotations

from flask import Flask, Response, current_app

from talent.extensions import db


def init_transactions(app: Flask) -> None:
    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            try:
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the commit itself failed (e.g. database gone)
                db.session.rollback()
                # Answer as if the view had raised it: 503 with an incident id for a lost database,
                # never Flask's bare 500 (the fault scripts caught this while PostgreSQL restarted).
                return current_app.make_response(current_app.handle_user_exception(error))
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
