#!/usr/bin/env bash
# A local RetroIm cluster on loopback: redis-server, N ImServer nodes and the WebApi, each a child of this script.
# Logs go to .run/<name>.log. Ports: WEB_PORT (5080), REDIS_PORT (6390), FIRST_NODE_PORT (6001, then +1 per node).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
nodes=2; embedded=0
while [ $# -gt 0 ]; do
  case "$1" in
    --embedded) embedded=1 ;;
    --nodes) nodes="$2"; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "unknown option $1 (use --embedded or --nodes N)" >&2; exit 2 ;;
  esac
  shift
done
WEB_PORT=${WEB_PORT:-5080}; REDIS_PORT=${REDIS_PORT:-6390}; FIRST_NODE_PORT=${FIRST_NODE_PORT:-6001}
command -v redis-server >/dev/null 2>&1 || embedded=1
mkdir -p .run data

echo "Building (Release)…"
dotnet build RetroIm.sln -c Release -nologo -v quiet -clp:ErrorsOnly
bin() { echo "$root/$1/bin/Release/net10.0/$2"; }

pids=()
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  echo "Stopped."
}
trap cleanup EXIT
# Ctrl-C / TERM: stop everything and end here (not at the "a process exited" line below, which is for crashes).
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

wait_http() { # url name
  for _ in $(seq 1 100); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "$2 did not become healthy at $1; see .run/$2.log" >&2; exit 1
}

if [ "$embedded" -eq 1 ]; then
  echo "Starting the WebApi in embedded mode (relay inside, no Redis)…"
  dotnet "$(bin WebApi/RetroIm.WebApi RetroIm.WebApi.dll)" --urls "http://127.0.0.1:$WEB_PORT" \
    --contentRoot "$root/WebApi/RetroIm.WebApi" > .run/webapi.log 2>&1 &
  pids+=($!)
else
  echo "Starting redis-server on 127.0.0.1:$REDIS_PORT…"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --save '' --appendonly no > .run/redis.log 2>&1 &
  pids+=($!)
  for i in $(seq 1 "$nodes"); do
    port=$((FIRST_NODE_PORT + i - 1))
    echo "Starting ImServer node $i on 127.0.0.1:$port…"
    dotnet "$(bin ImServer/RetroIm.ImServer RetroIm.ImServer.dll)" --urls "http://127.0.0.1:$port" \
      --ImServer:Server="ws://127.0.0.1:$port" --ImServer:Redis="127.0.0.1:$REDIS_PORT" > ".run/imserver-$i.log" 2>&1 &
    pids+=($!)
  done
  for i in $(seq 1 "$nodes"); do wait_http "http://127.0.0.1:$((FIRST_NODE_PORT + i - 1))/health" "imserver-$i"; done
  echo "Starting the WebApi…"
  dotnet "$(bin WebApi/RetroIm.WebApi RetroIm.WebApi.dll)" --urls "http://127.0.0.1:$WEB_PORT" \
    --contentRoot "$root/WebApi/RetroIm.WebApi" --ImHelper:Redis="127.0.0.1:$REDIS_PORT" > .run/webapi.log 2>&1 &
  pids+=($!)
fi
wait_http "http://127.0.0.1:$WEB_PORT/health" webapi
echo
echo "RetroIm is running: open http://127.0.0.1:$WEB_PORT/   (API docs: /swagger, health: /health, logs: .run/)"
[ "$embedded" -eq 1 ] || echo "ImServer nodes: $(for i in $(seq 1 "$nodes"); do printf 'ws://127.0.0.1:%s ' $((FIRST_NODE_PORT + i - 1)); done)"
echo "Press Ctrl-C to stop."
wait -n "${pids[@]}" || true
echo "A process exited; stopping the rest (see .run/*.log)." >&2
exit 1
