#!/usr/bin/env bash
# Times importing a generated transaction file into a case on a running node (SQLite, or the
# PostgreSQL server LIAISON_DATABASE_URL names) and the first trace and scan after it, and reports
# the node's peak resident memory.
#
#   scripts/finance-import-bench.sh .build/release/liaison 5000000
#
# Only 127.0.0.1 is used. Prints one line per step.
set -euo pipefail
binary=$(realpath "$1")
transactions=${2:-1000000}
accounts=$((transactions / 10))
work=$(mktemp -d /tmp/liaison-finance-bench.XXXXXX)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
node="$work/node"
port=$((20000 + RANDOM % 20000))
password="bench-password-$RANDOM-$RANDOM"
export LIAISON_PASSWORD="$password"

"$binary" finance generate --accounts "$accounts" --transactions "$transactions" --patterns 200 --output "$work/generated.csv" > /dev/null
echo "file: $(wc -l < "$work/generated.csv") lines, $(du -m "$work/generated.csv" | cut -f1) MB"
"$binary" init --data-dir "$node" --agency-code XL-FIN --name "Finance bench" --jurisdiction XL > /dev/null
echo "$password" | "$binary" user add --data-dir "$node" --username ivy --role investigator --password-stdin > /dev/null
"$binary" serve --data-dir "$node" --port "$port" --log-level warning &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$url/healthz" > /dev/null && break; sleep 0.2; done
reference=$("$binary" cases open --url "$url" --username ivy --title "Import benchmark" --offence laundering-of-the-proceeds-of-crime \
    --legal-basis "benchmark" | tail -1)
start=$(date +%s.%N)
"$binary" finance import --url "$url" --username ivy "$reference" "$work/generated.csv" > /dev/null
end=$(date +%s.%N)
echo "import: $(echo "$end - $start" | bc) s"
start=$(date +%s.%N)
"$binary" finance trace --url "$url" --username ivy "$reference" --transaction gen-4711 --depth 6 > /dev/null
end=$(date +%s.%N)
echo "first trace (loads the ledger, builds the graph): $(echo "$end - $start" | bc) s"
start=$(date +%s.%N)
"$binary" finance scan --url "$url" --username ivy "$reference" > /dev/null
end=$(date +%s.%N)
echo "scan: $(echo "$end - $start" | bc) s"
echo "node peak resident memory: $(grep VmHWM /proc/$server/status | awk '{print $2 / 1024}') MB"
