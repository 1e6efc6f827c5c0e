# shellcheck shell=bash disable=SC2034
# Shared settings for scripts/kafka-*.sh (sourced, not run).
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM),
# resolved from Maven Central by scripts/kafka/pom.xml and run with plain `java`:
# no container registry and no vendor tarball are reachable here.
#
# Environment (all optional):
#   KAFKA_VERSION          broker version (default 3.9.2; 4.x works too, e.g. 4.0.0)
#   KAFKA_PORT             PLAINTEXT port on 127.0.0.1 (default 9092)
#   KAFKA_CONTROLLER_PORT  KRaft controller port (default KAFKA_PORT+1)
#   KAFKA_SASL_PORT        SASL_PLAINTEXT port on 127.0.0.1 (default KAFKA_PORT+2); users
#                          and passwords are listed in scripts/kafka-up.sh
#   KAFKA_WORK_DIR         config + data (default /var/tmp/logship-kafka-<version>[-p<port>])
#   KAFKA_START_TIMEOUT    seconds to wait for the broker to answer (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait for a graceful stop before SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        JVM heap flags (default -Xms256m -Xmx512m)
#   JAVA                   java binary (default: `java` on PATH; Java 17+)

KAFKA_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
KAFKA_VERSION="${KAFKA_VERSION:-3.9.2}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT="${KAFKA_CONTROLLER_PORT:-$((KAFKA_PORT + 1))}"
KAFKA_SASL_PORT="${KAFKA_SASL_PORT:-$((KAFKA_PORT + 2))}"
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
JAVA="${JAVA:-java}"

# Kafka 3.x is built against slf4j 1.7, 4.x against slf4j 2.0: the binding
# (slf4j-simple) must be of the same line or the broker logs nothing.
case "$KAFKA_VERSION" in
  3.*) KAFKA_SLF4J_VERSION="${KAFKA_SLF4J_VERSION:-1.7.36}" ;;
  *)   KAFKA_SLF4J_VERSION="${KAFKA_SLF4J_VERSION:-2.0.17}" ;;
esac

KAFKA_LIBS="$KAFKA_ROOT/.cache/kafka-$KAFKA_VERSION/libs"
if [ "$KAFKA_PORT" = 9092 ]; then
  KAFKA_WORK_DIR="${KAFKA_WORK_DIR:-/var/tmp/logship-kafka-$KAFKA_VERSION}"
  KAFKA_LOG="${KAFKA_LOG:-/var/log/logship-dev/kafka.log}"
else
  KAFKA_WORK_DIR="${KAFKA_WORK_DIR:-/var/tmp/logship-kafka-$KAFKA_VERSION-p$KAFKA_PORT}"
  KAFKA_LOG="${KAFKA_LOG:-/var/log/logship-dev/kafka-$KAFKA_PORT.log}"
fi
# The pid file is keyed by port, not version, so kafka-down.sh stops whatever
# kafka-up.sh started on that port whichever KAFKA_VERSION is set.
KAFKA_PID_FILE="/var/tmp/logship-kafka-$KAFKA_PORT.pid"

kafka_log() { echo "kafka: $*" >&2; }

kafka_need_kcat() {
  command -v kcat >/dev/null 2>&1 && return 0
  kafka_log "installing kcat"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kcat >/dev/null
}

# True when something accepts TCP connections on 127.0.0.1:$1 (fast, no kcat).
kafka_port_open() {
  timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null
}

# True when a broker answers a metadata request on 127.0.0.1:$KAFKA_PORT.
# (The port check first: on a closed port kcat retries until its -m timeout.)
kafka_answers() {
  kafka_port_open "$KAFKA_PORT" && kcat -L -b "127.0.0.1:$KAFKA_PORT" -m 3 >/dev/null 2>&1
}

# True when user $2 with password $3 can log in with SASL mechanism $1 on the
# SASL_PLAINTEXT port and fetch metadata.
kafka_sasl_login_works() {
  kafka_port_open "$KAFKA_SASL_PORT" && kcat -L -b "127.0.0.1:$KAFKA_SASL_PORT" -m 3 \
    -X security.protocol=SASL_PLAINTEXT -X "sasl.mechanisms=$1" \
    -X "sasl.username=$2" -X "sasl.password=$3" >/dev/null 2>&1
}

# Prints the pid from the pid file if that process is alive and is a Kafka broker.
kafka_running_pid() {
  [ -f "$KAFKA_PID_FILE" ] || return 1
  local pid
  pid="$(cat "$KAFKA_PID_FILE" 2>/dev/null || true)"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q 'kafka\.Kafka' || return 1
  echo "$pid"
}
