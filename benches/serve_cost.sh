#!/usr/bin/env bash
# What one `304` costs each server: CPU, syscalls and context switches per 1,000 requests,
# counted by `perf stat` on the server's processes while wrk sends If-None-Match requests.
# Counts per request move far less with other load on the machine than requests/s do.
#
#   benches/serve_cost.sh                                  # scrapefeed (built here) vs nginx
#   SERVERS="/tmp/main-scrapefeed target/release/scrapefeed" ROUNDS=6 benches/serve_cost.sh
#
# Every binary in SERVERS (default: target/release/scrapefeed) runs at once, each against the
# local TASS copy in its own directory, beside one nginx serving the first one's bytes (set up
# as in benches/serve.sh). Each round runs wrk against every server in turn, the order
# rotating every round, with `perf stat -p <the server's pids> -- wrk ...` counting only while
# wrk runs. Prints every run, then per server the medians over the rounds.
#
# Needs nginx, wrk, curl and perf (as root: apt-get install -y nginx wrk curl linux-perf), and
# the syscall tracepoints (perf_event_paranoid <= -1 or root).
set -euo pipefail
cd "$(dirname "$0")/.."

FEED=${FEED:-all.rss}
ROUNDS=${ROUNDS:-5}
DURATION=${DURATION:-5s}
CASE=${CASE:-304}
read -r -a SERVERS <<<"${SERVERS:-target/release/scrapefeed}"
# wrk's threads and connections: serve.sh's by default; THREADS=1 CONNECTIONS=1 measures one
# request at a time (latency, and a server's cost without batching).
WRK=(wrk -t"${THREADS:-2}" -c"${CONNECTIONS:-32}" -d"$DURATION")
EVENTS=task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter
EVENTS+=,syscalls:sys_enter_epoll_wait,syscalls:sys_enter_epoll_pwait,syscalls:sys_enter_epoll_ctl
EVENTS+=,syscalls:sys_enter_read,syscalls:sys_enter_recvfrom,syscalls:sys_enter_readv
EVENTS+=,syscalls:sys_enter_write,syscalls:sys_enter_writev,syscalls:sys_enter_sendto
EVENTS+=,syscalls:sys_enter_sendfile64,syscalls:sys_enter_futex,syscalls:sys_enter_setsockopt
EVENTS+=,syscalls:sys_enter_accept4
# Short names for the table: the extra columns (from /proc), then EVENTS' in their order.
NAMES=(all_us wrk_us wrk_cs user_us sys_us vol_cs invol_cs cpu_us cs migr syscalls epoll_wait epoll_pwait epoll_ctl read recvfrom readv write
    writev sendto sendfile futex setsockopt accept4)

for tool in nginx wrk curl perf; do
    command -v "$tool" >/dev/null || { echo "needs $tool" >&2; exit 1; }
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

wait_for() {
    for _ in $(seq 1 300); do
        [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = 200 ] && return
        sleep 0.1
    done
    echo "$1 did not come up" >&2
    exit 1
}

cargo build --release --quiet --example tass_origin
if [ "${SERVERS[*]}" = target/release/scrapefeed ]; then
    cargo build --release --quiet --bin scrapefeed
fi

target/release/examples/tass_origin >"$work/origin.url" &
pids+=($!)
for _ in $(seq 1 100); do [ -s "$work/origin.url" ] && break; sleep 0.1; done
origin=$(head -n1 "$work/origin.url")

names=() urls=() server_pids=()
for i in "${!SERVERS[@]}"; do
    dir="$work/sf$i"
    mkdir -p "$dir"
    sed -e "s#https://tass.com#$origin#" -e 's#min_delay = "500ms"#min_delay = "5ms"#' config.toml >"$dir/config.toml"
    port=$(free_port)
    RUST_LOG=warn "${SERVERS[$i]}" --config "$dir/config.toml" serve --listen "127.0.0.1:$port" 2>"$dir/log" &
    pids+=($!)
    server_pids+=($!)
    names+=("sf$i")
    urls+=("http://127.0.0.1:$port")
    wait_for "http://127.0.0.1:$port/healthz"
    for _ in $(seq 1 300); do
        curl -s "http://127.0.0.1:$port/healthz" | grep -q '"last_success": null' || break
        sleep 0.1
    done
    echo "sf$i: ${SERVERS[$i]} on port $port" >&2
done

mkdir -p "$work/www/feeds" "$work/nginx"
curl -s "${urls[0]}/feeds/$FEED" -o "$work/www/feeds/$FEED"
curl -s -H 'Accept-Encoding: gzip' "${urls[0]}/feeds/$FEED" -o "$work/www/feeds/$FEED.gz"
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
nginx -c "$work/nginx/nginx.conf" &
ng_pid=$!
pids+=($ng_pid)
wait_for "http://127.0.0.1:$ng_port/feeds/$FEED"
names+=(nginx)
urls+=("http://127.0.0.1:$ng_port")
server_pids+=("$ng_pid")

