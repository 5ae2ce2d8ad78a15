#!/usr/bin/env bash
# Generates every corpus of ../shared with one xtask binary into a folder, for comparing two
# builds of the generator byte for byte (a refactoring must change no output):
#
#   tests/corpora.sh BEFORE_XTASK /tmp/before && tests/corpora.sh AFTER_XTASK /tmp/after
#   tests/corpora.sh --compare /tmp/before /tmp/after      # prints each difference; exit 1 on any
#
# Covered: the seed (spec/), the seed era's Client-Server API with and without events, r0.6.1's
# five APIs, every release v1.1-v1.17 and v1.18 (each API, the Client-Server API with events, all
# five as one set), the seed era laid with its event-schemas link as a real link and as a copy
# (made in a temporary folder), and every snapshot fixture. Each run's output (warnings, errors,
# summary; times and folders left out) is kept beside its crate as NAME.log.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
S="$ROOT/../shared/corpus"

if [ "${1:-}" = "--compare" ]; then
  A=$2 B=$3 status=0
  diff -r -q -x '*.log' "$A" "$B" || status=1
  for f in "$A"/*.log; do
    n=$(basename "$f")
    if ! diff -q "$f" "$B/$n" > /dev/null; then echo "differs: $n"; diff "$f" "$B/$n" | head -5; status=1; fi
  done
  exit $status
fi

X=$(cd "$(dirname "$1")" && pwd)/$(basename "$1"); O=$2
[ -d "$S" ] || { echo "../shared/corpus is absent"; exit 1; }
rm -rf "$O"; mkdir -p "$O"
run() {
  local name=$1; shift
  "$X" gen "$@" --out "$O/$name" 2>&1 | sed -E 's#in /[^ ]+ in [0-9]+ ms##; s#\) in [0-9]+ ms#)#' > "$O/$name.log"
  echo "exit ${PIPESTATUS[0]}" >> "$O/$name.log"
}
run seed --spec "$ROOT/spec/client-server"
E=$S/matrix-doc-5da3072e
run seedera --spec $E/api/client-server --root $E
run seedera-ev --spec $E/api/client-server --root $E --events $E/event-schemas/schema
R=$S/matrix-doc-r0.6.1
for api in client-server server-server application-service identity push-gateway; do
  run r061-$api --spec $R/api/$api --root $R
done
run r061-cs-ev --spec $R/api/client-server --root $R --events $R/event-schemas/schema
for v in $(ls "$S/matrix-spec-releases" | grep '^v') v1.18; do
  if [ "$v" = v1.18 ]; then D=$S/matrix-spec-v1.18/data; else D=$S/matrix-spec-releases/$v/data; fi
  for api in client-server server-server application-service identity push-gateway; do
    [ -d "$D/api/$api" ] && run "$v-$api" --spec "$D/api/$api" --root "$D"
  done
  run "$v-cs-ev" --spec "$D/api/client-server" --root "$D" --events "$D/event-schemas/schema"
  run "$v-set" --root "$D" --api matrix-client-server-api="$D/api/client-server" \
    --api matrix-federation-api="$D/api/server-server" --api matrix-appservice-api="$D/api/application-service" \
    --api matrix-identity-api="$D/api/identity" --api matrix-push-gateway-api="$D/api/push-gateway" \
    --events "$D/event-schemas/schema"
done
LAY=$(mktemp -d)
for L in link copy; do
  cp -r "$E" "$LAY/$L" && chmod -R u+w "$LAY/$L"
  link="$LAY/$L/api/client-server/definitions/event-schemas"
  rm -rf "$link"
  if [ $L = link ]; then ln -s ../../../event-schemas "$link"; else cp -r "$LAY/$L/event-schemas" "$link"; fi
  run lay-$L --spec "$LAY/$L/api/client-server" --root "$LAY/$L"
  run lay-$L-ev --spec "$LAY/$L/api/client-server" --root "$LAY/$L" --events "$LAY/$L/event-schemas/schema"
done
rm -rf "$LAY"
for f in "$ROOT"/tests/fixtures/snapshots/*/; do
  n=$(basename "$f")
  if [ -d "$f/events" ]; then run "fix-$n" --spec "$f" --events "$f/events"; else run "fix-$n" --spec "$f"; fi
done
echo "$(ls "$O" | grep -c '\.log$') runs in $O"
