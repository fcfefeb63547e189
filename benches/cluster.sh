#!/usr/bin/env bash
# Several instances on one PostgreSQL, and serving from it, side by side with SQLite.
#
#   benches/cluster.sh                     # 10,000 sections x 20 entries, 1, 2 and 3 instances
#   SECTIONS=1000 INSTANCES="1 3" benches/cluster.sh
#   SKIP_BUILD=1 benches/cluster.sh        # the binaries already in target/release
#                                          # ($CARGO_TARGET_DIR/release when set)
#
# 1. Scraping. For each instance count N: a fresh PostgreSQL database filled with SECTIONS x
#    ENTRIES entries (examples/fill_store, URLs those of the load origin), then N `serve`
#    instances sharing it, on the load origin's HOSTS hosts (127.0.0.1 … 127.0.0.HOSTS: per-host
#    politeness holds cluster-wide, so one host would cap any cluster at one request at a
#    time). Every section is due at start; the listing of each names 20 stored articles, so a
#    scrape is: claim, listing request, known-entries check, save, run record, release. Timed
#    from the first run's start to the last run's end (from the shared `runs` table):
#    scrapes per minute. With it: the database server's CPU time (its processes' utime+stime
#    from /proc) and the statements it ran (pg_stat_statements), per scrape.
# 2. Serving. The N = 1 instance once its round is done (store warm, nothing due), against an
#    SQLite instance of the same config and entries, also done: wrk on one section feed,
#    ROUNDS alternating rounds; median requests/s of each and the ratio PostgreSQL/SQLite.
#
# Everything on 127.0.0.1, in a throwaway PostgreSQL cluster (tests/pg/cluster.sh); every
# process started here is stopped on exit.
set -euo pipefail

SECTIONS=${SECTIONS:-10000}
ENTRIES=${ENTRIES:-20}
HOSTS=${HOSTS:-20}
INSTANCES=${INSTANCES:-1 2 3}
CONCURRENCY=${CONCURRENCY:-4}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
FEED=${FEED:-section-500.rss}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
for tool in wrk curl psql; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y wrk curl postgresql-client" >&2; exit 1; }
done
if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release --quiet --bin scrapefeed --example load_origin --example fill_store
fi
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/scrapefeed
ORIGIN=$TARGET/release/examples/load_origin
FILL=$TARGET/release/examples/fill_store
WORK=$(mktemp -d /tmp/scrapefeed-cluster-bench.XXXXXX)
# Apart from WORK: the cluster runs as the `postgres` user, who may not enter WORK.
PGDIR=$(mktemp -d /tmp/scrapefeed-cluster-bench-pg.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    tests/pg/cluster.sh stop "$PGDIR" || true
    rm -rf "$WORK" "$PGDIR"
}
trap cleanup EXIT
export RUST_LOG=${RUST_LOG:-warn}
say() { printf '%s\n' "$*"; }
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print(f"{statistics.median(v):.1f}")' "$@"; }

PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track=all" \
    tests/pg/cluster.sh start "$PGDIR"
# shellcheck disable=SC1091
source "$PGDIR/env"
ADMIN=$SCRAPEFEED_TEST_DATABASE_URL
db_url() { printf '%s' "${ADMIN%/postgres}/$1"; }
psql_q() { psql -X -q -At "$@"; }
pg_ticks() { # utime+stime of the PostgreSQL server: its postmaster and every backend, in clock ticks
    local total=0 pid pm
    pm=$(head -n 1 "$PGDIR/data/postmaster.pid")
    for pid in "$pm" $(pgrep -P "$pm" || true); do
        [ -r "/proc/$pid/stat" ] || continue
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
    done
    echo "$total"
}

"$ORIGIN" --sections "$SECTIONS" --articles "$ENTRIES" --hosts "$HOSTS" >"$WORK/origin.out" 2>"$WORK/origin.err" &
PIDS+=($!)
PORT=""
for _ in $(seq 1200); do
    PORT=$(sed -n 's#^http://127.0.0.1:\([0-9]*\)$#\1#p' "$WORK/origin.out" | head -n 1)
    [ -n "$PORT" ] && break
    sleep 0.1
done
[ -n "$PORT" ] || { echo "the load origin did not start: $(cat "$WORK/origin.err")" >&2; exit 1; }
say "load origin on 127.0.0.1-$HOSTS:$PORT, $SECTIONS sections x $ENTRIES articles"

serve_addr() { # the address a serve log announces
    sed -n 's/.*serving feeds.*addr=\([0-9.:]*\).*/\1/p' "$1" | head -n 1
}
start_serve() { # config, log file: starts one instance; sets ADDR to its address
    RUST_LOG=info "$BIN" --config "$1" serve --listen 127.0.0.1:0 >/dev/null 2>"$2" &
    PIDS+=($!)
    ADDR=""
    for _ in $(seq 600); do
        ADDR=$(serve_addr "$2")
        [ -n "$ADDR" ] && return
        sleep 0.1
    done
    echo "serve did not start: $(tail -5 "$2")" >&2
    exit 1
}

