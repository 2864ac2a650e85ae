"""Where the ministry's reports read from: a PostgreSQL read replica when
``TALENT_REPORTS_DATABASE_URL`` is set, otherwise the primary database.

Reports only read, so a replica a little behind the primary is acceptable; every write stays on the
primary session.
"""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from talent.extensions import db


def reports_session() -> Session:
    """The session report queries run on (one per request, closed at teardown)."""
    if not current_app.config.get("REPORTS_DATABASE_URL"):
        return db.session
    session = g.get("_reports_session")
    if session is None:
        session = Session(bind=db.engines["reports"], autoflush=False, expire_on_commit=False)
        g._reports_session = session
    return session


def close_reports_session(_exc=None) -> None:
    session = g.pop("_reports_session", None)
    if session is not None:
        session.close()
