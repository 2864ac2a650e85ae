"""talent: the platform of the regional AI training and talent centers.

``create_app`` wires configuration, extensions, blueprints, the CLI and error handlers; it does
no migrations, network calls or data loading.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Mapping

from flask import Flask

from talent.config import ROOT, load_config

__all__ = ["create_app"]


def create_app(overrides: Mapping[str, Any] | None = None, env: Mapping[str, str] | None = None) -> Flask:
    config = load_config(env)
    app = Flask(
        __name__,
        instance_path=config["INSTANCE_PATH"],
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(config)
    if overrides:
        app.config.update(overrides)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    register_logging(app)
    register_converters(app)
    register_extensions(app)
    register_security(app)
    register_blueprints(app)
    register_errors(app)
    register_cli(app)
    register_templates(app)
    register_background(app)
    return app


def register_background(app: Flask) -> None:
    from talent.notifications.events import init_embedded_scheduler
    init_embedded_scheduler(app)  # without a broker: scheduled work and retries in this process


def register_logging(app: Flask) -> None:
    from talent.ops.logsafety import install
    install()  # no personal data (FIN, SQL parameters) in any log record
    if not app.logger.handlers or app.config["PRODUCTION"]:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")


def register_converters(app: Flask) -> None:
    """``<int:…>`` in every route: a number beyond the database's integer range is read as 0, an id
    no record has, so the view answers its ordinary 404 instead of the database failing on it."""
    from werkzeug.routing import IntegerConverter

    class DatabaseId(IntegerConverter):
        def to_python(self, value: str) -> int:
            number = super().to_python(value)
            return number if number <= 2_147_483_647 else 0

    app.url_map.converters["int"] = DatabaseId


def register_extensions(app: Flask) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from talent import models  # noqa: F401  (the whole schema, for Alembic)
    from talent.imports import models as _import_models  # noqa: F401  (import previews: an application table)
    from talent.reporting import summary  # noqa: F401  (its session events keep the report summary current)
    from talent.placement import followup_queue  # noqa: F401  (its session events keep the follow-ups to make)
    # The receivers of talent.signals connect on import (cohort completed → awards, summary).
    from talent.credentials import services as _credentials  # noqa: F401
    from talent import mail  # noqa: F401  (its session events send queued mail after the commit)
    from talent.notifications import worker as _outbox_worker  # noqa: F401  (hands committed outbox rows on)
    from talent.notifications import events as _notification_events  # noqa: F401  (receivers: people are told)
    from talent.extensions import babel, csrf, db, limiter, login_manager, migrate
    from talent.web.locale import select_locale, select_timezone

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    limiter.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "strong"
    from talent.web.forms import init_form_translations
    init_form_translations(app)

    from talent.accounts.services import load_user_from_session_id
    login_manager.user_loader(load_user_from_session_id)

    from talent.replica import close_reports_session
    app.teardown_appcontext(close_reports_session)

    @event.listens_for(Engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no branch
        if type(dbapi_connection).__module__.startswith("sqlite3"):
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()
            from talent.i18n import sqlite_az_collation
            dbapi_connection.create_collation("az", sqlite_az_collation)  # Azerbaijani order (talent.i18n)


def register_security(app: Flask) -> None:
    from talent.web.security import init_security
    init_security(app)


def register_blueprints(app: Flask) -> None:
    from talent.web import register_web
    register_web(app)
    from talent.api import register_api
    register_api(app)


def register_errors(app: Flask) -> None:
    from talent.web.errors import init_errors
    init_errors(app)


def register_cli(app: Flask) -> None:
    from talent.cli import register_commands
    register_commands(app)


def register_templates(app: Flask) -> None:
    from talent.web.templating import init_templating
    init_templating(app)
