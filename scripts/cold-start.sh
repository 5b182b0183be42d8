#!/usr/bin/env bash
# Measures the time from starting `liaison serve` to the first 200 from /readyz, over N runs.
# Usage: scripts/cold-start.sh [LIAISON_BINARY] [RUNS]
set -euo pipefail
bin=${1:-.build/debug/liaison}
runs=${2:-5}
dir=$(mktemp -d)/node
"$bin" init --data-dir "$dir" --agency-code XT-TIM --name "Timing agency" --jurisdiction XT >/dev/null
python3 - "$bin" "$dir" "$runs" <<'PY'
import socket, statistics, subprocess, sys, time, urllib.request
binary, directory, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
times = []
for _ in range(runs):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]
    start = time.perf_counter()
    process = subprocess.Popen([binary, "serve", "--data-dir", directory, "--port", str(port), "--log-level", "warning"])
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1) as r:
                if r.status == 200: break
        except OSError:
            time.sleep(0.005)
    times.append(time.perf_counter() - start)
    process.terminate(); process.wait()
print(f"serve → /readyz 200: min {min(times)*1000:.0f} ms, median {statistics.median(times)*1000:.0f} ms, max {max(times)*1000:.0f} ms over {runs} runs")
PY
