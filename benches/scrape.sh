#!/usr/bin/env bash
# Whole-run benchmarks of scrapefeed against the local load origin, side by side in one run.
#
#   benches/scrape.sh                       # S=1000 sections x A=20 articles, everything
#   SECTIONS=100 ARTICLES=20 REPEAT=3 benches/scrape.sh
#   ONLY=scrape benches/scrape.sh           # scrape | idle | big | timer (comma-separated)
#   SKIP_BUILD=1 benches/scrape.sh          # use the binaries already in target/release
#
# 1. scrape: cold scrape of S x A (fresh database, politeness delay 0) under /usr/bin/time:
#    wall, user+sys CPU, max RSS; then a warm re-scrape of the unchanged site with the
#    requests it made, by kind (from the origin's /__stats); and, alternating with the cold
#    runs, the CPU time of only parsing the same pages with html5ever (examples/parse_pages).
#    REPEAT runs of each; medians and the ratio cold CPU / parse CPU.
# 2. idle: `serve` with the repository's TASS config pointed at the origin (min_delay 0),
#    after a scrape: VmRSS and CPU ticks over IDLE_SECONDS once the start-up scrape is done.
# 3. big: `serve` with BIG_SECTIONS sections of BIG_ENTRIES entries each (database filled by
#    examples/fill_store, bodies of BIG_BODY bytes): start-up time, VmRSS, idle CPU.
# 4. timer: TIMER_SECTIONS sections at the 10 s minimum interval, jitter 0, for
#    TIMER_SECONDS: gaps between a section's consecutive listing requests vs 10 s.
#
# Everything runs on 127.0.0.1; every process started here is stopped on exit.
set -euo pipefail

SECTIONS=${SECTIONS:-1000}
ARTICLES=${ARTICLES:-20}
REPEAT=${REPEAT:-3}
IDLE_SECONDS=${IDLE_SECONDS:-30}
BIG_SECTIONS=${BIG_SECTIONS:-10000}
BIG_ENTRIES=${BIG_ENTRIES:-100}
BIG_BODY=${BIG_BODY:-1500}
TIMER_SECTIONS=${TIMER_SECTIONS:-5}
TIMER_SECONDS=${TIMER_SECONDS:-65}
ONLY=${ONLY:-scrape,idle,big,timer}

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
if [[ -z ${SKIP_BUILD:-} ]]; then
    cargo build --release --quiet --bin scrapefeed --example load_origin --example parse_pages \
        --example fill_store
fi
BIN=$ROOT/target/release/scrapefeed
ORIGIN=$ROOT/target/release/examples/load_origin
WORK=$(mktemp -d /tmp/scrapefeed-bench.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$WORK"
}
trap cleanup EXIT
export RUST_LOG=${RUST_LOG:-warn}

say() { printf '%s\n' "$*"; }
wants() { [[ ",$ONLY," == *",$1,"* ]]; }
median() { python3 -c 'import sys,statistics; v=[float(x) for x in sys.argv[1:]]; print(f"{statistics.median(v):.3f}")' "$@"; }

