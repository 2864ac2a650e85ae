"""JSON API v1."""
from __future__ import annotations

from flask import Flask

from talent.api.v1 import bp


def register_api(app: Flask) -> None:
    app.register_blueprint(bp, url_prefix="/api/v1")
