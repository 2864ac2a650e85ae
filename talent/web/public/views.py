"""Pages for everyone: the landing page and health checks. Certificate verification is added by
the credentials work in the same blueprint."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import text

from talent.extensions import db, limiter

bp = Blueprint("public", __name__)


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


from talent.web.public import credentials  # noqa: E402,F401  (verification routes on this blueprint)
from talent.web.transactions import rollback_only
