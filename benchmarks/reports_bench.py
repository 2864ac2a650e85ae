"""Benchmark of the ministry reports: each report's time next to the time of the same aggregate SQL
run directly, and the ratio.

    .venv/bin/python benchmarks/reports_bench.py --db postgresql --sizes 100000 [--reuse] [--repeat 5]
    .venv/bin/python benchmarks/reports_bench.py --db sqlite --sizes 10000 [--reuse]

For each size a scratch database is seeded with ``talent seed demo --trainees N`` (or reused, see
benchmarks/common.py). Then, warm, for each report:

- *function*: the report function in this process (``talent.reporting.reports`` — the SQL
  aggregates plus suppression), the way the JSON API calls it;
- *page*: the full request through the app as the demo ministry analyst (routing, session,
  permissions, suppression, template, charts data);
- *direct SQL*: the statements the page sent, captured at the cursor and replayed on a raw DB-API
  connection with the same parameters;
- *live page*: the same page with the report summary switched off for those requests
  (``benchmarks.run.summary_off``): the figures computed from the live tables;
- ratio = page / direct SQL (diagnosis), and whether the page meets issue 17's budget (every
  ministry page <= 150 ms) and is >= 10x faster than its live twin.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine, median_ms, prepare_database, print_table, target  # noqa: E402

TARGET_MS = 150  # issue 17: every ministry page (PostgreSQL, 1M trainees)
MINISTRY = "ministry@talent.az"


def report_items(bench) -> list[tuple[str, str, object]]:
    """(name, page path, function) for every ministry report."""
    from talent.reporting import reports
    from talent.readmodels.objectives import objectives_progress
    from talent.permissions import ROLE_PERMISSIONS, Actor
    READER = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
                   permissions=ROLE_PERMISSIONS["ministry"])
    region_id = bench.scalar("SELECT id FROM regions WHERE code = 'BAKU'")
    center_id = bench.scalar("SELECT c.id FROM centers c JOIN regions r ON r.id = c.region_id "
                             "WHERE r.code = 'BAKU' ORDER BY c.id LIMIT 1")
    year = date.today().year
    query = f"?period=year&year={year}"
    return [
        ("national dashboard", "/ministry/" + query, lambda f: reports.national_summary(f, actor=READER)),
        ("regions table", "/ministry/regions" + query, lambda f: reports.regions_table(f, actor=READER)),
        ("region drill-down", f"/ministry/regions/{region_id}" + query,
         lambda f: reports.region_centers(f, region_id, actor=READER)),
        ("center drill-down", f"/ministry/centers/{center_id}" + query,
         lambda f: reports.center_breakdown(f, center_id, actor=READER)),
        ("fairness", "/ministry/fairness" + query, lambda f: reports.fairness(f, actor=READER)),
        ("mobility", "/ministry/mobility" + query, lambda f: reports.mobility(f, actor=READER)),
        ("trends (3 years)", f"/ministry/trends?period=custom&start={year - 2}-01-01&end={year}-12-31",
         lambda f: reports.trends(f.with_period(date(year - 2, 1, 1), date(year, 12, 31)), actor=READER)),
        ("objectives", "/ministry/objectives", lambda f: objectives_progress(actor=READER)),
        ("regions XLSX export", "/ministry/export/regions.xlsx" + query, None),
    ]


def run(kind: str, size: int, reuse: bool, repeat: int) -> list[list[object]]:
    from benchmarks.run import LIVE_SPEEDUP_TARGET, Bench, summary_off
    t = target(kind, size)
    prepare_database(t, reuse)
    bench = Bench(t, repeat)
    rows = []
    try:
        with bench.app.app_context():
            from talent.reporting.periods import parse_filters
            items = report_items(bench)
        for name, path, fn in items:
            function_ms = None
            if fn is not None:
                with bench.app.test_request_context():
                    filters, _ = parse_filters({"period": "year", "year": str(date.today().year)})
                    function_ms = median_ms(lambda: fn(filters), repeat=repeat, warmup=1)
            m = bench.measure(MINISTRY, "GET", path)
            with summary_off():
                live_ms = bench.time_request(MINISTRY, "GET", path, repeat=min(repeat, 3))
            speedup = live_ms / m["app_ms"] if m["app_ms"] else None
            ok = "yes" if m["app_ms"] <= TARGET_MS and speedup and speedup >= LIVE_SPEEDUP_TARGET else "NO"
            rows.append([f"{kind} {size:,}", name, function_ms, m["app_ms"], live_ms,
                         f"{speedup:.1f}x" if speedup else None, m["direct_ms"], m["statements"],
                         f"{m['ratio']:.2f}x" if m["ratio"] else None, TARGET_MS, ok])
    finally:
        bench.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--sizes", default="10000", help="comma-separated trainee counts")
    parser.add_argument("--reuse", action="store_true", help="keep an earlier demo load of the same size")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("TALENT_RATELIMIT", "false")
    print(f"# Ministry reports benchmark ({machine()})\n")
    rows = []
    for size in (int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()):
        rows.extend(run(args.db, size, args.reuse, args.repeat))
    print()
    print_table(["database", "report", "function ms", "page ms", "live page ms", "speed-up", "direct SQL ms",
                 "statements", "page / SQL", "budget ms", "met (budget and >= 10x)"], rows)


if __name__ == "__main__":
    main()
