"""Benchmark-only routes: registered only when ``BENCHMARK_ROUTES`` is true
(``TALENT_BENCHMARK_ROUTES=true``), never in a normal deployment.

``GET /bench/baseline/<id>`` is the load test's yardstick: one primary-key SELECT and a small page
on the usual layout, so every real page can be compared with the cheapest page the same app, server
and database can serve.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template

from talent.extensions import db
from talent.geo.models import Region

bp = Blueprint("bench", __name__)


@bp.get("/baseline/<int:region_id>")
def baseline(region_id: int):
    region = db.session.get(Region, region_id)
    if region is None:
        abort(404)
    return render_template("bench/baseline.html", region=region)


def register_bench(app) -> None:
    if app.config.get("BENCHMARK_ROUTES"):
        app.register_blueprint(bp, url_prefix="/bench")
