#!/usr/bin/env bash
# Stops the Kafka broker that scripts/kafka-up.sh started on
# 127.0.0.1:${KAFKA_PORT:-9092} (whatever its version): SIGTERM for a clean
# shutdown (so the next start needs no log recovery), SIGKILL after
# KAFKA_STOP_TIMEOUT (30 s). Idempotent: exits 0 when nothing is running.
# Data stays in the work dir; remove /var/tmp/logship-kafka-<version> to wipe it.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kafka/common.sh
. "$(dirname "$0")/kafka/common.sh"

if ! pid="$(kafka_running_pid)"; then
  rm -f "$KAFKA_PID_FILE" "$KAFKA_PID_FILE.version"
  if command -v kcat >/dev/null 2>&1 && kafka_answers; then
    kafka_log "a broker answers on 127.0.0.1:$KAFKA_PORT but was not started by kafka-up.sh; left alone"
  fi
  exit 0
fi

kafka_log "stopping broker pid $pid"
kill -TERM "$pid" 2>/dev/null || true
start=$SECONDS
while kill -0 "$pid" 2>/dev/null; do
  if [ $((SECONDS - start)) -ge "$KAFKA_STOP_TIMEOUT" ]; then
    kafka_log "still running after $KAFKA_STOP_TIMEOUT s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
    break
  fi
  sleep 0.5
done
rm -f "$KAFKA_PID_FILE" "$KAFKA_PID_FILE.version"
kafka_log "stopped after $((SECONDS - start)) s"
