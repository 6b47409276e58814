#!/usr/bin/env bash
# RetroIm benchmark, optionally side by side with Socket.IO (README "Benchmarks").
#   tests/bench/run.sh SCENARIO [--clients K] [--nodes N] [--rate R] [--messages M] [--size BYTES] [--peer socketio]
#   SCENARIO: idle | fanout | direct | connect | recover | ceiling | script (Redis's cost of a direct message alone)
#   tests/bench/run.sh summary FILE…   the targets as one markdown table from result files (tests/bench/suite.sh)
# Builds what it needs in Release into its own folder (never the Debug test build), starts redis-server, the nodes and
# the load generators on loopback, prints the table and, as its LAST line, one JSON object with every figure. The JSON
# is also written to tests/bench/results/<scenario>-<timestamp>.json, with the chart tests/bench/results/latest-<scenario>.svg.
# Every process the run starts carries RETROIM_BENCH_RUN in its environment; the exit trap ends exactly those.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
artifacts="${RETROIM_BENCH_ARTIFACTS:-$root/artifacts/bench}"

if [[ $# -lt 1 || "$1" == -* ]]; then
  sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi

peer=""
args=("$@")
for ((i = 1; i < ${#args[@]}; i++)); do
  if [[ "${args[$i]}" == "--peer" ]]; then peer="${args[$((i + 1))]:-}"; fi
done

export RETROIM_BENCH_RUN="bench-$$-$(date +%s%N)"
bench_pid=""
cleanup() {
  local code=$?
  trap - EXIT INT TERM
  # The orchestrator first: on SIGTERM it kills its ImServer nodes and its load generators see stdin close and exit.
  if [[ -n "$bench_pid" ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    for _ in $(seq 1 80); do kill -0 "$bench_pid" 2>/dev/null || break; sleep 0.1; done
  fi
  # Then, by id, whatever of ours is left (found by the marker in its environment). Not the redis watchdogs
  # (/bin/sh -c "read -r _; kill -9 …", tests/RetroIm.Testing): with the orchestrator gone they kill their
  # redis-server themselves, which cannot be found by the marker (it rewrites its environment for its title).
  local pids=() file pid cmd
  while IFS= read -r file; do
    pid="${file#/proc/}"; pid="${pid%/environ}"
    [[ "$pid" == "$$" ]] && continue
    cmd="$({ tr '\0' ' ' < "/proc/$pid/cmdline"; } 2>/dev/null || true)"
    [[ -z "$cmd" || "$cmd" == "/bin/sh -c read -r _;"* ]] && continue
    pids+=("$pid")
  done < <(grep -lsxz "RETROIM_BENCH_RUN=$RETROIM_BENCH_RUN" /proc/[0-9]*/environ || true)
  if ((${#pids[@]})); then kill -KILL "${pids[@]}" 2>/dev/null || true; fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# One process may open at most 20,000 files here: take what the hard limit allows (children inherit it).
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

log() { echo "[run.sh] $*" >&2; }

# The bench's Redis (the floor needs none, but every scenario starts RetroIm first; "summary" only reads files).
. "$root/tests/ensure-packages.sh"
[[ "$1" == "summary" ]] || ensure_packages run.sh redis-server || exit 1

log "building RetroIm.ImServer and RetroIm.Bench (Release) into $artifacts"
dotnet build "$root/ImServer/RetroIm.ImServer/RetroIm.ImServer.csproj" -c Release --artifacts-path "$artifacts" -nologo -v q -clp:ErrorsOnly >&2
dotnet build "$root/tests/RetroIm.Bench/RetroIm.Bench.csproj" -c Release --artifacts-path "$artifacts" -nologo -v q -clp:ErrorsOnly >&2
export RETROIM_IMSERVER_DLL="$artifacts/bin/RetroIm.ImServer/release/RetroIm.ImServer.dll"
bench_dll="$artifacts/bin/RetroIm.Bench/release/RetroIm.Bench.dll"
if [[ "$1" == "summary" ]]; then
  dotnet "$bench_dll" "$@"
  exit
fi

# The code measured, for the JSON's "commit": the checkout's short id, "-dirty" when a tracked file differs from it (the
# results folder aside: a run writes there). Left out when this is not a git checkout of its own (a copy of the tree
# inside some other repository would otherwise be stamped with that repository's commit).
if [[ "$(git -C "$root" rev-parse --show-toplevel 2>/dev/null)" == "$(cd "$root" && pwd -P)" ]] && commit="$(git -C "$root" rev-parse --short HEAD 2>/dev/null)"; then
  if [[ -n "$(git -C "$root" status --porcelain --untracked-files=no -- . ':!tests/bench/results' 2>/dev/null)" ]]; then
    commit="$commit-dirty"
  fi
  export RETROIM_BENCH_COMMIT="$commit"
fi

extra=()
if [[ -n "$peer" ]]; then
  if [[ "$peer" != "socketio" ]]; then echo "--peer: only socketio is supported" >&2; exit 2; fi
  if [[ ! -d "$here/socketio/node_modules" || "$here/socketio/package-lock.json" -nt "$here/socketio/node_modules/.package-lock.json" ]]; then
    log "npm ci (tests/bench/socketio)"
    (cd "$here/socketio" && npm ci --no-audit --no-fund --loglevel=error >&2)
  fi
  extra+=(--peer-dir "$here/socketio")
fi

# In the background and waited for, so an interrupt runs the trap at once instead of after the run.
# RETROIM_BENCH_RESULTS: another folder for the JSON and the chart (test.sh's smoke run keeps the committed ones).
DOTNET_gcServer=0 dotnet "$bench_dll" "$@" "${extra[@]}" --results "${RETROIM_BENCH_RESULTS:-$here/results}" &
bench_pid=$!
wait "$bench_pid"
