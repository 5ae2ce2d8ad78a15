#!/usr/bin/env bash
# schemathesis, a property-based API tester, against the generated example server: installs it
# (PyPI, into a virtualenv reused when already there), starts the example server, runs every
# check on the checked-in spec, and fails on any failure that tests/peers/schemathesis-expected.txt
# does not explain as a fault of the spec itself.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
P=${PEERS_DIR:-$ROOT/target/peers}
V=$P/schemathesis-venv
VERSION=4.32.5
log() { printf '[schemathesis] %s\n' "$*"; }

if ! [ -x "$V/bin/st" ] || [ "$("$V/bin/st" --version 2>/dev/null)" != "st, version $VERSION" ]; then
  log "installing schemathesis==$VERSION into $V"
  python3 -m venv "$V"
  "$V/bin/pip" install -q --disable-pip-version-check "schemathesis==$VERSION"
fi

# schemathesis reads the spec as it is, $refs included; only the placeholder is substituted
WORK=$(mktemp -d)
SERVER_PID=""
cleanup() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -r spec/client-server/. "$WORK/spec"
sed -i 's/%CLIENT_MAJOR_VERSION%/r0/g' "$WORK"/spec/*.yaml

cargo build --quiet -p matrix-client-server-api --features client,server --example server
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$ROOT/target/debug/examples/server" --listen "127.0.0.1:$PORT" > "$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  python3 -c "import socket,sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), 1)" "$PORT" 2>/dev/null && break
  sleep 0.1
done

t0=$SECONDS
log "st run against the example server at 127.0.0.1:$PORT"
# positive_data_acceptance crashes inside schemathesis on this spec (see shared/peers/README.md)
(cd "$WORK/spec" && "$V/bin/st" run administrative_contact.yaml \
    --url "http://127.0.0.1:$PORT/_matrix/client/r0" \
    --checks all --exclude-checks positive_data_acceptance \
    -H "Authorization: Bearer token-alice" \
    --max-examples 100 --seed 20181030 \
    --report ndjson --report-ndjson-path "$WORK/events.ndjson") > "$WORK/st.out" 2>&1 || true
tail -n 25 "$WORK/st.out"
python3 tests/peers/schemathesis_check.py "$WORK/events.ndjson" tests/peers/schemathesis-expected.txt
log "took $((SECONDS - t0)) s"
