"""Error pages (translated, with an incident id the log also holds) and the mapping of domain
errors to HTTP answers for the web."""
from __future__ import annotations

import logging
import secrets

from flask import Flask, current_app, render_template, request
from flask_babel import gettext as _
from flask_limiter.errors import RateLimitExceeded
from sqlalchemy.exc import OperationalError, InterfaceError
from werkzeug.exceptions import HTTPException, SecurityError

from talent.api.problems import problem, problem_from_domain
from talent.errors import DomainError
from talent.web.transactions import rollback_only

log = logging.getLogger("talent.errors")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def init_errors(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(error: DomainError):
        rollback_only()
        if _wants_json():
            return problem_from_domain(error)
        return render_template("errors/error.html", status=error.status, message=error.message,
                               incident=None), error.status

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException):
        rollback_only()  # an abort() after a flush keeps nothing
        if isinstance(error, SecurityError):
            # A Host header outside TRUSTED_HOSTS: no URL can be built for it, and nothing of it
            # is echoed back. A plain 400.
            return current_app.response_class(_("This site is not served at the address the request named.") + "\n",
                                              status=400, mimetype="text/plain")
        if _wants_json():
            return problem(error.code or 500, error.name, error.description)
        # A limit with its own message says why and what to do (e.g. people.services.FIN_LOOKUPS_LIMITED).
        message = error.description if isinstance(error, RateLimitExceeded) and error.limit.error_message else None
        return render_template("errors/error.html", status=error.code, message=message,
                               incident=None), error.code

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def _database_down(error):
        rollback_only()
        incident = secrets.token_hex(6)
        log.error("incident %s: database unavailable: %s", incident, error.__class__.__name__)
        if _wants_json():
            return problem(503, "Service Unavailable", "The database is unavailable; try again shortly.",
                           incident=incident)
        return render_template("errors/error.html", status=503, message=None, incident=incident), 503

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        rollback_only()
        incident = secrets.token_hex(6)
        log.exception("incident %s: unhandled error on %s %s", incident, request.method, request.path)
        if _wants_json():
            return problem(500, "Internal Server Error", "An unexpected error occurred.", incident=incident)
        return render_template("errors/error.html", status=500, message=None, incident=incident), 500
