"""Print the load test's table from locust's CSV statistics: per route the requests, requests per
second, p50/p95/p99, errors (5xx counted apart), and the comparison with the baseline route of the
same run.

    .venv/bin/python benchmarks/load/report.py /tmp/talent-load/load

"vs baseline speed" is the baseline's mean response time divided by the route's: under the same
load, the share of the baseline's request rate the route could sustain (target >= 0.5x). "p95 vs
baseline" is the route's p95 over the baseline's (target <= 2x). Absolute target: p95 <= 500 ms.
"""
from __future__ import annotations

import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import print_table  # noqa: E402

BASELINE = "/bench/baseline/[id]"
P95_TARGET_MS = 500


def main() -> None:
    prefix = sys.argv[1]
    stats = list(csv.DictReader(open(f"{prefix}_stats.csv", encoding="utf-8")))
    failures = list(csv.DictReader(open(f"{prefix}_failures.csv", encoding="utf-8"))) \
        if Path(f"{prefix}_failures.csv").exists() else []
    server_errors: dict[str, int] = {}
    for f in failures:
        if "50" in f.get("Error", "") or "HTTPError('5" in f.get("Error", ""):
            server_errors[f["Name"]] = server_errors.get(f["Name"], 0) + int(f["Occurrences"])
    base = next((s for s in stats if s["Name"] == BASELINE), None)
    base_mean = float(base["Average Response Time"]) if base else None
    base_p95 = float(base["95%"]) if base else None
    rows = []
    total = None
    for s in stats:
        if s["Name"] == "Aggregated":
            total = s
            continue
        mean, p95 = float(s["Average Response Time"]), float(s["95%"])
        speed = base_mean / mean if base_mean and mean else None
        p95_ratio = p95 / base_p95 if base_p95 else None
        page = not s["Name"].startswith("/login")
        ok = (p95 <= P95_TARGET_MS and (speed is None or speed >= 0.5)
              and (p95_ratio is None or p95_ratio <= 2) and not server_errors.get(s["Name"]))
        rows.append([f"{s['Type']} {s['Name']}", int(s["Request Count"]), float(s["Requests/s"]),
                     float(s["50%"]), p95, float(s["99%"]), int(s["Failure Count"]), server_errors.get(s["Name"], 0),
                     f"{speed:.2f}x" if speed else "—", f"{p95_ratio:.1f}x" if p95_ratio else "—",
                     ("ok" if ok else "over") if page and s["Name"] != BASELINE else "—"])
    rows.sort(key=lambda r: r[0].split(" ", 1)[1])
    print_table(["route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "5xx",
                 "vs baseline speed", "p95 vs baseline", "target"], rows)
    if total:
        print(f"\ntotal: {int(total['Request Count']):,} requests, {float(total['Requests/s']):.1f} req/s, "
              f"p50 {total['50%']} ms, p95 {total['95%']} ms, p99 {total['99%']} ms, "
              f"{int(total['Failure Count'])} failures, {sum(server_errors.values())} 5xx")


if __name__ == "__main__":
    main()
