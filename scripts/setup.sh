#!/usr/bin/env bash
# One-time (idempotent) set-up of a fresh machine for logship: Docker engine, test images,
# Node dependencies and the build. Kafka and Elasticsearch are started by the scripts that need them.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/docker-up.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npm run build >/dev/null
