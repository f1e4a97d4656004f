#!/bin/bash
# Measures the http layer against nginx on this machine: wrk keep-alive POST
# /predict, alternating servers round by round so that both see the same
# background load, then prints each run and the median ratios.
#
#   bench/http_vs_nginx.sh [BUILD_DIR] [ROUNDS] [DURATION]
#
# BUILD_DIR (default build) must hold libheimdall_http.a and
# libheimdall_common.a. Servers: nginx returning a fixed JSON body
# (worker_processes 2), http_bench_server in full mode (strict JSON parse,
# three fields, JSON answer, metrics) and in raw mode (constant answer).
# Everything listens on 127.0.0.1 and is stopped by PID on exit. Needs g++,
# nginx and wrk (Debian: nginx-light, wrk).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
rounds=${2:-5}
duration=${3:-5s}
work=$(mktemp -d /tmp/http_vs_nginx.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Ports: nginx, full, raw.
read -r p_nginx p_full p_raw < <(python3 -c '
import socket
socks = [socket.socket() for _ in range(3)]
for s in socks: s.bind(("127.0.0.1", 0))
print(*[s.getsockname()[1] for s in socks])')

g++ -std=c++20 -O2 -I"$root/src" "$root/bench/http_bench_server.cc" \
  "$build/libheimdall_http.a" "$build/libheimdall_common.a" \
  -lprometheus-cpp-core -lcurl -lhttp_parser -lspdlog -lfmt -pthread \
  -o "$work/http_bench_server"

mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
worker_processes 2;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  fastcgi_temp_path $work/nginx/fastcgi;
  uwsgi_temp_path $work/nginx/uwsgi;
  scgi_temp_path $work/nginx/scgi;
  server {
    listen 127.0.0.1:$p_nginx;
    location / {
      default_type application/json;
      return 200 '{"failure_probability":0.01}';
    }
  }
}
EOF
nginx -c "$work/nginx/nginx.conf" -p "$work/nginx" &
pids+=($!)
"$work/http_bench_server" "$p_full" 2 >"$work/full.log" 2>&1 &
pids+=($!)
"$work/http_bench_server" "$p_raw" 2 raw >"$work/raw.log" 2>&1 &
pids+=($!)

cat >"$work/post.lua" <<'EOF'
wrk.method = "POST"
wrk.body = '{"heart_rate": 80, "oxygen_level": 98.5, "temperature": 36.9}'
wrk.headers["Content-Type"] = "application/json"
EOF
for port in "$p_nginx" "$p_full" "$p_raw"; do
  for _ in $(seq 50); do
    curl -s -o /dev/null -X POST "http://127.0.0.1:$port/predict" && break
    sleep 0.1
  done
done

# One wrk run: prints "rps p99_ms" (no output lines on errors).
run() {
  local out
  out=$(wrk -t2 -c"$2" -d"$duration" --latency -s "$work/post.lua" \
    "http://127.0.0.1:$1/predict")
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then
    echo "errors in run on port $1:" >&2
    grep -E "Non-2xx|Socket errors" <<<"$out" >&2
  fi
  awk '/Requests\/sec/ {rps=$2}
       $1=="99%" {v=$2; ms=v+0; if (v ~ /us$/) ms/=1000;
                  else if (v ~ /[0-9]s$/ && v !~ /ms$/) ms*=1000; p99=ms}
       END {printf "%.0f %.3f\n", rps, p99}' <<<"$out"
}

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
results="$work/results"
for conns in 64 16; do
  for round in $(seq "$rounds"); do
    for server in nginx full raw; do
      port_var="p_$server"
      read -r rps p99 < <(run "${!port_var}" "$conns")
      echo "$conns $round $server $rps $p99" | tee -a "$results"
    done
  done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"

# Per round ratios against the nginx run of the same round, then medians.
python3 - "$results" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    conns, rnd, server, rps, p99 = line.split()
    runs[(int(conns), int(rnd), server)] = (float(rps), float(p99))
for conns in (64, 16):
    rounds = sorted({r for (c, r, _) in runs if c == conns})
    for server in ("full", "raw"):
        tput = [runs[(conns, r, server)][0] / runs[(conns, r, "nginx")][0]
                for r in rounds]
        p99 = [runs[(conns, r, server)][1] / runs[(conns, r, "nginx")][1]
               for r in rounds]
        print(f"c={conns} {server}: throughput/nginx median "
              f"{statistics.median(tput):.2f} (min {min(tput):.2f}, max "
              f"{max(tput):.2f}); p99/nginx median "
              f"{statistics.median(p99):.2f}")
EOF
