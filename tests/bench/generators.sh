#!/usr/bin/env bash
# Generation as a user meets it: each generator run as a process, writing into an empty folder,
# the runs of all of them interleaved, medians printed. Run by hand (it installs three Rust
# generators and two npm packages into target/bench-generators, and needs ../shared):
#
#   tests/bench/generators.sh            # RUNS=5 rounds by default
#   COMPILE=1 tests/bench/generators.sh  # and the compile time of each output, and of ruma
#                                        # (COMPILE_RUNS=3 interleaved rounds by default)
#
# What is timed, per round:
#   - `cargo xtask gen` (release build, run directly): the seed spec; the seed-era Client-Server
#     API; `gen --check` of it (what CI runs); the v1.18 Client-Server API as it is; the same with
#     its event types; all of v1.18 — its five APIs, one process each, and the event types;
#     all of v1.18 as one set (`gen --api ...`: one process, one shared crate);
#   - progenitor (`cargo-progenitor`) on the seed-era Client-Server API, which it cannot read as
#     it is: merged into one Swagger 2.0 file, converted to one OpenAPI 3.0 file by
#     swagger2openapi (external references resolved), then the media types without a schema,
#     all but the JSON one of bodies with several, and the responses of a second success or
#     error type removed (progenitor panics on each);
#   - oas3-gen (types, client, server) and openapi-to-rust on the v1.18 Client-Server API joined
#     into one OpenAPI 3.1 file by `redocly join` (its YAML converted to JSON first, references
#     with it): neither reads a spec spread over files.
# The conversions are done once, before the rounds, and not timed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SHARED="$ROOT/../shared/corpus"
SEED="$SHARED/matrix-doc-5da3072e"
V118="$SHARED/matrix-spec-v1.18/data"
WORK="$ROOT/target/bench-generators"
TOOLS="$WORK/tools"
RUNS=${RUNS:-5}

log() { echo "[generators] $*" >&2; }

if [ ! -d "$SEED" ] || [ ! -d "$V118" ]; then
  log "../shared/corpus is absent: nothing to measure"
  exit 1
fi
mkdir -p "$WORK"

