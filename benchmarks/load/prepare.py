"""Prepare the load test: a seeded scratch database (reused when already seeded) and the JSON file
of what the simulated users browse (demo logins, cohort ids per center admin, verification codes,
names to search, region ids for the baseline).

    .venv/bin/python benchmarks/load/prepare.py --db postgresql --size 1000000 --out /tmp/load.json

Prints the database URL on its last line (run_load.sh reads it).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.common import prepare_database, target  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    t = target(args.db, args.size)
    prepare_database(t, reuse=True, log=lambda m: print(m, file=sys.stderr))

    from sqlalchemy import create_engine, text
    from talent.demo.data import DEMO_PASSWORD
    engine = create_engine(t.url)
    with engine.connect() as conn:
        admins = [r[0] for r in conn.execute(text(
            "SELECT email FROM users WHERE role = 'center_admin' AND email LIKE '%@talent.az' ORDER BY email"))]
        cohorts = {}
        for email in admins:
            cohorts[email] = [r[0] for r in conn.execute(text(
                "SELECT c.id FROM cohorts c JOIN center_assignments ca ON ca.center_id = c.center_id "
                "JOIN users u ON u.id = ca.user_id WHERE u.email = :e ORDER BY c.start_date DESC LIMIT 60"),
                {"e": email})]
        codes = [r[0] for r in conn.execute(text(
            "SELECT verification_code FROM awards ORDER BY id DESC LIMIT 500"))]
        names = [r[0] for r in conn.execute(text(
            "SELECT DISTINCT last_name FROM trainees WHERE id IN (SELECT id FROM trainees ORDER BY id LIMIT 2000)"))]
        trainees = [r[0] for r in conn.execute(text(
            "SELECT email FROM users WHERE role = 'trainee' AND email LIKE '%@talent.az' ORDER BY email"))]
        ministry = conn.execute(text("SELECT email FROM users WHERE role = 'ministry' ORDER BY id LIMIT 1")).scalar()
        regions = [r[0] for r in conn.execute(text("SELECT id FROM regions ORDER BY id"))]
    engine.dispose()
    data = {"password": DEMO_PASSWORD, "center_admins": admins, "cohorts": cohorts, "codes": codes,
            "names": names[:200], "trainees": trainees, "ministry": ministry, "regions": regions}
    Path(args.out).write_text(json.dumps(data))
    print(t.url)


if __name__ == "__main__":
    main()
