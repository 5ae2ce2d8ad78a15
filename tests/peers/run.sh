#!/usr/bin/env bash
# Runs the project's tests with real Matrix peers:
#  1. installs Synapse (matrix-synapse from PyPI) into a virtualenv, reused when already there;
#  2. configures it for 127.0.0.1 only (sqlite, open registration and registration by shared
#     secret, failed logins rate-limited low, a plain-HTTP federation listener federating with
#     `peers.test` only, an application service at a free port owning @peers-as-* and
#     interested in every room),
#     starts it on a free port and waits for /_matrix/client/versions;
#  3. registers users and attaches two 3PIDs each to carol and dave through the admin API;
#  4. runs COMMAND (default: cargo test --workspace) with SYNAPSE_URL and the users' tokens set,
#     so that tests/tests/synapse.rs drives the generated client against Synapse;
#  5. installs matrix-js-sdk (npm ci) and runs tests/peers/js/check.mjs against the generated
#     example server, and tests/peers/js/flows_v118.mjs against an example homeserver on the
#     server generated from the v1.18 API (tests/peers/v118/homeserver.rs);
#  6. always stops Synapse (by its pid) and the example server.
# Usage: tests/peers/run.sh [COMMAND...]      PEERS_DIR moves the virtualenv and Synapse's data.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
P=${PEERS_DIR:-$ROOT/target/peers}
PY=$P/venv/bin/python
SYNAPSE_VERSION=${SYNAPSE_VERSION:-1.163.2}
SECRET=peers-shared-secret
PASSWORD=peers-password
mkdir -p "$P"

log() { printf '[peers] %s\n' "$*"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

install_synapse() {
  if [ -x "$PY" ] && "$PY" -c "import synapse, sys; sys.exit(0 if synapse.__version__.split()[0] == '$SYNAPSE_VERSION' else 1)" 2>/dev/null; then
    log "Synapse $SYNAPSE_VERSION already installed in $P/venv"
    return
  fi
  log "installing matrix-synapse==$SYNAPSE_VERSION into $P/venv"
  [ -x "$PY" ] || python3 -m venv "$P/venv"
  "$P/venv/bin/pip" install -q --disable-pip-version-check "matrix-synapse==$SYNAPSE_VERSION"
}

configure_synapse() {
  rm -rf "$P/data" "$P/hs.yaml" "$P/log.yaml"
  mkdir -p "$P/data"
  "$PY" -m synapse.app.homeserver --server-name localhost --config-path "$P/hs.yaml" \
      --generate-config --report-stats=no --data-directory "$P/data" > /dev/null
  "$PY" - "$P" "$SECRET" "$PORT" "$FED_PORT" "$AS_PORT" "$AS_TOKEN" "$HS_TOKEN" <<'PYEOF'
import sys, yaml
p, secret, port, fed_port, as_port, as_token, hs_token = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6], sys.argv[7]
c = yaml.safe_load(open(f"{p}/hs.yaml"))
c["listeners"] = [{"port": port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                   "x_forwarded": False, "resources": [{"names": ["client"], "compress": False}]},
                  # federation (and /_matrix/key/v2/server) on a plain-HTTP loopback listener
                  {"port": fed_port, "bind_addresses": ["127.0.0.1"], "type": "http", "tls": False,
                   "x_forwarded": False, "resources": [{"names": ["federation"], "compress": False}]}]
c["database"] = {"name": "sqlite3", "args": {"database": f"{p}/data/homeserver.db"}}
c["registration_shared_secret"] = secret
# federation only with the test's own server name (its requests signed by the generated client)
c["federation_domain_whitelist"] = ["peers.test"]
# an application service built on the generated application-service server, interested in
# every room and owning the users @peers-as-*
open(f"{p}/appservice.yaml", "w").write(yaml.safe_dump({
    "id": "peers-as", "url": f"http://127.0.0.1:{as_port}", "as_token": as_token, "hs_token": hs_token,
    "sender_localpart": "peers-as-bot", "rate_limited": False,
    "namespaces": {"users": [{"exclusive": True, "regex": "@peers-as-.*:localhost"}],
                   "rooms": [{"exclusive": False, "regex": "!.*"}], "aliases": []}}))
c["app_service_config_files"] = [f"{p}/appservice.yaml"]
c["trusted_key_servers"] = []
c["suppress_key_server_warning"] = True
# Synapse may never make outbound requests except to loopback
c["ip_range_blacklist"] = ["0.0.0.0/0", "::/0"]
c["ip_range_whitelist"] = ["127.0.0.0/8", "::1/128"]
c["report_stats"] = False
c["presence"] = {"enabled": False}
big = {"per_second": 1000, "burst_count": 1000}
for k in ["rc_message", "rc_registration", "rc_3pid_validation", "rc_admin_redaction", "rc_room_creation"]:
    c[k] = dict(big)
# failed logins are limited low, per account: the v1.18 flows hit that limit on purpose, on an
# account of their own
c["rc_login"] = {"address": dict(big), "account": dict(big),
                 "failed_attempts": {"per_second": 0.1, "burst_count": 3}}
# open registration (the dummy stage of user-interactive auth), for the v1.18 flows
c["enable_registration"] = True
c["enable_registration_without_verification"] = True
# media stays readable through the unauthenticated paths 1.11 deprecated (Synapse's default
# refuses them for new media), so that the series crate's client reads it through both
c["enable_authenticated_media"] = False
c["log_config"] = f"{p}/log.yaml"
yaml.safe_dump(c, open(f"{p}/hs.yaml", "w"), sort_keys=False)
open(f"{p}/log.yaml", "w").write(f"""version: 1
formatters:
  precise: {{format: '%(asctime)s - %(name)s - %(levelname)s - %(request)s - %(message)s'}}
handlers:
  file: {{class: logging.FileHandler, formatter: precise, filename: {p}/homeserver.log}}
root: {{level: INFO, handlers: [file]}}
disable_existing_loggers: false
""")
PYEOF
}

