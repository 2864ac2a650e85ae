"""What the disclosure control (the cell-key method, docs/disclosure.md) costs the ministry reports.

    .venv/bin/python benchmarks/disclosure_bench.py [--db sqlite|postgresql] [--size 10000] [--reuse]

On a demo database of ``--size`` trainees (10,000 by default; measure at 10k only on a shared
machine) each report function runs warm, ``--repeat`` times, once with the former threshold rule
(``DISCLOSURE_METHOD=threshold``: the same SQL without the record-key sums, the old complementary
suppression), once with the cell-key method (key sums in the same aggregates, a table lookup per
cell, running totals from 1 January: ``DISCLOSURE_ANCHOR=year``, the default) and once with
``DISCLOSURE_ANCHOR=epoch`` (running totals from before any record). It prints each figure, the
budget and a verdict (the default's; the epoch anchors' beside it):

* budget: the cell-key report takes at most 1.5 x the threshold one, or 25 ms more (whichever is
  larger) — the method must not change the pages' speed class;
* the national dashboard and the regions table keep their page target (300 ms at 100,000 trainees,
  docs/performance.md), checked here on the full request.
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import machine, median_ms, prepare_database, print_table, target  # noqa: E402
from benchmarks.reports_bench import MINISTRY, TARGET_MS, report_items  # noqa: E402

RATIO, SLACK_MS = 1.5, 25.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument("--reuse", action="store_true", help="keep an earlier demo load of the same size")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    os.environ.setdefault("TALENT_RATELIMIT", "false")
    print(f"# Disclosure control benchmark ({machine()})\n")
    from benchmarks.run import Bench
    t = target(args.db, args.size)
    prepare_database(t, args.reuse)
    bench = Bench(t, args.repeat)
    rows, failures = [], 0
    try:
        with bench.app.app_context():
            items = report_items(bench)
        from talent.reporting.periods import parse_filters
        for name, path, fn in items:
            if fn is None:
                continue
            # Interleaved, one run of each method at a time, so a busy machine slows both alike.
            settings = {"threshold": ("threshold", "year"), "cellkey": ("cellkey", "year"),
                        "cellkey_epoch": ("cellkey", "epoch")}
            samples: dict[str, list[float]] = {name_: [] for name_ in settings}
            with bench.app.test_request_context():
                filters, _ = parse_filters({"period": "year", "year": str(date.today().year)})
                for _ in range(args.repeat):
                    for setting, (method, anchor) in settings.items():
                        bench.app.config.update(DISCLOSURE_METHOD=method, DISCLOSURE_ANCHOR=anchor)
                        samples[setting].append(median_ms(lambda: fn(filters), repeat=1, warmup=0))
            times = {setting: sorted(values)[len(values) // 2] for setting, values in samples.items()}
            bench.app.config.update(DISCLOSURE_METHOD="cellkey", DISCLOSURE_ANCHOR="year")
            budget = max(times["threshold"] * RATIO, times["threshold"] + SLACK_MS)
            page = None
            if name in ("national dashboard", "regions table"):
                page = bench.measure(MINISTRY, "GET", path)["app_ms"]
                budget_ok = times["cellkey"] <= budget and page <= TARGET_MS
            else:
                budget_ok = times["cellkey"] <= budget
            failures += not budget_ok
            rows.append([f"{args.db} {args.size:,}", name, times["threshold"], times["cellkey"],
                         times["cellkey"] - times["threshold"], times["cellkey_epoch"], round(budget, 1), page,
                         TARGET_MS if page is not None else None, "ok" if budget_ok else "OVER",
                         "ok" if times["cellkey_epoch"] <= budget else "OVER"])
    finally:
        bench.close()
    print()
    print_table(["database", "report", "threshold ms", "cell-key ms", "cost ms", "cell-key, epoch anchors ms",
                 "budget ms", "page ms", "page target ms", "verdict", "verdict, epoch anchors"], rows)
    print(f"\nverdict: {'within budget' if not failures else f'{failures} report(s) over budget'}")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
