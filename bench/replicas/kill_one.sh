#!/usr/bin/env bash
# Replica-kill test: three `ocrserve start --foreground` replicas behind nginx
# (deploy/nginx/ocrserve.conf). Clients send a bounded stream of OCR requests through nginx; after
# KILL_AFTER answers one replica is SIGKILLed (or sent SIGNAL) and restarted at once. Passes (exit 0) when every
# request was answered 200 with recognised text and nginx sent the restarted replica traffic
# again before the stream ended.
# Usage: bench/replicas/kill_one.sh [BUILD_DIR]   (after setup.sh; needs nginx: scripts/install_deps.sh)
# Environment: REQUESTS (600), CLIENTS (4), KILL_AFTER (150), VICTIM (replica 1-3, default 2),
#   SIGNAL (KILL; TERM checks the graceful drain instead),
#   BASE_PORT (19080: nginx there, replica N on BASE_PORT+100*N, +1 management, +2 metrics),
#   IMAGE (the demo word image), MODEL (ocr), KEEP=1 (keep the logs of a passing run too).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${1:-$root/build}/ocrserve
requests=${REQUESTS:-600}
clients=${CLIENTS:-4}
kill_after=${KILL_AFTER:-150}
victim=${VICTIM:-2}
signal=${SIGNAL:-KILL}
base=${BASE_PORT:-19080}
image=${IMAGE:-$root/examples/demo_text_recog.jpg}
model=${MODEL:-ocr}

command -v nginx >/dev/null || { echo "kill_one: nginx not found (scripts/install_deps.sh installs it)" >&2; exit 2; }
[ -x "$bin" ] || { echo "kill_one: $bin not found (run ./setup.sh)" >&2; exit 2; }
[ -f "$image" ] || { echo "kill_one: $image not found" >&2; exit 2; }
[ "$kill_after" -lt "$requests" ] || { echo "kill_one: KILL_AFTER must be below REQUESTS" >&2; exit 2; }

work=$(mktemp -d)
# nginx's workers drop root to nobody and must still reach the prefix under here.
chmod 0711 "$work"
declare -A pid=()
client_pids=()
nginx_pid=""
passed=0

