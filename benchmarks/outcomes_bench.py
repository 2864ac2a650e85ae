"""Benchmark of the outcome indicators (issue 20): the report function (five breakdowns, live GROUP
BYs over the period's exits) and the objectives on them, warm, with the plan of the main query.

    TALENT_BENCH_PG_PREFIX=mybench .venv/bin/python benchmarks/outcomes_bench.py --db postgresql \
        --sizes 10000 [--reuse] [--repeat 5]

Prints, per size: the figure (median ms), the budget (docs/performance.md: every ministry page
<= 150 ms at the summary's scale; the outcomes are live this round, so the budget here is the one of
a live report, <= 1,500 ms) and the verdict; then whether the plan of the exits query reads the
enrollments and placements through their indexes (no sequential scan of ``placements`` inside the
per-exit subqueries).
"""
from __future__ import annotations

import argparse
import os
import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.common import app_env, machine, median_ms, prepare_database, print_table, target  # noqa: E402

BUDGET_MS = 1500


def run(kind: str, size: int, reuse: bool, repeat: int) -> list[list[object]]:
    t = target(kind, size)
    prepare_database(t, reuse)
    from talent import create_app
    from talent.extensions import db
    from talent.permissions import ROLE_PERMISSIONS, Actor
    from talent.reporting import outcomes
    from talent.reporting.periods import Filters
    app = create_app({"EMBEDDED_SCHEDULER": False}, env=app_env(t))
    reader = Actor(user_id=None, label="ministry analyst", role="ministry", center_ids=None,
                   permissions=ROLE_PERMISSIONS["ministry"])
    rows = []
    with app.app_context():
        today = date.today()
        last_year = Filters(start=date(today.year - 1, 1, 1), end=date(today.year - 1, 12, 31), today=today)
        for name, fn in (
                ("outcomes, 5 breakdowns (last year)", lambda: outcomes.outcomes(last_year, actor=reader)),
                ("objective value (employment Q2)",
                 lambda: outcomes.objective_value("employment_q2_rate", Filters(
                     *outcomes.measured_window("employment_q2_rate", today), today=today)))):
            ms = median_ms(fn, repeat=repeat)
            rows.append([f"{kind} {size:,}", name, round(ms, 1), BUDGET_MS, "ok" if ms <= BUDGET_MS else "OVER"])
        if kind == "postgresql":
            _, stmt = outcomes.figures_statement(last_year, medians=True)
            compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
            sql = str(compiled)   # "%%" as the driver's escaped "%" (exec_driver_sql passes it through)
            plan = "\n".join(r[0] for r in db.session.connection().exec_driver_sql(f"EXPLAIN ANALYZE {sql}"))
            print(plan)
            seq_placements = "Seq Scan on placements" in plan
            rows.append([f"{kind} {size:,}", "plan: placements by index (trainee_id, start_date)",
                         "seq scan" if seq_placements else "index", "index",
                         "OVER" if seq_placements else "ok"])
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="postgresql", choices=("postgresql", "sqlite"))
    parser.add_argument("--sizes", default="10000")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(machine())
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        rows += run(args.db, size, args.reuse, args.repeat)
    print_table(["database", "item", "figure (ms)", "budget (ms)", "verdict"], rows)


if __name__ == "__main__":
    main()
