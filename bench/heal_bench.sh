#!/usr/bin/env bash
# Measures the heal loop of `heimdall up` with the local provider at a
# 100 ms poll interval, through its control API:
#   - fault -> decision: from POST /api/faults {"kind": "acute"} to the
#     incident's time (the poll whose reading made the heal decision);
#   - MTTR: from the decision to the next generation answering its health
#     checks (the heal action's duration: archive + destroy + build);
#   median and worst over HEALS heals;
#   - resident memory, open descriptors and threads of `heimdall up` after
#     the first heals and again after MEMORY_HEALS forced heals, and the
#     number of processes left running (must be the live generation's 2)
#     and of exited children never reaped (zombies; must be 0).
#
#   bench/heal_bench.sh                      # uses build/heimdall
#   HEIMDALL=build-x/heimdall HEALS=20 MEMORY_HEALS=1000 bench/heal_bench.sh
#
# Needs curl and python3. Everything listens on 127.0.0.1 only.
set -euo pipefail
cd "$(dirname "$0")/.."

heimdall=$(realpath "${HEIMDALL:-build/heimdall}")
heals=${HEALS:-20}
memory_heals=${MEMORY_HEALS:-1000}
work=$(mktemp -d /tmp/heimdall-bench-XXXXXX)
up_pid=""

cleanup() {
  if [ -n "$up_pid" ] && kill -0 "$up_pid" 2>/dev/null; then
    kill -TERM "$up_pid"
    wait "$up_pid" 2>/dev/null || true
  fi
  # If heimdall up died, its generation's processes are still marked.
  for f in $(grep -l "HEIMDALL_GENERATION=$work/state/" \
      /proc/[0-9]*/environ 2>/dev/null); do
    pid=${f#/proc/}
    kill -TERM "${pid%/environ}" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/heimdall.toml" <<EOF
state_dir = "$work/state"
[controller]
interval = "100ms"
[policy]
grace = "300ms"
cooldown = "0s"
[policy.backoff]
base = "100ms"
max = "200ms"
[policy.breaker]
max_heals = 0
[probe]
telemetry_timeout = "500ms"
predict_timeout = "500ms"
[api]
listen = "127.0.0.1:0"
# The earlier model flags an acute reading on the first poll, so the times
# below are the loop's own (the default trend detector needs minutes of
# history by design; its lead times come from heimdall evaluate --simulate).
[detector]
parts = ["model"]
EOF

"$heimdall" --log-level warn up --config "$work/heimdall.toml" \
  >"$work/up.log" 2>&1 &
up_pid=$!

# The API port is in the log ("control API on http://127.0.0.1:PORT"),
# which --log-level warn hides; read it from the listening socket instead.
api=""
for _ in $(seq 200); do
  port=$(ss -ltnpH 2>/dev/null | awk -v pid="pid=$up_pid," \
    'index($0, pid) { split($4, a, ":"); print a[length(a)] }' | head -1)
  if [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/api/state" \
    | grep -q '"phase":"watching"'; then
    api="http://127.0.0.1:$port"
    break
  fi
  sleep 0.1
done
[ -n "$api" ] || { echo "heimdall up did not start:"; cat "$work/up.log"; exit 1; }

echo "heimdall: $heimdall"
echo "machine: $(nproc) CPUs, $(uname -r), $(date -u +%FT%TZ)"

# One keep-alive connection for every API call: thousands of short-lived
# connections would measure the HTTP layer, not the heal loop.
python3 - "$api" "$up_pid" "$work/state" "$heals" "$memory_heals" <<'EOF'
import http.client, json, os, statistics, sys, time
api, pid, state_dir, heals, memory_heals = sys.argv[1:]
pid, heals, memory_heals = int(pid), int(heals), int(memory_heals)
conn = http.client.HTTPConnection(api.split("//")[1], timeout=5)

def call(method, path, body=None):
    conn.request(method, path, body=body,
                 headers={"Content-Type": "application/json"} if body else {})
    response = conn.getresponse()
    return response.status, json.loads(response.read() or b"null")

def live_generation():
    state = call("GET", "/api/state")[1]
    if state["phase"] != "watching" or not state["generation"]:
        return 0, state
    return state["generation"]["generation_id"], state

def wait_for_new_generation(old, limit=12.0):
    deadline = time.time() + limit
    while time.time() < deadline:
        generation, state = live_generation()
        if generation not in (0, old):
            return state
        time.sleep(0.01)
    sys.exit(f"no new generation {limit} s after generation {old}")

def process_stats():
    status = dict(line.split(":", 1) for line in open(f"/proc/{pid}/status"))
    return (int(status["VmRSS"].split()[0]), len(os.listdir(f"/proc/{pid}/fd")),
            int(status["Threads"]))

def generation_processes():
    marker = f"HEIMDALL_GENERATION={state_dir}/".encode()
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if marker not in open(f"/proc/{entry}/environ", "rb").read():
                continue
            if open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()[0] \
                    not in "ZX":
                count += 1
        except OSError:
            pass
    return count

def zombie_children():
    # Children of heimdall up that exited and were never reaped.
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = open(f"/proc/{entry}/stat").read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == pid:
            count += 1
    return count

def line(name, xs):
    print(f"{name:<24} median {statistics.median(xs):7.1f} ms   "
          f"worst {max(xs):7.1f} ms   (n={len(xs)})")

injected = []
for _ in range(heals):
    old, _ = live_generation()
    time.sleep(0.4)  # Past the new generation's grace.
    injected.append(time.time() * 1000)
    status, _ = call("POST", "/api/faults", json.dumps({"kind": "acute"}))
    assert status == 200, status
    wait_for_new_generation(old)

incidents = sorted(call("GET", f"/api/incidents?limit={heals}")[1],
                   key=lambda i: i["id"])
actions = sorted(call("GET", f"/api/heals?limit={heals}")[1],
                 key=lambda h: h["id"])
decision = [i["time"] - t for i, t in zip(incidents, injected)]
mttr = [h["duration_ms"] for h in actions]
line("fault -> decision", decision)
line("MTTR (decision -> live)", mttr)
line("fault -> live", [d + m for d, m in zip(decision, mttr)])
print("outcomes:", sorted({h["outcome"] for h in actions}),
      "reasons:", sorted({i["reason"] for i in incidents}))

rss, fds, threads = process_stats()
print(f"after {heals} heals: RSS {rss} kB, {fds} fds, {threads} threads, "
      f"{generation_processes()} generation processes, "
      f"{zombie_children()} zombies")
start = time.time()
report_every = max(memory_heals // 4, 1)
for n in range(1, memory_heals + 1):
    old, _ = live_generation()
    assert call("POST", "/api/heal")[0] == 202
    wait_for_new_generation(old)
    if n % report_every == 0 or n == memory_heals:
        rss, fds, threads = process_stats()
        print(f"after {heals + n} heals: RSS {rss} kB, {fds} fds, "
              f"{threads} threads, {generation_processes()} generation "
              f"processes, {zombie_children()} zombies ({n} forced heals in "
              f"{time.time() - start:.0f} s)")
EOF