PG_SERVE=""
for n in $INSTANCES; do
    db=bench_$n
    psql_q "$ADMIN" -c "CREATE DATABASE $db"
    url=$(db_url "$db")
    "$ORIGIN" --sections "$SECTIONS" --articles "$ENTRIES" --hosts "$HOSTS" --port "$PORT" \
        --print-config --database "$url" --no-feed-files --interval 1h --jitter 0 \
        --concurrency "$CONCURRENCY" >"$WORK/pg$n.toml"
    fill_started=$(date +%s.%N)
    "$FILL" --database "$url" --sections "$SECTIONS" --entries "$ENTRIES" --body-bytes 1500 \
        --origin-port "$PORT" --hosts "$HOSTS" 2>"$WORK/fill$n.err"
    fill_s=$(python3 -c "import time; print(f'{time.time() - $fill_started:.1f}')")
    psql_q "$url" -c "CREATE EXTENSION IF NOT EXISTS pg_stat_statements"
    psql_q "$url" -c "SELECT pg_stat_statements_reset()" >/dev/null
    ticks_before=$(pg_ticks)
    addrs=()
    for i in $(seq "$n"); do
        start_serve "$WORK/pg$n.toml" "$WORK/pg$n.$i.log"
        addrs+=("$ADDR")
    done
    for _ in $(seq 3600); do
        runs=$(psql_q "$url" -c "SELECT count(*) FROM runs" 2>/dev/null || echo 0)
        [ "$runs" -ge "$SECTIONS" ] && break
        sleep 1
    done
    ticks_after=$(pg_ticks)
    span=$(psql_q "$url" -c "SELECT extract(epoch FROM max(started::timestamptz + duration_ms * interval '1 millisecond') - min(started::timestamptz)) FROM runs")
    failed=$(psql_q "$url" -c "SELECT count(*) FROM runs WHERE error IS NOT NULL")
    statements=$(psql_q "$url" -c "SELECT sum(calls) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = '$db'")
    hz=$(getconf CLK_TCK)
    python3 - "$n" "$runs" "$span" "$failed" "$statements" "$ticks_before" "$ticks_after" "$hz" "$fill_s" <<'PY'
import sys
n, runs, span, failed, statements, t0, t1, hz, fill = sys.argv[1:]
runs, span, statements = int(runs), float(span), int(statements or 0)
cpu = (int(t1) - int(t0)) / int(hz)
print(f"{n} instance(s): {runs} scrapes ({failed} failed) in {span:.1f} s = {runs / span * 60:,.0f} scrapes/min; "
      f"PostgreSQL CPU {cpu:.1f} s ({cpu / runs * 1000:.2f} ms/scrape); {statements / runs:.1f} statements/scrape "
      f"(fill {fill} s)")
PY
    if [ "$n" = 1 ]; then
        PG_SERVE=${addrs[0]}
    else
        for pid in "${PIDS[@]: -$n}"; do kill "$pid" 2>/dev/null || true; done
    fi
done

if [ -n "$PG_SERVE" ]; then
    "$ORIGIN" --sections "$SECTIONS" --articles "$ENTRIES" --hosts "$HOSTS" --port "$PORT" \
        --print-config --data-dir "$WORK/sqlite" --interval 1h --jitter 0 \
        --concurrency "$CONCURRENCY" >"$WORK/sqlite.toml"
    mkdir -p "$WORK/sqlite"
    "$FILL" --database "$WORK/sqlite/scrapefeed.db" --sections "$SECTIONS" --entries "$ENTRIES" \
        --body-bytes 1500 --origin-port "$PORT" --hosts "$HOSTS" 2>/dev/null
    start_serve "$WORK/sqlite.toml" "$WORK/sqlite.log"
    SQLITE_SERVE=$ADDR
    say "waiting for the SQLite instance's round of $SECTIONS scrapes"
    for _ in $(seq 3600); do
        done_count=$(curl -s "http://$SQLITE_SERVE/healthz" | python3 -c 'import json,sys; h=json.load(sys.stdin); print(sum(1 for s in h["sections"].values() if s["last_success"]))' 2>/dev/null || echo 0)
        [ "$done_count" -ge "$SECTIONS" ] && break
        sleep 2
    done
    curl -s -o /dev/null "http://$SQLITE_SERVE/feeds/$FEED"
    curl -s -o /dev/null "http://$PG_SERVE/feeds/$FEED"
    cmp <(curl -s "http://$SQLITE_SERVE/feeds/$FEED") <(curl -s "http://$PG_SERVE/feeds/$FEED") \
        && say "both serve the same $FEED bytes"
    sqlite_rps=() pg_rps=()
    for round in $(seq "$ROUNDS"); do
        order="sqlite pg"
        [ $((round % 2)) = 0 ] && order="pg sqlite"
        for which in $order; do
            addr=$SQLITE_SERVE
            [ "$which" = pg ] && addr=$PG_SERVE
            rps=$(wrk -t2 -c32 -d"$DURATION" "http://$addr/feeds/$FEED" | awk '/Requests\/sec/ {print $2}')
            say "round $round $which: $rps requests/s"
            if [ "$which" = pg ]; then pg_rps+=("$rps"); else sqlite_rps+=("$rps"); fi
        done
    done
    s=$(median "${sqlite_rps[@]}")
    p=$(median "${pg_rps[@]}")
    say "serving $FEED: SQLite median $s requests/s, PostgreSQL median $p requests/s, ratio $(python3 -c "print(f'{$p / $s:.2f}')")x"
fi
