#!/usr/bin/env bash
# The soak test for as long as you like (CI runs it for 90 s): two containers writing numbered
# lines to stdout and to a file inside them, shipped to Kafka and Elasticsearch behind disk
# buffers, while logship is killed with kill -9 (SOAK_KILLS, default 5) at random moments and Kafka
# and Elasticsearch are each stopped for 20 s. Prints the timeline, a table of what arrived where,
# and the peak RSS; exits non-zero when a line is missing or Elasticsearch holds a duplicate.
#   scripts/soak.sh [SECONDS_OF_WRITING]     default 1800; SOAK_RATE lines/s per container (250)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-1800}"
scripts/setup.sh
scripts/kafka-up.sh
scripts/elasticsearch-up.sh
SOAK_SECONDS="$seconds" npx vitest run --project soak
