#!/usr/bin/env bash
# The whole test suite, as CI runs it: set-up, lint, type-check, unit tests, pipeline validation,
# integration tests against the real Docker engine and a real Kafka broker, Elasticsearch and OpenSearch node. Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
echo "== Kafka broker (127.0.0.1:9092) [${SECONDS}s]" && scripts/kafka-up.sh
echo "== Elasticsearch node (127.0.0.1:9200) [${SECONDS}s]" && scripts/elasticsearch-up.sh
# one write thread and a queue of one: the opensearch tests meet real 429s (bench/lib/es.ts OPENSEARCH_WRITE_QUEUE)
echo "== OpenSearch node (127.0.0.1:9201) [${SECONDS}s]" && OPENSEARCH_WRITE_QUEUE_SIZE=1 OPENSEARCH_WRITE_THREADS=1 scripts/opensearch-up.sh
echo "== lint [${SECONDS}s]" && npx eslint .
echo "== typecheck [${SECONDS}s]" && npx tsc -p tsconfig.json --noEmit
echo "== validate pipelines [${SECONDS}s]" && node bin/logship.js validate $(ls pipelines/*.yaml | grep -v '\.test\.yaml$')
echo "== pipeline tests [${SECONDS}s]" && node bin/logship.js test pipelines/*.test.yaml
echo "== validate docker-compose.yml [${SECONDS}s]" && docker-compose -f docker-compose.yml config -q
echo "== unit tests [${SECONDS}s]" && npx vitest run --project unit
echo "== integration tests (real Docker engine, Kafka, Elasticsearch, OpenSearch) [${SECONDS}s]" && npx vitest run --project integration
echo "== soak, short form (kill -9 ×5, Kafka and Elasticsearch each down 20 s; scripts/soak.sh for longer) [${SECONDS}s]" && SOAK_SECONDS="${SOAK_SECONDS:-90}" npx vitest run --project soak
