#!/usr/bin/env bash
# Serving speed, side by side: scrapefeed answering from its in-memory feed vs nginx serving
# the very same bytes as a static file, with the same wrk settings, in one run.
#
#   benches/serve.sh                 # all.rss, 3 rounds of 10 s per case
#   FEED=politics.atom ROUNDS=5 DURATION=5s NICE=0 benches/serve.sh
#   SCRAPEFEED=/tmp/main-scrapefeed benches/serve.sh   # a prebuilt binary (another branch's)
#
# Needs nginx and wrk (as root: apt-get update && apt-get install -y nginx wrk). Everything
# runs on 127.0.0.1: the local TASS copy (examples/tass_origin), scrapefeed scraping it, and
# an nginx with its own minimal config. Fairness:
#   - nginx gets the bytes scrapefeed serves (identity and gzip), fetched from scrapefeed
#     itself; gzip is `gzip_static on` with scrapefeed's own level-9 gzip bytes, so both
#     servers send byte-identical bodies and neither compresses per request;
#   - nginx runs `worker_processes auto` (one per core), access_log off, sendfile on, an
#     open_file_cache (so it does not open the file per request either), and
#     `keepalive_requests` raised so neither server closes wrk's connections mid-run;
#   - the cases run alternately, and the order of the two servers flips every round;
#   - 304 cases send each server its own current ETag in If-None-Match.
# Prints each run with the CPU other processes used meanwhile (the machine's busy time minus
# both servers' and wrk's, in cores: runs far above 0 were disturbed), then the median
# requests/s per case and the scrapefeed/nginx ratio.
set -euo pipefail
cd "$(dirname "$0")/.."

FEED=${FEED:-all.rss}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
SCRAPEFEED=${SCRAPEFEED:-}
# Both servers and wrk run at a raised priority when we may (root), so that other work on
# the machine (builds) disturbs the two servers less, and equally. NICE=0 turns it off.
NICE=${NICE:-$([ "$(id -u)" = 0 ] && echo -10 || echo 0)}
PRIO=(nice -n "$NICE")
WRK=("${PRIO[@]}" wrk -t2 -c32 -d"$DURATION")

for tool in nginx wrk curl; do
    command -v "$tool" >/dev/null || { echo "needs $tool: apt-get install -y nginx wrk curl" >&2; exit 1; }
done

work=$(mktemp -d)
pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

# A port nothing listens on (bounded search).
free_port() {
    local port
    for _ in $(seq 1 100); do
        port=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "no free port found" >&2
    exit 1
}

# Waits up to 30 s for a URL to answer 200.
wait_for() {
    for _ in $(seq 1 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return
        sleep 0.1
    done
    echo "$1 did not come up" >&2
    exit 1
}

echo "building release binaries..." >&2
if [ -n "$SCRAPEFEED" ]; then
    cargo build --release --quiet --example tass_origin
else
    cargo build --release --quiet --bin scrapefeed --example tass_origin
    SCRAPEFEED=target/release/scrapefeed
fi

# The local TASS copy.
target/release/examples/tass_origin >"$work/origin.url" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/origin.url" ] && break; sleep 0.1; done
origin=$(head -n1 "$work/origin.url")

# scrapefeed against it: the repository config with tass.com replaced, as the tests do.
sed -e "s#https://tass.com#$origin#" -e 's#min_delay = "500ms"#min_delay = "5ms"#' config.toml >"$work/config.toml"
sf_port=$(free_port)
RUST_LOG=warn "${PRIO[@]}" "$SCRAPEFEED" --config "$work/config.toml" serve --listen "127.0.0.1:$sf_port" 2>"$work/scrapefeed.log" &
sf_pid=$!
pids+=($sf_pid)
sf="http://127.0.0.1:$sf_port"
wait_for "$sf/healthz"
for _ in $(seq 1 300); do
    curl -s "$sf/healthz" | grep -q '"last_success": null' || break
    sleep 0.1
done

# nginx with the same bytes.
mkdir -p "$work/www/feeds" "$work/nginx"
curl -s "$sf/feeds/$FEED" -o "$work/www/feeds/$FEED"
curl -s -H 'Accept-Encoding: gzip' "$sf/feeds/$FEED" -o "$work/www/feeds/$FEED.gz"
cmp -s "$work/www/feeds/$FEED" "$work/feeds/$FEED" || { echo "served bytes differ from feeds/$FEED" >&2; exit 1; }
ng_port=$(free_port)
cat >"$work/nginx/nginx.conf" <<EOF
user root;
worker_processes auto;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;
    types {
        application/rss+xml rss;
        application/atom+xml atom;
        application/feed+json json;
    }
    charset utf-8;
    charset_types application/rss+xml application/atom+xml application/feed+json;
    sendfile on;
    tcp_nopush on;
    open_file_cache max=64 inactive=60s;
    open_file_cache_valid 60s;
    keepalive_requests 1000000;
    gzip_static on;
    gzip_vary on;
    server {
        listen 127.0.0.1:$ng_port;
        root $work/www;
        add_header Cache-Control "public, max-age=450";
    }
}
EOF
"${PRIO[@]}" nginx -c "$work/nginx/nginx.conf" &
ng_pid=$!
pids+=($ng_pid)
ng="http://127.0.0.1:$ng_port"
wait_for "$ng/feeds/$FEED"

