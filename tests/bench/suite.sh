#!/usr/bin/env bash
# Every benchmark behind the README's targets, in one sitting on one commit, then the targets as one markdown table.
#   tests/bench/suite.sh
# Runs tests/bench/run.sh once per line of RUNS below (with Socket.IO and the floor where the README's rows have them;
# about 20 minutes on 2 cores), keeps each run's log (its table) in tests/bench/results/suite-<time>/, and ends with
# `RetroIm.Bench summary` over the runs' JSON: per target RetroIm, Socket.IO, the ratio, the floor, met or not, and the
# command. A run that fails is reported and the others still go. RETROIM_BENCH_RESULTS moves the results as for run.sh.
# "kernel-floor" (when a C compiler is there) runs tests/bench/kernel-floor/sendfloor.c right after the fan-out, with
# send(2) and with io_uring: the kernel's own CPU per loopback send in the same minutes, in its log only.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
results="${RETROIM_BENCH_RESULTS:-$here/results}"
logs="$results/suite-$(date -u +%Y%m%d-%H%M%S)"
mkdir -p "$logs"
build="$(mktemp -d)"
# sendfloor holds 5,000 sockets on each side; run.sh raises the limit for its own runs the same way.
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

# The 60,000-connection run goes before the 10,000-client fan-out, so latest-fanout.svg is the latter's chart (the
# README's). recover takes 31,000 clients: node 0 then holds ~10,330 of them, never under the target's 10,000 (a third
# of 30,000 would fall below it about every other run: clients are spread by a hash of their id).
RUNS=(
  "idle --clients 10000 --nodes 2 --peer socketio --floor"
  "connect --clients 10000 --nodes 2 --peer socketio --floor"
  "fanout --clients 60000 --nodes 4 --rate 60000 --messages 10"
  "fanout --clients 10000 --nodes 2 --rate 50000 --messages 100 --peer socketio --floor"
  "kernel-floor"
  "direct --clients 10000 --nodes 2 --rate 50000 --messages 20 --ephemeral --peer socketio --floor"
  "direct --clients 10000 --nodes 2 --rate 50000 --messages 20 --peer socketio --floor"
  "ceiling --clients 2000 --nodes 2 --rate 20000 --peer socketio --floor"
  "recover --clients 31000 --nodes 3 --peer socketio"
)

trap 'rm -rf "$build"' EXIT
trap 'echo "[suite.sh] interrupted" >&2; exit 130' INT
files=()
failed=0
for i in "${!RUNS[@]}"; do
  run="${RUNS[$i]}"
  log="$logs/$((i + 1))-${run%% *}.log"
  if [[ "$run" == "kernel-floor" ]]; then
    echo "[suite.sh] $((i + 1))/${#RUNS[@]}: sendfloor send|uring 5000 50000 200 2, twice each" >&2
    if command -v cc > /dev/null && cc -O2 -o "$build/sendfloor" "$here/kernel-floor/sendfloor.c" 2> "$log"; then
      for mode in send uring send uring; do
        "$build/sendfloor" "$mode" 5000 50000 200 2 >> "$log" 2>&1 || echo "[suite.sh] sendfloor $mode failed (see $log)" >&2
      done
      grep '^sender' "$log" >&2
    else
      echo "[suite.sh] kernel-floor skipped: no C compiler (see $log)" >&2
    fi
    continue
  fi
  echo "[suite.sh] $((i + 1))/${#RUNS[@]}: tests/bench/run.sh $run" >&2
  # shellcheck disable=SC2086 # the run's arguments are words
  if "$here/run.sh" $run > "$log" 2>&1 && file="$(sed -n 's/^results: \([^ ]*\.json\).*/\1/p' "$log" | tail -n 1)" && [[ -s "$file" ]]; then
    files+=("$file")
    echo "[suite.sh] results: $file" >&2
  else
    echo "[suite.sh] failed: tests/bench/run.sh $run (see $log)" >&2
    failed=$((failed + 1))
  fi
done

echo
"$here/run.sh" summary "${files[@]}" | tee "$logs/summary.md"
if ((failed)); then echo "[suite.sh] $failed run(s) failed; their targets show as not run" >&2; exit 1; fi
