#!/usr/bin/env bash
# Starts a real single-node Apache Kafka broker (KRaft: broker + controller in
# one JVM) on 127.0.0.1:${KAFKA_PORT:-9092}, for tests against the real wire
# protocol instead of a mock. Jars come from Maven Central (kafka-fetch.sh) and
# run with plain `java`: no container registry is reachable here.
# Idempotent: if a broker already answers on the port it does nothing; the
# storage is formatted only once, so topics and records survive a restart.
# Usage: [KAFKA_VERSION=4.0.0] [KAFKA_PORT=9092] scripts/kafka-up.sh
# See scripts/kafka/common.sh for every setting; stop with scripts/kafka-down.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=kafka/common.sh
. "$here/kafka/common.sh"

kafka_need_kcat

if kafka_answers; then
  kafka_log "a broker already answers on 127.0.0.1:$KAFKA_PORT; nothing to do"
  exit 0
fi

"$here/kafka-fetch.sh"

data="$KAFKA_WORK_DIR/data"
props="$KAFKA_WORK_DIR/server.properties"
mkdir -p "$data" "$(dirname "$KAFKA_LOG")"

# Rewritten on every start (cheap, keeps it in step with this script).
# auto.create.topics.enable=false: the product creates its topics explicitly
# when configured to, so a test that forgets to create one fails loudly
# (UNKNOWN_TOPIC_OR_PARTITION) instead of silently getting a default topic.
cat >"$props" <<EOF
# Written by scripts/kafka-up.sh ($(date -u +%Y-%m-%dT%H:%M:%SZ)); edits are overwritten.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$data
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# A restarted 4.x combined node must wait for its previous broker session to
# expire before it may register again (DUPLICATE_BROKER_REGISTRATION): the
# 9 s default made every restart ~10 s slower.
broker.heartbeat.interval.ms=500
broker.session.timeout.ms=3000
EOF

read -r -a heap_opts <<<"$KAFKA_HEAP_OPTS"
java_cmd=("$JAVA" "${heap_opts[@]}" -XX:+UseG1GC -Djava.awt.headless=true
  -Dorg.slf4j.simpleLogger.showDateTime=true
  "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS"
  -cp "$KAFKA_LIBS/*")

# Format the storage once. meta.properties marks a formatted log dir; with a
# static controller.quorum.voters no --standalone/--initial-controllers is needed
# (those flags are for the dynamic quorum of 3.9+/4.x and clash with it).
if [ ! -f "$data/meta.properties" ]; then
  quiet=(-Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
  cluster_id="$("${java_cmd[@]}" "${quiet[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)"
  kafka_log "formatting $data (cluster id $cluster_id)"
  if ! "${java_cmd[@]}" "${quiet[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" \
        --ignore-formatted >>"$KAFKA_LOG" 2>&1; then
    kafka_log "formatting failed; last lines of $KAFKA_LOG:"
    tail -n 20 "$KAFKA_LOG" >&2
    exit 1
  fi
fi

if pid="$(kafka_running_pid)"; then
  kafka_log "broker pid $pid is running but does not answer yet; waiting for it"
else
  {
    echo "=== $(date -u +%Y-%m-%dT%H:%M:%SZ) kafka-up: Kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT, work dir $KAFKA_WORK_DIR"
  } >>"$KAFKA_LOG"
  # setsid + nohup: the broker outlives the shell (and job group) that started it.
  setsid nohup "${java_cmd[@]}" kafka.Kafka "$props" >>"$KAFKA_LOG" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$KAFKA_PID_FILE"
  echo "$KAFKA_VERSION" >"$KAFKA_PID_FILE.version"
  kafka_log "started Kafka $KAFKA_VERSION, pid $pid, log $KAFKA_LOG"
fi

start=$SECONDS
while [ $((SECONDS - start)) -lt "$KAFKA_START_TIMEOUT" ]; do
  if kafka_answers; then
    kafka_log "broker answers on 127.0.0.1:$KAFKA_PORT after $((SECONDS - start)) s"
    exit 0
  fi
  if ! kill -0 "$pid" 2>/dev/null; then
    kafka_log "broker process $pid exited; last lines of $KAFKA_LOG:"
    tail -n 40 "$KAFKA_LOG" >&2
    rm -f "$KAFKA_PID_FILE" "$KAFKA_PID_FILE.version"
    exit 1
  fi
  sleep 0.5
done
kafka_log "broker did not answer within $KAFKA_START_TIMEOUT s; last lines of $KAFKA_LOG:"
tail -n 40 "$KAFKA_LOG" >&2
kafka_log "pid $pid is left running (a rerun waits for it); scripts/kafka-down.sh stops it"
exit 1