# the tools
for pair in cargo-progenitor:cargo-progenitor oas3-gen:oas3-gen openapi-to-rust:openapi-to-rust; do
  crate=${pair%%:*} bin=${pair##*:}
  if [ ! -x "$TOOLS/bin/$bin" ]; then
    log "installing $crate"
    cargo install --quiet --root "$TOOLS" "$crate"
  fi
done
if [ ! -x "$WORK/npm/node_modules/.bin/redocly" ]; then
  log "installing swagger2openapi and @redocly/cli"
  mkdir -p "$WORK/npm"
  npm install --silent --prefix "$WORK/npm" swagger2openapi @redocly/cli > /dev/null
fi
(cd "$ROOT" && cargo build --quiet --release -p xtask)
XTASK="$ROOT/target/release/xtask"

# the inputs the other generators can read, made once
log "converting the specs for the other generators"
rm -rf "$WORK/in" && mkdir -p "$WORK/in"
cp -r "$SEED" "$WORK/in/seed" && cp -r "$V118" "$WORK/in/v118"
chmod -R u+w "$WORK/in"
python3 - "$WORK/in" <<'EOF'
import glob, json, os, re, sys, yaml
work = sys.argv[1]
# the seed-era corpus stores git symlinks as files holding their target
for f in glob.glob(f"{work}/seed/**/*", recursive=True):
    if os.path.isfile(f) and not os.path.splitext(f)[1] and os.path.getsize(f) < 200:
        target = open(f).read().strip()
        if target.startswith("..") and os.path.exists(os.path.join(os.path.dirname(f), target)):
            os.remove(f)
            os.symlink(target, f)
# the seed-era Client-Server API as one Swagger 2.0 document, full paths
cs = f"{work}/seed/api/client-server"
merged = {"swagger": "2.0", "info": {"title": "Matrix Client-Server API", "version": "r0"},
          "host": "localhost:8008", "schemes": ["https"], "consumes": ["application/json"],
          "produces": ["application/json"], "securityDefinitions": {}, "paths": {}}
for f in sorted(glob.glob(f"{cs}/*.yaml")):
    doc = yaml.safe_load(open(f))
    if not isinstance(doc, dict) or "paths" not in doc:
        continue
    base = doc.get("basePath", "").replace("%CLIENT_MAJOR_VERSION%", "r0")
    for path, item in (doc.get("paths") or {}).items():
        merged["paths"].setdefault(base + path, {}).update(item)
    merged["securityDefinitions"].update(doc.get("securityDefinitions") or {})
yaml.safe_dump(merged, open(f"{cs}/_merged.yaml", "w"), sort_keys=False)
# v1.18 as JSON, references with it
def fix(o):
    if isinstance(o, dict):
        return {k: (re.sub(r"\.yaml(#|$)", r".json\1", v) if k == "$ref" and isinstance(v, str) else fix(v)) for k, v in o.items()}
    if isinstance(o, list):
        return [fix(x) for x in o]
    return o
for f in glob.glob(f"{work}/v118/**/*.yaml", recursive=True):
    json.dump(fix(yaml.safe_load(open(f))), open(f[:-5] + ".json", "w"))
EOF
(cd "$WORK/in/seed/api/client-server" &&
  "$WORK/npm/node_modules/.bin/swagger2openapi" _merged.yaml -r -p -o "$WORK/in/seed-cs.json" 2> /dev/null)
python3 - "$WORK/in/seed-cs.json" <<'EOF'
import json, sys
path = out = sys.argv[1]
spec = json.load(open(path))
def prune(content):
    content = {m: c for m, c in content.items() if "schema" in c}
    if len(content) > 1:
        keep = "application/json" if "application/json" in content else sorted(content)[0]
        content = {keep: content[keep]}
    return content
removed = 0
for item in spec["paths"].values():
    for op in item.values():
        if not isinstance(op, dict):
            continue
        body = op.get("requestBody")
        if body and "content" in body:
            body["content"] = prune(body["content"])
            if not body["content"]:
                del op["requestBody"]
        responses = op.get("responses") or {}
        for response in responses.values():
            if "content" in response:
                response["content"] = prune(response["content"])
                if not response["content"]:
                    del response["content"]
        # one type of success response and one of error response: keep, of each group, the
        # responses of the type of its first response that has a body
        for success in (True, False):
            group = sorted(c for c in responses if str(c).startswith("2") == success)
            typed = [c for c in group if "content" in responses[c]]
            if not typed:
                continue
            want = json.dumps(responses[typed[0]]["content"], sort_keys=True)
            for c in group:
                if json.dumps(responses[c].get("content"), sort_keys=True) != want:
                    del responses[c]
                    removed += 1
json.dump(spec, open(out, "w"))
print(f"progenitor's input: {removed} responses of a second type removed", file=sys.stderr)
EOF
(cd "$WORK/in/v118/api/client-server" &&
  "$WORK/npm/node_modules/.bin/redocly" join ./*.json --prefix-tags-with-filename -o "$WORK/in/v118-cs.json" > /dev/null 2>&1)

# one timed run of a command, in milliseconds; its output goes to $WORK/last.log
ms() {
  local start end
  start=$(date +%s%N)
  if ! "$@" > "$WORK/last.log" 2>&1; then
    log "failed: $*"
    tail -n 20 "$WORK/last.log" >&2
    exit 1
  fi
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

fresh() { rm -rf "$WORK/out/$1" && mkdir -p "$WORK/out/$1" && echo "$WORK/out/$1"; }

gen_all_v118() {
  local out
  out=$(fresh v118-all)
  "$XTASK" gen --spec "$V118/api/client-server" --root "$V118" --events "$V118/event-schemas/schema" \
      --out "$out/client-server" --crate-name cs &&
  for api in server-server application-service identity push-gateway; do
    "$XTASK" gen --spec "$V118/api/$api" --root "$V118" --out "$out/$api" --crate-name "$api" || return 1
  done
}

declare -A times
gen_set_v118() {
  "$XTASK" gen --root "$V118" --events "$V118/event-schemas/schema" --out "$(fresh v118-set)" \
      --api matrix-client-server-api="$V118/api/client-server" --api matrix-federation-api="$V118/api/server-server" \
      --api matrix-application-service-api="$V118/api/application-service" \
      --api matrix-identity-api="$V118/api/identity" --api matrix-push-gateway-api="$V118/api/push-gateway"
}

cases=(seed seed-cs seed-cs-check v118-cs v118-cs-events v118-all v118-set progenitor oas3-types oas3-client oas3-server openapi-to-rust)
for round in $(seq "$RUNS"); do
  log "round $round of $RUNS"
  times[seed]+=" $(ms "$XTASK" gen --spec "$ROOT/spec/client-server" --out "$(fresh seed)")"
  times[seed-cs]+=" $(ms "$XTASK" gen --spec "$SEED/api/client-server" --root "$SEED" --out "$(fresh seed-cs)" --crate-name seed-cs)"
  times[seed-cs-check]+=" $(ms "$XTASK" gen --spec "$SEED/api/client-server" --root "$SEED" --out "$WORK/out/seed-cs" --crate-name seed-cs --check)"
  times[v118-cs]+=" $(ms "$XTASK" gen --spec "$V118/api/client-server" --root "$V118" --out "$(fresh v118-cs)" --crate-name cs)"
  times[v118-cs-events]+=" $(ms "$XTASK" gen --spec "$V118/api/client-server" --root "$V118" --events "$V118/event-schemas/schema" --out "$(fresh v118-cs-events)" --crate-name cs)"
  times[v118-all]+=" $(ms gen_all_v118)"
  times[v118-set]+=" $(ms gen_set_v118)"
  times[progenitor]+=" $(ms "$TOOLS/bin/cargo-progenitor" progenitor -i "$WORK/in/seed-cs.json" -o "$(fresh progenitor)" -n seed-cs -v 0.1.0)"
  times[oas3-types]+=" $(ms "$TOOLS/bin/oas3-gen" generate types -i "$WORK/in/v118-cs.json" -o "$(fresh oas3-types)/types.rs")"
  times[oas3-client]+=" $(ms "$TOOLS/bin/oas3-gen" generate client-mod -i "$WORK/in/v118-cs.json" -o "$(fresh oas3-client)")"
  times[oas3-server]+=" $(ms "$TOOLS/bin/oas3-gen" generate server-mod -i "$WORK/in/v118-cs.json" -o "$(fresh oas3-server)")"
  times[openapi-to-rust]+=" $(ms "$TOOLS/bin/openapi-to-rust" generate "$WORK/in/v118-cs.json" --output-dir "$(fresh openapi-to-rust)" --module-name matrix)"
done

median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
echo "generation as a process, median of $RUNS interleaved rounds, $(nproc) cores (ms):"
for c in "${cases[@]}"; do
  printf '  %-16s %6s   (%s)\n' "$c" "$(echo "${times[$c]}" | median)" "${times[$c]# }"
done

# With COMPILE=1: how long each generator's output for the v1.18 Client-Server API takes to
# build (debug, its dependencies built first, then the crate cleaned and built again, timed),
# beside ruma-events + ruma-client-api, all in one workspace, in one run.
if [ "${COMPILE:-0}" = 1 ]; then
  C="$WORK/compile"
  # the sources afresh; the target folder (dependencies) is kept between runs
  rm -rf "$C/generated" "$C/plain" "$C/oas3" "$C/o2r" "$C/ruma" && mkdir -p "$C"
  "$XTASK" gen --spec "$V118/api/client-server" --root "$V118" --events "$V118/event-schemas/schema" \
      --out "$C/generated" --crate-name matrix-client-server-api-v1-18 > /dev/null 2>&1
  "$XTASK" gen --spec "$V118/api/client-server" --root "$V118" \
      --out "$C/plain" --crate-name matrix-client-server-api-v1-18-plain > /dev/null 2>&1
  # oas3-gen: its client module and its server module, in one crate
  mkdir -p "$C/oas3/src"
  cp -r "$WORK/out/oas3-client" "$C/oas3/src/client_mod"
  cp -r "$WORK/out/oas3-server" "$C/oas3/src/server_mod"
  for m in client_mod server_mod; do
    sed -e "s|^mod \\([a-z]*\\);|#[path = \"$m/\\1.rs\"] mod \\1;|" "$C/oas3/src/$m/mod.rs" > "$C/oas3/src/$m.rs"
    rm "$C/oas3/src/$m/mod.rs"
  done
  printf 'pub mod client_mod;\npub mod server_mod;\n' > "$C/oas3/src/lib.rs"
  cat > "$C/oas3/Cargo.toml" <<'TOML'
[package]
name = "oas3-gen-output"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
oas3-gen-support = "0.29"
http = "1"
axum = "0.8"
axum-extra = { version = "0.12", features = ["query", "typed-header"] }
anyhow = "1"
validator = { version = "0.21", features = ["derive"] }
serde = { version = "1", features = ["derive"] }
serde_json = "1"
reqwest = { version = "0.13", features = ["json", "multipart", "query"] }
serde_with = "3"
indexmap = { version = "2", features = ["serde"] }
serde_html_form = "0.2"
secrecy = { version = "0.10", features = ["serde"] }
regex = "1"
TOML
  # openapi-to-rust: its types and client, with the dependencies it lists
  mkdir -p "$C/o2r/src"
  cp "$WORK/out/openapi-to-rust"/*.rs "$C/o2r/src/" && mv "$C/o2r/src/mod.rs" "$C/o2r/src/lib.rs"
  { printf '[package]\nname = "openapi-to-rust-output"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n'
    grep -v '^#' "$WORK/out/openapi-to-rust/REQUIRED_DEPS.toml"; } > "$C/o2r/Cargo.toml"
  mkdir -p "$C/ruma/src"
  printf 'pub use ruma_client_api;\npub use ruma_events;\n' > "$C/ruma/src/lib.rs"
  printf '[package]\nname = "ruma-probe"\nversion = "0.0.0"\nedition = "2021"\npublish = false\n\n[dependencies]\nruma-client-api = { version = "0.25", features = ["client", "server"] }\nruma-events = "0.35"\n' > "$C/ruma/Cargo.toml"
  printf '[workspace]\nresolver = "2"\nmembers = ["generated", "plain", "oas3", "o2r", "ruma"]\n' > "$C/Cargo.toml"
  # no incremental compilation for any of them: ruma comes from the registry, which cargo never
  # builds incrementally, and the others are members of this workspace, which it would
  build() { (cd "$C" && CARGO_INCREMENTAL=0 CARGO_TARGET_DIR="$C/target" cargo build --quiet "$@"); }
  timed_build() { # package, then cargo's feature arguments
    local p=$1
    shift
    build -p "$p" "$@" 2> /dev/null
    (cd "$C" && CARGO_TARGET_DIR="$C/target" cargo clean --quiet -p "$p")
    ms build -p "$p" "$@"
  }
  log "building every crate's dependencies"
  build --workspace --all-features 2> /dev/null || true
  # each a name, then the package and its feature arguments
  builds=(
    "generated, no features|matrix-client-server-api-v1-18"
    "generated, client|matrix-client-server-api-v1-18 --features client"
    "generated, server|matrix-client-server-api-v1-18 --features server"
    "generated, client + server|matrix-client-server-api-v1-18 --features client,server"
    "generated without the event types, client|matrix-client-server-api-v1-18-plain --features client"
    "generated without the event types, both|matrix-client-server-api-v1-18-plain --features client,server"
    "oas3-gen, client and server modules|oas3-gen-output"
    "openapi-to-rust, types and client|openapi-to-rust-output"
    "ruma-events|ruma-events"
    "ruma-client-api (client + server)|ruma-client-api"
  )
  COMPILE_RUNS=${COMPILE_RUNS:-3}
  declare -A ctimes
  for round in $(seq "$COMPILE_RUNS"); do
    log "compile round $round of $COMPILE_RUNS"
    for b in "${builds[@]}"; do
      # shellcheck disable=SC2086
      ctimes[${b%%|*}]+=" $(timed_build ${b#*|})"
    done
  done
  echo "compile time of the v1.18 Client-Server API's generated code, debug, dependencies built, median of $COMPILE_RUNS interleaved rounds (ms):"
  for b in "${builds[@]}"; do
    printf '  %-44s %6s   (%s)\n' "${b%%|*}" "$(echo "${ctimes[${b%%|*}]}" | median)" "${ctimes[${b%%|*}]# }"
  done
fi
