"""System administration (admin role)."""
from __future__ import annotations

from flask import Blueprint, render_template

from talent.web.access import roles_required

bp = Blueprint("admin", __name__)


@bp.route("/")
@roles_required("admin")
def index():
    return render_template("admin/index.html")
