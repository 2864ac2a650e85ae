"""Import throughput: preview + commit of N generated trainee rows (CSV), versus a plain Core
bulk insert of the same rows.

    .venv/bin/python benchmarks/import_bench.py [--rows N] [--format csv|xlsx|xlsx-inline] [--profile FILE]

Runs against a temporary SQLite file, or against TALENT_DATABASE_URL when set (the schema is
migrated there, and the rows are left behind — use a scratch database). Preview and commit are
timed as the pages run them: the preview reads and checks the file once and keeps the rows
(committed), the commit writes the kept rows. Prints figures, the budget of issue 17 (>= 20,000
rows/s for CSV, >= 15,000 for XLSX) and the verdict (PASS/FAIL), the median of ``--repeat`` runs.

    .venv/bin/python benchmarks/import_bench.py --all --postgresql postgresql+psycopg://…/scratch

runs CSV and XLSX on SQLite and PostgreSQL and prints the four verdicts.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

ALPHABET = "0123456789ABCDEFGHJKLMNPQRSTUVWXYZ"
FIRST = ["Aysel", "Elvin", "Nigar", "Rəşad", "Günay", "Orxan", "Leyla", "Tural", "Səbinə", "Kamran"]
LAST = ["Məmmədov", "İsmayılov", "Həsənova", "Quliyev", "Əliyeva", "Hüseynov", "Rzayeva", "Babayev"]
REGIONS = ["BAKU", "Gəncə-Daşkəsən", "Lankaran-Astara", "şəki-zaqatala", "Naxçıvan", "Quba-Xaçmaz"]


def make_csv(rows: int, seed: int | None = None, taken=None) -> bytes:
    """``taken(fins)`` returns those of ``fins`` already registered: the file holds new people only
    (on a database of 1M trainees about one file in eight would otherwise reuse a demo FIN, which the
    import reads as an existing trainee and the plain insert refuses)."""
    rnd = random.Random(seed)
    fins: set[str] = set()
    lines = ["fin;first_name;last_name;patronymic;birth_date;gender;email;phone;home_region;education_level"]
    while len(fins) < rows:
        while len(fins) < rows:
            fins.add("".join(rnd.choice(ALPHABET) for _ in range(7)))
        if taken is not None:
            fins -= set(taken(sorted(fins)))
    for i, fin in enumerate(sorted(fins, key=lambda _: rnd.random())):
        first, last = rnd.choice(FIRST), rnd.choice(LAST)
        lines.append(";".join([
            fin, first, last, "", f"{rnd.randint(1,28):02d}.{rnd.randint(1,12):02d}.{rnd.randint(1960, 2008)}",
            rnd.choice(["F", "M", "qadın", "kişi"]), f"user{i}@example.az",
            f"050 {rnd.randint(100,999)} {rnd.randint(10,99)} {rnd.randint(10,99)}",
            rnd.choice(REGIONS), rnd.choice(["bachelor", "master", ""])]))
    return ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")


def make_xlsx(rows: int, seed: int | None = None, *, shared_strings: bool = True, taken=None) -> bytes:
    """The same rows as :func:`make_csv`, as a workbook with one sheet of text cells: with a shared
    string table as Excel and LibreOffice save text, or (``shared_strings=False``) with inline
    strings as openpyxl writes them."""
    import csv
    import io
    import re
    import zipfile
    from xml.sax.saxutils import escape

    from openpyxl import Workbook
    workbook = Workbook()
    sheet = workbook.active
    lines = list(csv.reader(io.StringIO(make_csv(rows, seed, taken).decode("utf-8-sig")), delimiter=";"))
    for cells in lines:
        sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    if not shared_strings:
        return out.getvalue()
    strings: dict[str, int] = {}
    for cells in lines:
        for cell in cells:
            if cell:
                strings.setdefault(cell, len(strings))
    inline = re.compile(r'<c r="([A-Z]+[0-9]+)" t="inlineStr"><is><t(?: [^>]*)?>(.*?)</t></is></c>')
    source, shared = zipfile.ZipFile(io.BytesIO(out.getvalue())), io.BytesIO()
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    with zipfile.ZipFile(shared, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            content = source.read(name)
            if name.startswith("xl/worksheets/"):
                by_text = {escape(text): index for text, index in strings.items()}
                content = inline.sub(lambda m: f'<c r="{m.group(1)}" t="s"><v>{by_text[m.group(2)]}</v></c>',
                                     content.decode()).encode()
            elif name == "[Content_Types].xml":
                content = content.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType='
                                          b'"application/vnd.openxmlformats-officedocument.spreadsheetml.'
                                          b'sharedStrings+xml" /></Types>')
            target.writestr(name, content)
        items = "".join(f"<si><t>{escape(text)}</t></si>" for text in strings)
        target.writestr("xl/sharedStrings.xml",
                        f'<sst xmlns="{main}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>')
    return shared.getvalue()


BUDGETS = {"csv": 20_000, "xlsx": 15_000, "xlsx-inline": 15_000}   # rows/s, preview + commit (issue 17)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--format", choices=("csv", "xlsx", "xlsx-inline"), default="csv",
                        help="the uploaded file: CSV; a workbook as Excel saves it (shared string table); "
                             "a workbook as openpyxl writes it (inline strings)")
    parser.add_argument("--repeat", type=int, default=3, help="timed imports (a new file each); the median counts")
    parser.add_argument("--profile", metavar="FILE",
                        help="write a cProfile of the timed preview + commit to FILE (timings then include "
                             "the profiler's overhead)")
    parser.add_argument("--all", action="store_true",
                        help="run CSV and XLSX on a temporary SQLite file and, with --postgresql, on PostgreSQL, "
                             "and print every figure beside its budget")
    parser.add_argument("--postgresql", metavar="URL",
                        help="with --all: a scratch PostgreSQL database (rows are left behind)")
    args = parser.parse_args()
    if args.all:
        run_all(args)
        return
    run_one(args)


def run_all(args) -> None:
    """Each database and format in its own process (one app, one engine each); the summary last."""
    import re
    import subprocess
    targets = [("sqlite", None)] + ([("postgresql", args.postgresql)] if args.postgresql else [])
    lines = []
    for name, url in targets:
        for fmt in ("csv", "xlsx"):
            env = dict(os.environ)
            env.pop("TALENT_DATABASE_URL", None)
            if url:
                env["TALENT_DATABASE_URL"] = url
            command = [sys.executable, __file__, "--rows", str(args.rows), "--format", fmt,
                       "--repeat", str(args.repeat)]
            proc = subprocess.run(command, env=env, capture_output=True, text=True)
            out = proc.stdout
            print(f"--- {name}, {fmt}\n" + "\n".join(line for line in out.splitlines() if not line.startswith("INFO")),
                  flush=True)
            verdict = re.search(r"^budget: .*$", out, re.M)
            lines.append(f"{name:<10} {fmt:<5} " + (verdict.group(0) if verdict else
                                                     "ERROR " + (proc.stderr.strip().splitlines() or ["?"])[-1]))
    print(f"\n=== import of {args.rows:,} rows, preview + commit (median of {args.repeat}) ===")
    for line in lines:
        print(line)


def run_one(args) -> None:
    tmp = tempfile.mkdtemp(prefix="talent-bench-")
    env = dict(os.environ)
    env.setdefault("TALENT_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    env["TALENT_INSTANCE_PATH"] = tmp
    env.setdefault("TALENT_ENV", "development")
    env["TALENT_SECRET_KEY"] = env.get("TALENT_SECRET_KEY") or "bench-" + "x" * 40
    env["TALENT_IMPORT_MAX_ROWS"] = str(max(args.rows, 50_000))
    env["TALENT_MAX_UPLOAD_MB"] = "100"

    from flask_migrate import upgrade
    from sqlalchemy import insert, select

    from talent import create_app
    from talent.centers.models import Center
    from talent.extensions import db
    from talent.geo.models import Region
    from talent.imports.services import commit_preview, preview_import
    from talent.catalog.models import Certification, Course, Skill
    from talent.learning.models import Cohort
    from talent.people.models import Trainee
    from talent.permissions import Actor
    from talent.reference import load_reference
    from datetime import date, timedelta

    app = create_app({"EMBEDDED_SCHEDULER": False}, env=env)
    with app.app_context(), app.test_request_context("/"):
        upgrade()
        load_reference()
        db.session.commit()

        def taken(fins: list[str]) -> set[str]:
            return {fin for i in range(0, len(fins), 1000)
                    for fin in db.session.scalars(select(Trainee.fin).where(Trainee.fin.in_(fins[i:i + 1000])))}
        actor = Actor.system(label="bench")
        region = db.session.scalar(select(Region).where(Region.code == "BAKU"))
        skill = db.session.scalar(select(Skill))

        def new_cohort():
            """A center, course and cohort of its own (capacity: half the rows) for one import."""
            suffix = os.urandom(3).hex().upper()
            center = Center(code=f"BENCH{suffix}", name="Bench", region_id=region.id, city="Bakı", capacity=100_000)
            cert = Certification(code=f"BC{suffix}", name_az="B", name_en="B", skill_id=skill.id, level="foundation")
            db.session.add_all([center, cert])
            db.session.flush()
            course = Course(code=f"BCRS{suffix}", title_az="B", title_en="B", level="foundation", hours=10,
                            certification_id=cert.id)
            db.session.add(course)
            db.session.flush()
            cohort = Cohort(code=f"BENCH-{suffix}", course_id=course.id, center_id=center.id,
                            start_date=date.today(), end_date=date.today() + timedelta(days=30),
                            capacity=args.rows // 2, status="open")
            db.session.add(cohort)
            db.session.commit()
            return center, cohort

        def make() -> bytes:
            return (make_csv(args.rows, taken=taken) if args.format == "csv"
                    else make_xlsx(args.rows, shared_strings=args.format == "xlsx", taken=taken))

        data = make()
        db.session.rollback()
        print(f"database: {app.config['SQLALCHEMY_DATABASE_URI'].split('@')[-1]}; rows: {args.rows}; "
              f"file: {args.format}, {len(data) / 1e6:.1f} MB")
        center, cohort = new_cohort()

        # Baseline: a plain Core bulk insert of the same (already validated) rows, rolled back.
        report = preview_import(actor, data, center_id=center.id, cohort_id=cohort.id)
        assert report.ok, report.problems[:5]
        rows = [dict(p.values, registered_by_center_id=center.id) for p in report.plans]
        t0 = time.perf_counter()
        db.session.execute(insert(Trainee.__table__), rows)
        db.session.flush()
        baseline = time.perf_counter() - t0
        db.session.rollback()

        profiler = None
        if args.profile:
            import cProfile
            profiler = cProfile.Profile()
        runs = []
        for attempt in range(max(args.repeat, 1)):
            if attempt:
                data = make()
                db.session.rollback()
                center, cohort = new_cohort()
            if profiler is not None:
                profiler.enable()
            # As the pages do it: the upload request reads, checks and keeps the rows (committed),
            # the confirm request commits the kept rows.
            c0, t0 = time.process_time(), time.perf_counter()
            report = preview_import(actor, data, center_id=center.id, cohort_id=cohort.id, keep=True,
                                    filename="bench." + args.format.split("-")[0])
            db.session.commit()
            t_preview = time.perf_counter() - t0
            t0 = time.perf_counter()
            report = commit_preview(actor, report.preview_id)
            db.session.commit()
            t_commit = time.perf_counter() - t0
            cpu = time.process_time() - c0
            if profiler is not None:
                profiler.disable()
            assert report.committed
            runs.append((t_preview + t_commit, t_preview, t_commit, cpu))
            print(f"  run {attempt + 1}: preview {t_preview:.2f} s + commit {t_commit:.2f} s = "
                  f"{args.rows / (t_preview + t_commit):,.0f} rows/s")
        if profiler is not None:
            profiler.dump_stats(args.profile)
        total, t_preview, t_commit, cpu = sorted(runs)[len(runs) // 2]
        rate = args.rows / total
        budget = BUDGETS[args.format]
        print(f"preview: {t_preview:.2f} s ({args.rows / t_preview:,.0f} rows/s)")
        print(f"commit:  {t_commit:.2f} s ({args.rows / t_commit:,.0f} rows/s) "
              f"— {report.counts['enrolled']} enrolled, {report.counts['waitlisted']} waiting list")
        print(f"preview + commit: {total:.2f} s = {rate:,.0f} rows/s (median of {len(runs)})")
        print(f"budget: >= {budget:,} rows/s ({args.format}); measured {rate:,.0f} rows/s: "
              f"{'PASS' if rate >= budget else 'FAIL'}")
        print(f"CPU time of this process for preview + commit: {cpu:.2f} s ({args.rows / cpu:,.0f} rows/s; "
              f"load average now {os.getloadavg()[0]:.1f} — wall-clock figures suffer on a busy machine)")
        print(f"plain Core bulk insert of the same rows: {baseline:.2f} s ({args.rows / baseline:,.0f} rows/s); "
              f"import (preview + commit) takes {total / baseline:.1f}x as long")


if __name__ == "__main__":
    main()
