"""Where the ministry's reports read from: a PostgreSQL read replica when
``TALENT_REPORTS_DATABASE_URL`` is set, otherwise the primary database.

Reports only read, so a replica a little behind the primary is acceptable; every write stays on the
primary session.
"""
from __future__ import annotations

from flask import current_app, g
from sqlalchemy import text
from sqlalchemy.orm import Session, scoped_session

from talent.extensions import db


_CUSTOM_PLANS = "talent_report_custom_plans"


def reports_session() -> Session:
    """The session report queries run on (one per request, closed at teardown)."""
    if not current_app.config.get("REPORTS_DATABASE_URL"):
        session = db.session
    else:
        session = g.get("_reports_session")
        if session is None:
            session = Session(bind=db.engines["reports"], autoflush=False, expire_on_commit=False)
            g._reports_session = session
    _plan_with_actual_values(session)
    return session


def _plan_with_actual_values(session) -> None:
    """On PostgreSQL, the report's transaction plans every statement with its actual values.

    psycopg prepares a statement after its fifth run, and after five more PostgreSQL may switch a
    prepared statement to a generic plan, one that cannot see the report's dates: at 1M trainees
    the regions report went from 0.6 s to 1.8 s from its eleventh run in a worker. Only report
    transactions pay for re-planning; bulk inserts keep their cached plans."""
    if isinstance(session, scoped_session):
        session = session()
    if session.get_bind().dialect.name != "postgresql":
        return
    transaction = session.get_transaction()
    if transaction is not None and session.info.get(_CUSTOM_PLANS) is transaction:
        return
    session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    session.info[_CUSTOM_PLANS] = session.get_transaction()


def close_reports_session(_exc=None) -> None:
    session = g.pop("_reports_session", None)
    if session is not None:
        session.close()