# Same answers from both before timing anything.
for accept in identity gzip; do
    a=$(curl -s -H "Accept-Encoding: $accept" "$sf/feeds/$FEED" | sha256sum)
    b=$(curl -s -H "Accept-Encoding: $accept" "$ng/feeds/$FEED" | sha256sum)
    [ "$a" = "$b" ] || { echo "bodies differ for Accept-Encoding: $accept" >&2; exit 1; }
done
etag_of() { curl -sI "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }
sf_etag=$(etag_of "$sf/feeds/$FEED")
ng_etag=$(etag_of "$ng/feeds/$FEED")
for pair in "$sf|$sf_etag" "$ng|$ng_etag"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "If-None-Match: ${pair#*|}" "${pair%%|*}/feeds/$FEED")
    [ "$code" = 304 ] || { echo "${pair%%|*} answers $code to its own ETag" >&2; exit 1; }
done
size=$(stat -c %s "$work/www/feeds/$FEED")
gz=$(stat -c %s "$work/www/feeds/$FEED.gz")
echo "feed $FEED: $size bytes, $gz gzipped; ${WRK[*]}; $ROUNDS rounds; nice $NICE; $(nproc) cores; load average before: $(cut -d" " -f1-3 /proc/loadavg)"

# CPU time in clock ticks: of the whole machine (busy), of both servers' processes, and of
# this shell's finished children (wrk).
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
server_ticks() {
    local pid total=0
    for pid in "$sf_pid" "$ng_pid" $(pgrep -P "$ng_pid"); do
        total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
    done
    echo "$total"
}
children_ticks() {
    # `times` reports the shell it runs in: not in $(...), whose subshell has no children yet.
    times >"$work/times"
    tail -n1 "$work/times" | awk -v hz="$(getconf CLK_TCK)" '{split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", (u[1] * 60 + u[2] + s[1] * 60 + s[2]) * hz}'
}

# One wrk run: prints requests/s and the cores other processes used meanwhile.
run() {
    local server=$1 case=$2 base etag
    if [ "$server" = scrapefeed ]; then base=$sf etag=$sf_etag; else base=$ng etag=$ng_etag; fi
    local headers=()
    case $case in
        plain) ;;
        gzip) headers=(-H 'Accept-Encoding: gzip') ;;
        304) headers=(-H "If-None-Match: $etag") ;;
    esac
    local rps b0 s0 c0 b1 s1 c1 started ended
    children_ticks >"$work/c0"
    b0=$(busy_ticks) s0=$(server_ticks) started=$(date +%s.%N)
    rps=$("${WRK[@]}" "${headers[@]}" "$base/feeds/$FEED" | awk '/Requests\/sec/ {print $2}')
    b1=$(busy_ticks) s1=$(server_ticks) ended=$(date +%s.%N)
    children_ticks >"$work/c1"
    c0=$(cat "$work/c0") c1=$(cat "$work/c1")
    echo "$rps $(awk -v t=$((b1 - b0 - (s1 - s0) - (c1 - c0))) -v hz="$(getconf CLK_TCK)" -v a="$started" -v b="$ended" 'BEGIN {printf "%.2f", t / hz / (b - a)}')"
}

declare -A results
for round in $(seq 1 "$ROUNDS"); do
    if [ $((round % 2)) = 1 ]; then order=(scrapefeed nginx); else order=(nginx scrapefeed); fi
    for case in plain gzip 304; do
        for server in "${order[@]}"; do
            read -r rps other < <(run "$server" "$case")
            results[$server.$case]+="$rps "
            printf 'round %d  %-5s  %-10s  %12s req/s  (other processes: %s cores)\n' "$round" "$case" "$server" "$rps" "$other"
        done
    done
done

echo "load average after: $(cut -d" " -f1-3 /proc/loadavg)"
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo
printf '%-6s %14s %14s %8s\n' case scrapefeed nginx ratio
for case in plain gzip 304; do
    s=$(echo "${results[scrapefeed.$case]}" | median)
    n=$(echo "${results[nginx.$case]}" | median)
    printf '%-6s %14.0f %14.0f %8.2f\n' "$case" "$s" "$n" "$(awk -v s="$s" -v n="$n" 'BEGIN {print s / n}')"
done
