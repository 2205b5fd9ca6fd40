#!/usr/bin/env bash
# Load benchmark of the server against the same work in-process, measured in the same run.
# Usage: bench/serve_bench.sh [BUILD_DIR]   (after setup.sh; prints Markdown for docs/benchmarks.md)
#   - throughput and p50/p90/p99 for rec and ocr at 1, 8 and 32 clients, batching off and on
#   - per protocol: PROTOCOLS="http v2 grpc grpc-v2" (the default) picks TorchServe's REST
#     /predictions, KServe v2 REST (v2, or v2-binary for the binary tensor extension), TorchServe's
#     gRPC Predictions and KServe v2 gRPC ModelInfer; MODELS="rec ocr" the models; BATCHING="off on"
#   - in-process baseline: the same pipeline in as many threads as the server has workers
#   - start to first answer, and resident memory after start and over 10,000 requests
# TABLE_ONLY=1 stops after the throughput table; REC_REQUESTS and OCR_REQUESTS change the requests
# per run (600 and 120).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
bin=$build/ocrserve
load=$build/bench/load_bench
data=$root/../shared/data/mmocr
models=$root/models
workers=2
base=${PORT:-18080}  # PORT: the first of five ports (HTTP inference, management, metrics, gRPC inference, management)
work=$(mktemp -d)
trap 'kill $(cat $work/pid 2>/dev/null) 2>/dev/null || true; rm -rf $work' EXIT

words=$(ls $data/rec_toy/*.jpg)
scenes="$data/demo/demo_text_ocr.jpg $data/det_toy/img_1.jpg $data/det_toy/img_2.jpg $data/det_toy/img_3.jpg"

start_server() {  # $1: extra arguments (--workers N first to override); sets $port and $startup_ms
  cat > $work/config.properties <<CONF
inference_address=http://127.0.0.1:$base
management_address=http://127.0.0.1:$((base + 1))
metrics_address=http://127.0.0.1:$((base + 2))
grpc_inference_port=$((base + 3))
grpc_management_port=$((base + 4))
job_queue_size=1000
disable_token_authorization=true
CONF
  local begin=$(date +%s%N)
  TMPDIR=$work $bin start --foreground --ts-config $work/config.properties $1 > $work/out 2> $work/log &
  echo $! > $work/pid
  until curl -sf -o /dev/null http://127.0.0.1:$base/predictions/rec -T $data/demo/demo_text_recog.jpg; do sleep 0.01; done
  startup_ms=$(( ($(date +%s%N) - begin) / 1000000 ))
  port=$base
}
stop_server() { kill -TERM $(cat $work/pid); wait $(cat $work/pid) 2>/dev/null || true; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$(cat $work/pid)/status; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d)"
echo
echo "| model | protocol | clients | batching | served req/s | in-process req/s | served / in-process | p50 ms | p90 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
after_rows=""
for batching in ${BATCHING:-off on}; do  # BATCHING=on: only those rows
  args="--workers $workers --batch-size 1"
  [ $batching = on ] && args="--workers $workers --batch-size 8 --max-batch-delay 5"
  start_server "$args"
  for model in ${MODELS:-rec ocr}; do
    if [ $model = rec ]; then images=$words; package=$models/ppocr-rec; n=${REC_REQUESTS:-600}; else images=$scenes; package=$models/ppocr-det,$models/ppocr-rec,$models/ppocr-cls; n=${OCR_REQUESTS:-120}; fi
    for protocol in ${PROTOCOLS:-http v2 grpc grpc-v2}; do
      for clients in 1 8 32; do
        threads=$(( clients < workers ? clients : workers ))
        # Served and in-process alternate, three rounds: the machine's drift hits both alike.
        for round in 1 2 3; do
          case $protocol in
            http) $load http $port /predictions/$model $clients $n $images > $work/served.$round ;;
            v2|v2-binary) $load $protocol $port /v2/models/$model/infer $clients $n $images > $work/served.$round ;;
            *) $load $protocol $((base + 3)) $model $clients $n $images > $work/served.$round ;;
          esac
          $load inprocess $package $threads $n $images > $work/local.$round
        done
        python3 - $model $protocol $clients $batching $work <<'PY'
import json, statistics, sys
model, protocol, clients, batching, work = sys.argv[1:]
served = [json.load(open(f"{work}/served.{r}")) for r in (1, 2, 3)]
local = [json.load(open(f"{work}/local.{r}")) for r in (1, 2, 3)]
ratio = statistics.median(s["throughput"] / l["throughput"] for s, l in zip(served, local))
mid = sorted(served, key=lambda s: s["throughput"])[1]  # latencies of the median served run
print(f"| {model} | {protocol} | {clients} | {batching} | {statistics.median(s['throughput'] for s in served):.1f} | "
      f"{statistics.median(l['throughput'] for l in local):.1f} | {ratio:.2f} | {mid['p50_ms']:.1f} | "
      f"{mid['p90_ms']:.1f} | {mid['p99_ms']:.1f} | {sum(s['errors'] for s in served)} |")
PY
      done
    done
  done
  after_rows="$after_rows${after_rows:+, }$(rss_mb) MB after the batching-$batching rows"
  stop_server
done
echo
echo "resident memory with $workers workers per model: $after_rows"
[ -n "${TABLE_ONLY:-}" ] && exit 0  # TABLE_ONLY=1: the throughput table alone

# Memory of the default server (3 models, 1 worker each) over 10,000 requests of mixed traffic:
# ten rounds of 800 rec and 200 ocr requests at 8 clients.
echo
start_server ""
rounds="$(rss_mb)"
for round in $(seq 10); do
  $load http $port /predictions/rec 8 800 $words > /dev/null
  $load http $port /predictions/ocr 8 200 $scenes > /dev/null
  rounds="$rounds $(rss_mb)"
done
stop_server
echo "resident memory (defaults), MB after start and after each 1,000 requests: $rounds"

# Start to first answer with the defaults (3 models, 1 worker each): with the graph cache that
# setup.sh filled, and with an empty cache each time (the first start after installing a model).
startups() {  # $1: warm, or cold for an empty graph cache before every start
  local all=()
  for run in 1 2 3 4 5; do
    [ $1 = cold ] && rm -rf $work/empty-cache
    start_server ""; stop_server; all+=($startup_ms)
  done
  echo "${all[*]} (median $(printf '%s\n' "${all[@]}" | sort -n | sed -n 3p))"
}
echo "start to first answer, warm graph cache: $(startups warm) ms"
echo "start to first answer, empty graph cache: $(OCRSERVE_CACHE_DIR=$work/empty-cache startups cold) ms"