SYNAPSE_PID=""
SERVER_PID=""
stop_all() {
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
  if [ -n "$SYNAPSE_PID" ]; then
    kill "$SYNAPSE_PID" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$SYNAPSE_PID" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$SYNAPSE_PID" 2>/dev/null || true
    log "Synapse stopped"
  fi
}
trap stop_all EXIT

wait_for() {  # wait_for URL PID NAME
  for _ in $(seq 1 300); do
    # any HTTP answer, even an error status, means the server is up
    if python3 -c "
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=1)
except urllib.error.HTTPError:
    pass
" "$1" 2>/dev/null; then return 0; fi
    if ! kill -0 "$2" 2>/dev/null; then log "$3 died"; return 1; fi
    sleep 0.2
  done
  log "$3 did not come up"; return 1
}

start_synapse() {
  "$PY" -m synapse.app.homeserver -c "$P/hs.yaml" > "$P/synapse.stdout" 2>&1 &
  SYNAPSE_PID=$!
  echo "$SYNAPSE_PID" > "$P/synapse.pid"
  local t0=$SECONDS
  wait_for "$HS/_matrix/client/versions" "$SYNAPSE_PID" Synapse || { cat "$P/synapse.stdout"; tail -50 "$P/homeserver.log" || true; exit 1; }
  log "Synapse up at $HS (pid $SYNAPSE_PID) in $((SECONDS - t0)) s"
}

# JSON requests with the venv's Python: api METHOD PATH TOKEN BODY → the response body
api() {
  "$PY" - "$HS" "$@" <<'PYEOF'
import json, sys, urllib.request
hs, method, path, token, body = sys.argv[1:6]
req = urllib.request.Request(hs + path, data=body.encode() if body else None, method=method)
req.add_header("Content-Type", "application/json")
if token:
    req.add_header("Authorization", "Bearer " + token)
with urllib.request.urlopen(req, timeout=30) as r:
    print(r.read().decode())
PYEOF
}

login() {  # login USER → access token
  api POST /_matrix/client/v3/login "" \
    "{\"type\":\"m.login.password\",\"identifier\":{\"type\":\"m.id.user\",\"user\":\"$1\"},\"password\":\"$PASSWORD\"}" |
    "$PY" -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'
}

