"""gunicorn settings of the load test (benchmarks/load/run_load.sh), and the example for production
when the Prometheus metrics (GET /metrics, talent/web/metrics.py) are scraped from several workers.

With ``PROMETHEUS_MULTIPROC_DIR`` set (an empty folder, wiped before gunicorn starts, writable by
the workers), every worker writes its histogram samples to files there and a scrape answered by any
worker adds them all up. A worker that exits is marked dead so its live gauges are dropped (the
counters and histograms it recorded stay in the sums, as Prometheus expects).
"""
from __future__ import annotations

import os


def child_exit(server, worker):  # gunicorn hook: a worker process ended
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
