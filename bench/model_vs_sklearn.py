#!/usr/bin/python3
"""Scoring speed of Heimdall's model layer against scikit-learn, same model.

Trains scikit-learn's OneClassSVM and `heimdall train` on the same peer
training file, checks that both give the same decision values, times
sklearn's decision_function (one reading per call, and one 1M-row batch),
runs bench/model_bench (Google Benchmark) on the Heimdall model in the same
run, and prints ns per reading, readings/s and the ratios.

Usage: /usr/bin/python3 bench/model_vs_sklearn.py [--build-dir DIR]
Needs Debian's python3-sklearn; the build dir must hold heimdall and
model_bench (cmake --build DIR --target heimdall model_bench).
"""
import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np
from sklearn.svm import OneClassSVM

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
PEER = os.path.join(os.path.dirname(REPO), "shared", "peer")
BATCH_ROWS = 1_000_000
SINGLE_CALLS = 5_000


def probe_rows(n, seed):
    """Readings spread like the peer probes (mostly anomalous)."""
    rng = np.random.RandomState(seed)
    return np.column_stack([rng.uniform(40, 200, n), rng.uniform(70, 100, n),
                            rng.uniform(34, 42, n)])


def cpu_seconds(fn):
    start = time.thread_time()
    fn()
    return time.thread_time() - start


def time_sklearn(model):
    """Returns (ns per single-reading call, readings/s in a 1M batch)."""
    singles = [row.reshape(1, 3) for row in probe_rows(1000, 11)]
    for row in singles[:100]:  # Warm up.
        model.decision_function(row)
    rounds = []
    for _ in range(5):
        calls = SINGLE_CALLS // 5
        seconds = cpu_seconds(
            lambda: [model.decision_function(singles[i % 1000])
                     for i in range(calls)])
        rounds.append(seconds / calls * 1e9)
    batch = probe_rows(BATCH_ROWS, 12)
    best = min(cpu_seconds(lambda: model.decision_function(batch))
               for _ in range(3))
    return statistics.median(rounds), BATCH_ROWS / best


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, capture_output=True, text=True,
                          **kwargs)


def check_parity(heimdall, model_file, sk_model, workdir):
    """Scores 20k probes with `heimdall score`; returns the max |difference|."""
    rows = probe_rows(20_000, 13)
    path = os.path.join(workdir, "probes.csv")
    np.savetxt(path, rows, delimiter=",", fmt="%.17g",
               header="heart_rate,oxygen_level,temperature", comments="")
    out = run([heimdall, "score", "--model", model_file,
               "--input", path]).stdout
    ours = np.array([float(line.split(",")[3])
                     for line in out.splitlines()[1:]])
    return float(np.max(np.abs(ours - sk_model.decision_function(rows))))


def time_heimdall(bench, model_file):
    """Returns the Google Benchmark entries by name (CPU time)."""
    env = dict(os.environ, HEIMDALL_BENCH_MODEL=model_file)
    out = run([bench, "--benchmark_format=json", "--benchmark_min_time=1",
               "--benchmark_repetitions=3",
               "--benchmark_report_aggregates_only=true"], env=env).stdout
    return {b["run_name"]: b for b in json.loads(out)["benchmarks"]
            if b.get("aggregate_name") == "median"}


def machine():
    model = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    flags = open("/proc/cpuinfo").read()
    simd = "avx512f" if " avx512f" in flags else (
        "avx2" if " avx2" in flags else "sse")
    return (f"{model}, {os.cpu_count()} logical CPUs, widest SIMD {simd}, "
            f"load average {os.getloadavg()[0]:.2f}, {platform.platform()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--build-dir", default=os.path.join(REPO, "build"))
    args = parser.parse_args()
    heimdall = os.path.join(args.build_dir, "heimdall")
    bench = os.path.join(args.build_dir, "model_bench")
    train = os.path.join(PEER, "peer_train.csv")

    X = np.loadtxt(train, delimiter=",", skiprows=1)
    sk_model = OneClassSVM(kernel="rbf", gamma="auto", nu=0.05).fit(X)
    with tempfile.TemporaryDirectory() as workdir:
        model_file = os.path.join(workdir, "peer.json")
        run([heimdall, "train", "--input", train, "--out", model_file])
        parity = check_parity(heimdall, model_file, sk_model, workdir)
        sk_single_ns, sk_batch_rate = time_sklearn(sk_model)
        results = time_heimdall(bench, model_file)

    single_ns = results["BM_Decision"]["cpu_time"]
    batch_rate = results["BM_DecisionBatch/1048576"]["items_per_second"]
    libsvm_ns = results["BM_LibsvmDecision"]["cpu_time"]
    explain_ns = results["BM_Explain"]["cpu_time"]
    print(f"machine: {machine()}")
    print(f"model: peer_train.csv, {len(sk_model.support_)} support vectors, "
          f"max |heimdall - sklearn| over 20k probes {parity:.2e}")
    print("times are CPU time of the measuring thread (medians)\n")
    print(f"{'':34}{'sklearn':>14}{'heimdall':>14}{'speed-up':>10}")
    print(f"{'single reading, ns/reading':34}{sk_single_ns:14.0f}"
          f"{single_ns:14.1f}{sk_single_ns / single_ns:9.0f}x")
    print(f"{'1M batch, readings/s':34}{sk_batch_rate:14.3e}"
          f"{batch_rate:14.3e}{batch_rate / sk_batch_rate:9.1f}x")
    print(f"{'1M batch, ns/reading':34}{1e9 / sk_batch_rate:14.1f}"
          f"{1e9 / batch_rate:14.1f}")
    print(f"\nlibsvm svm_predict_values, same process: {libsvm_ns:.1f} "
          f"ns/reading ({libsvm_ns / single_ns:.1f}x heimdall's single)")
    print(f"heimdall Explain (3 features): {explain_ns:.0f} ns/reading")
    print(f"targets: single < 100 ns: "
          f"{'met' if single_ns < 100 else 'MISSED'}; "
          f"batch >= 20M readings/s per core: "
          f"{'met' if batch_rate >= 20e6 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
