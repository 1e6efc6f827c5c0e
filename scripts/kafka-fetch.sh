#!/usr/bin/env bash
# Resolves the Kafka broker jars (plus admin tools and an slf4j binding) from
# Maven Central into .cache/kafka-<version>/libs. Idempotent: does nothing when
# the libs are already there. Called by kafka-up.sh; can be run alone to warm
# the cache (e.g. in CI before the tests start the broker).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=kafka/common.sh
. "$(dirname "$0")/kafka/common.sh"

if [ -f "$KAFKA_LIBS/.complete" ]; then
  exit 0
fi

command -v mvn >/dev/null 2>&1 || { kafka_log "mvn not found (needed to fetch Kafka from Maven Central)"; exit 1; }
kafka_log "fetching Kafka $KAFKA_VERSION (slf4j $KAFKA_SLF4J_VERSION) from Maven Central"
start=$SECONDS
tmp="$KAFKA_LIBS.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
# (sed: Debian's Maven 3.8 prints stray colour codes even with -q -B.)
if ! mvn -q -B -Dstyle.color=never -f "$KAFKA_ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
      -Dkafka.version="$KAFKA_VERSION" -Dslf4j.version="$KAFKA_SLF4J_VERSION" \
      -DoutputDirectory="$tmp" 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
  kafka_log "mvn could not resolve org.apache.kafka:kafka_2.13:$KAFKA_VERSION"
  exit 1
fi
ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null
touch "$tmp/.complete"
rm -rf "$KAFKA_LIBS"
mkdir -p "$(dirname "$KAFKA_LIBS")"
mv "$tmp" "$KAFKA_LIBS"
kafka_log "fetched $(find "$KAFKA_LIBS" -name '*.jar' | wc -l) jars into $KAFKA_LIBS in $((SECONDS - start)) s"
