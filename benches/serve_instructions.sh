#!/usr/bin/env bash
# Instructions `serve` spends per `304`, counted by callgrind: repeatable whatever else the
# machine does, so a change of a few per cent on the hot path shows (benches/serve_cost.sh,
# timing CPU, cannot resolve that on a shared 2-core machine).
#
#   benches/serve_instructions.sh [BIN...]      # default: the release binary built here
#   N=3000 FEED=all.rss benches/serve_instructions.sh /tmp/before/scrapefeed target/release/scrapefeed
#
# For each binary: scrapes the TASS copy once into a directory, points the site at a closed
# port (so the start-up scrape fails at once instead of working during the count), then runs
# `serve` under callgrind twice — answering N keep-alive `If-None-Match` requests for FEED, and
# answering none — and prints (total − baseline) / N. Needs valgrind and python3.
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
N=${N:-3000}
FEED=${FEED:-all.rss}
cargo build --release --quiet --example tass_origin --bin scrapefeed
TARGET=${CARGO_TARGET_DIR:-target}
BINS=("$@")
[[ ${#BINS[@]} -gt 0 ]] || BINS=("$TARGET/release/scrapefeed")
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
"$TARGET"/release/examples/tass_origin >"$WORK/origin.txt" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s $WORK/origin.txt ]] && break; sleep 0.1; done
BASE=$(head -1 "$WORK/origin.txt")

cat >"$WORK/requests.py" <<'PY'
import http.client, sys
port, feed, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
c.request("GET", "/feeds/" + feed)
r = c.getresponse(); r.read(); etag = r.getheader("ETag")
assert r.status == 200, r.status
for _ in range(n):
    c.request("GET", "/feeds/" + feed, headers={"If-None-Match": etag})
    r = c.getresponse(); r.read()
    assert r.status == 304, r.status
PY

# count BIN DIR REQUESTS: callgrind's total for one `serve` run answering REQUESTS 304s.
count() {
    local dir=$WORK/run.$RANDOM log
    cp -r "$2" "$dir"
    log=$dir/log
    valgrind --tool=callgrind --callgrind-out-file="$dir/cg" "$1" --config "$dir/config.toml" \
        serve --listen 127.0.0.1:0 >/dev/null 2>"$log" &
    local pid=$!
    PIDS+=("$pid")
    for _ in $(seq 900); do grep -q "serving feeds" "$log" && break; sleep 0.2; done
    local port
    port=$(sed 's/\x1b\[[0-9;]*m//g' "$log" | sed -n 's/.*serving feeds.*addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' | head -1)
    sleep 3 # the start-up scrape fails and settles
    python3 "$WORK/requests.py" "$port" "$FEED" "$3"
    kill -TERM "$pid"
    wait "$pid" || true
    grep Collected "$log" | awk '{print $4}'
}

for bin in "${BINS[@]}"; do
    site=$WORK/site.$RANDOM
    mkdir -p "$site"
    sed "s#https://tass.com#$BASE#; s#min_delay = \"500ms\"#min_delay = \"0ms\"#" config.toml >"$site/config.toml"
    SCRAPEFEED_NOW=2026-06-14T12:00:00Z RUST_LOG=warn "$bin" --config "$site/config.toml" scrape 2>/dev/null
    sed -i "s#$BASE#http://127.0.0.1:9#" "$site/config.toml"
    none=$(count "$bin" "$site" 0)
    some=$(count "$bin" "$site" "$N")
    python3 -c "print(f'$bin: {($some - $none) / $N:,.0f} instructions per 304 ({$none:,} at rest, {$some:,} with $N)')"
done
