#!/usr/bin/env bash
# Fuzzes a fresh node's API with schemathesis against the node's own OpenAPI document, signed in
# as an administrator: no server errors, no response that contradicts the schema.
# Usage: scripts/fuzz-api.sh [LIAISON_BINARY] [SCHEMATHESIS]
set -euo pipefail
bin=${1:-.build/debug/liaison}
st=${2:-schemathesis}
dir=$(mktemp -d)/node
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
password="fuzzing-password-$RANDOM$RANDOM"

"$bin" init --data-dir "$dir" --agency-code XF-FUZ --name "Fuzz agency" --jurisdiction XF >/dev/null
echo "$password" | "$bin" user add --data-dir "$dir" --username admin --role administrator --password-stdin >/dev/null
echo "$password" | "$bin" user add --data-dir "$dir" --username ivy --role investigator --password-stdin >/dev/null
echo "$password" | "$bin" user add --data-dir "$dir" --username dora --role data-protection-officer --password-stdin >/dev/null
"$bin" serve --data-dir "$dir" --port "$port" --log-level warning &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done

token_for() {
  curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/token" -H 'content-type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'
}

# The case-information routes admit only the roles that handle cases; everything else is fuzzed
# as an administrator. The federation endpoints live on the other (TLS) listener.
handler_routes='^/(api/v1/instrument|instruments|api/v1/jits|jits|api/v1/cases|cases|api/v1/messages|api/v1/attachments|messages|api/v1/evidence|evidence|api/v1/screening|screening|api/v1/designations|api/v1/approvals|approvals|api/v1/hits|hits)'
# The data-protection officer's routes: subject requests, oversight, reports, retention.
officer_routes='^/(api/v1/subject-requests|subject-requests|api/v1/oversight|oversight|api/v1/reports|api/v1/retention)'
fuzz() {
  "$st" run "http://127.0.0.1:$port/api/v1/openapi.json" \
    --header "Authorization: Bearer $1" \
    "${@:2}" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
    --max-examples "${FUZZ_EXAMPLES:-60}" \
    --workers 1 \
    --suppress-health-check all \
    --no-color
}
# Tokens first: fuzzing the sign-in endpoint makes many failed sign-ins from this client, and the
# node then refuses further sign-ins from it for ten minutes (password spraying).
admin_token=$(token_for admin)
ivy_token=$(token_for ivy)
dora_token=$(token_for dora)
echo "--- as an administrator"
fuzz "$admin_token" --exclude-path-regex "^/(federation/|api/v1/auth/revocation|api/v1/users/[^/]+/revocation|api/v1/jits|jits|api/v1/cases|cases|api/v1/messages|api/v1/attachments|messages|api/v1/evidence|evidence|api/v1/screening|screening|api/v1/designations|api/v1/approvals|approvals|api/v1/subject-requests|subject-requests|api/v1/oversight|oversight|api/v1/reports|api/v1/retention)"
echo "--- as an investigator"
fuzz "$ivy_token" --include-path-regex "$handler_routes"
echo "--- as a data-protection officer"
fuzz "$dora_token" --include-path-regex "$officer_routes"
# Last: the revocations end the token they are called with (and the administrator's, when the
# fuzzer names it), so nothing is fuzzed after them.
echo "--- revocations, as an administrator"
fuzz "$admin_token" --include-path-regex "revocation$"
