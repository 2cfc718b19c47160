#!/bin/sh
# A streaming replica of pg-primary: copied with pg_basebackup -R -X stream on first start, then
# PostgreSQL in hot standby (the same settings as `make cluster`'s replicas).
set -e
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  until pg_basebackup -h pg-primary -U postgres -D "$PGDATA" -R -X stream --checkpoint=fast; do
    echo "waiting for pg-primary"; sleep 1
  done
  chmod 700 "$PGDATA"
fi
exec postgres -c hot_standby=on -c hot_standby_feedback=on -c max_standby_streaming_delay=5s
