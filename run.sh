#!/usr/bin/env bash
# Runs RetroIm on this machine; Ctrl-C stops everything it started.
#   ./run.sh              Redis + 2 ImServer nodes + the WebApi when redis-server is installed,
#                         otherwise the embedded single node (the WebApi hosts the relay itself, no Redis)
#   ./run.sh --embedded   always the embedded single node
#   ./run.sh --nodes 3    more ImServer nodes
# Then open http://127.0.0.1:5080/
exec bash "$(dirname "$0")/deploy/local/cluster.sh" "$@"
