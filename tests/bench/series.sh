#!/usr/bin/env bash
# The whole series of matrix-api.toml against its newest release alone, as a user meets them:
# `cargo xtask gen --config FILE --out DIR` (the release binary, a fresh output folder each time),
# RUNS interleaved rounds (5 by default), wall time and peak memory of each run from
# /usr/bin/time, then the medians. The newest release alone is the same configuration with only
# its last [[release]] entry.
#
#   tests/bench/series.sh [CONFIG]        # CONFIG: matrix-api.toml by default
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
CONFIG="$(cd "$(dirname "${1:-$ROOT/matrix-api.toml}")" && pwd)/$(basename "${1:-matrix-api.toml}")"
RUNS=${RUNS:-5}
cd "$ROOT"
cargo build --release -q -p xtask
X="$ROOT/target/release/xtask"
T="$ROOT/target/series-bench"
rm -rf "$T"; mkdir -p "$T"
# the newest release alone: its entry (roots made absolute: they are relative to CONFIG) and the APIs
DIR="$(dirname "$CONFIG")"
awk -v dir="$DIR" '
  /^\[\[release\]\]/ { block = $0 "\n"; inrel = 1; next }
  /^\[\[api\]\]/ { inrel = 0; if (block != "") { last = block; block = "" } ; apis = apis $0 "\n"; inapi = 1; next }
  inrel { if ($0 ~ /^root = "/ && $0 !~ /^root = "\//) { sub(/^root = "/, "root = \"" dir "/") } ; block = block $0 "\n"; next }
  inapi { apis = apis $0 "\n" }
  END { if (block != "") last = block; printf "%s\n%s", last, apis }
' "$CONFIG" > "$T/newest.toml"
sed -e "s|^root = \"\([^/]\)|root = \"$DIR/\1|" "$CONFIG" > "$T/series.toml"
run() {  # NAME FILE -> "seconds KiB"
  rm -rf "$T/out-$1"
  /usr/bin/time -f "%e %M" -o "$T/time" "$X" gen --config "$2" --out "$T/out-$1" > /dev/null 2>&1
  cat "$T/time"
}
: > "$T/series.txt"; : > "$T/newest.txt"
for _ in $(seq 1 "$RUNS"); do
  run series "$T/series.toml" >> "$T/series.txt"
  run newest "$T/newest.toml" >> "$T/newest.txt"
done
median() { sort -n | awk '{ a[NR] = $1 } END { print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2) }'; }
S=$(cut -d' ' -f1 "$T/series.txt" | median); N=$(cut -d' ' -f1 "$T/newest.txt" | median)
SM=$(cut -d' ' -f2 "$T/series.txt" | median); NM=$(cut -d' ' -f2 "$T/newest.txt" | median)
releases=$(grep -c '^\[\[release\]\]' "$T/series.toml")
echo "series of $releases releases: $(cut -d' ' -f1 "$T/series.txt" | tr '\n' ' ')s, median $S s, $((SM / 1024)) MiB"
echo "newest release alone:  $(cut -d' ' -f1 "$T/newest.txt" | tr '\n' ' ')s, median $N s, $((NM / 1024)) MiB"
awk -v s="$S" -v n="$N" 'BEGIN { printf "the series takes %.1f times the newest release alone (goal: at most 2)\n", s / n }'
