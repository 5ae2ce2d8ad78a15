#!/usr/bin/env bash
# Interleaved rounds of the full load (tests/src/load.rs) against two builds of the example
# homeserver, with the bare-hyper anchor in each round: how a change to the server moves the
# load figures, measured in one run. Build the two first (release), for instance the current one
# and one of an earlier commit in a worktree:
#   git worktree add /tmp/before REV
#   (cd /tmp/before && cargo build --release -p matrix-client-server-api --features client,server --example server)
#   cargo build --release -p matrix-client-server-api --features client,server --example server
#   cargo build --release -p matrix-api-tests --bin load
#   tests/bench/load-compare.sh /tmp/before/target/release/examples/server target/release/examples/server 3
set -euo pipefail
cd "$(dirname "$0")/../.."
a=${1:?usage: load-compare.sh SERVER_A SERVER_B [ROUNDS]}
b=${2:?usage: load-compare.sh SERVER_A SERVER_B [ROUNDS]}
rounds=${3:-3}
load=target/release/load
for round in $(seq "$rounds"); do
  # the order alternates, so that neither build always runs on a warmer machine
  if (( round % 2 )); then order=("$a" "$b"); else order=("$b" "$a"); fi
  echo "== round $round"
  "$load" --floor --server "${order[0]}" | grep -E "^(anchor|the example|throughput|latency|server memory|load:)" | sed "s|^|${order[0]}: |"
  "$load" --server "${order[1]}" | grep -E "^(the example|throughput|latency|server memory|load:)" | sed "s|^|${order[1]}: |"
done
