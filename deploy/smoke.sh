#!/usr/bin/env bash
# Smoke test of a production setup without containers: the processes of deploy/systemd (web server,
# task worker, scheduler) started on this machine against PostgreSQL, with DEBUG off.
# Checks that they serve (/healthz, static files, login page), that the worker runs the scheduler's
# tasks (/readyz), then a backup restored into a second database passes `kokuchi evidence verify`.
# Usage: deploy/smoke.sh            (starts a throw-away PostgreSQL with .ci/postgres.sh)
#        DATABASE_URL=postgres://… deploy/smoke.sh   (an existing, empty database)
# Everything it starts is stopped at the end; its files are in a temporary directory.
set -euo pipefail
cd "$(dirname "$0")/.."
KOKUCHI="${KOKUCHI:-$PWD/.venv/bin/kokuchi}"
work="$(mktemp -d "${TMPDIR:-/tmp}/kokuchi-smoke.XXXXXX")"
chmod 755 "$work"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ -n "${own_pg:-}" ]; then PGDATA="$work/pg" bash .ci/postgres.sh stop; fi
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

if [ -z "${DATABASE_URL:-}" ]; then
  own_pg=1
  export PGDATA="$work/pg" PGPORT="$(free_port)"
  bash .ci/postgres.sh start
  DATABASE_URL="$(bash .ci/postgres.sh url)"
  "$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)/createdb" -h 127.0.0.1 -p "$PGPORT" -U kokuchi kokuchi_restored
  RESTORE_URL="${DATABASE_URL%/*}/kokuchi_restored"
  unset PGDATA PGPORT
fi
port="$(free_port)"
set -a
DATABASE_URL="$DATABASE_URL"
KOKUCHI_DATA_DIR="$work/data"
KOKUCHI_SECRET_KEY="$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')"
KOKUCHI_BIND="127.0.0.1:$port"
KOKUCHI_WEB_WORKERS=2
KOKUCHI_SITE_URL="http://127.0.0.1:$port"
KOKUCHI_SECURE_COOKIES=0
KOKUCHI_EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
KOKUCHI_EMAIL_FILE_PATH="$work/mail"
# No network here: the feeds are never synced, so their freshness is not part of readiness.
KOKUCHI_READY_FEED_MAX_AGE=0
set +a
unset KOKUCHI_DEBUG

echo "== migrate, collectstatic, demo data (no public demo logins)"
"$KOKUCHI" migrate --noinput --verbosity 0
"$KOKUCHI" collectstatic --noinput --verbosity 0
"$KOKUCHI" demo --no-users >/dev/null

echo "== start web ($KOKUCHI_WEB_WORKERS workers on $KOKUCHI_BIND), worker, scheduler"
"$KOKUCHI" serve >"$work/web.log" 2>&1 & pids+=($!)
"$KOKUCHI" db_worker --interval 0.5 >"$work/worker.log" 2>&1 & pids+=($!)
# Every job but the online feed sync (no network here).
"$KOKUCHI" scheduler --interval 2 --job heartbeat --job send_notices --job match --job evidence_checkpoint \
  --job ack_reminders \
  >"$work/scheduler.log" 2>&1 & pids+=($!)

base="http://127.0.0.1:$port"
for _ in $(seq 1 60); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 1; done
echo "healthz: $(curl -fsS "$base/healthz")"
css="$(curl -fsS "$base/accounts/login/" | grep -o '/static/kokuchi/kokuchi\.[0-9a-f]*\.css' | head -n 1)"
test -n "$css"
echo "static: $css $(curl -fsS -o /dev/null -w '%{http_code} %{content_type}' "$base$css")"
ready=""
for _ in $(seq 1 60); do
  if ready="$(curl -fsS "$base/readyz" 2>/dev/null)"; then break; fi
  ready=""; sleep 1
done
if [ -z "$ready" ]; then
  echo "readyz never became ready: $(curl -sS "$base/readyz")" >&2
  tail -n 30 "$work/worker.log" "$work/scheduler.log" >&2
  exit 1
fi
echo "readyz: $ready"
"$KOKUCHI" shell --no-imports -c '
from django_tasks_db.models import DBTaskResult
from kokuchi.operations.models import ScheduledRun
done = DBTaskResult.objects.filter(status="SUCCESSFUL").count()
print(f"tasks run by the worker: {done}; scheduled runs: " + ", ".join(sorted(ScheduledRun.objects.values_list("job", flat=True))))
assert done >= 1
'

if [ -n "${RESTORE_URL:-}" ]; then
  echo "== backup, restore into a new database and data directory, verify the evidence"
  "$KOKUCHI" backup --output "$work/backup.tar.gz"
  DATABASE_URL="$RESTORE_URL" KOKUCHI_DATA_DIR="$work/restored" "$KOKUCHI" restore "$work/backup.tar.gz"
  DATABASE_URL="$RESTORE_URL" KOKUCHI_DATA_DIR="$work/restored" "$KOKUCHI" evidence verify
fi
echo "== smoke test passed"
