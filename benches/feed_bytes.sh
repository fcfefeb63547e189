#!/usr/bin/env bash
# The bytes of every feed of the TASS run, for checking that a change leaves them alone.
#
#   benches/feed_bytes.sh OUT [BIN]     # BIN: a scrapefeed binary (default: built here, release)
#   diff before.txt after.txt           # one line per file: the SHA-256 prefix and its name
#
# Scrapes the repository's config.toml against the local TASS copy (examples/tass_origin),
# each section by its own `scrape SECTION` in config order (insertion order breaks ties between
# equal dates in merged feeds), with the clock fixed (SCRAPEFEED_NOW), then hashes every file
# in feeds/ with the origin's port replaced by ORIGIN. The normalised files are kept in OUT.d/.
set -euo pipefail
OUT=$(realpath -m "$1")
cd "$(dirname "$0")/.."
cargo build --release --quiet --example tass_origin --bin scrapefeed
TARGET=${CARGO_TARGET_DIR:-target}
BIN=${2:-$TARGET/release/scrapefeed}
WORK=$(mktemp -d)
"$TARGET"/release/examples/tass_origin >"$WORK/origin.txt" &
ORIGIN_PID=$!
trap 'kill $ORIGIN_PID 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 100); do [[ -s $WORK/origin.txt ]] && break; sleep 0.1; done
BASE=$(head -1 "$WORK/origin.txt")
sed "s#https://tass.com#$BASE#; s#min_delay = \"500ms\"#min_delay = \"0ms\"#" config.toml >"$WORK/config.toml"
SECTIONS=$(grep -A1 '^\[\[site.section\]\]' config.toml | sed -n 's/^id = "\(.*\)"/\1/p')
for section in $SECTIONS; do
    SCRAPEFEED_NOW=2026-06-14T12:00:00Z "$BIN" --config "$WORK/config.toml" scrape "$section" \
        2>>"$WORK/log.txt" || { tail "$WORK/log.txt"; exit 1; }
done
PORT=${BASE##*:}
rm -rf "$OUT.d" && mkdir -p "$OUT.d"
for file in $(ls "$WORK/feeds" | grep -v '\.db'); do
    sed "s/127.0.0.1:$PORT/ORIGIN/g" "$WORK/feeds/$file" >"$OUT.d/$file"
    printf '%s %s\n' "$(sha256sum <"$OUT.d/$file" | cut -c1-16)" "$file"
done >"$OUT"
echo "$(wc -l <"$OUT") feed files hashed into $OUT"