etag_of() { curl -sI "$1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag" {print $2}'; }
# All of a server's processes: nginx's workers are the master's children.
pids_of() { echo "$1$(pgrep -P "$1" | sed 's/^/,/' | tr -d '\n')"; }
# CPU time of the whole machine in clock ticks.
busy_ticks() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
# Of the processes in $1 (comma-separated), summed over their threads: user and system CPU in
# clock ticks, voluntary and involuntary context switches.
proc_counts() {
    local pid u=0 s=0 v=0 n=0 a b c d
    for pid in ${1//,/ }; do
        read -r a b < <(awk '{print $14, $15}' "/proc/$pid/stat")
        read -r c d < <(cat /proc/"$pid"/task/*/status |
            awk '/^voluntary_ctxt/ {v += $2} /^nonvoluntary_ctxt/ {n += $2} END {print v, n}')
        u=$((u + a)) s=$((s + b)) v=$((v + c)) n=$((n + d))
    done
    echo "$u $s $v $n"
}

echo "case $CASE, ${WRK[*]}, $ROUNDS rounds, $(nproc) cores, $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
header=$(printf '%-8s %5s %9s' server round req/s; for n in "${NAMES[@]}"; do printf ' %9s' "$n"; done)
echo "$header  (per 1,000 requests; cpu_us per request)"
declare -A rows
count=${#names[@]}
for round in $(seq 1 "$ROUNDS"); do
    for k in $(seq 0 $((count - 1))); do
        i=$(((k + round) % count))
        url="${urls[$i]}/feeds/$FEED"
        headers=()
        case $CASE in
            plain) ;;
            gzip) headers=(-H 'Accept-Encoding: gzip') ;;
            304) headers=(-H "If-None-Match: $(etag_of "$url")") ;;
        esac
        server=$(pids_of "${server_pids[$i]}")
        before=$(proc_counts "$server")
        busy0=$(busy_ticks)
        # The inner perf counts wrk itself: a server that answers in smaller batches also
        # makes the client wake more often.
        perf stat -x, -o "$work/perf" -e "$EVENTS" -p "$server" -- \
            perf stat -x, -o "$work/wrk.perf" -e task-clock,context-switches -- \
            "${WRK[@]}" "${headers[@]}" "$url" >"$work/wrk"
        busy1=$(busy_ticks)
        after=$(proc_counts "$server")
        requests=$(awk '/requests in/ {print $1}' "$work/wrk")
        rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' "$work/wrk")
        # CPU in µs per request (ticks from /proc, task-clock in ms from perf); every count
        # per 1,000 requests.
        row=$(awk -v n="$requests" -v hz="$(getconf CLK_TCK)" -v busy=$((busy1 - busy0)) 'BEGIN {printf " %9.2f", busy * 1e6 / hz / n}')
        row+=$(awk -F, -v n="$requests" '/^#/ || NF < 3 {next} {printf " %9.2f", $1 * 1000 / n}' "$work/wrk.perf")
        row+=$(awk -v n="$requests" -v hz="$(getconf CLK_TCK)" -v b="$before" -v a="$after" 'BEGIN {
            split(b, x, " "); split(a, y, " ")
            printf " %9.2f %9.2f %9.2f %9.2f", (y[1] - x[1]) * 1e6 / hz / n, (y[2] - x[2]) * 1e6 / hz / n,
                (y[3] - x[3]) * 1000 / n, (y[4] - x[4]) * 1000 / n}')
        row+=$(awk -F, -v n="$requests" '/^#/ || NF < 3 {next} {printf " %9.2f", $1 * 1000 / n}' "$work/perf")
        rows[${names[$i]}]+="$row"$'\n'
        printf '%-8s %5d %9s%s\n' "${names[$i]}" "$round" "$rps" "$row"
        printf '%-8s %5d %9s\n' "${names[$i]}" "$round" "$rps" >>"$work/rps.${names[$i]}"
    done
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg), $(date -u +%FT%TZ)"
echo
echo "medians over $ROUNDS rounds:"
echo "$header"
for name in "${names[@]}"; do
    rps=$(awk '{print $3}' "$work/rps.$name" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}')
    printf '%-8s %5s %9s' "$name" med "$rps"
    for col in $(seq 1 ${#NAMES[@]}); do
        echo -n "${rows[$name]}" | awk -v c="$col" 'NF {print $c}' | sort -g |
            awk '{a[NR]=$1} END {printf " %9.2f", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'
    done
    echo
done
