#!/usr/bin/env bash
# The one test command. On a fresh machine it installs what the tests need (redis-server and chromium from Debian's
# packages; NuGet and npm packages by restore), builds once, runs every suite (.NET and JavaScript), and ends with one
# summary line: "Tests: N passed, N failed[, N skipped]". Exit code 0 only when nothing failed.
#   ./test.sh                 every suite
#   ./test.sh Redis Im        only the .NET test projects whose names contain these words (no JS suite)
set -uo pipefail
cd "$(dirname "$0")"
root=$(pwd)
results="$root/artifacts/test-results"
rm -rf "$results" && mkdir -p "$results"

# ---- install what is missing -------------------------------------------------------------------------------
. "$root/tests/ensure-packages.sh"
ensure_packages test.sh redis-server chromium || { echo "Tests: 0 passed, 1 failed"; exit 1; }

# ---- build once ----------------------------------------------------------------------------------------------
echo "test.sh: building"
if ! dotnet build RetroIm.sln -c Debug -nologo -v quiet -clp:ErrorsOnly > "$results/build.log" 2>&1; then
  cat "$results/build.log"; echo "Tests: 0 passed, 1 failed"; exit 1
fi
export RETROIM_IMSERVER_DLL="$root/ImServer/RetroIm.ImServer/bin/Debug/net10.0/RetroIm.ImServer.dll"
export RETROIM_IMCTL_DLL="$root/ImServer/RetroIm.ImCtl/bin/Debug/net10.0/imctl.dll"
export RETROIM_WEBAPI_DLL="$root/WebApi/RetroIm.WebApi/bin/Debug/net10.0/RetroIm.WebApi.dll"

passed=0; failed=0; skipped=0; crashed=0
count_trx() { # adds the counters of one TRX file
  local c; c=$(grep -o '<Counters [^>]*>' "$1" | head -1)
  local p f t e
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$c"); f=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$c")
  t=$(sed -n 's/.* total="\([0-9]*\)".*/\1/p' <<<"$c"); e=$(sed -n 's/.* executed="\([0-9]*\)".*/\1/p' <<<"$c")
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${t:-0} - ${e:-0}))
}

