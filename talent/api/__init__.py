"""JSON API v1."""
from __future__ import annotations

from flask import Flask


def register_api(app: Flask) -> None:
    from talent.api.v1 import bp
    app.register_blueprint(bp, url_prefix="/api/v1")
