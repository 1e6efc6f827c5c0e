#!/usr/bin/env bash
# Stops the local Docker engine started by docker-up.sh (used by tests of daemon restarts).
set -euo pipefail
pid=$(pgrep -x dockerd || true)
[ -z "$pid" ] && exit 0
kill -TERM $pid
for _ in $(seq 1 120); do
  kill -0 $pid 2>/dev/null || exit 0
  sleep 0.5
done
echo "docker-down: dockerd did not stop" >&2
exit 1