# ---- .NET suites, one project at a time (they start real processes; 2 cores) ----------------------------------
filters=("$@")
for proj in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$proj" .csproj)
  if [ ${#filters[@]} -gt 0 ]; then
    keep=0; for f in "${filters[@]}"; do [[ "$name" == *"$f"* ]] && keep=1; done
    [ $keep -eq 1 ] || continue
  fi
  echo "test.sh: $name"
  dotnet test "$proj" --no-build -c Debug -nologo --blame-hang-timeout 5m \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" --results-directory "$results" \
    2>&1 | tee "$results/$name.log" | grep -E '^\s*(Failed|Passed!|Failed!|Error Message|Skipped)|error' || true
  if [ -f "$results/$name.trx" ]; then count_trx "$results/$name.trx"; else echo "test.sh: $name produced no results"; crashed=$((crashed + 1)); fi
done

# ---- JavaScript suites (node --test, TAP) -----------------------------------------------------------------------
# run_node_suite NAME DIR [setup command] — runs `node --test` in DIR and adds its counts to the totals.
run_node_suite() {
  local name=$1 dir=$2 setup=${3:-}
  echo "test.sh: $name (node --test)"
  if [ -n "$setup" ] && ! (cd "$dir" && eval "$setup") > "$results/$name.setup.log" 2>&1; then
    echo "test.sh: $name setup failed (see $results/$name.setup.log)"; crashed=$((crashed + 1)); return
  fi
  (cd "$dir" && node --experimental-websocket --test --test-reporter=tap --test-reporter-destination=stdout ) > "$results/$name.tap" 2>&1
  grep -E '^not ok|^# (pass|fail|skipped)' "$results/$name.tap" || true
  local p f s
  p=$(sed -n 's/^# pass \([0-9]*\)/\1/p' "$results/$name.tap" | tail -1)
  f=$(sed -n 's/^# fail \([0-9]*\)/\1/p' "$results/$name.tap" | tail -1)
  s=$(sed -n 's/^# skipped \([0-9]*\)/\1/p' "$results/$name.tap" | tail -1)
  if [ -z "$p" ]; then echo "test.sh: the $name suite produced no results"; crashed=$((crashed + 1)); fi
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0})); skipped=$((skipped + ${s:-0}))
}
if [ ${#filters[@]} -eq 0 ]; then
  run_node_suite js Clients/js
  run_node_suite deploy tests/deploy "npm ci --no-audit --no-fund"
fi

# ---- the benchmark program: its smallest runs (README "Benchmarks"), so it cannot rot unnoticed ----
# bench_smoke LABEL LOG CHECK PASSED ARGS…: runs tests/bench/run.sh ARGS…; the JSON of its last line (r) must pass the
# node expression CHECK; counts one test, printing PASSED when it does.
bench_smoke() {
  local label="$1" log="$results/$2" check="$3" ok="$4"; shift 4
  echo "test.sh: bench ($label)"
  local out="$results/bench"; mkdir -p "$out"
  if ! RETROIM_BENCH_RESULTS="$out" tests/bench/run.sh "$@" > "$log" 2>&1; then
    echo "test.sh: bench failed (see $log)"; failed=$((failed + 1)); return
  fi
  if tail -1 "$log" | node -e '
      const r = JSON.parse(require("fs").readFileSync(0, "utf8"));
      if (!('"$check"')) { console.error("bench: unexpected figures", JSON.stringify(r)); process.exit(1); }'; then
    echo "Passed!  bench: $ok"; passed=$((passed + 1))
  else
    echo "test.sh: bench figures wrong (see $log)"; failed=$((failed + 1))
  fi
}
if [ ${#filters[@]} -eq 0 ]; then
  # Every client connected and got every message, on every system, each delivery in the latency timeline; each
  # system's two nodes pinned to a CPU each, its clients read by the load generator's io_uring (epoll where refused);
  # where the kernel keeps schedstat, Redis's run and wait (not for the floor, which has no Redis) and the servers' wait;
  # the code measured ("commit": this checkout's, "-dirty" when it has changes; none outside a git checkout).
  RETROIM_TEST_COMMIT="$([[ "$(git rev-parse --show-toplevel 2>/dev/null)" == "$(pwd -P)" ]] && git rev-parse --short HEAD)" \
  bench_smoke "tests/bench/run.sh fanout, 200 clients, RetroIm, Socket.IO and the floor" bench.log \
    '(process.env.RETROIM_TEST_COMMIT ? [process.env.RETROIM_TEST_COMMIT, process.env.RETROIM_TEST_COMMIT + "-dirty"].includes(r.commit) : !("commit" in r)) && [r, r.peer, r.floor].every(s => s && s.connected === 200 && s.lost === 0 && s.delivered === 1000 && s.deliveries_per_s > 0 && (s.timeline || []).reduce((n, w) => n + w.deliveries, 0) === 1000 && /^[0-9]+,[0-9]+$/.test(s.node_cpus) && ["io_uring", "epoll"].includes(s.loadgen_receive)) && (!require("fs").existsSync("/proc/self/schedstat") || ([r, r.peer].every(s => s.redis_run_pct >= 0 && s.redis_wait_pct >= 0) && [r, r.peer, r.floor].every(s => s.server_wait_s >= 0) && !("redis_run_pct" in r.floor)))' \
    "RetroIm, Socket.IO and the floor each delivered 1000 of 1000, every one in the latency timeline, nodes pinned; Redis's run and wait and the servers' wait while publishing; the commit measured" \
    fanout --clients 200 --nodes 2 --rate 2000 --messages 5 --peer socketio --floor
  # The connect scenario's warm-up (the load generator's "churn", the same for every system): the first half's 100
  # clients closed and connected again, twice, and all 200 ended connected. Its load generators read with the epoll
  # fallback (RETROIM_BENCH_RECEIVE=epoll), so that path stays tested where io_uring is there.
  RETROIM_BENCH_RECEIVE=epoll bench_smoke "tests/bench/run.sh connect, 200 clients, epoll receive" bench-connect.log \
    'r.connected === 200 && r.connect_failed === 0 && r.connect_warmup_churned === 200 && r.connects_per_s > 0 && r.loadgen_receive === "epoll"' \
    "connect: 200 of 200 connected after 200 warm-up reconnects, read through epoll" \
    connect --clients 200 --nodes 2
  # Redis's cost of a direct message alone: every message reached a node topic, and the commands were counted.
  bench_smoke "tests/bench/run.sh script, 200 clients, 2,000 messages" bench-script.log \
    'r.delivered === 2000 && r.redis_cpu_us_per_message >= 0 && r.lua_us_per_message > 0 && ["hkeys", "xadd"].every(n => r.commandstats && r.commandstats[n] && r.commandstats[n].calls_per_message === 1)' \
    "script: 2000 of 2000 delivered, one HKEYS and one XADD per message in INFO commandstats" \
    script --clients 200 --messages 2000
  # The design probe (the history stream assigning offsets): the same messages as plain commands, no script at all.
  # Redis's CPU comes from /proc in 10 ms ticks, and 2,000 plain messages take Redis about 5 ms: it may read 0, so
  # the smokes check the time INFO commandstats measured instead.
  bench_smoke "tests/bench/run.sh script --probe stream-sequence, 200 clients, 2,000 messages" bench-probe.log \
    'r.probe === "stream-sequence" && r.delivered === 2000 && r.redis_cpu_us_per_message >= 0 && r.commands_us_per_message > 0 && !("lua_us_per_message" in r) && !r.commandstats.eval && !r.commandstats.evalsha && ["hkeys", "xadd"].every(n => r.commandstats[n] && r.commandstats[n].calls_per_message === 1)' \
    "script --probe: 2000 of 2000 delivered, one XADD and one HKEYS per message and no script call" \
    script --clients 200 --messages 2000 --probe stream-sequence
  # The targets table (tests/bench/suite.sh ends with it), from committed runs that tests/bench/HISTORY.md quotes
  # ("Earlier figures"): the figures, the ratios and the verdicts must come out as it has them, and an unreadable file
  # must fail the summary.
  echo "test.sh: bench summary (committed results)"
  summary_log="$results/bench-summary.md"
  r=tests/bench/results
  if tests/bench/run.sh summary "$r/idle-20261203-054030.json" "$r/connect-20261203-054122.json" \
        "$r/fanout-20261203-114502.json" "$r/fanout-20261203-061008.json" "$r/direct-20261203-114025.json" \
        "$r/direct-20261203-114624.json" "$r/ceiling-20261203-060750.json" "$r/recover-20261203-060903.json" > "$summary_log" 2>&1 \
     && grep -qF '| idle memory | 4.63 KB | 10.57 KB | 0.44 | 5.24 KB |' "$summary_log" \
     && grep -qF '| fan-out CPU | 6.59 µs | 12.25 µs | 0.54 | 6.92 µs |' "$summary_log" \
     && grep -q '^| fan-out CPU .* | no | ' "$summary_log" \
     && grep -qF '| direct, not kept | 49,975/s, p99 6.1 ms, 0 lost |' "$summary_log" \
     && grep -q '^| recover | 10,093 clients in 8.93 s, 0 lost .* | \*\*yes\*\* | ' "$summary_log" \
     && grep -qF '5 of 9 targets met on 2 cores' "$summary_log" \
     && ! tests/bench/run.sh summary "$r/no-such-run.json" >> "$summary_log" 2>&1 \
     && grep -q '^| idle memory | not run ' "$summary_log"; then
    echo "Passed!  bench: the targets table from committed runs (5 of 9 met, figures and verdicts as in the history)"; passed=$((passed + 1))
  else
    echo "test.sh: bench summary wrong (see $summary_log)"; failed=$((failed + 1))
  fi
fi

failed=$((failed + crashed))
summary="Tests: $passed passed, $failed failed"
[ $skipped -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
[ $failed -eq 0 ] && [ $passed -gt 0 ]
