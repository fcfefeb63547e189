#!/usr/bin/env bash
# A slowloris against `serve`: N connections that send nothing, half a request head, or a
# head one byte at a time (examples/slowloris.rs), while a real client fetches a feed every
# 100 ms on a fresh connection. Prints whether the slow ones were closed by the header
# timeout, when, and how the real client fared meanwhile.
#
#   benches/slowloris.sh                          # 2000 connections, header_timeout 10s
#   N=5000 HEADER_TIMEOUT=5s benches/slowloris.sh
#   SOFT_LIMIT=256 benches/slowloris.sh           # start serve with a low `ulimit -Sn`
#   SCRAPEFEED=/tmp/before/scrapefeed HEADER_TIMEOUT= WAIT=15 benches/slowloris.sh
#                                                 # a prebuilt binary without the key
#
# A debug build is enough: the figures are about who is served, not how fast. Everything
# runs on 127.0.0.1 against the local TASS copy (examples/tass_origin).
set -euo pipefail
shopt -s inherit_errexit
cd "$(dirname "$0")/.."
N=${N:-2000}
HEADER_TIMEOUT=${HEADER_TIMEOUT-10s}
SOFT_LIMIT=${SOFT_LIMIT:-}
WAIT=${WAIT:-120}
cargo build --quiet --example tass_origin --example slowloris --bin scrapefeed
TARGET=${CARGO_TARGET_DIR:-target}
SCRAPEFEED=${SCRAPEFEED:-$TARGET/debug/scrapefeed}
WORK=$(mktemp -d)
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT
# The client side holds N sockets too.
ulimit -n "$(ulimit -Hn)"
"$TARGET"/debug/examples/tass_origin >"$WORK/origin.txt" &
PIDS+=($!)
for _ in $(seq 100); do [[ -s $WORK/origin.txt ]] && break; sleep 0.1; done
BASE=$(head -1 "$WORK/origin.txt")
sed "s#https://tass.com#$BASE#; s#min_delay = \"500ms\"#min_delay = \"0ms\"#" config.toml >"$WORK/config.toml"
[[ -z $HEADER_TIMEOUT ]] || sed -i "s#^listen = .*#&\nheader_timeout = \"$HEADER_TIMEOUT\"#" "$WORK/config.toml"
RUST_LOG=warn "$SCRAPEFEED" --config "$WORK/config.toml" scrape 2>/dev/null
(
    [[ -z $SOFT_LIMIT ]] || ulimit -Sn "$SOFT_LIMIT"
    exec "$SCRAPEFEED" --config "$WORK/config.toml" serve --listen 127.0.0.1:0
) >/dev/null 2>"$WORK/log" &
PIDS+=($!)
for _ in $(seq 300); do grep -q "serving feeds" "$WORK/log" && break; sleep 0.1; done
sed 's/\x1b\[[0-9;]*m//g' "$WORK/log" | grep -E "open-files limit|serving feeds"
ADDR=$(sed 's/\x1b\[[0-9;]*m//g' "$WORK/log" | sed -n 's/.*serving feeds.*addr=\([0-9.:]*\).*/\1/p' | head -1)
"$TARGET"/debug/examples/slowloris "$ADDR" --connections "$N" --path /feeds/all.rss --wait "$WAIT"
echo "server log: $(sed 's/\x1b\[[0-9;]*m//g' "$WORK/log" | grep -c "cannot accept" || true) 'cannot accept' errors"
