"""One transaction per request: services flush, the request commits once at its end when the
answer is a success or redirect, and rolls back on an error answer or an exception."""
from __future__ import annotations

from flask import Flask, Response

from talent.extensions import db


def init_transactions(app: Flask) -> None:
    @app.after_request
    def _commit(response: Response) -> Response:
        if response.status_code < 400:
            db.session.commit()
        else:
            db.session.rollback()
        return response

    @app.teardown_request
    def _rollback(exc: BaseException | None) -> None:
        if exc is not None:
            db.session.rollback()
