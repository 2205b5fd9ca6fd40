#!/usr/bin/env bash
# Load benchmark of the server against the same work in-process, measured in the same run.
# Usage: bench/serve_bench.sh [BUILD_DIR]   (after setup.sh; prints Markdown for docs/benchmarks.md)
#   - throughput and p50/p90/p99 for rec and ocr at 1, 8 and 32 clients, batching off and on
#   - in-process baseline: the same pipeline in as many threads as the server has workers
#   - start to first answer, and resident memory after start and after 10,000 requests
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
bin=$build/ocrserve
load=$build/bench/load_bench
data=$root/../shared/data/mmocr
models=$root/models
workers=2
work=$(mktemp -d)
trap 'kill $(cat $work/pid 2>/dev/null) 2>/dev/null || true; rm -rf $work' EXIT

words=$(ls $data/rec_toy/*.jpg)
scenes="$data/demo/demo_text_ocr.jpg $data/det_toy/img_1.jpg $data/det_toy/img_2.jpg $data/det_toy/img_3.jpg"

start_server() {  # $1: extra arguments; sets $port and $startup_ms
  cat > $work/config.properties <<CONF
inference_address=http://127.0.0.1:18080
management_address=http://127.0.0.1:18081
metrics_address=http://127.0.0.1:18082
job_queue_size=1000
CONF
  local begin=$(date +%s%N)
  TMPDIR=$work $bin start --foreground --ts-config $work/config.properties --workers $workers $1 > $work/out 2> $work/log &
  echo $! > $work/pid
  until curl -sf -o /dev/null http://127.0.0.1:18080/predictions/rec -T $data/demo/demo_text_recog.jpg; do sleep 0.01; done
  startup_ms=$(( ($(date +%s%N) - begin) / 1000000 ))
  port=18080
}
stop_server() { kill -TERM $(cat $work/pid); wait $(cat $work/pid) 2>/dev/null || true; }
rss_mb() { awk '/VmRSS/ {printf "%.0f", $2 / 1024}' /proc/$(cat $work/pid)/status; }
field() { python3 -c "import json,sys; d=json.loads(sys.argv[1]); print(d['$2'])" "$1"; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo); $(date -u +%Y-%m-%d)"
echo
echo "| model | clients | batching | served req/s | in-process req/s | served / in-process | p50 ms | p90 ms | p99 ms | errors |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for batching in off on; do
  args="--batch-size 1"
  [ $batching = on ] && args="--batch-size 8 --max-batch-delay 5"
  start_server "$args"
  for model in rec ocr; do
    if [ $model = rec ]; then images=$words; package=$models/ppocr-rec; n=600; else images=$scenes; package=$models/ppocr-det,$models/ppocr-rec,$models/ppocr-cls; n=40; fi
    for clients in 1 8 32; do
      served=$($load http $port /predictions/$model $clients $n $images)
      threads=$(( clients < workers ? clients : workers ))
      local_run=$($load inprocess $package $threads $n $images)
      s=$(field "$served" throughput); l=$(field "$local_run" throughput)
      printf "| %s | %s | %s | %.1f | %.1f | %.2f | %s | %s | %s | %s |\n" $model $clients $batching $s $l \
        $(python3 -c "print($s / $l)") $(field "$served" p50_ms) $(field "$served" p90_ms) $(field "$served" p99_ms) $(field "$served" errors)
    done
  done
  stop_server
done

echo
start_server "--batch-size 8 --max-batch-delay 5"
before=$(rss_mb)
$load http $port /predictions/rec 8 5000 $words > /dev/null
middle=$(rss_mb)
$load http $port /predictions/rec 8 5000 $words > /dev/null
after=$(rss_mb)
stop_server
echo "start to first answer (3 models, $workers workers each): ${startup_ms} ms"
echo "resident memory: ${before} MB after start, ${middle} MB after 5,000 requests, ${after} MB after 10,000"
