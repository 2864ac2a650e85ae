"""The benchmark tools' own logic (issue 17): the runner's verdicts, its switch to the live tables,
and the load report's 5xx detection and throughput verdict. No database is seeded here."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from talent.extensions import db
from talent.reporting import summary
from talent.reporting.periods import parse_filters

from benchmarks import run
from benchmarks.load import report

ROOT = Path(__file__).resolve().parent.parent


def test_budgets_and_verdicts():
    ministry = {"kind": "ministry", "app_ms": 120.0, "live_ms": 1500.0}
    run.judge(ministry)
    assert (ministry["budget_ms"], ministry["verdict"]) == (150.0, "PASS")
    assert ministry["speedup"] == 12.5 and ministry["speedup_verdict"] == "PASS"
    slow_but_equal = {"kind": "ministry", "app_ms": 140.0, "live_ms": 150.0}
    run.judge(slow_but_equal)
    assert slow_but_equal["verdict"] == "PASS" and slow_but_equal["speedup_verdict"] == "FAIL"
    center = {"kind": "center", "app_ms": 100.1}
    run.judge(center)
    assert (center["budget_ms"], center["verdict"]) == (100.0, "FAIL") and "speedup" not in center
    for kind, budget in (("search", 50.0), ("verification", 5.0)):
        item = {"kind": kind, "app_ms": budget}
        run.judge(item)
        assert item["verdict"] == "PASS"
    unbudgeted = {"kind": None, "app_ms": 3.0}
    run.judge(unbudgeted)
    assert unbudgeted["verdict"] is None


def test_summary_off_sends_the_reports_to_the_live_tables_for_those_calls_only(app):
    with app.test_request_context("/"):
        filters, _ = parse_filters({})
        summary.rebuild(db.session, filters.timezone)  # current: the reports would read it
        assert summary.usable(db.session, filters, None) is True
        with run.summary_off():
            assert summary.usable(db.session, filters, None) is False
            assert summary.is_current(db.session, filters.timezone) is False
        assert summary.usable(db.session, filters, None) is True


def _write_csv(path: Path, rows: list[dict]) -> None:
    header = ["Type", "Name", "Request Count", "Failure Count", "Average Response Time", "Requests/s",
              "50%", "95%", "99%"]
    lines = [",".join(header)] + [",".join(str(r.get(h, "")) for h in header) for r in rows]
    path.write_text("\n".join(lines) + "\n")


def _route(name, count, mean, rps, kind="GET"):
    return {"Type": kind, "Name": name, "Request Count": count, "Failure Count": 0,
            "Average Response Time": mean, "Requests/s": rps, "50%": mean, "95%": mean * 2, "99%": mean * 3}


def test_load_report_verdicts(tmp_path):
    _write_csv(tmp_path / "load_stats.csv", [
        _route("/bench/baseline/[id]", 100, 50, 10), _route("/ministry/", 20, 400, 2),
        _route("/login", 0, 0, 0, "POST") | {"50%": "N/A", "95%": "N/A", "99%": "N/A"},
        _route("Aggregated", 120, 100, 60, "")])
    (tmp_path / "load_failures.csv").write_text(
        "Method,Name,Error,Occurrences\n"
        "GET,/ministry/,\"HTTPError('503 Server Error: SERVICE UNAVAILABLE for url: /ministry/')\",2\n"
        "GET,/verify/[code],\"HTTPError('404 Client Error: NOT FOUND for url: /verify/X500')\",1\n")
    _write_csv(tmp_path / "baseline_stats.csv", [_route("/bench/baseline/[id]", 500, 20, 100),
                                                  _route("Aggregated", 500, 20, 100, "")])
    (tmp_path / "metrics.txt").write_text(
        'talent_http_request_duration_seconds_count{endpoint="ministry.dashboard",method="GET",status="2xx"} 18.0\n'
        'talent_http_request_duration_seconds_count{endpoint="ministry.dashboard",method="GET",status="5xx"} 2.0\n')
    out = tmp_path / "report.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks/load/report.py"), str(tmp_path / "load"),
                           "--baseline", str(tmp_path / "baseline"), "--metrics", str(tmp_path / "metrics.txt"),
                           "--json", str(out)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    result = json.loads(out.read_text())
    assert result["throughput_ratio"] == 0.6
    verdicts = {v["check"].split(":")[0].split(" =")[0]: v["pass"] for v in result["verdicts"]}
    assert verdicts["mixed workload req/s / baseline req/s"] is True
    assert verdicts["5xx seen by locust"] is False            # the 503s, not the 404 of a URL holding "500"
    assert verdicts["5xx counted by the server (/metrics, all workers)"] is False
    assert [r["server_errors"] for r in result["routes"] if r["route"] == "GET /ministry/"] == [2]
    assert not any(r["route"].endswith("/login") for r in result["routes"])  # 0 requests after the reset
    assert report.SERVER_ERROR.search("sign-in as x answered 502")
    assert not report.SERVER_ERROR.search("HTTPError('404 Client Error: NOT FOUND for url: /x/500')")
