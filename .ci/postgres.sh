#!/usr/bin/env bash
# Start/stop a throw-away PostgreSQL server (15 or newer) on 127.0.0.1 for the test suite.
# Usage: postgres.sh start|stop|url
#   PGDATA  data directory, wiped on start unless a server runs in it (default /tmp/kokuchi-ci-pg)
#   PGPORT  port; when unset, the first free port from 54329 up is used. `start` records the port
#           in $PGDATA so that `url` and `stop` find the same server.
#   PGBIN   directory of initdb/pg_ctl (default: the newest /usr/lib/postgresql/*/bin)
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGDATA=${PGDATA:-/tmp/kokuchi-ci-pg}
PORTFILE="$PGDATA/kokuchi-port"
RUNAS=()
if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); fi

port_free() {
  # True when nothing listens on 127.0.0.1:$1 (bash's /dev/tcp connect fails).
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

recorded_port() {
  if [ -n "${PGPORT:-}" ]; then echo "$PGPORT"
  elif [ -f "$PORTFILE" ]; then cat "$PORTFILE"
  else echo 54329
  fi
}

case "${1:-}" in
  start)
    if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
      echo "PostgreSQL server binaries not found (install postgresql)" >&2; exit 1
    fi
    port=${PGPORT:-}
    if [ -z "$port" ]; then
      port=54329
      while ! port_free "$port"; do port=$((port + 1)); done
    elif ! port_free "$port"; then
      echo "Port $port on 127.0.0.1 is already in use; set another PGPORT" >&2; exit 1
    fi
    # Never wipe the directory of a running server (it may belong to another run).
    if [ -f "$PGDATA/postmaster.pid" ] && "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; then
      echo "A PostgreSQL server is running in $PGDATA; stop it or set another PGDATA" >&2; exit 1
    fi
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"
    if [ "$(id -u)" = 0 ]; then chown postgres "$PGDATA"; fi
    "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U kokuchi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    if ! "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
        -o "-h 127.0.0.1 -p $port -k $PGDATA -F -c fsync=off -c full_page_writes=off" start >/dev/null; then
      echo "PostgreSQL did not start; server log:" >&2; cat "$PGDATA/server.log" >&2; exit 1
    fi
    echo "$port" > "$PORTFILE"
    "$PGBIN/createdb" -h 127.0.0.1 -p "$port" -U kokuchi kokuchi
    echo "PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') started on 127.0.0.1:$port ($PGDATA)"
    ;;
  stop)
    if [ -d "$PGDATA" ]; then
      "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null 2>&1 || true
      # Remove only a directory this script created (it holds the port file).
      if [ -f "$PORTFILE" ]; then rm -rf "$PGDATA"; fi
    fi
    ;;
  url)
    echo "postgres://kokuchi@127.0.0.1:$(recorded_port)/kokuchi"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
