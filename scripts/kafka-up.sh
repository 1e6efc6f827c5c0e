#!/usr/bin/env bash
# Starts a real single-node Apache Kafka broker (KRaft: broker + controller in
# one JVM) on 127.0.0.1:${KAFKA_PORT:-9092}, for tests against the real wire
# protocol instead of a mock. Jars come from Maven Central (kafka-fetch.sh) and
# run with plain `java`: no container registry is reachable here.
#
# Listeners (the PLAINTEXT one is also the inter-broker listener and the one
# the readiness check uses):
#   PLAINTEXT       127.0.0.1:$KAFKA_PORT            (9092) no authentication
#   SASL_PLAINTEXT  127.0.0.1:$KAFKA_SASL_PORT       (9094, KAFKA_PORT+2) for authentication tests
#   CONTROLLER      127.0.0.1:$KAFKA_CONTROLLER_PORT (9093, KAFKA_PORT+1) KRaft only
# SASL mechanisms PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 (no TLS), users:
#   logship / logship-secret   (the one tests should use)
#   admin   / admin-secret
# Both users exist for every mechanism. No authorizer: any authenticated user
# may produce, consume and create topics. PLAIN users are in the JAAS line of
# the config below; SCRAM users live in the KRaft metadata log (added at format
# time, or by ConfigCommand for a data dir formatted before they existed).
#   kcat -b 127.0.0.1:9094 -X security.protocol=SASL_PLAINTEXT -X sasl.mechanisms=PLAIN \
#        -X sasl.username=logship -X sasl.password=logship-secret -L
# (kcat SCRAM logins work against 3.x only: see ensure_sasl_users below.)
#
# Idempotent: if a broker already answers on the port it starts nothing (it
# only adds the SCRAM users if they are missing); the storage is formatted only
# once, so topics and records survive a restart.
# Usage: [KAFKA_VERSION=4.0.0] [KAFKA_PORT=9092] scripts/kafka-up.sh
# See scripts/kafka/common.sh for every setting; stop with scripts/kafka-down.sh.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=kafka/common.sh
. "$here/kafka/common.sh"

kafka_need_kcat

# SASL users (see the header). Keep the PLAIN JAAS line below in step.
sasl_users=(logship:logship-secret admin:admin-secret)
scram_mechanisms=(SCRAM-SHA-256 SCRAM-SHA-512)

# SCRAM credentials live in the KRaft metadata log. A data dir formatted by
# this script gets them at format time; $scram_marker records that (or that
# ConfigCommand added them later), so a restart costs nothing. Whether a login
# works cannot be asked of kcat instead: its librdkafka (< 2.6.1) has a SCRAM
# nonce bug that Kafka 4.x rejects (3.8.1+ tolerates it), so on 4.x kcat SCRAM
# logins fail with "invalid credentials" although Java clients and kafkajs
# log in fine.
scram_marker="$KAFKA_WORK_DIR/scram-users"
scram_marker_text="${scram_mechanisms[*]}: ${sasl_users[*]%%:*}"

# Checks that PLAIN works on the SASL port, and creates the SCRAM users with
# ConfigCommand when the data dir was formatted before they existed (once per
# user and mechanism: a KRaft controller refuses to alter one user twice in a
# request, DuplicateResourceException). Warns but does not fail: the PLAINTEXT
# broker is still usable.
ensure_sasl_users() {
  local entry mech
  if ! kafka_sasl_login_works PLAIN logship logship-secret; then
    kafka_log "WARNING: SASL PLAIN login as logship fails on 127.0.0.1:$KAFKA_SASL_PORT; see $KAFKA_LOG"
  fi
  [ "$(cat "$scram_marker" 2>/dev/null)" = "$scram_marker_text" ] && return 0
  "$here/kafka-fetch.sh"
  for entry in "${sasl_users[@]}"; do
    for mech in "${scram_mechanisms[@]}"; do
      kafka_log "creating $mech credentials for ${entry%%:*}"
      if ! "$JAVA" -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$KAFKA_LIBS/*" \
            kafka.admin.ConfigCommand --bootstrap-server "127.0.0.1:$KAFKA_PORT" --alter \
            --entity-type users --entity-name "${entry%%:*}" --add-config "$mech=[password=${entry#*:}]" \
            >>"$KAFKA_LOG" 2>&1; then
        kafka_log "WARNING: ConfigCommand failed; see $KAFKA_LOG"
        return 0
      fi
    done
  done
  echo "$scram_marker_text" >"$scram_marker" || true
  sleep 1 # the broker learns of them through the metadata log, a moment later
}

if kafka_answers; then
  kafka_log "a broker already answers on 127.0.0.1:$KAFKA_PORT; not starting another"
  if kafka_port_open "$KAFKA_SASL_PORT"; then
    ensure_sasl_users
  else
    kafka_log "WARNING: it has no SASL listener on 127.0.0.1:$KAFKA_SASL_PORT (started by an older" \
      "kafka-up.sh?); scripts/kafka-down.sh && scripts/kafka-up.sh restarts it with one"
  fi
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
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,SASL_PLAINTEXT://127.0.0.1:$KAFKA_SASL_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_PLAINTEXT:SASL_PLAINTEXT
# SASL for clients only (users: see the header of scripts/kafka-up.sh). The
# inter-broker and controller listeners stay PLAINTEXT; there is no authorizer.
sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="admin" password="admin-secret" user_admin="admin-secret" user_logship="logship-secret";
listener.name.sasl_plaintext.scram-sha-256.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
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
  # The SCRAM users go into the bootstrap metadata, so they exist from the start.
  scram_args=()
  for entry in "${sasl_users[@]}"; do
    for mech in "${scram_mechanisms[@]}"; do
      scram_args+=(--add-scram "$mech=[name=${entry%%:*},password=${entry#*:}]")
    done
  done
  kafka_log "formatting $data (cluster id $cluster_id)"
  if ! "${java_cmd[@]}" "${quiet[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" \
        --ignore-formatted "${scram_args[@]}" >>"$KAFKA_LOG" 2>&1; then
    kafka_log "formatting failed; last lines of $KAFKA_LOG:"
    tail -n 20 "$KAFKA_LOG" >&2
    exit 1
  fi
  echo "$scram_marker_text" >"$scram_marker"
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
    ensure_sasl_users
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
