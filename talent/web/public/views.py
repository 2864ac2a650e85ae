"""Pages for everyone: the landing page and health checks; certificate verification
(credentials.py) and the invitation and password-reset links (accounts.py) are on the same
blueprint (blueprint.py)."""
from __future__ import annotations

from flask import jsonify, render_template
from sqlalchemy import text

from talent.extensions import db, limiter
from talent.web.public import accounts, catalog, credentials, vacancies  # noqa: F401  (their routes are on this blueprint)
from talent.web.public.blueprint import bp
from talent.web.transactions import rollback_only

__all__ = ["bp"]


@bp.route("/")
def index():
    return render_template("public/index.html")


@bp.route("/healthz")
@limiter.exempt
def healthz():
    return jsonify(status="ok")


@bp.route("/readyz")
@limiter.exempt
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        rollback_only()
        return jsonify(status="unavailable", database="unreachable"), 503
    return jsonify(status="ok", database="ok")

