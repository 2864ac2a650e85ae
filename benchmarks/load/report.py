"""Print the load test's tables and verdicts from locust's CSV statistics (and the server's own
Prometheus figures): per route the requests, requests per second, p50/p95/p99, failures and 5xx;
then the verdicts of issue 17.

    .venv/bin/python benchmarks/load/report.py /tmp/talent-load/load --baseline /tmp/talent-load/baseline \\
        [--metrics /tmp/talent-load/metrics.txt] [--json report.json]

Verdicts:

- **zero 5xx**: no request answered 5xx, as locust saw it and (with ``--metrics``) as the server
  counted it in ``talent_http_request_duration_seconds_count{status="5xx"}`` over all workers;
- **throughput**: the mixed workload's requests per second divided by the baseline phase's (same
  server, same users, only GET /bench/baseline/<id>) — target >= 0.5x: on average a request of the
  mix costs the server at most twice its cheapest page.

Per route, "mean vs baseline route" is the baseline route's mean response time (inside the mixed
run) over the route's: the share of the baseline's rate the route sustains under the same load.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import print_table  # noqa: E402

BASELINE = "/bench/baseline/[id]"
THROUGHPUT_TARGET = 0.5
# A locust failure caused by a 5xx answer: "HTTPError('503 Server Error: …')" or a catch_response
# message naming the status ("… answered 500").
SERVER_ERROR = re.compile(r"HTTPError\('5\d\d|\b5\d\d Server Error|answered 5\d\d\b")


def read_stats(prefix: str) -> tuple[list[dict], dict | None]:
    path = Path(f"{prefix}_stats.csv")
    if not path.exists():
        raise SystemExit(f"no statistics at {path}")
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    total = next((r for r in rows if r["Name"] == "Aggregated"), None)
    return [r for r in rows if r["Name"] != "Aggregated"], total


def server_errors_seen(prefix: str) -> dict[str, int]:
    path = Path(f"{prefix}_failures.csv")
    out: dict[str, int] = {}
    if path.exists():
        for f in csv.DictReader(path.open(encoding="utf-8")):
            if SERVER_ERROR.search(f.get("Error", "")):
                out[f["Name"]] = out.get(f["Name"], 0) + int(f["Occurrences"])
    return out


def server_side(metrics_path: str | None) -> dict | None:
    """Requests and 5xx as the server counted them (Prometheus text of GET /metrics)."""
    if not metrics_path or not Path(metrics_path).exists() or not Path(metrics_path).stat().st_size:
        return None
    requests = errors = 0
    by_status: dict[str, float] = {}
    for line in Path(metrics_path).read_text(encoding="utf-8").splitlines():
        if not line.startswith("talent_http_request_duration_seconds_count{"):
            continue
        labels = dict(re.findall(r'(\w+)="([^"]*)"', line.split("}")[0]))
        value = float(line.rsplit(" ", 1)[1])
        requests += value
        by_status[labels.get("status", "?")] = by_status.get(labels.get("status", "?"), 0) + value
        if labels.get("status") == "5xx":
            errors += value
    return {"requests": int(requests), "server_errors": int(errors), "by_status": by_status}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("prefix", help="locust --csv prefix of the mixed run")
    parser.add_argument("--baseline", help="locust --csv prefix of the baseline-only phase")
    parser.add_argument("--metrics", help="the text of GET /metrics scraped after the run")
    parser.add_argument("--json", help="also write the figures and verdicts here")
    args = parser.parse_args()

    stats, total = read_stats(args.prefix)
    errors = server_errors_seen(args.prefix)
    base = next((s for s in stats if s["Name"] == BASELINE), None)
    base_mean = float(base["Average Response Time"]) if base else None
    rows, routes = [], []
    for s in sorted(stats, key=lambda s: (s["Name"], s["Type"])):
        if not int(s["Request Count"]):
            continue  # only during the ramp-up (the sign-in pages): reset away
        mean = float(s["Average Response Time"])
        speed = base_mean / mean if base_mean and mean else None
        route = {"route": f"{s['Type']} {s['Name']}", "requests": int(s["Request Count"]),
                 "rps": float(s["Requests/s"]), "p50_ms": float(s["50%"]), "p95_ms": float(s["95%"]),
                 "p99_ms": float(s["99%"]), "failures": int(s["Failure Count"]), "server_errors": errors.get(s["Name"], 0),
                 "mean_vs_baseline_route": speed}
        routes.append(route)
        rows.append([route["route"], route["requests"], route["rps"], route["p50_ms"], route["p95_ms"],
                     route["p99_ms"], route["failures"], route["server_errors"],
                     f"{speed:.2f}x" if speed and s["Name"] != BASELINE else "—"])
    print("Mixed workload, per route (statistics from the moment every simulated user had signed in):\n")
    print_table(["route", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "failures", "5xx",
                 "mean vs baseline route"], rows)

    result: dict = {"routes": routes}
    mixed_rps = float(total["Requests/s"]) if total else None
    if total:
        result["mixed"] = {"requests": int(total["Request Count"]), "rps": mixed_rps, "p50_ms": float(total["50%"]),
                           "p95_ms": float(total["95%"]), "p99_ms": float(total["99%"]),
                           "failures": int(total["Failure Count"])}
        print(f"\nmixed workload: {int(total['Request Count']):,} requests, {mixed_rps:.1f} req/s, p50 {total['50%']} ms, "
              f"p95 {total['95%']} ms, p99 {total['99%']} ms, {int(total['Failure Count'])} failures")
    verdicts = []
    if args.baseline:
        _, base_total = read_stats(args.baseline)
        base_rps = float(base_total["Requests/s"]) if base_total else None
        base_errors = sum(server_errors_seen(args.baseline).values())
        errors_total = sum(errors.values()) + base_errors
        result["baseline_phase"] = {"requests": int(base_total["Request Count"]), "rps": base_rps,
                                    "p50_ms": float(base_total["50%"]), "p95_ms": float(base_total["95%"]),
                                    "p99_ms": float(base_total["99%"]), "server_errors": base_errors}
        print(f"baseline phase: {int(base_total['Request Count']):,} requests, {base_rps:.1f} req/s, "
              f"p50 {base_total['50%']} ms, p95 {base_total['95%']} ms, p99 {base_total['99%']} ms")
        if base_rps and mixed_rps is not None:
            ratio = mixed_rps / base_rps
            result["throughput_ratio"] = ratio
            verdicts.append((f"mixed workload req/s / baseline req/s = {mixed_rps:.1f} / {base_rps:.1f} = {ratio:.2f}x "
                             f"(target >= {THROUGHPUT_TARGET}x)", ratio >= THROUGHPUT_TARGET))
    else:
        errors_total = sum(errors.values())
    verdicts.append((f"5xx seen by locust: {errors_total} (target 0)", errors_total == 0))
    if total:
        others = int(total["Failure Count"]) - sum(errors.values())
        verdicts.append((f"other failed requests (4xx, connection resets, time-outs) in the mix: {others} (target 0)",
                         others == 0))
    server = server_side(args.metrics)
    if server is not None:
        result["server"] = server
        verdicts.append((f"5xx counted by the server (/metrics, all workers): {server['server_errors']} of "
                         f"{server['requests']:,} requests (target 0)", server["server_errors"] == 0))
    elif args.metrics:
        print("(no /metrics scrape: the server-side count is missing)")
    ramp = [r for r in routes if "/login" in r["route"]]
    if ramp:
        result["includes_ramp_up"] = True
        print("\nWARNING: sign-ins are in the statistics: not every user had signed in before the phase ended "
              "(the figures include the ramp-up; raise RAMP_LIMIT).")
    print("\nVerdicts:")
    for text, ok in verdicts:
        print(f"  {'PASS' if ok else 'FAIL'}  {text}")
    result["verdicts"] = [{"check": text, "pass": ok} for text, ok in verdicts]
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
