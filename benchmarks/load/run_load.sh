#!/usr/bin/env bash
# The load test (issue 17): gunicorn (4 workers, gthread, 4 threads each) on the demo at SIZE
# trainees, and locust headless on the same machine, in two phases against the same server:
#
#   1. baseline: USERS users requesting only GET /bench/baseline/<id> (one primary-key read, a small
#      page) for BASELINE_DURATION seconds — the server's rate on its cheapest page;
#   2. mixed: USERS users of the mixed workload (locustfile.py) for DURATION seconds.
#
# Statistics are reset once every simulated user has signed in (locustfile.py, ready()), so 50
# argon2 sign-ins at once are not in the figures. Then benchmarks/load/report.py prints per route p50/p95/p99, failures and
# 5xx, and the verdicts: zero 5xx; the mixed workload's requests/s >= 0.5x the baseline phase's.
# The server's own view is scraped from GET /metrics (Prometheus, all workers through
# PROMETHEUS_MULTIPROC_DIR) and its 5xx count is judged too.
#
#   benchmarks/load/run_load.sh                               # 1,000,000 trainees on PostgreSQL
#   SIZE=100000 USERS=50 DURATION=60 benchmarks/load/run_load.sh
#   DB=sqlite SIZE=10000 benchmarks/load/run_load.sh
#
# Needs the bench extra: .venv/bin/pip install -e '.[bench]' (locust).
#
# For the test the server runs with TALENT_REQUIRE_2FA=false (the simulated ministry user cannot
# type a TOTP code) and TALENT_RATELIMIT=false (50 users signing in from 127.0.0.1 would trip the
# 10-per-minute login limit); rate-limit storage still points at Redis (TALENT_RATELIMIT_STORAGE),
# as in production. TALENT_BENCHMARK_ROUTES=true adds the baseline route.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=.venv/bin/python
SIZE=${SIZE:-1000000}
DB=${DB:-postgresql}
USERS=${USERS:-50}
SPAWN_RATE=${SPAWN_RATE:-10}
DURATION=${DURATION:-60}                   # seconds measured, after every user has signed in
BASELINE_DURATION=${BASELINE_DURATION:-30}
RAMP_LIMIT=${RAMP_LIMIT:-240}              # seconds allowed for the sign-ins (argon2) before that
DURATION=${DURATION%s} BASELINE_DURATION=${BASELINE_DURATION%s}
WORKERS=${WORKERS:-4}
WORKER_CLASS=${WORKER_CLASS:-gthread}
THREADS=${THREADS:-4}
PORT=${PORT:-8765}
REDIS=${REDIS:-redis://127.0.0.1:6379/15}
OUT=${OUT:-/tmp/talent-load}
[ -x .venv/bin/locust ] || { echo "locust is not installed: .venv/bin/pip install -e '.[bench]'"; exit 2; }
mkdir -p "$OUT"
rm -f "$OUT"/baseline_*.csv "$OUT"/load_*.csv "$OUT"/metrics.txt

echo "== preparing $DB database with $SIZE trainees (reused when already seeded)"
URL=$($PY benchmarks/load/prepare.py --db "$DB" --size "$SIZE" --out "$OUT/data.json" | tail -n 1)

export TALENT_ENV=development TALENT_DATABASE_URL="$URL" TALENT_INSTANCE_PATH="$OUT/instance"
# The secret the database was loaded with (benchmarks/common.py): the report summary's record keys are
# derived from it (talent.reporting.cellkey), and with another secret the summary is not current and
# every ministry page reads the live tables (the runs before session 24 measured that by mistake).
export TALENT_SECRET_KEY="$($PY -c 'import sys; sys.path.insert(0, "benchmarks"); from common import SECRET; print(SECRET)')"
export TALENT_REQUIRE_2FA=false TALENT_RATELIMIT=false TALENT_RATELIMIT_STORAGE="$REDIS"
export TALENT_BENCHMARK_ROUTES=true TALENT_MAIL_SENDER=log TALENT_DB_POOL_SIZE=${TALENT_DB_POOL_SIZE:-5}
# SQLite is for development only; the load test may still be pointed at it.
if [ "$DB" = sqlite ]; then export TALENT_ALLOW_SQLITE=true; fi
# The server's own figures: GET /metrics with this token, summed over the workers through files.
METRICS_TOKEN="load-test-metrics-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')"
export TALENT_METRICS_TOKEN="$METRICS_TOKEN" PROMETHEUS_MULTIPROC_DIR="$OUT/prometheus"
rm -rf "$PROMETHEUS_MULTIPROC_DIR" && mkdir -p "$PROMETHEUS_MULTIPROC_DIR"

# Whether the ministry pages will read the report summary (else the live tables) under this environment.
SUMMARY_CURRENT=$($PY -c 'from talent import create_app
app = create_app({"EMBEDDED_SCHEDULER": False})
with app.app_context():
    from talent.extensions import db
    from talent.reporting import summary
    print("yes" if summary.is_current(db.session, app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Baku")) else "NO: the ministry pages read the live tables")' 2>/dev/null | tail -n 1)
echo "== report summary current for the server: ${SUMMARY_CURRENT:-unknown}"
echo "== gunicorn: $WORKERS $WORKER_CLASS workers x $THREADS threads on 127.0.0.1:$PORT"
.venv/bin/gunicorn -c benchmarks/load/gunicorn_conf.py --workers "$WORKERS" --worker-class "$WORKER_CLASS" \
  --threads "$THREADS" --bind "127.0.0.1:$PORT" --log-level warning --capture-output \
  --error-logfile "$OUT/gunicorn.log" wsgi:app &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/bench/baseline/1" >/dev/null || { echo "server not ready"; exit 1; }

locust_phase() {  # name seconds classes...
  # The measured window (seconds) starts once every user has signed in (locustfile.py, ready());
  # --run-time only caps the whole phase, ramp-up included (RAMP_LIMIT seconds more).
  local name=$1 seconds=$2; shift 2
  TALENT_LOAD_DATA="$OUT/data.json" TALENT_LOAD_MEASURE_SECONDS="$seconds" \
  .venv/bin/locust -f benchmarks/load/locustfile.py --headless \
    --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$((seconds + RAMP_LIMIT))s" \
    --host "http://127.0.0.1:$PORT" --csv "$OUT/$name" --only-summary --loglevel WARNING "$@" \
    > "$OUT/locust_$name.log" 2>&1 || true  # locust exits 1 when any request failed: report.py judges
  [ -s "$OUT/${name}_stats.csv" ] || { echo "locust wrote no statistics ($name): see $OUT/locust_$name.log"; exit 1; }
}

LOAD_BEFORE=$(cut -d' ' -f1 /proc/loadavg)
echo "== phase 1, baseline only: $USERS users, ${BASELINE_DURATION}s (load average before: $LOAD_BEFORE)"
locust_phase baseline "$BASELINE_DURATION" BaselineOnly
echo "== phase 2, mixed workload: $USERS users, ${DURATION}s measured after the sign-ins"
locust_phase load "$DURATION" CenterAdmin Trainee Ministry Verifier Baseline
curl -fs -H "Authorization: Bearer $METRICS_TOKEN" "http://127.0.0.1:$PORT/metrics" > "$OUT/metrics.txt" \
  || echo "(could not scrape /metrics)"

echo "== results ($SIZE trainees, $DB, $WORKERS gunicorn $WORKER_CLASS workers x $THREADS threads, $USERS users;"
echo "   $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'),"
echo "   machine: $(nproc) CPU shared with other work, locust on the same machine;"
echo "   load average before $LOAD_BEFORE, after $(cut -d' ' -f1 /proc/loadavg))"
$PY benchmarks/load/report.py "$OUT/load" --baseline "$OUT/baseline" --metrics "$OUT/metrics.txt" \
  --json "$OUT/report.json"
echo "tracebacks logged by gunicorn: $(grep -c 'Traceback' "$OUT/gunicorn.log" 2>/dev/null || true)"
