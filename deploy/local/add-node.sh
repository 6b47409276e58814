#!/usr/bin/env bash
# Adds one ImServer node to a running local cluster (./run.sh or deploy/local/cluster.sh) without restarting anything:
#   deploy/local/add-node.sh PORT      e.g. deploy/local/add-node.sh 6003
# It joins the cluster's Redis (REDIS_PORT, default 6390), runs in the background, logs to .run/imserver-PORT.log and
# writes its pid to .run/imserver-PORT.pid. Remove it as the runbook says: imctl drain 127.0.0.1:PORT, wait for 0
# connections, then kill "$(cat .run/imserver-PORT.pid)". cluster.sh's Ctrl-C does not stop nodes added this way.
# RETROIM_IMSERVER_DLL overrides the program (default: the in-tree Release build that cluster.sh makes).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
case "${1:-}" in
  ''|-h|--help) sed -n '2,7p' "$0"; exit 2 ;;
esac
port="$1"
REDIS_PORT=${REDIS_PORT:-6390}
dll=${RETROIM_IMSERVER_DLL:-$root/ImServer/RetroIm.ImServer/bin/Release/net10.0/RetroIm.ImServer.dll}
[ -f "$dll" ] || { echo "$dll not built: run ./run.sh (or dotnet build -c Release) first" >&2; exit 1; }
if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
  echo "something already answers on 127.0.0.1:$port" >&2; exit 1
fi
mkdir -p .run
echo "Starting ImServer node on 127.0.0.1:$port (Redis 127.0.0.1:$REDIS_PORT)…"
nohup dotnet "$dll" --urls "http://127.0.0.1:$port" \
  --ImServer:Server="ws://127.0.0.1:$port" --ImServer:Redis="127.0.0.1:$REDIS_PORT" > ".run/imserver-$port.log" 2>&1 &
pid=$!
echo "$pid" > ".run/imserver-$port.pid"
for _ in $(seq 1 100); do
  if curl -fsS -o /dev/null "http://127.0.0.1:$port/health" 2>/dev/null; then
    echo "Node 127.0.0.1:$port is up (pid $pid); it is listed by 'imctl nodes' within one heartbeat."
    exit 0
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
echo "the node did not become healthy; see .run/imserver-$port.log" >&2
kill "$pid" 2>/dev/null || true
exit 1
