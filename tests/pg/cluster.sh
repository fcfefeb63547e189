#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the tests (Debian's `postgresql` package).
#
#   tests/pg/cluster.sh start DIR     initdb in DIR, start it on a free port of 127.0.0.1 and
#                                     a Unix socket in DIR; writes DIR/env (see below)
#   tests/pg/cluster.sh restart DIR   stops it (fast: committed work stays) and starts it again
#   tests/pg/cluster.sh stop DIR      stops it; DIR can then be removed
#
# DIR/env holds the lines to `source` (what .ci/run exports for the tests):
#   SCRAPEFEED_TEST_DATABASE_URL  a superuser URL with its password (tests create and drop
#                                 one database each through it)
#   SCRAPEFEED_TEST_PG_DIR        DIR, so a test can restart the server (tests/cluster.rs)
#
# PG_OPTIONS adds server options at start (benches/cluster.sh loads pg_stat_statements).
#
# initdb refuses to run as root: as root, the cluster runs as the `postgres` user the package
# creates. Password authentication over TCP (scram-sha-256), so a wrong password is a real
# error a test can provoke. fsync is off: the cluster is thrown away, and a fast restart
# still writes every committed change out before stopping.
set -euo pipefail

command=${1:?usage: cluster.sh start|restart|stop DIR}
dir=${2:?usage: cluster.sh start|restart|stop DIR}
password=scrapefeed-test

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bin" ] || { echo "cluster.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

pg_start() {
    local port
    for _ in $(seq 1 20); do
        port=$((20000 + RANDOM % 30000))
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
            -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c full_page_writes=off ${PG_OPTIONS:-}" \
            start >/dev/null; then
            {
                echo "SCRAPEFEED_TEST_DATABASE_URL=postgres://postgres:$password@127.0.0.1:$port/postgres"
                echo "SCRAPEFEED_TEST_PG_DIR=$dir"
            } >"$dir/env"
            echo "$port" >"$dir/port"
            return 0
        fi
    done
    echo "cluster.sh: cannot start PostgreSQL; its log:" >&2
    cat "$dir/log" >&2 || true
    return 1
}

case $command in
start)
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    as_owner bash -c "printf '%s\n' '$password' >'$dir/pw' && \
        '$bin/initdb' -D '$dir/data' -U postgres --pwfile='$dir/pw' \
        --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >'$dir/initdb.log'"
    pg_start
    ;;
restart)
    port=$(cat "$dir/port")
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/log" -w -t 30 \
        -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c full_page_writes=off ${PG_OPTIONS:-}" \
        start >/dev/null
    ;;
stop)
    as_owner "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    ;;
*)
    echo "usage: cluster.sh start|restart|stop DIR" >&2
    exit 2
    ;;
esac
