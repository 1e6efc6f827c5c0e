#!/usr/bin/env bash
# Builds logship and runs the benchmarks. Extra arguments go to the docker-logs benchmark,
# e.g. `bench/run.sh --runs 1 --json /tmp/bench.json`. Exit status is the benchmark's
# (non-zero only when lines were missing or duplicated, or a run failed; never for speed).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

if ! docker image inspect logship-test/busybox:1 >/dev/null 2>&1; then
  scripts/docker-up.sh
fi
npm run build
node bench/docker-logs/run.mjs "$@"