cleanup() {
  local p
  for p in "${client_pids[@]}"; do kill "$p" 2>/dev/null || true; pkill -P "$p" 2>/dev/null || true; done
  [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null || true
  for p in "${pid[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ $passed = 1 ] && [ -z "${KEEP:-}" ]; then rm -rf "$work"; else echo "kill_one: logs kept in $work" >&2; fi
}
trap cleanup EXIT

now() { date +%s.%N; }
seconds_since() { awk -v a="$1" -v b="$(now)" 'BEGIN {printf "%.2f", b - a}'; }
port() { echo $((base + 100 * $1)); }  # inference port of replica $1; +1 management, +2 metrics
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Polls `$2...` until it succeeds; gives up after $1 seconds.
poll() {
  local deadline=$(( $(date +%s) + $1 )); shift
  until "$@"; do
    [ "$(date +%s)" -lt $deadline ] || return 1
    sleep 0.05
  done
}

start_replica() {  # $1: replica number
  local dir=$work/replica$1 p
  p=$(port "$1")
  mkdir -p "$dir"
  cat > "$dir/config.properties" <<CONF
inference_address=http://127.0.0.1:$p
management_address=http://127.0.0.1:$((p + 1))
metrics_address=http://127.0.0.1:$((p + 2))
disable_token_authorization=true
CONF
  # Own folder and TMPDIR: replicas share no pid file, key file or working files.
  (cd "$dir" && TMPDIR=$dir exec "$bin" start --foreground --ts-config config.properties >> "$dir/log" 2>&1) &
  pid[$1]=$!
}

replica_healthy() {  # $1: replica number; fails at once if the process is gone
  kill -0 "${pid[$1]}" 2>/dev/null || { echo "kill_one: replica $1 exited:" >&2; tail -5 "$work/replica$1/log" >&2; exit 1; }
  curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$(port "$1")/ping"
}

# Inference requests the replica has counted since it started (its metrics endpoint).
served_by() {
  curl -sgf --max-time 2 "http://127.0.0.1:$(( $(port "$1") + 2 ))/metrics?name[]=ts_inference_requests_total" |
    awk '!/^#/ && NF {n += $NF} END {print n + 0}'
}

client() {  # $1: client number; sends requests $1, $1+C, $1+2C, ... and logs "index status"
  local i code
  for ((i = $1; i < requests; i += clients)); do
    # No client-side retry: a request nginx could not answer must show up as failed.
    code=$(curl -s -o "$work/bodies/$i.json" -w '%{http_code}' --max-time 60 \
      -H 'Content-Type: application/octet-stream' --data-binary "@$image" \
      "http://127.0.0.1:$base/predictions/$model") || code="${code:-000}/curl-exit-$?"
    echo "$i $code" >> "$work/results/$1"
  done
}

completed() { cat "$work"/results/* 2>/dev/null | wc -l; }

for q in $base $(for n in 1 2 3; do p=$(port $n); echo $p $((p + 1)) $((p + 2)); done); do
  ! port_busy $q || { echo "kill_one: port $q is in use (set BASE_PORT)" >&2; exit 2; }
done

for n in 1 2 3; do start_replica $n; done
for n in 1 2 3; do poll 120 replica_healthy $n || { echo "kill_one: replica $n not healthy in 120 s" >&2; exit 1; }; done

# The deployed config with this run's ports; each address must be found, or the test would
# balance over someone else's servers.
mkdir -p "$work/nginx"
conf=$work/nginx/ocrserve.conf
sed -e "s/127\.0\.0\.1:8080;/127.0.0.1:$base;/" -e "s/127\.0\.0\.1:8180 /127.0.0.1:$(port 1) /" \
    -e "s/127\.0\.0\.1:8280 /127.0.0.1:$(port 2) /" -e "s/127\.0\.0\.1:8380 /127.0.0.1:$(port 3) /" \
    "$root/deploy/nginx/ocrserve.conf" > "$conf"
for a in "$base;" "$(port 1) " "$(port 2) " "$(port 3) "; do
  grep -q "127.0.0.1:$a" "$conf" || { echo "kill_one: address 127.0.0.1:$a not set in $conf" >&2; exit 1; }
done
nginx -q -t -p "$work/nginx" -c "$conf"
nginx -p "$work/nginx" -c "$conf" -g 'daemon off;' &
nginx_pid=$!
balancer_ready() {
  kill -0 $nginx_pid 2>/dev/null || { echo "kill_one: nginx exited" >&2; cat "$work/nginx/error.log" >&2; exit 1; }
  curl -sf --max-time 2 -o /dev/null "http://127.0.0.1:$base/ping"
}
poll 30 balancer_ready || { echo "kill_one: nginx not answering in 30 s" >&2; exit 1; }

echo "3 replicas of $bin behind nginx $(nginx -v 2>&1 | sed 's/.*\///') on 127.0.0.1:$base; $(nproc) cores"
echo "$requests POST /predictions/$model of $(basename "$image") from $clients clients; replica $victim gets SIG$signal after $kill_after answers"

mkdir -p "$work/results" "$work/bodies"
began=$(now)
for ((c = 0; c < clients; c++)); do client $c & client_pids+=($!); done

enough() { [ "$(completed)" -ge "$kill_after" ]; }
poll 300 enough || { echo "kill_one: fewer than $kill_after answers in 300 s" >&2; exit 1; }

before_kill=$(served_by $victim)
killed_at=$(now)
kill -"$signal" "${pid[$victim]}"
# SIGKILL: gone at once. SIGTERM: gone once its accepted requests are answered.
status=0
wait "${pid[$victim]}" 2>/dev/null || status=$?
echo "SIG$signal to replica $victim (exit status $status; it had counted $before_kill requests) after $(completed) answers, $(seconds_since "$began") s into the stream"

start_replica $victim
poll 120 replica_healthy $victim || { echo "kill_one: restarted replica not healthy in 120 s" >&2; exit 1; }
healthy_after=$(seconds_since "$killed_at")

# Rejoined once nginx routes a request to it; the stream must still be running to show that.
streaming() { local p; for p in "${client_pids[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
routed() { [ "$(served_by $victim)" -gt 0 ] || ! streaming; }
poll 120 routed || true
rejoined=0
[ "$(served_by $victim)" -gt 0 ] && rejoined=1 && rejoin_after=$(seconds_since "$killed_at")

for p in "${client_pids[@]}"; do wait "$p"; done
client_pids=()
elapsed=$(seconds_since "$began")

echo "stream took $elapsed s"
if [ $rejoined = 1 ]; then
  echo "replica $victim: healthy again ${healthy_after} s after the kill, first request from nginx ${rejoin_after} s after the kill"
else
  echo "replica $victim: healthy again ${healthy_after} s after the kill, but nginx sent it nothing before the stream ended"
fi
for n in 1 2 3; do
  echo "replica $n (127.0.0.1:$(port "$n")) counts $(served_by "$n") requests$([ "$n" = "$victim" ] && echo ' since its restart')"
done
echo "nginx's error log, by message:"
sed -E 's/^.*\[[a-z]+\] [0-9#]+: (\*[0-9]+ )?//; s/ while .*//; s/, client: .*//' "$work/nginx/error.log" | sort | uniq -c

python3 "$here/tally.py" --access-log "$work/nginx/access.log" --results "$work/results" --bodies "$work/bodies" \
  --requests "$requests" --killed-at "$killed_at" --victim "127.0.0.1:$(port "$victim")" \
  --replicas "127.0.0.1:$(port 1),127.0.0.1:$(port 2),127.0.0.1:$(port 3)"
[ $rejoined = 1 ] || { echo "FAIL: replica $victim did not rejoin" >&2; exit 1; }
passed=1
echo "PASS"
