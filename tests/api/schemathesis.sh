#!/usr/bin/env bash
# schemathesis (PyPI, pinned in installer/setup.sh) against the live local API, as `make test`
# runs it: a fresh vault, a token with every scope, `interview-kiosk api serve` on a free loopback
# port, then every operation with generated valid and invalid input, stateful sequences included.
# Fails on any server error, any response that breaks the committed OpenAPI document, invalid
# input accepted, or a call accepted without the token. Not checked: "schema-valid input
# rejected" — the vault's rules that JSON Schema cannot state (an access code's window must not be
# empty, ID numbers have a check digit) rightly answer such input with 422. Needs `make build`.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
app="$root/target/debug/interview-kiosk"
st="$root/.cache/api-test-venv/bin/schemathesis"
[ -x "$st" ] || { echo "schemathesis missing: run installer/setup.sh" >&2; exit 1; }
work="$(mktemp -d)"
server=""
cleanup() {
  if [ -n "$server" ]; then
    kill -TERM "$server" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server" 2>/dev/null || break; sleep 0.1; done
  fi
  rm -rf "$work"
}
trap cleanup EXIT
export INTERVIEW_KIOSK_KEYRING_PASSWORD="schema test keyring" XDG_DATA_HOME="$work/keyring"
export INTERVIEW_KIOSK_PASSWORD="a long enough admin password"
unset DBUS_SESSION_BUS_ADDRESS
run() { "$root/installer/with-keyring" "$app" --data-dir "$work/data" --lang en "$@"; }

run vault init --admin admin >/dev/null
scopes=(candidates:read candidates:write invitations:write interviews:read results:read reports:read outcomes:write)
args=(); for s in "${scopes[@]}"; do args+=(--scope "$s"); done
token="$(run api token create --name schemathesis "${args[@]}" --user admin | awk '$1 ~ /^ikt_/ {print $1}')"
[ -n "$token" ] || { echo "no token" >&2; exit 1; }
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
run api serve --listen "127.0.0.1:$port" --rate 1000000 --user admin > "$work/serve.log" 2>&1 &
for _ in $(seq 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.2
done
(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
# The server itself, not the dbus-run-session wrapper whose command line also names it (TERM to
# the wrapper would leave the server running).
server="$(pgrep -f "^$app .*api serve --listen 127.0.0.1:$port" | head -n 1)"

cd "$work"   # schemathesis keeps its example database in the working directory
"$st" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  -H "Authorization: Bearer $token" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "${SCHEMATHESIS_EXAMPLES:-50}" --seed 20261122 --generation-deterministic \
  --no-color
