#!/bin/sh
# Many more kill-and-restart rounds than `cargo test` runs (tests/crash.rs), in release mode.
#
#   benches/crash.sh [ROUNDS] [SEED]     # defaults: 300 rounds, a seed from the clock
#
# Prints the seed first; rerun with it to replay a failure exactly.
set -eu
cd "$(dirname "$0")/.."
SCRAPEFEED_CRASH_ROUNDS="${1:-300}"
SCRAPEFEED_CRASH_SEED="${2:-$(date +%s)}"
export SCRAPEFEED_CRASH_ROUNDS SCRAPEFEED_CRASH_SEED
exec cargo test --release --test crash -- --nocapture
