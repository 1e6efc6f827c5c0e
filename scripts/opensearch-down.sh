#!/usr/bin/env bash
# Stops the single-node OpenSearch that scripts/opensearch-up.sh started:
# SIGTERM by its pid file (a graceful shutdown; data stays in the work folder),
# then SIGKILL after a timeout. Idempotent: no pid file or a dead pid is fine.
#
# Usage: scripts/opensearch-down.sh
# Environment (all optional):
#   OPENSEARCH_VERSION       stop only that version's node; unset: every
#                            /var/tmp/logship-opensearch-*/opensearch.pid (or $OPENSEARCH_WORK_DIR)
#   OPENSEARCH_WORK_DIR      work folder, as given to opensearch-up.sh
#   OPENSEARCH_STOP_TIMEOUT  seconds to wait after SIGTERM before SIGKILL (default 30)
#   OPENSEARCH_WIPE=1        also delete the work folder's data/ and logs/
set -euo pipefail

OPENSEARCH_STOP_TIMEOUT="${OPENSEARCH_STOP_TIMEOUT:-30}"
OPENSEARCH_WIPE="${OPENSEARCH_WIPE:-0}"

log() { echo "opensearch-down: $*" >&2; }

if [ -n "${OPENSEARCH_WORK_DIR:-}" ]; then
  work_dirs=("$OPENSEARCH_WORK_DIR")
elif [ -n "${OPENSEARCH_VERSION:-}" ]; then
  work_dirs=("/var/tmp/logship-opensearch-$OPENSEARCH_VERSION")
else
  shopt -s nullglob
  work_dirs=(/var/tmp/logship-opensearch-*)
  shopt -u nullglob
fi

is_opensearch_pid() {
  [ -d "/proc/$1" ] && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q 'org.opensearch.bootstrap'
}

stopped=0
for dir in "${work_dirs[@]}"; do
  pid_file="$dir/opensearch.pid"
  if [ -s "$pid_file" ]; then
    pid="$(cat "$pid_file")"
    if is_opensearch_pid "$pid"; then
      log "stopping OpenSearch pid $pid ($dir)"
      kill -TERM "$pid" 2>/dev/null || true
      deadline=$(($(date +%s) + OPENSEARCH_STOP_TIMEOUT))
      # Wait for the process itself to be gone (not just its cmdline, which a
      # dying process loses first), so the ports and data lock are free after.
      while [ -d "/proc/$pid" ] && [ "$(date +%s)" -lt "$deadline" ]; do sleep 0.2; done
      if [ -d "/proc/$pid" ]; then
        log "pid $pid still running after ${OPENSEARCH_STOP_TIMEOUT}s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        while [ -d "/proc/$pid" ]; do sleep 0.2; done
      fi
      stopped=$((stopped + 1))
    fi
    rm -f "$pid_file"
  fi
  if [ "$OPENSEARCH_WIPE" = 1 ] && [ -d "$dir" ]; then
    log "wiping $dir/data and $dir/logs"
    rm -rf "$dir/data" "$dir/logs"
  fi
done
[ "$stopped" -gt 0 ] || log "no running node found; nothing to stop"
