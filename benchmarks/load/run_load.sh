#!/usr/bin/env bash
# The load test: gunicorn (4 workers, gthread, 4 threads each) on PostgreSQL with the demo at SIZE trainees, and locust
# in headless mode — 50 concurrent users, 60 seconds, the mixed workload of locustfile.py — then the
# table of benchmarks/load/report.py.
#
#   benchmarks/load/run_load.sh                       # 1,000,000 trainees on PostgreSQL
#   SIZE=100000 USERS=50 DURATION=60s benchmarks/load/run_load.sh
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
DURATION=${DURATION:-60s}
WORKERS=${WORKERS:-4}
WORKER_CLASS=${WORKER_CLASS:-gthread}
THREADS=${THREADS:-4}
PORT=${PORT:-8765}
REDIS=${REDIS:-redis://127.0.0.1:6379/15}
OUT=${OUT:-/tmp/talent-load}
mkdir -p "$OUT"

echo "== preparing $DB database with $SIZE trainees (reused when already seeded)"
URL=$($PY benchmarks/load/prepare.py --db "$DB" --size "$SIZE" --out "$OUT/data.json" | tail -n 1)

export TALENT_ENV=development TALENT_DATABASE_URL="$URL" TALENT_INSTANCE_PATH="$OUT/instance"
export TALENT_SECRET_KEY="load-test-secret-key-xxxxxxxxxxxxxxxxxxxxxxxxxxxx"
export TALENT_REQUIRE_2FA=false TALENT_RATELIMIT=false TALENT_RATELIMIT_STORAGE="$REDIS"
export TALENT_BENCHMARK_ROUTES=true TALENT_MAIL_SENDER=log TALENT_DB_POOL_SIZE=${TALENT_DB_POOL_SIZE:-5}

echo "== gunicorn: $WORKERS $WORKER_CLASS workers x $THREADS threads on 127.0.0.1:$PORT"
.venv/bin/gunicorn --workers "$WORKERS" --worker-class "$WORKER_CLASS" --threads "$THREADS" \
  --bind "127.0.0.1:$PORT" --log-level warning \
  --error-logfile "$OUT/gunicorn.log" wsgi:app &
GUNICORN=$!
trap 'kill $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true' EXIT
for _ in $(seq 1 60); do
  curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.5
done
curl -fs "http://127.0.0.1:$PORT/bench/baseline/1" >/dev/null || { echo "server not ready"; exit 1; }

echo "== locust: $USERS users, $DURATION (load average before: $(cut -d' ' -f1 /proc/loadavg))"
TALENT_LOAD_DATA="$OUT/data.json" .venv/bin/locust -f benchmarks/load/locustfile.py --headless \
  --users "$USERS" --spawn-rate "$SPAWN_RATE" --run-time "$DURATION" --host "http://127.0.0.1:$PORT" \
  --csv "$OUT/load" --only-summary --loglevel WARNING > "$OUT/locust.log" 2>&1 || true

echo "== results ($SIZE trainees, $DB, $WORKERS gunicorn $WORKER_CLASS workers x $THREADS threads, $USERS users, $DURATION;"
echo "   machine: $(nproc) CPU, locust on the same machine, load average after: $(cut -d' ' -f1 /proc/loadavg))"
$PY benchmarks/load/report.py "$OUT/load"
grep -c " 500 \|Traceback" "$OUT/gunicorn.log" 2>/dev/null | sed 's/^/server errors logged by gunicorn: /' || true