# Starts the load origin with the given arguments; sets ORIGIN_PID and ORIGIN_URL.
start_origin() {
    local out=$WORK/origin.$RANDOM.out
    "$ORIGIN" "$@" >"$out" 2>>"$WORK/origin.err" &
    ORIGIN_PID=$!
    PIDS+=("$ORIGIN_PID")
    for _ in $(seq 1200); do
        if [[ -s $out ]]; then break; fi
        sleep 0.1
    done
    ORIGIN_URL=$(head -n1 "$out")
    ORIGIN_LOG=$out
    [[ $ORIGIN_URL == http://* ]] || { say "load origin did not start"; exit 1; }
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
stat_of() { curl -s "$ORIGIN_URL/__stats" | python3 -c "import sys,json; print(json.load(sys.stdin)['$1'])"; }
# wall seconds, CPU seconds (user+sys), max RSS KB from a `/usr/bin/time -v` report.
time_fields() {
    python3 - "$1" <<'EOF'
import sys, re
t = open(sys.argv[1]).read()
def f(key):
    return re.search(re.escape(key) + r":\s*(\S+)", t).group(1)
wall = f("Elapsed (wall clock) time (h:mm:ss or m:ss)").split(":")
secs = sum(float(x) * 60 ** i for i, x in enumerate(reversed(wall)))
print(f"{secs:.3f} {float(f('User time (seconds)')) + float(f('System time (seconds)')):.3f} {f('Maximum resident set size (kbytes)')}")
EOF
}
# utime+stime ticks and VmRSS (KB) of a process.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
# Waits (bounded) until the origin has answered `count` requests of `kind`.
wait_for() {
    local kind=$1 count=$2 limit=$3
    for _ in $(seq "$limit"); do
        [[ $(stat_of "$kind") -ge $count ]] && return 0
        sleep 1
    done
    say "  (timed out waiting for $count $kind)"
}

say "# scrapefeed benchmarks, $(date -u +%Y-%m-%dT%H:%MZ), commit $(git rev-parse --short HEAD), $(nproc) cores"

if wants scrape; then
    say
    say "## scrape: $SECTIONS sections x $ARTICLES articles, cold x$REPEAT, warm, parse-only x$REPEAT"
    "$ORIGIN" --sections "$SECTIONS" --articles "$ARTICLES" --dump-pages "$WORK/pages" 2>>"$WORK/origin.err"
    start_origin --sections "$SECTIONS" --articles "$ARTICLES"
    port=${ORIGIN_URL##*:}
    cold_wall=() cold_cpu=() cold_rss=() parse_cpu=()
    for run in $(seq "$REPEAT"); do
        data=$WORK/scrape$run
        mkdir -p "$data"
        "$ORIGIN" --sections "$SECTIONS" --articles "$ARTICLES" --port "$port" --print-config \
            --data-dir "$data" >"$data/config.toml"
        before=$(stat_of articles)
        /usr/bin/time -v -o "$data/cold.time" "$BIN" --config "$data/config.toml" scrape \
            2>"$data/cold.log" || say "  cold run $run: scrape reported failures (see log)"
        read -r wall cpu rss < <(time_fields "$data/cold.time")
        got=$(( $(stat_of articles) - before ))
        pcpu=$("$ROOT/target/release/examples/parse_pages" "$WORK/pages" | sed 's/.*parse_cpu_s=//')
        say "  run $run: cold wall ${wall}s cpu ${cpu}s maxrss ${rss}KB article requests $got | parse-only cpu ${pcpu}s"
        cold_wall+=("$wall") cold_cpu+=("$cpu") cold_rss+=("$rss") parse_cpu+=("$pcpu")
    done
    mw=$(median "${cold_wall[@]}") mc=$(median "${cold_cpu[@]}") mr=$(median "${cold_rss[@]}")
    mp=$(median "${parse_cpu[@]}")
    pages=$(( SECTIONS * ARTICLES ))
    say "  cold scrape median: wall ${mw}s, cpu ${mc}s ($(python3 -c "print(f'{$mc*1000/$pages:.2f}')") ms/article), max RSS ${mr}KB"
    say "  parse-only median:  cpu ${mp}s for the same $pages article + $SECTIONS section pages"
    say "  ratio cold cpu / parse cpu: $(python3 -c "print(f'{$mc/$mp:.2f}')")x (target <= 1.50x)"

    data=$WORK/scrape1
    for kind in total section_pages listings articles robots conditional not_modified; do
        eval "b_$kind=\$(stat_of $kind)"
    done
    /usr/bin/time -v -o "$data/warm.time" "$BIN" --config "$data/config.toml" scrape 2>"$data/warm.log" || true
    read -r wall cpu rss < <(time_fields "$data/warm.time")
    line="  warm re-scrape (unchanged site): wall ${wall}s cpu ${cpu}s maxrss ${rss}KB; requests:"
    for kind in total section_pages listings articles robots conditional not_modified; do
        eval "b=\$b_$kind"
        line+=" $kind=$(( $(stat_of "$kind") - b ))"
    done
    say "$line"
    stop "$ORIGIN_PID"
fi

if wants idle; then
    say
    say "## idle: serve with the TASS config (9 sections) after a scrape, ${IDLE_SECONDS}s"
    start_origin --sections 9 --articles 20
    mkdir -p "$WORK/tass"
    sed -e "s#https://tass.com#$ORIGIN_URL#" -e 's/min_delay = "500ms"/min_delay = "0s"/' \
        config.toml >"$WORK/tass/config.toml"
    "$BIN" --config "$WORK/tass/config.toml" scrape 2>"$WORK/tass/scrape.log" || true
    listings=$(stat_of listings)
    "$BIN" --config "$WORK/tass/config.toml" serve --listen 127.0.0.1:0 2>"$WORK/tass/serve.log" &
    pid=$!
    PIDS+=("$pid")
    wait_for listings $(( listings + 9 )) 60
    sleep 3
    t0=$(ticks "$pid") r0=$(rss_kb "$pid")
    sleep "$IDLE_SECONDS"
    t1=$(ticks "$pid") r1=$(rss_kb "$pid")
    say "  VmRSS after start-up scrape ${r0}KB, after ${IDLE_SECONDS}s idle ${r1}KB (target <= 25600KB)"
    say "  CPU while idle: $(( t1 - t0 )) ticks of 10ms in ${IDLE_SECONDS}s"
    stop "$pid"
    stop "$ORIGIN_PID"
fi

if wants big; then
    say
    say "## big: serve with $BIG_SECTIONS sections x $BIG_ENTRIES entries (bodies ~${BIG_BODY}B)"
    mkdir -p "$WORK/big"
    start_origin --sections "$BIG_SECTIONS" --articles 0
    "$ORIGIN" --sections "$BIG_SECTIONS" --articles 0 --port "${ORIGIN_URL##*:}" --print-config \
        --data-dir "$WORK/big" >"$WORK/big/config.toml"
    "$ROOT/target/release/examples/fill_store" --database "$WORK/big/scrapefeed.db" \
        --sections "$BIG_SECTIONS" --entries "$BIG_ENTRIES" --body-bytes "$BIG_BODY" 2>&1 | sed 's/^/  /'
    say "  database: $(du -m "$WORK/big/scrapefeed.db" | cut -f1) MB"
    # The filled feeds are stale (no files yet): the first process renders and writes every
    # one of them once. A one-shot scrape does that, then the server starts as after any
    # restart.
    /usr/bin/time -v "$BIN" --config "$WORK/big/config.toml" scrape >/dev/null 2>"$WORK/big/first.time" || true
    read -r wall cpu rss <<<"$(time_fields "$WORK/big/first.time")"
    say "  first start (render and write all $(( BIG_SECTIONS * 3 + 6 )) feed files) + one scrape: wall ${wall}s, CPU ${cpu}s, max RSS ${rss}KB"
    say "  feed files: $(du -sm "$WORK/big" --exclude=scrapefeed.db\* | cut -f1) MB"
    listed_before=$(stat_of listings)
    start=$(date +%s.%N)
    "$BIN" --config "$WORK/big/config.toml" serve --listen 127.0.0.1:0 2>"$WORK/big/serve.log" &
    pid=$!
    PIDS+=("$pid")
    wait_for listings "$(( listed_before + BIG_SECTIONS ))" 900
    ready=$(python3 -c "import time; print(f'{time.time() - $start:.1f}')")
    sleep 3
    t0=$(ticks "$pid") r0=$(rss_kb "$pid")
    sleep "$IDLE_SECONDS"
    t1=$(ticks "$pid") r1=$(rss_kb "$pid")
    hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
    say "  serve start-up (first scrape of every section): ${ready}s"
    say "  VmRSS ${r0}KB, after ${IDLE_SECONDS}s idle ${r1}KB, peak ${hwm}KB (target <= 204800KB)"
    say "  CPU while idle: $(( t1 - t0 )) ticks of 10ms in ${IDLE_SECONDS}s"
    stop "$pid"
    stop "$ORIGIN_PID"
fi

if wants timer; then
    say
    say "## timer: $TIMER_SECTIONS sections at interval 10s, jitter 0, ${TIMER_SECONDS}s"
    mkdir -p "$WORK/timer"
    start_origin --sections "$TIMER_SECTIONS" --articles 5 --log-requests
    "$ORIGIN" --sections "$TIMER_SECTIONS" --articles 5 --port "${ORIGIN_URL##*:}" --print-config \
        --interval 10s --jitter 0 --data-dir "$WORK/timer" >"$WORK/timer/config.toml"
    "$BIN" --config "$WORK/timer/config.toml" serve --listen 127.0.0.1:0 2>"$WORK/timer/serve.log" &
    pid=$!
    PIDS+=("$pid")
    sleep "$TIMER_SECONDS"
    stop "$pid"
    python3 - "$ORIGIN_LOG" <<'EOF'
import sys, statistics, collections
times = collections.defaultdict(list)
for line in open(sys.argv[1]):
    parts = line.split()
    if len(parts) >= 4 and parts[3].startswith("section="):
        times[parts[3]].append(int(parts[0]))
gaps = [b - a for t in times.values() for a, b in zip(t, t[1:])]
if not gaps:
    print("  no repeated scrapes seen")
else:
    late = [g - 10_000 for g in gaps]
    print(f"  {len(gaps)} intervals over {len(times)} sections: gap - 10s median {statistics.median(late):.0f}ms, "
          f"min {min(late)}ms, max {max(late)}ms (the wait starts when a scrape ends)")
EOF
    stop "$ORIGIN_PID"
fi
