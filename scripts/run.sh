#!/usr/bin/env bash
# Start the gateway (web server + RQ worker) on the embedded default; Ctrl-C stops everything.
# A dead RQ worker is restarted (a note goes to the log); the web server is never stopped for it.
#
# WEB_SERVER picks the WSGI server: granian (default; see README "Performance"), gthread or sync
# (gunicorn). WEB_WORKERS defaults to one process per core; WEB_THREADS is the threads per process
# (granian blocking threads / gunicorn gthread threads; 4 measured ahead of 1 and 2, README
# "Performance"). GC_FREEZE=1 makes wsgi.py call gc.freeze() after start-up (off by default: it
# did not win repeatably). ACCESS_LOG=1 logs every request; it is off because every hop is already
# logged (with its time in ms) to the session log. WSGI_APP serves
# another app (the benchmark's bare endpoint); RQ_WORKERS starts more than one worker. On Ctrl-C every
# process gets STOP_GRACE_SECONDS (default 15) to finish what it is doing before it is killed.
set -euo pipefail
set -m  # job control: background jobs keep SIGINT (else granian ignores it and cannot stop its workers)
cd "$(dirname "$0")/.."
PORT="${PORT:-8000}"
HOST="${HOST:-127.0.0.1}"
BIN="${BIN:-.venv/bin}"
WEB_SERVER="${WEB_SERVER:-granian}"
WEB_WORKERS="${WEB_WORKERS:-$(nproc)}"
WEB_THREADS="${WEB_THREADS:-}"
WSGI_APP="${WSGI_APP:-wsgi:app}"
RQ_WORKERS="${RQ_WORKERS:-1}"
STOP_GRACE_SECONDS="${STOP_GRACE_SECONDS:-15}"
RESTART_DELAY_SECONDS="${RESTART_DELAY_SECONDS:-1}"
started_redis=""
if [ -z "${REDIS_URL:-}" ]; then
  REDIS_URL=$($BIN/python -c 'from gateway.core.redis_store import start_embedded; from config.settings import INSTANCE; print(start_embedded(INSTANCE / "redis"))')
  started_redis=yes
fi
export REDIS_URL
pids=()
running() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}
stop() {
  trap - INT TERM EXIT
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # A process that does not stop within the grace period (say a web worker that was still starting
  # when Ctrl-C came) is killed with its whole process group: set -m gives each job a group of its own.
  for _ in $(seq "$((STOP_GRACE_SECONDS * 10))"); do running || break; sleep 0.1; done
  for pid in "${pids[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$started_redis" ]; then
    $BIN/python -c 'from gateway.core.redis_store import stop_embedded; from config.settings import INSTANCE; stop_embedded(INSTANCE / "redis")'
  fi
  echo "Bodega stopped."
}
trap stop INT TERM EXIT
case "$WEB_SERVER" in
  granian)
    log_flag=(); [ "${ACCESS_LOG:-0}" = 1 ] && log_flag=(--access-log)
    $BIN/granian --interface wsgi --host "$HOST" --port "$PORT" --workers "$WEB_WORKERS" \
      --blocking-threads "${WEB_THREADS:-4}" --backlog 2048 \
      --workers-kill-timeout 10 "${log_flag[@]}" "$WSGI_APP" &
    ;;
  gthread|sync)
    log_flag=(); [ "${ACCESS_LOG:-0}" = 1 ] && log_flag=(--access-logfile -)
    threads="${WEB_THREADS:-4}"; [ "$WEB_SERVER" = sync ] && threads=1  # >1 would turn sync into gthread
    $BIN/gunicorn --bind "$HOST:$PORT" --workers "$WEB_WORKERS" --threads "$threads" \
      --worker-class "$WEB_SERVER" --backlog 2048 "${log_flag[@]}" "$WSGI_APP" &
    ;;
  *)
    echo "WEB_SERVER must be granian, gthread or sync (got $WEB_SERVER)" >&2
    exit 2
    ;;
esac
pids+=($!)
# Each RQ worker runs under a small supervisor: a worker that dies (kill -9, out of memory) is
# started again after RESTART_DELAY_SECONDS with a note in the log, and the web server keeps
# serving meanwhile. On Ctrl-C the supervisor gets TERM from stop(), passes it to its worker and
# waits for it (RQ finishes the job at hand). In production systemd does this (Restart=always).
supervise_worker() {
  local child="" status
  trap 'trap - TERM INT; [ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM INT
  while :; do
    $BIN/python -m gateway.jobs.worker &
    child=$!
    status=0
    wait "$child" || status=$?
    echo "run.sh: RQ worker $child exited (status $status); restarting it in ${RESTART_DELAY_SECONDS}s" >&2
    sleep "$RESTART_DELAY_SECONDS" &
    wait $! || true
  done
}
for _ in $(seq "$RQ_WORKERS"); do
  supervise_worker &
  pids+=($!)
done
cat <<MSG

  Bodega is running ($WEB_SERVER, $WEB_WORKERS web processes, $RQ_WORKERS RQ worker(s)).
    USSD webhook (AT):   POST http://${HOST}:${PORT}/hooks/africastalking/ussd
    Phone simulator:     http://${HOST}:${PORT}/simulator
    Admin console:       http://${HOST}:${PORT}/admin/
    Health:              http://${HOST}:${PORT}/healthz
    Terminal handset:    make dial   (in another terminal)
  Ctrl-C stops everything.

MSG
wait -n "${pids[@]}"
