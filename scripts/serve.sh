#!/usr/bin/env bash
# Serve gridgov: the django-tasks worker (deadline sweeps, indicator rollups, webhook deliveries) in the background,
# gunicorn in front.
set -euo pipefail
BIN=${BIN:-.venv/bin}
PORT=${PORT:-8000}
WORKERS=${WORKERS:-3}
"$BIN/python" manage.py db_worker --no-startup-delay >>var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
"$BIN/python" manage.py sweep_deadlines --enqueue >/dev/null
"$BIN/python" manage.py update_rollups --enqueue >/dev/null
"$BIN/python" manage.py deliver_webhooks --enqueue >/dev/null
"$BIN/python" manage.py detect_warnings --enqueue >/dev/null
"$BIN/gunicorn" gridgov.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --access-logfile - --log-level warning
