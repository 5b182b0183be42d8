#!/usr/bin/env bash
# Checks a live node's audit log with independent code: builds tools/tlogverify against Debian's
# golang.org/x/mod (sumdb/note, sumdb/tlog) in GOPATH mode, starts a node, makes some history,
# and lets the Go program verify the checkpoint signatures, every inclusion proof and a
# consistency proof. Needs Debian's golang-go and golang-golang-x-mod-dev.
# Usage: scripts/verify-audit-with-go.sh [LIAISON_BINARY]
set -euo pipefail
bin=$(realpath "${1:-.build/debug/liaison}")
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
(cd tools/tlogverify && GO111MODULE=off GOPATH="$work/gopath:/usr/share/gocode" GOCACHE="$work/gocache" go build -o "$work/tlogverify" .)

dir=$work/node
"$bin" init --data-dir "$dir" --agency-code XA-POL --name "Aldoria Police" --jurisdiction XA >/dev/null
echo "an oversight password" | "$bin" user add --data-dir "$dir" --username monitor --role oversight --password-stdin >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
fed=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin" serve --data-dir "$dir" --port "$port" --federation-port "$fed" --log-level warning &
server=$!
url=http://127.0.0.1:$port
for _ in $(seq 200); do curl -sf "$url/readyz" >/dev/null && break; sleep 0.05; done

token() { curl -sf -X POST "$url/api/v1/auth/token" -H 'Content-Type: application/json' -d '{"username":"monitor","password":"an oversight password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
tok=$(token)
curl -sf -X POST -H "Authorization: Bearer $tok" "$url/api/v1/audit/checkpoint" >"$work/old.note"
# More history: failed and successful sign-ins, an audit read.
for user in monitor nobody ghost; do curl -s -o /dev/null -X POST "$url/api/v1/auth/token" -H "Content-Type: application/json" -d "{\"username\":\"$user\",\"password\":\"wrong\"}"; done
tok=$(token)
curl -sf -o /dev/null -H "Authorization: Bearer $tok" "$url/api/v1/audit/entries?start=0&end=5"
curl -sf -o /dev/null -X POST -H "Authorization: Bearer $tok" "$url/api/v1/audit/checkpoint"
vkey=$("$bin" identity --data-dir "$dir" | python3 -c 'import json,sys; print(json.load(sys.stdin)["auditVerifierKey"])')
"$work/tlogverify" -url "$url" -token "$tok" -vkey "$vkey" -old-note "$work/old.note"
