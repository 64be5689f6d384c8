#!/bin/bash
# The part of the official postgres image's docker-entrypoint.sh that the chart relies on:
# on an empty PGDATA, initdb as POSTGRES_USER with POSTGRES_PASSWORD (scram-sha-256 over
# TCP, trust on the local socket), create POSTGRES_DB, run /docker-entrypoint-initdb.d/*;
# then the server, listening on every address. Writes only to PGDATA, the socket folder
# and /tmp, so it runs with a read-only root file system.
set -euo pipefail

if [[ ${1:-} != postgres ]]; then
  exec "$@"
fi

: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"

sql_ident() { printf '"%s"' "${1//\"/\"\"}"; }

init_database() {
  if [[ -z ${POSTGRES_PASSWORD:-} && ${POSTGRES_HOST_AUTH_METHOD:-} != trust ]]; then
    echo "PGDATA is empty and POSTGRES_PASSWORD is not set (or POSTGRES_HOST_AUTH_METHOD=trust)" >&2
    exit 1
  fi
  mkdir -p "$PGDATA"
  chmod 700 "$PGDATA"
  initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\n' "${POSTGRES_PASSWORD:-}") \
    --encoding=UTF8 --locale=C.UTF-8 --auth-local=trust \
    --auth-host="${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" ${POSTGRES_INITDB_ARGS:-}
  printf 'host all all all %s\n' "${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >>"$PGDATA/pg_hba.conf"

  # A first start on the socket only, for the database and the init scripts.
  pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
  local psql=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres)
  if [[ $POSTGRES_DB != postgres ]]; then
    "${psql[@]}" -c "CREATE DATABASE $(sql_ident "$POSTGRES_DB")"
  fi
  for f in /docker-entrypoint-initdb.d/*; do
    case $f in
      *.sh) . "$f" ;;
      *.sql) "${psql[@]}" --dbname "$POSTGRES_DB" -f "$f" ;;
      *.sql.gz) gunzip -c "$f" | "${psql[@]}" --dbname "$POSTGRES_DB" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w stop
}

if [[ ! -s $PGDATA/PG_VERSION ]]; then
  init_database
fi

shift
exec postgres -D "$PGDATA" -c listen_addresses='*' "$@"
