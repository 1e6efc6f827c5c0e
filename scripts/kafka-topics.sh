#!/usr/bin/env bash
# Runs Kafka's own topic admin tool (org.apache.kafka.tools.TopicCommand, from
# the kafka-tools jar; the old kafka.admin.TopicCommand is gone in 3.9 and 4.x)
# against the local broker of kafka-up.sh. The broker runs with
# auto.create.topics.enable=false, so tests create their topics with this (or
# with their own admin client).
# Usage: scripts/kafka-topics.sh --create --topic t1 [--partitions 3]
#        scripts/kafka-topics.sh --list | --describe --topic t1 | --delete --topic t1
# --bootstrap-server is added (127.0.0.1:$KAFKA_PORT) unless given;
# --replication-factor 1 is added to --create unless given.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=kafka/common.sh
. "$here/kafka/common.sh"

"$here/kafka-fetch.sh"
args=("$@")
case " $* " in *" --bootstrap-server "*) ;; *) args+=(--bootstrap-server "127.0.0.1:$KAFKA_PORT") ;; esac
case " $* " in
  *" --create "*) case " $* " in *" --replication-factor "*) ;; *) args+=(--replication-factor 1) ;; esac ;;
esac
exec "$JAVA" -Xmx256m -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -cp "$KAFKA_LIBS/*" \
  org.apache.kafka.tools.TopicCommand "${args[@]}"
