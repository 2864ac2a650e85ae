"""Prometheus metrics at ``GET /metrics`` (issue 17): what an operator watches in production — the
same per-route latency the load test prints, the database pool, the notification queue.

Access (docs/security.md, "Metrics"): off unless ``TALENT_METRICS_TOKEN`` is set — then 404 for
everyone. With a token, the scraper sends ``Authorization: Bearer <token>``; anything else (no
header, a wrong token, a signed-in administrator's session cookie) is a 401. Nothing personal is in
the output: the route label is the endpoint name (``center.cohort_detail``), never the URL with its
ids, plus the method and the status class (``2xx``…``5xx``).

Series:

- ``talent_http_request_duration_seconds`` (histogram; ``endpoint``, ``method``, ``status``):
  from the first before-request hook to the last after-request hook, so the request's commit is in
  it (a streamed body's generation after the headers is not);
- ``talent_db_pool_checked_out``, ``talent_db_pool_size``, ``talent_db_pool_overflow`` (gauges,
  read from this process's SQLAlchemy pool when scraped);
- ``talent_outbox_messages`` (gauge; ``status`` = pending, sending, failed): the notification queue,
  one ``GROUP BY`` over the outbox's status index when scraped. Sent and discarded messages are
  history, not queue, and are not counted (they grow without bound).

Under gunicorn with several worker processes each worker has its own counters: set
``PROMETHEUS_MULTIPROC_DIR`` to an empty folder (wiped at each start) before gunicorn starts and
the histogram is aggregated over the workers through files there; the pool gauges are those of the
worker answering the scrape (see docs/performance.md, "Metrics").

A metric that fails never fails the request it measures (the hooks swallow and log their errors),
and recording costs a few microseconds (tests/test_metrics.py holds it under 1 ms).
"""
from __future__ import annotations

import hmac
import logging
import os
import time

from flask import Blueprint, Flask, Response, abort, current_app, g, request
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import func, select

from talent.extensions import db, limiter
from talent.notifications.models import OutboxMessage, OutboxStatus

log = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

# The budgets of issue 17 (5 ms verification, 50 ms search, 100 ms center pages, 150 ms ministry
# pages) are bucket bounds, so "share of requests within budget" is one division in PromQL.
BUCKETS = (0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
QUEUE_STATUSES = (OutboxStatus.PENDING, OutboxStatus.SENDING, OutboxStatus.FAILED)
UNMATCHED = "<unmatched>"  # a URL no route answers: one label value, never the URL itself
# Any other method a client invents is one label value too: no label takes a value from the request
# that could grow the number of series without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REGISTRY = CollectorRegistry()
REQUEST_SECONDS = Histogram("talent_http_request_duration_seconds",
                            "Time to answer a request, by route (endpoint name), method and status class.",
                            ("endpoint", "method", "status"), buckets=BUCKETS, registry=REGISTRY)
_START = "_metrics_started"


def _start() -> None:
    g._metrics_started = time.perf_counter()  # noqa: SLF001 - flask.g attribute


def _observe(response: Response) -> Response:
    try:
        started = g.pop(_START, None)
        if started is not None:
            endpoint = request.endpoint or UNMATCHED
            method = request.method if request.method in METHODS else "other"
            REQUEST_SECONDS.labels(endpoint, method, f"{response.status_code // 100}xx").observe(
                time.perf_counter() - started)
    except Exception:  # noqa: BLE001 - a metric never fails the request it measures
        log.warning("request metric not recorded", exc_info=True)
    return response


class _ScrapeTimeCollector:
    """Gauges read when Prometheus scrapes: this process's pool, and the outbox queue's depth."""

    def describe(self):
        return []  # computed at collect time only; nothing to check at registration

    def collect(self):
        try:
            app = current_app._get_current_object()  # noqa: SLF001 - the app answering this scrape
        except RuntimeError:
            return
        yield from _pool_metrics(app)
        yield from _outbox_metrics()


def _pool_metrics(app: Flask):
    try:
        pool = db.engine.pool
        checked_out = getattr(pool, "checkedout", None)
        size = getattr(pool, "size", None)
        overflow = getattr(pool, "overflow", None)
    except Exception:  # noqa: BLE001
        log.warning("pool metrics not read", exc_info=True)
        return
    for name, doc, reader in (
            ("talent_db_pool_checked_out", "Database connections in use in this process.", checked_out),
            ("talent_db_pool_size", "Configured size of this process's database pool.", size),
            ("talent_db_pool_overflow", "Connections beyond the pool size (negative: free slots).", overflow)):
        if callable(reader):
            family = GaugeMetricFamily(name, doc)
            family.add_metric([], float(reader()))
            yield family


def _outbox_metrics():
    try:
        rows = dict(db.session.execute(
            select(OutboxMessage.status, func.count()).where(OutboxMessage.status.in_(QUEUE_STATUSES))
            .group_by(OutboxMessage.status)).all())
    except Exception:  # noqa: BLE001 - the database is away: the scrape still answers, without the queue
        log.warning("outbox depth not read", exc_info=True)
        db.session.rollback()
        return
    family = GaugeMetricFamily("talent_outbox_messages", "Notification outbox messages waiting or failed, by status.",
                               labels=("status",))
    for status in QUEUE_STATUSES:
        family.add_metric([str(status)], float(rows.get(status, 0)))
    yield family


REGISTRY.register(_ScrapeTimeCollector())


def _scrape_registry() -> CollectorRegistry:
    folder = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if not folder:
        return REGISTRY
    from prometheus_client import multiprocess
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=folder)
    registry.register(_ScrapeTimeCollector())
    return registry


def _authorized() -> bool | None:
    """None: metrics are off; True/False: the bearer token matches or not."""
    token = current_app.config.get("METRICS_TOKEN") or ""
    if not token:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given:
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


@bp.get("/metrics")
@limiter.exempt
def metrics():
    allowed = _authorized()
    if allowed is None:
        abort(404)  # the app's own "not found" page: an instance without metrics looks like any other
    if not allowed:
        return Response("Unauthorized\n", status=401, mimetype="text/plain",
                        headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
    return Response(generate_latest(_scrape_registry()), mimetype=CONTENT_TYPE_LATEST,
                    headers={"Cache-Control": "no-store"})


def init_metrics(app: Flask) -> None:
    """The route, and the timing hooks placed to run first (before) and last (after), so the time
    covers the other hooks — sign-in lookup, the request's commit — too."""
    app.register_blueprint(bp)
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _observe)
