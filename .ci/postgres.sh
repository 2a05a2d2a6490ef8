#!/usr/bin/env bash
# Start/stop a throw-away PostgreSQL 15 server on 127.0.0.1 for the test suite.
# Usage: postgres.sh start|stop|url
set -euo pipefail
PGBIN=${PGBIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
PGPORT=${PGPORT:-54329}
PGDATA=${PGDATA:-/tmp/kokuchi-ci-pg}
RUNAS=()
if [ "$(id -u)" = 0 ]; then RUNAS=(runuser -u postgres --); fi

case "${1:-}" in
  start)
    if [ -z "$PGBIN" ] || [ ! -x "$PGBIN/initdb" ]; then
      echo "PostgreSQL server binaries not found (install postgresql)" >&2; exit 1
    fi
    rm -rf "$PGDATA"; mkdir -p "$PGDATA"
    [ "$(id -u)" = 0 ] && chown postgres "$PGDATA"
    "${RUNAS[@]}" "$PGBIN/initdb" -D "$PGDATA" -U kokuchi --auth=trust -E UTF8 --locale=C.UTF-8 >/dev/null
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w \
      -o "-h 127.0.0.1 -p $PGPORT -k $PGDATA -F -c fsync=off -c full_page_writes=off" start >/dev/null
    "$PGBIN/createdb" -h 127.0.0.1 -p "$PGPORT" -U kokuchi kokuchi
    echo "PostgreSQL started on 127.0.0.1:$PGPORT"
    ;;
  stop)
    "${RUNAS[@]}" "$PGBIN/pg_ctl" -D "$PGDATA" -m fast stop >/dev/null 2>&1 || true
    ;;
  url)
    echo "postgres://kokuchi@127.0.0.1:$PGPORT/kokuchi"
    ;;
  *) echo "usage: $0 start|stop|url" >&2; exit 2 ;;
esac
