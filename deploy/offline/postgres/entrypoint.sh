#!/bin/sh
# The official postgres image's first start, for the variables
# deploy/compose.yaml passes: POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB.
set -eu
if [ "${1#-}" != "$1" ]; then
    set -- postgres "$@"
fi
if [ "$1" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_PASSWORD:?POSTGRES_PASSWORD is not set}"
    user=${POSTGRES_USER:-postgres}
    db=${POSTGRES_DB:-$user}
    pwfile=$(mktemp)
    printf '%s\n' "$POSTGRES_PASSWORD" > "$pwfile"
    initdb --username="$user" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host=scram-sha-256
    rm -f "$pwfile"
    # Other containers of the compose network connect with the password.
    echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
    echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
    if [ "$db" != postgres ]; then
        pg_ctl -D "$PGDATA" -o "-c listen_addresses=''" -w start
        createdb --username="$user" --owner="$user" "$db"
        pg_ctl -D "$PGDATA" -m fast -w stop
    fi
fi
if [ "$1" = postgres ]; then
    shift
    set -- postgres -D "$PGDATA" "$@"
fi
exec "$@"
