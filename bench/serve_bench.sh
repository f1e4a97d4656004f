#!/usr/bin/env bash
# Prediction service throughput and latency, as ratios measured in one run:
#   heimdall serve  vs  the reference Flask + scikit-learn service (../shared/peer)
#   heimdall serve  vs  nginx returning a fixed JSON body
# wrk: keep-alive, 2 threads, 64 connections, POST /predict (throughput) and
# 16 connections (p99 latency). Runs alternate nginx/heimdall so that drift on
# this noisy 2-core machine hits both; only the ratios mean anything.
#
#   bench/serve_bench.sh [seconds-per-run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
shared=${HEIMDALL_SHARED:-$root/../shared}
duration=${1:-10}

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx-light)
/usr/bin/python3 -c 'import flask, sklearn, joblib' 2>/dev/null \
  || need+=(python3-flask python3-sklearn python3-joblib)
if ((${#need[@]})); then
  apt-get install -y -q -o DPkg::Lock::Timeout=600 "${need[@]}" >/dev/null
fi
[ -x build/heimdall ] || scripts/bootstrap.sh >/dev/null

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
wait_for() {  # url
  for _ in $(seq 100); do
    curl -sf -o /dev/null -X POST -H 'Content-Type: application/json' \
      -d '{"heart_rate":80,"oxygen_level":99,"temperature":37}' "$1" && return 0
    sleep 0.1
  done
  echo "serve_bench: $1 did not come up" >&2
  return 1
}

# The same model as the reference: trained on the reference's training file.
build/heimdall train --input "$shared/peer/peer_train.csv" --out "$work/model.json" >/dev/null
hport=$(free_port)
build/heimdall --log-level warn serve --model "$work/model.json" --port "$hport" \
  --threads 2 &
hpid=$!
pids+=("$hpid")

nport=$(free_port)
body='{"failure_probability":0.01,"decision":0.28,"anomaly":false}'
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/body;
  server {
    listen 127.0.0.1:$nport reuseport;
    location / { default_type application/json; return 200 '$body'; }
  }
}
CONF
nginx -c "$work/nginx.conf" -e "$work/nginx-error.log"

pport=$(free_port)
ppid_=$(PORT=$pport PEER_WORKDIR=$work "$shared/peer/start-peer")
pids+=("$ppid_")

wait_for "http://127.0.0.1:$hport/predict"
wait_for "http://127.0.0.1:$nport/predict"
wait_for "http://127.0.0.1:$pport/predict"

# run NAME PORT CONNECTIONS SECONDS -> "requests_per_second p99_ms"
run() {
  local out
  out=$(wrk -t2 -c"$3" -d"$4"s --latency -s "$shared/peer/post.lua" \
    "http://127.0.0.1:$2/predict")
  if grep -q 'Non-2xx' <<<"$out"; then
    echo "serve_bench: $1 answered non-2xx:" >&2
    echo "$out" >&2
    return 1
  fi
  local rps p99
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v/=1000}
        else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v*=1000}
        print v}' <<<"$out")
  echo "$rps $p99"
}

echo "machine: $(nproc) cores, $(awk -F': ' '/model name/ {print $2; exit}' /proc/cpuinfo); wrk -t2, ${duration}s runs"
declare -A sum_rps
declare -A runs
record() {  # name result
  read -r rps p99 <<<"$2"
  printf '  %-9s c%-3s %10.0f req/s  p99 %7.3f ms\n' "$1" "$3" "$rps" "$p99"
  sum_rps[$1]=$(awk -v a="${sum_rps[$1]:-0}" -v b="$rps" 'BEGIN {print a+b}')
  runs[$1]=$(( ${runs[$1]:-0} + 1 ))
}
for round in 1 2; do
  record nginx "$(run nginx "$nport" 64 "$duration")" 64
  record heimdall "$(run heimdall "$hport" 64 "$duration")" 64
done
record peer "$(run peer "$pport" 64 "$duration")" 64

p99s=()
for round in 1 2; do
  read -r _ n99 <<<"$(run nginx "$nport" 16 "$duration")"
  read -r _ h99 <<<"$(run heimdall "$hport" 16 "$duration")"
  printf '  c16 round %d: p99 nginx %.3f ms, heimdall %.3f ms\n' "$round" "$n99" "$h99"
  p99s+=("$n99 $h99")
done
rss_kb=$(awk '/VmHWM/ {print $2}' "/proc/$hpid/status")

mean() { awk -v s="${sum_rps[$1]}" -v n="${runs[$1]}" 'BEGIN {print s/n}'; }
h=$(mean heimdall); n=$(mean nginx); p=$(mean peer)
echo
printf 'heimdall/peer  throughput ratio: %8.1fx  (target >= 100x)\n' "$(awk -v a="$h" -v b="$p" 'BEGIN {print a/b}')"
printf 'heimdall/nginx throughput ratio: %8.2fx  (target >= 0.8x)\n' "$(awk -v a="$h" -v b="$n" 'BEGIN {print a/b}')"
for pair in "${p99s[@]}"; do
  read -r n99 h99 <<<"$pair"
  printf 'p99 at 16 connections, heimdall/nginx: %.2fx  (target <= 1.0x)\n' "$(awk -v a="$h99" -v b="$n99" 'BEGIN {print a/b}')"
done
printf 'heimdall serve peak resident memory under load: %.1f MB  (target < 20 MB)\n' "$(awk -v k="$rss_kb" 'BEGIN {print k/1024}')"