provision() {
  "$P/venv/bin/register_new_matrix_user" -u alice -p "$PASSWORD" -a -k "$SECRET" "$HS" > /dev/null
  ALICE=$(login alice)
  for user in carol dave; do
    api PUT "/_synapse/admin/v2/users/@$user:localhost" "$ALICE" "{\"password\":\"$PASSWORD\",\"threepids\":[
      {\"medium\":\"email\",\"address\":\"$user@example.org\"},
      {\"medium\":\"msisdn\",\"address\":\"44770090000${#user}\"}]}" > /dev/null
  done
  export SYNAPSE_URL=$HS
  SYNAPSE_CAROL_TOKEN=$(login carol)
  SYNAPSE_DAVE_TOKEN=$(login dave)
  export SYNAPSE_CAROL_TOKEN SYNAPSE_DAVE_TOKEN
  # for tests/peers/sets_v118.rs: the federation listener, and the application service's
  # address and tokens as the registration file gives them to Synapse
  export SYNAPSE_FEDERATION_URL="http://127.0.0.1:$FED_PORT" SYNAPSE_SERVER_NAME=localhost
  export SYNAPSE_AS_ADDR="127.0.0.1:$AS_PORT" SYNAPSE_AS_TOKEN=$AS_TOKEN SYNAPSE_HS_TOKEN=$HS_TOKEN
  log "users alice (admin), carol and dave registered; carol and dave have two 3PIDs each"
}

# The key of the server the generated federation client signs as (`peers.test`), put where
# Synapse keeps the server keys it has fetched: Synapse cannot fetch them itself on loopback
# (it asks https://peers.test), so this stands in for that fetch.
seed_peer_key() {
  export SYNAPSE_PEER_SERVER=peers.test SYNAPSE_PEER_KEY_ID=ed25519:peers
  SYNAPSE_PEER_SEED=$("$PY" -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode().rstrip("="))')
  export SYNAPSE_PEER_SEED
  "$PY" - "$P/data/homeserver.db" <<'PYEOF'
import json, os, sqlite3, sys, time
from signedjson.key import decode_signing_key_base64, encode_verify_key_base64, get_verify_key
server, key_id, seed = os.environ["SYNAPSE_PEER_SERVER"], os.environ["SYNAPSE_PEER_KEY_ID"], os.environ["SYNAPSE_PEER_SEED"]
verify = encode_verify_key_base64(get_verify_key(decode_signing_key_base64("ed25519", key_id.split(":")[1], seed)))
now = int(time.time() * 1000)
until = now + 24 * 3600 * 1000
key_json = json.dumps({"server_name": server, "valid_until_ts": until,
                       "verify_keys": {key_id: {"key": verify}}, "old_verify_keys": {}}).encode()
db = sqlite3.connect(sys.argv[1], timeout=30)
db.execute("INSERT INTO server_keys_json (server_name, key_id, from_server, ts_added_ms, ts_valid_until_ms, key_json) VALUES (?, ?, ?, ?, ?, ?)",
           (server, key_id, server, now, until, key_json))
db.commit()
PYEOF
  log "the key $SYNAPSE_PEER_KEY_ID of $SYNAPSE_PEER_SERVER is known to Synapse"
}

# js_against BINARY NAME PROBE SCRIPT: starts BINARY on a free port, waits until PROBE (a path)
# answers, runs tests/peers/js/SCRIPT against it and stops it.
js_against() {
  local binary=$1 name=$2 probe=$3 script=$4 port
  port=$(free_port)
  "$binary" --listen "127.0.0.1:$port" > "$P/$(basename "$binary").log" 2>&1 &
  SERVER_PID=$!
  wait_for "http://127.0.0.1:$port$probe" "$SERVER_PID" "$name" || true
  log "matrix-js-sdk ($script) against $name at 127.0.0.1:$port"
  (cd tests/peers/js && BASE_URL="http://127.0.0.1:$port" node "$script" 2>&1 | grep -v '^FetchHttpApi')
  kill "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=""
}

run_js_sdk() {
  local t0=$SECONDS
  log "matrix-js-sdk: npm ci"
  (cd tests/peers/js && npm ci --no-audit --no-fund --silent)
  # the features `cargo test --workspace` built the crate with, so nothing is rebuilt
  cargo build --quiet -p matrix-client-server-api --features client,server --example server
  js_against "$ROOT/target/debug/examples/server" "the generated example server" \
      /_matrix/client/v3/account/3pid/nope check.mjs
  log "matrix-js-sdk checks took $((SECONDS - t0)) s"
}

# matrix-js-sdk's own flows against an example homeserver on the server generated from the v1.18
# Client-Server API (in ../shared): the crate is generated outside the workspace, the example
# written into its examples/, built in the conformance tests' target folder.
run_js_sdk_v118() {
  local t0=$SECONDS data="$ROOT/../shared/corpus/matrix-spec-v1.18/data"
  if [ ! -d "$data" ]; then
    if [ -n "${CI:-}" ]; then log "../shared is absent, and CI is set"; exit 1; fi
    log "skipped matrix-js-sdk flows on v1.18: ../shared is absent"
    return
  fi
  local crate
  crate=$(mktemp -d)
  cargo xtask gen --spec "$data/api/client-server" --root "$data" --events "$data/event-schemas/schema" --out "$crate" \
      --crate-name matrix-client-server-api-v1-18 2> /dev/null
  mkdir -p "$crate/examples"
  sed 's/CRATE/matrix_client_server_api_v1_18/g' tests/peers/v118/homeserver.rs > "$crate/examples/homeserver.rs"
  cp Cargo.lock "$crate/"
  # the settings of every build in target/conformance (tests/src/lib.rs, cargo_command)
  (cd "$crate" && env -u RUSTFLAGS CARGO_TARGET_DIR="$ROOT/target/conformance" CARGO_INCREMENTAL=0 \
      CARGO_PROFILE_DEV_DEBUG=line-tables-only cargo build --quiet --offline --features server --example homeserver)
  js_against "$ROOT/target/conformance/debug/examples/homeserver" "the v1.18 example homeserver" \
      /_matrix/client/versions flows_v118.mjs
  rm -rf "$crate"
  log "matrix-js-sdk flows on v1.18 took $((SECONDS - t0)) s"
}

t0=$SECONDS
install_synapse
PORT=$(free_port)
HS="http://127.0.0.1:$PORT"
FED_PORT=$(free_port)
AS_PORT=$(free_port)
AS_TOKEN=peers-as-token-$RANDOM$RANDOM
HS_TOKEN=peers-hs-token-$RANDOM$RANDOM
configure_synapse
start_synapse
provision
seed_peer_key
log "Synapse ready after $((SECONDS - t0)) s"

if [ $# -eq 0 ]; then set -- cargo test --workspace; fi
log "running: $*"
"$@"
run_js_sdk
run_js_sdk_v118
log "all peer checks passed in $((SECONDS - t0)) s"
